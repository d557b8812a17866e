package dispatch

// OrderedDataStore of reference §4.4 and design decision 8: the ordered
// variants of GetAsync, SetAsync, IncrementAsync, RemoveAsync and the
// UpdateAsync pair (reached through the shared op names with
// "ordered": true, see cmd_standard.go), plus GetSortedAsync and
// BatchGetAsync, which only an OrderedDataStore has.
//
// Ordered results carry "keyInfo": null, as OrderedDataStore returns no
// DataStoreKeyInfo.

import (
	"context"
	"encoding/json"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	registerOrdered("GetAsync", orderedGetAsync)
	registerOrdered("SetAsync", orderedSetAsync)
	registerOrdered("IncrementAsync", orderedIncrementAsync)
	registerOrdered("RemoveAsync", orderedRemoveAsync)
	registerOrdered("ReadForUpdate", orderedReadForUpdate)
	registerOrdered("CommitUpdate", orderedCommitUpdate)
	Register(
		Op{Name: "GetSortedAsync", Doc: "OrderedDataStore:GetSortedAsync(ascending, pageSize, minValue, maxValue): one page of entries", Handle: getSortedAsync},
		Op{Name: "BatchGetAsync", Doc: "OrderedDataStore:BatchGetAsync(keys): the values of 1..100 keys", Handle: batchGetAsync},
	)
}

// orderedCall describes an ordered call to the gate.
func orderedCall(op string, ref engine.StoreRef, key string, writeBytes int, types ...string) *Call {
	return &Call{Op: op, Store: ref, Ordered: true, Key: key, RequestTypes: types, WriteBytes: writeBytes}
}

func orderedGetAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "GetAsync"
	var a keyOnlyArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := orderedCall(op, ref, key, 0, "OrderedRead")
	c.Check = keyCheck(d, ref, key, true)
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.OrderedGet(ref, key)
		return entryResult(e), readSize(e), err
	})
}

// OrderedSetResult is SetAsync's result on an ordered store: no version and
// no key info (both null; the Luau method returns nil).
type OrderedSetResult struct {
	Version *string         `json:"version"`
	KeyInfo *engine.KeyInfo `json:"keyInfo"`
}

func orderedSetAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "SetAsync"
	var a setArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := orderedCall(op, ref, key, len(a.Value), "OrderedWrite")
	c.Check = func() (int, error) { return 0, d.Engine.CheckOrderedSet(ref, key, a.Value, a.options()) }
	return d.run(ctx, s, c, func() (any, int, error) {
		_, err := d.Engine.OrderedSet(ref, key, a.Value, a.options())
		return OrderedSetResult{}, 0, err
	})
}

func orderedIncrementAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "IncrementAsync"
	var a incrementArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := orderedCall(op, ref, key, 8, "OrderedWrite")
	c.Check = keyCheck(d, ref, key, true)
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.OrderedIncrement(ref, key, a.Delta, a.options())
		return entryResult(e), 0, err
	})
}

func orderedRemoveAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "RemoveAsync"
	var a keyOnlyArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := orderedCall(op, ref, key, 1, "OrderedRemove")
	c.Check = keyCheck(d, ref, key, true)
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.OrderedRemove(ref, key)
		return entryResult(e), 0, err
	})
}

func orderedReadForUpdate(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "ReadForUpdate"
	var a keyOnlyArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := orderedCall("UpdateAsync", ref, key, 0, "OrderedRead", "OrderedWrite")
	c.Check = keyCheck(d, ref, key, true)
	return d.run(ctx, s, c, func() (any, int, error) {
		e, token, err := d.Engine.OrderedReadForUpdate(ref, key)
		return ReadResult{EntryResult: entryResult(e), Token: token}, readSize(e), err
	})
}

func orderedCommitUpdate(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "CommitUpdate"
	var a commitArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	if a.Token == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "token")
	}
	// The budgets were taken by ReadForUpdate (as for standard stores).
	c := orderedCall("UpdateAsync", ref, key, len(a.Value))
	c.Check = func() (int, error) { return 0, d.Engine.CheckOrderedSet(ref, key, a.Value, a.options()) }
	return d.run(ctx, s, c, func() (any, int, error) {
		return commitResult(d.Engine.OrderedCommitUpdate(ref, key, *a.Token, a.Value, a.options()))
	})
}

type sortedArgs struct {
	StoreArgs
	Ascending *bool           `json:"ascending"`
	PageSize  number          `json:"pageSize"`
	MinValue  json.RawMessage `json:"minValue"`
	MaxValue  json.RawMessage `json:"maxValue"`
	Cursor    string          `json:"cursor"`
}

// orderedOnly refuses an op that only OrderedDataStore has.
func orderedOnly(op string, a StoreArgs) error {
	if !a.Ordered {
		return dserr.New(dserr.ProtocolBadArgument, op, `only an OrderedDataStore has it (send "ordered": true)`)
	}
	return nil
}

func getSortedAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "GetSortedAsync"
	var a sortedArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if err := orderedOnly(op, a.StoreArgs); err != nil {
		return nil, err
	}
	ref, err := a.ref(op, s)
	if err != nil {
		return nil, err
	}
	if a.Ascending == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "ascending")
	}
	if !a.PageSize.set {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "pageSize")
	}
	size, err := pageSizeArg(op, a.PageSize)
	if err != nil {
		return nil, err
	}
	c := orderedCall(op, ref, "", 0, "OrderedList")
	return d.run(ctx, s, c, func() (any, int, error) {
		page, err := d.Engine.GetSorted(ref, engine.SortedOptions{Ascending: *a.Ascending, PageSize: size, MinValue: a.MinValue, MaxValue: a.MaxValue, Cursor: a.Cursor})
		return page, 0, err
	})
}

type batchGetArgs struct {
	StoreArgs
	Keys []string `json:"keys"`
	// Options is BatchGetAsync's options dictionary, which Roblox ignores.
	Options json.RawMessage `json:"options"`
}

// BatchGetResult is BatchGetAsync's result: {key: {value}} for the keys
// that have a value.
type BatchGetResult struct {
	Values map[string]engine.BatchItem `json:"values"`
}

// batchGetAsync admits one OrderedRead call per key, in order (N keys are N
// requests, reference §3.4), each naming its key for the per-key windows,
// and then reads all the keys in one transaction. A key refused by the gate
// fails the whole call; the requests admitted before it stay spent.
func batchGetAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "BatchGetAsync"
	var a batchGetArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if !a.Ordered {
		return nil, dserr.New(dserr.BatchGetOnStandardStore)
	}
	ref, err := a.ref(op, s)
	if err != nil {
		return nil, err
	}
	if a.Keys == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "keys")
	}
	// Every argument is checked before any budget is spent.
	if err := d.Engine.CheckBatchGet(ref, a.Keys); err != nil {
		return nil, withContext(err, op, ref.Name)
	}
	calls := make([]*Call, len(a.Keys))
	for i, k := range a.Keys {
		calls[i] = orderedCall(op, ref, k, 0, "OrderedRead")
		if err := d.admit(ctx, s, calls[i]); err != nil {
			return nil, withContext(err, op, ref.Name)
		}
	}
	values, err := d.Engine.BatchGet(ref, a.Keys)
	for i, k := range a.Keys {
		n := 0
		if _, ok := values[k]; ok {
			n = 8
		}
		d.done(s, calls[i], n)
	}
	if err != nil {
		return nil, withContext(err, op, ref.Name)
	}
	return BatchGetResult{Values: values}, nil
}

package dispatch

// GetAsync, SetAsync, IncrementAsync, RemoveAsync and the UpdateAsync pair
// (ReadForUpdate, CommitUpdate) of reference §4.2, for standard data stores.
// With "ordered": true the same op names reach the ordered family
// (cmd_ordered.go), as one Luau method name serves both store classes.

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	Register(
		Op{Name: "GetAsync", Doc: "GlobalDataStore:GetAsync(key)", Handle: getAsync},
		Op{Name: "SetAsync", Doc: "GlobalDataStore:SetAsync(key, value, userIds, options)", Handle: setAsync},
		Op{Name: "IncrementAsync", Doc: "GlobalDataStore:IncrementAsync(key, delta, userIds, options)", Handle: incrementAsync},
		Op{Name: "RemoveAsync", Doc: "GlobalDataStore:RemoveAsync(key)", Handle: removeAsync},
		Op{Name: "ReadForUpdate", Doc: "UpdateAsync, read half: value, key info and the token to commit against", Handle: readForUpdate},
		Op{Name: "CommitUpdate", Doc: "UpdateAsync, write half: writes only if the key is still at token", Handle: commitUpdate},
	)
}

// orderedHandlers holds the ordered-store variants of the shared op names,
// filled by cmd_ordered.go.
var (
	orderedMu       sync.RWMutex
	orderedHandlers = map[string]Handler{}
)

// registerOrdered installs the ordered-store variant of a shared op name.
func registerOrdered(name string, h Handler) {
	orderedMu.Lock()
	defer orderedMu.Unlock()
	orderedHandlers[name] = h
}

// routeOrdered runs the ordered variant when args say "ordered": true.
func routeOrdered(ctx context.Context, d *Dispatcher, s *Session, op string, args json.RawMessage) (any, bool, error) {
	// Most requests name no "ordered" field: skip the probe decode (a second
	// pass over a SetAsync value of up to 4 MB) unless the word is there.
	if !bytes.Contains(args, []byte(`"ordered"`)) {
		return nil, false, nil
	}
	var probe struct {
		Ordered bool `json:"ordered"`
	}
	_ = json.Unmarshal(args, &probe) // strict decoding follows in the handler
	if !probe.Ordered {
		return nil, false, nil
	}
	orderedMu.RLock()
	h, ok := orderedHandlers[op]
	orderedMu.RUnlock()
	if !ok {
		return nil, true, dserr.New(dserr.ProtocolBadArgument, op, "not available on an OrderedDataStore")
	}
	res, err := h(ctx, d, s, args)
	return res, true, err
}

// EntryResult is the result of GetAsync, IncrementAsync, RemoveAsync and the
// UpdateAsync pair: value and key info, both null when there is none.
type EntryResult struct {
	Value   json.RawMessage `json:"value"`
	KeyInfo *engine.KeyInfo `json:"keyInfo"`
}

func entryResult(e *engine.Entry) EntryResult {
	if e == nil {
		return EntryResult{Value: json.RawMessage("null")}
	}
	return EntryResult{Value: e.Value, KeyInfo: e.Info}
}

func readSize(e *engine.Entry) int {
	if e == nil {
		return 0
	}
	return len(e.Value)
}

// keyCheck is a Call.Check that validates the store and key.
func keyCheck(d *Dispatcher, ref engine.StoreRef, key string, ordered bool) func() (int, error) {
	return func() (int, error) { return 0, d.Engine.CheckKey(ref, key, ordered) }
}

type keyOnlyArgs struct {
	KeyArgs
}

func getAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "GetAsync", args); routed {
		return res, err
	}
	var a keyOnlyArgs
	if err := decodeKeyOnlyArgs("GetAsync", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("GetAsync", s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: "GetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRead"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.Get(ref, key)
		return entryResult(e), readSize(e), err
	})
}

type setArgs struct {
	KeyArgs
	WriteArgs
	Value json.RawMessage `json:"value"`
}

// SetResult is SetAsync's result: the new version id (SetAsync's return
// value) and the key info of the version written.
type SetResult struct {
	Version string          `json:"version"`
	KeyInfo *engine.KeyInfo `json:"keyInfo"`
}

func setAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "SetAsync", args); routed {
		return res, err
	}
	var a setArgs
	if err := decodeSetArgs("SetAsync", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("SetAsync", s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: "SetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: len(a.Value),
		Check: func() (int, error) { return d.Engine.CheckSet(ref, key, a.Value, a.options()) }}
	return d.run(ctx, s, c, func() (any, int, error) {
		info, err := d.Engine.Set(ref, key, a.Value, a.options())
		if err != nil {
			return nil, 0, err
		}
		return SetResult{Version: info.Version, KeyInfo: info}, 0, nil
	})
}

type incrementArgs struct {
	KeyArgs
	WriteArgs
	Delta json.RawMessage `json:"delta"`
}

func incrementAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "IncrementAsync", args); routed {
		return res, err
	}
	var a incrementArgs
	if err := decodeArgs("IncrementAsync", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("IncrementAsync", s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: "IncrementAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: 8,
		Check: func() (int, error) { return 0, d.Engine.CheckIncrement(ref, key, a.Delta, a.options()) }}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.Increment(ref, key, a.Delta, a.options())
		return entryResult(e), 0, err
	})
}

func removeAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "RemoveAsync", args); routed {
		return res, err
	}
	var a keyOnlyArgs
	if err := decodeKeyOnlyArgs("RemoveAsync", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("RemoveAsync", s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: "RemoveAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRemove"}, WriteBytes: 1, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.Remove(ref, key)
		return entryResult(e), 0, err
	})
}

// ReadResult is ReadForUpdate's result: the value and key info the transform
// receives, and the token CommitUpdate must name ("" for a missing key).
type ReadResult struct {
	EntryResult
	Token string `json:"token"`
}

func readForUpdate(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "ReadForUpdate", args); routed {
		return res, err
	}
	var a keyOnlyArgs
	if err := decodeKeyOnlyArgs("ReadForUpdate", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("ReadForUpdate", s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: "UpdateAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRead", "StandardWrite"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, token, err := d.Engine.ReadForUpdate(ref, key)
		return ReadResult{EntryResult: entryResult(e), Token: token}, readSize(e), err
	})
}

type commitArgs struct {
	KeyArgs
	WriteArgs
	Token *string         `json:"token"`
	Value json.RawMessage `json:"value"`
}

// CommitResult is CommitUpdate's result. Committed false means another
// writer got there first: Value, KeyInfo and Token are the fresh state, and
// the client runs its transform again.
type CommitResult struct {
	Committed bool            `json:"committed"`
	Value     json.RawMessage `json:"value"`
	KeyInfo   *engine.KeyInfo `json:"keyInfo"`
	// Token is present only when Committed is false ("" for a key that
	// does not exist now).
	Token *string `json:"token,omitempty"`
}

func commitUpdate(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	if res, routed, err := routeOrdered(ctx, d, s, "CommitUpdate", args); routed {
		return res, err
	}
	var a commitArgs
	if err := decodeArgs("CommitUpdate", args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.target("CommitUpdate", s)
	if err != nil {
		return nil, err
	}
	if a.Token == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, "CommitUpdate", "token")
	}
	// The budgets were taken by ReadForUpdate; the commit only counts
	// against the per-key write window.
	c := &Call{Op: "UpdateAsync", Store: ref, Key: key, WriteBytes: len(a.Value),
		Check: func() (int, error) { return d.Engine.CheckSet(ref, key, a.Value, a.options()) }}
	return d.run(ctx, s, c, func() (any, int, error) {
		return commitResult(d.Engine.CommitUpdate(ref, key, *a.Token, a.Value, a.options()))
	})
}

// commitResult turns the outcome of a CommitUpdate (standard or ordered)
// into its result: a conflict is a result (Committed false, with the fresh
// state), not an error. Nothing is read, so the read size is 0.
func commitResult(e *engine.Entry, err error) (any, int, error) {
	if conflict, ok := err.(*engine.Conflict); ok {
		r := entryResult(conflict.Current)
		token := conflict.Token
		return CommitResult{Committed: false, Value: r.Value, KeyInfo: r.KeyInfo, Token: &token}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	r := entryResult(e)
	return CommitResult{Committed: true, Value: r.Value, KeyInfo: r.KeyInfo}, 0, nil
}

package dispatch

// ListKeysAsync (DataStore, reference §4.3) and ListDataStoresAsync
// (DataStoreService, §4.1). Each call returns one page,
// {items, cursor, isFinished}; the client fetches the next page by sending
// the same arguments with the cursor (Pages:AdvanceToNextPageAsync). Both
// consume StandardList budget, one request per page.

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	Register(
		Op{Name: "ListKeysAsync", Doc: "DataStore:ListKeysAsync(prefix, pageSize, cursor, excludeDeleted): one page of keys", Handle: listKeysAsync},
		Op{Name: "ListDataStoresAsync", Doc: "DataStoreService:ListDataStoresAsync(prefix, pageSize, cursor): one page of data stores", Handle: listDataStoresAsync},
	)
}

// number is a numeric argument: a JSON number, or null or absent for none.
// Anything else is refused as a field of the wrong type.
type number struct {
	n   json.Number
	set bool
}

func (v *number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = number{}
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[float64]()}
	}
	*v = number{n: json.Number(b), set: true}
	return nil
}

// intArg reads an optional integer argument (0 when absent). Luau hands an
// int parameter any number and drops its fraction; so does this. A value
// beyond int64 is clamped to it.
func intArg(op, field string, v number) (int64, error) {
	if !v.set {
		return 0, nil
	}
	if i, err := v.n.Int64(); err == nil {
		return i, nil
	}
	f, err := v.n.Float64()
	if (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsNaN(f) {
		return 0, dserr.New(dserr.ProtocolWrongType, op, field, "a number")
	}
	switch f = math.Trunc(f); {
	case f >= math.MaxInt64:
		return math.MaxInt64, nil
	case f <= math.MinInt64:
		return math.MinInt64, nil
	}
	return int64(f), nil
}

// pageSizeArg reads a listing's page size; the engine applies the default
// and the maximum.
func pageSizeArg(op string, n number) (int, error) {
	v, err := intArg(op, "pageSize", n)
	if err != nil {
		return 0, err
	}
	return int(max(min(v, math.MaxInt32), math.MinInt32)), nil
}

// standardOnly refuses an op that only DataStore (not OrderedDataStore) has.
func standardOnly(op string, a StoreArgs) error {
	if a.Ordered {
		return dserr.New(dserr.ProtocolBadArgument, op, "not available on an OrderedDataStore")
	}
	return nil
}

type listKeysArgs struct {
	StoreArgs
	Prefix         string `json:"prefix"`
	PageSize       number `json:"pageSize"`
	Cursor         string `json:"cursor"`
	ExcludeDeleted bool   `json:"excludeDeleted"`
}

func listKeysAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "ListKeysAsync"
	var a listKeysArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if err := standardOnly(op, a.StoreArgs); err != nil {
		return nil, err
	}
	ref, err := a.ref(op, s)
	if err != nil {
		return nil, err
	}
	size, err := pageSizeArg(op, a.PageSize)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: op, Store: ref, RequestTypes: []string{"StandardList"}}
	return d.run(ctx, s, c, func() (any, int, error) {
		page, err := d.Engine.ListKeys(ref, engine.ListKeysOptions{Prefix: a.Prefix, PageSize: size, Cursor: a.Cursor, ExcludeDeleted: a.ExcludeDeleted})
		return page, 0, err
	})
}

type listStoresArgs struct {
	Prefix   string `json:"prefix"`
	PageSize number `json:"pageSize"`
	Cursor   string `json:"cursor"`
}

func listDataStoresAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "ListDataStoresAsync"
	var a listStoresArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	size, err := pageSizeArg(op, a.PageSize)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: op, Store: engine.StoreRef{Universe: s.Universe}, RequestTypes: []string{"StandardList"}}
	return d.run(ctx, s, c, func() (any, int, error) {
		page, err := d.Engine.ListDataStores(s.Universe, engine.ListStoresOptions{Prefix: a.Prefix, PageSize: size, Cursor: a.Cursor})
		return page, 0, err
	})
}

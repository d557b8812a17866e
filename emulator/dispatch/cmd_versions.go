package dispatch

// ListVersionsAsync, GetVersionAsync, GetVersionAtTimeAsync and
// RemoveVersionAsync of reference §4.3: the version history of a standard
// data store key (design decision 4). OrderedDataStore has none of them.

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	Register(
		Op{Name: "ListVersionsAsync", Doc: "DataStore:ListVersionsAsync(key, sortDirection, minDate, maxDate, pageSize): one page of versions", Handle: listVersionsAsync},
		Op{Name: "GetVersionAsync", Doc: "DataStore:GetVersionAsync(key, version)", Handle: getVersionAsync},
		Op{Name: "GetVersionAtTimeAsync", Doc: "DataStore:GetVersionAtTimeAsync(key, timestamp)", Handle: getVersionAtTimeAsync},
		Op{Name: "RemoveVersionAsync", Doc: "DataStore:RemoveVersionAsync(key, version)", Handle: removeVersionAsync},
	)
}

// sortDescending reads Enum.SortDirection: its item name ("Ascending",
// "Descending", also as "Enum.SortDirection.Descending") or value (0, 1);
// absent or null is Ascending.
func sortDescending(op string, raw json.RawMessage) (bool, error) {
	if !present(raw) {
		return false, nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		switch strings.TrimPrefix(name, "Enum.SortDirection.") {
		case "Ascending":
			return false, nil
		case "Descending":
			return true, nil
		}
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		switch n.String() {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
	}
	return false, dserr.New(dserr.ProtocolBadArgument, op, `sortDirection must be "Ascending" or "Descending"`)
}

// standardTarget is target for an op that only a standard data store has.
func (a KeyArgs) standardTarget(op string, s *Session) (engine.StoreRef, string, error) {
	if err := standardOnly(op, a.StoreArgs); err != nil {
		return engine.StoreRef{}, "", err
	}
	return a.target(op, s)
}

type listVersionsArgs struct {
	KeyArgs
	SortDirection json.RawMessage `json:"sortDirection"`
	MinDate       number          `json:"minDate"`
	MaxDate       number          `json:"maxDate"`
	PageSize      number          `json:"pageSize"`
	Cursor        string          `json:"cursor"`
}

func listVersionsAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "ListVersionsAsync"
	var a listVersionsArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.standardTarget(op, s)
	if err != nil {
		return nil, err
	}
	opt := engine.ListVersionsOptions{Cursor: a.Cursor}
	if opt.Descending, err = sortDescending(op, a.SortDirection); err != nil {
		return nil, err
	}
	if opt.MinDate, err = intArg(op, "minDate", a.MinDate); err != nil {
		return nil, err
	}
	if opt.MaxDate, err = intArg(op, "maxDate", a.MaxDate); err != nil {
		return nil, err
	}
	if opt.PageSize, err = pageSizeArg(op, a.PageSize); err != nil {
		return nil, err
	}
	c := &Call{Op: op, Store: ref, Key: key, RequestTypes: []string{"StandardList"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		page, err := d.Engine.ListVersions(ref, key, opt)
		return page, 0, err
	})
}

type versionArgs struct {
	KeyArgs
	Version *string `json:"version"`
}

func (a versionArgs) target(op string, s *Session) (engine.StoreRef, string, string, error) {
	ref, key, err := a.standardTarget(op, s)
	if err != nil {
		return ref, "", "", err
	}
	if a.Version == nil {
		return ref, "", "", dserr.New(dserr.ProtocolMissingField, op, "version")
	}
	return ref, key, *a.Version, nil
}

func getVersionAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "GetVersionAsync"
	var a versionArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, version, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: op, Store: ref, Key: key, RequestTypes: []string{"StandardRead"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.GetVersion(ref, key, version)
		return entryResult(e), readSize(e), err
	})
}

type versionAtTimeArgs struct {
	KeyArgs
	Timestamp number `json:"timestamp"`
}

func getVersionAtTimeAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "GetVersionAtTimeAsync"
	var a versionAtTimeArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, err := a.standardTarget(op, s)
	if err != nil {
		return nil, err
	}
	if !a.Timestamp.set {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "timestamp")
	}
	ts, err := intArg(op, "timestamp", a.Timestamp)
	if err != nil {
		return nil, err
	}
	c := &Call{Op: op, Store: ref, Key: key, RequestTypes: []string{"StandardRead"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		e, err := d.Engine.GetVersionAtTime(ref, key, ts)
		return entryResult(e), readSize(e), err
	})
}

func removeVersionAsync(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "RemoveVersionAsync"
	var a versionArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	ref, key, version, err := a.target(op, s)
	if err != nil {
		return nil, err
	}
	// RemoveVersionAsync keeps its own legacy budget (reference §3.2).
	c := &Call{Op: op, Store: ref, Key: key, RequestTypes: []string{"RemoveVersionAsync"}, Check: keyCheck(d, ref, key, false)}
	return d.run(ctx, s, c, func() (any, int, error) {
		return struct{}{}, 0, d.Engine.RemoveVersion(ref, key, version)
	})
}

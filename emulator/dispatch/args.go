package dispatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// decodeArgs decodes args strictly into v: unknown fields, wrong types and
// malformed JSON each give their own protocol error naming the op and field.
func decodeArgs(op string, args json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return argError(op, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return dserr.New(dserr.ProtocolMalformed, "args of "+op+" hold more than one JSON value")
	}
	return nil
}

func argError(op string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return dserr.New(dserr.ProtocolWrongType, op, "args", "an object")
		}
		// Fields of embedded argument structs come as "KeyArgs.key": the
		// client knows only the JSON name after the last dot.
		field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]
		return dserr.New(dserr.ProtocolWrongType, op, field, jsonTypeName(te.Type.Kind().String()))
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return dserr.New(dserr.ProtocolUnknownField, op, strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`))
	}
	return dserr.New(dserr.ProtocolMalformed, err.Error())
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "int32", "uint64", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// StoreArgs name the data store object an op works on, as GetDataStore and
// GetOrderedDataStore take them. Scope defaults to "global" (empty with
// allScopes).
type StoreArgs struct {
	Store     *string `json:"store"`
	Scope     *string `json:"scope"`
	AllScopes bool    `json:"allScopes"`
	Ordered   bool    `json:"ordered"`
}

// ref checks presence and builds the engine reference for session s.
func (a StoreArgs) ref(op string, s *Session) (engine.StoreRef, error) {
	if a.Store == nil {
		return engine.StoreRef{}, dserr.New(dserr.ProtocolMissingField, op, "store")
	}
	scope := engine.DefaultScope
	if a.AllScopes {
		scope = ""
	}
	if a.Scope != nil {
		scope = *a.Scope
	}
	return engine.StoreRef{Universe: s.Universe, Name: *a.Store, Scope: scope, AllScopes: a.AllScopes}, nil
}

// KeyArgs adds a key.
type KeyArgs struct {
	StoreArgs
	Key *string `json:"key"`
}

func (a KeyArgs) target(op string, s *Session) (engine.StoreRef, string, error) {
	ref, err := a.ref(op, s)
	if err != nil {
		return ref, "", err
	}
	if a.Key == nil {
		return ref, "", dserr.New(dserr.ProtocolMissingField, op, "key")
	}
	return ref, *a.Key, nil
}

// WriteArgs add what a write carries beside the value.
type WriteArgs struct {
	UserIDs  json.RawMessage `json:"userIds"`
	Metadata json.RawMessage `json:"metadata"`
}

func (w WriteArgs) options() engine.WriteOptions {
	return engine.WriteOptions{UserIDs: w.UserIDs, Metadata: w.Metadata}
}

// present reports whether a raw JSON field was given (and is not null).
func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

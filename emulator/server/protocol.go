package server

// The request and reply objects of docs/protocol.md, shared by both doors:
// parsing a request envelope, the door's own ops (hello, players, ping, bye),
// and shaping replies and errors.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// ProtocolVersion is the version of docs/protocol.md this server speaks.
const ProtocolVersion = 1

// maxValueBytes is the largest value a request may carry (design decision 2:
// 4 MiB of compact JSON, inclusive).
const maxValueBytes = 4 << 20

// MaxRequestBytes bounds one WebSocket frame or one HTTP body.
//
// The value limit applies to the compact encoding, but a client may send that
// value with every byte written as a six-byte JSON escape ("\u0001"; a
// non-ASCII rune costs at most two bytes of escape per byte of UTF-8, a
// control character six), so a legal request can be up to six times the
// value limit. 64 KiB more covers the envelope: id, op, store, scope and key
// (50 bytes each before escaping), 300 bytes of metadata, user ids. Anything
// larger cannot be a request the engine would accept, and is refused before
// it is parsed.
const MaxRequestBytes = maxValueBytes*6 + 64<<10

// Door ops: answered by the door itself, never by the dispatcher.
const (
	opHello   = "hello"
	opPlayers = "players"
	opPing    = "ping"
	opBye     = "bye"
)

// envelopeFields are the only top-level fields of a request.
var envelopeFields = []string{"id", "op", "args"}

// request is one parsed request envelope.
type request struct {
	// ID is the raw JSON of the client's id (a number or a string), echoed
	// byte for byte in the reply; nil when the request has none.
	ID   json.RawMessage
	Op   string
	Args json.RawMessage
}

// parseRequest reads one request object. On failure it still returns the id
// when one could be read, so that the error reply can carry it. A
// well-formed envelope is read in one pass (parseRequestFast, fastjson.go;
// its id and args then alias b); anything else takes the general path.
func parseRequest(b []byte) (request, *dserr.Error) {
	if req, ok := parseRequestFast(b); ok {
		return req, nil
	}
	return parseRequestGeneral(b)
}

// parseRequestGeneral is parseRequest by encoding/json: any input, and the
// error reply for a bad one.
func parseRequestGeneral(b []byte) (request, *dserr.Error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return request{}, dserr.New(dserr.ProtocolMalformed, fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error()))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return request{}, dserr.New(dserr.ProtocolMalformed, "the request must be a JSON object, not "+jsonKind(b))
		}
		return request{}, dserr.New(dserr.ProtocolMalformed, err.Error())
	}
	if fields == nil {
		return request{}, dserr.New(dserr.ProtocolMalformed, "the request must be a JSON object, not null")
	}
	var req request
	if id, ok := fields["id"]; ok {
		switch jsonKind(id) {
		case "a number", "a string":
			req.ID = id
		case "null":
		default:
			return request{}, dserr.New(dserr.ProtocolWrongType, "request", "id", "a number or a string")
		}
	}
	if unknown := unknownFields(fields, envelopeFields); unknown != "" {
		return req, dserr.New(dserr.ProtocolUnknownField, "request", unknown)
	}
	op, ok := fields["op"]
	if !ok || jsonKind(op) == "null" {
		return req, dserr.New(dserr.ProtocolMissingField, "request", "op")
	}
	if err := json.Unmarshal(op, &req.Op); err != nil {
		return req, dserr.New(dserr.ProtocolWrongType, "request", "op", "a string")
	}
	if args, ok := fields["args"]; ok {
		switch jsonKind(args) {
		case "an object":
			req.Args = args
		case "null":
		default:
			return req, dserr.New(dserr.ProtocolWrongType, req.Op, "args", "an object")
		}
	}
	return req, nil
}

// unknownFields returns the first (sorted) key of fields not in known.
func unknownFields(fields map[string]json.RawMessage, known []string) string {
	var bad []string
	for k := range fields {
		if !slices.Contains(known, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	slices.Sort(bad)
	return bad[0]
}

// jsonKind names the type of a JSON value as error messages do.
func jsonKind(b []byte) string {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// peekID finds the id of a request that is too large to parse: it walks the
// top-level object of the (truncated) frame until it meets "id", and gives up
// at the first value it cannot read whole. nil when no id can be read.
func peekID(prefix []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		if k == "id" {
			if kind := jsonKind(v); kind == "a number" || kind == "a string" {
				return v
			}
			return nil
		}
	}
	return nil
}

// decodeStrict decodes the args of a door op, as the dispatcher decodes its
// own: unknown fields, wrong types and malformed JSON each get their error.
func decodeStrict(op string, args json.RawMessage, v any) *dserr.Error {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return dserr.New(dserr.ProtocolWrongType, op, te.Field, goKindName(te.Type.Kind().String()))
		}
		if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return dserr.New(dserr.ProtocolUnknownField, op, strings.Trim(msg, `"`))
		}
		return dserr.New(dserr.ProtocolMalformed, err.Error())
	}
	return nil
}

func goKindName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "int32":
		return "an integer"
	case "float64":
		return "a number"
	}
	return "of another type"
}

// helloArgs are hello's arguments (docs/protocol.md, "Session").
type helloArgs struct {
	Protocol *int64  `json:"protocol"`
	Universe *int64  `json:"universeId"`
	PlaceID  *int64  `json:"placeId"`
	JobID    *string `json:"jobId"`
	Players  *int64  `json:"players"`
	Client   *string `json:"client"`
	Token    *string `json:"token"`
}

// clientKinds are the values hello's "client" accepts.
// clientLune is the client kind of Lune sessions, which get no WebSocket
// Ping frames.
const clientLune = "lune"

var clientKinds = []string{"studio", clientLune, "cli", "test", "plugin", "bench"}

// maxJobIDBytes bounds a client-chosen job id (it is shown in listings).
const maxJobIDBytes = 100

// helloParams are hello's arguments with defaults applied.
type helloParams struct {
	Universe, PlaceID, Players int64
	JobID, Client, Token       string
	HasToken                   bool
}

func parseHello(args json.RawMessage) (helloParams, *dserr.Error) {
	var a helloArgs
	if err := decodeStrict(opHello, args, &a); err != nil {
		return helloParams{}, err
	}
	if a.Protocol == nil {
		return helloParams{}, dserr.New(dserr.ProtocolMissingField, opHello, "protocol")
	}
	if *a.Protocol != ProtocolVersion {
		return helloParams{}, dserr.New(dserr.ProtocolBadArgument, opHello, fmt.Sprintf("protocol version %d is not supported (this daemon speaks %d)", *a.Protocol, ProtocolVersion))
	}
	p := helloParams{Universe: 1, PlaceID: 1, Client: "test"}
	if a.Universe != nil {
		if *a.Universe <= 0 {
			return p, dserr.New(dserr.ProtocolBadArgument, opHello, "universeId must be a positive integer")
		}
		p.Universe = *a.Universe
	}
	if a.PlaceID != nil {
		if *a.PlaceID <= 0 {
			return p, dserr.New(dserr.ProtocolBadArgument, opHello, "placeId must be a positive integer")
		}
		p.PlaceID = *a.PlaceID
	}
	if a.Players != nil {
		if *a.Players < 0 {
			return p, dserr.New(dserr.ProtocolBadArgument, opHello, "players must not be negative")
		}
		p.Players = *a.Players
	}
	if a.JobID != nil && *a.JobID != "" {
		if len(*a.JobID) > maxJobIDBytes {
			return p, dserr.New(dserr.ProtocolBadArgument, opHello, fmt.Sprintf("jobId is longer than %d bytes", maxJobIDBytes))
		}
		p.JobID = *a.JobID
	}
	if a.Client != nil {
		if !slices.Contains(clientKinds, *a.Client) {
			return p, dserr.New(dserr.ProtocolBadArgument, opHello, fmt.Sprintf("client must be one of %s, not %q", strings.Join(clientKinds, ", "), *a.Client))
		}
		p.Client = *a.Client
	}
	if a.Token != nil {
		p.Token, p.HasToken = *a.Token, true
	}
	return p, nil
}

// HelloResult is the result of hello.
type HelloResult struct {
	Session  string `json:"session"`
	Protocol int    `json:"protocol"`
	Server   string `json:"server"`
	Clock    string `json:"clock"`
	JobID    string `json:"jobId"`
	Throttle bool   `json:"throttle"`
}

func parsePlayers(args json.RawMessage) (int64, *dserr.Error) {
	var a struct {
		Players *int64 `json:"players"`
	}
	if err := decodeStrict(opPlayers, args, &a); err != nil {
		return 0, err
	}
	if a.Players == nil {
		return 0, dserr.New(dserr.ProtocolMissingField, opPlayers, "players")
	}
	if *a.Players < 0 {
		return 0, dserr.New(dserr.ProtocolBadArgument, opPlayers, "players must not be negative")
	}
	return *a.Players, nil
}

// parseNoArgs checks that an op without arguments got none.
func parseNoArgs(op string, args json.RawMessage) *dserr.Error {
	var a struct{}
	return decodeStrict(op, args, &a)
}

// reply is one reply object.
type reply struct {
	ID      json.RawMessage  `json:"id"`
	OK      bool             `json:"ok"`
	Result  any              `json:"result,omitempty"`
	Error   *wireError       `json:"error,omitempty"`
	Now     int64            `json:"now"`
	Budgets map[string]int64 `json:"budgets"`
	// Notices carries pushed notices over HTTP, where nothing can be pushed.
	Notices []wireNotice `json:"notices,omitempty"`
}

// wireError is the error object of a failed reply.
type wireError struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

// wireNotice is a notice as it travels: {"notice": kind, "data": {...}, "now": ms}.
type wireNotice struct {
	Kind string         `json:"notice"`
	Data map[string]any `json:"data,omitempty"`
	Now  int64          `json:"now"`
}

// emptyResult is the result of ops that return nothing.
var emptyResult = struct{}{}

// errorOf turns any error into its wire form. A non-catalogue error is a bug
// or a storage failure: it is logged and reported as InternalServerError.
//
// A cancelled context means the request was cut short: its client went
// away, or the shutdown grace period ended. That is ShuttingDown, not a bug.
func errorOf(log *slog.Logger, op string, err error) (*wireError, *dserr.Error) {
	de, ok := dserr.As(err)
	switch {
	case ok:
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		log.Debug("request cut short", "op", op, "err", err)
		de = dserr.New(dserr.ProtocolShuttingDown)
	default:
		log.Error("request failed with an unexpected error", "op", op, "err", err)
		de = dserr.New(dserr.InternalServerError).WithContext(op, "")
	}
	return &wireError{Code: de.Code, Name: de.Name, Message: de.Message, Text: de.Error()}, de
}

// panicError turns a recovered panic into InternalServerError, logging it:
// no input may crash the daemon.
func panicError(log *slog.Logger, op string, p any) error {
	log.Error("request panicked", "op", op, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return dserr.New(dserr.InternalServerError).WithContext(op, "")
}

// encodeJSON encodes v compactly without HTML escaping (values are stored
// and measured that way; "<" must come back as "<").
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

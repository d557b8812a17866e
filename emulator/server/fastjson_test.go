package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// envelopeCases are request frames for the fast reader: the common shapes,
// and the shapes it must leave to the general path.
var envelopeCases = []string{
	`{"id":1,"op":"GetAsync","args":{"store":"s","key":"k"}}`,
	` { "id" : "a b" , "op" : "ping" } `,
	"{\"id\":-1.5e+3,\n\"op\":\"SetAsync\",\t\"args\":{\"value\":[1,{\"a\":null},\"x\\\"y\\u00e9\"],\"key\":\"k\"}}",
	`{"op":"GetAsync","id":7,"args":{}}`,
	`{"args":{"a":[]},"op":"x","id":0}`,
	`{"id":"\u00e9\n","op":"ping"}`,
	`{"id":"é","op":"ping"}`,
	`{"id":1,"op":"ping","args":null}`,
	`{"id":null,"op":"ping"}`,
	`{"op":"ping"}`,
	`{"id":1}`,
	`{"id":1,"op":"p\u0069ng"}`,
	`{"id":1,"op":"pé"}`,
	`{"id":1,"op":"ping","op":"bye"}`,
	`{"id":1,"id":2,"op":"ping"}`,
	`{"id":1,"op":"ping","args":{},"args":{"x":1}}`,
	`{"id":1,"op":"ping","ID":2}`,
	`{"\u0069d":1,"op":"ping"}`,
	`{"id":01,"op":"ping"}`,
	`{"id":1.,"op":"ping"}`,
	`{"id":[1],"op":"ping"}`,
	`{"id":true,"op":"ping"}`,
	`{"id":1,"op":2}`,
	`{"id":1,"op":"GetAsync","args":"k"}`,
	`{"id":1,"op":"GetAsync","args":[1]}`,
	`{"id":1,"op":"GetAsync","args":{"a":1,}}`,
	`{"id":1,"op":"GetAsync","args":{"a":tru}}`,
	`{"id":1,"op":"GetAsync","args":{"a":"\x"}}`,
	`{"id":1,"op":"GetAsync","args":{"a":"\u12"}}`,
	`{"id":1,"op":"GetAsync","args":{"a":1e}}`,
	`{"id":1,"op":"GetAsync","args":{"a":-}}`,
	`{"id":1,"op":"ping"} {}`,
	`{"id":1,"op":"ping"}x`,
	`{"id":1,"op":"ping",}`,
	`{"id":1 "op":"ping"}`,
	`{"id":1,"op":"ping"`,
	`{}`,
	`[]`,
	`null`,
	``,
	`{"id":1,"op":"GetAsync","args":{"a":"` + "\x01" + `"}}`,
	`{"id":1,"op":"GetAsync","args":` + strings.Repeat(`{"a":`, 300) + `1` + strings.Repeat(`}`, 300) + `}`,
	`{"id":1,"op":"GetAsync","args":` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `}`,
}

// checkEnvelope checks the fast reader against the general path on b.
func checkEnvelope(t *testing.T, b []byte) {
	t.Helper()
	fast, ok := parseRequestFast(b)
	general, gerr := parseRequestGeneral(b)
	if !ok {
		if got, err := parseRequest(b); !reflect.DeepEqual(got, general) || !reflect.DeepEqual(err, gerr) {
			t.Fatalf("%q: parseRequest differs from the general path when the fast one gives up", b)
		}
		return
	}
	if gerr != nil {
		t.Fatalf("%q: the fast reader accepts what the general path refuses (%v)", b, gerr)
	}
	if !bytes.Equal(fast.ID, general.ID) || fast.Op != general.Op || !bytes.Equal(fast.Args, general.Args) ||
		(fast.ID == nil) != (general.ID == nil) || (fast.Args == nil) != (general.Args == nil) {
		t.Fatalf("%q: fast %+v, general %+v", b, fast, general)
	}
}

func TestParseRequestFastAgreesWithGeneral(t *testing.T) {
	accepted := 0
	for _, c := range envelopeCases {
		checkEnvelope(t, []byte(c))
		if _, ok := parseRequestFast([]byte(c)); ok {
			accepted++
		}
	}
	if accepted < 7 {
		t.Errorf("the fast reader accepted only %d of the well-formed cases", accepted)
	}
}

func FuzzParseRequestFast(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkEnvelope(t, b) })
}

// replyCases are replies appendReply must encode as encodeJSON does.
func replyCases() []reply {
	info := &engine.KeyInfo{CreatedTime: 1, UpdatedTime: 2, Version: "08D9E6A3F2188CFF.0000000001.08D9E6A3F2188CFF.01", UserIDs: []int64{1, -2}, Metadata: json.RawMessage(`{"a":1}`)}
	we, _ := errorOf(nil, "GetAsync", dserr.New(dserr.ProtocolUnknownField, "GetAsync", "k\"<é>\u2028\x01"))
	budgets := map[string]int64{"StandardRead": 60, "GetSortedAsync": 5, "a\"b": -1}
	return []reply{
		{ID: json.RawMessage("1"), OK: true, Result: dispatch.EntryResult{Value: json.RawMessage(`"x"`), KeyInfo: info}, Now: 5, Budgets: map[string]int64{}},
		{ID: json.RawMessage(`"id é"`), OK: true, Result: dispatch.EntryResult{Value: json.RawMessage("null")}, Now: -5, Budgets: budgets},
		{ID: json.RawMessage(`"a\"b"`), OK: true, Result: dispatch.EntryResult{Value: json.RawMessage(`{ "a" : [1, 2] , "b":"< >"}`), KeyInfo: &engine.KeyInfo{}}},
		{ID: json.RawMessage("2"), OK: true, Result: dispatch.EntryResult{Value: json.RawMessage(`{"a":[1,2],"s":"\u2028<&>\"é"}`), KeyInfo: &engine.KeyInfo{Version: "v\u2028é\"", UserIDs: []int64{}, Metadata: json.RawMessage(`{}`)}}},
		{ID: json.RawMessage("3"), OK: true, Result: emptyResult, Now: 1, Budgets: map[string]int64{}},
		{ID: json.RawMessage("31"), OK: true, Result: dispatch.ReadResult{EntryResult: dispatch.EntryResult{Value: json.RawMessage(`[1]`), KeyInfo: info}, Token: "t\"1"}, Budgets: map[string]int64{}},
		{ID: json.RawMessage("32"), OK: true, Result: dispatch.SetResult{Version: "v", KeyInfo: info}, Budgets: map[string]int64{}},
		{ID: json.RawMessage("33"), OK: true, Result: struct {
			dispatch.EntryResult
			Extra int `json:"extra"`
		}{dispatch.EntryResult{Value: json.RawMessage(`1`)}, 5}, Budgets: map[string]int64{}},
		{ID: json.RawMessage("4"), OK: true, Result: map[string]int64{"players": 3}, Budgets: budgets},
		{ID: json.RawMessage("5"), OK: true, Result: HelloResult{Session: "s", Protocol: 1, Server: "rbxemu <dev>"}, Budgets: nil},
		{ID: json.RawMessage("6"), OK: true, Result: json.RawMessage(`{"v":"<a&b>"}`), Budgets: map[string]int64{}},
		{ID: nil, Error: we, Now: 9, Budgets: map[string]int64{}},
		{ID: json.RawMessage("7"), Error: &wireError{Code: 1, Name: "N", Message: "tab\there", Text: "\xff bad utf-8"}},
		{ID: json.RawMessage("8"), OK: true, Result: emptyResult, Notices: []wireNotice{{Kind: "k", Now: 1}}},
		{ID: json.RawMessage(" 9"), OK: true, Result: emptyResult},
		{ID: json.RawMessage(""), OK: true, Result: emptyResult},
	}
}

func TestAppendReplyAgreesWithEncodeJSON(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for i, r := range replyCases() {
		want, werr := encodeJSON(r)
		got, ok, err := appendReply([]byte("prefix"), &r)
		switch {
		case werr != nil:
			if ok {
				t.Errorf("case %d: appendReply encodes what encodeJSON refuses (%v): %s", i, werr, got)
			}
		case ok && !bytes.Equal(got, append([]byte("prefix"), want...)):
			t.Errorf("case %d:\n got %s\nwant prefix%s", i, got, want)
		case !ok && err != nil:
			t.Errorf("case %d: appendReply fails (%v) where encodeJSON does not", i, err)
		}
		if werr == nil {
			if enc := s.encodeReply(r, "GetAsync"); !bytes.Equal(enc, want) {
				t.Errorf("case %d: encodeReply\n got %s\nwant %s", i, enc, want)
			}
		}
	}
	// A result that does not encode: InternalServerError, as before.
	bad := reply{ID: json.RawMessage("1"), OK: true, Result: dispatch.EntryResult{Value: json.RawMessage(`{"a":`)}, Budgets: map[string]int64{}}
	if enc := s.encodeReply(bad, "GetAsync"); !bytes.Contains(enc, []byte(`"ok":false`)) || !bytes.Contains(enc, []byte("InternalServerError")) {
		t.Errorf("a result that does not encode: %s", enc)
	}
}

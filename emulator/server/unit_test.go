package server

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

func TestTokenMatchesIsExactWhateverTheLength(t *testing.T) {
	want := "s3cret-token"
	for _, c := range []struct {
		given string
		ok    bool
	}{
		{"s3cret-token", true},
		{"", false},
		{"s3cret", false},                // a prefix
		{"s3cret-token-and-more", false}, // longer
		{"S3cret-token", false},
		{"s3cret-tokem", false},
	} {
		if got := tokenMatches(c.given, want); got != c.ok {
			t.Errorf("tokenMatches(%q) = %v, want %v", c.given, got, c.ok)
		}
	}
}

func TestParseRequestErrors(t *testing.T) {
	for _, c := range []struct {
		in, id, wantID, text string
	}{
		{`{"id":1,"op":`, dserr.ProtocolMalformed, "", "rbxemu: malformed request: invalid JSON at byte 13: unexpected end of JSON input"},
		{`[1]`, dserr.ProtocolMalformed, "", "rbxemu: malformed request: the request must be a JSON object, not an array"},
		{`null`, dserr.ProtocolMalformed, "", "rbxemu: malformed request: the request must be a JSON object, not null"},
		{`{"id":1} {}`, dserr.ProtocolMalformed, "", "rbxemu: malformed request: invalid JSON at byte 10: invalid character '{' after top-level value"},
		{`{"id":[1],"op":"ping"}`, dserr.ProtocolWrongType, "", `rbxemu: request: field "id" must be a number or a string`},
		{`{"id":"a","op":"ping","x":1}`, dserr.ProtocolUnknownField, `"a"`, `rbxemu: request: unknown field "x"`},
		{`{"id":2}`, dserr.ProtocolMissingField, "2", `rbxemu: request: missing field "op"`},
		{`{"id":2,"op":true}`, dserr.ProtocolWrongType, "2", `rbxemu: request: field "op" must be a string`},
		{`{"id":2,"op":"GetAsync","args":"k"}`, dserr.ProtocolWrongType, "2", `rbxemu: GetAsync: field "args" must be an object`},
	} {
		req, err := parseRequest([]byte(c.in))
		if err == nil || err.ID != c.id || err.Error() != c.text || string(req.ID) != c.wantID {
			t.Errorf("parseRequest(%s) = id %s, %v; want id %s, %s %q", c.in, req.ID, err, c.wantID, c.id, c.text)
		}
	}
	req, err := parseRequest([]byte(`{"id":"x","op":"GetAsync","args":{"key":"k"}}`))
	if err != nil || string(req.ID) != `"x"` || req.Op != "GetAsync" || string(req.Args) != `{"key":"k"}` {
		t.Errorf("good request: %+v %v", req, err)
	}
}

func TestPeekID(t *testing.T) {
	big := `{"id":42,"op":"SetAsync","args":{"value":"` + strings.Repeat("x", 1000)
	for in, want := range map[string]string{
		big:                              "42",
		`{"op":"SetAsync","id":"a","ar`:  `"a"`,
		`{"op":"SetAsync","args":{"valu`: "",
		`{"id":{"x":1}`:                  "",
		`[1,2`:                           "",
	} {
		if got := string(peekID([]byte(in))); got != want {
			t.Errorf("peekID(%.40s) = %q, want %q", in, got, want)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	s := &Server{opts: Options{Addr: "127.0.0.1:34890"}}
	for origin, ok := range map[string]bool{
		"":                          true,
		"http://127.0.0.1:34890":    true,
		"http://localhost:34890":    true,
		"http://LOCALHOST:34890":    true,
		"http://[::1]:34890":        true,
		"http://127.0.0.1:34891":    false,
		"http://127.0.0.1":          false,
		"https://127.0.0.1:34890":   false,
		"http://evil.example":       false,
		"http://evil.example:34890": false, // DNS rebinding: the Host header would agree
		"null":                      false,
	} {
		r := httptest.NewRequest("GET", "/v1/ws", nil)
		r.Host = "evil.example:34890"
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got, why := s.originAllowed(r); got != ok {
			t.Errorf("Origin %q: allowed %v (%s), want %v", origin, got, why, ok)
		}
	}
}

func TestRepliesDoNotEscapeHTML(t *testing.T) {
	b, err := encodeJSON(reply{ID: json.RawMessage("1"), OK: true, Result: json.RawMessage(`{"v":"<a&b>"}`), Budgets: map[string]int64{}})
	if err != nil || !strings.Contains(string(b), `"<a&b>"`) {
		t.Fatalf("%s %v", b, err)
	}
}

package dispatch_test

// The conformance replayer: every case of testdata/conformance/<family>/*.json
// (format in testdata/conformance/README.md) runs through Dispatcher.Handle
// on a fresh in-memory engine and a virtual clock, and every step's result
// or error must match exactly. The Lua shim's tests replay the same files.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// confDir holds one directory of case files per op family.
const confDir = "../../testdata/conformance"

// confStart is where the virtual clock of every case starts:
// 2026-01-01T00:00:00Z, on an hour boundary.
const confStart int64 = 1767225600000

// confUniverse is the session's universe when a case names none.
const confUniverse int64 = 1

// confKnownIssues lists cases that state the intended behaviour but fail
// today, keyed "<family>/<file>: <case name>", with the reason. Such a case
// still runs: it is skipped while it fails, and the test fails once it
// passes, so that the entry is removed with the fix.
var confKnownIssues = map[string]string{}

// confCase is one case: a fresh engine, a session and a list of steps.
type confCase struct {
	Name    string       `json:"name"`
	Note    string       `json:"note,omitempty"`
	Session *confSession `json:"session,omitempty"`
	Steps   []confStep   `json:"steps"`
}

type confSession struct {
	Universe *int64 `json:"universe,omitempty"`
}

// confStep is an op call (Op, Args, Expect) or a clock move (Advance or Set,
// in milliseconds).
type confStep struct {
	Note    string          `json:"note,omitempty"`
	Op      string          `json:"op,omitempty"`
	Args    json.RawMessage `json:"args,omitempty"`
	Expect  *confExpect     `json:"expect,omitempty"`
	Advance *int64          `json:"advance,omitempty"`
	Set     *int64          `json:"set,omitempty"`

	// rawArgs, when set, are sent verbatim instead of Args: for Go-side
	// cases whose bytes a JSON file cannot carry (invalid UTF-8).
	rawArgs []byte
}

// confExpect is exactly one of a result and an error.
type confExpect struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *confError      `json:"error,omitempty"`
}

// confError is an error as a door puts it on the wire.
type confError struct {
	Code    *int    `json:"code"`
	Name    *string `json:"name"`
	Message *string `json:"message"`
	Text    *string `json:"text"`
}

func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(confDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no case files under %s", confDir)
	}
	seen := map[string]bool{}
	for _, file := range files {
		rel, _ := filepath.Rel(confDir, file)
		rel = filepath.ToSlash(rel)
		cases, err := loadConfFile(file)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		for _, c := range cases {
			id := rel + ": " + c.Name
			if seen[id] {
				t.Errorf("case %q appears twice", id)
			}
			seen[id] = true
		}
		t.Run(rel, func(t *testing.T) {
			for _, c := range cases {
				id := rel + ": " + c.Name
				t.Run(c.Name, func(t *testing.T) { runConfCase(t, id, c) })
			}
		})
	}
	for _, c := range goSideCases() {
		id := "go: " + c.Name
		t.Run(id, func(t *testing.T) { runConfCase(t, id, c) })
	}
	for id := range confKnownIssues {
		if !seen[id] {
			t.Errorf("confKnownIssues names %q, which is no case", id)
		}
	}
}

// loadConfFile reads one case file strictly: an unknown field is a typo.
func loadConfFile(path string) ([]confCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cases []confCase
	if err := dec.Decode(&cases); err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, errors.New("no cases")
	}
	for _, c := range cases {
		if c.Name == "" {
			return nil, errors.New("a case without a name")
		}
		if len(c.Steps) == 0 {
			return nil, fmt.Errorf("case %q has no steps", c.Name)
		}
	}
	return cases, nil
}

// runConfCase runs c, then settles it against confKnownIssues.
func runConfCase(t *testing.T, id string, c confCase) {
	err := playConfCase(c)
	reason, known := confKnownIssues[id]
	switch {
	case known && err != nil:
		t.Skipf("known issue: %s\n%v", reason, err)
	case known:
		t.Errorf("passes now: remove it from confKnownIssues (%s)", reason)
	case err != nil:
		t.Error(err)
	}
}

// playConfCase runs every step on a fresh engine and returns the first
// mismatch: later steps depend on the state the earlier ones left.
func playConfCase(c confCase) error {
	clk := clock.NewManual(time.UnixMilli(confStart))
	eng, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		return err
	}
	defer eng.Close()
	d := &dispatch.Dispatcher{Engine: eng}
	s := &dispatch.Session{ID: "conformance", Universe: confUniverse, ClientKind: "test", Transport: "inprocess"}
	if c.Session != nil && c.Session.Universe != nil {
		s.Universe = *c.Session.Universe
	}
	for i, st := range c.Steps {
		if err := playConfStep(d, s, clk, st); err != nil {
			return fmt.Errorf("step %d %s: %w", i+1, describeStep(st), err)
		}
	}
	return nil
}

func describeStep(st confStep) string {
	switch {
	case st.Op != "":
		return st.Op
	case st.Advance != nil:
		return fmt.Sprintf("advance %d ms", *st.Advance)
	case st.Set != nil:
		return fmt.Sprintf("set %d", *st.Set)
	}
	return "(empty)"
}

func playConfStep(d *dispatch.Dispatcher, s *dispatch.Session, clk *clock.Manual, st confStep) error {
	kinds := 0
	for _, set := range []bool{st.Op != "", st.Advance != nil, st.Set != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return errors.New("a step is exactly one of op, advance and set")
	}
	switch {
	case st.Advance != nil:
		if st.Expect != nil || st.Args != nil {
			return errors.New("a clock step takes no args or expect")
		}
		_, err := clk.Advance(time.Duration(*st.Advance) * time.Millisecond)
		return err
	case st.Set != nil:
		if st.Expect != nil || st.Args != nil {
			return errors.New("a clock step takes no args or expect")
		}
		clk.Set(time.UnixMilli(*st.Set))
		return nil
	}
	if st.Expect == nil || (st.Expect.Result == nil) == (st.Expect.Error == nil) {
		return errors.New("an op step needs expect with exactly one of result and error")
	}
	args := st.rawArgs
	if args == nil {
		var err error
		if args, err = expandArgs(st.Args); err != nil {
			return fmt.Errorf("args: %w", err)
		}
	}
	res, err := d.Handle(context.Background(), s, st.Op, args)
	if st.Expect.Error != nil {
		if err == nil {
			got, _ := json.Marshal(res)
			return fmt.Errorf("want error %s, got result %s", abbrev(st.Expect.Error.text()), abbrev(string(got)))
		}
		return matchError(st.Expect.Error, err)
	}
	if err != nil {
		return fmt.Errorf("want a result, got error %q", err.Error())
	}
	got, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("result does not marshal: %w", err)
	}
	var gotV any
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&gotV); err != nil {
		return err
	}
	if err := matchJSON("result", st.Expect.Result, gotV); err != nil {
		return fmt.Errorf("%w\n  got result %s", err, abbrev(string(got)))
	}
	return nil
}

func (e *confError) text() string {
	if e.Text == nil {
		return "(no text)"
	}
	return *e.Text
}

// matchError compares every field a door sends: code, name, message, text.
func matchError(want *confError, err error) error {
	if want.Code == nil || want.Name == nil || want.Message == nil || want.Text == nil {
		return errors.New("an expected error needs code, name, message and text")
	}
	de, ok := dserr.As(err)
	if !ok {
		return fmt.Errorf("want a *dserr.Error, got %T %q", err, err)
	}
	got := confError{Code: &de.Code, Name: &de.Name, Message: &de.Message}
	text := de.Error()
	got.Text = &text
	if *got.Code != *want.Code || *got.Name != *want.Name || *got.Message != *want.Message || *got.Text != *want.Text {
		return fmt.Errorf("error mismatch\n  want code=%d name=%q message=%q text=%q\n  got  code=%d name=%q message=%q text=%q",
			*want.Code, *want.Name, *want.Message, *want.Text, *got.Code, *got.Name, *got.Message, *got.Text)
	}
	return nil
}

// Directives (testdata/conformance/README.md). An object holding one of
// these keys is a directive, not data, and must have exactly its shape.
const (
	dirRepeat = "$repeat" // {"$repeat": unit, "count": n}: unit repeated n times, as a string
	dirSpaced = "$spaced" // {"$spaced": v}: v sent with whitespace around every token
	dirType   = "$type"   // {"$type": t}: in expected results, any value of JSON type t
)

// directive returns the directive name of an object, if it is one.
func directive(obj map[string]json.RawMessage) (string, error) {
	var found []string
	for _, d := range []string{dirRepeat, dirSpaced, dirType} {
		if _, ok := obj[d]; ok {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("directives %v in one object", found)
	}
	want := []string{found[0]}
	if found[0] == dirRepeat {
		want = append(want, "count")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		return "", fmt.Errorf("directive %s takes exactly the keys %v, got %v", found[0], want, keys)
	}
	return found[0], nil
}

// repeatString expands a $repeat directive.
func repeatString(obj map[string]json.RawMessage) (string, error) {
	var unit string
	var count int
	if err := json.Unmarshal(obj[dirRepeat], &unit); err != nil {
		return "", fmt.Errorf("$repeat: %w", err)
	}
	if err := json.Unmarshal(obj["count"], &count); err != nil || count < 0 {
		return "", fmt.Errorf("$repeat: count must be a non-negative integer, got %s", obj["count"])
	}
	return strings.Repeat(unit, count), nil
}

// expandArgs returns the args as sent: directives expanded, every other
// byte of every scalar kept as written (number text, string escapes such as
// a lone \ud800), object members in file order.
func expandArgs(raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := expandInto(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func expandInto(buf *bytes.Buffer, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return err
		}
		dir, err := directive(obj)
		if err != nil {
			return err
		}
		switch dir {
		case dirRepeat:
			s, err := repeatString(obj)
			if err != nil {
				return err
			}
			return encodeString(buf, s)
		case dirSpaced:
			var inner bytes.Buffer
			if err := expandInto(&inner, obj[dirSpaced]); err != nil {
				return err
			}
			buf.WriteString(" \n ")
			if err := json.Indent(buf, inner.Bytes(), " ", "\t  "); err != nil {
				return err
			}
			buf.WriteString(" \r\n ")
			return nil
		case dirType:
			return errors.New("$type is only for expected results")
		}
		return expandObject(buf, raw)
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := expandInto(buf, it); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	default:
		buf.Write(raw)
		return nil
	}
}

// expandObject re-emits an object member by member, in file order.
func expandObject(buf *bytes.Buffer, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	buf.WriteByte('{')
	for first := true; dec.More(); first = false {
		// The member name is copied as written (it may hold an escape such
		// as a lone surrogate, which decoding would replace).
		start := dec.InputOffset()
		if _, err := dec.Token(); err != nil {
			return err
		}
		name := bytes.TrimLeft(raw[start:dec.InputOffset()], " \t\r\n,")
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if !first {
			buf.WriteByte(',')
		}
		buf.Write(name)
		buf.WriteByte(':')
		if err := expandInto(buf, val); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// encodeString writes s as a JSON string without HTML escaping.
func encodeString(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}

// matchJSON compares an expected JSON value (with $type and $repeat) to a
// decoded actual value (numbers as json.Number). Object member order does
// not matter; numbers compare by their text, everything else exactly.
func matchJSON(path string, want json.RawMessage, got any) error {
	want = bytes.TrimSpace(want)
	if len(want) == 0 {
		return fmt.Errorf("%s: empty expectation", path)
	}
	switch want[0] {
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(want, &obj); err != nil {
			return err
		}
		dir, err := directive(obj)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		switch dir {
		case dirType:
			var typ string
			if err := json.Unmarshal(obj[dirType], &typ); err != nil {
				return fmt.Errorf("%s: $type: %w", path, err)
			}
			if !validType(typ) {
				return fmt.Errorf("%s: unknown $type %q", path, typ)
			}
			if typ != "any" && jsonType(got) != typ {
				return fmt.Errorf("%s: want any %s, got %s", path, typ, abbrevValue(got))
			}
			return nil
		case dirRepeat:
			s, err := repeatString(obj)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if g, ok := got.(string); !ok || g != s {
				return fmt.Errorf("%s: want %s, got %s", path, abbrevValue(s), abbrevValue(got))
			}
			return nil
		case dirSpaced:
			return fmt.Errorf("%s: $spaced is only for args", path)
		}
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %s", path, abbrevValue(got))
		}
		for k := range g {
			if _, ok := obj[k]; !ok {
				return fmt.Errorf("%s: unexpected member %q = %s", path, k, abbrevValue(g[k]))
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing member %q", path, k)
			}
			if err := matchJSON(path+"."+k, obj[k], gv); err != nil {
				return err
			}
		}
		return nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(want, &items); err != nil {
			return err
		}
		g, ok := got.([]any)
		if !ok || len(g) != len(items) {
			return fmt.Errorf("%s: want an array of %d, got %s", path, len(items), abbrevValue(got))
		}
		for i := range items {
			if err := matchJSON(fmt.Sprintf("%s[%d]", path, i), items[i], g[i]); err != nil {
				return err
			}
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.UseNumber()
	var w any
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !reflect.DeepEqual(w, got) {
		return fmt.Errorf("%s: want %s, got %s", path, abbrevValue(w), abbrevValue(got))
	}
	return nil
}

func validType(t string) bool {
	switch t {
	case "string", "number", "boolean", "object", "array", "null", "any":
		return true
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// abbrev keeps failure messages readable when a value is 4 MB long.
func abbrev(s string) string {
	const max = 300
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s...(%d bytes)...%s", s[:max/2], len(s), s[len(s)-max/2:])
}

func abbrevValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return abbrev(string(b))
}

// goSideCases are cases whose bytes a JSON case file cannot carry: raw
// invalid UTF-8 inside a value, and args that are not one JSON value.
func goSideCases() []confCase {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	err104 := func(kind string) *confExpect {
		msg := "Cannot store " + kind + " in data store. Data stores can only accept valid UTF-8 characters."
		return &confExpect{Error: &confError{Code: num(104), Name: str("CantStoreValue"), Message: str(msg), Text: str("104: " + msg)}}
	}
	getNull := confStep{Op: "GetAsync", Args: json.RawMessage(`{"store":"S","key":"k"}`),
		Expect: &confExpect{Result: json.RawMessage(`{"value":null,"keyInfo":null}`)}}
	bad := func(name, value, kind string) confCase {
		return confCase{Name: name, Steps: []confStep{
			{Op: "SetAsync", rawArgs: []byte(`{"store":"S","key":"k","value":` + value + `}`), Expect: err104(kind)},
			getNull,
		}}
	}
	return []confCase{
		bad("raw byte 0xFF in a top-level string is 104 string", "\"a\xffb\"", "string"),
		bad("a truncated two-byte sequence in a top-level string is 104 string", "\"\xc3\"", "string"),
		bad("an encoded surrogate (ED A0 80) in a string is 104 string", "\"\xed\xa0\x80\"", "string"),
		bad("raw invalid byte nested in an array is 104 Array", "[1,\"\xfe\"]", "Array"),
		bad("raw invalid byte nested in a dictionary value is 104 Dictionary", "{\"a\":{\"b\":\"\xff\"}}", "Dictionary"),
		bad("raw invalid byte in a dictionary key is 104 Dictionary", "{\"\xff\":1}", "Dictionary"),
		{Name: "raw invalid byte in metadata is 513 metadata", Steps: []confStep{
			{Op: "SetAsync", rawArgs: []byte("{\"store\":\"S\",\"key\":\"k\",\"value\":1,\"metadata\":{\"a\":\"\xff\"}}"),
				Expect: &confExpect{Error: &confError{Code: num(513), Name: str("AttributeFormatError"), Message: str("Attribute metadata format is invalid."), Text: str("513: Attribute metadata format is invalid.")}}},
			getNull,
		}},
		{Name: "args holding two JSON values are malformed", Steps: []confStep{
			{Op: "SetAsync", rawArgs: []byte(`{"store":"S","key":"k","value":1} {"value":2}`),
				Expect: &confExpect{Error: &confError{Code: num(0), Name: str("MalformedRequest"), Message: str("rbxemu: malformed request: args of SetAsync hold more than one JSON value"), Text: str("rbxemu: malformed request: args of SetAsync hold more than one JSON value")}}},
			getNull,
		}},
	}
}

// TestConformanceHarness checks the replayer itself: a harness that cannot
// fail proves nothing.
func TestConformanceHarness(t *testing.T) {
	t.Run("expand", func(t *testing.T) {
		for _, c := range []struct{ in, want string }{
			{`{"b":1,"a":[1.50,"\ud800",{"$repeat":"xy","count":3}]}`, `{"b":1,"a":[1.50,"\ud800","xyxyxy"]}`},
			{`{"v":{"$repeat":"<é>","count":2}}`, `{"v":"<é><é>"}`},
			{`{"v":{"$repeat":"a","count":0}}`, `{"v":""}`},
			{`{"$x":1}`, `{"$x":1}`},
			{`{ "\ud800" : 1 , "a\"b":{"\u00e9":"\/"} }`, `{"\ud800":1,"a\"b":{"\u00e9":"\/"}}`},
		} {
			got, err := expandArgs(json.RawMessage(c.in))
			if err != nil || string(got) != c.want {
				t.Errorf("expandArgs(%s) = %s, %v; want %s", c.in, got, err, c.want)
			}
		}
		got, err := expandArgs(json.RawMessage(`{"v":{"$spaced":{"a":[1,2]}}}`))
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got); err != nil || compact.String() != `{"v":{"a":[1,2]}}` || !bytes.Contains(got, []byte("\n")) || bytes.Contains(got, []byte(`{"a":[1,2]}`)) {
			t.Errorf("$spaced sent %q (compact %q, %v)", got, compact.String(), err)
		}
		for _, in := range []string{
			`{"v":{"$repeat":"a"}}`,
			`{"v":{"$repeat":"a","count":-1}}`,
			`{"v":{"$repeat":"a","count":2,"x":1}}`,
			`{"v":{"$spaced":1,"$repeat":"a"}}`,
			`{"v":{"$type":"string"}}`,
		} {
			if got, err := expandArgs(json.RawMessage(in)); err == nil {
				t.Errorf("expandArgs(%s) = %s, want an error", in, got)
			}
		}
	})
	t.Run("match", func(t *testing.T) {
		decode := func(s string) any {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		for _, c := range []struct {
			want, got string
			ok        bool
		}{
			{`{"a":1,"b":[true,null,"x"]}`, `{"b":[true,null,"x"],"a":1}`, true},
			{`{"a":1}`, `{"a":1,"b":2}`, false},
			{`{"a":1,"b":2}`, `{"a":1}`, false},
			{`{"a":1}`, `{"a":1.0}`, false},
			{`{"a":1}`, `{"a":"1"}`, false},
			{`[1,2]`, `[2,1]`, false},
			{`[1,2]`, `[1,2,3]`, false},
			{`null`, `{}`, false},
			{`""`, `null`, false},
			{`{"v":{"$type":"string"}}`, `{"v":"abc"}`, true},
			{`{"v":{"$type":"string"}}`, `{"v":1}`, false},
			{`{"v":{"$type":"null"}}`, `{"v":null}`, true},
			{`{"v":{"$type":"any"}}`, `{"v":[1]}`, true},
			{`{"v":{"$type":"any"}}`, `{}`, false},
			{`{"v":{"$repeat":"ab","count":2}}`, `{"v":"abab"}`, true},
			{`{"v":{"$repeat":"ab","count":2}}`, `{"v":"ababa"}`, false},
		} {
			err := matchJSON("result", json.RawMessage(c.want), decode(c.got))
			if (err == nil) != c.ok {
				t.Errorf("matchJSON(%s, %s) = %v, want ok=%v", c.want, c.got, err, c.ok)
			}
		}
		for _, bad := range []string{`{"v":{"$type":"date"}}`, `{"v":{"$spaced":1}}`} {
			if err := matchJSON("result", json.RawMessage(bad), decode(`{"v":1}`)); err == nil {
				t.Errorf("matchJSON(%s) accepted a bad expectation", bad)
			}
		}
	})
	t.Run("steps", func(t *testing.T) {
		num := func(n int64) *int64 { return &n }
		for _, c := range []confCase{
			{Name: "wrong result", Steps: []confStep{{Op: "GetAsync", Args: json.RawMessage(`{"store":"S","key":"k"}`), Expect: &confExpect{Result: json.RawMessage(`{"value":1,"keyInfo":null}`)}}}},
			{Name: "error expected, result got", Steps: []confStep{{Op: "GetAsync", Args: json.RawMessage(`{"store":"S","key":"k"}`), Expect: &confExpect{Error: &confError{}}}}},
			{Name: "no expect", Steps: []confStep{{Op: "GetAsync", Args: json.RawMessage(`{"store":"S","key":"k"}`)}}},
			{Name: "two kinds", Steps: []confStep{{Op: "GetAsync", Advance: num(1)}}},
			{Name: "negative advance", Steps: []confStep{{Advance: num(-1)}}},
		} {
			if err := playConfCase(c); err == nil {
				t.Errorf("case %q passed", c.Name)
			}
		}
	})
}

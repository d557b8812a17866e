package harness_test

// The shared conformance cases (testdata/conformance, README there) replayed
// through the Lua shim. A step whose arguments a game could pass to a
// DataStore method (GetAsync, SetAsync, IncrementAsync, RemoveAsync,
// GetVersionAsync on plain values) goes through that method of the shim's
// DataStoreService, and its return values are compared with the case's
// result; every other step (protocol errors, the UpdateAsync halves,
// listings, values a Lua table cannot hold exactly) goes through the shim's
// session as the raw request, so that the case's state builds up the same
// way. Each case gets a fresh daemon on the cases' virtual clock, without
// throttling, as the Go runner does.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// confSkip names cases that fail for known daemon issues (the same ones the
// Go runner lists in emulator/dispatch/conformance_test.go).
var confSkip = map[string]string{
	"standard/get_set.json: values over 1 KB and over 1 MB are stored and read back":                                     "in-memory badger value cap",
	"standard/validation.json: a value of exactly 4,194,304 bytes is accepted and read back":                             "in-memory badger value cap",
	"standard/validation.json: whitespace in a value does not count: spaced value compacting to exactly 4,194,304 bytes": "in-memory badger value cap",
	"standard/validation.json: the size limit counts bytes: 2,097,151 two-byte characters are accepted":                  "in-memory badger value cap",
	"standard/validation.json: no HTML escaping: 4,194,302 '<' characters are exactly at the limit":                      "in-memory badger value cap",
	"standard/protocol.json: a field of the wrong type names the field as the client spelt it":                           "dispatch.argError field path",
	"standard/protocol.json: a field of the wrong type inside the store arguments":                                       "dispatch.argError field path",
	"standard/update.json: a conflict on a key that does not exist returns token \"\"":                                   "CommitResult.Token omitempty",
}

type confFileCase struct {
	Name    string            `json:"name"`
	Session json.RawMessage   `json:"session"`
	Steps   []json.RawMessage `json:"steps"`
}

type confRawStep struct {
	Op      string          `json:"op"`
	Args    json.RawMessage `json:"args"`
	Expect  json.RawMessage `json:"expect"`
	Advance *int64          `json:"advance"`
	Set     *int64          `json:"set"`
}

// luaStep is what the Lua runner gets for one step.
type luaStep struct {
	Via     string          `json:"via"` // shim, raw, advance, set
	Op      string          `json:"op,omitempty"`
	Args    string          `json:"args,omitempty"` // JSON text, directives expanded
	Expect  json.RawMessage `json:"expect,omitempty"`
	Advance int64           `json:"ms,omitempty"`
}

// conformanceCases reads every case under testdata/conformance, with the
// file it is in (relative, slash-separated), and the Lua that replays one
// (testdata/conformance.lua).
func conformanceCases(t *testing.T) (files map[string][]confFileCase, order []string, replay string) {
	t.Helper()
	root := filepath.Join(luaclientDir(t), "..", "testdata", "conformance")
	paths, err := filepath.Glob(filepath.Join(root, "*", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no conformance cases (%v)", err)
	}
	src, err := os.ReadFile(filepath.Join(luaclientDir(t), "harness", "testdata", "conformance.lua"))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]confFileCase{}
	for _, file := range paths {
		rel, _ := filepath.Rel(root, file)
		rel = filepath.ToSlash(rel)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []confFileCase
		if err := json.Unmarshal(raw, &cases); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		files[rel] = cases
		order = append(order, rel)
	}
	return files, order, string(src)
}

func TestConformanceThroughTheShim(t *testing.T) {
	files, order, runner := conformanceCases(t)
	shimSteps := 0
	for _, rel := range order {
		for _, c := range files[rel] {
			id := rel + ": " + c.Name
			steps, n, err := prepareSteps(c)
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			shimSteps += n
			t.Run(rel+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				if why, ok := confSkip[id]; ok {
					t.Skip("known daemon issue: " + why)
				}
				if len(c.Session) > 0 && !bytes.Equal(bytes.TrimSpace(c.Session), []byte("{}")) {
					t.Skip("session settings are not replayed through the shim")
				}
				d := startDaemon(t, daemonOpt{noThrottle: true})
				env := newEnv(t, d, envOpt{transport: "websocket"})
				env.Expose("setClock", func(L *lua.LState) int {
					d.Clock.Set(time.UnixMilli(int64(L.CheckNumber(1))).UTC())
					return 0
				})
				stepsJSON, _ := json.Marshal(steps)
				h := env.L.GetGlobal("__harness").(*lua.LTable)
				h.RawSetString("steps", lua.LString(stepsJSON))
				runLua(t, env, "conformance", runner)
			})
		}
	}
	if shimSteps < 50 {
		t.Errorf("only %d steps went through the shim's DataStore methods", shimSteps)
	}
}

// prepareSteps decides, step by step, how the Lua runner replays a case.
func prepareSteps(c confFileCase) ([]luaStep, int, error) {
	var out []luaStep
	shim := 0
	for _, rawStep := range c.Steps {
		var s confRawStep
		if err := json.Unmarshal(rawStep, &s); err != nil {
			return nil, 0, err
		}
		switch {
		case s.Advance != nil:
			out = append(out, luaStep{Via: "advance", Advance: *s.Advance})
			continue
		case s.Set != nil:
			out = append(out, luaStep{Via: "set", Advance: *s.Set})
			continue
		}
		args := s.Args
		if len(args) == 0 {
			args = json.RawMessage("{}")
		}
		expanded, err := expandDirectives(args, false)
		if err != nil {
			return nil, 0, err
		}
		expect, err := expandDirectives(s.Expect, true)
		if err != nil {
			return nil, 0, err
		}
		via := "raw"
		if shimmable(s.Op, args) {
			via = "shim"
			shim++
		}
		out = append(out, luaStep{Via: via, Op: s.Op, Args: string(expanded), Expect: expect})
	}
	return out, shim, nil
}

// shimmable reports whether a step's arguments are what a game could pass to
// the method of that name, with values a Lua table holds exactly.
func shimmable(op string, args json.RawMessage) bool {
	allowed := map[string][]string{
		"GetAsync":        {"key"},
		"SetAsync":        {"key", "value", "userIds", "metadata"},
		"IncrementAsync":  {"key", "delta", "userIds", "metadata"},
		"RemoveAsync":     {"key"},
		"GetVersionAsync": {"key", "version"},
	}
	required := map[string][]string{"GetVersionAsync": {"version"}}
	fields, ok := allowed[op]
	if !ok {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(args, &m) != nil {
		return false
	}
	for k, v := range m {
		switch k {
		case "store", "scope", "key", "version":
			if kind(v) != "string" {
				return false
			}
		case "allScopes", "ordered":
			if kind(v) != "bool" {
				return false
			}
		case "delta":
			if kind(v) != "number" {
				return false
			}
		case "userIds":
			if kind(v) != "array" {
				return false
			}
		case "metadata":
			if kind(v) != "object" {
				return false
			}
		}
		if !contains(fields, k) && k != "store" && k != "scope" && k != "allScopes" && k != "ordered" {
			return false
		}
	}
	for _, f := range append(required[op], "key") {
		if _, ok := m[f]; !ok {
			return false
		}
	}
	if _, ok := m["store"]; !ok {
		return false
	}
	text := string(args)
	// Directives, nulls (holes in Lua arrays), escapes of lone surrogates and
	// integers beyond a double's precision do not survive a Lua table.
	if strings.Contains(text, `"$`) || strings.Contains(text, "null") || strings.Contains(strings.ToLower(text), `\ud`) {
		return false
	}
	return exactInLua(args)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return ""
	}
	switch t[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case '[':
		return "array"
	case '{':
		return "object"
	case 'n':
		return "null"
	}
	return "number"
}

// exactInLua reports whether every number in v is a double exactly.
func exactInLua(v json.RawMessage) bool {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return false
	}
	var ok func(any) bool
	ok = func(x any) bool {
		switch y := x.(type) {
		case json.Number:
			f, err := y.Float64()
			if err != nil {
				return false
			}
			if i, err := y.Int64(); err == nil {
				return float64(i) == f && int64(f) == i
			}
			return true
		case []any:
			for _, e := range y {
				if !ok(e) {
					return false
				}
			}
		case map[string]any:
			for _, e := range y {
				if !ok(e) {
					return false
				}
			}
		}
		return true
	}
	return ok(x)
}

// expandDirectives replaces {"$repeat": s, "count": n} by the repeated
// string and {"$spaced": v} by v (the shim serialises values itself); in
// expected results, {"$type": t} is kept for the Lua side to match.
func expandDirectives(raw json.RawMessage, expected bool) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 || !bytes.Contains(raw, []byte(`"$`)) {
		return raw, nil // sent byte for byte, escapes and all
	}
	// Escapes of lone surrogates must reach the daemon as written: hide them
	// from encoding/json (which would turn them into U+FFFD) and put them back.
	const hide = "@@rbxemu-surrogate@@"
	raw = surrogateEscape.ReplaceAll(raw, []byte(hide+"$1"))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	var walk func(any) (any, error)
	walk = func(x any) (any, error) {
		switch y := x.(type) {
		case []any:
			for i, e := range y {
				v, err := walk(e)
				if err != nil {
					return nil, err
				}
				y[i] = v
			}
			return y, nil
		case map[string]any:
			if unit, ok := y["$repeat"].(string); ok && len(y) == 2 {
				n, err := y["count"].(json.Number).Int64()
				if err != nil {
					return nil, err
				}
				return strings.Repeat(unit, int(n)), nil
			}
			if v, ok := y["$spaced"]; ok && len(y) == 1 && !expected {
				return walk(v)
			}
			keys := make([]string, 0, len(y))
			for k := range y {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v, err := walk(y[k])
				if err != nil {
					return nil, err
				}
				y[k] = v
			}
			return y, nil
		}
		return x, nil
	}
	x, err := walk(x)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(bytes.TrimSpace(buf.Bytes()), []byte(hide), []byte(`\u`)), nil
}

var surrogateEscape = regexp.MustCompile(`\\u([dD][89a-fA-F][0-9a-fA-F]{2})`)

package opencloud_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// t0 is the virtual clock's start in most tests: mid-hour, so that a test
// controls when an hour (and a backup) begins.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

// t0v2 and t0v1 are t0 as the two API versions print it.
const (
	t0v2 = "2026-03-04T05:06:07.89Z"
	t0v1 = "2026-03-04T05:06:07.8900000Z"
)

// oc is a test's view of one daemon: its base URL, clock and engine.
type oc struct {
	t     testing.TB
	base  string
	srv   *server.Server
	clock *clock.Manual
	key   string // sent as x-api-key when not empty
	hc    *http.Client
}

// startOC starts a daemon on a virtual clock at t0.
func startOC(t testing.TB, opts ...servertest.Option) *oc {
	t.Helper()
	return startOCOn(t, clock.NewManual(t0), opts...)
}

// startOCOn starts a daemon on the given virtual clock.
func startOCOn(t testing.TB, clk *clock.Manual, opts ...servertest.Option) *oc {
	t.Helper()
	url, srv := servertest.Start(t, append([]servertest.Option{servertest.Clock(clk)}, opts...)...)
	hc := &http.Client{Timeout: 20 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	return &oc{t: t, base: url, srv: srv, clock: clk, hc: hc}
}

func (c *oc) engine() *engine.Engine { return c.srv.Engine() }

// resp is one answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; hdr holds extra headers ("Name", "value" pairs).
func (c *oc) do(method, path, body string, hdr ...string) resp {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("x-api-key", c.key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// want checks the status and that the body is the JSON want (compared as
// decoded values: every field, and no other); "" wants no body, "-" any.
func (r resp) want(t testing.TB, status int, want string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if want == "-" {
		return
	}
	if want == "" {
		if len(r.body) != 0 {
			t.Fatalf("body %q, want none", r.body)
		}
		return
	}
	var got, exp any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("body\n got %s\nwant %s", compact(r.body), compact([]byte(want)))
	}
}

// decode decodes the body into v after checking the status.
func (r resp) decode(t testing.TB, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// Error bodies of the three API shapes.

func v2Err(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg, "details": []any{}})
	return string(b)
}

func v1Err(code, detail, msg string) string {
	details := []any{}
	if detail != "" {
		details = append(details, map[string]string{"errorDetailType": "DatastoreErrorInfo", "datastoreErrorCode": detail})
	}
	b, _ := json.Marshal(map[string]any{"error": code, "message": msg, "errorDetails": details})
	return string(b)
}

func v1OrdErr(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg})
	return string(b)
}

// seed writes key = value in universe 1 through the engine.
func (c *oc) seed(store, scope, key, value string) *engine.KeyInfo {
	c.t.Helper()
	info, err := c.engine().Set(engine.StoreRef{Universe: 1, Name: store, Scope: scope}, key, json.RawMessage(value), engine.WriteOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return info
}

// get reads a key through the engine.
func (c *oc) get(store, scope, key string) *engine.Entry {
	c.t.Helper()
	e, err := c.engine().Get(engine.StoreRef{Universe: 1, Name: store, Scope: scope}, key)
	if err != nil {
		c.t.Fatal(err)
	}
	return e
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func v2Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func v1Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// step is one request of a scripted test, checked exactly. want may name
// variables ($NAME) that earlier steps set in vars; so may path and body.
type step struct {
	name    string
	advance time.Duration // the clock moves first
	method  string
	path    string
	body    string
	hdr     []string
	status  int
	want    string
	// capture runs before the check (to set variables want names, from the
	// engine's view); after runs on the answer (to check headers).
	capture func()
	after   func(t testing.TB, r resp)
}

// vars holds values steps capture (version ids, tokens).
type vars map[string]string

func (v vars) expand(s string) string {
	if len(v) == 0 || !strings.Contains(s, "$") {
		return s
	}
	pairs := make([]string, 0, 2*len(v))
	// Longer names first, so that $V1 does not eat $V10.
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	for i := 0; i < len(names); i++ {
		for j := i + 1; j < len(names); j++ {
			if len(names[j]) > len(names[i]) {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	for _, k := range names {
		pairs = append(pairs, "$"+k, v[k])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

func (c *oc) run(t *testing.T, v vars, steps []step) {
	t.Helper()
	for _, s := range steps {
		if s.advance != 0 {
			if _, err := c.clock.Advance(s.advance); err != nil {
				t.Fatal(err)
			}
		}
		hdr := make([]string, len(s.hdr))
		for i, h := range s.hdr {
			hdr[i] = v.expand(h)
		}
		r := c.do(s.method, v.expand(s.path), v.expand(s.body), hdr...)
		if s.capture != nil {
			s.capture()
		}
		func() {
			t.Helper()
			defer func() {
				if t.Failed() {
					t.Logf("in step %q", s.name)
				}
			}()
			r.want(t, s.status, v.expand(s.want))
			if s.after != nil {
				s.after(t, r)
			}
		}()
	}
}

func refOf(store, scope string) engine.StoreRef {
	return engine.StoreRef{Universe: 1, Name: store, Scope: scope}
}

// listNewest lists a key's versions newest first.
var listNewest = engine.ListVersionsOptions{Descending: true}

var engineNoOpts = engine.WriteOptions{}

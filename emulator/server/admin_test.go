package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/faults"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// adminDo sends one request to an /_emulator/ route and returns status and
// body.
func adminDo(t *testing.T, hc *http.Client, method, url, body string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

func newHTTPClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// monitorNotices collects the monitor notices a client receives.
type monitorNotices struct {
	mu  sync.Mutex
	evs []map[string]any
}

func (m *monitorNotices) on(n client.Notice) {
	if n.Kind != "monitor" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, n.Data)
}

func (m *monitorNotices) list() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]map[string]any(nil), m.evs...)
}

// A monitor on one WebSocket sees the calls of another session.
func TestMonitorSeesOtherSessions(t *testing.T) {
	url, srv := servertest.Start(t)
	ctx := context.Background()
	var got monitorNotices
	mon, err := client.Dial(ctx, url, client.HelloOptions{Client: "cli", OnNotice: got.on})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	res, err := mon.Call(ctx, "_emulator.monitor.subscribe", nil)
	if err != nil || string(res) != `{"subscribed":true,"buffer":1024}` {
		t.Fatalf("subscribe: %s %v", res, err)
	}
	game, err := client.Dial(ctx, url, client.HelloOptions{Universe: 5, JobID: "game-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	if _, err := game.Set(ctx, client.Store{Name: "PlayerData"}, "Player_1", 10, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := game.Get(ctx, client.Store{Name: "PlayerData"}, ""); err == nil {
		t.Fatal("empty key accepted")
	}
	if _, err := game.Call(ctx, "_emulator.clock", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two monitor events", func() bool { return len(got.list()) >= 2 })
	evs := got.list()
	if len(evs) != 2 {
		t.Fatalf("events %v", evs)
	}
	want := []map[string]any{
		{"session": game.Session(), "jobId": "game-1", "universeId": 5.0, "client": "test", "op": "SetAsync", "store": "PlayerData", "scope": "global", "key": "Player_1", "ok": true},
		{"session": game.Session(), "jobId": "game-1", "universeId": 5.0, "client": "test", "op": "GetAsync", "store": "PlayerData", "scope": "global", "key": "", "ok": false,
			"error": map[string]any{"code": 101.0, "name": "KeyNameEmpty", "message": "Key name can't be empty.", "text": "101: Key name can't be empty."}},
	}
	for i, ev := range evs {
		for k, v := range want[i] {
			if !reflect.DeepEqual(ev[k], v) {
				t.Errorf("event %d %s = %v, want %v", i, k, ev[k], v)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, ev["time"].(string)); err != nil || ev["dropped"] != 0.0 || ev["queued"] != false || ev["throttled"] != false {
			t.Errorf("event %d: %v", i, ev)
		}
	}
	// Unsubscribe: no more events.
	if res, err := mon.Call(ctx, "_emulator.monitor.unsubscribe", nil); err != nil || string(res) != `{"dropped":0}` {
		t.Fatalf("unsubscribe: %s %v", res, err)
	}
	if _, err := game.Set(ctx, client.Store{Name: "PlayerData"}, "Player_2", 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mon.Call(ctx, "ping", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(got.list()); n != 2 {
		t.Fatalf("%d events after unsubscribe", n)
	}
	if srv.Monitor(1) == nil {
		t.Fatal("no Go subscription")
	}
}

// A subscriber that does not read loses events, counted; game calls never
// wait for it.
func TestMonitorSlowSubscriberDrops(t *testing.T) {
	url, srv := servertest.Start(t)
	ctx := context.Background()
	sub := srv.Monitor(2)
	defer sub.Close()
	game, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	for i := 0; i < 10; i++ {
		if _, err := game.Set(ctx, client.Store{Name: "S"}, "k", i, nil); err != nil {
			t.Fatal(err)
		}
	}
	if sub.Dropped() != 8 {
		t.Fatalf("dropped %d, want 8", sub.Dropped())
	}
	first, second := <-sub.C, <-sub.C
	if first.Dropped != 0 || second.Dropped != 0 || first.Op != "SetAsync" {
		t.Fatalf("events %+v %+v", first, second)
	}
	if _, err := game.Set(ctx, client.Store{Name: "S"}, "k", 11, nil); err != nil {
		t.Fatal(err)
	}
	if ev := <-sub.C; ev.Dropped != 8 {
		t.Fatalf("next event says %d dropped", ev.Dropped)
	}
	sub.Close()
	sub.Close()
	if _, ok := <-sub.C; ok {
		t.Fatal("channel open after Close")
	}
}

func TestSessionsList(t *testing.T) {
	url, srv := servertest.Start(t)
	ctx := context.Background()
	ws, err := client.Dial(ctx, url, client.HelloOptions{Universe: 3, PlaceID: 9, JobID: "ws-job", Players: 4, Client: "studio"})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(2 * time.Millisecond) // opened later: listed after
	hc, err := client.NewHTTP(ctx, url, client.HelloOptions{JobID: "http-job", Client: "lune"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Session, JobID, Client, Transport string
		PlaceID, Universe, Players        int64
	}
	var got []row
	for _, s := range srv.Sessions() {
		got = append(got, row{s.Session, s.JobID, s.Client, s.Transport, s.PlaceID, s.Universe, s.Players})
		if _, err := time.Parse(time.RFC3339Nano, s.Opened); err != nil || s.Budgets == nil || s.Queues == nil || s.Queued != 0 {
			t.Errorf("session %+v", s)
		}
	}
	want := []row{
		{ws.Session(), "ws-job", "studio", "websocket", 9, 3, 4},
		{hc.Session(), "http-job", "lune", "http", 1, 1, 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sessions\n got %+v\nwant %+v", got, want)
	}
	// The same list over the protocol and over HTTP.
	res, err := ws.Call(ctx, "_emulator.sessions", nil)
	if err != nil || !strings.Contains(string(res), `"jobId":"http-job"`) {
		t.Fatalf("op: %s %v", res, err)
	}
	status, body := adminDo(t, newHTTPClient(t), "GET", url+"/_emulator/sessions", "", nil)
	if status != 200 || !strings.Contains(body, `"jobId":"ws-job"`) || !strings.HasPrefix(body, `{"sessions":[{"session":"`+ws.Session()) {
		t.Fatalf("route: %d %s", status, body)
	}
	// A session that ends leaves the list.
	if err := hc.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the http session to go", func() bool { return len(srv.Sessions()) == 1 })
	ws.Close()
	waitFor(t, "the ws session to go", func() bool { return len(srv.Sessions()) == 0 })
}

func TestAdminRoutes(t *testing.T) {
	url, _ := servertest.Start(t)
	hc := newHTTPClient(t)
	ctx := context.Background()
	game, err := client.Dial(ctx, url, client.HelloOptions{Universe: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	for _, u := range []int64{1, 2} {
		c, err := client.NewHTTP(ctx, url, client.HelloOptions{Universe: u})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Set(ctx, client.Store{Name: "S"}, "k", map[string]string{"u": "<" + itoa(u) + ">"}, nil); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string // prefix of the body
	}{
		{"POST", "/_emulator/faults", `{"op":"GetAsync","key":"k","times":1,"error":"KeyThrottled","seed":1}`, 200,
			`{"id":"f1","op":"GetAsync","key":"k","times":1,"seed":1,"error":"KeyThrottled"}`},
		{"GET", "/_emulator/faults", "", 200, `{"rules":[{"id":"f1","op":"GetAsync","key":"k","times":1,"seed":1,"error":"KeyThrottled","matched":0,"fired":0,"spent":false,`},
		{"POST", "/_emulator/faults", `{"nth":-1,"drop":true}`, 400,
			`{"error":{"code":0,"name":"BadArgument","message":"rbxemu: _emulator.faults.add: nth must be 1 or more (0 means 1)",`},
		{"POST", "/_emulator/faults", `[1]`, 400, `{"error":{"code":0,"name":"MalformedRequest",`},
		{"PUT", "/_emulator/faults", ``, 405, `{"error":{"code":0,"name":"MalformedRequest","message":"rbxemu: malformed request: PUT /_emulator/faults: use GET or POST or DELETE"`},
		{"GET", "/_emulator/nope", ``, 404, `{"error":{"code":0,"name":"UnknownOp","message":"rbxemu: unknown op \"/_emulator/nope\""`},
		{"GET", "/_emulator/export?universe=2", ``, 200, `{"format":"rbxemu","version":1,"universes":[` + "\n" + `{"universeId":2,"dataStores":[`},
		{"GET", "/_emulator/export?universe=x", ``, 400, `{"error":{"code":0,"name":"BadArgument","message":"rbxemu: /_emulator/export: universe must be a positive integer"`},
		{"POST", "/_emulator/reset", `{"universeId":2}`, 200, `{"universeId":2}`},
		{"GET", "/_emulator/export?universe=2", ``, 200, `{"format":"rbxemu","version":1,"universes":[]}`},
		{"POST", "/_emulator/import?universe=2", `{"DataStore":{"S":{"global":{"k":"back"}}}}`, 200, `{"format":"mockdatastoreservice","stores":1,"keys":1,"versions":0,"orderedEntries":0}`},
		{"POST", "/_emulator/import", `{"DataStore":{"S":{"global":{"k":null}}}}`, 400,
			`{"error":{"code":0,"name":"BadArgument","message":"rbxemu: _emulator.import: DataStore[\"S\"][\"global\"][\"k\"] (S/global/k): Argument 2 missing or nil"`},
		{"DELETE", "/_emulator/faults?id=f9", ``, 400, `{"error":{"code":0,"name":"BadArgument","message":"rbxemu: _emulator.faults.clear: no fault rule \"f9\""`},
		{"DELETE", "/_emulator/faults", ``, 200, `{"cleared":1}`},
		{"POST", "/_emulator/reset", ``, 200, `{"universeId":null}`},
	} {
		status, body := adminDo(t, hc, c.method, url+c.path, c.body, nil)
		if status != c.status || !strings.HasPrefix(body, c.want) {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %s", c.method, c.path, c.body, status, body, c.status, c.want)
		}
		if c.path == "/_emulator/import?universe=2" {
			// The rule f1 fails the first GetAsync of k, once.
			_, _, err := game.Get(ctx, client.Store{Name: "S"}, "k")
			if err == nil || err.Error() != "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: GetAsync, Data Store: S" {
				t.Fatalf("first get: %v", err)
			}
			v, _, err := game.Get(ctx, client.Store{Name: "S"}, "k")
			if err != nil {
				t.Fatal(err)
			}
			if string(v) != `{"u":"<1>"}` {
				t.Errorf("universe 1 after the reset of 2: %s", v)
			}
		}
	}
	if v, _, err := game.Get(ctx, client.Store{Name: "S"}, "k"); err != nil || v != nil {
		t.Fatalf("after the full reset: %s %v", v, err)
	}
}

func TestAdminRoutesAuth(t *testing.T) {
	url, _ := servertest.Start(t, servertest.Token("sekret"))
	hc := newHTTPClient(t)
	for _, path := range []string{"/_emulator/sessions", "/_emulator/export", "/_emulator/monitor"} {
		status, body := adminDo(t, hc, "GET", url+path, "", nil)
		if status != 401 || !strings.Contains(body, `"name":"Unauthorized"`) {
			t.Errorf("%s without token: %d %s", path, status, body)
		}
	}
	status, _ := adminDo(t, hc, "GET", url+"/_emulator/sessions", "", http.Header{"Authorization": {"Bearer sekret"}})
	if status != 200 {
		t.Errorf("with token: %d", status)
	}
	status, _ = adminDo(t, hc, "POST", url+"/_emulator/reset", "", http.Header{"Authorization": {"Bearer sekret"}, "Origin": {"http://evil.example"}})
	if status != 403 {
		t.Errorf("from a web page: %d", status)
	}
}

// Export streams over HTTP and imports back byte for byte.
func TestExportImportOverHTTP(t *testing.T) {
	url, _ := servertest.Start(t)
	hc := newHTTPClient(t)
	ctx := context.Background()
	c, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 50; i++ {
		if _, err := c.Set(ctx, client.Store{Name: "S", Scope: "s" + itoa(int64(i%3))}, "k"+itoa(int64(i)), map[string]any{"i": i, "tag": "<&>"}, &client.WriteOptions{UserIDs: []int64{int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	status, a := adminDo(t, hc, "GET", url+"/_emulator/export?versions=true", "", nil)
	if status != 200 {
		t.Fatalf("export: %d %s", status, a)
	}
	status, body := adminDo(t, hc, "POST", url+"/_emulator/import?replace=true", a, nil)
	if status != 200 || body != `{"format":"rbxemu","stores":1,"keys":50,"versions":0,"orderedEntries":0}` {
		t.Fatalf("import: %d %s", status, body)
	}
	if _, b := adminDo(t, hc, "GET", url+"/_emulator/export?versions=true", "", nil); a != b {
		t.Fatalf("round trip differs:\n%s\n%s", a, b)
	}
	// And the inline form over the protocol holds the same document.
	res, err := c.Call(ctx, "_emulator.export", map[string]any{"versions": true})
	if err != nil {
		t.Fatal(err)
	}
	var inline struct{ Document json.RawMessage }
	if err := json.Unmarshal(res, &inline); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(a))
	if string(inline.Document) != compact.String() {
		t.Fatalf("inline export differs:\n%s\n%s", inline.Document, compact.String())
	}
}

// GET /_emulator/monitor streams events as JSON lines, and ends when the
// daemon stops (without holding the shutdown up).
func TestMonitorHTTPStream(t *testing.T) {
	srv, err := server.New(server.Options{Addr: "127.0.0.1:0", InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // safe after the Close below
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	hc := newHTTPClient(t)
	resp, err := hc.Get(srv.URL() + "/_emulator/monitor")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("content type %q", ct)
	}
	ctx := context.Background()
	c, err := client.NewHTTP(ctx, srv.URL(), client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, client.Store{Name: "S"}, "k", 1, nil); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() {
		t.Fatalf("no event: %v", lines.Err())
	}
	var ev server.MonitorEvent
	if err := json.Unmarshal(lines.Bytes(), &ev); err != nil || ev.Op != "SetAsync" || ev.Key != "k" || ev.Session != c.Session() || !ev.OK {
		t.Fatalf("event %s: %v", lines.Bytes(), err)
	}
	_ = c.Close()
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("shutdown took %s with a monitor stream open", took)
	}
	if lines.Scan() {
		t.Fatalf("more after shutdown: %s", lines.Bytes())
	}
}

// Faults set over HTTP hit the protocol's calls, and the monitor shows them.
func TestFaultsEndToEnd(t *testing.T) {
	url, srv := servertest.Start(t)
	ctx := context.Background()
	sub := srv.Monitor(16)
	defer sub.Close()
	if _, err := srv.Faults().Add(faultRule(`{"op":"SetAsync","key":"Player_*","drop":true,"times":1}`)); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Set(ctx, client.Store{Name: "S"}, "Player_1", 5, nil)
	if err == nil || err.Error() != "502: API Services rejected request with error. HTTP 500 (Internal Server Error)" {
		t.Fatalf("dropped set: %v", err)
	}
	v, _, err := c.Get(ctx, client.Store{Name: "S"}, "Player_1")
	if err != nil || string(v) != "5" {
		t.Fatalf("the write is not there: %s %v", v, err)
	}
	ev := <-sub.C
	if ev.OK || ev.Error.Code != 502 || !reflect.DeepEqual(ev.Faults, []string{"f1:drop"}) {
		t.Fatalf("event %+v", ev)
	}
}

func faultRule(s string) faults.Rule {
	var r faults.Rule
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		panic(err)
	}
	return r
}

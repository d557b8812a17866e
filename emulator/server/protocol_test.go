package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestHealthzAndReadyz(t *testing.T) {
	url, _ := servertest.Start(t)
	for _, p := range []string{server.PathHealthz, server.PathReadyz} {
		resp, err := testHTTP.Get(url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %s", p, resp.Status)
		}
	}
}

func TestHelloThenOpsOverWebSocket(t *testing.T) {
	manual := clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	url, _ := servertest.Start(t, servertest.Clock(manual))
	w := dialRaw(t, url, nil)

	r := w.call(`{"id":1,"op":"hello","args":{"protocol":1,"universeId":7,"placeId":8,"jobId":"job-1","players":3,"client":"lune"}}`)
	if !r.OK || r.Now != manual.Now().UnixMilli() || r.Budgets == nil || len(r.Budgets) != 0 {
		t.Fatalf("hello reply: %+v", r)
	}
	var h server.HelloResult
	if err := json.Unmarshal(r.Result, &h); err != nil || h.Session == "" || h.Protocol != 1 || h.Clock != "virtual" || h.JobID != "job-1" || h.Server != "rbxemu test" {
		t.Fatalf("hello result %s", r.Result)
	}

	r = w.call(`{"id":"s","op":"SetAsync","args":{"store":"PlayerData","key":"Player_1","value":{"coins":10},"metadata":{"tag":"<x>"}}}`)
	if !r.OK || string(r.ID) != `"s"` {
		t.Fatalf("SetAsync: %+v", r)
	}
	manual.Advance(time.Minute)
	r = w.call(`{"id":2,"op":"GetAsync","args":{"store":"PlayerData","key":"Player_1"}}`)
	var got struct {
		Value   json.RawMessage `json:"value"`
		KeyInfo struct {
			Metadata json.RawMessage `json:"metadata"`
		} `json:"keyInfo"`
	}
	_ = json.Unmarshal(r.Result, &got)
	if !r.OK || string(got.Value) != `{"coins":10}` || string(got.KeyInfo.Metadata) != `{"tag":"<x>"}` || r.Now != manual.Now().UnixMilli() {
		t.Fatalf("GetAsync: %s now %d", r.Result, r.Now)
	}

	r = w.call(`{"id":3,"op":"players","args":{"players":12}}`)
	if !r.OK || compactJSON(t, r.Result) != `{"players":12}` {
		t.Fatalf("players: %+v", r)
	}
	r = w.call(`{"id":4,"op":"ping"}`)
	if !r.OK || string(r.Result) != `{}` {
		t.Fatalf("ping: %+v %s", r, r.Result)
	}
	// A Roblox error: the exact text, and the name and code apart.
	r = w.call(`{"id":5,"op":"GetAsync","args":{"store":"PlayerData","key":""}}`)
	if r.OK || r.Error.Code != 101 || r.Error.Name != "KeyNameEmpty" || r.Error.Message != "Key name can't be empty." || r.Error.Text != "101: Key name can't be empty." {
		t.Fatalf("empty key: %+v", r.Error)
	}
	// bye: a reply, then a normal close.
	r = w.call(`{"id":6,"op":"bye"}`)
	if !r.OK {
		t.Fatalf("bye: %+v", r.Error)
	}
	if ce := w.closeErr(); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("after bye: %v", ce)
	}
}

func TestSessionHooksBudgetsAndNotices(t *testing.T) {
	g := newTestGate()
	g.budgets = map[string]int64{"StandardRead": 42}
	g.noticeOn = true
	url, _ := servertest.Start(t, servertest.Gate(g))
	ctx := ctxT(t)

	var mu sync.Mutex
	var notices []client.Notice
	c, err := client.Dial(ctx, url, client.HelloOptions{Players: 2, OnNotice: func(n client.Notice) {
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, client.Store{Name: "s"}, "k"); err != nil {
		t.Fatal(err)
	}
	if b := c.Budgets(); b["StandardRead"] != 42 {
		t.Errorf("budgets %v", b)
	}
	if err := c.Players(ctx, 5); err != nil {
		t.Fatal(err)
	}
	// The notice was queued before the reply (both on the one writer).
	mu.Lock()
	if len(notices) != 1 || notices[0].Kind != "budget" || notices[0].Data["key"] != "k" || notices[0].Now == 0 {
		t.Errorf("notices %+v", notices)
	}
	mu.Unlock()
	id := c.Session()
	c.Close()
	c.Close() // twice is fine
	waitFor(t, "session closed", func() bool {
		ev := g.eventList()
		return len(ev) > 0 && ev[len(ev)-1] == "closed "+id
	})
	want := []string{"opened " + id, "players " + id + " 5", "closed " + id}
	if got := g.eventList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", got, want)
	}

	// Over HTTP, the notices come with the next reply.
	hc, err := client.NewHTTP(ctx, url, client.HelloOptions{OnNotice: func(n client.Notice) {
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if _, _, err := hc.Get(ctx, client.Store{Name: "s"}, "h"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(notices) != 2 || notices[1].Data["key"] != "h" {
		t.Errorf("http notices %+v", notices)
	}
	mu.Unlock()
	if b := hc.Budgets(); b["StandardRead"] != 42 {
		t.Errorf("http budgets %v", b)
	}
}

func TestManyRequestsInFlightRepliesOutOfOrder(t *testing.T) {
	g := newTestGate()
	url, _ := servertest.Start(t, servertest.Gate(g))
	w := dialRaw(t, url, nil)
	w.hello()
	const n = 10
	release := make([]func(), n+1)
	for i := 1; i <= n; i++ {
		release[i] = g.holdKey(fmt.Sprintf("k%d", i))
	}
	for i := 1; i <= n; i++ {
		w.send(fmt.Sprintf(`{"id":%d,"op":"GetAsync","args":{"store":"s","key":"k%d"}}`, i, i))
	}
	waitFor(t, "all requests running at once", func() bool { return g.inside.Load() == n })
	// Release the last first: replies follow completion, not arrival.
	for i := n; i >= 1; i-- {
		release[i]()
		r := w.recv()
		if string(r.ID) != fmt.Sprint(i) || !r.OK {
			t.Fatalf("after releasing %d got reply %s ok=%v", i, r.ID, r.OK)
		}
	}
}

func TestInFlightIsBoundedPerConnection(t *testing.T) {
	g := newTestGate()
	url, _ := servertest.Start(t, servertest.Gate(g))
	release := g.holdEverything()
	defer release()
	w := dialRaw(t, url, nil)
	w.hello()
	other := dialRaw(t, url, nil)
	other.hello()

	total := server.MaxInFlight + 20
	go func() {
		for i := 1; i <= total; i++ {
			if err := w.conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"id":%d,"op":"GetAsync","args":{"store":"s","key":"k"}}`, i)); err != nil {
				return
			}
		}
	}()
	waitFor(t, "the bound reached", func() bool { return g.inside.Load() == server.MaxInFlight })
	time.Sleep(100 * time.Millisecond)
	if in := g.inside.Load(); in != server.MaxInFlight {
		t.Fatalf("%d requests running on one connection, bound %d", in, server.MaxInFlight)
	}
	// Another connection is not held back by this one's bound.
	other.send(`{"id":1,"op":"ping"}`)
	if r := other.recv(); !r.OK {
		t.Fatalf("other connection: %+v", r)
	}
	release()
	seen := map[string]bool{}
	for range total {
		r := w.recv()
		if !r.OK {
			t.Fatalf("reply %s: %+v", r.ID, r.Error)
		}
		seen[string(r.ID)] = true
	}
	if len(seen) != total || g.maxInside.Load() > int64(server.MaxInFlight)+1 {
		t.Fatalf("%d distinct replies of %d; max running %d", len(seen), total, g.maxInside.Load())
	}
}

func TestConcurrentClientCallsShareOneConnection(t *testing.T) {
	url, _ := servertest.Start(t)
	ctx := ctxT(t)
	c, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := client.Store{Name: "Counters"}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				if _, _, err := c.Increment(ctx, st, "total", 1, nil); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Set(ctx, st, fmt.Sprintf("k%d-%d", i, j), j, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, _, err := c.Get(ctx, st, "total")
	if err != nil || string(v) != "200" {
		t.Fatalf("total %s %v", v, err)
	}
}

func TestHandlerPanicAndPlainErrorsBecomeInternalServerError(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	url, _ := servertest.Start(t, servertest.Options(func(o *server.Options) { o.Logger = newBufLogger(&mu, &logs) }))
	w := dialRaw(t, url, nil)
	w.hello()
	for _, op := range []string{"TestPanic", "TestPlainError"} {
		r := w.call(`{"id":1,"op":"` + op + `"}`)
		want := "DataStoreService: InternalServerError: An internal server error occurred. API: " + op + ", Data Store: "
		if r.OK || r.Error.Name != "InternalServerError" || r.Error.Text != want {
			t.Errorf("%s: %+v", op, r.Error)
		}
	}
	// The daemon is still here.
	if r := w.call(`{"id":2,"op":"ping"}`); !r.OK {
		t.Fatal("daemon gone after a panic")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("errors not logged:\n%s", logs.String())
	}
}

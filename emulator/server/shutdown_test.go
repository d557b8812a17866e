package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestShutdownFinishesRequestsInFlightThenSendsCloseFrames(t *testing.T) {
	g := newTestGate()
	url, srv := servertest.Start(t, servertest.Gate(g))
	release := g.holdKey("slow")
	defer release()

	w := dialRaw(t, url, nil)
	w.hello()
	idle := dialRaw(t, url, nil)
	idle.hello()
	w.send(`{"id":"slow","op":"SetAsync","args":{"store":"s","key":"slow","value":1}}`)
	httpSession := httpHello(t, url, nil)
	httpDone := make(chan wireReply, 1)
	go func() {
		_, r := post(t, url, httpSession, `{"id":"h","op":"SetAsync","args":{"store":"s","key":"slow","value":2}}`, nil)
		httpDone <- r
	}()
	waitFor(t, "both requests in the gate", func() bool { return g.inside.Load() == 2 })

	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()

	// Draining: not ready, and new requests are refused.
	waitFor(t, "readyz 503", func() bool {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, server.PathReadyz, nil))
		return rec.Code == http.StatusServiceUnavailable
	})
	r := w.call(`{"id":"late","op":"GetAsync","args":{"store":"s","key":"k"}}`)
	if r.OK || r.Error.Name != "ShuttingDown" || string(r.ID) != `"late"` {
		t.Fatalf("request during shutdown: %+v", r)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned with requests in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}

	release()
	// The reply in flight arrives, then the close frame.
	if r := w.recv(); string(r.ID) != `"slow"` || !r.OK {
		t.Fatalf("in-flight reply: %+v", r)
	}
	for _, c := range []*rawWS{w, idle} {
		ce := c.closeErr()
		if ce.Code != websocket.CloseGoingAway || ce.Text != "rbxemu is shutting down" {
			t.Fatalf("close frame %d %q", ce.Code, ce.Text)
		}
	}
	if r := <-httpDone; !r.OK {
		t.Fatalf("http request in flight: %+v", r.Error)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, server.PathReadyz, nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz after close: %d", rec.Code)
	}
}

func TestShutdownGiveUpAfterTheGracePeriod(t *testing.T) {
	g := newTestGate()
	url, srv := servertest.Start(t, servertest.Gate(g), servertest.Options(func(o *server.Options) {
		o.ShutdownGrace = 200 * time.Millisecond
	}))
	release := g.holdEverything() // released only by the grace period's end
	defer release()
	w := dialRaw(t, url, nil)
	w.hello()
	w.send(`{"id":1,"op":"GetAsync","args":{"store":"s","key":"k"}}`)
	session := httpHello(t, url, nil)
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		req, _ := http.NewRequest(http.MethodPost, url+server.PathRPC, strings.NewReader(`{"id":2,"op":"GetAsync","args":{"store":"s","key":"k"}}`))
		req.Header.Set(server.SessionHeader, session)
		if resp, err := testHTTP.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "both requests in the gate", func() bool { return g.inside.Load() == 2 })
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %s with a 200ms grace", d)
	}
	if g.inside.Load() != 0 {
		t.Fatal("a request outlived Close")
	}
	<-posted
}

// Every write a client saw acknowledged is in the store after a shutdown
// that happened while writers were busy.
func TestShutdownLosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.New(server.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	st := client.Store{Name: "Durable"}

	const writers = 8
	var mu sync.Mutex
	acked := map[string]int{}
	var wg sync.WaitGroup
	started := make(chan struct{}, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c *client.Client
			var err error
			if i%2 == 0 {
				c, err = client.Dial(ctx, srv.URL(), client.HelloOptions{})
			} else {
				c, err = client.NewHTTP(ctx, srv.URL(), client.HelloOptions{})
			}
			if err != nil {
				t.Error(err)
				started <- struct{}{}
				return
			}
			defer c.Close()
			started <- struct{}{}
			for j := 0; ; j++ {
				key := fmt.Sprintf("w%d-%d", i, j)
				if _, err := c.Set(ctx, st, key, j, nil); err != nil {
					return // refused or cut by the shutdown
				}
				mu.Lock()
				acked[key] = j
				mu.Unlock()
			}
		}()
	}
	for range writers {
		<-started
	}
	waitFor(t, "some writes", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 200
	})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	e, err := engine.Open(engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ref := engine.StoreRef{Universe: 1, Name: st.Name, Scope: engine.DefaultScope}
	for key, want := range acked {
		got, err := e.Get(ref, key)
		if err != nil || got == nil {
			t.Fatalf("acknowledged %s lost: %v", key, err)
		}
		var v int
		if err := json.Unmarshal(got.Value, &v); err != nil || v != want {
			t.Fatalf("%s = %s, want %d", key, got.Value, want)
		}
	}
	t.Logf("%d acknowledged writes all present", len(acked))
}

func TestCallsAfterShutdownFailCleanly(t *testing.T) {
	url, srv := servertest.Start(t)
	ctx := ctxT(t)
	c, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Get(ctx, client.Store{Name: "s"}, "k")
	var ce *websocket.CloseError
	if !errors.Is(err, client.ErrClosed) || !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("call after shutdown: %v", err)
	}
	if err := srv.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

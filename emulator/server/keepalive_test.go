package server_test

// Keepalive (docs/protocol.md, "Keepalive"): Lune 0.10 panics on a WebSocket
// Ping frame, so a session whose hello says client "lune" is never pinged and
// stays alive on the protocol's ping op; every other client is pinged.

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestLuneSessionsAreNeverPinged(t *testing.T) {
	url, _ := servertest.Start(t, servertest.Options(func(o *server.Options) {
		o.WSPingPeriod, o.WSReadTimeout = 50*time.Millisecond, 10*time.Second
	}))
	lune := dialRaw(t, url, nil)
	var lunePings atomic.Int64
	lune.conn.SetPingHandler(func(string) error { lunePings.Add(1); return nil })
	if r := lune.call(`{"id":"h","op":"hello","args":{"protocol":1,"client":"lune"}}`); !r.OK {
		t.Fatalf("hello: %+v", r.Error)
	}

	// A studio client on the same daemon, connected later, is pinged: once
	// it has had three pings, the Lune connection's ticker has fired three
	// times too.
	studio := dialRaw(t, url, nil)
	pinged := make(chan struct{}, 16)
	studio.conn.SetPingHandler(func(string) error { pinged <- struct{}{}; return nil })
	studio.hello()
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := studio.conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for range 3 {
		select {
		case <-pinged:
		case <-time.After(10 * time.Second):
			t.Fatal("the studio client got no ping")
		}
	}
	// A reply written now comes after any ping the Lune connection was sent.
	if r := lune.call(`{"id":1,"op":"ping"}`); !r.OK {
		t.Fatalf("ping: %+v", r.Error)
	}
	if n := lunePings.Load(); n != 0 {
		t.Fatalf("the Lune client got %d WebSocket pings, want none", n)
	}
	studio.conn.Close()
	<-readDone
}

func TestPingOpKeepsAQuietLuneSessionAlive(t *testing.T) {
	const readTimeout = 400 * time.Millisecond
	url, srv := servertest.Start(t, servertest.Options(func(o *server.Options) {
		o.WSReadTimeout = readTimeout
	}))
	kept := dialRaw(t, url, nil)
	if r := kept.call(`{"id":"h","op":"hello","args":{"protocol":1,"client":"lune"}}`); !r.OK {
		t.Fatalf("hello: %+v", r.Error)
	}
	silent := dialRaw(t, url, nil)
	if r := silent.call(`{"id":"h","op":"hello","args":{"protocol":1,"client":"lune"}}`); !r.OK {
		t.Fatalf("hello: %+v", r.Error)
	}
	// The kept session sends the ping op every half timeout, as the shim's
	// Lune transport does: the silent one is dropped after the read timeout,
	// the kept one lives on for five more.
	tick := time.NewTicker(readTimeout / 2)
	defer tick.Stop()
	ping := func(i int) {
		<-tick.C
		if r := kept.call(`{"id":1,"op":"ping"}`); !r.OK {
			t.Fatalf("ping %d: %+v", i, r.Error)
		}
	}
	start := time.Now()
	for i := 0; len(srv.Sessions()) != 1; i++ {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the silent Lune session was not dropped (%d sessions)", len(srv.Sessions()))
		}
		ping(i)
	}
	if d := time.Since(start); d < readTimeout/2 {
		t.Errorf("dropped after %v, before the read timeout %v", d, readTimeout)
	}
	for i := 0; i < 10; i++ {
		ping(i)
	}
	if n := len(srv.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want the kept one", n)
	}
}

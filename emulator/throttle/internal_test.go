package throttle

import (
	"context"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func TestKilobytes(t *testing.T) {
	for n, want := range map[int]int64{0: 1, 1: 1, 800: 1, 1024: 1, 1025: 2, 1229: 2, 2048: 2, 4 << 20: 4096} {
		if got := kilobytes(n); got != want {
			t.Errorf("kilobytes(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestWindowBounded(t *testing.T) {
	var w window
	for ms := range int64(200_000) {
		w.prune(ms)
		w.add(ms, 1)
		w.add(ms, 1) // merged with the entry of the same millisecond
		if w.len() > windowMs {
			t.Fatalf("at %d ms the window holds %d entries", ms, w.len())
		}
	}
	if w.total() != 2*windowMs || w.len() != windowMs {
		t.Fatalf("total %d, entries %d", w.total(), w.len())
	}
	if cap(w.entries) > 4*windowMs {
		t.Fatalf("backing array grew to %d", cap(w.entries))
	}
	w.prune(200_000 + windowMs)
	if !w.empty() || w.total() != 0 {
		t.Fatalf("after a quiet minute: %d entries, total %d", w.len(), w.total())
	}
}

// TestIdleWindowsDropped: keys and universes nobody touched for a minute
// leave memory at the next sweep.
func TestIdleWindowsDropped(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	l := New(clk, Options{})
	defer l.Close()
	s := &dispatch.Session{ID: "a", Universe: 1}
	s.SetPlayers(100)
	l.SessionOpened(s)
	if err := l.SetRateLimit(s, StandardWrite, 10000, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := clk.Advance(time.Minute); err != nil { // fill the raised budget
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 1000 {
		c := &dispatch.Call{Op: "SetAsync", Store: engine.StoreRef{Name: "S", Scope: "global"}, Key: string(rune('a'+i%26)) + string(rune('A'+i/26)), RequestTypes: []string{"StandardWrite"}, WriteBytes: 10}
		if err := l.Admit(ctx, s, c); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		l.Done(s, &dispatch.Call{Op: "GetAsync", Store: c.Store, Key: c.Key, RequestTypes: []string{"StandardRead"}}, 10)
	}
	other := &dispatch.Session{ID: "b", Universe: 2}
	if err := l.Admit(ctx, other, &dispatch.Call{Op: "ListKeysAsync", RequestTypes: []string{"StandardList"}}); err != nil {
		t.Fatal(err)
	}
	l.SessionClosed(other)
	l.mu.Lock()
	keys, universes := len(l.keys), len(l.universes)
	l.mu.Unlock()
	if keys != 1000 || universes != 2 {
		t.Fatalf("before: %d keys, %d universes", keys, universes)
	}
	if _, err := clk.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := l.Admit(ctx, s, &dispatch.Call{Op: "SetAsync", Store: engine.StoreRef{Name: "S", Scope: "global"}, Key: "new", RequestTypes: []string{"StandardWrite"}, WriteBytes: 1}); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	keys, universes = len(l.keys), len(l.universes)
	l.mu.Unlock()
	if keys != 1 || universes != 1 {
		t.Fatalf("after a quiet minute: %d keys, %d universes; want 1 and 1", keys, universes)
	}
}

// TestBucketExact: the integer arithmetic of a budget.
func TestBucketExact(t *testing.T) {
	b := newBucket(limit{60, 40}, 0)
	if b.requests() != 100 {
		t.Fatalf("burst %d", b.requests())
	}
	for range 100 {
		b.take()
	}
	// 7 players: 340/min. 177 ms give 340*177 = 60180 units: one request.
	if at := b.readyAt(7); at != 177 {
		t.Fatalf("readyAt %d, want 177 (ceil(60000/340))", at)
	}
	b.refill(176, 7)
	if b.ready() {
		t.Fatal("ready at 176 ms")
	}
	b.refill(177, 7)
	if !b.ready() || b.requests() != 1 {
		t.Fatalf("at 177 ms: %d", b.requests())
	}
	// A day later: capped at 3 * 340.
	b.refill(86_400_000, 7)
	if b.requests() != 1020 {
		t.Fatalf("cap %d", b.requests())
	}
	// A claimed player count beyond reason does not overflow.
	b.refill(86_400_000+fullRefillMs, 1<<62)
	if b.requests() <= 0 {
		t.Fatalf("overflow: %d", b.requests())
	}
	// A clock set backwards credits nothing.
	z := newBucket(limit{0, 0}, 1000)
	z.limit = limit{60, 0}
	z.refill(500, 0)
	z.refill(1500, 0)
	if z.units != 60*1000 {
		t.Fatalf("after a backwards step: %d units", z.units)
	}
}

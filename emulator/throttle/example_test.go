package throttle_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// TestWorkedExample replays the worked example of docs/throttling.md step
// by step; if a number there changes, it changes here.
func TestWorkedExample(t *testing.T) {
	f := newFixture(t)
	a := f.session("a", 1, 2) // StandardWrite: 60 + 40 * 2 = 140 a minute
	b := f.session("b", 1, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// t = 0: the startup burst.
	if n := f.lim.Budget(a.Session, throttle.StandardWrite); n != 100 {
		t.Fatalf("burst %d", n)
	}
	if r := f.lim.Rates(a.Session)["StandardWrite"]; r.PerMinute != 140 {
		t.Fatalf("rate %+v", r)
	}
	// 131 SetAsync calls at once: 100 pass, 30 queue, 1 is dropped.
	f.admitN(a, throttle.StandardWrite, 100)
	ch := f.queue(ctx, a, 30, func(i int) *dispatch.Call { return setCall(keyName(100+i), 200) })
	err := f.lim.Admit(ctx, a.Session, setCall("Player_130", 200))
	if want := "302: SetAsync request dropped. Request was throttled, but throttled request queue was full."; errText(err) != want {
		t.Fatalf("131st: %q", errText(err))
	}
	// t = 3 s: the first 7 are released. (They leave the queue in order,
	// which TestQueueFIFO checks one at a time; here the goroutines may
	// report in any order.)
	f.advance(3 * time.Second)
	var first []int
	for range 7 {
		r := next(t, ch)
		if r.err != nil {
			t.Fatal(r.err)
		}
		first = append(first, r.i)
	}
	sort.Ints(first)
	for j, i := range first {
		if i != j {
			t.Fatalf("released %v, want 0..6", first)
		}
	}
	if q := f.lim.QueueLengths(a.Session); q["Set"] != 23 {
		t.Fatalf("queue %v", q)
	}
	// t = 13 s: 23 more; a third of a request is left over.
	f.advance(10 * time.Second)
	var got []int
	for range 23 {
		r := next(t, ch)
		if r.err != nil {
			t.Fatal(r.err)
		}
		got = append(got, r.i)
	}
	sort.Ints(got)
	for j, i := range got {
		if i != 7+j {
			t.Fatalf("released %v, want 7..29", got)
		}
	}
	if n := f.lim.Budget(a.Session, throttle.StandardWrite); n != 0 {
		t.Fatalf("t=13 s: %d", n)
	}
	// t = 15 s: 1/3 + 2 * 140/60 = 5.
	f.advance(2 * time.Second)
	if n := f.lim.Budget(a.Session, throttle.StandardWrite); n != 5 {
		t.Fatalf("t=15 s: %d", n)
	}
	// Per key: 800 B then 1.2 KB count 3 KB; 4093 KB more fit this minute.
	for _, n := range []int{800, 1229} {
		if err := f.lim.Admit(ctx, a.Session, setCall("Hero", n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.lim.Admit(ctx, b.Session, setCall("Hero", 4093*1024)); err != nil {
		t.Fatalf("4093 KB more: %v", err)
	}
	if err := f.lim.Admit(ctx, b.Session, setCall("Hero", 1)); errText(err) != keyThrottled+"SetAsync, Data Store: S" {
		t.Fatalf("over 4 MB: %q", errText(err))
	}
	// b (180 a minute) refilled 45 in 15 s; the refused call still spent
	// one: 100 + 45 - 2 = 143.
	if n := f.lim.Budget(b.Session, throttle.StandardWrite); n != 143 {
		t.Fatalf("b's budget %d", n)
	}
}

// BenchmarkAdmit measures the cost of one admitted GetAsync (budget, key
// window and experience quota) on the real clock, with limits far above
// the load.
func BenchmarkAdmit(b *testing.B) {
	lim := throttle.New(nil, throttle.Options{})
	defer lim.Close()
	s := &dispatch.Session{ID: "a", Universe: 1}
	s.SetPlayers(1_000_000)
	lim.SessionOpened(s)
	if err := lim.SetRateLimit(s, throttle.StandardRead, 10000, 200); err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = keyName(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := call("GetAsync", keys[i%len(keys)], "StandardRead")
		i++
		if err := lim.Admit(ctx, s, c); err != nil {
			b.Fatal(err)
		}
		lim.Done(s, c, 100)
	}
}

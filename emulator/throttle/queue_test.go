package throttle_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// TestQueueFIFO: with the read budget spent, 35 GetAsync calls arrive: 30
// wait in the Get queue, 5 are dropped with 301. Each second of clock at
// 60/min releases exactly the oldest waiter; 25 more seconds release the
// remaining 25.
func TestQueueFIFO(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardRead, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ch := f.queue(ctx, s, 30, func(i int) *dispatch.Call { return call("GetAsync", keyName(i), "StandardRead") })
	for i := 30; i < 35; i++ {
		err := f.lim.Admit(ctx, s.Session, call("GetAsync", keyName(i), "StandardRead"))
		if want := "301: GetAsync request dropped. Request was throttled, but throttled request queue was full."; errText(err) != want {
			t.Fatalf("call %d: %q, want %q", i, errText(err), want)
		}
	}
	if q := f.lim.QueueLengths(s.Session); q["Get"] != 30 || q["Set"] != 0 || q["OrderedGet"] != 0 || q["OrderedSet"] != 0 {
		t.Fatalf("queues: %v", q)
	}
	select {
	case n := <-s.notices:
		t.Fatalf("a dropped call pushed a notice: %+v", n)
	default:
	}

	for i := range 5 {
		f.advance(999 * time.Millisecond)
		if q := f.lim.QueueLengths(s.Session); q["Get"] != 30-i {
			t.Fatalf("999 ms released a call: %v", q)
		}
		f.advance(time.Millisecond)
		r := next(t, ch)
		if r.i != i || r.err != nil {
			t.Fatalf("release %d: got call %d (err %v)", i, r.i, r.err)
		}
		if q := f.lim.QueueLengths(s.Session); q["Get"] != 29-i {
			t.Fatalf("after release %d: %v", i, q)
		}
		none(t, ch)
	}

	f.advance(25 * time.Second)
	var got []int
	for range 25 {
		r := next(t, ch)
		if r.err != nil {
			t.Fatalf("call %d: %v", r.i, r.err)
		}
		got = append(got, r.i)
	}
	sort.Ints(got)
	for j, i := range got {
		if i != 5+j {
			t.Fatalf("released %v, want 5..29", got)
		}
	}
	if n := f.lim.Budget(s.Session, throttle.StandardRead); n != 0 {
		t.Fatalf("budget after the queue drained: %d, want 0", n)
	}
	if q := f.lim.QueueLengths(s.Session); q["Get"] != 0 {
		t.Fatalf("queues: %v", q)
	}
	// The queue is empty and the budget refills: calls pass at once again.
	f.advance(time.Second)
	if err := f.lim.Admit(ctx, s.Session, call("GetAsync", "x", "StandardRead")); err != nil {
		t.Fatal(err)
	}
}

// TestQueueFullErrors: the 31st waiting call of each queue fails at once
// with its op's error, numbered or named.
func TestQueueFullErrors(t *testing.T) {
	const dropped = " request dropped. Request was throttled, but throttled request queue was full."
	tests := []struct {
		name  string
		mk    func(key string) *dispatch.Call
		empty []string // budgets set to 0 so that the calls wait
		queue string
		want  string
	}{
		{"GetAsync", func(k string) *dispatch.Call { return call("GetAsync", k, "StandardRead") }, []string{"StandardRead"}, "Get", "301: GetAsync" + dropped},
		{"SetAsync", func(k string) *dispatch.Call { return withBytes(call("SetAsync", k, "StandardWrite"), 5) }, []string{"StandardWrite"}, "Set", "302: SetAsync" + dropped},
		{"IncrementAsync", func(k string) *dispatch.Call { return withBytes(call("IncrementAsync", k, "StandardWrite"), 8) }, []string{"StandardWrite"}, "Set", "303: IncrementAsync" + dropped},
		{"UpdateAsync", func(k string) *dispatch.Call { return call("UpdateAsync", k, "StandardRead", "StandardWrite") }, []string{"StandardWrite"}, "Set", "304: UpdateAsync" + dropped},
		{"GetSortedAsync", func(string) *dispatch.Call { return ordered(call("GetSortedAsync", "", "OrderedList")) }, []string{"OrderedList"}, "OrderedGet", "305: GetSorted" + dropped},
		{"RemoveAsync", func(k string) *dispatch.Call { return withBytes(call("RemoveAsync", k, "StandardRemove"), 1) }, []string{"StandardRemove"}, "Set", "306: RemoveAsync" + dropped},
		{"ordered GetAsync", func(k string) *dispatch.Call { return ordered(call("GetAsync", k, "OrderedRead")) }, []string{"OrderedRead"}, "OrderedGet", "301: GetAsync" + dropped},
		{"ordered SetAsync", func(k string) *dispatch.Call { return ordered(withBytes(call("SetAsync", k, "OrderedWrite"), 2)) }, []string{"OrderedWrite"}, "OrderedSet", "302: SetAsync" + dropped},
		{"ordered IncrementAsync", func(k string) *dispatch.Call { return ordered(withBytes(call("IncrementAsync", k, "OrderedWrite"), 8)) }, []string{"OrderedWrite"}, "OrderedSet", "303: IncrementAsync" + dropped},
		{"ordered UpdateAsync", func(k string) *dispatch.Call { return ordered(call("UpdateAsync", k, "OrderedRead", "OrderedWrite")) }, []string{"OrderedRead"}, "OrderedSet", "304: UpdateAsync" + dropped},
		{"ordered RemoveAsync", func(k string) *dispatch.Call { return ordered(withBytes(call("RemoveAsync", k, "OrderedRemove"), 1)) }, []string{"OrderedRemove"}, "OrderedSet", "306: RemoveAsync" + dropped},
		{"GetVersionAsync", func(k string) *dispatch.Call { return call("GetVersionAsync", k, "StandardRead") }, []string{"StandardRead"}, "Get",
			"DataStoreService: GetVersionAsyncThrottle: GetVersionAsync request dropped. Request was throttled. API: GetVersionAsync, Data Store: S"},
		{"GetVersionAtTimeAsync", func(k string) *dispatch.Call { return call("GetVersionAtTimeAsync", k, "StandardRead") }, []string{"StandardRead"}, "Get",
			"DataStoreService: GetVersionAtTimeAsyncThrottle: GetVersionAtTimeAsync request dropped. Request was throttled. API: GetVersionAtTimeAsync, Data Store: S"},
		{"ListKeysAsync", func(string) *dispatch.Call { return call("ListKeysAsync", "", "StandardList") }, []string{"StandardList"}, "Get",
			"DataStoreService: ListKeysAsyncThrottle: ListKeysAsync request dropped. Request was throttled. API: ListKeysAsync, Data Store: S"},
		{"ListVersionsAsync", func(k string) *dispatch.Call { return call("ListVersionsAsync", k, "StandardList") }, []string{"StandardList"}, "Get",
			"DataStoreService: ListVersionsAsyncThrottle: ListVersionsAsync request dropped. Request was throttled. API: ListVersionsAsync, Data Store: S"},
		{"ListDataStoresAsync", func(string) *dispatch.Call {
			return &dispatch.Call{Op: "ListDataStoresAsync", RequestTypes: []string{"StandardList"}}
		}, []string{"StandardList"}, "Get",
			"DataStoreService: ListDataStoresAsyncThrottle: ListDataStoresAsync request dropped. Request was throttled. API: ListDataStoresAsync, Data Store: "},
		{"RemoveVersionAsync", func(k string) *dispatch.Call { return call("RemoveVersionAsync", k, "RemoveVersionAsync") }, []string{"RemoveVersionAsync"}, "Set",
			"DataStoreService: RemoveVersionAsyncThrottle: RemoveVersionAsync request dropped. Request was throttled. API: RemoveVersionAsync, Data Store: S"},
		{"BatchGetAsync", func(string) *dispatch.Call { return ordered(call("BatchGetAsync", "", "OrderedRead")) }, []string{"OrderedRead"}, "OrderedGet",
			"DataStoreService: OrderedReadGameServerThrottled: OrderedRead request was throttled by game server limits or the request queue was full. API: BatchGetAsync, Data Store: S"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.session("a", 1, 0)
			for _, name := range tc.empty {
				rt, _ := throttle.ParseRequestType(name)
				if err := f.lim.SetRateLimit(s.Session, rt, 0, 0); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			ch := f.queue(ctx, s, 30, func(i int) *dispatch.Call { return tc.mk(keyName(i)) })
			if q := f.lim.QueueLengths(s.Session); q[tc.queue] != 30 {
				t.Fatalf("queues %v, want 30 in %s", q, tc.queue)
			}
			err := f.lim.Admit(ctx, s.Session, tc.mk("Player_30"))
			if errText(err) != tc.want {
				t.Fatalf("31st call:\n got %q\nwant %q", errText(err), tc.want)
			}
			cancel()
			for range 30 {
				if r := next(t, ch); !isCanceled(r.err) {
					t.Fatalf("call %d after cancel: %v", r.i, r.err)
				}
			}
			if q := f.lim.QueueLengths(s.Session); q[tc.queue] != 0 {
				t.Fatalf("queues after cancel: %v", q)
			}
		})
	}
}

// TestQueueSharedByTypes: SetAsync and RemoveAsync share the Set queue. A
// RemoveAsync that has budget still waits behind queued SetAsync calls
// (arrival order), and a full queue drops it with 306.
func TestQueueSharedByTypes(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardWrite, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := f.queue(ctx, s, 29, func(i int) *dispatch.Call { return withBytes(call("SetAsync", keyName(i), "StandardWrite"), 1) })
	rm := f.queue(ctx, s, 1, func(int) *dispatch.Call { return withBytes(call("RemoveAsync", "r", "StandardRemove"), 1) })
	if n := f.lim.Budget(s.Session, throttle.StandardRemove); n != 100 {
		t.Fatalf("remove budget %d, want 100 (untouched while queued)", n)
	}
	err := f.lim.Admit(ctx, s.Session, withBytes(call("RemoveAsync", "r2", "StandardRemove"), 1))
	if want := "306: RemoveAsync request dropped. Request was throttled, but throttled request queue was full."; errText(err) != want {
		t.Fatalf("got %q, want %q", errText(err), want)
	}
	// 29 s release the 29 writes; only then does the remove leave.
	f.advance(29 * time.Second)
	for range 29 {
		if r := next(t, ch); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if r := next(t, rm); r.err != nil {
		t.Fatal(r.err)
	}
	if n := f.lim.Budget(s.Session, throttle.StandardRemove); n != 99+29 {
		t.Fatalf("remove budget %d, want %d", n, 99+29)
	}
}

// TestQueueOtherQueuesUnaffected: a full Get queue does not hold up a write.
func TestQueueOtherQueuesUnaffected(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 0, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.queue(ctx, s, 30, func(i int) *dispatch.Call { return call("GetAsync", keyName(i), "StandardRead") })
	if err := f.lim.Admit(ctx, s.Session, withBytes(call("SetAsync", "k", "StandardWrite"), 3)); err != nil {
		t.Fatal(err)
	}
	other := f.session("b", 1, 0)
	if err := f.lim.Admit(ctx, other.Session, call("GetAsync", "k", "StandardRead")); err != nil {
		t.Fatalf("another server's queue is its own: %v", err)
	}
}

// TestQueueWarningNotice: the exact warning, once per queued call.
func TestQueueWarningNotice(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardWrite, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan error, 1)
	go func() { ch <- f.lim.Admit(ctx, s.Session, withBytes(call("SetAsync", "Player_1", "StandardWrite"), 4)) }()
	select {
	case n := <-s.notices:
		want := dispatch.Notice{Kind: "warning", Data: map[string]any{"message": "DataStore request was added to queue. If request queue fills, further requests will be dropped. Try sending fewer requests.Key = Player_1"}}
		if n.Kind != want.Kind || len(n.Data) != 1 || n.Data["message"] != want.Data["message"] {
			t.Fatalf("notice %+v\nwant %+v", n, want)
		}
	case <-time.After(patience):
		t.Fatal("no notice")
	}
	f.advance(time.Second)
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-s.notices:
		t.Fatalf("second notice: %+v", n)
	default:
	}
}

// TestQueueCancelHead: a head that gives up hands its place to the next.
func TestQueueCancelHead(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 0, 0); err != nil {
		t.Fatal(err)
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	first := f.queue(ctx1, s, 1, func(int) *dispatch.Call { return call("GetAsync", "a", "StandardRead") })
	second := f.queue(ctx2, s, 1, func(int) *dispatch.Call { return call("GetAsync", "b", "StandardRead") })
	cancel1()
	if r := next(t, first); !isCanceled(r.err) {
		t.Fatalf("first: %v", r.err)
	}
	// Raising the limit wakes the new head; a second of clock pays for it.
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 60, 0); err != nil {
		t.Fatal(err)
	}
	none(t, second)
	f.advance(time.Second)
	if r := next(t, second); r.err != nil {
		t.Fatalf("second: %v", r.err)
	}
}

// TestCloseReleasesWaiters: Close fails every waiting call and every later
// one with the ShuttingDown error.
func TestCloseReleasesWaiters(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardRead, 100)
	ch := f.queue(context.Background(), s, 3, func(i int) *dispatch.Call { return call("GetAsync", keyName(i), "StandardRead") })
	if err := f.lim.Close(); err != nil {
		t.Fatal(err)
	}
	const want = "rbxemu: the daemon is shutting down"
	for range 3 {
		if r := next(t, ch); errText(r.err) != want {
			t.Fatalf("call %d: %q", r.i, errText(r.err))
		}
	}
	if err := f.lim.Admit(context.Background(), s.Session, call("GetAsync", "k", "StandardRead")); errText(err) != want {
		t.Fatalf("after Close: %q", errText(err))
	}
	if err := f.lim.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestRealClockWait: on a clock without a move signal a waiter sleeps until
// its budget fills (here 6000/min: 10 ms per request).
func TestRealClockWait(t *testing.T) {
	lim := throttle.New(clock.Real{}, throttle.Options{})
	defer lim.Close()
	s := &dispatch.Session{ID: "a", Universe: 1}
	lim.SessionOpened(s)
	defer lim.SessionClosed(s)
	if err := lim.SetRateLimit(s, throttle.StandardRead, 0, 0); err != nil {
		t.Fatal(err)
	}
	queued := make(chan struct{}, 5)
	s.Notify = func(dispatch.Notice) { queued <- struct{}{} }
	done := make(chan error, 3)
	for i := range 3 {
		go func() { done <- lim.Admit(context.Background(), s, call("GetAsync", keyName(i), "StandardRead")) }()
		<-queued
	}
	if err := lim.SetRateLimit(s, throttle.StandardRead, 6000, 0); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(patience):
			t.Fatal("a waiter on the real clock was never released")
		}
	}
}

// TestOptionsQueueSize: a smaller queue drops sooner.
func TestOptionsQueueSize(t *testing.T) {
	clk := clock.NewManual(start)
	lim := throttle.New(clk, throttle.Options{QueueSize: 2})
	defer lim.Close()
	f := &fixture{t: t, clk: clk, lim: lim}
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardRead, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.queue(ctx, s, 2, func(i int) *dispatch.Call { return call("GetAsync", keyName(i), "StandardRead") })
	if err := lim.Admit(ctx, s.Session, call("GetAsync", "x", "StandardRead")); errText(err)[:4] != "301:" {
		t.Fatalf("third call: %q", errText(err))
	}
}

// TestNilLimiter: a nil *Limiter stored in a Gate lets everything through.
func TestNilLimiter(t *testing.T) {
	var lim *throttle.Limiter
	var g dispatch.Gate = lim
	s := &dispatch.Session{ID: "a", Universe: 1}
	for i := range 1000 {
		if err := g.Admit(context.Background(), s, call("GetAsync", keyName(i), "StandardRead")); err != nil {
			t.Fatal(err)
		}
		g.Done(s, call("GetAsync", keyName(i), "StandardRead"), 1<<22)
	}
	if b := lim.Budgets(s); b != nil {
		t.Fatalf("budgets of a nil limiter: %v", b)
	}
}

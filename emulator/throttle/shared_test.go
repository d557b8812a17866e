package throttle_test

import (
	"context"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

const keyThrottled = "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: "

// writer returns a session whose write budget refills at 10000 a minute,
// with 200 players (an experience quota of 300 + 4000 writes a minute).
// The budget itself starts at the default burst: move the clock a minute
// to fill it.
func (f *fixture) writer(id string, u int64) *testSession {
	f.t.Helper()
	s := f.session(id, u, 200)
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardWrite, 10000, 0); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func setCall(key string, n int) *dispatch.Call {
	return withBytes(call("SetAsync", key, "StandardWrite"), n)
}

// TestKeyWriteWindow: 4096 writes of 1 KB fill a key's 4 MB minute; the
// next write fails with KeyThrottled, on any server of the universe, until
// the first writes are 60 s old.
func TestKeyWriteWindow(t *testing.T) {
	f := newFixture(t)
	a, b, other := f.writer("a", 1), f.writer("b", 1), f.writer("c", 2)
	f.advance(time.Minute)
	ctx := context.Background()
	for i := range 4096 {
		if err := f.lim.Admit(ctx, a.Session, setCall("hot", 1024)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := f.lim.Admit(ctx, a.Session, setCall("hot", 1)); errText(err) != keyThrottled+"SetAsync, Data Store: S" {
		t.Fatalf("4097th write: %q", errText(err))
	}
	// Across servers of the universe, not across universes or keys.
	if err := f.lim.Admit(ctx, b.Session, withBytes(call("IncrementAsync", "hot", "StandardWrite"), 8)); errText(err) != keyThrottled+"IncrementAsync, Data Store: S" {
		t.Fatalf("another server: %q", errText(err))
	}
	if err := f.lim.Admit(ctx, other.Session, setCall("hot", 1024)); err != nil {
		t.Fatalf("another universe: %v", err)
	}
	if err := f.lim.Admit(ctx, a.Session, setCall("cold", 1024)); err != nil {
		t.Fatalf("another key: %v", err)
	}
	// The same key through an ordered store is another key.
	if err := f.lim.Admit(ctx, a.Session, ordered(withBytes(call("SetAsync", "hot", "OrderedWrite"), 8))); err != nil {
		t.Fatalf("ordered store of the same name: %v", err)
	}
	// A refused write counts for nothing; its budget is spent.
	f.advance(59_999 * time.Millisecond)
	if err := f.lim.Admit(ctx, a.Session, setCall("hot", 1)); err == nil {
		t.Fatal("59.999 s later the window is still full")
	}
	f.advance(time.Millisecond)
	for i := range 4096 {
		if err := f.lim.Admit(ctx, a.Session, setCall("hot", 1000)); err != nil {
			t.Fatalf("60 s later, write %d: %v", i, err)
		}
	}
	if err := f.lim.Admit(ctx, a.Session, setCall("hot", 1)); err == nil {
		t.Fatal("the window refilled past 4 MB")
	}
}

// TestKeyWriteRounding: every write counts whole kilobytes, at least one.
// 800 B + 1.2 KB count 3 KB (the reference's example), so 4093 KB more fit
// and not a byte beyond.
func TestKeyWriteRounding(t *testing.T) {
	tests := []struct {
		sizes []int
		kb    int
	}{
		{[]int{800, 1229}, 3},
		{[]int{0}, 1},
		{[]int{1}, 1},
		{[]int{1024}, 1},
		{[]int{1025}, 2},
		{[]int{2048, 2049}, 5},
		{[]int{4 * 1024 * 1024}, 4096},
	}
	for _, tc := range tests {
		f := newFixture(t)
		a := f.writer("a", 1)
		f.advance(time.Minute)
		ctx := context.Background()
		for _, n := range tc.sizes {
			if err := f.lim.Admit(ctx, a.Session, setCall("k", n)); err != nil {
				t.Fatalf("%v: %v", tc.sizes, err)
			}
		}
		if rest := 4096 - tc.kb; rest > 0 {
			if err := f.lim.Admit(ctx, a.Session, setCall("k", rest*1024)); err != nil {
				t.Fatalf("%v: the remaining %d KB: %v", tc.sizes, rest, err)
			}
		}
		if err := f.lim.Admit(ctx, a.Session, setCall("k", 1)); err == nil {
			t.Fatalf("%v counted less than %d KB", tc.sizes, tc.kb)
		}
	}
}

// TestCommitUpdateWindowOnly: CommitUpdate takes no budget and waits in no
// queue, but its bytes fill the key's write window.
func TestCommitUpdateWindowOnly(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardWrite, 0, 0); err != nil {
		t.Fatal(err)
	}
	commit := func() *dispatch.Call { return withBytes(call("UpdateAsync", "k", []string{}...), 4096) }
	for i := range 1024 {
		if err := f.lim.Admit(context.Background(), s.Session, commit()); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	if err := f.lim.Admit(context.Background(), s.Session, commit()); errText(err) != keyThrottled+"UpdateAsync, Data Store: S" {
		t.Fatalf("commit 1025: %q", errText(err))
	}
}

// TestKeyReadWindow: 25 reads of 1 MB fill a key's 25 MB minute. A read is
// refused only before it runs: the one that carries the window over the
// limit succeeds, and the next is refused.
func TestKeyReadWindow(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	ctx := context.Background()
	read := func(n int) error {
		c := call("GetAsync", "big", "StandardRead")
		if err := f.lim.Admit(ctx, s.Session, c); err != nil {
			return err
		}
		f.lim.Done(s.Session, c, n)
		return nil
	}
	for i := range 25 {
		if err := read(1 << 20); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if err := read(0); errText(err) != keyThrottled+"GetAsync, Data Store: S" {
		t.Fatalf("26th read: %q", errText(err))
	}
	// Writes have their own window.
	if err := f.lim.Admit(ctx, s.Session, setCall("big", 100)); err != nil {
		t.Fatalf("a write while reads are throttled: %v", err)
	}
	f.advance(time.Minute)
	for i := range 24 {
		if err := read(1 << 20); err != nil {
			t.Fatalf("60 s later, read %d: %v", i, err)
		}
	}
	if err := read(4 << 20); err != nil { // 24 MB + 4 MB: allowed, as it was under before
		t.Fatalf("the read that crosses the limit: %v", err)
	}
	if err := read(0); err == nil {
		t.Fatal("a read after the window passed 25 MB")
	}
	// UpdateAsync's read half and ListVersionsAsync read the key too.
	if err := f.lim.Admit(ctx, s.Session, call("UpdateAsync", "big", "StandardRead", "StandardWrite")); errText(err) != keyThrottled+"UpdateAsync, Data Store: S" {
		t.Fatalf("UpdateAsync read: %q", errText(err))
	}
	if err := f.lim.Admit(ctx, s.Session, call("ListVersionsAsync", "big", "StandardList")); errText(err) != keyThrottled+"ListVersionsAsync, Data Store: S" {
		t.Fatalf("ListVersionsAsync: %q", errText(err))
	}
}

// TestAllScopesSharesKeyWindow: "scope/key" through AllScopes is the key of
// that scope.
func TestAllScopesSharesKeyWindow(t *testing.T) {
	f := newFixture(t)
	a := f.writer("a", 1)
	ctx := context.Background()
	if err := f.lim.Admit(ctx, a.Session, setCall("k", 4<<20)); err != nil {
		t.Fatal(err)
	}
	c := setCall("global/k", 1)
	c.Store = engine.StoreRef{Universe: 1, Name: "S", AllScopes: true}
	if err := f.lim.Admit(ctx, a.Session, c); err == nil {
		t.Fatal("AllScopes key global/k did not share the window of k in scope global")
	}
}

// TestExperienceQuota: three servers with 1, 2 and 3 players (CCU 6) share
// 300 + 6 * n requests a minute of each type; the next fails on any of
// them, and the count follows servers joining and leaving.
func TestExperienceQuota(t *testing.T) {
	tests := []struct {
		typ   throttle.RequestType
		perCU int
		op    string
	}{
		{throttle.StandardRead, 40, "GetAsync"},
		{throttle.StandardWrite, 20, "SetAsync"},
		{throttle.StandardList, 2, "ListKeysAsync"},
		{throttle.StandardRemove, 40, "RemoveAsync"},
		{throttle.OrderedRead, 40, "GetAsync"},
		{throttle.OrderedWrite, 20, "SetAsync"},
		{throttle.OrderedList, 2, "GetSortedAsync"},
		{throttle.OrderedRemove, 40, "RemoveAsync"},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			f := newFixture(t)
			var servers []*testSession
			for i, players := range []int64{1, 2, 3} {
				s := f.session(string(rune('a'+i)), 7, players)
				if err := f.lim.SetRateLimit(s.Session, tc.typ, 10000, 0); err != nil {
					t.Fatal(err)
				}
				servers = append(servers, s)
			}
			f.advance(time.Minute) // fill the raised budgets
			ctx := context.Background()
			n := 0
			do := func(s *testSession) error {
				n++
				return f.lim.Admit(ctx, s.Session, opCalls[tc.typ](keyName(n)))
			}
			want := "DataStoreService: " + tc.typ.String() + "ExperienceThrottled: " + tc.typ.String() +
				" request was throttled by experience limits. API: " + tc.op + ", Data Store: S"

			limit := 300 + 6*tc.perCU
			for i := range limit {
				if err := do(servers[i%3]); err != nil {
					t.Fatalf("call %d of %d: %v", i+1, limit, err)
				}
			}
			for _, s := range servers {
				if err := do(s); errText(err) != want {
					t.Fatalf("over the limit:\n got %q\nwant %q", errText(err), want)
				}
			}
			// Another universe has its own quota.
			elsewhere := f.session("x", 8, 0)
			if err := f.lim.Admit(ctx, elsewhere.Session, opCalls[tc.typ]("x")); err != nil {
				t.Fatalf("another universe: %v", err)
			}
			// A fourth server with 4 players raises the limit by 4 * n.
			d := f.session("d", 7, 0)
			(&dispatch.Dispatcher{Gate: f.lim}).Players(d.Session, 4)
			for i := range 4 * tc.perCU {
				if err := do(servers[i%3]); err != nil {
					t.Fatalf("after players joined, call %d: %v", i+1, err)
				}
			}
			if err := do(d); errText(err) != want {
				t.Fatalf("over the raised limit: %q", errText(err))
			}
			// It leaves; a minute later the old limit is whole again.
			f.lim.SessionClosed(d.Session)
			f.advance(time.Minute)
			for i := range limit {
				if err := do(servers[i%3]); err != nil {
					t.Fatalf("a minute later, call %d: %v", i+1, err)
				}
			}
			if err := do(servers[0]); errText(err) != want {
				t.Fatalf("over the limit again: %q", errText(err))
			}
		})
	}
}

// TestExperienceSlidingWindow: the quota is a sliding minute, not a fixed
// one: calls spread over the minute leave one by one.
func TestExperienceSlidingWindow(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardList, 10000, 0); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Minute) // fill the raised budget
	ctx := context.Background()
	list := func() error { return f.lim.Admit(ctx, s.Session, call("ListKeysAsync", "", "StandardList")) }
	// 100 calls at t=0, 100 at t=20 s, 100 at t=40 s.
	for range 3 {
		for range 100 {
			if err := list(); err != nil {
				t.Fatal(err)
			}
		}
		f.advance(20 * time.Second)
	}
	// t=60 s: the first 100 have left.
	for i := range 100 {
		if err := list(); err != nil {
			t.Fatalf("call %d at 60 s: %v", i, err)
		}
	}
	if err := list(); err == nil {
		t.Fatal("301st call within the minute passed")
	}
}

// TestOpenCloudSession: an Open Cloud session has no server budget or queue
// but counts against the experience quota and key windows.
func TestOpenCloudSession(t *testing.T) {
	f := newFixture(t)
	oc := &dispatch.Session{ID: "oc", Universe: 1, ClientKind: "opencloud"}
	f.lim.SessionOpened(oc)
	defer f.lim.SessionClosed(oc)
	ctx := context.Background()
	for i := range 300 {
		if err := f.lim.Admit(ctx, oc, call("GetAsync", keyName(i), "StandardRead")); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if err := f.lim.Admit(ctx, oc, call("GetAsync", "x", "StandardRead")); err == nil {
		t.Fatal("Open Cloud call over the experience quota passed")
	}
	if b := f.lim.Budgets(oc); b != nil {
		t.Fatalf("Open Cloud budgets: %v", b)
	}
}

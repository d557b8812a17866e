package throttle_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// start is where every test's virtual clock starts.
var start = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// patience bounds every wait of a test for another goroutine; the model
// itself never needs real time.
const patience = 10 * time.Second

type fixture struct {
	t   *testing.T
	clk *clock.Manual
	lim *throttle.Limiter
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := clock.NewManual(start)
	lim := throttle.New(clk, throttle.Options{})
	t.Cleanup(func() { _ = lim.Close() })
	return &fixture{t: t, clk: clk, lim: lim}
}

func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	if _, err := f.clk.Advance(d); err != nil {
		f.t.Fatal(err)
	}
}

// testSession is a session whose notices arrive on a channel.
type testSession struct {
	*dispatch.Session
	notices chan dispatch.Notice
}

// session opens a game server of universe u with players players.
func (f *fixture) session(id string, u, players int64) *testSession {
	s := &dispatch.Session{ID: id, Universe: u, PlaceID: 1, JobID: "job-" + id, ClientKind: "test", Transport: "inprocess"}
	s.SetPlayers(players)
	ts := &testSession{Session: s, notices: make(chan dispatch.Notice, 64)}
	s.Notify = func(n dispatch.Notice) { ts.notices <- n }
	f.lim.SessionOpened(s)
	f.t.Cleanup(func() { f.lim.SessionClosed(s) })
	return ts
}

// call builds a Call on store "S" of scope "global".
func call(op, key string, types ...string) *dispatch.Call {
	return &dispatch.Call{Op: op, Store: engine.StoreRef{Universe: 1, Name: "S", Scope: "global"}, Key: key, RequestTypes: types}
}

func ordered(c *dispatch.Call) *dispatch.Call { c.Ordered = true; return c }

func withBytes(c *dispatch.Call, n int) *dispatch.Call { c.WriteBytes = n; return c }

// opCalls is, for each budget, a call that takes it.
var opCalls = map[throttle.RequestType]func(key string) *dispatch.Call{
	throttle.StandardRead:       func(k string) *dispatch.Call { return call("GetAsync", k, "StandardRead") },
	throttle.StandardWrite:      func(k string) *dispatch.Call { return withBytes(call("SetAsync", k, "StandardWrite"), 10) },
	throttle.StandardList:       func(string) *dispatch.Call { return call("ListKeysAsync", "", "StandardList") },
	throttle.StandardRemove:     func(k string) *dispatch.Call { return withBytes(call("RemoveAsync", k, "StandardRemove"), 1) },
	throttle.RemoveVersionAsync: func(k string) *dispatch.Call { return call("RemoveVersionAsync", k, "RemoveVersionAsync") },
	throttle.OrderedRead:        func(k string) *dispatch.Call { return ordered(call("GetAsync", k, "OrderedRead")) },
	throttle.OrderedWrite:       func(k string) *dispatch.Call { return ordered(withBytes(call("SetAsync", k, "OrderedWrite"), 8)) },
	throttle.OrderedList:        func(string) *dispatch.Call { return ordered(call("GetSortedAsync", "", "OrderedList")) },
	throttle.OrderedRemove:      func(k string) *dispatch.Call { return ordered(withBytes(call("RemoveAsync", k, "OrderedRemove"), 1)) },
}

// admitN admits n calls of type t on distinct keys; each must pass at once.
func (f *fixture) admitN(s *testSession, t throttle.RequestType, n int) {
	f.t.Helper()
	for i := range n {
		c := opCalls[t](keyName(i))
		if err := f.lim.Admit(context.Background(), s.Session, c); err != nil {
			f.t.Fatalf("%s call %d: %v", t, i, err)
		}
	}
}

func keyName(i int) string { return "Player_" + strconv.Itoa(i) }

// released is the outcome of one queued call.
type released struct {
	i   int
	err error
}

// queue starts n calls one at a time, each in its own goroutine, and waits
// until each has pushed its queue warning before starting the next, so the
// queue order is the index order. Results arrive on the returned channel.
func (f *fixture) queue(ctx context.Context, s *testSession, n int, mk func(i int) *dispatch.Call) <-chan released {
	f.t.Helper()
	out := make(chan released, n)
	for i := range n {
		c := mk(i)
		go func() { out <- released{i, f.lim.Admit(ctx, s.Session, c)} }()
		select {
		case note := <-s.notices:
			if want := throttle.QueueWarning + c.Key; note.Kind != "warning" || note.Data["message"] != want {
				f.t.Fatalf("call %d: notice %+v, want warning %q", i, note, want)
			}
		case r := <-out:
			f.t.Fatalf("call %d returned instead of queueing: %v", r.i, r.err)
		case <-time.After(patience):
			f.t.Fatalf("call %d: no queue warning", i)
		}
	}
	return out
}

// next waits for one released call.
func next(t *testing.T, ch <-chan released) released {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(patience):
		t.Fatal("no queued call was released")
	}
	return released{}
}

// none checks that no queued call is released (the queue state is read
// under the Limiter's lock, so a release in progress is already visible).
func none(t *testing.T, ch <-chan released) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("call %d released unexpectedly (err %v)", r.i, r.err)
	default:
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

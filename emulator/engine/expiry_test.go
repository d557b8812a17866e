package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
)

// spaces counts the records of every space the sweeper touches.
func spaces(t *testing.T, e *Engine) map[string]int {
	t.Helper()
	return map[string]int{"k": countSpace(t, e, 'k'), "v": countSpace(t, e, 'v'), "x": countSpace(t, e, 'x'), "d": countSpace(t, e, 'd')}
}

func TestSweep(t *testing.T) {
	e, clk := newTestEngine(t)
	// "gone": three hourly versions then a tombstone at +3h.
	// "kept": written at +0h and +1h, so one sealed version (superseded at +1h).
	// "other" store: one live key, never touched by the sweep.
	hourly(t, e, clk, 3) // key k: versions at +0h, +1h, head +2h
	mustSet(t, e, testRef, "kept", "1")
	other := StoreRef{Universe: 1, Name: "Other", Scope: "global"}
	mustSet(t, e, other, "live", "1")
	at(clk, 3*time.Hour)
	mustSet(t, e, testRef, "kept", "2")
	mustRemove(t, e, testRef, "k")
	want := map[string]int{"k": 3, "v": 4, "x": 5, "d": 2}
	if got := spaces(t, e); !reflect.DeepEqual(got, want) {
		t.Fatalf("before: %v, want %v", got, want)
	}

	steps := []struct {
		name  string
		now   time.Duration
		stats SweepStats
		left  map[string]int
	}{
		{"nothing due yet", 1*time.Hour + 30*day - time.Millisecond, SweepStats{}, want},
		// k's version of +0h was superseded at +1h.
		{"first version", 1*time.Hour + 30*day, SweepStats{Expired: 1, Versions: 1}, map[string]int{"k": 3, "v": 3, "x": 4, "d": 2}},
		// k's version of +1h (superseded at +2h).
		{"second version", 2*time.Hour + 30*day, SweepStats{Expired: 1, Versions: 1}, map[string]int{"k": 3, "v": 2, "x": 3, "d": 2}},
		// At +3h+30d: the tombstone of k, then k's version of +2h (sealed
		// at +3h; it goes with the key, ahead of its own record) and kept's
		// version of +0h.
		{"tombstone", 3*time.Hour + 30*day, SweepStats{Expired: 3, Versions: 2, Keys: 1}, map[string]int{"k": 2, "v": 0, "x": 0, "d": 2}},
		{"again: nothing", 400 * day, SweepStats{}, map[string]int{"k": 2, "v": 0, "x": 0, "d": 2}},
	}
	for _, s := range steps {
		st, err := e.Sweep(testStart.Add(s.now))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if st != s.stats {
			t.Errorf("%s: stats %+v, want %+v", s.name, st, s.stats)
		}
		if got := spaces(t, e); !reflect.DeepEqual(got, s.left) {
			t.Errorf("%s: left %v, want %v", s.name, got, s.left)
		}
	}
	if en, _ := e.Get(testRef, "kept"); value(en) != "2" {
		t.Fatalf("kept = %s", value(en))
	}
}

func TestSweepRemovesEmptyStore(t *testing.T) {
	e, clk := newTestEngine(t)
	ref := StoreRef{Universe: 1, Name: "Temp", Scope: "global"}
	mustSet(t, e, ref, "a", "1")
	mustRemove(t, e, ref, "a")
	mustSet(t, e, testRef, "p", "1")
	stores := func() []string {
		p, err := e.ListDataStores(1, ListStoresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range p.Items {
			names = append(names, s.DataStoreName)
		}
		return names
	}
	if got := stores(); !reflect.DeepEqual(got, []string{"PlayerData", "Temp"}) {
		t.Fatalf("stores = %v", got)
	}
	now := at(clk, 30*day)
	// Expired but not swept: already not listed.
	if got := stores(); !reflect.DeepEqual(got, []string{"PlayerData"}) {
		t.Fatalf("stores after expiry = %v", got)
	}
	st, err := e.Sweep(time.UnixMilli(now))
	if err != nil || st != (SweepStats{Expired: 1, Keys: 1, Stores: 1}) {
		t.Fatalf("sweep: %+v %v", st, err)
	}
	if n := countSpace(t, e, 'd'); n != 1 {
		t.Fatalf("store records left: %d", n)
	}
	// Writing the store again makes a new store.
	mustSet(t, e, ref, "b", "1")
	p, _ := e.ListDataStores(1, ListStoresOptions{Prefix: "Temp"})
	if len(p.Items) != 1 || p.Items[0].CreatedTime != now {
		t.Fatalf("recreated store: %+v", p.Items)
	}
}

func TestSweepKeyWrittenAgain(t *testing.T) {
	// A tombstone superseded by a new write within its hour leaves an
	// expiry record behind; the sweep must not purge the live key.
	e, clk := newTestEngine(t)
	mustSet(t, e, testRef, "k", "1")
	mustRemove(t, e, testRef, "k")
	mustSet(t, e, testRef, "k", "2")
	now := at(clk, 31*day)
	st, err := e.Sweep(time.UnixMilli(now))
	if err != nil || st != (SweepStats{Expired: 1}) {
		t.Fatalf("sweep: %+v %v", st, err)
	}
	if en, _ := e.Get(testRef, "k"); value(en) != "2" {
		t.Fatalf("k = %s", value(en))
	}
}

func TestBackgroundSweeper(t *testing.T) {
	clk := clock.NewManual(testStart)
	e, err := Open(Options{InMemory: true, Clock: clk, SweepInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, e, testRef, "k", "1")
	mustRemove(t, e, testRef, "k")
	// Moving the virtual clock wakes the sweeper.
	clk.Advance(30 * day)
	deadline := time.Now().Add(5 * time.Second)
	for countSpace(t, e, 'k') != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the background sweeper did not purge the expired key")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

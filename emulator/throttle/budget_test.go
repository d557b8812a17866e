package throttle_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// TestStartupBurstAndCap: a new server's budgets start at ceil(5/3 * base)
// and never pass 3 * perMinute, however long the clock runs.
func TestStartupBurstAndCap(t *testing.T) {
	tests := []struct {
		typ           throttle.RequestType
		players       int64
		burst, capped int64
	}{
		{throttle.StandardRead, 0, 100, 180},
		{throttle.StandardWrite, 0, 100, 180},
		{throttle.StandardList, 0, 9, 15},
		{throttle.StandardRemove, 0, 100, 180},
		{throttle.RemoveVersionAsync, 0, 9, 15},
		{throttle.OrderedRead, 0, 100, 180},
		{throttle.OrderedWrite, 0, 50, 90},
		{throttle.OrderedList, 0, 9, 15},
		{throttle.OrderedRemove, 0, 50, 90},
		// The burst depends on base only; the cap on players too.
		{throttle.StandardRead, 1, 100, 300},
		{throttle.StandardList, 10, 9, 75},
		{throttle.OrderedWrite, 4, 50, 150},
		{throttle.OrderedRemove, 100, 50, 1590},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			f := newFixture(t)
			s := f.session("a", 1, tc.players)
			if got := f.lim.Budget(s.Session, tc.typ); got != tc.burst {
				t.Fatalf("burst: got %d, want %d", got, tc.burst)
			}
			f.advance(10 * time.Minute)
			if got := f.lim.Budget(s.Session, tc.typ); got != tc.capped {
				t.Fatalf("after 10 minutes: got %d, want the cap %d", got, tc.capped)
			}
			f.advance(24 * time.Hour)
			if got := f.lim.Budget(s.Session, tc.typ); got != tc.capped {
				t.Fatalf("after a day: got %d, want the cap %d", got, tc.capped)
			}
		})
	}
}

// TestBudgetAfterRequestsAndRefill: N requests take N; M seconds give back
// M * perMinute / 60, rounded down to whole requests.
func TestBudgetAfterRequestsAndRefill(t *testing.T) {
	tests := []struct {
		name    string
		typ     throttle.RequestType
		players int64
		n       int
		advance time.Duration
		want    int64
	}{
		{"read 10, no time", throttle.StandardRead, 0, 10, 0, 90},
		{"read 10, 30 s at 60/min", throttle.StandardRead, 0, 10, 30 * time.Second, 120},
		{"read all, 1 s at 180/min", throttle.StandardRead, 3, 100, time.Second, 3},
		{"read all, 20 s at 180/min", throttle.StandardRead, 3, 100, 20 * time.Second, 60},
		{"write 40, 90 s at 60/min", throttle.StandardWrite, 0, 40, 90 * time.Second, 150},
		{"list all, 11 s at 5/min is not yet one", throttle.StandardList, 0, 9, 11 * time.Second, 0},
		{"list all, 12 s at 5/min is one", throttle.StandardList, 0, 9, 12 * time.Second, 1},
		{"ordered write all, 1.5 s at 40/min", throttle.OrderedWrite, 2, 50, 1500 * time.Millisecond, 1},
		{"ordered write all, 1.499 s at 40/min", throttle.OrderedWrite, 2, 50, 1499 * time.Millisecond, 0},
		{"remove version all, 60 s at 7/min", throttle.RemoveVersionAsync, 1, 9, time.Minute, 7},
		{"ordered remove 50, 3 min at 35/min is the cap", throttle.OrderedRemove, 1, 50, 3 * time.Minute, 105},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.session("a", 1, tc.players)
			f.admitN(s, tc.typ, tc.n)
			f.advance(tc.advance)
			if got := f.lim.Budget(s.Session, tc.typ); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// TestRefillAccumulatesFractions: 60 steps of 100 ms at 5/min add up to
// half a request each second; nothing is lost to rounding.
func TestRefillAccumulatesFractions(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardList, 9)
	for range 120 {
		f.advance(100 * time.Millisecond)
		f.lim.Budget(s.Session, throttle.StandardList) // a read refills
	}
	if got := f.lim.Budget(s.Session, throttle.StandardList); got != 1 {
		t.Fatalf("after 12 s in 100 ms steps: got %d, want 1", got)
	}
}

// TestPlayerFormula: perMinute = base + perPlayer * players for every
// budget, as _emulator.budgets reports it.
func TestPlayerFormula(t *testing.T) {
	want := map[string][2]int64{ // base, perPlayer
		"StandardRead": {60, 40}, "StandardWrite": {60, 40}, "StandardList": {5, 2}, "StandardRemove": {60, 40},
		"RemoveVersionAsync": {5, 2},
		"OrderedRead":        {60, 40}, "OrderedWrite": {30, 5}, "OrderedList": {5, 2}, "OrderedRemove": {30, 5},
	}
	for _, players := range []int64{0, 1, 7, 50, 700} {
		f := newFixture(t)
		s := f.session("a", 1, players)
		rates := f.lim.Rates(s.Session)
		if len(rates) != len(want) {
			t.Fatalf("rates: %v", rates)
		}
		for name, bp := range want {
			r := rates[name]
			if r.Base != bp[0] || r.PerPlayer != bp[1] || r.PerMinute != bp[0]+bp[1]*players {
				t.Errorf("%d players, %s: %+v, want base %d perPlayer %d perMinute %d", players, name, r, bp[0], bp[1], bp[0]+bp[1]*players)
			}
		}
	}
}

// TestPlayersChanged: time before a change refills at the old rate, time
// after at the new one; fewer players shrink the cap at once.
func TestPlayersChanged(t *testing.T) {
	f := newFixture(t)
	d := &dispatch.Dispatcher{Gate: f.lim}
	s := f.session("a", 1, 0)
	f.admitN(s, throttle.StandardRead, 100)
	f.advance(30 * time.Second) // 60/min: +30
	d.Players(s.Session, 3)     // 180/min from now
	f.advance(30 * time.Second) // +90
	if got := f.lim.Budget(s.Session, throttle.StandardRead); got != 120 {
		t.Fatalf("after 30 s at 0 players and 30 s at 3: got %d, want 120", got)
	}
	f.advance(10 * time.Minute)
	if got := f.lim.Budget(s.Session, throttle.StandardRead); got != 540 {
		t.Fatalf("cap at 3 players: got %d, want 540", got)
	}
	d.Players(s.Session, 1)
	if got := f.lim.Budget(s.Session, throttle.StandardRead); got != 300 {
		t.Fatalf("cap after dropping to 1 player: got %d, want 300", got)
	}
}

// TestLegacyMapping: what GetRequestBudgetForRequestType answers for every
// enum item, and Budgets carries the same under every name.
func TestLegacyMapping(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 2)
	f.admitN(s, throttle.StandardRead, 10)   // 90
	f.admitN(s, throttle.StandardWrite, 20)  // 80
	f.admitN(s, throttle.StandardList, 1)    // 8
	f.admitN(s, throttle.StandardRemove, 30) // 70
	f.admitN(s, throttle.OrderedRead, 40)    // 60
	f.admitN(s, throttle.OrderedWrite, 5)    // 45
	f.admitN(s, throttle.OrderedList, 2)     // 7
	f.admitN(s, throttle.OrderedRemove, 6)   // 44
	f.admitN(s, throttle.RemoveVersionAsync, 3)
	want := map[string]int64{
		"GetAsync":                90, // StandardRead
		"SetIncrementAsync":       80, // StandardWrite
		"UpdateAsync":             80, // min(StandardRead, StandardWrite)
		"GetSortedAsync":          7,  // OrderedList
		"SetIncrementSortedAsync": 45, // OrderedWrite
		"OnUpdate":                40, // 30 + 5 * 2 players
		"ListAsync":               8,  // StandardList
		"GetVersionAsync":         90, // StandardRead
		"RemoveVersionAsync":      6,  // its own
		"StandardRead":            90,
		"StandardWrite":           80,
		"StandardList":            8,
		"StandardRemove":          70,
		"OrderedRead":             60,
		"OrderedWrite":            45,
		"OrderedList":             7,
		"OrderedRemove":           44,
	}
	got := f.lim.Budgets(s.Session)
	if len(got) != 17 {
		t.Fatalf("Budgets has %d names, want all 17: %v", len(got), got)
	}
	for i, rt := range throttle.RequestTypes() {
		if int(rt) != i {
			t.Fatalf("enum order: %s at %d", rt, i)
		}
		if got[rt.String()] != want[rt.String()] {
			t.Errorf("Budgets[%s] = %d, want %d", rt, got[rt.String()], want[rt.String()])
		}
		for _, spelled := range []string{rt.String(), "Enum.DataStoreRequestType." + rt.String(), strconv.Itoa(i)} {
			n, err := f.lim.RequestBudget(s.Session, spelled)
			if err != nil || n != want[rt.String()] {
				t.Errorf("RequestBudget(%q) = %d, %v; want %d", spelled, n, err, want[rt.String()])
			}
		}
	}
	// UpdateAsync follows whichever of read and write is lower.
	f.admitN(s, throttle.StandardRead, 20)
	if n := f.lim.Budget(s.Session, throttle.UpdateAsync); n != 70 {
		t.Fatalf("UpdateAsync after reads: %d, want 70", n)
	}
	for _, bad := range []string{"Foo", "17", "-1", ""} {
		_, err := f.lim.RequestBudget(s.Session, bad)
		if want := `GetRequestBudgetForRequestType: unknown request type "` + bad + `"`; errText(err) != want {
			t.Errorf("RequestBudget(%q): %q, want %q", bad, errText(err), want)
		}
	}
}

// TestUpdateAsyncTakesReadAndWrite: one UpdateAsync call takes one of each,
// and waits while either is empty.
func TestUpdateAsyncTakesReadAndWrite(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 0)
	upd := func(k string) *dispatch.Call { return call("UpdateAsync", k, "StandardRead", "StandardWrite") }
	for i := range 100 {
		if err := f.lim.Admit(context.Background(), s.Session, upd(keyName(i))); err != nil {
			t.Fatal(err)
		}
	}
	b := f.lim.Budgets(s.Session)
	if b["StandardRead"] != 0 || b["StandardWrite"] != 0 || b["UpdateAsync"] != 0 {
		t.Fatalf("after 100 UpdateAsync: %v", b)
	}
	// Refill read only by waiting, then take the write budget again.
	f.advance(2 * time.Second)
	f.admitN(s, throttle.StandardWrite, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := f.queue(ctx, s, 1, func(int) *dispatch.Call { return upd("k") })
	if q := f.lim.QueueLengths(s.Session); q["Set"] != 1 {
		t.Fatalf("UpdateAsync waits in the Set queue: %v", q)
	}
	f.advance(time.Second) // read 3, write 1
	if r := next(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
	b = f.lim.Budgets(s.Session)
	if b["StandardRead"] != 2 || b["StandardWrite"] != 0 {
		t.Fatalf("after the queued UpdateAsync: %v", b)
	}
}

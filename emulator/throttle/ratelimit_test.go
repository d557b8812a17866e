package throttle_test

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// TestSetRateLimitRanges: the inclusive ranges of reference §3.3, both ends
// and one past each, for every enum item; the refused items; bad input.
func TestSetRateLimitRanges(t *testing.T) {
	ranges := map[string][2]float64{
		"GetAsync": {60, 40}, "SetIncrementAsync": {60, 40}, "GetSortedAsync": {5, 2},
		"SetIncrementSortedAsync": {30, 5}, "ListAsync": {5, 2}, "GetVersionAsync": {5, 2},
		"RemoveVersionAsync": {5, 2},
		"StandardRead":       {10000, 200}, "StandardWrite": {10000, 200}, "StandardList": {10000, 200}, "StandardRemove": {10000, 200},
		"OrderedRead": {10000, 200}, "OrderedWrite": {10000, 200}, "OrderedList": {10000, 200}, "OrderedRemove": {10000, 200},
	}
	type tc struct {
		rt              string
		base, perPlayer float64
		want            string // "" for success
	}
	var tests []tc
	for rt, r := range ranges {
		maxB, maxP := r[0], r[1]
		baseErr := "SetRateLimitForRequestType: baseLimit must be an integer between 0 and " + ftoa(maxB) + " for " + rt
		ppErr := "SetRateLimitForRequestType: perPlayerLimit must be an integer between 0 and " + ftoa(maxP) + " for " + rt
		tests = append(tests,
			tc{rt, 0, 0, ""},
			tc{rt, maxB, maxP, ""},
			tc{rt, maxB + 1, 0, baseErr},
			tc{rt, -1, 0, baseErr},
			tc{rt, 0, maxP + 1, ppErr},
			tc{rt, 0, -1, ppErr},
			tc{rt, 1.5, 0, baseErr},
			tc{rt, 0, 0.25, ppErr},
			tc{rt, math.NaN(), 0, baseErr},
			tc{rt, math.Inf(1), 0, baseErr},
			tc{rt, maxB + 1, maxP + 1, baseErr}, // the base is checked first
		)
	}
	tests = append(tests,
		tc{"UpdateAsync", 10, 1, "SetRateLimitForRequestType: the rate limit of UpdateAsync can't be set"},
		tc{"OnUpdate", 10, 1, "SetRateLimitForRequestType: the rate limit of OnUpdate can't be set"},
		tc{"2", 10, 1, "SetRateLimitForRequestType: the rate limit of UpdateAsync can't be set"},
		tc{"Enum.DataStoreRequestType.OnUpdate", 0, 0, "SetRateLimitForRequestType: the rate limit of OnUpdate can't be set"},
		tc{"Foo", 10, 1, `SetRateLimitForRequestType: unknown request type "Foo"`},
		tc{"17", 10, 1, `SetRateLimitForRequestType: unknown request type "17"`},
		tc{"9", 10000, 200, ""},
		tc{"Enum.DataStoreRequestType.OrderedList", 7, 3, ""},
	)
	for _, c := range tests {
		f := newFixture(t)
		s := f.session("a", 1, 0)
		err := f.lim.SetRateLimitForRequestType(s.Session, c.rt, c.base, c.perPlayer)
		if got := errText(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("SetRateLimitForRequestType(%s, %v, %v):\n got %s\nwant %q", c.rt, c.base, c.perPlayer, got, c.want)
		}
	}
}

// TestSetRateLimitEffects: what a call changes. The rate and cap change at
// once; the budget is kept (under the new cap); a legacy item sets the
// modern budgets it covers.
func TestSetRateLimitEffects(t *testing.T) {
	f := newFixture(t)
	s := f.session("a", 1, 2)
	rate := func(name string) int64 { return f.lim.Rates(s.Session)[name].PerMinute }

	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 120, 10); err != nil {
		t.Fatal(err)
	}
	if rate("StandardRead") != 140 || f.lim.Budget(s.Session, throttle.StandardRead) != 100 {
		t.Fatalf("StandardRead: rate %d, budget %d", rate("StandardRead"), f.lim.Budget(s.Session, throttle.StandardRead))
	}
	f.advance(30 * time.Second)
	if n := f.lim.Budget(s.Session, throttle.StandardRead); n != 170 {
		t.Fatalf("30 s at 140/min: %d, want 170", n)
	}
	f.advance(time.Hour)
	if n := f.lim.Budget(s.Session, throttle.StandardRead); n != 420 {
		t.Fatalf("cap 3 * 140: %d", n)
	}
	// Lowering the limit lowers the cap at once.
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 10, 0); err != nil {
		t.Fatal(err)
	}
	if n := f.lim.Budget(s.Session, throttle.StandardRead); n != 30 {
		t.Fatalf("after lowering to 10/min: %d, want the cap 30", n)
	}
	// A repeat call overwrites.
	if err := f.lim.SetRateLimit(s.Session, throttle.StandardRead, 20, 0); err != nil {
		t.Fatal(err)
	}
	if rate("StandardRead") != 20 {
		t.Fatalf("repeat call: %d", rate("StandardRead"))
	}

	legacy := []struct {
		rt    throttle.RequestType
		base  int64
		pp    int64
		sets  []string
		keeps []string
	}{
		{throttle.GetAsync, 50, 30, []string{"StandardRead"}, []string{"StandardWrite", "StandardRemove"}},
		{throttle.SetIncrementAsync, 40, 20, []string{"StandardWrite", "StandardRemove"}, []string{"StandardRead"}},
		{throttle.GetSortedAsync, 4, 1, []string{"OrderedList"}, []string{"StandardList"}},
		{throttle.SetIncrementSortedAsync, 25, 4, []string{"OrderedWrite", "OrderedRemove"}, []string{"OrderedRead"}},
		{throttle.ListAsync, 3, 1, []string{"StandardList"}, []string{"OrderedList"}},
		{throttle.GetVersionAsync, 5, 2, []string{"StandardRead"}, []string{"StandardWrite"}},
		{throttle.RemoveVersionAsync, 1, 0, []string{"RemoveVersionAsync"}, []string{"StandardRemove"}},
	}
	for _, l := range legacy {
		f := newFixture(t)
		s := f.session("a", 1, 2)
		before := f.lim.Rates(s.Session)
		if err := f.lim.SetRateLimit(s.Session, l.rt, l.base, l.pp); err != nil {
			t.Fatalf("%s: %v", l.rt, err)
		}
		after := f.lim.Rates(s.Session)
		for _, name := range l.sets {
			if r := after[name]; r.Base != l.base || r.PerPlayer != l.pp || r.PerMinute != l.base+2*l.pp {
				t.Errorf("%s sets %s: %+v", l.rt, name, r)
			}
		}
		for _, name := range l.keeps {
			if after[name] != before[name] {
				t.Errorf("%s changed %s: %+v -> %+v", l.rt, name, before[name], after[name])
			}
		}
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

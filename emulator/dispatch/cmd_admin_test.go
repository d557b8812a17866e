package dispatch_test

// The admin ops (_emulator.clock*, _emulator.budgets) and the two budget
// methods of DataStoreService, through Dispatcher.Handle, with and without
// the throttle gate.

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

var adminStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// adminDispatcher opens an in-memory engine on clk, with the throttle gate
// when throttled.
func adminDispatcher(t *testing.T, clk clock.Clock, throttled bool) (*dispatch.Dispatcher, *throttle.Limiter) {
	t.Helper()
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	d := &dispatch.Dispatcher{Engine: e, Clock: clk}
	if !throttled {
		return d, nil
	}
	lim := throttle.New(clk, throttle.Options{})
	t.Cleanup(func() { _ = lim.Close() })
	d.Gate = lim
	return d, lim
}

func adminSession(d *dispatch.Dispatcher, id string, players int64) *dispatch.Session {
	s := &dispatch.Session{ID: id, Universe: 1, PlaceID: 2, JobID: "job-" + id, ClientKind: "test", Transport: "inprocess"}
	s.SetPlayers(players)
	d.Opened(s)
	return s
}

// adminStep runs one op and returns its result as compact JSON, or its
// error text prefixed with "error: ".
func adminStep(t *testing.T, d *dispatch.Dispatcher, s *dispatch.Session, op, args string) string {
	t.Helper()
	res, err := d.Handle(context.Background(), s, op, json.RawMessage(args))
	if err != nil {
		return "error: " + err.Error()
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func clockJSON(t time.Time, virtual bool) string {
	return `{"now":` + ms(t) + `,"virtual":` + strconv.FormatBool(virtual) + `,"time":"` + t.UTC().Format(time.RFC3339Nano) + `"}`
}

func TestAdminClockOps(t *testing.T) {
	clk := clock.NewManual(adminStart)
	d, _ := adminDispatcher(t, clk, false)
	s := adminSession(d, "a", 0)
	at := adminStart
	steps := []struct{ op, args, want string }{
		{"_emulator.clock", `{}`, clockJSON(at, true)},
		{"_emulator.clock", ``, clockJSON(at, true)},
		{"_emulator.clock.advance", `{"duration":"90s"}`, clockJSON(at.Add(90*time.Second), true)},
		{"_emulator.clock.advance", `{"duration":1500}`, clockJSON(at.Add(91500*time.Millisecond), true)},
		{"_emulator.clock.advance", `{"duration":"1h30m"}`, clockJSON(at.Add(91500*time.Millisecond+90*time.Minute), true)},
		{"_emulator.clock.advance", `{"duration":"0s"}`, clockJSON(at.Add(91500*time.Millisecond+90*time.Minute), true)},
		{"_emulator.clock.advance", `{"duration":"-1s"}`, `error: rbxemu: _emulator.clock.advance: duration must not be negative`},
		{"_emulator.clock.advance", `{"duration":-5}`, `error: rbxemu: _emulator.clock.advance: duration must not be negative`},
		{"_emulator.clock.advance", `{"duration":"soon"}`, `error: rbxemu: _emulator.clock.advance: duration "soon" is not a Go duration like "90s" or "1h30m"`},
		{"_emulator.clock.advance", `{}`, `error: rbxemu: _emulator.clock.advance: missing field "duration"`},
		{"_emulator.clock.advance", `{"duration":null}`, `error: rbxemu: _emulator.clock.advance: missing field "duration"`},
		{"_emulator.clock.advance", `{"duration":true}`, `error: rbxemu: _emulator.clock.advance: field "duration" must be a string or a number`},
		{"_emulator.clock.advance", `{"duration":"1s","by":1}`, `error: rbxemu: _emulator.clock.advance: unknown field "by"`},
		{"_emulator.clock.set", `{"time":"2027-01-01T00:00:00Z"}`, clockJSON(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true)},
		{"_emulator.clock.set", `{"time":"2027-01-01T09:30:00.250+09:00"}`, clockJSON(time.Date(2027, 1, 1, 0, 30, 0, 250e6, time.UTC), true)},
		{"_emulator.clock.set", `{"time":1767225600000}`, clockJSON(time.UnixMilli(1767225600000), true)},
		{"_emulator.clock", `{}`, clockJSON(time.UnixMilli(1767225600000), true)},
		{"_emulator.clock.set", `{"time":"tomorrow"}`, `error: rbxemu: _emulator.clock.set: time "tomorrow" is not RFC 3339 text like "2026-11-20T12:00:00Z"`},
		{"_emulator.clock.set", `{"time":1.5}`, `error: rbxemu: _emulator.clock.set: time must be a whole number of Unix milliseconds`},
		{"_emulator.clock.set", `{"time":[]}`, `error: rbxemu: _emulator.clock.set: field "time" must be a string or a number`},
		{"_emulator.clock.set", `{}`, `error: rbxemu: _emulator.clock.set: missing field "time"`},
		{"_emulator.clock", `{"x":1}`, `error: rbxemu: _emulator.clock: unknown field "x"`},
	}
	for i, st := range steps {
		if got := adminStep(t, d, s, st.op, st.args); got != st.want {
			t.Fatalf("step %d: %s %s:\n got %s\nwant %s", i, st.op, st.args, got, st.want)
		}
	}
}

func TestAdminClockReal(t *testing.T) {
	d, _ := adminDispatcher(t, clock.Real{}, false)
	s := adminSession(d, "a", 0)
	var c dispatch.ClockResult
	res, err := d.Handle(context.Background(), s, "_emulator.clock", nil)
	if err != nil {
		t.Fatal(err)
	}
	c = res.(dispatch.ClockResult)
	if c.Virtual || c.Now <= adminStart.Add(-365*24*time.Hour).UnixMilli() {
		t.Fatalf("real clock: %+v", c)
	}
	for op, args := range map[string]string{"_emulator.clock.advance": `{"duration":"1s"}`, "_emulator.clock.set": `{"time":0}`} {
		want := "error: rbxemu: " + op + ": the clock is real and cannot be moved; start the daemon with --clock virtual"
		if got := adminStep(t, d, s, op, args); got != want {
			t.Errorf("%s:\n got %s\nwant %s", op, got, want)
		}
	}
	// Without Dispatcher.Clock the engine's clock answers.
	clk := clock.NewManual(adminStart)
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d2 := &dispatch.Dispatcher{Engine: e}
	if got := adminStep(t, d2, s, "_emulator.clock.advance", `{"duration":"1m"}`); got != clockJSON(adminStart.Add(time.Minute), true) {
		t.Fatalf("engine clock: %s", got)
	}
}

// TestNilGateNoWaiting: without a gate (--throttle off) 10,000 requests on
// one key from one server all pass at once, on a clock that never moves.
func TestNilGateNoWaiting(t *testing.T) {
	clk := clock.NewManual(adminStart)
	d, _ := adminDispatcher(t, clk, false)
	s := adminSession(d, "a", 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range 10_000 {
		op, args := "GetAsync", `{"store":"S","key":"hot"}`
		if i%2 == 0 {
			op, args = "SetAsync", `{"store":"S","key":"hot","value":`+strconv.Itoa(i)+`}`
		}
		if _, err := d.Handle(ctx, s, op, json.RawMessage(args)); err != nil {
			t.Fatalf("request %d (%s): %v", i, op, err)
		}
	}
	if !clk.Now().Equal(adminStart) {
		t.Fatal("the clock moved")
	}
	if b := d.Budgets(s); b != nil {
		t.Fatalf("budgets without a gate: %v", b)
	}
	if got := adminStep(t, d, s, "_emulator.budgets", `{}`); got != `{"throttle":false,"sessions":[]}` {
		t.Fatalf("_emulator.budgets: %s", got)
	}
	if got := adminStep(t, d, s, "GetRequestBudgetForRequestType", `{"requestType":"StandardRead"}`); got != `{"budget":2147483647}` {
		t.Fatalf("GetRequestBudgetForRequestType: %s", got)
	}
	if got := adminStep(t, d, s, "SetRateLimitForRequestType", `{"requestType":"StandardRead","baseLimit":0,"perPlayerLimit":0}`); got != `{}` {
		t.Fatalf("SetRateLimitForRequestType: %s", got)
	}
}

func TestRateLimitOps(t *testing.T) {
	clk := clock.NewManual(adminStart)
	d, _ := adminDispatcher(t, clk, true)
	s := adminSession(d, "a", 1)
	steps := []struct{ op, args, want string }{
		{"GetRequestBudgetForRequestType", `{"requestType":"StandardRead"}`, `{"budget":100}`},
		{"GetRequestBudgetForRequestType", `{"requestType":15}`, `{"budget":9}`},
		{"GetRequestBudgetForRequestType", `{"requestType":"Enum.DataStoreRequestType.OnUpdate"}`, `{"budget":35}`},
		{"GetRequestBudgetForRequestType", `{"requestType":"Nope"}`, `error: GetRequestBudgetForRequestType: unknown request type "Nope"`},
		{"GetRequestBudgetForRequestType", `{"requestType":true}`, `error: rbxemu: GetRequestBudgetForRequestType: field "requestType" must be a string or a number`},
		{"GetRequestBudgetForRequestType", `{}`, `error: rbxemu: GetRequestBudgetForRequestType: missing field "requestType"`},
		{"SetRateLimitForRequestType", `{"requestType":"StandardRead","baseLimit":10,"perPlayerLimit":0}`, `{}`},
		{"GetRequestBudgetForRequestType", `{"requestType":"StandardRead"}`, `{"budget":30}`},
		{"GetRequestBudgetForRequestType", `{"requestType":"GetAsync"}`, `{"budget":30}`},
		{"SetRateLimitForRequestType", `{"requestType":9,"baseLimit":10000,"perPlayerLimit":200}`, `{}`},
		{"SetRateLimitForRequestType", `{"requestType":"UpdateAsync","baseLimit":1,"perPlayerLimit":1}`, `error: SetRateLimitForRequestType: the rate limit of UpdateAsync can't be set`},
		{"SetRateLimitForRequestType", `{"requestType":"OnUpdate","baseLimit":1,"perPlayerLimit":1}`, `error: SetRateLimitForRequestType: the rate limit of OnUpdate can't be set`},
		{"SetRateLimitForRequestType", `{"requestType":"StandardRead","baseLimit":10001,"perPlayerLimit":0}`, `error: SetRateLimitForRequestType: baseLimit must be an integer between 0 and 10000 for StandardRead`},
		{"SetRateLimitForRequestType", `{"requestType":"GetAsync","baseLimit":60,"perPlayerLimit":41}`, `error: SetRateLimitForRequestType: perPlayerLimit must be an integer between 0 and 40 for GetAsync`},
		{"SetRateLimitForRequestType", `{"requestType":"GetAsync","baseLimit":2.5,"perPlayerLimit":1}`, `error: SetRateLimitForRequestType: baseLimit must be an integer between 0 and 60 for GetAsync`},
		{"SetRateLimitForRequestType", `{"requestType":"Bogus","baseLimit":1,"perPlayerLimit":1}`, `error: SetRateLimitForRequestType: unknown request type "Bogus"`},
		{"SetRateLimitForRequestType", `{"requestType":"StandardRead","perPlayerLimit":0}`, `error: rbxemu: SetRateLimitForRequestType: missing field "baseLimit"`},
		{"SetRateLimitForRequestType", `{"requestType":"StandardRead","baseLimit":1}`, `error: rbxemu: SetRateLimitForRequestType: missing field "perPlayerLimit"`},
		{"SetRateLimitForRequestType", `{"baseLimit":1,"perPlayerLimit":1}`, `error: rbxemu: SetRateLimitForRequestType: missing field "requestType"`},
		{"SetRateLimitForRequestType", `{"requestType":"StandardRead","baseLimit":"1","perPlayerLimit":1}`, `error: rbxemu: SetRateLimitForRequestType: field "baseLimit" must be a number`},
	}
	for i, st := range steps {
		if got := adminStep(t, d, s, st.op, st.args); got != st.want {
			t.Fatalf("step %d: %s %s:\n got %s\nwant %s", i, st.op, st.args, got, st.want)
		}
	}
}

// TestAdminBudgetsAndQueueRelease: _emulator.budgets shows every server's
// budgets, rates and queues; a queued SetAsync is released by
// _emulator.clock.advance, all through Handle.
func TestAdminBudgetsAndQueueRelease(t *testing.T) {
	clk := clock.NewManual(adminStart)
	d, lim := adminDispatcher(t, clk, true)
	notices := make(chan dispatch.Notice, 4)
	a := adminSession(d, "a", 0)
	a.Notify = func(n dispatch.Notice) { notices <- n }
	b := adminSession(d, "b", 3)
	defer d.Closed(a)
	defer d.Closed(b)

	if got := adminStep(t, d, a, "GetAsync", `{"store":"S","key":"k"}`); got != `{"value":null,"keyInfo":null}` {
		t.Fatalf("GetAsync: %s", got)
	}
	if got := adminStep(t, d, a, "SetRateLimitForRequestType", `{"requestType":"StandardWrite","baseLimit":0,"perPlayerLimit":0}`); got != `{}` {
		t.Fatal(got)
	}
	done := make(chan string, 1)
	go func() { done <- adminStep(t, d, a, "SetAsync", `{"store":"S","key":"Player_1","value":{"coins":1}}`) }()
	select {
	case n := <-notices:
		if n.Data["message"] != throttle.QueueWarning+"Player_1" {
			t.Fatalf("notice %+v", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SetAsync was not queued")
	}

	var res dispatch.BudgetsResult
	if err := json.Unmarshal([]byte(adminStep(t, d, a, "_emulator.budgets", `{}`)), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Throttle || len(res.Sessions) != 2 || res.Sessions[0].Session != "a" || res.Sessions[1].Session != "b" {
		t.Fatalf("_emulator.budgets: %+v", res)
	}
	ra, rb := res.Sessions[0], res.Sessions[1]
	if ra.Universe != 1 || ra.PlaceID != 2 || ra.JobID != "job-a" || ra.Client != "test" || ra.Players != 0 || rb.Players != 3 {
		t.Fatalf("session rows: %+v %+v", ra, rb)
	}
	if ra.Budgets["StandardRead"] != 99 || ra.Budgets["StandardWrite"] != 0 || ra.Budgets["UpdateAsync"] != 0 || len(ra.Budgets) != 17 {
		t.Fatalf("a's budgets: %v", ra.Budgets)
	}
	if rb.Budgets["StandardRead"] != 100 || rb.Budgets["OnUpdate"] != 45 {
		t.Fatalf("b's budgets: %v", rb.Budgets)
	}
	if ra.Queues["Set"] != 1 || ra.Queues["Get"] != 0 || rb.Queues["Set"] != 0 {
		t.Fatalf("queues: %v %v", ra.Queues, rb.Queues)
	}
	if r := ra.Rates["StandardWrite"]; r != (dispatch.Rate{}) {
		t.Fatalf("a's StandardWrite rate: %+v", r)
	}
	if r := rb.Rates["OrderedWrite"]; r != (dispatch.Rate{Base: 30, PerPlayer: 5, PerMinute: 45}) {
		t.Fatalf("b's OrderedWrite rate: %+v", r)
	}

	// Give the budget a rate again; one second of clock pays for the write.
	if got := adminStep(t, d, a, "SetRateLimitForRequestType", `{"requestType":"StandardWrite","baseLimit":60,"perPlayerLimit":0}`); got != `{}` {
		t.Fatal(got)
	}
	select {
	case got := <-done:
		t.Fatalf("released before the clock moved: %s", got)
	default:
	}
	if got := adminStep(t, d, a, "_emulator.clock.advance", `{"duration":"1s"}`); got != clockJSON(adminStart.Add(time.Second), true) {
		t.Fatal(got)
	}
	select {
	case got := <-done:
		var r struct{ Version string }
		if err := json.Unmarshal([]byte(got), &r); err != nil || r.Version == "" {
			t.Fatalf("queued SetAsync: %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the queued SetAsync was not released by _emulator.clock.advance")
	}
	if n := lim.Budget(a, throttle.StandardWrite); n != 0 {
		t.Fatalf("StandardWrite after the release: %d", n)
	}
}

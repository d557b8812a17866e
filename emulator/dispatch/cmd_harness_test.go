package dispatch_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu       sync.Mutex
	events   []dispatch.CallEvent
	sessions []string
}

func (r *recorder) Watching() bool { return true }
func (r *recorder) Observe(ev *dispatch.CallEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, *ev)
}
func (r *recorder) SessionOpened(s *dispatch.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sessions = append(r.sessions, "open "+s.ID)
}
func (r *recorder) SessionClosed(s *dispatch.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sessions = append(r.sessions, "close "+s.ID)
}
func (r *recorder) Sessions() []*dispatch.Session { return nil }

func (r *recorder) take() []dispatch.CallEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

var harnessStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func harness(t *testing.T, gate dispatch.Gate) (*dispatch.Dispatcher, *recorder, *dispatch.Session) {
	t.Helper()
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clock.NewManual(harnessStart)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	rec := &recorder{}
	d := &dispatch.Dispatcher{Engine: e, Gate: gate, Faults: faults.New(), Observer: rec}
	s := &dispatch.Session{ID: "s1", Universe: 1, PlaceID: 1, JobID: "job-1", ClientKind: "test", Transport: "inprocess"}
	d.Opened(s)
	t.Cleanup(func() { d.Closed(s) })
	return d, rec, s
}

// call runs op and returns "ok" or the error's exact text.
func call(t *testing.T, d *dispatch.Dispatcher, s *dispatch.Session, op, args string) string {
	t.Helper()
	_, err := d.Handle(context.Background(), s, op, json.RawMessage(args))
	if err != nil {
		return err.Error()
	}
	return "ok"
}

func result(t *testing.T, d *dispatch.Dispatcher, s *dispatch.Session, op, args string) string {
	t.Helper()
	res, err := d.Handle(context.Background(), s, op, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s %s: %v", op, args, err)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the doors encode replies
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func addRule(t *testing.T, d *dispatch.Dispatcher, s *dispatch.Session, rule string) faults.Rule {
	t.Helper()
	var r faults.Rule
	if err := json.Unmarshal([]byte(result(t, d, s, "_emulator.faults.add", rule)), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	text502     = "502: API Services rejected request with error. HTTP 500 (Internal Server Error)"
	textKeyThr  = "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: SetAsync, Data Store: PlayerData"
	textGetThr  = "301: GetAsync request dropped. Request was throttled, but throttled request queue was full."
	setPlayer   = `{"store":"PlayerData","key":"Player_%s","value":%s}`
	getPlayer   = `{"store":"PlayerData","key":"Player_%s"}`
	otherPlayer = `{"store":"Other","key":"Player_%s","value":1}`
)

func f(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

// Rules hit exactly the calls they match, through the dispatcher, with
// Roblox's exact texts.
func TestFaultRulesThroughDispatch(t *testing.T) {
	type step struct{ op, args, want string }
	for _, c := range []struct {
		name  string
		rules []string
		steps []step
	}{
		{"nth and times on a key glob", []string{`{"op":"SetAsync","key":"Player_*","nth":2,"times":1,"error":502}`}, []step{
			{"SetAsync", f(setPlayer, "1", "1"), "ok"},
			{"GetAsync", f(getPlayer, "1"), "ok"},
			{"SetAsync", `{"store":"PlayerData","key":"Guild_1","value":1}`, "ok"},
			{"SetAsync", f(setPlayer, "2", "1"), text502},
			{"SetAsync", f(setPlayer, "3", "1"), "ok"},
		}},
		{"named error gets API and store", []string{`{"op":"SetAsync","store":"PlayerData","error":"KeyThrottled"}`}, []step{
			{"SetAsync", f(otherPlayer, "1"), "ok"},
			{"SetAsync", f(setPlayer, "1", "1"), textKeyThr},
			{"GetAsync", f(getPlayer, "1"), "ok"},
		}},
		{"by session", []string{`{"session":"s2","error":502}`}, []step{
			{"SetAsync", f(setPlayer, "1", "1"), "ok"},
		}},
		{"by job", []string{`{"jobId":"job-?","op":"GetAsync","error":301}`}, []step{
			{"SetAsync", f(setPlayer, "1", "1"), "ok"},
			{"GetAsync", f(getPlayer, "1"), textGetThr},
		}},
		{"by universe", []string{`{"universeId":2,"error":502}`}, []step{
			{"GetAsync", f(getPlayer, "1"), "ok"},
		}},
		{"scope default is global", []string{`{"scope":"global","op":"GetAsync","error":502}`}, []step{
			{"GetAsync", `{"store":"PlayerData","scope":"beta","key":"k"}`, "ok"},
			{"GetAsync", `{"store":"PlayerData","key":"k"}`, text502},
		}},
		{"control ops are never faulted", []string{`{"error":502}`}, []step{
			{"GetAsync", f(getPlayer, "1"), text502},
			{"_emulator.faults.list", `{}`, "ok"},
			{"_emulator.clock", `{}`, "ok"},
			{"_emulator.faults.clear", `{}`, "ok"},
			{"GetAsync", f(getPlayer, "1"), "ok"},
		}},
		{"a bad argument still fails as such", []string{`{"op":"SetAsync","store":"Nope","error":502}`}, []step{
			{"SetAsync", `{"store":"PlayerData","key":"","value":1}`, "101: Key name can't be empty."},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _, s := harness(t, nil)
			for _, r := range c.rules {
				addRule(t, d, s, r)
			}
			for i, st := range c.steps {
				if got := call(t, d, s, st.op, st.args); got != st.want {
					t.Errorf("step %d %s %s:\n got %s\nwant %s", i, st.op, st.args, got, st.want)
				}
			}
		})
	}
}

// A drop rule lets the write happen and fails the call.
func TestDropCommitsThenFails(t *testing.T) {
	d, rec, s := harness(t, nil)
	addRule(t, d, s, `{"op":"SetAsync","times":1,"drop":true}`)
	if got := call(t, d, s, "SetAsync", f(setPlayer, "1", `{"coins":5}`)); got != text502 {
		t.Fatalf("dropped SetAsync: %s", got)
	}
	if got := result(t, d, s, "GetAsync", f(getPlayer, "1")); !strings.HasPrefix(got, `{"value":{"coins":5},"keyInfo":{`) {
		t.Fatalf("the dropped write is not there: %s", got)
	}
	// UpdateAsync: the drop falls on the commit, which is committed.
	addRule(t, d, s, `{"op":"UpdateAsync","drop":true,"error":"InternalServerError"}`)
	read := result(t, d, s, "ReadForUpdate", f(getPlayer, "1"))
	var r struct{ Token string }
	_ = json.Unmarshal([]byte(read), &r)
	commit := `{"store":"PlayerData","key":"Player_1","token":"` + r.Token + `","value":{"coins":6}}`
	want := "DataStoreService: InternalServerError: An internal server error occurred. API: UpdateAsync, Data Store: PlayerData"
	if got := call(t, d, s, "CommitUpdate", commit); got != want {
		t.Fatalf("dropped CommitUpdate:\n got %s\nwant %s", got, want)
	}
	if got := result(t, d, s, "GetAsync", f(getPlayer, "1")); !strings.HasPrefix(got, `{"value":{"coins":6}`) {
		t.Fatalf("the dropped commit is not there: %s", got)
	}
	// The monitor saw the faults.
	var seen []string
	for _, ev := range rec.take() {
		seen = append(seen, ev.Op+" "+strings.Join(ev.Faults, ","))
	}
	wantSeen := []string{"SetAsync f1:drop", "GetAsync ", "ReadForUpdate ", "CommitUpdate f2:drop", "GetAsync "}
	if !reflect.DeepEqual(seen, wantSeen) {
		t.Fatalf("events %q, want %q", seen, wantSeen)
	}
}

func TestLatencyRule(t *testing.T) {
	d, rec, s := harness(t, nil)
	addRule(t, d, s, `{"op":"GetAsync","latency":"60ms"}`)
	start := time.Now()
	if got := call(t, d, s, "GetAsync", f(getPlayer, "1")); got != "ok" {
		t.Fatal(got)
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Fatalf("took %s", took)
	}
	if call(t, d, s, "SetAsync", f(setPlayer, "1", "1")); time.Since(start) > 5*time.Second {
		t.Fatal("SetAsync delayed")
	}
	evs := rec.take()
	if len(evs) != 2 || evs[0].Latency < 60*time.Millisecond || evs[0].Faults[0] != "f1:latency" || len(evs[1].Faults) != 0 {
		t.Fatalf("events %+v", evs)
	}
	// A delayed call gives up when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := d.Handle(ctx, s, "GetAsync", json.RawMessage(f(getPlayer, "1"))); err != context.DeadlineExceeded {
		t.Fatalf("cancelled delay: %v", err)
	}
}

// slowGate makes every budgeted call wait.
type slowGate struct{ wait time.Duration }

func (g slowGate) Admit(ctx context.Context, _ *dispatch.Session, c *dispatch.Call) error {
	if len(c.RequestTypes) > 0 {
		time.Sleep(g.wait)
	}
	return nil
}
func (slowGate) Done(*dispatch.Session, *dispatch.Call, int) {}

func TestObserverEvents(t *testing.T) {
	d, rec, s := harness(t, slowGate{wait: 20 * time.Millisecond})
	call(t, d, s, "SetAsync", `{"store":"PlayerData","scope":"beta","key":"k","value":1}`)
	call(t, d, s, "GetAsync", `{"store":"PlayerData","key":""}`)
	call(t, d, s, "IncrementAsync", `{"store":"Board","ordered":true,"key":"p","delta":3}`)
	call(t, d, s, "_emulator.clock", `{}`)
	evs := rec.take()
	if len(evs) != 3 {
		t.Fatalf("%d events (control ops must not be observed): %+v", len(evs), evs)
	}
	type row struct {
		Op, Store, Scope, Key, Err string
		Ordered                    bool
		Types                      []string
		Queued                     bool
	}
	var got []row
	for _, ev := range evs {
		r := row{Op: ev.Op, Store: ev.Store, Scope: ev.Scope, Key: ev.Key, Ordered: ev.Ordered, Types: ev.RequestTypes, Queued: ev.Wait >= 20*time.Millisecond}
		if ev.Err != nil {
			r.Err = ev.Err.Error()
		}
		if ev.Session != s || ev.Latency < ev.Wait || ev.Start.IsZero() {
			t.Errorf("event %+v", ev)
		}
		got = append(got, r)
	}
	want := []row{
		{Op: "SetAsync", Store: "PlayerData", Scope: "beta", Key: "k", Types: []string{"StandardWrite"}, Queued: true},
		// Arguments are checked before the gate, as Roblox checks them before
		// queueing: the empty key fails at once, without waiting or budget.
		{Op: "GetAsync", Store: "PlayerData", Scope: "global", Key: "", Err: "101: Key name can't be empty."},
		{Op: "IncrementAsync", Store: "Board", Scope: "global", Key: "p", Ordered: true, Types: []string{"OrderedWrite"}, Queued: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %+v\nwant %+v", got, want)
	}
	d.Closed(s)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if strings.Join(rec.sessions, ",") != "open s1,close s1" {
		t.Fatalf("sessions %v", rec.sessions)
	}
}

func TestHarnessStoreOps(t *testing.T) {
	d, _, s := harness(t, nil)
	other := &dispatch.Session{ID: "s2", Universe: 2, ClientKind: "test"}
	call(t, d, s, "SetAsync", f(setPlayer, "1", `{"a":"<b>"}`))
	call(t, d, other, "SetAsync", f(setPlayer, "9", `9`))

	var ex dispatch.ExportResult
	if err := json.Unmarshal([]byte(result(t, d, s, "_emulator.export", `{"universeId":1}`)), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Stats.Keys != 1 || ex.Stats.Universes != 1 || !strings.Contains(string(ex.Document), `"value":{"a":"<b>"}`) {
		t.Fatalf("export %+v %s", ex.Stats, ex.Document)
	}
	if got := result(t, d, s, "_emulator.reset", `{"universeId":1}`); got != `{"universeId":1}` {
		t.Fatalf("reset: %s", got)
	}
	if got := result(t, d, s, "GetAsync", f(getPlayer, "1")); got != `{"value":null,"keyInfo":null}` {
		t.Fatalf("after reset: %s", got)
	}
	if got := result(t, d, other, "GetAsync", f(getPlayer, "9")); !strings.HasPrefix(got, `{"value":9,`) {
		t.Fatalf("other universe after reset: %s", got)
	}
	imp := `{"document":` + string(ex.Document) + `}`
	if got := result(t, d, s, "_emulator.import", imp); got != `{"format":"rbxemu","stores":1,"keys":1,"versions":0,"orderedEntries":0}` {
		t.Fatalf("import: %s", got)
	}
	if got := result(t, d, s, "GetAsync", f(getPlayer, "1")); !strings.HasPrefix(got, `{"value":{"a":"<b>"},`) {
		t.Fatalf("after import: %s", got)
	}
	for _, c := range []struct{ op, args, want string }{
		{"_emulator.import", `{}`, `rbxemu: _emulator.import: missing field "document"`},
		{"_emulator.import", `{"document":{"DataStore":{"S":{"global":{"k":1.5}}},"OrderedDataStore":{"L":{"g":{"k":1.5}}}}}`,
			`rbxemu: _emulator.import: OrderedDataStore["L"]["g"]["k"] (L/g/k): 103: double is not allowed in data stores.`},
		{"_emulator.reset", `{"universeId":0}`, "rbxemu: _emulator.reset: universeId must be a positive integer"},
		{"_emulator.reset", `{"universe":1}`, `rbxemu: _emulator.reset: unknown field "universe"`},
		{"_emulator.faults.add", `{"op":"SetAsync"}`, "rbxemu: _emulator.faults.add: a rule needs an effect: error, latency or drop"},
		{"_emulator.faults.add", `{"drop":true,"nht":2}`, `rbxemu: _emulator.faults.add: unknown field "nht"`},
		{"_emulator.faults.clear", `{"ids":["f9"]}`, `rbxemu: _emulator.faults.clear: no fault rule "f9"`},
		{dispatch.OpMonitorSubscribe, `{}`, "rbxemu: _emulator.monitor.subscribe: monitor events are pushed on a WebSocket: send it on /v1/ws, or stream GET /_emulator/monitor"},
	} {
		if got := call(t, d, s, c.op, c.args); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.op, c.args, got, c.want)
		}
	}
}

func TestFaultOpsRoundTrip(t *testing.T) {
	d, _, s := harness(t, nil)
	r := addRule(t, d, s, `{"op":"SetAsync","key":"Player_*","nth":2,"times":1,"error":502,"seed":7}`)
	if r.ID != "f1" || *r.Seed != 7 {
		t.Fatalf("added %+v", r)
	}
	call(t, d, s, "SetAsync", f(setPlayer, "1", "1"))
	call(t, d, s, "SetAsync", f(setPlayer, "2", "1"))
	want := `{"rules":[{"id":"f1","op":"SetAsync","key":"Player_*","nth":2,"times":1,"seed":7,"error":502,"matched":2,"fired":1,"spent":true,` +
		`"effect":"error (502: API Services rejected request with error. HTTP 500 (Internal Server Error))"}]}`
	if got := result(t, d, s, "_emulator.faults.list", `{}`); got != want {
		t.Fatalf("list:\n got %s\nwant %s", got, want)
	}
	if got := result(t, d, s, "_emulator.faults.clear", `{"ids":["f1"]}`); got != `{"cleared":1}` {
		t.Fatalf("clear: %s", got)
	}
	if got := result(t, d, s, "_emulator.faults.list", ``); got != `{"rules":[]}` {
		t.Fatalf("list after clear: %s", got)
	}
}

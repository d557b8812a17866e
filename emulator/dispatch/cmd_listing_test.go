package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// pageGate records every call the handlers pass to the gate, and refuses
// the calls whose key is in refuse.
type pageGate struct {
	mu     sync.Mutex
	calls  []dispatch.Call
	done   []int
	refuse map[string]error
}

func (g *pageGate) Admit(_ context.Context, _ *dispatch.Session, c *dispatch.Call) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, *c)
	return g.refuse[c.Key]
}

func (g *pageGate) Done(_ *dispatch.Session, _ *dispatch.Call, readBytes int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = append(g.done, readBytes)
}

// gateCall is what a test expects the gate to see.
type gateCall struct {
	Op      string
	Store   string
	Key     string
	Ordered bool
	Types   []string
}

func (g *pageGate) take() []gateCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []gateCall
	for _, c := range g.calls {
		out = append(out, gateCall{Op: c.Op, Store: c.Store.Name, Key: c.Key, Ordered: c.Ordered, Types: c.RequestTypes})
	}
	g.calls, g.done = nil, nil
	return out
}

// pageRig is a dispatcher on an in-memory engine with a virtual clock at
// 2026-01-01T00:00:00Z and a recording gate.
type pageRig struct {
	d    *dispatch.Dispatcher
	s    *dispatch.Session
	clk  *clock.Manual
	gate *pageGate
}

const rigStart int64 = 1767225600000

func newPageRig(t *testing.T) *pageRig {
	t.Helper()
	clk := clock.NewManual(time.UnixMilli(rigStart))
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	g := &pageGate{}
	return &pageRig{
		d:    &dispatch.Dispatcher{Engine: e, Gate: g},
		s:    &dispatch.Session{ID: "t", Universe: 1, ClientKind: "test", Transport: "inprocess"},
		clk:  clk,
		gate: g,
	}
}

// call runs op and returns its result as compact JSON, or the error.
func (r *pageRig) call(op, args string) (string, error) {
	res, err := r.d.Handle(context.Background(), r.s, op, json.RawMessage(args))
	if err != nil {
		return "", err
	}
	b, merr := json.Marshal(res)
	if merr != nil {
		return "", merr
	}
	return string(b), nil
}

func (r *pageRig) must(t *testing.T, op, args string) string {
	t.Helper()
	out, err := r.call(op, args)
	if err != nil {
		t.Fatalf("%s %s: %v", op, args, err)
	}
	return out
}

// errText checks that err is exactly the catalogue error id with text.
func errText(t *testing.T, what string, err error, id, text string) {
	t.Helper()
	de, ok := dserr.As(err)
	if !ok || de.ID != id || de.Error() != text {
		t.Errorf("%s: error %v, want %s %q", what, err, id, text)
	}
}

// page decodes a listing result.
type page struct {
	Items      []json.RawMessage `json:"items"`
	Cursor     string            `json:"cursor"`
	IsFinished bool              `json:"isFinished"`
}

func decodePage(t *testing.T, s string) page {
	t.Helper()
	var p page
	if err := json.Unmarshal([]byte(s), &p); err != nil || p.Items == nil {
		t.Fatalf("not a page: %s (%v)", s, err)
	}
	return p
}

func TestListKeysAsyncPages(t *testing.T) {
	r := newPageRig(t)
	for i := 0; i < 250; i++ {
		r.must(t, "SetAsync", fmt.Sprintf(`{"store":"PlayerData","key":"Player_%03d","value":%d}`, i, i))
	}
	r.gate.take()
	var sizes []int
	cursor := ""
	for {
		args := `{"store":"PlayerData","pageSize":100`
		if cursor != "" {
			args += `,"cursor":"` + cursor + `"`
		}
		p := decodePage(t, r.must(t, "ListKeysAsync", args+"}"))
		sizes = append(sizes, len(p.Items))
		if want := fmt.Sprintf(`{"keyName":"Player_%03d"}`, (len(sizes)-1)*100); string(p.Items[0]) != want {
			t.Fatalf("page %d starts %s, want %s", len(sizes), p.Items[0], want)
		}
		if p.IsFinished != (p.Cursor == "") {
			t.Fatalf("page %d: cursor %q, isFinished %v", len(sizes), p.Cursor, p.IsFinished)
		}
		if p.IsFinished {
			break
		}
		cursor = p.Cursor
	}
	if !reflect.DeepEqual(sizes, []int{100, 100, 50}) {
		t.Fatalf("page sizes %v", sizes)
	}
	want := []gateCall{
		{Op: "ListKeysAsync", Store: "PlayerData", Types: []string{"StandardList"}},
		{Op: "ListKeysAsync", Store: "PlayerData", Types: []string{"StandardList"}},
		{Op: "ListKeysAsync", Store: "PlayerData", Types: []string{"StandardList"}},
	}
	if got := r.gate.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("gate saw %+v", got)
	}
}

func TestListKeysAsyncShapes(t *testing.T) {
	r := newPageRig(t)
	r.must(t, "SetAsync", `{"store":"PlayerData","scope":"houses","key":"h1","value":1}`)
	r.must(t, "SetAsync", `{"store":"PlayerData","key":"p1","value":1}`)
	r.must(t, "SetAsync", `{"store":"PlayerData","key":"p2","value":1}`)
	r.must(t, "RemoveAsync", `{"store":"PlayerData","key":"p2"}`)
	cases := []struct{ args, want string }{
		{`{"store":"PlayerData"}`, `{"items":[{"keyName":"p1"},{"keyName":"p2"}],"cursor":"","isFinished":true}`},
		{`{"store":"PlayerData","excludeDeleted":true}`, `{"items":[{"keyName":"p1"}],"cursor":"","isFinished":true}`},
		{`{"store":"PlayerData","allScopes":true}`, `{"items":[{"keyName":"global/p1"},{"keyName":"global/p2"},{"keyName":"houses/h1"}],"cursor":"","isFinished":true}`},
		{`{"store":"PlayerData","allScopes":true,"prefix":"houses/"}`, `{"items":[{"keyName":"houses/h1"}],"cursor":"","isFinished":true}`},
		{`{"store":"PlayerData","prefix":"zz"}`, `{"items":[],"cursor":"","isFinished":true}`},
		{`{"store":"PlayerData","pageSize":0.9}`, `{"items":[{"keyName":"p1"},{"keyName":"p2"}],"cursor":"","isFinished":true}`},
	}
	for _, c := range cases {
		if got := r.must(t, "ListKeysAsync", c.args); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.args, got, c.want)
		}
	}
}

func TestListingErrors(t *testing.T) {
	r := newPageRig(t)
	r.must(t, "SetAsync", `{"store":"PlayerData","key":"a","value":1}`)
	r.must(t, "SetAsync", `{"store":"PlayerData","key":"b","value":1}`)
	first := decodePage(t, r.must(t, "ListKeysAsync", `{"store":"PlayerData","pageSize":1}`))
	cases := []struct {
		op, args, id, text string
	}{
		{"ListKeysAsync", `{"store":"PlayerData","cursor":"bogus"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: PlayerData"},
		{"ListKeysAsync", `{"store":"Other","cursor":"` + first.Cursor + `"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: Other"},
		{"ListKeysAsync", `{"store":"PlayerData","prefix":"a","cursor":"` + first.Cursor + `"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: PlayerData"},
		{"ListDataStoresAsync", `{"cursor":"` + first.Cursor + `"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListDataStoresAsync, Data Store: "},
		{"ListKeysAsync", `{"store":"PlayerData","ordered":true}`, dserr.ProtocolBadArgument, "rbxemu: ListKeysAsync: not available on an OrderedDataStore"},
		{"ListKeysAsync", `{}`, dserr.ProtocolMissingField, `rbxemu: ListKeysAsync: missing field "store"`},
		{"ListKeysAsync", `{"store":""}`, dserr.StoreNameEmpty, "DataStore name can't be empty string"},
		{"ListKeysAsync", `{"store":"PlayerData","pageSize":"x"}`, dserr.ProtocolWrongType, `rbxemu: ListKeysAsync: field "pageSize" must be a number`},
		{"ListDataStoresAsync", `{"store":"PlayerData"}`, dserr.ProtocolUnknownField, `rbxemu: ListDataStoresAsync: unknown field "store"`},
	}
	for _, c := range cases {
		_, err := r.call(c.op, c.args)
		errText(t, c.op+" "+c.args, err, c.id, c.text)
	}
	// A refused call names its API and store too.
	r.gate.refuse = map[string]error{"": dserr.New(dserr.ListKeysAsyncThrottle)}
	_, err := r.call("ListKeysAsync", `{"store":"PlayerData"}`)
	errText(t, "throttled", err, dserr.ListKeysAsyncThrottle,
		"DataStoreService: ListKeysAsyncThrottle: ListKeysAsync request dropped. Request was throttled. API: ListKeysAsync, Data Store: PlayerData")
}

func TestListDataStoresAsync(t *testing.T) {
	r := newPageRig(t)
	r.must(t, "SetAsync", `{"store":"Beta","key":"a","value":1}`)
	r.clk.Advance(time.Second)
	r.must(t, "SetAsync", `{"store":"Alpha","key":"a","value":1}`)
	r.must(t, "SetAsync", `{"store":"Board","ordered":true,"key":"a","value":1}`)
	r.gate.take()
	got := r.must(t, "ListDataStoresAsync", `{}`)
	want := fmt.Sprintf(`{"items":[{"createdTime":%d,"updatedTime":%d,"dataStoreName":"Alpha"},{"createdTime":%d,"updatedTime":%d,"dataStoreName":"Beta"}],"cursor":"","isFinished":true}`,
		rigStart+1000, rigStart+1000, rigStart, rigStart)
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	p := decodePage(t, r.must(t, "ListDataStoresAsync", `{"pageSize":1}`))
	if len(p.Items) != 1 || p.IsFinished || p.Cursor == "" {
		t.Fatalf("first page %+v", p)
	}
	p = decodePage(t, r.must(t, "ListDataStoresAsync", `{"pageSize":1,"cursor":"`+p.Cursor+`"}`))
	if len(p.Items) != 1 || !p.IsFinished || !strings.Contains(string(p.Items[0]), `"Beta"`) {
		t.Fatalf("second page %+v", p)
	}
	if got := r.must(t, "ListDataStoresAsync", `{"prefix":"B"}`); !strings.Contains(got, `"Beta"`) || strings.Contains(got, "Alpha") {
		t.Fatalf("prefix B: %s", got)
	}
	calls := r.gate.take()
	if len(calls) != 4 || !reflect.DeepEqual(calls[0], gateCall{Op: "ListDataStoresAsync", Types: []string{"StandardList"}}) {
		t.Fatalf("gate saw %+v", calls)
	}
	// Another universe sees nothing.
	r.s.Universe = 2
	if got := r.must(t, "ListDataStoresAsync", `{}`); got != `{"items":[],"cursor":"","isFinished":true}` {
		t.Fatalf("universe 2: %s", got)
	}
}

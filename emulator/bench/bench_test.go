package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	url, _ := servertest.Start(t)
	for _, pipeline := range []int{1, 8} {
		t.Run(fmt.Sprint("pipeline ", pipeline), func(t *testing.T) {
			var seen []string
			rep, err := Run(context.Background(), Options{URL: url, Sessions: 4, Requests: 203, ValueSize: 50, Pipeline: pipeline,
				Tests: []string{TestUpdate, TestGet, TestSet}, Keyspace: 10, Store: "B"}, func(r Result) { seen = append(seen, r.Test) })
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Warnings) != 0 {
				t.Errorf("warnings: %v", rep.Warnings)
			}
			// The tests run in a fixed order, whatever the order asked.
			if strings.Join(seen, ",") != "set,get,update" || len(rep.Results) != 3 {
				t.Fatalf("ran %v", seen)
			}
			for i, r := range rep.Results {
				if r.Test != AllTests[i] || r.Op != opNames[r.Test] || r.Requests != 203 || r.Errors != 0 || r.FirstError != "" ||
					r.Elapsed <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.PerSecond() <= 0 {
					t.Errorf("result %+v", r)
				}
			}
		})
	}
	// Every key of the keyspace holds a value of the size asked for.
	c, err := client.Dial(context.Background(), url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys, err := c.Call(context.Background(), "ListKeysAsync", map[string]any{"store": "B", "pageSize": 100})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"key:0"`; !strings.Contains(string(keys), want) || strings.Count(string(keys), `"keyName"`) != 10 {
		t.Errorf("keys: %s", keys)
	}
	v, _, err := c.Get(context.Background(), client.Store{Name: "B"}, "key:7")
	if err != nil || len(v) != 50 || v[0] != '"' {
		t.Errorf("value %q, %v", v, err)
	}
}

// get without set first writes every key once, so that reads find values.
func TestRunSeedsBeforeGet(t *testing.T) {
	url, _ := servertest.Start(t)
	rep, err := Run(context.Background(), Options{URL: url, Sessions: 2, Requests: 20, ValueSize: 1, Tests: []string{TestGet}, Keyspace: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Op != "GetAsync" || rep.Results[0].Requests != 20 {
		t.Fatalf("%+v", rep.Results)
	}
	c, err := client.Dial(context.Background(), url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, k := range []string{"key:0", "key:4"} {
		if v, _, err := c.Get(context.Background(), client.Store{Name: DefaultStore}, k); err != nil || string(v) != "0" {
			t.Errorf("%s: %s, %v", k, v, err)
		}
	}
}

func TestRunCountsErrors(t *testing.T) {
	url, _ := servertest.Start(t)
	rep, err := Run(context.Background(), Options{URL: url, Sessions: 3, Requests: 30, Tests: []string{TestSet, TestUpdate}, Store: strings.Repeat("s", 51)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Requests != 30 || r.Errors != 30 || r.FirstError != "DataStore name is too long" {
			t.Errorf("%+v", r)
		}
	}
}

func TestRunWarnsWhenThrottled(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	url, _ := servertest.Start(t, servertest.Clock(clk), servertest.Gate(throttle.New(clk, throttle.Options{})))
	rep, err := Run(context.Background(), Options{URL: url, Sessions: 2, Requests: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "the daemon throttles (hello says throttle: true): the figures measure Roblox's budgets, not the daemon; start it with --throttle off"
	if len(rep.Warnings) != 1 || rep.Warnings[0] != want {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	url, _ := servertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Run(ctx, Options{URL: url, Sessions: 2, Requests: 1 << 30, Tests: []string{TestSet}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
}

func TestRunNoDaemon(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Run(context.Background(), Options{URL: "http://" + addr, Sessions: 3}, nil)
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Errorf("err %v", err)
	}
}

func TestOptions(t *testing.T) {
	o, err := Options{}.withDefaults()
	if err != nil || o.Sessions != 50 || o.Requests != 100000 || o.ValueSize != 3 || o.Pipeline != 1 || o.Store != "rbxemu-bench" ||
		strings.Join(o.Tests, ",") != "set,get" || o.Keyspace != 0 {
		t.Errorf("defaults %+v, %v", o, err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Sessions: -1}, "bench: -1 sessions: give at least 1"},
		{Options{Requests: -1}, "bench: -1 requests: give at least 1"},
		{Options{ValueSize: -1}, "bench: value size -1: give 1 to 4194304 bytes"},
		{Options{ValueSize: 4<<20 + 1}, "bench: value size 4194305: give 1 to 4194304 bytes"},
		{Options{Pipeline: 257}, "bench: pipeline 257: give 1 to 256 requests in flight"},
		{Options{Keyspace: -2}, "bench: keyspace -2: must not be negative"},
		{Options{Tests: []string{"get", "ping"}}, `bench: unknown test "ping" (give set, get, update)`},
	} {
		if _, err := tc.o.withDefaults(); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %s", tc.o, err, tc.want)
		}
	}
	if _, err := Run(context.Background(), Options{URL: "ftp://x"}, nil); err == nil || err.Error() != `bench: --url "ftp://x": use http:// or ws://` {
		t.Errorf("bad scheme: %v", err)
	}
}

func TestHelpers(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 4 << 20} {
		v := makeValue(n)
		if want := max(n, 1); len(v) != want || !json.Valid(v) {
			t.Errorf("makeValue(%d): %d bytes", n, len(v))
		}
	}
	for in, want := range map[string]string{
		"http://127.0.0.1:1":           "ws://127.0.0.1:1/v1/ws",
		"127.0.0.1:1":                  "ws://127.0.0.1:1/v1/ws",
		"https://h/":                   "wss://h/v1/ws",
		"ws://127.0.0.1:1/custom":      "ws://127.0.0.1:1/custom",
		"http://127.0.0.1:1/v1/ws?x=1": "ws://127.0.0.1:1/v1/ws?x=1",
	} {
		if got, err := wsURL(in); err != nil || got != want {
			t.Errorf("wsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, x := range n {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, tc := range []struct {
		lat          []time.Duration
		p50, p99, mx time.Duration
	}{
		{nil, 0, 0, 0},
		{ms(5), 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond},
		{ms(4, 1, 3, 2), 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
	} {
		if p50, p99, mx := percentiles(tc.lat); p50 != tc.p50 || p99 != tc.p99 || mx != tc.mx {
			t.Errorf("percentiles: %v %v %v, want %v %v %v", p50, p99, mx, tc.p50, tc.p99, tc.mx)
		}
	}
	lat := make([]time.Duration, 200)
	for i := range lat {
		lat[i] = time.Duration(200-i) * time.Microsecond
	}
	if p50, p99, mx := percentiles(lat); p50 != 100*time.Microsecond || p99 != 198*time.Microsecond || mx != 200*time.Microsecond {
		t.Errorf("200 latencies: %v %v %v", p50, p99, mx)
	}
	r := Result{Op: "GetAsync", Requests: 1000, Elapsed: 250 * time.Millisecond, P50: 1151 * time.Microsecond, P99: 2903 * time.Microsecond, Max: 15200 * time.Microsecond}
	if got := r.Line(); got != "GetAsync: 4000.00 requests per second, p50=1.151 msec, p99=2.903 msec, max=15.200 msec" {
		t.Errorf("Line: %s", got)
	}
	if (Result{}).PerSecond() != 0 {
		t.Error("PerSecond of nothing")
	}
}

// BenchmarkGetAsync measures GetAsync through the load generator: 8
// sessions, no pipelining, against an in-process daemon.
func BenchmarkGetAsync(b *testing.B) {
	url, _ := servertest.Start(b)
	o := Options{URL: url, Sessions: 8, ValueSize: 100, Tests: []string{TestGet}}
	sessions, _, err := connectAll(context.Background(), o.mustDefaults(b))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, s := range sessions {
			s.close()
		}
	}()
	o = o.mustDefaults(b)
	if _, err := runTest(context.Background(), o, sessions, seedTest, makeValue(o.ValueSize)); err != nil {
		b.Fatal(err)
	}
	o.Requests = b.N
	b.ResetTimer()
	r, err := runTest(context.Background(), o, sessions, TestGet, makeValue(o.ValueSize))
	if err != nil || r.Errors != 0 {
		b.Fatal(err, r.FirstError)
	}
	b.ReportMetric(r.PerSecond(), "req/s")
	b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
}

func (o Options) mustDefaults(b *testing.B) Options {
	o, err := o.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	return o
}

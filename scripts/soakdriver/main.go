// Command soakdriver runs a bounded mixed load against an rbxemu daemon
// for a set time and checks that the daemon's goroutines, open files and
// memory do not grow (docs/reliability.md, "Soak").
//
// It starts `rbxemu serve --data-dir DIR --port 0` with throttling on,
// opens several sessions (WebSocket, and one over the HTTP mirror), each
// with enough players that its budgets cover the pace it keeps, and sends
// every kind of request: GetAsync, SetAsync, UpdateAsync, IncrementAsync,
// RemoveAsync, ListKeysAsync, ListDataStoresAsync, ListVersionsAsync,
// GetVersionAsync, ordered SetAsync, IncrementAsync, GetSortedAsync and
// BatchGetAsync. It reads _emulator.stats (after a garbage collection)
// once the load has warmed up and again at the end, and fails when a
// figure grew beyond its tolerance, or when a request failed with
// anything but a throttling error.
//
//	go build -o /tmp/rbxemu ./cmd/rbxemu
//	go run ./scripts/soakdriver -bin /tmp/rbxemu -duration 60s
//
// scripts/soak.sh builds and runs it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/scripts/internal/daemonproc"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "", "the rbxemu binary (required)")
	flag.StringVar(&cfg.dir, "dir", "", "data directory (default: a new temporary one, removed at the end)")
	flag.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long the load runs")
	flag.IntVar(&cfg.sessions, "sessions", 6, "sessions: all WebSocket but one over HTTP")
	flag.IntVar(&cfg.rate, "rate", 80, "requests per second per session")
	flag.Parse()
	if cfg.bin == "" {
		fmt.Fprintln(os.Stderr, "soakdriver: -bin is required")
		os.Exit(2)
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "rbxemu-soak-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "soakdriver:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	rep, err := run(context.Background(), cfg)
	fmt.Print(rep.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakdriver: FAIL:", err)
		os.Exit(1)
	}
}

type config struct {
	bin, dir string
	duration time.Duration
	sessions int
	rate     int // requests per second per session
}

// Tolerances: how much a figure may grow between the warmed-up start and
// the end of the load, with the same sessions connected. Goroutines and
// open files must come back almost exactly (the store may open a few more
// table files as it grows); memory may grow with the store's own working
// set (memtables, caches) but not with the number of requests.
const (
	tolGoroutines = 10
	tolOpenFiles  = 16
	tolHeap       = 32 << 20 // live Go heap after a collection
	tolRSS        = 96 << 20
)

// report is what a run measured.
type report struct {
	duration   time.Duration
	sessions   int
	requests   int64
	ok         int64
	throttled  int64
	failed     int64
	byOp       map[string]int64
	start, end dispatch.Stats
	idle       dispatch.Stats // after every session closed
	failures   []string
}

func (r report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak: %v, %d sessions (%d WebSocket, 1 HTTP), %d requests: %d ok, %d throttled, %d failed\n",
		r.duration.Round(time.Second), r.sessions, r.sessions-1, r.requests, r.ok, r.throttled, r.failed)
	if len(r.byOp) > 0 {
		var ops []string
		for op, n := range r.byOp {
			ops = append(ops, fmt.Sprintf("%s %d", op, n))
		}
		sortStrings(ops)
		fmt.Fprintf(&b, "  by op: %s\n", strings.Join(ops, ", "))
	}
	row := func(name string, a, z int64, tol int64, unit int64, suffix string) {
		fmt.Fprintf(&b, "  %-11s start %8d%s  end %8d%s  growth %+7d%s  (tolerance %+d%s)\n", name, a/unit, suffix, z/unit, suffix, (z-a)/unit, suffix, tol/unit, suffix)
	}
	row("goroutines", int64(r.start.Goroutines), int64(r.end.Goroutines), tolGoroutines, 1, "")
	row("open files", int64(r.start.OpenFiles), int64(r.end.OpenFiles), tolOpenFiles, 1, "")
	row("Go heap", int64(r.start.HeapAllocBytes), int64(r.end.HeapAllocBytes), tolHeap, 1<<20, " MB")
	row("RSS", r.start.RSSBytes, r.end.RSSBytes, tolRSS, 1<<20, " MB")
	fmt.Fprintf(&b, "  after the sessions closed: %d goroutines, %d open files, heap %d MB, RSS %d MB\n",
		r.idle.Goroutines, r.idle.OpenFiles, r.idle.HeapAllocBytes>>20, r.idle.RSSBytes>>20)
	for _, f := range r.failures {
		fmt.Fprintf(&b, "  FAIL: %s\n", f)
	}
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func run(ctx context.Context, cfg config) (report, error) {
	rep := report{sessions: cfg.sessions, byOp: map[string]int64{}}
	d, err := startDaemon(ctx, cfg.bin, cfg.dir)
	if err != nil {
		return rep, err
	}
	defer d.stop()
	ctl, err := client.Dial(ctx, d.url, client.HelloOptions{Client: "test", JobID: "soak-control"})
	if err != nil {
		return rep, err
	}
	defer ctl.Close()
	idleBefore, err := stats(ctx, ctl)
	if err != nil {
		return rep, err
	}

	var clients []*client.Client
	for i := 0; i < cfg.sessions; i++ {
		h := client.HelloOptions{Client: "test", JobID: fmt.Sprintf("soak-%d", i), Universe: 1, Players: 200}
		var c *client.Client
		if i == cfg.sessions-1 {
			c, err = client.NewHTTP(ctx, d.url, h)
		} else {
			c, err = client.Dial(ctx, d.url, h)
		}
		if err != nil {
			return rep, err
		}
		clients = append(clients, c)
	}
	closeAll := func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}

	var counts counters
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(loadCtx, c, i, cfg.rate, &counts)
		}()
	}
	// Warm up: caches, memtables and pools fill during the first part.
	warm := min(cfg.duration/6, 10*time.Second)
	sleep(ctx, warm)
	rep.start, err = stats(ctx, ctl)
	if err != nil {
		stopLoad()
		return rep, err
	}
	t0 := time.Now()
	sleep(ctx, cfg.duration-warm)
	rep.end, err = stats(ctx, ctl) // still under load, same sessions
	rep.duration = warm + time.Since(t0)
	stopLoad()
	wg.Wait()
	closeAll()
	if err != nil {
		return rep, err
	}
	rep.requests, rep.ok, rep.throttled, rep.failed = counts.requests.Load(), counts.ok.Load(), counts.throttled.Load(), counts.failed.Load()
	counts.mu.Lock()
	rep.failures = append(rep.failures, counts.failures...)
	for op, n := range counts.byOp {
		rep.byOp[op] = n
	}
	counts.mu.Unlock()

	// With the load's sessions gone, the daemon is back to where it was.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep.idle, err = stats(ctx, ctl)
		if err != nil {
			return rep, err
		}
		if rep.idle.Goroutines <= idleBefore.Goroutines+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	check := func(what string, grew, tol int64) {
		if grew > tol {
			rep.failures = append(rep.failures, fmt.Sprintf("%s grew by %d (tolerance %d)", what, grew, tol))
		}
	}
	check("goroutines under load", int64(rep.end.Goroutines-rep.start.Goroutines), tolGoroutines)
	check("open files under load", int64(rep.end.OpenFiles-rep.start.OpenFiles), tolOpenFiles)
	check("Go heap under load", int64(rep.end.HeapAllocBytes)-int64(rep.start.HeapAllocBytes), tolHeap)
	check("RSS under load", rep.end.RSSBytes-rep.start.RSSBytes, tolRSS)
	check("goroutines after the sessions closed", int64(rep.idle.Goroutines-idleBefore.Goroutines), 2)
	if c := rep.idle.Connections; c != nil && c.Sessions != 1 {
		rep.failures = append(rep.failures, fmt.Sprintf("%d sessions open after the load's closed (want the control session)", c.Sessions))
	}
	if rep.ok < rep.requests*8/10 {
		rep.failures = append(rep.failures, fmt.Sprintf("only %d of %d requests passed: the load is not the bounded load intended", rep.ok, rep.requests))
	}
	if len(rep.failures) > 0 {
		return rep, errors.New(strings.Join(rep.failures, "; "))
	}
	return rep, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

func stats(ctx context.Context, c *client.Client) (dispatch.Stats, error) {
	var st dispatch.Stats
	raw, err := c.Call(ctx, "_emulator.stats", map[string]bool{"gc": true})
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(raw, &st)
}

type counters struct {
	requests, ok, throttled, failed atomic.Int64
	mu                              sync.Mutex
	byOp                            map[string]int64
	failures                        []string
}

func (c *counters) record(op string, err error) {
	c.requests.Add(1)
	c.mu.Lock()
	if c.byOp == nil {
		c.byOp = map[string]int64{}
	}
	c.byOp[op]++
	c.mu.Unlock()
	var ce *client.Error
	switch {
	case err == nil:
		c.ok.Add(1)
	case errors.As(err, &ce) && throttling(ce):
		c.throttled.Add(1)
	case errors.Is(err, context.Canceled):
		c.requests.Add(-1) // cut short by the end of the load
		c.mu.Lock()
		c.byOp[op]--
		c.mu.Unlock()
	default:
		c.failed.Add(1)
		c.mu.Lock()
		if len(c.failures) < 20 {
			c.failures = append(c.failures, op+": "+err.Error())
		}
		c.mu.Unlock()
	}
}

// throttling reports whether an error is one of Roblox's throttling errors
// (expected now and then under throttling; anything else is a failure).
func throttling(e *client.Error) bool {
	return (e.Code >= 301 && e.Code <= 306) || strings.HasSuffix(e.Name, "Throttled") || strings.HasSuffix(e.Name, "Throttle")
}

// load sends a mix of every op at rate requests per second until ctx ends.
func load(ctx context.Context, c *client.Client, session, rate int, counts *counters) {
	rng := rand.New(rand.NewPCG(uint64(session), 77))
	std := client.Store{Name: fmt.Sprintf("Soak%d", session%3)}
	board := client.Store{Name: "SoakBoard", Ordered: true}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	key := func() string { return fmt.Sprintf("p%d-%d", session, rng.IntN(200)) }
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		roll := rng.IntN(100)
		var op string
		var err error
		switch {
		case roll < 30:
			op = "GetAsync"
			_, _, err = c.Get(ctx, std, key())
		case roll < 50:
			op = "SetAsync"
			_, err = c.Set(ctx, std, key(), map[string]any{"coins": rng.IntN(1000), "name": strings.Repeat("n", rng.IntN(2000))}, &client.WriteOptions{UserIDs: []int64{int64(session)}, Metadata: map[string]int{"s": session}})
		case roll < 58:
			op = "UpdateAsync"
			_, _, err = c.Update(ctx, std, key(), func(old json.RawMessage, _ *client.KeyInfo) (json.RawMessage, bool) {
				return json.RawMessage(fmt.Sprintf(`{"updated":%d}`, rng.IntN(1000))), true
			})
		case roll < 66:
			op = "IncrementAsync"
			_, _, err = c.Increment(ctx, client.Store{Name: "SoakCounters"}, key(), int64(rng.IntN(10)), nil)
		case roll < 70:
			op = "RemoveAsync"
			_, _, err = c.Remove(ctx, std, key())
		case roll < 72:
			op = "ListKeysAsync"
			_, err = c.Call(ctx, op, map[string]any{"store": std.Name, "prefix": fmt.Sprintf("p%d-1", session), "pageSize": 20})
		case roll < 73:
			op = "ListDataStoresAsync"
			_, err = c.Call(ctx, op, map[string]any{"prefix": "Soak"})
		case roll < 75:
			op = "ListVersionsAsync"
			_, err = c.Call(ctx, op, map[string]any{"store": std.Name, "key": key(), "sortDirection": "Descending", "pageSize": 10})
		case roll < 78:
			op = "GetVersionAsync"
			k := key()
			var info *client.KeyInfo
			if _, info, err = c.Get(ctx, std, k); err == nil && info != nil {
				_, err = c.Call(ctx, op, map[string]any{"store": std.Name, "key": k, "version": info.Version})
			}
		case roll < 86:
			op = "OrderedSetAsync"
			_, err = c.Set(ctx, board, key(), rng.IntN(100000), nil)
		case roll < 92:
			op = "OrderedIncrementAsync"
			_, _, err = c.Increment(ctx, board, key(), int64(rng.IntN(50)), nil)
		case roll < 95:
			op = "GetSortedAsync"
			_, err = c.Call(ctx, op, map[string]any{"store": board.Name, "ordered": true, "ascending": rng.IntN(2) == 0, "pageSize": 25})
		default:
			op = "BatchGetAsync"
			_, err = c.Call(ctx, op, map[string]any{"store": board.Name, "ordered": true, "keys": []string{key(), key(), key()}})
		}
		counts.record(op, err)
	}
}

// daemon is the rbxemu serve under test.
type daemon struct {
	p   *daemonproc.Proc
	url string
}

func startDaemon(ctx context.Context, bin, dir string) (*daemon, error) {
	cmd := daemonproc.Command(bin, "serve", "--data-dir", dir, "--throttle", "on", "--port", "0", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	p, err := daemonproc.Start(cmd)
	if err != nil {
		return nil, err
	}
	url, err := p.Ready(ctx)
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &daemon{p: p, url: url}, nil
}

// stop ends the daemon gracefully.
func (d *daemon) stop() { _ = d.p.Stop() }

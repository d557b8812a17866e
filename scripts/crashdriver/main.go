// Command crashdriver checks that no acknowledged write is lost when the
// rbxemu daemon is killed (design, "Safety"; docs/reliability.md).
//
// It starts `rbxemu serve --data-dir DIR --throttle off --port 0`, drives
// writes from several sessions (SetAsync, UpdateAsync, IncrementAsync,
// RemoveAsync, ordered SetAsync and IncrementAsync), records every write
// whose reply it received, kills the daemon with SIGKILL at a random
// moment, starts it again on the same directory and checks every key:
// its value (and, for standard keys, its version) must be exactly that of
// its last acknowledged write, or of the one write that was in flight on
// it when the daemon died. It does so for -rounds kills and prints what it
// checked.
//
//	go build -o /tmp/rbxemu ./cmd/rbxemu
//	go run ./scripts/crashdriver -bin /tmp/rbxemu -rounds 20
//
// scripts/crash-test.sh builds and runs it; crash_test.go runs a short form
// in `go test`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/scripts/internal/daemonproc"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "", "the rbxemu binary (required)")
	flag.StringVar(&cfg.dir, "dir", "", "data directory (default: a new temporary one, removed at the end)")
	flag.IntVar(&cfg.rounds, "rounds", 20, "how many times to kill the daemon")
	flag.IntVar(&cfg.sessions, "sessions", 4, "sessions (connections) writing at once")
	flag.IntVar(&cfg.workers, "workers", 4, "writers per session, each with keys of its own")
	flag.IntVar(&cfg.keys, "keys", 9, "keys per writer")
	flag.DurationVar(&cfg.minRun, "min-run", 300*time.Millisecond, "shortest time between a start and its kill")
	flag.DurationVar(&cfg.maxRun, "max-run", 2*time.Second, "longest time between a start and its kill")
	flag.Uint64Var(&cfg.seed, "seed", 0, "random seed (0: from the time)")
	flag.Parse()
	if cfg.bin == "" {
		fmt.Fprintln(os.Stderr, "crashdriver: -bin is required")
		os.Exit(2)
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "rbxemu-crash-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "crashdriver:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	cfg.log = os.Stdout
	res, err := run(context.Background(), cfg)
	fmt.Println(res.summary())
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashdriver: FAIL:", err)
		os.Exit(1)
	}
}

// config is what a run does.
type config struct {
	bin, dir          string
	rounds            int
	sessions, workers int
	keys              int
	minRun, maxRun    time.Duration
	seed              uint64
	log               io.Writer // progress lines (nil: none)
}

// result is what a run checked.
type result struct {
	Seed            uint64
	Kills           int
	Acked           int // writes whose reply was received
	Journal         int // of which to keys written once, each checked after every later restart
	Checks          int // key states compared after a restart
	InFlightApplied int // writes cut by a kill that turned out written
	InFlightLost    int // writes cut by a kill that turned out not written
	Failures        []string
}

func (r result) summary() string {
	status := "OK"
	if len(r.Failures) > 0 {
		status = fmt.Sprintf("FAILED (%d)", len(r.Failures))
	}
	return fmt.Sprintf("crash test %s: %d kills (SIGKILL), %d acknowledged writes (%d of them to keys written once, each re-checked after every later restart), %d key checks after restarts; in-flight writes at a kill: %d found written, %d not (seed %d)",
		status, r.Kills, r.Acked, r.Journal, r.Checks, r.InFlightApplied, r.InFlightLost, r.Seed)
}

// Stores the driver writes to.
var (
	docStore     = client.Store{Name: "CrashDocs"}
	counterStore = client.Store{Name: "CrashCounters"}
	boardStore   = client.Store{Name: "CrashBoard", Ordered: true}
	journalStore = client.Store{Name: "CrashJournal"}
)

// class is what a key holds and which ops write it.
type class int

const (
	docKey     class = iota // objects: SetAsync, UpdateAsync, RemoveAsync
	counterKey              // integers: IncrementAsync, SetAsync, RemoveAsync
	boardKey                // an ordered store: SetAsync, IncrementAsync, RemoveAsync
	journalKey              // written once (SetAsync): every such write stays checkable
)

func (c class) store() client.Store {
	switch c {
	case counterKey:
		return counterStore
	case boardKey:
		return boardStore
	case journalKey:
		return journalStore
	}
	return docStore
}

// state is a key as the daemon must hold it.
type state struct {
	exists  bool
	value   string // compact JSON
	version string // standard keys; "" when unknown or none
}

func (s state) String() string {
	if !s.exists {
		return "absent"
	}
	return s.value + " @" + s.version
}

// keyModel is one key: its last acknowledged state and the write in
// flight on it, if any (each key has one writer, which waits for each
// reply, so there is at most one).
type keyModel struct {
	name    string
	class   class
	acked   state
	pending *state // the state the write in flight would leave
	writes  int
}

// model holds every key; each key is written by one worker only.
type model struct {
	mu   sync.Mutex
	keys map[string]*keyModel
}

func run(ctx context.Context, cfg config) (res result, err error) {
	if cfg.seed == 0 {
		cfg.seed = uint64(time.Now().UnixNano())
	}
	res.Seed = cfg.seed
	rng := rand.New(rand.NewPCG(cfg.seed, 9))
	m := &model{keys: map[string]*keyModel{}}
	for s := 0; s < cfg.sessions; s++ {
		for w := 0; w < cfg.workers; w++ {
			for k := 0; k < cfg.keys; k++ {
				name := fmt.Sprintf("s%d-w%d-k%d", s, w, k)
				m.keys[name] = &keyModel{name: name, class: class(k % 3)}
			}
		}
	}
	logf := func(format string, a ...any) {
		if cfg.log != nil {
			fmt.Fprintf(cfg.log, format+"\n", a...)
		}
	}
	defer func() {
		m.mu.Lock()
		for _, k := range m.keys {
			if k.class == journalKey && k.acked.exists {
				res.Journal++
			}
		}
		m.mu.Unlock()
	}()
	for round := 1; round <= cfg.rounds+1; round++ {
		d, err := startDaemon(ctx, cfg.bin, cfg.dir)
		if err != nil {
			return res, fmt.Errorf("round %d: %w", round, err)
		}
		// Every key as the last round left it.
		checks, err := verify(ctx, d.url, m, &res)
		res.Checks += checks
		if err != nil {
			d.kill()
			return res, fmt.Errorf("round %d: verify: %w\ndaemon log:\n%s", round, err, d.stderr.String())
		}
		if len(res.Failures) > 0 {
			d.kill()
			return res, fmt.Errorf("round %d: %d acknowledged writes lost or wrong:\n%s", round, len(res.Failures), strings.Join(res.Failures, "\n"))
		}
		if round == cfg.rounds+1 {
			// The last start only verifies; it ends gracefully.
			if err := d.stop(); err != nil {
				return res, fmt.Errorf("graceful stop: %w\n%s", err, d.stderr.String())
			}
			break
		}
		runFor := cfg.minRun + time.Duration(rng.Int64N(int64(cfg.maxRun-cfg.minRun)+1))
		acked, err := drive(ctx, d, m, cfg, rng.Uint64(), runFor)
		res.Acked += acked
		res.Kills++
		if err != nil {
			return res, fmt.Errorf("round %d: %w\ndaemon log:\n%s", round, err, d.stderr.String())
		}
		logf("round %d: killed after %v, %d writes acknowledged (%d in all)", round, runFor.Round(time.Millisecond), acked, res.Acked)
	}
	return res, nil
}

// daemon is one running rbxemu serve.
type daemon struct {
	p      *daemonproc.Proc
	url    string
	stderr *tailBuffer
}

// startDaemon starts rbxemu serve on dir and waits for its ready line.
func startDaemon(ctx context.Context, bin, dir string) (*daemon, error) {
	cmd := daemonproc.Command(bin, "serve", "--data-dir", dir, "--throttle", "off", "--port", "0", "--log-level", "warn")
	d := &daemon{stderr: &tailBuffer{max: 64 << 10}}
	cmd.Stderr = d.stderr
	p, err := daemonproc.Start(cmd)
	if err != nil {
		return nil, err
	}
	d.p = p
	if d.url, err = p.Ready(ctx); err != nil {
		d.kill()
		switch {
		case errors.Is(err, daemonproc.ErrNoReadyLine):
			err = fmt.Errorf("%w; daemon log:\n%s", err, d.stderr.String())
		case errors.Is(err, daemonproc.ErrNotReady):
			err = fmt.Errorf("%w; log:\n%s", err, d.stderr.String())
		}
		return nil, err
	}
	return d, nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (d *daemon) kill() { d.p.Kill() }

// stop sends SIGTERM and waits for a clean exit.
func (d *daemon) stop() error { return d.p.Stop() }

// drive writes from every session until runFor has passed, then kills the
// daemon; it returns how many writes were acknowledged.
func drive(ctx context.Context, d *daemon, m *model, cfg config, seed uint64, runFor time.Duration) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var clients []*client.Client
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	for s := 0; s < cfg.sessions; s++ {
		c, err := client.Dial(ctx, d.url, client.HelloOptions{Client: "test", JobID: fmt.Sprintf("crash-%d", s)})
		if err != nil {
			d.kill()
			return 0, err
		}
		clients = append(clients, c)
	}
	var mu sync.Mutex
	acked := 0
	var firstErr error
	var wg sync.WaitGroup
	for s, c := range clients {
		for w := 0; w < cfg.workers; w++ {
			var keys []*keyModel
			m.mu.Lock()
			for k := 0; k < cfg.keys; k++ {
				keys = append(keys, m.keys[fmt.Sprintf("s%d-w%d-k%d", s, w, k)])
			}
			m.mu.Unlock()
			wg.Add(1)
			go func(c *client.Client, keys []*keyModel, seed uint64) {
				defer wg.Done()
				n, err := work(ctx, c, m, keys, rand.New(rand.NewPCG(seed, 1)))
				mu.Lock()
				acked += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}(c, keys, seed+uint64(s*cfg.workers+w))
		}
	}
	time.Sleep(runFor)
	d.kill() // the moment of truth: mid-write, with writes in flight
	wg.Wait()
	return acked, firstErr
}

// work writes the worker's keys, one write at a time, until the daemon
// goes away. It returns the writes acknowledged. An error reply from a
// running daemon is a failure; a broken connection is the kill.
func work(ctx context.Context, c *client.Client, m *model, keys []*keyModel, rng *rand.Rand) (int, error) {
	acked := 0
	for seq := 0; ; seq++ {
		k := keys[rng.IntN(len(keys))]
		if rng.IntN(3) == 0 {
			// A key of its own, written once: this write is checked
			// after every restart from now on.
			k = &keyModel{name: fmt.Sprintf("%s-j%d", keys[0].name, rng.Uint64()), class: journalKey}
			m.mu.Lock()
			m.keys[k.name] = k
			m.mu.Unlock()
		}
		op, next, do := plan(c, k, seq, rng)
		m.mu.Lock()
		k.pending = &next
		m.mu.Unlock()
		got, err := do(ctx)
		if err != nil {
			var ce *client.Error
			if errors.As(err, &ce) {
				return acked, fmt.Errorf("%s %s: the daemon refused a valid write: %v", op, k.name, err)
			}
			return acked, nil // the daemon was killed: this write is in doubt
		}
		m.mu.Lock()
		k.acked, k.pending = got, nil
		k.writes++
		m.mu.Unlock()
		acked++
	}
}

// plan picks the next write on k: its name, the state it leaves (version
// unknown), and the call, which returns the state with its version.
func plan(c *client.Client, k *keyModel, seq int, rng *rand.Rand) (string, state, func(context.Context) (state, error)) {
	st := k.class.store()
	roll := rng.IntN(100)
	cur := k.acked
	switch k.class {
	case journalKey:
		v := docValue(k.name, seq, rng)
		return "SetAsync", state{exists: true, value: v}, func(ctx context.Context) (state, error) {
			info, err := c.Set(ctx, st, k.name, json.RawMessage(v), nil)
			return written(v, info, err)
		}
	case docKey:
		switch {
		case roll < 15 && cur.exists:
			return "RemoveAsync", state{}, func(ctx context.Context) (state, error) {
				_, _, err := c.Remove(ctx, st, k.name)
				return state{}, err
			}
		case roll < 35:
			v := docValue(k.name, seq, rng)
			return "UpdateAsync", state{exists: true, value: v}, func(ctx context.Context) (state, error) {
				_, info, err := c.Update(ctx, st, k.name, func(json.RawMessage, *client.KeyInfo) (json.RawMessage, bool) {
					return json.RawMessage(v), true
				})
				return written(v, info, err)
			}
		default:
			v := docValue(k.name, seq, rng)
			return "SetAsync", state{exists: true, value: v}, func(ctx context.Context) (state, error) {
				info, err := c.Set(ctx, st, k.name, json.RawMessage(v), nil)
				return written(v, info, err)
			}
		}
	default: // counters and the ordered store
		n := int64(0)
		if cur.exists {
			n, _ = strconv.ParseInt(cur.value, 10, 64)
		}
		switch {
		case roll < 10 && cur.exists:
			return "RemoveAsync", state{}, func(ctx context.Context) (state, error) {
				_, _, err := c.Remove(ctx, st, k.name)
				return state{}, err
			}
		case roll < 60:
			delta := rng.Int64N(1000) - 300
			v := strconv.FormatInt(n+delta, 10)
			return "IncrementAsync", state{exists: true, value: v}, func(ctx context.Context) (state, error) {
				got, info, err := c.Increment(ctx, st, k.name, delta, nil)
				if err == nil && strconv.FormatInt(got, 10) != v {
					return state{}, fmt.Errorf("IncrementAsync %s by %d from %s gave %d, want %s", k.name, delta, cur, got, v)
				}
				return written(v, info, err)
			}
		default:
			v := strconv.FormatInt(rng.Int64N(1_000_000)-500_000, 10)
			return "SetAsync", state{exists: true, value: v}, func(ctx context.Context) (state, error) {
				info, err := c.Set(ctx, st, k.name, json.RawMessage(v), nil)
				return written(v, info, err)
			}
		}
	}
}

func written(v string, info *client.KeyInfo, err error) (state, error) {
	if err != nil {
		return state{}, err
	}
	s := state{exists: true, value: v}
	if info != nil {
		s.version = info.Version
	}
	return s, nil
}

// docValue is a JSON object naming its write; one write in four carries a
// few KB of padding, so that values go through badger's value log too.
func docValue(key string, seq int, rng *rand.Rand) string {
	pad := ""
	if rng.IntN(4) == 0 {
		pad = strings.Repeat("abcdefghij", 100+rng.IntN(800))
	}
	b, _ := json.Marshal(map[string]any{"key": key, "seq": seq, "r": rng.Int64(), "pad": pad})
	return string(b)
}

// verify reads every key and compares it with the model. A key must hold
// its last acknowledged state, or the state of the write that was in
// flight when the daemon died (which then counts as acknowledged).
func verify(ctx context.Context, url string, m *model, res *result) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, client.HelloOptions{Client: "test", JobID: "crash-verify"})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.keys))
	for n := range m.keys {
		names = append(names, n)
	}
	sort.Strings(names)
	// Read every key, 16 at a time on the one connection.
	states := make([]state, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				v, info, err := c.Get(ctx, m.keys[names[i]].class.store(), names[i])
				got := state{exists: v != nil}
				if v != nil {
					got.value = compact(v)
				}
				if info != nil {
					got.version = info.Version
				}
				states[i], errs[i] = got, err
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	checks := 0
	for i, n := range names {
		k := m.keys[n]
		if errs[i] != nil {
			return checks, fmt.Errorf("GetAsync %s: %w", n, errs[i])
		}
		got := states[i]
		checks++
		switch {
		case same(got, k.acked, true):
			if k.pending != nil {
				res.InFlightLost++
			}
		case k.pending != nil && same(got, *k.pending, false):
			res.InFlightApplied++
			k.acked = got
		default:
			want := k.acked.String()
			if k.pending != nil {
				want += " (or, from the write in flight, " + k.pending.String() + ")"
			}
			res.Failures = append(res.Failures, fmt.Sprintf("%s: holds %s, want %s", n, got, want))
		}
		k.pending = nil
	}
	return checks, nil
}

// same compares a key's state; the version only when checkVersion and
// the model knows it.
func same(got, want state, checkVersion bool) bool {
	if got.exists != want.exists {
		return false
	}
	if !got.exists {
		return true
	}
	if got.value != want.value {
		return false
	}
	return !checkVersion || want.version == "" || got.version == want.version
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// tailBuffer keeps the last max bytes written to it (the daemon's log).
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

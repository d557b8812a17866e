// Package bench is a load generator for the rbxemu daemon, in the manner of
// redis-benchmark: C sessions (WebSocket connections, each with its own
// hello, so each is one game server), N requests per test spread over them,
// P requests in flight per session, values of D bytes. For each test it
// reports requests per second and the latency distribution.
//
//	rep, err := bench.Run(ctx, bench.Options{URL: "http://127.0.0.1:34890", Tests: []string{"get", "set"}}, nil)
//	for _, r := range rep.Results { fmt.Println(r.Line()) }
//
// The client side is kept lean on purpose, so that the figures measure the
// daemon rather than the load generator: request frames are built by
// appending into a reused buffer, and a reply is read only as far as its id
// and "ok" (the full reply is decoded only for errors and for UpdateAsync's
// token). Each session runs on one goroutine that writes its requests and
// reads their replies; with P > 1 it keeps P requests in flight and matches
// replies to requests by id, as they may come back in any order.
//
// Throttling must be off on the daemon (rbxemu serve --throttle off):
// with Roblox's budgets a benchmark measures the budgets. Run reports a
// warning when the daemon says it throttles.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The tests, run in this order whatever the order asked (set first, so that
// get reads values of the size asked for, as redis-benchmark does).
const (
	TestSet    = "set"    // SetAsync
	TestGet    = "get"    // GetAsync
	TestUpdate = "update" // UpdateAsync: ReadForUpdate, then CommitUpdate
)

// AllTests lists the tests in the order they run.
var AllTests = []string{TestSet, TestGet, TestUpdate}

// opNames are the Roblox names of the tests, as results show them.
var opNames = map[string]string{TestSet: "SetAsync", TestGet: "GetAsync", TestUpdate: "UpdateAsync"}

// Defaults and bounds of Options.
const (
	DefaultSessions  = 50
	DefaultRequests  = 100000
	DefaultValueSize = 3 // redis-benchmark's default -d
	DefaultStore     = "rbxemu-bench"
	// MaxPipeline is the most requests a session keeps in flight: the
	// daemon runs at most 256 at once per connection and stops reading
	// beyond that, so a deeper pipeline only fills socket buffers.
	MaxPipeline = 256
	// handshakeTimeout bounds each session's WebSocket handshake.
	handshakeTimeout = 10 * time.Second
)

// Options describe a benchmark run. Zero values take the defaults.
type Options struct {
	// URL is the daemon's base URL (http://127.0.0.1:34890) or WebSocket URL.
	URL string `json:"url"`
	// Token is the daemon's --token, if it has one (never reported).
	Token string `json:"-"`
	// Sessions is the number of WebSocket connections (-c).
	Sessions int `json:"sessions"`
	// Requests is the number of requests of each test, over all sessions (-n).
	Requests int `json:"requests"`
	// ValueSize is the size in bytes of the values written (-d): their
	// compact JSON encoding, which is what the daemon counts. A value of 2
	// bytes or more is a JSON string; of less, the number 0.
	ValueSize int `json:"valueSize"`
	// Pipeline is the number of requests each session keeps in flight (-P).
	Pipeline int `json:"pipeline"`
	// Tests are the tests to run (TestGet, TestSet, TestUpdate).
	Tests []string `json:"tests"`
	// Keyspace is the number of distinct keys: each request picks one at
	// random (redis-benchmark's -r). 0 or 1 uses the single key "key:0".
	Keyspace int `json:"keyspace"`
	// Store is the data store the benchmark writes (DefaultStore).
	Store string `json:"store"`
	// Universe is the universe of every session (0: the daemon's default).
	Universe int64 `json:"universeId,omitempty"`
}

// Result is the outcome of one test.
type Result struct {
	Test     string `json:"test"` // get, set, update
	Op       string `json:"op"`   // GetAsync, SetAsync, UpdateAsync
	Requests int    `json:"requests"`
	// Errors counts requests that got an error reply; FirstError is the
	// text of the first.
	Errors     int    `json:"errors"`
	FirstError string `json:"firstError,omitempty"`
	// Conflicts counts the CommitUpdate calls that found the key changed
	// and were retried (update only).
	Conflicts int           `json:"conflicts,omitempty"`
	Elapsed   time.Duration `json:"elapsedNs"`
	// Latencies of the requests (for update, from ReadForUpdate to the
	// committed reply).
	P50 time.Duration `json:"p50Ns"`
	P99 time.Duration `json:"p99Ns"`
	Max time.Duration `json:"maxNs"`
}

// PerSecond is the test's throughput in requests per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Line is the result on one line, in the manner of redis-benchmark -q:
// "GetAsync: 41234.56 requests per second, p50=1.151 msec, p99=...".
func (r Result) Line() string {
	return fmt.Sprintf("%s: %.2f requests per second, p50=%s msec, p99=%s msec, max=%s msec",
		r.Op, r.PerSecond(), msec(r.P50), msec(r.P99), msec(r.Max))
}

func msec(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 3, 64) }

// Report is the outcome of a run.
type Report struct {
	Options  Options  `json:"options"`
	Results  []Result `json:"results"`
	Warnings []string `json:"warnings,omitempty"`
}

// withDefaults fills in the zero values and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Sessions == 0 {
		o.Sessions = DefaultSessions
	}
	if o.Requests == 0 {
		o.Requests = DefaultRequests
	}
	if o.ValueSize == 0 {
		o.ValueSize = DefaultValueSize
	}
	if o.Pipeline == 0 {
		o.Pipeline = 1
	}
	if o.Store == "" {
		o.Store = DefaultStore
	}
	if len(o.Tests) == 0 {
		o.Tests = []string{TestSet, TestGet}
	}
	switch {
	case o.Sessions < 0:
		return o, fmt.Errorf("bench: %d sessions: give at least 1", o.Sessions)
	case o.Requests < 0:
		return o, fmt.Errorf("bench: %d requests: give at least 1", o.Requests)
	case o.ValueSize < 0 || o.ValueSize > 4<<20:
		return o, fmt.Errorf("bench: value size %d: give 1 to %d bytes", o.ValueSize, 4<<20)
	case o.Pipeline < 0 || o.Pipeline > MaxPipeline:
		return o, fmt.Errorf("bench: pipeline %d: give 1 to %d requests in flight", o.Pipeline, MaxPipeline)
	case o.Keyspace < 0:
		return o, fmt.Errorf("bench: keyspace %d: must not be negative", o.Keyspace)
	}
	for _, t := range o.Tests {
		if _, ok := opNames[t]; !ok {
			return o, fmt.Errorf("bench: unknown test %q (give %s)", t, strings.Join(AllTests, ", "))
		}
	}
	return o, nil
}

// Run connects the sessions, runs the tests in order (set, get, update)
// and returns their results; progress, when not nil, gets each result as
// its test ends. Before get (or update) without set, the keys are written
// once, unmeasured, so that reads find values of ValueSize bytes.
func Run(ctx context.Context, o Options, progress func(Result)) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: o}
	sessions, throttled, err := connectAll(ctx, o)
	// Cancelling ctx cuts the connections, which ends the reads waiting
	// on them.
	stop := context.AfterFunc(ctx, func() {
		for _, s := range sessions {
			_ = s.ws.Close()
		}
	})
	defer func() {
		stop()
		for _, s := range sessions {
			s.close()
		}
	}()
	if err != nil {
		return rep, err
	}
	if throttled {
		rep.Warnings = append(rep.Warnings, "the daemon throttles (hello says throttle: true): the figures measure Roblox's budgets, not the daemon; start it with --throttle off")
	}
	value := makeValue(o.ValueSize)
	seeded := false
	for _, t := range AllTests {
		if !slices.Contains(o.Tests, t) {
			continue
		}
		if t != TestSet && !seeded {
			if _, err := runTest(ctx, o, sessions, seedTest, value); err != nil {
				return rep, fmt.Errorf("bench: writing the keys before %s: %w", t, err)
			}
		}
		seeded = true
		r, err := runTest(ctx, o, sessions, t, value)
		if err != nil {
			return rep, err
		}
		if r.budgeted && !throttled {
			throttled = true
			rep.Warnings = append(rep.Warnings, "replies carry finite budgets: the daemon throttles, and the figures measure Roblox's budgets; start it with --throttle off")
		}
		rep.Results = append(rep.Results, r.Result)
		if progress != nil {
			progress(r.Result)
		}
	}
	return rep, nil
}

// seedTest writes every key of the keyspace once, in order (not measured).
const seedTest = "seed"

// makeValue is a JSON value whose compact encoding is n bytes.
func makeValue(n int) []byte {
	if n < 2 {
		return []byte("0")
	}
	v := bytes.Repeat([]byte("x"), n)
	v[0], v[n-1] = '"', '"'
	return v
}

// wsURL turns the daemon's address into its WebSocket URL.
func wsURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bench: --url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("bench: --url %q: use http:// or ws://", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/ws"
	}
	return u.String(), nil
}

// session is one connection and its hello.
type session struct {
	ws  *websocket.Conn
	in  bytes.Buffer // the reply being read
	out []byte       // the request being built
	rng *rand.Rand
}

// connectAll dials every session, in parallel, and says hello on each.
func connectAll(ctx context.Context, o Options) ([]*session, bool, error) {
	u, err := wsURL(o.URL)
	if err != nil {
		return nil, false, err
	}
	h := http.Header{}
	if o.Token != "" {
		h.Set("Authorization", "Bearer "+o.Token)
	}
	hello := []byte(`{"id":0,"op":"hello","args":{"protocol":1,"client":"bench"`)
	if o.Universe > 0 {
		hello = append(append(hello, `,"universeId":`...), strconv.FormatInt(o.Universe, 10)...)
	}
	hello = append(hello, "}}"...)

	sessions := make([]*session, o.Sessions)
	errs := make([]error, o.Sessions)
	var throttled atomic.Bool
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := websocket.Dialer{HandshakeTimeout: handshakeTimeout, ReadBufferSize: 16 << 10, WriteBufferSize: 16 << 10}
			ws, resp, err := d.DialContext(ctx, u, h)
			if err != nil {
				if resp != nil {
					err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
				}
				errs[i] = fmt.Errorf("bench: dial %s: %w", u, err)
				return
			}
			s := &session{ws: ws, rng: rand.New(rand.NewPCG(uint64(i)+1, uint64(time.Now().UnixNano())))}
			sessions[i] = s
			if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
				errs[i] = fmt.Errorf("bench: hello: %w", err)
				return
			}
			b, err := s.read()
			if err != nil {
				errs[i] = fmt.Errorf("bench: hello: %w", err)
				return
			}
			var r struct {
				OK     bool `json:"ok"`
				Result struct {
					Throttle bool `json:"throttle"`
				} `json:"result"`
				Error *struct {
					Text string `json:"text"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &r); err != nil || !r.OK {
				msg := string(b)
				if r.Error != nil {
					msg = r.Error.Text
				}
				errs[i] = fmt.Errorf("bench: hello refused: %s", msg)
				return
			}
			if r.Result.Throttle {
				throttled.Store(true)
			}
		}()
	}
	wg.Wait()
	var live []*session
	for _, s := range sessions {
		if s != nil {
			live = append(live, s)
		}
	}
	return live, throttled.Load(), errors.Join(errs...)
}

// read reads one frame into the session's buffer.
func (s *session) read() ([]byte, error) {
	_, r, err := s.ws.NextReader()
	if err != nil {
		return nil, err
	}
	s.in.Reset()
	if _, err := s.in.ReadFrom(r); err != nil {
		return nil, err
	}
	return s.in.Bytes(), nil
}

// close says goodbye with a close frame and cuts the connection.
func (s *session) close() {
	_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = s.ws.Close()
}

// testResult is a Result and what the run learnt on the way.
type testResult struct {
	Result
	budgeted bool // a reply carried finite budgets
}

// runTest runs one test over every session and gathers the results.
func runTest(ctx context.Context, o Options, sessions []*session, test string, value []byte) (testResult, error) {
	n := o.Requests
	keys := max(o.Keyspace, 1)
	if test == seedTest {
		n = keys
	}
	var claimed atomic.Int64
	claim := func() (int64, bool) {
		i := claimed.Add(1) - 1
		return i, i < int64(n)
	}
	type out struct {
		lat       []time.Duration
		errors    int
		firstErr  string
		conflicts int
		budgeted  bool
		err       error
	}
	outs := make([]out, len(sessions))
	// The sessions start together: each connection is ready, so the clock
	// starts when the first request can leave.
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{s: s, o: o, test: test, value: value, keys: keys, claim: claim, lat: make([]time.Duration, 0, min(n/len(sessions)+1, 1<<20))}
			<-start
			err := w.run(ctx)
			outs[i] = out{w.lat, w.errors, w.firstErr, w.conflicts, w.budgeted, err}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)

	r := testResult{Result: Result{Test: test, Op: opNames[test], Elapsed: elapsed}}
	var all []time.Duration
	var errs []error
	for _, o := range outs {
		all = append(all, o.lat...)
		r.Errors += o.errors
		r.Conflicts += o.conflicts
		r.budgeted = r.budgeted || o.budgeted
		if r.FirstError == "" {
			r.FirstError = o.firstErr
		}
		if o.err != nil {
			errs = append(errs, o.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("bench: %s: %w", test, err)
	}
	r.Requests = len(all)
	r.P50, r.P99, r.Max = percentiles(all)
	return r, nil
}

// percentiles returns the 50th and 99th percentiles and the maximum (the
// nearest-rank method: the smallest latency that p of the requests do not
// exceed).
func percentiles(lat []time.Duration) (p50, p99, mx time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lat)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(lat)))) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	return rank(0.50), rank(0.99), lat[len(lat)-1]
}

// worker runs one test on one session.
type worker struct {
	s     *session
	o     Options
	test  string
	value []byte
	keys  int
	claim func() (int64, bool)

	lat       []time.Duration
	errors    int
	firstErr  string
	conflicts int
	budgeted  bool
	checked   bool // the budgets of a reply have been looked at

	slots []slot
	free  []int
	seq   uint64
}

// slot is one request in flight. Request ids are slot + P*seq, so that a
// reply's id names its slot; a slot is reused only after its reply.
type slot struct {
	start time.Time
	key   int64
	phase int // update: 0 reading, 1 committing
}

func (w *worker) run(ctx context.Context) error {
	p := w.o.Pipeline
	w.slots = make([]slot, p)
	w.free = make([]int, 0, p)
	for i := p - 1; i >= 0; i-- {
		w.free = append(w.free, i)
	}
	inFlight := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		for len(w.free) > 0 {
			i, ok := w.claim()
			if !ok {
				break
			}
			sl := w.free[len(w.free)-1]
			w.free = w.free[:len(w.free)-1]
			key := i
			if w.test != seedTest {
				key = int64(w.s.rng.IntN(w.keys))
			}
			w.slots[sl] = slot{start: time.Now(), key: key}
			op := w.test
			if op == TestUpdate {
				op = "read"
			}
			if err := w.send(sl, op, key, ""); err != nil {
				return err
			}
			inFlight++
		}
		if inFlight == 0 {
			return nil
		}
		b, err := w.s.read()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("reading a reply: %w", err)
		}
		done, err := w.receive(b)
		if err != nil {
			return err
		}
		if done >= 0 {
			inFlight--
			w.free = append(w.free, done)
		}
	}
}

// send writes one request of slot sl.
func (w *worker) send(sl int, op string, key int64, token string) error {
	w.seq++
	id := uint64(sl) + uint64(len(w.slots))*w.seq
	b := append(w.s.out[:0], `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	switch op {
	case TestGet:
		b = append(b, `,"op":"GetAsync"`...)
	case TestSet, seedTest:
		b = append(b, `,"op":"SetAsync"`...)
	case "read":
		b = append(b, `,"op":"ReadForUpdate"`...)
	case "commit":
		b = append(b, `,"op":"CommitUpdate"`...)
	}
	b = append(b, `,"args":{"store":`...)
	b = strconv.AppendQuote(b, w.o.Store)
	b = append(b, `,"key":"key:`...)
	b = strconv.AppendInt(b, key, 10)
	b = append(b, '"')
	switch op {
	case TestSet, seedTest:
		b = append(b, `,"value":`...)
		b = append(b, w.value...)
	case "commit":
		b = append(b, `,"token":`...)
		b = strconv.AppendQuote(b, token)
		b = append(b, `,"value":`...)
		b = append(b, w.value...)
	}
	b = append(b, "}}"...)
	w.s.out = b // keep the grown buffer for the next frame
	return w.s.ws.WriteMessage(websocket.TextMessage, b)
}

var (
	idPrefix = []byte(`{"id":`)
	okTrue   = []byte(`,"ok":true`)
	noBudget = []byte(`"budgets":{}`)
)

// receive handles one reply. It returns the slot it frees, or -1 when the
// slot goes on (an update's read, answered by its commit).
func (w *worker) receive(b []byte) (int, error) {
	id, rest, ok := replyID(b)
	if !ok {
		return -1, fmt.Errorf("a reply without a numeric id: %.200s", b)
	}
	sl := int(id % uint64(len(w.slots)))
	if !w.checked {
		w.checked = true
		w.budgeted = !bytes.Contains(b, noBudget)
	}
	if !bytes.HasPrefix(rest, okTrue) {
		w.fail(b)
		w.record(sl)
		return sl, nil
	}
	if w.test != TestUpdate {
		w.record(sl)
		return sl, nil
	}
	// UpdateAsync: a read is followed by its commit; a commit that finds
	// the key changed is retried with the fresh token, as the client's
	// UpdateAsync runs the transform again.
	var r struct {
		Result struct {
			Token     string `json:"token"`
			Committed *bool  `json:"committed"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return -1, fmt.Errorf("an UpdateAsync reply that does not decode: %w", err)
	}
	st := &w.slots[sl]
	if st.phase == 1 && r.Result.Committed != nil && *r.Result.Committed {
		w.record(sl)
		return sl, nil
	}
	if st.phase == 1 {
		w.conflicts++
	}
	st.phase = 1
	if err := w.send(sl, "commit", st.key, r.Result.Token); err != nil {
		return -1, err
	}
	return -1, nil
}

// replyID reads the id at the start of a reply ({"id":123,...}) and returns
// what follows it.
func replyID(b []byte) (uint64, []byte, bool) {
	if !bytes.HasPrefix(b, idPrefix) {
		return 0, nil, false
	}
	b = b[len(idPrefix):]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	id, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	return id, b[i:], true
}

func (w *worker) record(sl int) {
	w.lat = append(w.lat, time.Since(w.slots[sl].start))
}

// fail counts an error reply and keeps the text of the first.
func (w *worker) fail(b []byte) {
	w.errors++
	if w.firstErr != "" {
		return
	}
	var r struct {
		Error struct {
			Text string `json:"text"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &r) == nil && r.Error.Text != "" {
		w.firstErr = r.Error.Text
	} else {
		w.firstErr = string(b)
	}
}

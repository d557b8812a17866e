package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/server"
)

// No goroutine of the daemon, its connections or its store outlives Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test ops: a handler that panics and one that fails with an error outside
// the catalogue. Registered before any server is built.
func init() {
	dispatch.Register(
		dispatch.Op{Name: "TestPanic", Doc: "test: panics", Handle: func(context.Context, *dispatch.Dispatcher, *dispatch.Session, json.RawMessage) (any, error) {
			panic("boom")
		}},
		dispatch.Op{Name: "TestPlainError", Doc: "test: a non-catalogue error", Handle: func(context.Context, *dispatch.Dispatcher, *dispatch.Session, json.RawMessage) (any, error) {
			return nil, errors.New("disk on fire")
		}},
	)
}

// testGate is a dispatch gate that can hold calls by key, counts them,
// reports budgets, pushes notices and records session events.
type testGate struct {
	mu       sync.Mutex
	hold     map[string]chan struct{} // key -> closed to release
	holdAll  chan struct{}            // when set, every call waits for it
	events   []string
	budgets  map[string]int64
	noticeOn bool

	inside    atomic.Int64
	maxInside atomic.Int64
}

func newTestGate() *testGate { return &testGate{hold: map[string]chan struct{}{}} }

// holdKey makes calls on key wait until the returned func is called.
func (g *testGate) holdKey(key string) func() {
	ch := make(chan struct{})
	g.mu.Lock()
	g.hold[key] = ch
	g.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (g *testGate) holdEverything() func() {
	ch := make(chan struct{})
	g.mu.Lock()
	g.holdAll = ch
	g.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (g *testGate) Admit(ctx context.Context, s *dispatch.Session, c *dispatch.Call) error {
	n := g.inside.Add(1)
	defer g.inside.Add(-1)
	for {
		m := g.maxInside.Load()
		if n <= m || g.maxInside.CompareAndSwap(m, n) {
			break
		}
	}
	g.mu.Lock()
	ch := g.hold[c.Key]
	all := g.holdAll
	notice := g.noticeOn
	g.mu.Unlock()
	if notice {
		s.Push(dispatch.Notice{Kind: "budget", Data: map[string]any{"key": c.Key}})
	}
	for _, w := range []chan struct{}{ch, all} {
		if w == nil {
			continue
		}
		select {
		case <-w:
		case <-ctx.Done():
			return dserr.New(dserr.ProtocolShuttingDown)
		}
	}
	return nil
}

func (g *testGate) Done(*dispatch.Session, *dispatch.Call, int) {}

func (g *testGate) Budgets(*dispatch.Session) map[string]int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.budgets
}

func (g *testGate) record(e string) {
	g.mu.Lock()
	g.events = append(g.events, e)
	g.mu.Unlock()
}

func (g *testGate) SessionOpened(s *dispatch.Session) { g.record("opened " + s.ID) }
func (g *testGate) SessionClosed(s *dispatch.Session) { g.record("closed " + s.ID) }
func (g *testGate) PlayersChanged(s *dispatch.Session) {
	g.record("players " + s.ID + " " + itoa(s.Players()))
}

func (g *testGate) eventList() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.events...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wireReply is a reply or notice frame as the tests see it.
type wireReply struct {
	ID      json.RawMessage  `json:"id"`
	OK      bool             `json:"ok"`
	Result  json.RawMessage  `json:"result"`
	Error   *client.Error    `json:"error"`
	Now     int64            `json:"now"`
	Budgets map[string]int64 `json:"budgets"`
	Notices []client.Notice  `json:"notices"`
	Notice  string           `json:"notice"`
}

// rawWS is a bare WebSocket connection, to send exactly the bytes a test
// wants.
type rawWS struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, base string, h http.Header) *rawWS {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(strings.Replace(base, "http://", "ws://", 1)+server.PathWS, h)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial: %v %s", err, status)
	}
	t.Cleanup(func() { c.Close() })
	return &rawWS{t: t, conn: c}
}

func (w *rawWS) send(frame string) {
	w.t.Helper()
	if err := w.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

// recvRaw returns the next frame's bytes.
func (w *rawWS) recvRaw() []byte {
	w.t.Helper()
	_ = w.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := w.conn.ReadMessage()
	if err != nil {
		w.t.Fatalf("recv: %v", err)
	}
	return b
}

func (w *rawWS) recv() wireReply {
	w.t.Helper()
	b := w.recvRaw()
	var r wireReply
	if err := json.Unmarshal(b, &r); err != nil {
		w.t.Fatalf("reply %s: %v", b, err)
	}
	return r
}

// call sends a frame and returns the next reply.
func (w *rawWS) call(frame string) wireReply {
	w.t.Helper()
	w.send(frame)
	return w.recv()
}

// closeErr reads until the connection ends and returns the close error.
func (w *rawWS) closeErr() *websocket.CloseError {
	w.t.Helper()
	_ = w.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, _, err := w.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce
	}
}

func (w *rawWS) hello() string {
	w.t.Helper()
	r := w.call(`{"id":"h","op":"hello","args":{"protocol":1,"client":"test"}}`)
	if !r.OK {
		w.t.Fatalf("hello: %+v", r.Error)
	}
	var h server.HelloResult
	_ = json.Unmarshal(r.Result, &h)
	return h.Session
}

// post sends one body to /v1/rpc.
func post(t *testing.T, base, session, body string, h http.Header) (*http.Response, wireReply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+server.PathRPC, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if session != "" {
		req.Header.Set(server.SessionHeader, session)
	}
	return do(t, req)
}

var testHTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func do(t *testing.T, req *http.Request) (*http.Response, wireReply) {
	t.Helper()
	resp, err := testHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r wireReply
	if resp.Header.Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("reply %s: %v", b, err)
		}
	}
	return resp, r
}

func httpHello(t *testing.T, base string, h http.Header) string {
	t.Helper()
	resp, r := post(t, base, "", `{"id":1,"op":"hello","args":{"protocol":1}}`, h)
	if !r.OK {
		t.Fatalf("hello: %d %+v", resp.StatusCode, r.Error)
	}
	return resp.Header.Get(server.SessionHeader)
}

// fingerprint hashes every key and value in the store: equal fingerprints
// mean nothing changed.
func fingerprint(t *testing.T, srv *server.Server) string {
	t.Helper()
	h := sha256.New()
	err := srv.Engine().DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			h.Write(item.Key())
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			h.Write(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// compactJSON normalises JSON for comparisons.
func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return buf.String()
}

// lockedWriter lets a test read what a logger wrote.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newBufLogger(mu *sync.Mutex, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{mu, w}, nil))
}

// Package server is the rbxemu daemon's network side: the WebSocket door
// (/v1/ws), its HTTP mirror (/v1/rpc) and the health probes (/healthz,
// /readyz), all in front of one dispatch.Dispatcher. docs/protocol.md is the
// specification of what travels.
//
// Usage:
//
//	srv, err := server.New(server.Options{Addr: "127.0.0.1:34890", DataDir: dir})
//	if err != nil { ... }
//	if err := srv.Start(); err != nil { ... }
//	fmt.Println(srv.Banner()) // rbxemu dev listening on ws://127.0.0.1:34890/v1/ws and ...
//	...
//	srv.Close() // stop accepting, finish requests in flight, close frames, close the store
//
// In tests, servertest.Start starts one in memory on a free port and closes
// it when the test ends.
//
// Shutdown is graceful: new requests are refused with ShuttingDown, requests
// in flight finish within the grace period and their replies are sent, every
// WebSocket client gets a close frame (1001), and the store is flushed and
// closed last, so that no acknowledged write is lost.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/opencloud"
)

// Defaults of Options.
const (
	// DefaultAddr is where the daemon listens unless told otherwise:
	// loopback only (design, "Safety").
	DefaultAddr = "127.0.0.1:34890"
	// DefaultShutdownGrace is how long Close lets requests in flight finish.
	DefaultShutdownGrace = 5 * time.Second
	// DefaultSessionIdle is how long an HTTP session lives without a
	// request. It is measured in real time, never on the virtual clock: a
	// test that moves the clock by a day must not lose its session.
	DefaultSessionIdle = 10 * time.Minute
)

// Paths the server answers.
const (
	PathWS      = "/v1/ws"
	PathRPC     = "/v1/rpc"
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
)

// SessionHeader names an HTTP session after hello.
const SessionHeader = "X-Rbxemu-Session"

// Options configures a Server.
type Options struct {
	// Addr is the host:port to listen on (default DefaultAddr). Port 0
	// picks a free port; Addr reports which.
	Addr string
	// Engine is an open engine to serve; the server does not close it. When
	// nil, the server opens one from DataDir/InMemory/Clock and closes it
	// last on shutdown.
	Engine *engine.Engine
	// DataDir is the badger directory (ignored with InMemory or Engine).
	DataDir string
	// InMemory keeps all data in memory.
	InMemory bool
	// Clock is the time source of a server-opened engine (nil: real time).
	Clock clock.Clock
	// Gate is the throttling gate handed to the dispatcher (nil: none).
	Gate dispatch.Gate
	// Throttle says whether throttling is on (--throttle); hello reports it.
	Throttle bool
	// Token, when set, is required on every door (docs/protocol.md, "Auth").
	Token string
	// APIKey, when set, is the x-api-key the Open Cloud door requires
	// (docs/opencloud.md); otherwise it takes any key.
	APIKey string
	// Logger receives the daemon's log (nil: discarded).
	Logger *slog.Logger
	// Version is the daemon's version, as hello and the banner show it.
	Version string
	// ShutdownGrace bounds Close (default DefaultShutdownGrace).
	ShutdownGrace time.Duration
	// SessionIdle is how long an unused HTTP session is kept (default
	// DefaultSessionIdle).
	SessionIdle time.Duration
	// WSReadTimeout is how long a WebSocket may stay silent (no frame, no
	// pong) before it is dropped (default 60 s). WSPingPeriod is how often
	// the server pings a WebSocket client (default nine tenths of the read
	// timeout); clients whose hello says client "lune" are never pinged
	// (docs/protocol.md, "Keepalive"). Both are settable so that tests of
	// keepalive take seconds.
	WSReadTimeout time.Duration
	WSPingPeriod  time.Duration
}

// Server is the daemon: listener, doors, sessions and (unless given one)
// the engine. Its methods are safe for concurrent use.
type Server struct {
	opts       Options
	log        *slog.Logger
	eng        *engine.Engine
	ownsEngine bool
	clock      clock.Clock
	disp       *dispatch.Dispatcher
	knownOps   map[string]bool
	mux        *http.ServeMux
	http       *http.Server
	sessions   *httpSessions
	openCloud  *opencloud.Handler
	lim        limits // ws.go

	// base is the parent of every request context; cancelled when the
	// grace period ends, which unblocks anything still waiting (a gate's
	// queue, a slow client).
	base       context.Context
	cancelBase context.CancelFunc

	mu       sync.Mutex
	ln       net.Listener
	started  bool
	draining bool // no new requests: they get ShuttingDown
	closing  bool // no new connections or goroutines
	active   int  // requests in flight, both doors
	idle     chan struct{}
	conns    map[*wsConn]struct{}
	// wg counts every goroutine the server starts. Add happens under mu
	// with closing false, or from a goroutine already counted, so Wait in
	// shutdown never races an Add from zero.
	wg sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// New builds a server and, unless Options.Engine is set, opens its store.
// It does not listen yet: see Start.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = DefaultSessionIdle
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: o, log: log, eng: o.Engine, lim: defaultLimits, conns: map[*wsConn]struct{}{}, idle: make(chan struct{})}
	if o.WSReadTimeout > 0 {
		s.lim.pongWait, s.lim.pingPeriod = o.WSReadTimeout, o.WSReadTimeout*9/10
	}
	if o.WSPingPeriod > 0 {
		s.lim.pingPeriod = o.WSPingPeriod
	}
	if s.eng == nil {
		e, err := engine.Open(engine.Options{Dir: o.DataDir, InMemory: o.InMemory, Clock: o.Clock, Logger: log})
		if err != nil {
			return nil, err
		}
		s.eng, s.ownsEngine = e, true
	}
	s.clock = s.eng.Clock()
	s.disp = &dispatch.Dispatcher{Engine: s.eng, Gate: o.Gate, Clock: s.clock}
	s.knownOps = map[string]bool{}
	for _, op := range dispatch.Ops() {
		s.knownOps[op] = true
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.sessions = newHTTPSessions(s)

	s.mux = http.NewServeMux()
	s.mux.HandleFunc(PathHealthz, s.healthz)
	s.mux.HandleFunc(PathReadyz, s.readyz)
	s.mux.HandleFunc(PathWS, s.serveWS)
	s.mux.HandleFunc(PathRPC, s.serveRPC)
	s.openCloud = opencloud.New(opencloud.Options{Dispatcher: s.disp, APIKey: o.APIKey, Token: o.Token, Origin: s.originAllowed, Logger: log})
	for _, p := range opencloud.Prefixes {
		s.mux.Handle(p, s.openCloud)
	}
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	s.installAdmin() // the harness controls: admin.go
	return s, nil
}

// Handle adds a route (another door: Open Cloud, admin) before Start. The
// handler is served as given: it does its own auth.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the server's whole HTTP handler, for embedding or for tests
// that drive it without a listener.
func (s *Server) Handler() http.Handler { return s.mux }

// Engine is the engine the server serves.
func (s *Server) Engine() *engine.Engine { return s.eng }

// Dispatcher is the command table runner both doors use.
func (s *Server) Dispatcher() *dispatch.Dispatcher { return s.disp }

// Clock is the emulator clock (a *clock.Manual under a virtual clock).
func (s *Server) Clock() clock.Clock { return s.clock }

// Start listens on Options.Addr and serves in the background. The server
// accepts connections as soon as Start returns.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closing {
		return errors.New("server: Start called twice or after Close")
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	s.ln, s.started = ln, true
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.sessions.janitor(s.base)
	}()
	s.log.Info("listening", "addr", ln.Addr().String(), "data", s.Where(), "clock", s.clockName(), "throttle", s.opts.Throttle, "token", s.opts.Token != "")
	return nil
}

// Addr is the address the server listens on (host:port), or Options.Addr
// before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.opts.Addr
}

// port is the listening port, for the Origin check.
func (s *Server) port() string {
	_, p, _ := net.SplitHostPort(s.Addr())
	return p
}

// URL is the base HTTP URL, e.g. http://127.0.0.1:34890.
func (s *Server) URL() string { return "http://" + s.Addr() }

// WSURL is the WebSocket URL, e.g. ws://127.0.0.1:34890/v1/ws.
func (s *Server) WSURL() string { return "ws://" + s.Addr() + PathWS }

// Where says where the data lives.
func (s *Server) Where() string {
	if s.ownsEngine && s.opts.InMemory {
		return "in memory, nothing is kept after exit"
	}
	return s.eng.Where()
}

// Banner is the one line the daemon prints when it is ready.
func (s *Server) Banner() string {
	return fmt.Sprintf("rbxemu %s listening on %s and %s (data: %s)", s.opts.Version, s.WSURL(), s.URL(), s.Where())
}

func (s *Server) clockName() string {
	if s.clock.Virtual() {
		return "virtual"
	}
	return "real"
}

// begin admits one request; false while shutting down. Every true is paired
// with end.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.active++
	return true
}

func (s *Server) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.active == 0 && s.draining {
		s.closeIdleLocked()
	}
}

func (s *Server) closeIdleLocked() {
	select {
	case <-s.idle:
	default:
		close(s.idle)
	}
}

// Close shuts down within Options.ShutdownGrace. Safe to call twice; a
// second call waits for the first and returns its result.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownGrace)
	defer cancel()
	return s.Shutdown(ctx)
}

// Shutdown stops the server gracefully; when ctx ends first, whatever is
// still running is cancelled and its connections are cut. The store is
// closed last in either case. Safe to call twice.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown(ctx) })
	return s.closeErr
}

func (s *Server) shutdown(ctx context.Context) error {
	// 1. Refuse new work: /readyz turns 503, requests get ShuttingDown.
	s.mu.Lock()
	s.draining = true
	if s.active == 0 {
		s.closeIdleLocked()
	}
	s.mu.Unlock()
	s.log.Info("shutting down")

	// 2. Stop accepting. http.Server.Shutdown closes the listener and waits
	// for HTTP requests in flight; hijacked WebSocket connections are ours.
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.Shutdown(ctx) }()

	// 3. Let requests in flight on both doors finish; their replies are
	// queued before they count as done.
	select {
	case <-s.idle:
	case <-ctx.Done():
	}

	// 4. A close frame to every WebSocket client, after its queued replies.
	s.mu.Lock()
	s.closing = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(closeGoingAway, "rbxemu is shutting down")
	}
	for _, c := range conns {
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}

	// 5. Out of time: cancel what still waits and cut the connections.
	graceful := ctx.Err() == nil
	if !graceful {
		s.log.Warn("shutdown grace period over; cutting connections")
		s.cancelBase()
		for _, c := range conns {
			c.cut()
		}
		_ = s.http.Close()
	}
	<-httpDone
	s.cancelBase() // stops the session janitor
	s.wg.Wait()
	// http.Server.Close does not wait for handlers: the engine must not
	// close under an HTTP request still inside it. Everything that waits
	// is cancelled by now, so this is short.
	<-s.idle

	// 6. Sessions end before the store closes, so that a gate can settle.
	// (WebSocket sessions ended with their connections, counted by wg.)
	s.sessions.closeAll()
	s.openCloud.Close()
	if c, ok := s.opts.Gate.(io.Closer); ok {
		_ = c.Close() // fails any call still queued (none by now, normally)
	}

	// 7. Flush and close the store last: every acknowledged write is in it.
	var err error
	if s.ownsEngine {
		err = s.eng.Close()
	}
	s.log.Info("stopped", "graceful", graceful)
	return err
}

// healthz: the process is alive and serving HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz: the engine is open and the server accepts requests.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case draining:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
	case s.eng.DB().IsClosed():
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store closed\n"))
	default:
		_, _ = w.Write([]byte("ready\n"))
	}
}

// newID returns a random identifier of n bytes in hex.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newJobID returns a GUID-shaped job id, as Roblox's game.JobId is.
func newJobID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newSession builds a dispatch session from hello's parameters.
func (s *Server) newSession(p helloParams, transport string) *dispatch.Session {
	sess := &dispatch.Session{
		ID:         newID(12),
		Universe:   p.Universe,
		PlaceID:    p.PlaceID,
		JobID:      p.JobID,
		ClientKind: p.Client,
		Transport:  transport,
	}
	if sess.JobID == "" {
		sess.JobID = newJobID()
	}
	sess.SetPlayers(p.Players)
	return sess
}

func (s *Server) helloResult(sess *dispatch.Session) HelloResult {
	return HelloResult{
		Session:  sess.ID,
		Protocol: ProtocolVersion,
		Server:   "rbxemu " + s.opts.Version,
		Clock:    s.clockName(),
		JobID:    sess.JobID,
		Throttle: s.opts.Throttle,
	}
}

// budgets is the budget map of a reply: {} without a session or a gate that
// keeps budgets.
func (s *Server) budgets(sess *dispatch.Session) map[string]int64 {
	if sess != nil {
		if b := s.disp.Budgets(sess); b != nil {
			return b
		}
	}
	return noBudgets
}

// noBudgets is the budget map of a reply without budgets. It is shared by
// every such reply, which only encode it: never write to it.
var noBudgets = map[string]int64{}

// now is the emulator clock in Unix ms.
func (s *Server) now() int64 { return s.clock.Now().UnixMilli() }

// runOp runs a dispatch op, turning a panic into InternalServerError.
func (s *Server) runOp(ctx context.Context, sess *dispatch.Session, req request) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, panicError(s.log, req.Op, p)
		}
	}()
	return s.disp.Handle(ctx, sess, req.Op, req.Args)
}

// finish shapes the reply of a request: result or error, now and budgets.
func (s *Server) finish(id []byte, op string, sess *dispatch.Session, res any, err error) reply {
	r := reply{ID: id}
	if err != nil {
		we, _ := errorOf(s.log, op, err)
		r.Error = we
	} else {
		r.OK = true
		r.Result = res
		if res == nil {
			r.Result = emptyResult
		}
	}
	r.Now = s.now()
	r.Budgets = s.budgets(sess)
	return r
}

// errReply is the reply to a request refused before it ran.
func (s *Server) errReply(id []byte, sess *dispatch.Session, de *dserr.Error) reply {
	return s.finish(id, "", sess, nil, de)
}

// encodeReply encodes a reply; a result that cannot be encoded (a bug)
// becomes InternalServerError.
func (s *Server) encodeReply(r reply, op string) []byte {
	return s.appendEncodedReply(make([]byte, 0, 512), r, op)
}

// appendEncodedReply appends the encoding of r to dst: appendReply
// (fastjson.go), or encodeJSON where appendReply does not apply.
func (s *Server) appendEncodedReply(dst []byte, r reply, op string) []byte {
	b, ok, err := appendReply(dst, &r)
	if ok {
		return b
	}
	if err == nil {
		if b, err = encodeJSON(r); err == nil {
			return append(dst, b...)
		}
	}
	s.log.Error("reply does not encode", "op", op, "err", err)
	r.OK, r.Result = false, nil
	r.Error, _ = errorOf(s.log, op, dserr.New(dserr.InternalServerError).WithContext(op, ""))
	b, _ = encodeJSON(r)
	return append(dst, b...)
}

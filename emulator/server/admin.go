package server

// The harness controls of docs/harness.md on the server's side: the
// session registry, the request monitor, and the /_emulator/... HTTP
// routes (JSON in and out; export and the monitor stream). The controls
// themselves are dispatch ops (cmd_harness.go) and emulator/admin; this
// file gives them their doors, and their Go methods on *Server.
//
// The monitor is bounded: every subscriber has a queue of its own, and an
// event that finds it full is dropped and counted (each event carries the
// count so far). A slow subscriber loses events; it never slows a game
// session, whose call only ever does a non-blocking send.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

// PathAdmin is the prefix of the harness's HTTP routes.
const PathAdmin = "/_emulator/"

// Monitor tuning.
const (
	// DefaultMonitorBuffer is how many events a subscriber may be behind
	// before events are dropped for it.
	DefaultMonitorBuffer = 1024
	// QueuedAfter is how long a call must wait in the throttle gate to
	// count as queued: a call with budget passes the gate in microseconds,
	// one that queues waits for budget to refill (or for a virtual clock
	// to move).
	QueuedAfter = 5 * time.Millisecond
)

// installAdmin gives the dispatcher its fault rules and observer and adds
// the /_emulator/ routes. New calls it once the HTTP server exists.
func (s *Server) installAdmin() {
	m := &monitor{srv: s, sessions: map[string]*dispatch.Session{}, subs: map[*Subscription]struct{}{}}
	s.disp.Faults = faults.New()
	s.disp.Observer = m
	s.http.RegisterOnShutdown(m.shutdown)
	s.mux.HandleFunc(PathAdmin, s.serveAdmin)
}

// mon is the server's monitor.
func (s *Server) mon() *monitor {
	m, _ := s.disp.Observer.(*monitor)
	return m
}

// Faults is the daemon's fault rules (docs/harness.md, "Faults").
func (s *Server) Faults() *faults.Set { return s.disp.Faults }

// Sessions lists the connected game servers, oldest first.
func (s *Server) Sessions() []dispatch.SessionInfo { return s.disp.Sessions() }

// Reset empties the store, or one universe of it.
func (s *Server) Reset(universe *int64) error { return s.eng.Reset(universe) }

// Export writes the store as an export document.
func (s *Server) Export(w io.Writer, opt admin.ExportOptions) (admin.ExportStats, error) {
	return admin.Export(s.eng, w, opt)
}

// Import loads an export document (rbxemu or MockDataStoreService format).
func (s *Server) Import(src admin.Source, opt admin.ImportOptions) (admin.ImportStats, error) {
	return admin.Import(s.eng, src, opt)
}

// Monitor subscribes to the request monitor: an event for every DataStore
// call of every session, until Close. buffer bounds how far the reader may
// fall behind (0: DefaultMonitorBuffer); beyond it events are dropped and
// counted.
func (s *Server) Monitor(buffer int) *Subscription { return s.mon().subscribe(buffer) }

// MonitorEvent is one DataStore call as the monitor reports it.
type MonitorEvent struct {
	Time     string `json:"time"` // when the call arrived, RFC 3339, real time
	Now      int64  `json:"now"`  // the daemon clock when it ended, Unix ms
	Session  string `json:"session"`
	JobID    string `json:"jobId"`
	Universe int64  `json:"universeId"`
	Client   string `json:"client"`
	Op       string `json:"op"`
	Store    string `json:"store"`
	Scope    string `json:"scope"`
	Key      string `json:"key"`
	Ordered  bool   `json:"ordered,omitempty"`
	// OK is true when the call succeeded; Error is its error otherwise.
	OK    bool       `json:"ok"`
	Error *wireError `json:"error,omitempty"`
	// LatencyMs is the call's whole time; WaitMs the part it spent in the
	// throttle gate. Queued says it waited for budget (WaitMs of
	// QueuedAfter or more); Throttled that it failed with a throttling
	// error.
	LatencyMs float64 `json:"latencyMs"`
	WaitMs    float64 `json:"waitMs"`
	Queued    bool    `json:"queued"`
	Throttled bool    `json:"throttled"`
	// Budget is what is left of the budgets the call consumed, after it.
	Budget map[string]int64 `json:"budget,omitempty"`
	// Faults names the fault rules that fired on the call ("f1:drop").
	Faults []string `json:"faults,omitempty"`
	// Dropped counts the events this subscriber lost so far.
	Dropped int64 `json:"dropped"`
}

// Subscription receives monitor events on C until Close (or the daemon's
// shutdown) closes it.
type Subscription struct {
	C       <-chan MonitorEvent
	ch      chan MonitorEvent
	m       *monitor
	dropped atomic.Int64
	once    sync.Once
}

// Dropped counts the events lost because C was full.
func (sub *Subscription) Dropped() int64 { return sub.dropped.Load() }

// Close ends the subscription and closes C. Safe to call twice.
func (sub *Subscription) Close() { sub.m.unsubscribe(sub) }

// monitor is the dispatcher's Observer: the session registry and the
// subscribers of the request monitor.
type monitor struct {
	srv *Server

	mu       sync.RWMutex
	sessions map[string]*dispatch.Session
	subs     map[*Subscription]struct{}
	closed   bool
	watching atomic.Int64 // len(subs)
}

func (m *monitor) subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultMonitorBuffer
	}
	ch := make(chan MonitorEvent, buffer)
	sub := &Subscription{C: ch, ch: ch, m: m}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		sub.once.Do(func() { close(ch) })
		return sub
	}
	m.subs[sub] = struct{}{}
	m.watching.Store(int64(len(m.subs)))
	return sub
}

func (m *monitor) unsubscribe(sub *Subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[sub]; ok {
		delete(m.subs, sub)
		m.watching.Store(int64(len(m.subs)))
	}
	sub.once.Do(func() { close(sub.ch) })
}

// shutdown closes every subscription (the daemon is stopping): monitor
// streams end, so they do not hold the shutdown up.
func (m *monitor) shutdown() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for sub := range m.subs {
		delete(m.subs, sub)
		sub.once.Do(func() { close(sub.ch) })
	}
	m.watching.Store(0)
}

func (m *monitor) Watching() bool { return m.watching.Load() > 0 }

// Observe fans an event out to the subscribers without ever waiting.
func (m *monitor) Observe(ev *dispatch.CallEvent) {
	if !m.Watching() {
		return
	}
	me := m.event(ev)
	m.mu.RLock()
	defer m.mu.RUnlock()
	for sub := range m.subs {
		e := me
		e.Dropped = sub.dropped.Load()
		select {
		case sub.ch <- e:
		default:
			sub.dropped.Add(1)
		}
	}
}

// event builds the wire form of a call event.
func (m *monitor) event(ev *dispatch.CallEvent) MonitorEvent {
	me := MonitorEvent{
		Time: ev.Start.UTC().Format(time.RFC3339Nano), Now: m.srv.now(),
		Op: ev.Op, Store: ev.Store, Scope: ev.Scope, Key: ev.Key, Ordered: ev.Ordered,
		OK: ev.Err == nil, LatencyMs: ms(ev.Latency), WaitMs: ms(ev.Wait), Queued: ev.Wait >= QueuedAfter,
		Faults: ev.Faults,
	}
	if s := ev.Session; s != nil {
		me.Session, me.JobID, me.Universe, me.Client = s.ID, s.JobID, s.Universe, s.ClientKind
		if len(ev.RequestTypes) > 0 {
			if all := m.srv.disp.Budgets(s); all != nil {
				me.Budget = map[string]int64{}
				for _, t := range ev.RequestTypes {
					if v, ok := all[t]; ok {
						me.Budget[t] = v
					}
				}
			}
		}
	}
	if ev.Err != nil {
		de := quietError(ev.Err)
		me.Error = &wireError{Code: de.Code, Name: de.Name, Message: de.Message, Text: de.Error()}
		me.Throttled = (de.Code >= 301 && de.Code <= 306) || strings.HasSuffix(de.Name, "Throttled") || strings.HasSuffix(de.Name, "Throttle")
	}
	return me
}

// quietError is errorOf without the logging (the door logs the error when
// it replies).
func quietError(err error) *dserr.Error {
	if de, ok := dserr.As(err); ok {
		return de
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return dserr.New(dserr.ProtocolShuttingDown)
	}
	return dserr.New(dserr.InternalServerError)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (m *monitor) SessionOpened(s *dispatch.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
}

func (m *monitor) SessionClosed(s *dispatch.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, s.ID)
}

// Sessions is the registry (dispatch.SessionLister), in id order; the
// dispatcher sorts it by age.
func (m *monitor) Sessions() []*dispatch.Session {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*dispatch.Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// stateMonitor is the Session.State key of a WebSocket's subscription.
const stateMonitor = "harness.monitor"

// monitorNotice is a monitor event as it travels on a WebSocket.
type monitorNotice struct {
	Kind string        `json:"notice"`
	Data *MonitorEvent `json:"data"`
	Now  int64         `json:"now"`
}

// SubscribeResult is the answer of _emulator.monitor.subscribe.
type SubscribeResult struct {
	Subscribed bool `json:"subscribed"`
	Buffer     int  `json:"buffer"`
}

// UnsubscribeResult is the answer of _emulator.monitor.unsubscribe.
type UnsubscribeResult struct {
	Dropped int64 `json:"dropped"`
}

// monitorOp answers the monitor ops on a WebSocket: subscribe starts a pump
// that forwards the subscription's events to the connection as notices;
// unsubscribe stops it. Runs on the reader goroutine.
func (c *wsConn) monitorOp(req request) bool {
	s := c.srv
	if c.sess == nil {
		c.reply(s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession)), req.Op)
		return true
	}
	var a struct {
		Buffer int `json:"buffer"`
	}
	if perr := decodeStrict(req.Op, req.Args, &a); perr != nil {
		c.reply(s.errReply(req.ID, c.sess, perr), req.Op)
		return true
	}
	if req.Op == dispatch.OpMonitorUnsubscribe {
		var res UnsubscribeResult
		if v, ok := c.sess.State.LoadAndDelete(stateMonitor); ok {
			sub := v.(*Subscription)
			sub.Close()
			res.Dropped = sub.Dropped()
		}
		c.reply(s.finish(req.ID, req.Op, c.sess, res, nil), req.Op)
		return true
	}
	if a.Buffer < 0 || a.Buffer > 1<<16 {
		c.reply(s.errReply(req.ID, c.sess, dserr.New(dserr.ProtocolBadArgument, req.Op, "buffer must be between 1 and 65536 (0: the default)")), req.Op)
		return true
	}
	if v, ok := c.sess.State.Load(stateMonitor); ok {
		c.reply(s.finish(req.ID, req.Op, c.sess, SubscribeResult{Subscribed: true, Buffer: cap(v.(*Subscription).ch)}, nil), req.Op)
		return true
	}
	sub := s.mon().subscribe(a.Buffer)
	c.sess.State.Store(stateMonitor, sub)
	// The reply goes first, so the events follow it.
	c.reply(s.finish(req.ID, req.Op, c.sess, SubscribeResult{Subscribed: true, Buffer: cap(sub.ch)}, nil), req.Op)
	s.wg.Add(1) // from the reader goroutine, which is counted
	go func() {
		defer s.wg.Done()
		defer sub.Close()
		for {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				b, err := encodeJSON(monitorNotice{Kind: "monitor", Data: &ev, Now: s.now()})
				if err != nil {
					c.log.Error("monitor event does not encode", "err", err)
					continue
				}
				// Waiting here holds up only this pump: the events
				// behind it pile up in the subscription and are
				// dropped there. (queued: see wsConn.reply.)
				c.queued.Add(1)
				c.queuedBytes.Add(int64(len(b)))
				select {
				case c.send <- b:
				case <-c.ctx.Done():
					c.queued.Add(-1)
					c.queuedBytes.Add(-int64(len(b)))
					return
				}
			case <-c.ctx.Done():
				return
			}
		}
	}()
	return true
}

// serveAdmin answers the /_emulator/ routes.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if ok, why := s.originAllowed(r); !ok {
		s.log.Warn("admin request refused", "reason", why, "remote", r.RemoteAddr)
		http.Error(w, "rbxemu: "+why, http.StatusForbidden)
		return
	}
	if !s.httpAuthorized(r) {
		s.unauthorized(w)
		return
	}
	route := strings.TrimPrefix(r.URL.Path, PathAdmin)
	type handler struct {
		method string
		fn     func(http.ResponseWriter, *http.Request)
	}
	routes := map[string][]handler{
		"reset":    {{http.MethodPost, s.adminOp("_emulator.reset", true)}},
		"export":   {{http.MethodGet, s.adminExport}},
		"import":   {{http.MethodPost, s.adminImport}},
		"faults":   {{http.MethodGet, s.adminOp("_emulator.faults.list", false)}, {http.MethodPost, s.adminOp("_emulator.faults.add", true)}, {http.MethodDelete, s.adminFaultsClear}},
		"sessions": {{http.MethodGet, s.adminOp("_emulator.sessions", false)}},
		"monitor":  {{http.MethodGet, s.adminMonitor}},
		// The clock and budget controls of docs/throttling.md, as their ops.
		"clock":         {{http.MethodGet, s.adminOp("_emulator.clock", false)}},
		"clock/advance": {{http.MethodPost, s.adminOp("_emulator.clock.advance", true)}},
		"clock/set":     {{http.MethodPost, s.adminOp("_emulator.clock.set", true)}},
		"budgets":       {{http.MethodGet, s.adminOp("_emulator.budgets", false)}},
		"stats":         {{http.MethodGet, s.adminOp("_emulator.stats", false)}},
	}
	hs, ok := routes[route]
	if !ok {
		s.adminError(w, http.StatusNotFound, dserr.New(dserr.ProtocolUnknownOp, r.URL.Path))
		return
	}
	var allowed []string
	for _, h := range hs {
		if h.method == r.Method {
			h.fn(w, r)
			return
		}
		allowed = append(allowed, h.method)
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.adminError(w, http.StatusMethodNotAllowed, dserr.New(dserr.ProtocolMalformed, r.Method+" "+r.URL.Path+": use "+strings.Join(allowed, " or ")))
}

// adminStatus is the HTTP status of an error on an admin route.
func adminStatus(de *dserr.Error) int {
	switch de.ID {
	case dserr.ProtocolMalformed, dserr.ProtocolMissingField, dserr.ProtocolWrongType, dserr.ProtocolUnknownField, dserr.ProtocolBadArgument:
		return http.StatusBadRequest
	case dserr.ProtocolTooLarge:
		return http.StatusRequestEntityTooLarge
	case dserr.ProtocolShuttingDown:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// adminError writes {"error": {...}} with a status (0: from the error).
func (s *Server) adminError(w http.ResponseWriter, status int, err error) {
	we, de := errorOf(s.log, "admin", err)
	if status == 0 {
		status = adminStatus(de)
	}
	s.adminJSON(w, status, map[string]any{"error": we})
}

func (s *Server) adminJSON(w http.ResponseWriter, status int, v any) {
	b, err := encodeJSON(v)
	if err != nil {
		s.log.Error("admin reply does not encode", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":0,"name":"InternalServerError","message":"","text":"reply does not encode"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// adminOp answers a route with the dispatch op of the same control: the
// body (withBody) is the op's arguments, the result is the reply.
func (s *Server) adminOp(op string, withBody bool) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		args := json.RawMessage("{}")
		if withBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxMessageSize+1))
			if err != nil {
				return
			}
			if len(b) > maxMessageSize {
				s.adminError(w, 0, dserr.New(dserr.ProtocolTooLarge, int64(len(b)), maxMessageSize))
				return
			}
			if t := strings.TrimSpace(string(b)); t != "" {
				if !json.Valid(b) || t[0] != '{' {
					s.adminError(w, 0, dserr.New(dserr.ProtocolMalformed, "the body must be one JSON object"))
					return
				}
				args = b
			}
		}
		if !s.begin() {
			s.adminError(w, 0, dserr.New(dserr.ProtocolShuttingDown))
			return
		}
		defer s.end()
		res, err := s.disp.Handle(r.Context(), nil, op, args)
		if err != nil {
			s.adminError(w, 0, err)
			return
		}
		s.adminJSON(w, http.StatusOK, res)
	}
}

// adminFaultsClear: DELETE /_emulator/faults[?id=f1&id=f2].
func (s *Server) adminFaultsClear(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["id"]
	if ids == nil {
		ids = []string{}
	}
	args, _ := json.Marshal(map[string][]string{"ids": ids})
	res, err := s.disp.Handle(r.Context(), nil, "_emulator.faults.clear", args)
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	s.adminJSON(w, http.StatusOK, res)
}

// queryUniverse reads ?universe=N (0 when absent).
func queryUniverse(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("universe")
	if v == "" {
		return 0, nil
	}
	u, err := strconv.ParseInt(v, 10, 64)
	if err != nil || u <= 0 {
		return 0, dserr.New(dserr.ProtocolBadArgument, r.URL.Path, "universe must be a positive integer")
	}
	return u, nil
}

func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, dserr.New(dserr.ProtocolBadArgument, r.URL.Path, name+" must be true or false")
	}
	return b, nil
}

// adminExport: GET /_emulator/export?universe=&store=&versions= streams the
// export document. A failure after the first byte cuts the response, so a
// client never takes a partial document for a whole one.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) {
	u, err := queryUniverse(r)
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	versions, err := queryBool(r, "versions")
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	if !s.begin() {
		s.adminError(w, 0, dserr.New(dserr.ProtocolShuttingDown))
		return
	}
	defer s.end()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="rbxemu-export.json"`)
	if _, err := admin.Export(s.eng, w, admin.ExportOptions{Universe: u, Store: r.URL.Query().Get("store"), Versions: versions}); err != nil {
		s.log.Warn("export cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// adminImport: POST /_emulator/import?replace=&universe= with the document
// as the body. The body is read once while the first pass validates it,
// and kept in a temporary file for the second.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) {
	u, err := queryUniverse(r)
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	replace, err := queryBool(r, "replace")
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	if !s.begin() {
		s.adminError(w, 0, dserr.New(dserr.ProtocolShuttingDown))
		return
	}
	defer s.end()
	spool, err := os.CreateTemp("", "rbxemu-import-*.json")
	if err != nil {
		s.adminError(w, 0, err)
		return
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	opened := 0
	src := func() (io.ReadCloser, error) {
		opened++
		if opened == 1 {
			return io.NopCloser(io.TeeReader(r.Body, spool)), nil
		}
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return io.NopCloser(spool), nil
	}
	st, err := admin.Import(s.eng, src, admin.ImportOptions{Replace: replace, Universe: u})
	if err != nil {
		s.adminError(w, 0, dispatch.ImportFailure("_emulator.import", err))
		return
	}
	s.adminJSON(w, http.StatusOK, st)
}

// adminMonitor: GET /_emulator/monitor streams monitor events as JSON
// lines until the client goes away or the daemon stops.
func (s *Server) adminMonitor(w http.ResponseWriter, r *http.Request) {
	sub := s.mon().subscribe(0)
	defer sub.Close()
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			b, err := encodeJSON(ev)
			if err != nil {
				continue
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		case <-r.Context().Done():
			return
		}
	}
}

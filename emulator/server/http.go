package server

// The HTTP mirror (/v1/rpc): the request object of the WebSocket door in a
// POST body, the same reply object back, for clients that cannot hold a
// WebSocket (Studio's HttpService:RequestAsync). A session is opened by
// hello and named afterwards by the X-Rbxemu-Session header.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// maxHTTPNotices bounds the notices an HTTP session keeps for its next
// reply; older ones are dropped first.
const maxHTTPNotices = 64

// maxHTTPSessions bounds the HTTP sessions kept at once. Each hello opens
// one and nothing but bye or SessionIdle ends it, so a client that says
// hello in a loop would otherwise grow the table (about 1.5 KB a session)
// for as long as it likes. Beyond the bound, hello forgets the session
// unused for longest (its next request gets NoSession).
const maxHTTPSessions = 10000

// serveRPC answers one POST /v1/rpc.
func (s *Server) serveRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeHTTP(w, http.StatusMethodNotAllowed, s.errReply(nil, nil, dserr.New(dserr.ProtocolMalformed, "POST one request object to "+PathRPC)))
		return
	}
	if ok, why := s.originAllowed(r); !ok {
		s.log.Warn("rpc request refused", "reason", why, "remote", r.RemoteAddr)
		http.Error(w, "rbxemu: "+why, http.StatusForbidden)
		return
	}
	if !s.httpAuthorized(r) {
		s.unauthorized(w)
		return
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, maxMessageSize+1)); err != nil {
		return // the client went away
	}
	if buf.Len() > maxMessageSize {
		// The rest of the body is not read: the connection closes after
		// the reply rather than drain an unbounded body. The size reported
		// is the declared one when there is one.
		size := int64(buf.Len())
		if r.ContentLength > size {
			size = r.ContentLength
		}
		w.Header().Set("Connection", "close")
		s.writeHTTP(w, http.StatusRequestEntityTooLarge, s.errReply(peekID(buf.Bytes()), nil, dserr.New(dserr.ProtocolTooLarge, size, maxMessageSize)))
		return
	}
	req, perr := parseRequest(buf.Bytes())
	if perr != nil {
		s.writeHTTP(w, 0, s.errReply(req.ID, nil, perr))
		return
	}

	if req.Op == opHello {
		s.writeHTTP(w, 0, s.httpHello(w, req))
		return
	}
	var hs *httpSession
	if id := r.Header.Get(SessionHeader); id != "" {
		if hs = s.sessions.acquire(id); hs == nil {
			s.writeHTTP(w, 0, s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession)))
			return
		}
		defer s.sessions.release(hs)
	}
	var sess *dispatch.Session
	if hs != nil {
		sess = hs.sess
	}
	rep := s.httpOp(r.Context(), hs, sess, req)
	if hs != nil {
		rep.Notices = hs.takeNotices()
	}
	s.writeHTTP(w, 0, rep)
}

// httpOp runs every op but hello for an HTTP request.
func (s *Server) httpOp(ctx context.Context, hs *httpSession, sess *dispatch.Session, req request) reply {
	switch req.Op {
	case opPing:
		if perr := parseNoArgs(req.Op, req.Args); perr != nil {
			return s.errReply(req.ID, sess, perr)
		}
		return s.finish(req.ID, req.Op, sess, nil, nil)
	case opPlayers:
		if sess == nil {
			return s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession))
		}
		n, perr := parsePlayers(req.Args)
		if perr != nil {
			return s.errReply(req.ID, sess, perr)
		}
		s.disp.Players(sess, n)
		return s.finish(req.ID, req.Op, sess, map[string]int64{"players": n}, nil)
	case opBye:
		if sess == nil {
			return s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession))
		}
		if perr := parseNoArgs(req.Op, req.Args); perr != nil {
			return s.errReply(req.ID, sess, perr)
		}
		s.sessions.forget(hs)
		return s.finish(req.ID, req.Op, nil, nil, nil)
	}
	if !s.knownOps[req.Op] {
		return s.errReply(req.ID, sess, dserr.New(dserr.ProtocolUnknownOp, req.Op))
	}
	if sess == nil {
		return s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession))
	}
	if !s.begin() {
		return s.errReply(req.ID, sess, dserr.New(dserr.ProtocolShuttingDown))
	}
	defer s.end()
	res, err := s.runOp(ctx, sess, req)
	return s.finish(req.ID, req.Op, sess, res, err)
}

// httpHello opens an HTTP session; the reply names it in its result and in
// the X-Rbxemu-Session header.
func (s *Server) httpHello(w http.ResponseWriter, req request) reply {
	p, perr := parseHello(req.Args)
	if perr != nil {
		return s.errReply(req.ID, nil, perr)
	}
	if s.isDraining() {
		return s.errReply(req.ID, nil, dserr.New(dserr.ProtocolShuttingDown))
	}
	sess := s.newSession(p, "http")
	s.sessions.add(sess)
	s.disp.Opened(sess)
	s.log.Debug("http session opened", "session", sess.ID, "job", sess.JobID, "client", sess.ClientKind)
	w.Header().Set(SessionHeader, sess.ID)
	return s.finish(req.ID, req.Op, sess, s.helloResult(sess), nil)
}

// writeHTTP writes a reply. status 0 picks it from the reply: 200, except
// for errors about the HTTP exchange itself (see httpStatus).
func (s *Server) writeHTTP(w http.ResponseWriter, status int, r reply) {
	if status == 0 {
		status = http.StatusOK
		if r.Error != nil {
			status = httpStatus(r.Error.Name)
		}
	}
	b := s.encodeReply(r, "")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// httpStatus is the status of an error reply: the body is always the reply
// object, and the status only says what went wrong with the exchange.
func httpStatus(name string) int {
	switch name {
	case dserr.ProtocolMalformed:
		return http.StatusBadRequest
	case dserr.ProtocolUnauthorized:
		return http.StatusUnauthorized
	case dserr.ProtocolTooLarge:
		return http.StatusRequestEntityTooLarge
	case dserr.ProtocolShuttingDown:
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// httpSession is a session opened by hello over HTTP.
type httpSession struct {
	sess *dispatch.Session

	mu       sync.Mutex
	lastUsed time.Time // real time
	active   int       // requests using it now: never expired meanwhile
	gone     bool
	notices  []wireNotice
}

// push keeps a notice for the session's next reply.
func (h *httpSession) push(n wireNotice) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.notices) == maxHTTPNotices {
		h.notices = append(h.notices[:0], h.notices[1:]...)
	}
	h.notices = append(h.notices, n)
}

func (h *httpSession) takeNotices() []wireNotice {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.notices
	h.notices = nil
	return n
}

// httpSessions is the table of HTTP sessions, with idle expiry.
type httpSessions struct {
	srv  *Server
	idle time.Duration
	max  int // maxHTTPSessions

	mu   sync.Mutex
	byID map[string]*httpSession
}

func newHTTPSessions(s *Server) *httpSessions {
	return &httpSessions{srv: s, idle: s.opts.SessionIdle, max: maxHTTPSessions, byID: map[string]*httpSession{}}
}

func (t *httpSessions) add(sess *dispatch.Session) {
	h := &httpSession{sess: sess, lastUsed: time.Now()}
	sess.Notify = func(n dispatch.Notice) {
		h.push(wireNotice{Kind: n.Kind, Data: n.Data, Now: t.srv.now()})
	}
	t.mu.Lock()
	var evict *httpSession
	if len(t.byID) >= t.max {
		evict = t.leastRecentlyUsedLocked()
	}
	t.byID[sess.ID] = h
	t.mu.Unlock()
	if evict != nil {
		t.srv.log.Warn("too many HTTP sessions; forgetting the one unused for longest", "session", evict.sess.ID, "limit", t.max)
		t.forget(evict)
	}
}

// leastRecentlyUsedLocked is the idle session unused for longest (nil when
// every session is in use). The caller holds t.mu.
func (t *httpSessions) leastRecentlyUsedLocked() *httpSession {
	var old *httpSession
	var oldest time.Time
	for _, h := range t.byID {
		h.mu.Lock()
		idle, used := h.active == 0 && !h.gone, h.lastUsed
		h.mu.Unlock()
		if idle && (old == nil || used.Before(oldest)) {
			old, oldest = h, used
		}
	}
	return old
}

// acquire finds a session by id and marks it in use; nil if unknown.
func (t *httpSessions) acquire(id string) *httpSession {
	t.mu.Lock()
	h := t.byID[id]
	t.mu.Unlock()
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		return nil
	}
	h.active++
	h.lastUsed = time.Now()
	return h
}

func (t *httpSessions) release(h *httpSession) {
	h.mu.Lock()
	h.active--
	h.lastUsed = time.Now()
	h.mu.Unlock()
}

// forget ends a session (bye, expiry, shutdown) and tells the gate.
func (t *httpSessions) forget(h *httpSession) {
	h.mu.Lock()
	already := h.gone
	h.gone = true
	h.mu.Unlock()
	if already {
		return
	}
	t.mu.Lock()
	delete(t.byID, h.sess.ID)
	t.mu.Unlock()
	t.srv.disp.Closed(h.sess)
	t.srv.log.Debug("http session closed", "session", h.sess.ID)
}

// expire forgets the sessions idle since before now-idle.
func (t *httpSessions) expire(now time.Time) {
	t.mu.Lock()
	var old []*httpSession
	for _, h := range t.byID {
		h.mu.Lock()
		if h.active == 0 && now.Sub(h.lastUsed) >= t.idle {
			old = append(old, h)
		}
		h.mu.Unlock()
	}
	t.mu.Unlock()
	for _, h := range old {
		t.forget(h)
	}
}

// janitor expires idle sessions until ctx ends. It ticks on real time.
func (t *httpSessions) janitor(ctx context.Context) {
	every := min(max(t.idle/4, 10*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.expire(now)
		}
	}
}

// closeAll forgets every session (shutdown).
func (t *httpSessions) closeAll() {
	t.mu.Lock()
	all := make([]*httpSession, 0, len(t.byID))
	for _, h := range t.byID {
		all = append(all, h)
	}
	t.mu.Unlock()
	for _, h := range all {
		t.forget(h)
	}
}

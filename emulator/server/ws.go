package server

// The WebSocket door (/v1/ws), in the shape of gorilla/websocket's chat
// example: per connection one reader goroutine and one writer goroutine, a
// bounded send queue between them, and named timing constants. Beyond the
// example: requests run concurrently (bounded per connection), replies may
// leave in any order, and shutdown sends every client a close frame after
// its last reply.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// Timing and size limits of a WebSocket connection.
const (
	// writeWait is how long one frame may take to write; a client that
	// does not read for that long is cut off.
	writeWait = 10 * time.Second
	// pongWait is how long the connection may stay silent (no frame, no
	// pong) before it is considered dead.
	pongWait = 60 * time.Second
	// pingPeriod is how often the server pings: less than pongWait, so
	// that a live client's pong always arrives in time.
	pingPeriod = pongWait * 9 / 10
	// closeWait is how long the server waits for the client's answer to its
	// close frame before cutting the connection.
	closeWait = time.Second
	// maxMessageSize is the largest request frame (see MaxRequestBytes).
	maxMessageSize = MaxRequestBytes
	// maxDiscard is how much of an oversized frame the server reads and
	// drops to keep the connection open and answer RequestTooLarge; a frame
	// larger than maxMessageSize+maxDiscard gets close code 1009.
	maxDiscard = 4 * maxMessageSize
	// maxInFlight bounds the requests running at once on one connection;
	// the reader stops reading while the bound is reached. It is larger
	// than the throttle's queues together (Set, Ordered set, Get, Ordered
	// get: 4 x 30, design decision 6), so that a connection whose queued
	// requests wait for budget can still send the request (an "advance" of
	// the virtual clock, say) that releases them.
	maxInFlight = 256
	// sendQueueSize bounds the replies and notices waiting for the writer:
	// room for every request in flight, and some for notices.
	sendQueueSize = maxInFlight + 64
	// maxQueuedBytes bounds the bytes of the frames waiting for the
	// writer. A client that leaves this much unread (it has stopped
	// reading, or reads far slower than it asks) is cut off at once rather
	// than grow the daemon's memory: sixteen replies of the largest value.
	maxQueuedBytes = 16 * maxValueBytes
	// maxKeptFrame is the largest read buffer a connection keeps for its
	// next frame; a larger one (a big SetAsync) is left to the collector.
	maxKeptFrame = 64 << 10
)

// limits are the timing constants above as one server uses them: New
// copies the constants, and only a test shortens them (export_test.go), on
// its own server, before Start.
type limits struct {
	writeWait, pongWait, pingPeriod time.Duration
	maxQueuedBytes                  int64
}

var defaultLimits = limits{writeWait: writeWait, pongWait: pongWait, pingPeriod: pingPeriod, maxQueuedBytes: maxQueuedBytes}

// Close codes the server sends (RFC 6455 section 7.4.1).
const (
	closeNormal      = websocket.CloseNormalClosure   // after "bye"
	closeGoingAway   = websocket.CloseGoingAway       // daemon shutdown
	closeUnsupported = websocket.CloseUnsupportedData // a binary frame
	closePolicy      = websocket.ClosePolicyViolation // wrong or missing token
	closeTooBig      = websocket.CloseMessageTooBig   // a frame too large to answer
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  16 << 10,
	WriteBufferSize: 16 << 10,
	// Origin is checked by serveWS before Upgrade, with a clearer refusal.
	CheckOrigin: func(*http.Request) bool { return true },
}

// wsConn is one WebSocket connection: one session once hello succeeds.
type wsConn struct {
	srv   *Server
	ws    *websocket.Conn
	log   *slog.Logger
	send  chan []byte   // replies and notices for the writer
	slots chan struct{} // one per request in flight

	// ctx is cancelled when the connection ends (or the shutdown grace is
	// over): a request whose client is gone stops waiting.
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the reader goroutine.
	authed   bool
	sess     *dispatch.Session
	handlers sync.WaitGroup

	// Writing data frames. wmu is held by whoever writes one: the writer
	// goroutine, or a request writing its own reply while the writer is
	// idle (reply). queued counts the frames handed to the writer and not
	// yet written: a reply is written directly only when none is, so that
	// frames leave in the order they were sent. direct enables direct
	// writes (off in tests that drive handle without a network).
	wmu     sync.Mutex
	wclosed bool // under wmu: the close frame is out, no data frame follows
	queued  atomic.Int64
	direct  bool
	// queuedBytes is the size of the frames counted by queued
	// (maxQueuedBytes).
	queuedBytes atomic.Int64
	unread      atomic.Bool // the client was cut for not reading its replies
	// noPing is set by a hello from a Lune client: Lune 0.10 panics on a
	// WebSocket Ping frame, so such a client keeps the connection alive
	// with the protocol's ping op instead (docs/protocol.md, "Keepalive").
	noPing atomic.Bool

	closeOnce  sync.Once
	closeReq   chan closeFrame
	readerDone chan struct{}
	writerDone chan struct{}
	done       chan struct{} // everything of this connection has ended
}

type closeFrame struct {
	code   int
	reason string
}

// serveWS upgrades a request to a WebSocket connection after the Origin and
// token checks.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if ok, why := s.originAllowed(r); !ok {
		s.log.Warn("websocket upgrade refused", "reason", why, "remote", r.RemoteAddr)
		http.Error(w, "rbxemu: "+why, http.StatusForbidden)
		return
	}
	authed, ok := s.wsToken(r)
	if !ok {
		s.unauthorized(w)
		return
	}
	if s.isDraining() {
		http.Error(w, "rbxemu: the daemon is shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	ctx, cancel := context.WithCancel(s.base)
	c := &wsConn{
		srv:        s,
		ws:         ws,
		log:        s.log.With("remote", r.RemoteAddr),
		send:       make(chan []byte, sendQueueSize),
		slots:      make(chan struct{}, maxInFlight),
		ctx:        ctx,
		cancel:     cancel,
		authed:     authed,
		closeReq:   make(chan closeFrame, 1),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		done:       make(chan struct{}),
		direct:     true,
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		cancel()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeGoingAway, "rbxemu is shutting down"), time.Now().Add(s.lim.writeWait))
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	c.log.Debug("websocket connected")
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()
	go func() {
		defer s.wg.Done()
		c.readLoop()
	}()
}

func (s *Server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// closeWith asks the writer to send a close frame after the replies already
// queued, then to end the connection. Only the first call counts.
func (c *wsConn) closeWith(code int, reason string) {
	c.closeOnce.Do(func() { c.closeReq <- closeFrame{code, reason} })
}

// cut closes the network connection at once (the reader and writer fail).
func (c *wsConn) cut() { _ = c.ws.Close() }

// writeLoop writes queued frames and pings; it is the connection's only
// writer of data frames.
func (c *wsConn) writeLoop() {
	defer close(c.writerDone)
	ping := time.NewTicker(c.srv.lim.pingPeriod)
	defer ping.Stop()
	for {
		select {
		case b := <-c.send:
			c.wmu.Lock()
			err := c.write(b)
			c.queued.Add(-1)
			c.queuedBytes.Add(-int64(len(b)))
			c.wmu.Unlock()
			if err != nil {
				c.log.Debug("websocket write failed", "err", err)
				c.cut()
				return
			}
		case <-ping.C:
			if c.noPing.Load() {
				continue
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.lim.writeWait)); err != nil {
				c.cut()
				return
			}
		case cf := <-c.closeReq:
			c.wmu.Lock()
			c.flush()
			c.wclosed = true
			c.wmu.Unlock()
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(cf.code, cf.reason), time.Now().Add(c.srv.lim.writeWait))
			t := time.NewTimer(closeWait)
			select {
			case <-c.readerDone: // the client answered the close frame
			case <-t.C:
			}
			t.Stop()
			c.cut()
			return
		case <-c.readerDone:
			c.cut()
			return
		}
	}
}

// flush writes whatever is queued now, before a close frame. The caller
// holds wmu.
func (c *wsConn) flush() {
	for {
		select {
		case b := <-c.send:
			err := c.write(b)
			c.queued.Add(-1)
			c.queuedBytes.Add(-int64(len(b)))
			if err != nil {
				return
			}
		default:
			return
		}
	}
}

func (c *wsConn) write(b []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.srv.lim.writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// enqueue hands a frame to the writer, waiting while the queue is full; it
// drops the frame once the writer has stopped. A frame that would take the
// bytes waiting for the writer over maxQueuedBytes cuts the connection
// instead: its client is not reading what it asked for.
func (c *wsConn) enqueue(b []byte) {
	c.queued.Add(1)
	// (One frame alone always goes, however large: an inline export may be.)
	if n := c.queuedBytes.Add(int64(len(b))); n > c.srv.lim.maxQueuedBytes && n > int64(len(b)) {
		c.queued.Add(-1)
		c.queuedBytes.Add(-int64(len(b)))
		if !c.unread.Swap(true) {
			c.log.Warn("websocket client does not read its replies; connection cut", "unread", n-int64(len(b)), "limit", c.srv.lim.maxQueuedBytes)
		}
		c.cancel() // requests still waiting (in a throttle queue) stop
		c.cut()
		return
	}
	select {
	case c.send <- b:
	case <-c.writerDone:
		c.queued.Add(-1)
		c.queuedBytes.Add(-int64(len(b)))
	}
}

// replyBufs are the buffers replies are encoded into; a reply written
// directly gives its buffer back.
var replyBufs = sync.Pool{New: func() any { return new([]byte) }}

// reply encodes and sends a reply. When the writer is idle and nothing is
// queued for it, the reply is written here and now, by the goroutine that
// made it (no hand-off to the writer goroutine); otherwise it is queued.
func (c *wsConn) reply(r reply, op string) {
	bp := replyBufs.Get().(*[]byte)
	b := c.srv.appendEncodedReply((*bp)[:0], r, op)
	if c.direct && c.queued.Load() == 0 && c.wmu.TryLock() {
		if c.queued.Load() == 0 && !c.wclosed {
			err := c.write(b)
			c.wmu.Unlock()
			if cap(b) <= maxKeptFrame {
				*bp = b
				replyBufs.Put(bp)
			}
			if err != nil {
				c.log.Debug("websocket write failed", "err", err)
				c.cut()
			}
			return
		}
		c.wmu.Unlock()
	}
	c.enqueue(b) // the buffer goes with it
}

// notify is the session's Notify: a notice never waits for a full queue
// (it is dropped instead), so a gate pushing one is never blocked by a slow
// client.
func (c *wsConn) notify(n dispatch.Notice) {
	b, err := encodeJSON(wireNotice{Kind: n.Kind, Data: n.Data, Now: c.srv.now()})
	if err != nil {
		c.log.Error("notice does not encode", "notice", n.Kind, "err", err)
		return
	}
	c.queued.Add(1)
	c.queuedBytes.Add(int64(len(b)))
	select {
	case c.send <- b:
	default:
		c.queued.Add(-1)
		c.queuedBytes.Add(-int64(len(b)))
		c.log.Debug("notice dropped: send queue full", "notice", n.Kind)
	}
}

// readLoop reads frames until the connection ends, answering each request.
func (c *wsConn) readLoop() {
	defer c.teardown()
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(c.srv.lim.pongWait))
	})
	// buf holds one frame at a time: handle leaves nothing pointing into it
	// once it returns (a request it hands to a goroutine gets copies).
	var buf bytes.Buffer
	var limited io.LimitedReader
	for {
		// Any frame shows the client alive; the deadline also restarts
		// after a wait for a free slot, which was the server's doing.
		_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.lim.pongWait))
		mt, r, err := c.ws.NextReader()
		if err != nil {
			c.log.Debug("websocket closed", "err", err)
			return
		}
		if mt != websocket.TextMessage {
			c.closeWith(closeUnsupported, "rbxemu reads text frames, one JSON request each")
			c.drainUntilClosed()
			return
		}
		if buf.Cap() > maxKeptFrame {
			buf = bytes.Buffer{}
		}
		buf.Reset()
		limited = io.LimitedReader{R: r, N: maxMessageSize + 1}
		if _, err := buf.ReadFrom(&limited); err != nil {
			c.log.Debug("websocket read failed", "err", err)
			return
		}
		if buf.Len() > maxMessageSize {
			if !c.tooLarge(buf.Bytes(), r) {
				c.drainUntilClosed()
				return
			}
			continue
		}
		if !c.handle(buf.Bytes()) {
			c.drainUntilClosed()
			return
		}
	}
}

// tooLarge answers a frame over maxMessageSize. It reports false when the
// connection is being closed (1009) because no id could be read or the frame
// is too large even to skip.
func (c *wsConn) tooLarge(prefix []byte, rest io.Reader) bool {
	id := peekID(prefix)
	reason := fmt.Sprintf("request larger than %d bytes", maxMessageSize)
	if id == nil {
		c.closeWith(closeTooBig, reason)
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(rest, maxDiscard+1))
	if err != nil {
		return false
	}
	if n > maxDiscard {
		c.closeWith(closeTooBig, reason)
		return false
	}
	size := int64(len(prefix)) + n
	c.reply(c.srv.errReply(id, c.sess, dserr.New(dserr.ProtocolTooLarge, size, maxMessageSize)), "")
	return true
}

// drainUntilClosed reads and drops frames until the connection ends: after
// a close frame, the client's answer (or the writer's cut) ends it.
func (c *wsConn) drainUntilClosed() {
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// handle runs one request frame. It reports false when the connection is
// to be closed (the close frame is already requested).
func (c *wsConn) handle(frame []byte) bool {
	s := c.srv
	req, perr := parseRequest(frame)
	if perr != nil {
		c.reply(s.errReply(req.ID, c.sess, perr), req.Op)
		return true
	}
	if req.ID == nil {
		c.reply(s.errReply(nil, c.sess, dserr.New(dserr.ProtocolMissingField, "request", "id")), req.Op)
		return true
	}
	switch req.Op {
	case opHello:
		return c.hello(req)
	case opPlayers:
		if c.sess == nil {
			c.reply(s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession)), req.Op)
			return true
		}
		n, perr := parsePlayers(req.Args)
		if perr != nil {
			c.reply(s.errReply(req.ID, c.sess, perr), req.Op)
			return true
		}
		s.disp.Players(c.sess, n)
		c.reply(s.finish(req.ID, req.Op, c.sess, map[string]int64{"players": n}, nil), req.Op)
		return true
	case opPing:
		if perr := parseNoArgs(req.Op, req.Args); perr != nil {
			c.reply(s.errReply(req.ID, c.sess, perr), req.Op)
			return true
		}
		c.reply(s.finish(req.ID, req.Op, c.sess, nil, nil), req.Op)
		return true
	case opBye:
		if perr := parseNoArgs(req.Op, req.Args); perr != nil {
			c.reply(s.errReply(req.ID, c.sess, perr), req.Op)
			return true
		}
		c.reply(s.finish(req.ID, req.Op, c.sess, nil, nil), req.Op)
		c.closeWith(closeNormal, "bye")
		return false
	case dispatch.OpMonitorSubscribe, dispatch.OpMonitorUnsubscribe:
		return c.monitorOp(req) // admin.go: the notices go to this connection
	}
	if !s.knownOps[req.Op] {
		c.reply(s.errReply(req.ID, c.sess, dserr.New(dserr.ProtocolUnknownOp, req.Op)), req.Op)
		return true
	}
	if c.sess == nil {
		c.reply(s.errReply(req.ID, nil, dserr.New(dserr.ProtocolNoSession)), req.Op)
		return true
	}
	if !s.begin() {
		c.reply(s.errReply(req.ID, c.sess, dserr.New(dserr.ProtocolShuttingDown)), req.Op)
		return true
	}
	// Wait for a free slot: the reader reads nothing more meanwhile, which
	// slows a client that sends faster than its requests complete.
	select {
	case c.slots <- struct{}{}:
	case <-c.ctx.Done():
		s.end()
		return false
	}
	sess := c.sess
	if c.inline(req.Op) {
		// Run by the reader itself: no goroutine, no hand-off (see inline).
		res, err := s.runOp(c.ctx, sess, req)
		c.reply(s.finish(req.ID, req.Op, sess, res, err), req.Op)
		s.end()
		<-c.slots
		return true
	}
	// The frame's buffer is the reader's again once handle returns: the
	// goroutine gets its own copies of what it keeps.
	req.ID, req.Args = bytes.Clone(req.ID), bytes.Clone(req.Args)
	c.handlers.Add(1)
	go func() {
		defer c.handlers.Done()
		res, err := s.runOp(c.ctx, sess, req)
		if !c.unread.Load() { // else the connection is cut: nobody reads the reply
			c.reply(s.finish(req.ID, req.Op, sess, res, err), req.Op)
		}
		// The reply is queued before the request stops counting as in
		// flight: shutdown sends its close frame only after it.
		s.end()
		<-c.slots
	}()
	return true
}

// inlineOps are the ops a reader may run itself: reads of one key, which
// wait for nothing but the store.
var inlineOps = map[string]bool{"GetAsync": true, "ReadForUpdate": true}

// inline says whether the reader runs a request itself rather than on a
// goroutine of its own. Only a read of one key, and only when there is no
// gate (throttling off) and no fault rule: then nothing can make it wait in
// a queue or for a delay, so the requests behind it on the connection are
// held up only as long as the store takes to answer it. Every other request
// (a write, which may wait for a key lock and a commit; a listing; anything
// a gate or a fault rule may hold) runs on its own goroutine, so that
// requests in flight on one connection still run concurrently and answer
// in any order.
func (c *wsConn) inline(op string) bool {
	d := c.srv.disp
	return inlineOps[op] && d.Gate == nil && !d.Faults.Active()
}

// hello opens the connection's session.
func (c *wsConn) hello(req request) bool {
	s := c.srv
	if c.sess != nil {
		c.reply(s.errReply(req.ID, c.sess, dserr.New(dserr.ProtocolBadArgument, opHello, "this connection already has a session ("+c.sess.ID+"); open another connection for another game server")), req.Op)
		return true
	}
	p, perr := parseHello(req.Args)
	if perr != nil {
		c.reply(s.errReply(req.ID, nil, perr), req.Op)
		return true
	}
	if s.opts.Token != "" && ((!c.authed && !p.HasToken) || (p.HasToken && !tokenMatches(p.Token, s.opts.Token))) {
		c.log.Warn("websocket hello refused: missing or wrong token")
		c.reply(s.errReply(req.ID, nil, dserr.New(dserr.ProtocolUnauthorized)), req.Op)
		c.closeWith(closePolicy, "unauthorized: missing or wrong token")
		return false
	}
	if s.isDraining() {
		c.reply(s.errReply(req.ID, nil, dserr.New(dserr.ProtocolShuttingDown)), req.Op)
		return true
	}
	sess := s.newSession(p, "websocket")
	if sess.ClientKind == clientLune {
		c.noPing.Store(true)
	}
	sess.Notify = c.notify
	c.sess = sess
	s.disp.Opened(sess)
	c.log.Debug("session opened", "session", sess.ID, "job", sess.JobID, "client", sess.ClientKind)
	c.reply(s.finish(req.ID, req.Op, sess, s.helloResult(sess), nil), req.Op)
	return true
}

// teardown runs when the reader stops: it ends the requests of the
// connection, the writer and the session, in that order.
func (c *wsConn) teardown() {
	close(c.readerDone)
	c.cancel()
	c.handlers.Wait()
	<-c.writerDone
	c.cut()
	if c.sess != nil {
		c.srv.disp.Closed(c.sess)
		c.log.Debug("session closed", "session", c.sess.ID)
	}
	c.srv.mu.Lock()
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
	close(c.done)
}

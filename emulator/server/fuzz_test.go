package server

// FuzzRequest feeds arbitrary bytes to both doors, as one WebSocket frame
// and as one /v1/rpc body, on an in-memory engine with a virtual clock:
// the envelope parser, the door ops and dispatch (every registered op, its
// argument decoding and the engine behind it). Whatever the bytes, the
// daemon must not panic and must answer with exactly one reply that is
// either a result or an error of the catalogue (never InternalServerError,
// which means a bug). The seed corpus is testdata/fuzz/FuzzRequest; plain
// `go test` runs it.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// fuzzNames are the error names a reply may carry.
var fuzzNames = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range dserr.Catalogue {
		m[e.Name] = true
	}
	return m
}()

func newFuzzServer(f *testing.F) *Server {
	f.Helper()
	s, err := New(Options{Addr: "127.0.0.1:0", InMemory: true, Clock: clock.NewManual(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))})
	if err != nil {
		f.Fatal(err)
	}
	// Fault rules could hold every later input for minutes (a latency
	// rule): the fuzzer explores the ops, not the harness's waiting.
	s.disp.Faults = nil
	f.Cleanup(func() {
		if err := s.Close(); err != nil {
			f.Error(err)
		}
	})
	return s
}

// fuzzConn is a WebSocket connection without a network: handle runs as the
// reader would run it and the replies stay in the send queue.
func fuzzConn(s *Server, sess *dispatch.Session) *wsConn {
	ctx, cancel := context.WithCancel(s.base)
	return &wsConn{
		srv: s, log: s.log, send: make(chan []byte, sendQueueSize), slots: make(chan struct{}, maxInFlight),
		ctx: ctx, cancel: cancel, authed: true, sess: sess, closeReq: make(chan closeFrame, 1),
		readerDone: make(chan struct{}), writerDone: make(chan struct{}), done: make(chan struct{}),
	}
}

// checkReply checks one reply frame and returns whether it is a notice.
func checkReply(t *testing.T, b []byte, req request, parsed bool) (notice bool) {
	t.Helper()
	var r struct {
		ID     json.RawMessage `json:"id"`
		OK     *bool           `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
		Notice string          `json:"notice"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("reply is not JSON: %v: %q", err, b)
	}
	if r.Notice != "" {
		return true
	}
	switch {
	case r.OK == nil:
		t.Fatalf("reply without ok: %s", b)
	case *r.OK && len(r.Result) == 0:
		t.Fatalf("ok reply without result: %s", b)
	case !*r.OK && r.Error == nil:
		t.Fatalf("error reply without error: %s", b)
	case !*r.OK && !fuzzNames[r.Error.Name]:
		t.Fatalf("error %q is not in the catalogue: %s", r.Error.Name, b)
	case !*r.OK && r.Error.Name == "InternalServerError" && !strings.HasPrefix(req.Op, "Test"):
		t.Fatalf("InternalServerError (a bug) for op %q: %s", req.Op, b)
	}
	if parsed && req.ID != nil && !bytes.Equal(r.ID, req.ID) {
		t.Fatalf("reply id %s, request id %s", r.ID, req.ID)
	}
	return false
}

func FuzzRequest(f *testing.F) {
	f.Add([]byte(`{"id":1,"op":"SetAsync","args":{"store":"s","key":"k","value":{"a":[1,2]}}}`))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		req, perr := parseRequest(frame)
		parsed := perr == nil

		// The WebSocket door. Most inputs run in a session; one in four
		// before hello, so that hello itself is explored.
		sess := s.newSession(helloParams{Universe: 1, PlaceID: 1, Client: "test"}, "websocket")
		s.disp.Opened(sess)
		c := fuzzConn(s, sess)
		if len(frame)%4 == 0 {
			c.sess = nil
		}
		c.handle(frame)
		c.handlers.Wait()
		c.cancel()
		if c.sess != nil && c.sess != sess {
			s.disp.Closed(c.sess)
		}
		s.disp.Closed(sess)
		replies := 0
		for len(c.send) > 0 {
			if !checkReply(t, <-c.send, req, parsed) {
				replies++
			}
		}
		if replies != 1 {
			t.Fatalf("websocket: %d replies to one frame", replies)
		}

		// The HTTP door, in a session of its own.
		hsess := s.newSession(helloParams{Universe: 2, PlaceID: 1, Client: "test"}, "http")
		s.sessions.add(hsess)
		s.disp.Opened(hsess)
		r := httptest.NewRequest(http.MethodPost, PathRPC, bytes.NewReader(frame))
		r.Header.Set(SessionHeader, hsess.ID)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("http status %d: %s", w.Code, w.Body.Bytes())
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("http content type %q", ct)
		}
		checkReply(t, w.Body.Bytes(), req, parsed)
		for _, id := range []string{hsess.ID, w.Header().Get(SessionHeader)} {
			if h := s.sessions.acquire(id); h != nil {
				s.sessions.release(h)
				s.sessions.forget(h)
			}
		}
	})
}

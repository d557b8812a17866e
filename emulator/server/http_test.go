package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// withoutID drops a reply's id, the one field the doors may not share.
func withoutID(t *testing.T, b []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	delete(m, "id")
	out, _ := json.Marshal(m)
	return string(out)
}

func TestHTTPMirrorGivesTheSameReplies(t *testing.T) {
	manual := clock.NewManual(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	url, _ := servertest.Start(t, servertest.Clock(manual))

	// hello over HTTP: the session in the result and in the header.
	resp, r := post(t, url, "", `{"id":"h","op":"hello","args":{"protocol":1,"jobId":"http-job","client":"studio"}}`, nil)
	var h server.HelloResult
	_ = json.Unmarshal(r.Result, &h)
	if !r.OK || h.Session == "" || resp.Header.Get(server.SessionHeader) != h.Session || h.JobID != "http-job" {
		t.Fatalf("hello: %s %s", resp.Header, r.Result)
	}
	session := h.Session
	// An id is optional over HTTP (one request, one reply).
	if _, r := post(t, url, session, `{"op":"ping"}`, nil); !r.OK || string(r.ID) != "null" {
		t.Fatalf("ping without id: %+v", r)
	}

	w := dialRaw(t, url, nil)
	w.hello()
	if r := w.call(`{"id":1,"op":"SetAsync","args":{"store":"s","key":"k","value":[1,"<b>",{"x":null}],"userIds":[1,2],"metadata":{"m":1}}}`); !r.OK {
		t.Fatal(r.Error)
	}
	for _, req := range []string{
		`{"id":5,"op":"GetAsync","args":{"store":"s","key":"k"}}`,
		`{"id":5,"op":"GetAsync","args":{"store":"s","key":""}}`,
		`{"id":5,"op":"GetAsync","args":{"store":"s","key":"missing"}}`,
		`{"id":5,"op":"ReadForUpdate","args":{"store":"s","key":"k"}}`,
		`{"id":5,"op":"ping"}`,
		`{"id":5,"op":"players","args":{"players":4}}`,
		`{"id":5,"op":"Nope"}`,
		`{"id":5,"op":"GetAsync","args":{"store":"s","key":"k","bad":1}}`,
	} {
		w.send(req)
		wsRaw := w.recvRaw()
		httpRaw := postRaw(t, url, session, req)
		if a, b := withoutID(t, wsRaw), withoutID(t, httpRaw); a != b {
			t.Errorf("%s\nws:   %s\nhttp: %s", req, a, b)
		}
	}
	// bye forgets the HTTP session.
	if _, r := post(t, url, session, `{"id":1,"op":"bye"}`, nil); !r.OK {
		t.Fatal(r.Error)
	}
	if _, r := post(t, url, session, `{"id":1,"op":"ping"}`, nil); r.OK || r.Error.Name != "NoSession" {
		t.Fatalf("after bye: %+v", r)
	}
}

func postRaw(t *testing.T, base, session, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+server.PathRPC, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(server.SessionHeader, session)
	resp, err := testHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIdleHTTPSessionsAreForgotten(t *testing.T) {
	g := newTestGate()
	manual := clock.NewManual(time.Now())
	url, _ := servertest.Start(t, servertest.Gate(g), servertest.Clock(manual), servertest.Options(func(o *server.Options) {
		o.SessionIdle = 200 * time.Millisecond
	}))
	active := httpHello(t, url, nil)
	idle := httpHello(t, url, nil)
	// The virtual clock moving by a day does not expire anything.
	manual.Advance(24 * time.Hour)
	if _, r := post(t, url, idle, `{"id":1,"op":"ping"}`, nil); !r.OK {
		t.Fatalf("session lost to the virtual clock: %+v", r.Error)
	}
	// Real time does: keep one session busy, leave the other.
	deadline := time.Now().Add(700 * time.Millisecond)
	for time.Now().Before(deadline) {
		if _, r := post(t, url, active, `{"id":1,"op":"ping"}`, nil); !r.OK {
			t.Fatalf("busy session expired: %+v", r.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, r := post(t, url, idle, `{"id":1,"op":"ping"}`, nil); r.OK || r.Error.Name != "NoSession" {
		t.Fatalf("idle session still there: %+v", r)
	}
	found := false
	for _, e := range g.eventList() {
		found = found || e == "closed "+idle
	}
	if !found {
		t.Errorf("gate not told: %v", g.eventList())
	}
}

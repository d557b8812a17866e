package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func wsURL(base string) string { return strings.Replace(base, "http://", "ws://", 1) + server.PathWS }

// dialStatus tries a WebSocket handshake and returns the HTTP status (101
// on success).
func dialStatus(t *testing.T, url string, h http.Header) int {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err == nil {
		c.Close()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	return resp.StatusCode
}

func TestForeignOriginsAreRefused(t *testing.T) {
	url, srv := servertest.Start(t)
	port := srv.Addr()[strings.LastIndexByte(srv.Addr(), ':')+1:]
	for _, c := range []struct {
		origin string
		ok     bool
	}{
		{"", true}, // Studio, Lune, the CLI: no Origin at all
		{"http://127.0.0.1:" + port, true},
		{"http://localhost:" + port, true},
		{"http://evil.example", false},
		{"http://evil.example:" + port, false},
		{"http://127.0.0.1:1", false},
		{"https://localhost:" + port, false},
		{"null", false},
	} {
		h := http.Header{}
		if c.origin != "" {
			h.Set("Origin", c.origin)
		}
		want := http.StatusForbidden
		if c.ok {
			want = http.StatusSwitchingProtocols
		}
		if got := dialStatus(t, wsURL(url), h); got != want {
			t.Errorf("websocket, Origin %q: status %d, want %d", c.origin, got, want)
		}
		// The HTTP mirror refuses the same pages: a form post from one
		// would otherwise reach the store without a preflight.
		resp, _ := post(t, url, "", `{"id":1,"op":"hello","args":{"protocol":1}}`, h)
		want = http.StatusForbidden
		if c.ok {
			want = http.StatusOK
		}
		if resp.StatusCode != want {
			t.Errorf("http, Origin %q: status %d, want %d", c.origin, resp.StatusCode, want)
		}
	}
}

func TestTokenIsRequiredOnEveryDoor(t *testing.T) {
	const token = "t0ken"
	url, _ := servertest.Start(t, servertest.Token(token))
	ctx := ctxT(t)
	bearer := func(t string) http.Header { return http.Header{"Authorization": {"Bearer " + t}} }

	// WebSocket: a wrong token in the header or query is refused at once.
	if got := dialStatus(t, wsURL(url), bearer("wrong")); got != http.StatusUnauthorized {
		t.Errorf("wrong bearer: %d", got)
	}
	if got := dialStatus(t, wsURL(url)+"?token=wrong", nil); got != http.StatusUnauthorized {
		t.Errorf("wrong query token: %d", got)
	}
	if got := dialStatus(t, wsURL(url), http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}); got != http.StatusUnauthorized {
		t.Errorf("basic auth: %d", got)
	}
	// Without one, hello must carry it; otherwise Unauthorized and 1008.
	w := dialRaw(t, url, nil)
	r := w.call(`{"id":1,"op":"hello","args":{"protocol":1}}`)
	if r.OK || r.Error.Name != "Unauthorized" || r.Error.Text != "rbxemu: missing or wrong token" {
		t.Fatalf("hello without token: %+v", r.Error)
	}
	if ce := w.closeErr(); ce.Code != websocket.ClosePolicyViolation {
		t.Fatalf("close %v", ce)
	}
	w = dialRaw(t, url, nil)
	if r := w.call(`{"id":1,"op":"hello","args":{"protocol":1,"token":"wrong"}}`); r.OK {
		t.Fatal("hello with a wrong token accepted")
	}
	// Each of the three ways in works.
	w = dialRaw(t, url, nil)
	if r := w.call(`{"id":1,"op":"hello","args":{"protocol":1,"token":"t0ken"}}`); !r.OK {
		t.Fatalf("hello token: %+v", r.Error)
	}
	c, _, err := websocket.DefaultDialer.Dial(wsURL(url)+"?token="+token, nil)
	if err != nil {
		t.Fatalf("query token: %v", err)
	}
	c.Close()
	cl, err := client.Dial(ctx, url, client.HelloOptions{Token: token})
	if err != nil {
		t.Fatalf("bearer: %v", err)
	}
	cl.Close()

	// HTTP: the Authorization header on every request.
	for _, h := range []http.Header{nil, bearer("wrong"), bearer("")} {
		resp, r := post(t, url, "", `{"id":1,"op":"hello","args":{"protocol":1}}`, h)
		if resp.StatusCode != http.StatusUnauthorized || r.Error == nil || r.Error.Name != "Unauthorized" || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("http %v: %s %+v", h, resp.Status, r.Error)
		}
	}
	session := httpHello(t, url, bearer(token))
	resp, _ := post(t, url, session, `{"id":1,"op":"ping"}`, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a session id is not a token: %s", resp.Status)
	}
	hc, err := client.NewHTTP(ctx, url, client.HelloOptions{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if err := hc.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	hc.Close()
	_, err = client.NewHTTP(ctx, url, client.HelloOptions{Token: "nope"})
	if ce, ok := err.(*client.Error); !ok || ce.Name != "Unauthorized" {
		t.Fatalf("NewHTTP with a wrong token: %v", err)
	}

	// The probes stay open: they say nothing and change nothing.
	resp, err = testHTTP.Get(url + server.PathHealthz)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz with a token set: %v %v", resp, err)
	}
	resp.Body.Close()
}

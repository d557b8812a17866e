package server_test

// Security (issue 9, design "Safety"): nothing that should not reach the
// store can. A web page on another origin reaches no door, and no request
// of any door names a file on the daemon's machine.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// A page on another origin, the one thing a browser always tells, is
// refused on every door that reads or changes the store, before anything
// runs (the store is unchanged).
func TestForeignOriginReachesNoDoor(t *testing.T) {
	url, srv := servertest.Start(t)
	before := seedStore(t, url, srv)
	port := srv.Addr()[strings.LastIndexByte(srv.Addr(), ':')+1:]
	for _, origin := range []string{
		"http://evil.example",
		"http://evil.example:" + port,           // DNS rebinding: same port, any host
		"http://127.0.0.1.evil.example:" + port, // a name that starts like loopback
		"http://localhost.:" + port,
		"http://user@127.0.0.1:" + port,
		"http://127.0.0.1:" + port + "/page",
		"file://",
		"null",
	} {
		h := http.Header{"Origin": {origin}}
		if got := dialStatus(t, wsURL(url), h); got != http.StatusForbidden {
			t.Errorf("websocket from %q: %d", origin, got)
		}
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/v1/rpc", `{"id":1,"op":"hello","args":{"protocol":1}}`},
			{"POST", "/_emulator/reset", `{}`},
			{"GET", "/_emulator/export", ``},
			{"POST", "/_emulator/import?replace=true", `{"format":"rbxemu","version":1,"universes":[]}`},
			{"GET", "/cloud/v2/universes/1/data-stores/s/scopes/global/entries/k", ``},
			{"DELETE", "/cloud/v2/universes/1/data-stores/s/scopes/global/entries/k", ``},
			{"POST", "/datastores/v1/universes/1/standard-datastores/datastore/entries/entry?datastoreName=s&entryKey=k", `1`},
		} {
			req, err := http.NewRequest(c.method, url+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = h.Clone()
			resp, _ := do(t, req)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s from %q: %s", c.method, c.path, origin, resp.Status)
			}
		}
	}
	if fingerprint(t, srv) != before {
		t.Fatal("a refused request changed the store")
	}
}

// No op takes a file name: export and import travel inline (or as the HTTP
// body), so a request cannot make the daemon read or write a path of its
// choosing. Every op, the door's own included, refuses a field that would
// name one; the HTTP routes ignore query parameters they do not know and
// touch no file.
func TestNoRequestNamesAFile(t *testing.T) {
	url, srv := servertest.Start(t)
	before := seedStore(t, url, srv)
	w := dialRaw(t, url, nil)
	w.hello()
	ops := append([]string{"hello", "players", "ping", "bye"}, dispatch.Ops()...)
	for _, op := range ops {
		if strings.HasPrefix(op, "Test") {
			continue // the test ops of helpers_test.go
		}
		for _, field := range []string{"path", "file", "filename", "dir", "output"} {
			frame := fmt.Sprintf(`{"id":1,"op":%q,"args":{%q:"../../../../etc/passwd","protocol":1}}`, op, field)
			conn := w
			if op == "hello" {
				conn = dialRaw(t, url, nil) // before a session
			}
			r := conn.call(frame)
			if r.OK || r.Error == nil || r.Error.Name != "UnknownField" || !strings.Contains(r.Error.Text, `"`+field+`"`) {
				t.Errorf("%s with %q: %+v", op, field, r.Error)
			}
		}
	}

	// The HTTP routes: unknown query parameters change nothing of what
	// they do, and no file appears.
	dir := t.TempDir()
	target := filepath.Join(dir, "written")
	hc := newHTTPClient(t)
	status, body := adminDo(t, hc, "GET", url+"/_emulator/export?file="+target+"&path="+target+"&out=../../x", "", nil)
	if status != 200 || !strings.HasPrefix(body, `{"format":"rbxemu"`) {
		t.Fatalf("export with a file parameter: %d %.80s", status, body)
	}
	status, body = adminDo(t, hc, "POST", url+"/_emulator/import?file=/etc/passwd&path=/etc/hostname", "", nil)
	if status != 400 || !strings.Contains(body, "document") {
		t.Fatalf("import naming a file, with no body: %d %s", status, body)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("a file was written: %v", err)
	}
	if fingerprint(t, srv) != before {
		t.Fatal("the store changed")
	}
}

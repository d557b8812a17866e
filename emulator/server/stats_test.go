package server_test

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestStatsOp(t *testing.T) {
	url, srv := servertest.Start(t)
	w := dialRaw(t, url, nil)
	w.hello()
	session := httpHello(t, url, nil)
	r := w.call(`{"id":1,"op":"_emulator.stats"}`)
	if !r.OK {
		t.Fatalf("%+v", r.Error)
	}
	var st dispatch.Stats
	if err := json.Unmarshal(r.Result, &st); err != nil {
		t.Fatal(err)
	}
	if st.Goroutines <= 0 || st.HeapAllocBytes == 0 || st.SysBytes == 0 || st.Connections == nil {
		t.Fatalf("stats %+v", st)
	}
	if c := *st.Connections; c.WebSockets != 1 || c.HTTPSessions != 1 || c.Sessions != 2 {
		t.Fatalf("connections %+v", c)
	}
	if runtime.GOOS == "linux" && (st.OpenFiles <= 0 || st.RSSBytes <= 0) {
		t.Fatalf("linux stats %+v", st)
	}
	// Over HTTP too, and as a Go method.
	if _, r := post(t, url, session, `{"id":2,"op":"_emulator.stats","args":{}}`, nil); !r.OK {
		t.Fatalf("http: %+v", r.Error)
	}
	if _, r := post(t, url, session, `{"id":3,"op":"_emulator.stats","args":{"x":1}}`, nil); r.OK || r.Error.Name != "UnknownField" {
		t.Fatalf("unknown field: %+v", r.Error)
	}
	if st := srv.Stats(); st.Connections == nil || st.Connections.Sessions != 2 {
		t.Fatalf("Server.Stats %+v", st)
	}
}

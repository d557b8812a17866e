// Package servertest starts a whole rbxemu daemon inside a Go test, in the
// manner of net/http/httptest: one call, a free port on 127.0.0.1, an
// in-memory store, and cleanup when the test ends.
//
//	func TestSave(t *testing.T) {
//		url, _ := servertest.Start(t)
//		c, err := client.Dial(ctx, url, client.HelloOptions{})
//		...
//	}
//
// With servertest.VirtualClock() the daemon runs on a virtual clock that
// the test moves through srv.Clock().(*clock.Manual).
package servertest

import (
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server"
)

// Option changes the server's options before it starts.
type Option func(*server.Options)

// VirtualClock runs the daemon on a virtual clock starting now.
func VirtualClock() Option {
	return func(o *server.Options) { o.Clock = clock.NewManual(time.Now()) }
}

// Clock runs the daemon on the given clock.
func Clock(c clock.Clock) Option { return func(o *server.Options) { o.Clock = c } }

// Token requires a token on every door.
func Token(t string) Option { return func(o *server.Options) { o.Token = t } }

// Gate installs a throttling gate.
func Gate(g dispatch.Gate) Option {
	return func(o *server.Options) { o.Gate, o.Throttle = g, g != nil }
}

// DataDir keeps the data on disk in dir instead of in memory.
func DataDir(dir string) Option {
	return func(o *server.Options) { o.DataDir, o.InMemory = dir, false }
}

// Options applies any other change to the server's options.
func Options(f func(*server.Options)) Option { return Option(f) }

// Start starts a daemon on 127.0.0.1 with a free port and an in-memory
// store, closes it when the test ends, and returns its base URL
// (http://127.0.0.1:PORT; client.Dial and client.NewHTTP accept it).
func Start(t testing.TB, opts ...Option) (url string, srv *server.Server) {
	t.Helper()
	o := server.Options{Addr: "127.0.0.1:0", InMemory: true, Version: "test"}
	for _, f := range opts {
		f(&o)
	}
	srv, err := server.New(o)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if err := srv.Start(); err != nil {
		_ = srv.Close()
		t.Fatalf("servertest: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("servertest: close: %v", err)
		}
	})
	return srv.URL(), srv
}

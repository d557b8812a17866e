package harness_test

// The daemon side of the shim's tests: an in-process rbxemu per test (on a
// virtual clock, with throttling on), and an Env wired to it.

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
	"github.com/rbxemu/rbxemu/luaclient/harness"
)

// luaclientDir is the luaclient directory (this file is in luaclient/harness).
func luaclientDir(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Dir(filepath.Dir(file))
}

// daemon is one in-process rbxemu.
type daemon struct {
	URL   string
	Srv   *server.Server
	Clock *clock.Manual
}

type daemonOpt struct {
	noThrottle bool
	token      string
}

// startDaemon starts a daemon on a virtual clock with throttling on.
func startDaemon(t testing.TB, o daemonOpt) *daemon {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	opts := []servertest.Option{servertest.Clock(clk)}
	if !o.noThrottle {
		opts = append(opts, servertest.Gate(throttle.New(clk, throttle.Options{})))
	}
	if o.token != "" {
		opts = append(opts, servertest.Token(o.token))
	}
	url, srv := servertest.Start(t, opts...)
	return &daemon{URL: url, Srv: srv, Clock: clk}
}

type envOpt struct {
	transport   string // websocket, http, auto
	live        bool   // RunService:IsStudio() false
	noWebStream bool
	deferred    bool   // signals run deferred (Studio's default)
	url         string // overrides the daemon's URL
}

// newEnv builds a fake Roblox wired to d: __harness.url and
// __harness.transport, and __harness.advance(ms) moving d's clock.
func newEnv(t testing.TB, d *daemon, o envOpt) *harness.Env {
	t.Helper()
	env, err := harness.New(harness.Options{
		Root:            luaclientDir(t),
		Studio:          !o.live,
		NoWebStream:     o.noWebStream,
		DeferredSignals: o.deferred,
		Timeout:         90 * time.Second,
		Log: func(kind, text string) {
			t.Logf("lua %s: %s", kind, text)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	url := o.url
	if url == "" && d != nil {
		url = d.URL
	}
	h := env.L.GetGlobal("__harness").(*lua.LTable)
	h.RawSetString("url", lua.LString(url))
	h.RawSetString("transport", lua.LString(o.transport))
	if d != nil {
		env.Expose("advance", func(L *lua.LState) int {
			if _, err := d.Clock.Advance(time.Duration(L.CheckNumber(1)) * time.Millisecond); err != nil {
				L.RaiseError("%v", err)
			}
			return 0
		})
	}
	return env
}

// setupLua is prepended to every spec: __harness.setup() returns the shim,
// configured for the test's daemon and transport.
const setupLua = `
function __harness.setup(extra)
	local RbxEmu = require(game:GetService("ReplicatedStorage"):WaitForChild("RbxEmu"))
	local opts = { url = __harness.url, transport = __harness.transport }
	for k, v in pairs(extra or {}) do
		opts[k] = v
	end
	RbxEmu.configure(opts)
	return RbxEmu
end
`

// runLua runs src in env and fails the test on its error or on an uncaught
// error in another thread.
func runLua(t testing.TB, env *harness.Env, name, src string) {
	t.Helper()
	if err := env.RunString("setup", setupLua); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if err := env.RunString(name, src); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if errs := env.Errors(); len(errs) > 0 {
		t.Fatalf("%s: uncaught errors in threads:\n%s", name, strings.Join(errs, "\n"))
	}
}

// productionCalls returns what the fake production DataStoreService saw.
func productionCalls(env *harness.Env) []string {
	h := env.L.GetGlobal("__harness").(*lua.LTable)
	calls, _ := h.RawGetString("productionCalls").(*lua.LTable)
	var out []string
	if calls != nil {
		calls.ForEach(func(_, v lua.LValue) { out = append(out, v.String()) })
	}
	return out
}

// webStreamClients counts the WebStreamClients the shim created.
func webStreamClients(env *harness.Env) int {
	h := env.L.GetGlobal("__harness").(*lua.LTable)
	n, _ := h.RawGetString("webStreamClients").(lua.LNumber)
	return int(n)
}

package harness_test

// Tests of the shim's behaviour around the DataStore calls: transport
// choice, an unreachable daemon, live games, tokens, reconnection.

import (
	lua "github.com/yuin/gopher-lua"
	"net"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/server"
)

func TestAutoTransportPrefersWebSocket(t *testing.T) {
	d := startDaemon(t, daemonOpt{})
	env := newEnv(t, d, envOpt{transport: "auto"})
	runLua(t, env, "auto", `
		local RbxEmu = __harness.setup()
		local store = RbxEmu.DataStoreService:GetDataStore("Auto")
		store:SetAsync("k", 1)
		expectEq(store:GetAsync("k"), 1, "round trip")
	`)
	if webStreamClients(env) != 1 {
		t.Fatalf("auto opened %d WebStreamClients, want 1", webStreamClients(env))
	}
}

func TestAutoTransportFallsBackToHTTP(t *testing.T) {
	d := startDaemon(t, daemonOpt{})
	env := newEnv(t, d, envOpt{transport: "auto", noWebStream: true})
	runLua(t, env, "auto-http", `
		local RbxEmu = __harness.setup()
		local store = RbxEmu.DataStoreService:GetDataStore("Auto")
		store:SetAsync("k", 1)
		expectEq(store:GetAsync("k"), 1, "round trip over HTTP")
		local other = RbxEmu.new({ transport = "websocket" })
		expectError(function() other.DataStoreService:GetDataStore("Auto"):GetAsync("k") end,
			{ pattern = "^rbxemu: no way to reach the emulator from here: HttpService:CreateWebStreamClient is not available" },
			"websocket asked for where there is none")
	`)
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestUnreachableDaemonFailsLoudly(t *testing.T) {
	url := closedURL(t)
	host := strings.TrimPrefix(url, "http://")
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			env := newEnv(t, nil, envOpt{transport: transport, url: url})
			want := "ws://" + host + "/v1/ws"
			if transport == "http" {
				want = "http://" + host + "/v1/rpc"
			}
			runLua(t, env, "unreachable", `
				local RbxEmu = __harness.setup()
				local store = RbxEmu.DataStoreService:GetDataStore("Nowhere")
				local err = expectError(function() store:GetAsync("k") end,
					{ pattern = "^rbxemu: cannot reach the emulator at " .. string.gsub("`+want+`", "%p", "%%%0") .. " %(" },
					"first call")
				expectTrue(string.find(err, "rbxemu serve", 1, true) ~= nil, "names rbxemu serve: " .. err)
				-- within the backoff window the next call fails at once with the same text
				local again = expectError(function() store:SetAsync("k", 1) end, err, "second call")
				expectTrue(RbxEmu.isEmulated(), "still the emulator's service")
			`)
			if calls := productionCalls(env); len(calls) > 0 {
				t.Fatalf("fell back to the production DataStoreService: %v", calls)
			}
		})
	}
}

func TestLiveGameGetsTheRealService(t *testing.T) {
	d := startDaemon(t, daemonOpt{})
	env := newEnv(t, d, envOpt{transport: "websocket", live: true})
	runLua(t, env, "live", `
		local RbxEmu = __harness.setup()
		local real = game:GetService("DataStoreService")
		expectTrue(RbxEmu.DataStoreService == real, "the real service in a live game")
		expectEq(RbxEmu.isEmulated(), false, "not emulated")
		RbxEmu.DataStoreService:GetDataStore("Live")
		expectTrue(RbxEmu.new().DataStoreService == real, "new clients too")
		-- opting in
		local emulated = RbxEmu.new({ enableInLiveGame = true })
		expectTrue(emulated.DataStoreService ~= real, "opted in")
		emulated.DataStoreService:GetDataStore("Live"):SetAsync("k", 1)
		RbxEmu.configure({ enableInLiveGame = true })
		expectEq(RbxEmu.isEmulated(), true, "default client opted in")
		expectEq(RbxEmu.DataStoreService:GetDataStore("Live"):GetAsync("k"), 1, "emulated data")
	`)
	calls := productionCalls(env)
	if len(calls) != 1 || calls[0] != "DataStoreService.GetDataStore" {
		t.Fatalf("production calls %v, want exactly the one GetDataStore", calls)
	}
	if webStreamClients(env) == 0 {
		t.Fatal("the opted-in clients did not use the emulator")
	}
}

func TestToken(t *testing.T) {
	d := startDaemon(t, daemonOpt{token: "s3cret"})
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			env := newEnv(t, d, envOpt{transport: transport})
			runLua(t, env, "token", `
				local RbxEmu = __harness.setup()
				local wrong = RbxEmu.new({ token = "nope" })
				expectError(function() wrong.DataStoreService:GetDataStore("T"):GetAsync("k") end,
					"rbxemu: missing or wrong token", "wrong token")
				local none = RbxEmu.new()
				expectError(function() none.DataStoreService:GetDataStore("T"):GetAsync("k") end,
					"rbxemu: missing or wrong token", "no token")
				local right = RbxEmu.new({ token = "s3cret" })
				right.DataStoreService:GetDataStore("T"):SetAsync("k", 1)
				expectEq(right.DataStoreService:GetDataStore("T"):GetAsync("k"), 1, "right token")
			`)
		})
	}
}

func TestReconnectsAfterTheDaemonRestarts(t *testing.T) {
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			d := startDaemon(t, daemonOpt{noThrottle: true})
			addr := strings.TrimPrefix(d.URL, "http://")
			env := newEnv(t, d, envOpt{transport: transport})
			env.Expose("restart", func(L *lua.LState) int {
				if err := d.Srv.Close(); err != nil {
					L.RaiseError("close: %v", err)
				}
				srv, err := server.New(server.Options{Addr: addr, InMemory: true, Version: "test"})
				if err != nil {
					L.RaiseError("new: %v", err)
				}
				if err := srv.Start(); err != nil {
					L.RaiseError("start: %v", err)
				}
				t.Cleanup(func() { _ = srv.Close() })
				return 0
			})
			runLua(t, env, "restart", `
				local RbxEmu = __harness.setup()
				local client = RbxEmu.new()
				local store = client.DataStoreService:GetDataStore("R")
				store:SetAsync("k", 1)
				local first = client:SessionId()
				__harness.restart()
				task.wait(0.2)
				local ok = pcall(function() store:SetAsync("k", 2) end)
				if not ok then
					-- the first call after the drop may find the daemon gone; wait out
					-- the backoff and try again
					task.wait(6)
					store:SetAsync("k", 2)
				end
				expectTrue(client:SessionId() ~= nil and client:SessionId() ~= first, "a new session")
				local noCache = Instance.new("DataStoreGetOptions")
				noCache.UseCache = false
				expectEq(store:GetAsync("k", noCache), 2, "works again")
			`)
		})
	}
}

// An HTTP session the daemon forgot (here by "bye"; also after 10 idle
// minutes or a restart) is opened again without the game noticing.
func TestForgottenHTTPSessionIsReopened(t *testing.T) {
	d := startDaemon(t, daemonOpt{})
	env := newEnv(t, d, envOpt{transport: "http"})
	runLua(t, env, "bye", `
		local RbxEmu = __harness.setup()
		local client = RbxEmu.new()
		local store = client.DataStoreService:GetDataStore("Bye")
		store:SetAsync("k", 1)
		local first = client:SessionId()
		client:Call("bye")
		local noCache = Instance.new("DataStoreGetOptions")
		noCache.UseCache = false
		expectEq(store:GetAsync("k", noCache), 1, "works after the session was forgotten")
		expectTrue(client:SessionId() ~= first, "in a new session")
		client:Close()
		expectEq(store:GetAsync("k", noCache), 1, "and after Close")
	`)
}

// A new place has HttpService.HttpEnabled off: the first call fails with a
// message naming the setting, over either transport, and nothing reaches
// the daemon; with the setting on, the same client works.
func TestHttpEnabledOffNamesTheSetting(t *testing.T) {
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			d := startDaemon(t, daemonOpt{})
			env := newEnv(t, d, envOpt{transport: transport})
			runLua(t, env, "http-disabled", `
				local HttpService = game:GetService("HttpService")
				HttpService.HttpEnabled = false
				local RbxEmu = __harness.setup()
				local store = RbxEmu.DataStoreService:GetDataStore("Off")
				local hostport = string.match(__harness.url, "//([^/]+)")
				local url = __harness.transport == "http" and ("http://" .. hostport .. "/v1/rpc") or ("ws://" .. hostport .. "/v1/ws")
				expectError(function() store:GetAsync("k") end,
					"rbxemu: HTTP requests are off in this place (HttpService.HttpEnabled is false), so the shim cannot reach the emulator at "
						.. url .. ". Turn on Game Settings > Security > Allow HTTP Requests, then press Play again.",
					"the first call")
				HttpService.HttpEnabled = true
				RbxEmu.configure({})
				store:SetAsync("k", 1)
				expectEq(store:GetAsync("k"), 1, "with HTTP requests on")
			`)
			if n := len(d.Srv.Sessions()); n != 1 {
				t.Fatalf("%d sessions, want the one opened after the setting was turned on", n)
			}
		})
	}
}

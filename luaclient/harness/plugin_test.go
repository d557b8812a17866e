package harness_test

// Tests of the Studio plugin (luaclient/plugin) in a fake Studio
// (lua/plugin.lua): every panel's data flow against an in-process daemon,
// through the models (plain tables) and through the widget's Instances
// (clicks, typing, what the labels and rows show). The production
// DataStoreService must never be asked for.

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/luaclient/harness"
)

type pluginEnvOpt struct {
	noWebStream bool
	url         string // overrides the daemon's URL
}

// newPluginEnv builds a fake Studio with the plugin environment, wired to
// d as newEnv does (__harness.url, __harness.advance).
func newPluginEnv(t testing.TB, d *daemon, o pluginEnvOpt) *harness.Env {
	t.Helper()
	env, err := harness.New(harness.Options{
		Root:        luaclientDir(t),
		Studio:      true,
		Plugin:      true,
		NoWebStream: o.noWebStream,
		Timeout:     90 * time.Second,
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
	h.RawSetString("transport", lua.LString("websocket"))
	// sleep waits in real time, for pushes (monitor events) that no
	// request waits for, so the scheduler would not wait for them either.
	env.Expose("sleep", func(L *lua.LState) int {
		time.Sleep(time.Duration(float64(L.CheckNumber(1)) * float64(time.Second)))
		return 0
	})
	if d != nil && d.Clock != nil {
		env.Expose("advance", func(L *lua.LState) int {
			if _, err := d.Clock.Advance(time.Duration(L.CheckNumber(1)) * time.Millisecond); err != nil {
				L.RaiseError("%v", err)
			}
			return 0
		})
	}
	return env
}

// pluginSetupLua is run before every plugin test. __harness.startApp(opts)
// starts the plugin's App with a fake plugin object whose URL setting
// points at the test's daemon, and returns app, plugin, tree; opts:
// settings (the plugin's stored settings), stream, http. __harness.game()
// is a shim client that plays a game server. __harness.counting(http)
// wraps HttpService to count RequestAsync calls.
const pluginSetupLua = `
local H = __harness
function H.startApp(opts)
	opts = opts or {}
	local settings = opts.settings or { ["rbxemu.url"] = H.url }
	local p = H.newPlugin(settings)
	local tree = H.pluginTree or H.loadPlugin()
	H.pluginTree = tree
	local App = require(tree:WaitForChild("App"))
	local app = App.start(p, { poll = false, stream = opts.stream, http = opts.http })
	return app, p, tree
end
function H.module(path)
	local inst = H.pluginTree or H.loadPlugin()
	H.pluginTree = inst
	for part in string.gmatch(path, "[^/]+") do
		inst = inst:WaitForChild(part)
	end
	return require(inst)
end
function H.game(extra)
	local RbxEmu = require(game:GetService("ReplicatedStorage"):WaitForChild("RbxEmu"))
	local opts = { url = H.url, transport = "websocket", client = "studio" }
	for k, v in pairs(extra or {}) do
		opts[k] = v
	end
	return RbxEmu.new(opts)
end
-- waitFor waits (in real time too) until cond() is true.
function H.waitFor(cond, what, seconds)
	local spent = 0
	while not cond() do
		if spent > (seconds or 10) * 4 then
			error("timed out waiting for " .. what, 2)
		end
		H.sleep(0.025)
		task.wait(0.025)
		spent = spent + 0.05
	end
end
-- texts lists the Text of a list's rows.
function H.texts(list)
	local out = {}
	for i, row in ipairs(H.rows(list)) do
		out[i] = row.Text
	end
	return out
end
-- field collects one field of a view's rows.
function H.field(rows, name)
	local out = {}
	for i, row in ipairs(rows) do
		out[i] = row[name]
	end
	return out
end
function H.contains(text, part)
	return type(text) == "string" and string.find(text, part, 1, true) ~= nil
end
function H.counting(http)
	local counter = { n = 0 }
	counter.http = setmetatable({}, { __index = function(_, k)
		local v = http[k]
		if k == "RequestAsync" then
			return function(_, req)
				counter.n = counter.n + 1
				return http:RequestAsync(req)
			end
		elseif type(v) == "function" then
			return function(_, ...)
				return v(http, ...)
			end
		end
		return v
	end })
	return counter
end
`

// runPluginLua runs src in a plugin env and fails the test on its error,
// an uncaught error in another thread, or any call to the production
// DataStoreService.
func runPluginLua(t testing.TB, env *harness.Env, name, src string) {
	t.Helper()
	if err := env.RunString("plugin-setup", pluginSetupLua); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if err := env.RunString(name, src); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if errs := env.Errors(); len(errs) > 0 {
		t.Fatalf("%s: uncaught errors in threads:\n%s", name, strings.Join(errs, "\n"))
	}
	if calls := productionCalls(env); len(calls) > 0 {
		t.Fatalf("%s: the plugin reached the production DataStoreService: %v", name, calls)
	}
}

// The plugin Script, run as Studio runs it, makes the toolbar button and
// the widget; the button shows the widget, which connects and walks from
// the stores to a store's keys to a key's value by clicks; closing the
// widget and unloading the plugin stop it.
func TestPluginWidgetFromTheScript(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "widget", `
		local H = __harness
		local ds = H.game().DataStoreService
		ds:GetDataStore("PlayerData"):SetAsync("Player_1", { coins = 10 })
		ds:GetDataStore("Inventory"):SetAsync("Player_1", { "sword" })

		local p = H.newPlugin({ ["rbxemu.url"] = H.url })
		local tree = H.runPlugin(p)
		H.pluginTree = tree
		local App = require(tree:WaitForChild("App"))
		local Theme = H.module("Ui/Theme")
		local app = App.running
		expectTrue(app ~= nil and app.plugin == p, "the Script started the app with its plugin")
		local toolbar = p:FindFirstChild("rbxemu")
		expectTrue(toolbar ~= nil, "a toolbar named rbxemu")
		local button = toolbar:FindFirstChild("RbxEmuDataStores")
		expectTrue(button ~= nil and button.ClickableWhenViewportHidden, "a toolbar button")
		expectEq(app.widget.ClassName, "DockWidgetPluginGui", "the widget")
		expectEq(app.widget.Enabled, false, "hidden until the button is pressed")
		local status = H.find(app.widget, "Status")
		expectTrue(H.contains(status.Text, "Not connected yet"), "status before: " .. status.Text)

		H.press(button)
		H.settle(app)
		expectTrue(app.widget.Enabled and H.buttonActive(button), "shown, button active")
		expectTrue(string.find(status.Text, "^Connected to rbxemu test at http://127%.0%.0%.1:%d+: universe 1") ~= nil,
			"status: " .. status.Text)
		expectTrue(H.contains(status.Text, "virtual clock, throttling on"), "status: " .. status.Text)
		expectTrue(status.TextColor3 == Theme.colors.good, "status in green")
		expectEq(H.find(app.widget, "UrlBox").Text, H.url, "URL box")

		local body = H.path(app.widget, "Root", "Body")
		expectEq(app.window.selected, "Stores", "first tab")
		expectTrue(H.path(body, "StoresPanel").Visible and not H.path(body, "KeysPanel").Visible, "only the Stores panel shows")
		local rows = H.rows(H.path(body, "StoresPanel", "List"))
		expectEq(#rows, 2, "two stores")
		expectTrue(string.find(rows[1].Text, "^Inventory ") ~= nil and string.find(rows[2].Text, "^PlayerData ") ~= nil,
			"store rows: " .. rows[1].Text .. " | " .. rows[2].Text)
		expectTrue(H.contains(rows[2].Text, "updated 2026-01-01 00:00:00.000 UTC"), "times: " .. rows[2].Text)

		H.click(rows[2])
		H.settle(app)
		expectEq(app.window.selected, "Keys", "a store opens its keys")
		expectEq(H.find(H.path(body, "KeysPanel"), "StoreBox").Text, "PlayerData", "store box")
		local keyRows = H.rows(H.path(body, "KeysPanel", "List"))
		expectEq(H.texts(H.path(body, "KeysPanel", "List")), { "Player_1" }, "key rows")

		H.click(keyRows[1])
		H.settle(app)
		expectEq(app.window.selected, "Value", "a key opens its value")
		local valuePanel = H.path(body, "ValuePanel")
		expectEq(H.find(valuePanel, "ValueBox").Text, "{\n  \"coins\": 10\n}", "pretty JSON")
		expectEq(H.find(valuePanel, "Title").Text, "PlayerData / global / Player_1", "title")
		expectTrue(H.contains(H.find(valuePanel, "Info").Text, "user ids []   metadata {}   size 12 B"),
			"info: " .. H.find(valuePanel, "Info").Text)
		expectEq(#H.rows(H.find(valuePanel, "Versions")), 1, "one version")

		-- the tab bar
		H.click(H.find(app.widget, "Tab_Clock"))
		H.settle(app)
		expectTrue(H.path(body, "ClockPanel").Visible, "Clock panel shown")
		expectEq(H.find(H.path(body, "ClockPanel"), "Now").Text,
			"Now: 2026-01-01 00:00:00.000 UTC   (1767225600000 ms)", "clock shown on arrival")

		H.closeWidget(app.widget)
		expectEq(app.widget.Enabled, false, "closed")
		expectEq(H.buttonActive(button), false, "button inactive")
		H.press(button)
		H.settle(app)
		expectEq(app.widget.Enabled, true, "shown again")
		p.Unloading:Fire()
		expectEq(app.stopped, true, "stopped on unloading")
	`)
}

func TestPluginStoresAndKeys(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "stores-keys", `
		local H = __harness
		local ds = H.game().DataStoreService
		for _, name in ipairs({ "Alpha", "Beta", "Gamma", "Delta", "Epsilon" }) do
			ds:GetDataStore(name):SetAsync("k", 1)
		end
		ds:GetOrderedDataStore("Board"):SetAsync("a", 5)
		local players = ds:GetDataStore("Players")
		for i = 1, 7 do
			players:SetAsync("Player_" .. i, i)
		end
		players:SetAsync("Other", 0)
		players:RemoveAsync("Other")
		ds:GetDataStore("Players", "s2"):SetAsync("Player_9", 9)

		local app = H.startApp()
		H.module("Model/Stores").PAGE_SIZE = 2
		H.module("Model/Keys").PAGE_SIZE = 3

		local s = app.models.stores
		local v = s:Search("")
		expectEq(v.ok, true, "listed: " .. tostring(v.message))
		expectEq(H.field(v.rows, "name"), { "Alpha", "Beta" }, "page 1")
		expectEq({ v.page, v.hasPrev, v.hasNext }, { 1, false, true }, "paging 1")
		v = s:Next()
		expectEq(H.field(v.rows, "name"), { "Delta", "Epsilon" }, "page 2")
		expectEq({ v.page, v.hasPrev, v.hasNext }, { 2, true, true }, "paging 2")
		v = s:Next()
		expectEq(H.field(v.rows, "name"), { "Gamma", "Players" }, "page 3")
		expectEq(v.hasNext, false, "the last page")
		v = s:Next()
		expectEq({ v.page, H.field(v.rows, "name") }, { 3, { "Gamma", "Players" } }, "no page after the last")
		v = s:Prev()
		expectEq(H.field(v.rows, "name"), { "Delta", "Epsilon" }, "back to page 2")
		expectEq(v.rows[1].created, "2026-01-01 00:00:00.000 UTC", "created")
		v = s:Search("  G ")
		expectEq(H.field(v.rows, "name"), { "Gamma" }, "prefix, trimmed")
		v = s:Search("Zz")
		expectEq(#v.rows, 0, "no match")
		expectTrue(H.contains(v.message, "No data store starts with \"Zz\""), "message: " .. tostring(v.message))

		local k = app.models.keys
		v = k:Search({ store = "Players", prefix = "Player_" })
		expectEq(v.ok, true, "keys: " .. tostring(v.message))
		expectEq(H.field(v.rows, "key"), { "Player_1", "Player_2", "Player_3" }, "keys page 1")
		expectEq(v.query.scope, "global", "default scope")
		v = k:Next()
		expectEq(H.field(v.rows, "key"), { "Player_4", "Player_5", "Player_6" }, "keys page 2")
		v = k:Next()
		expectEq(H.field(v.rows, "key"), { "Player_7" }, "keys page 3")
		expectEq({ v.hasPrev, v.hasNext }, { true, false }, "last keys page")
		v = k:Prev()
		expectEq(H.field(v.rows, "key"), { "Player_4", "Player_5", "Player_6" }, "keys back to page 2")
		expectEq(k:Target("Player_5"), { store = "Players", scope = "global", allScopes = false, key = "Player_5" }, "target")

		v = k:Search({ store = "Players", prefix = "O" })
		expectEq(H.field(v.rows, "key"), { "Other" }, "a deleted key is listed until its tombstone expires")
		v = k:Search({ store = "Players", prefix = "O", excludeDeleted = true })
		expectEq(H.field(v.rows, "key"), {}, "excludeDeleted")
		v = k:Search({ store = "Players", scope = "s2" })
		expectEq(H.field(v.rows, "key"), { "Player_9" }, "another scope")
		v = k:Search({ store = "Players", allScopes = true, prefix = "s2/" })
		expectEq(H.field(v.rows, "key"), { "s2/Player_9" }, "all scopes")
		expectEq(k:Target("s2/Player_9").allScopes, true, "all-scopes target")
		local ev = app.models.entry:Load(k:Target("s2/Player_9"))
		expectEq({ ev.ok, ev.title, ev.valueText, #ev.versions.rows }, { true, "Players (all scopes) / s2/Player_9", "9", 1 },
			"an all-scopes key opens: " .. tostring(ev.message))

		-- many listings in a row: the daemon meters the plugin's session like a
		-- game server's (9 lists, then none until the virtual clock moves), so
		-- the client moves to a fresh session before a budget runs out
		for i = 1, 30 do
			v = k:Search({ store = "Players", prefix = "Player_" })
			expectEq(v.ok, true, "listing " .. i .. ": " .. tostring(v.message))
		end
		local plugins = 0
		for _, row in ipairs(app.models.budgets:Refresh().rows) do
			if row.client == "plugin" then
				plugins = plugins + 1
			end
		end
		expectEq(plugins, 1, "the old sessions said bye")

		v = k:Search({ store = "  " })
		expectEq(v.ok, false, "no store")
		expectTrue(H.contains(v.message, "Type a data store name"), "message: " .. tostring(v.message))
		v = k:Search({ store = string.rep("x", 51) })
		expectEq(v.ok, false, "a name the daemon refuses")
		expectTrue(v.message ~= nil and v.message ~= "", "its error is shown")

		-- through the widget: paging buttons follow the model
		app:SetOpen(true)
		H.settle(app)
		local panel = H.path(app.widget, "Root", "Body", "KeysPanel")
		app:OpenKeys("Players")
		H.settle(app)
		expectEq(H.texts(H.find(panel, "List")), { "Other", "Player_1", "Player_2" }, "keys in the widget")
		expectEq(H.find(panel, "PrevButton").Visible, false, "no Prev on page 1")
		H.click(H.find(panel, "NextButton"))
		H.settle(app)
		expectEq(H.texts(H.find(panel, "List")), { "Player_3", "Player_4", "Player_5" }, "Next")
		expectEq(H.find(panel, "PageLabel").Text, "Players / global, page 2", "page label")
		H.type(H.find(panel, "PrefixBox"), "Player_7", true)
		H.settle(app)
		expectEq(H.texts(H.find(panel, "List")), { "Player_7" }, "prefix typed, Enter")
	`)
}

// The Value tab: value, key info, versions, an old version; edits (valid,
// invalid, conflicting), restore, delete; a key without a value.
func TestPluginValueVersionsAndChanges(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "value", `
		local H = __harness
		local game1 = H.game()
		local store = game1.DataStoreService:GetDataStore("PlayerData")
		local noCache = Instance.new("DataStoreGetOptions")
		noCache.UseCache = false
		local function setOpts(md)
			local o = Instance.new("DataStoreSetOptions")
			o:SetMetadata(md)
			return o
		end
		store:SetAsync("Player_1", { coins = 100 }, { 111 }, setOpts({ schema = 1 }))
		H.advance(3600 * 1000)
		store:SetAsync("Player_1", { coins = 250 }, { 111, 222 }, setOpts({ schema = 2 }))

		local counter = H.counting(game:GetService("HttpService"))
		local app = H.startApp({ http = counter.http })
		local e = app.models.entry
		local v = e:Load({ store = "PlayerData", key = "Player_1" })
		expectEq(v.ok, true, "loaded: " .. tostring(v.message))
		expectEq(v.exists, true, "exists")
		expectEq(v.title, "PlayerData / global / Player_1", "title")
		expectEq(v.valueText, "{\n  \"coins\": 250\n}", "pretty value")
		expectEq(v.editable, true, "editable")
		expectEq(v.size, 13, "size")
		expectEq(v.info.userIds, "[111,222]", "user ids")
		expectEq(v.info.metadata, "{\"schema\":2}", "metadata")
		expectEq(v.info.created, "2026-01-01 00:00:00.000 UTC", "created")
		expectEq(v.info.updated, "2026-01-01 01:00:00.000 UTC", "updated")
		expectEq(#v.versions.rows, 2, "two versions")
		expectEq(v.versions.rows[1].latest, true, "newest first")
		expectEq(v.versions.rows[1].version, v.info.version, "the latest is the key's version")
		expectEq(v.versions.rows[2].created, "2026-01-01 00:00:00.000 UTC", "the old one")
		local oldest = v.versions.rows[2].version

		v = e:Select(oldest)
		expectEq(v.selected.version, oldest, "selected")
		expectEq(v.selected.valueText, "{\n  \"coins\": 100\n}", "old value")
		expectEq(v.selected.userIds, "[111]", "old user ids")
		expectEq(v.selected.metadata, "{\"schema\":1}", "old metadata")

		-- paging through versions
		H.module("Model/Entry").VERSIONS_PAGE_SIZE = 1
		v = e:Reload()
		expectEq({ #v.versions.rows, v.versions.hasNext, v.versions.hasPrev }, { 1, true, false }, "versions page 1")
		v = e:VersionsNext()
		expectEq(v.versions.rows[1].version, oldest, "versions page 2")
		expectEq(v.versions.rows[1].latest, false, "not the latest")
		v = e:VersionsPrev()
		expectEq(v.versions.rows[1].latest, true, "back")
		H.module("Model/Entry").VERSIONS_PAGE_SIZE = 20

		-- invalid JSON: refused here, with where, and nothing is sent
		local before = counter.n
		for _, bad in ipairs({ "{\"coins\": 1,}", "{coins: 1}", "[1, 2", "{\"a\": 1} x", "", "{\"a\": 1, \"a\": 2}", "01" }) do
			v = e:Save(bad)
			expectEq(v.ok, false, "refused: " .. bad)
			expectTrue(H.contains(v.message, "Not saved: the value is not valid JSON (line "), "message: " .. v.message)
			expectTrue(H.contains(v.message, "Nothing was sent."), "says nothing was sent: " .. v.message)
		end
		v = e:Save("{\n  \"coins\": 1,\n}")
		expectTrue(H.contains(v.message, "(line 3, column 1: expected a member name"), "position: " .. v.message)
		expectEq(counter.n, before, "requests sent for invalid JSON")
		local value = store:GetAsync("Player_1", noCache)
		expectEq(value, { coins = 250 }, "unchanged")

		-- a valid edit: written as typed (order, [] and {} kept), user ids and
		-- metadata kept
		v = e:Save("{\"b\": 1, \"a\": [], \"c\": {}, \"d\": [1.5, null, \"x\"]}")
		expectEq(v.ok, true, "saved: " .. tostring(v.message))
		expectTrue(string.find(v.message, "^Saved as version ") ~= nil, "message: " .. v.message)
		expectEq(v.valueText, "{\n  \"b\": 1,\n  \"a\": [],\n  \"c\": {},\n  \"d\": [\n    1.5,\n    null,\n    \"x\"\n  ]\n}",
			"shown as written")
		local got, info = store:GetAsync("Player_1", noCache)
		expectEq(got.b, 1, "the game reads the new value")
		expectEq(info:GetUserIds(), { 111, 222 }, "user ids kept")
		expectEq(info:GetMetadata(), { schema = 2 }, "metadata kept")

		-- a write by the game after the key was loaded: the edit is refused
		store:SetAsync("Player_1", { coins = 999 })
		v = e:Save("{\"coins\": 1}")
		expectEq(v.ok, false, "conflict")
		expectTrue(H.contains(v.message, "the key changed since it was loaded"), "message: " .. v.message)
		expectEq(store:GetAsync("Player_1", noCache), { coins = 999 }, "the game's write stands")
		v = e:Reload()
		expectEq(v.valueText, "{\n  \"coins\": 999\n}", "reloaded")
		expectEq(v.message, nil, "reload clears the message")

		-- restore the oldest version: value, user ids and metadata
		v = e:Restore(oldest)
		expectEq(v.ok, true, "restored: " .. tostring(v.message))
		expectTrue(string.find(v.message, "^Restored version " .. oldest .. " as the new latest version ") ~= nil, v.message)
		got, info = store:GetAsync("Player_1", noCache)
		expectEq(got, { coins = 100 }, "old value is the latest")
		expectEq(info:GetUserIds(), { 111 }, "old user ids")
		expectEq(info:GetMetadata(), { schema = 1 }, "old metadata")
		expectEq(v.valueText, "{\n  \"coins\": 100\n}", "shown")
		expectEq(v.versions.rows[1].version, info.Version, "a new latest version")

		-- delete
		v = e:Delete()
		expectEq(v.ok, true, "deleted: " .. tostring(v.message))
		expectTrue(H.contains(v.message, "Deleted Player_1."), v.message)
		expectEq(v.exists, false, "no value now")
		expectEq(store:GetAsync("Player_1", noCache), nil, "the game reads nothing")
		expectEq(v.versions.rows[1].deleted, true, "the latest version is a deletion")
		v = e:Restore(v.versions.rows[1].version)
		expectEq(v.ok, false, "a deletion cannot be restored")
		expectTrue(H.contains(v.message, "holds no value"), v.message)

		-- a key without a value can be written
		v = e:Load({ store = "PlayerData", key = "Nobody" })
		expectEq({ v.ok, v.exists, v.editable }, { true, false, true }, "missing key")
		expectTrue(H.contains(v.message, "has no value"), tostring(v.message))
		v = e:Save("{\"new\": true}")
		expectEq(v.ok, true, "written: " .. tostring(v.message))
		expectEq(store:GetAsync("Nobody", noCache), { new = true }, "the game reads it")

		v = e:Load({ store = "PlayerData", key = "" })
		expectEq(v.ok, false, "no key")
		expectTrue(H.contains(v.message, "Type a key name"), v.message)
	`)
}

// The same through the widget: the value box, Save with invalid JSON (a red
// message, no request), Format, Save, a two-click Delete, a version and a
// two-click Restore.
func TestPluginValuePanel(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "value-panel", `
		local H = __harness
		local store = H.game().DataStoreService:GetDataStore("PlayerData")
		local noCache = Instance.new("DataStoreGetOptions")
		noCache.UseCache = false
		store:SetAsync("Player_1", { coins = 10 })
		H.advance(3600 * 1000)
		store:SetAsync("Player_1", { coins = 20 })

		local counter = H.counting(game:GetService("HttpService"))
		local app = H.startApp({ http = counter.http })
		local Theme = H.module("Ui/Theme")
		app:SetOpen(true)
		H.settle(app)
		local panel = H.path(app.widget, "Root", "Body", "ValuePanel")
		-- typed store and key, Enter
		H.click(H.find(app.widget, "Tab_Value"))
		H.type(H.find(panel, "StoreBox"), "PlayerData", false)
		H.type(H.find(panel, "KeyBox"), "Player_1", true)
		H.settle(app)
		local box = H.find(panel, "ValueBox")
		local message = H.find(panel, "Message")
		expectEq(box.Text, "{\n  \"coins\": 20\n}", "value shown")
		expectEq(box.TextEditable, true, "editable")

		box.Text = "{\"coins\": }"
		local before = counter.n
		H.click(H.find(panel, "SaveButton"))
		H.settle(app)
		expectEq(counter.n, before, "nothing sent for invalid JSON")
		expectTrue(H.contains(message.Text, "Not saved: the value is not valid JSON (line 1, column 11"), message.Text)
		expectTrue(message.TextColor3 == Theme.colors.bad, "in red")
		expectEq(store:GetAsync("Player_1", noCache), { coins = 20 }, "unchanged")

		H.click(H.find(panel, "FormatButton"))
		expectTrue(H.contains(message.Text, "Not valid JSON: line 1, column 11"), "Format refuses too: " .. message.Text)
		box.Text = "{\"coins\":5,\"tags\":[\"a\"]}"
		H.click(H.find(panel, "FormatButton"))
		expectEq(box.Text, "{\n  \"coins\": 5,\n  \"tags\": [\n    \"a\"\n  ]\n}", "formatted")
		H.click(H.find(panel, "UndoButton"))
		expectEq(box.Text, "{\n  \"coins\": 20\n}", "undo")
		box.Text = "{\"coins\":5}"
		H.click(H.find(panel, "SaveButton"))
		H.settle(app)
		expectTrue(string.find(message.Text, "^Saved as version ") ~= nil, message.Text)
		expectEq(store:GetAsync("Player_1", noCache), { coins = 5 }, "saved from the widget")

		-- versions: click the old one, restore with two clicks
		local versions = H.rows(H.find(panel, "Versions"))
		expectEq(#versions, 2, "two versions")
		expectTrue(H.contains(versions[1].Text, "(latest)"), versions[1].Text)
		H.click(versions[2])
		H.settle(app)
		expectEq(H.find(panel, "SelectedValue").Text, "{\n  \"coins\": 10\n}", "old value shown")
		expectEq(H.rows(H.find(panel, "Versions"))[2]:GetAttribute("Kind"), "selected", "selected row")
		local restore = H.find(panel, "RestoreButton")
		before = counter.n
		H.click(restore)
		H.settle(app)
		expectEq(restore.Text, "Click again to restore", "asks again")
		expectEq(counter.n, before, "nothing sent on the first click")
		H.click(restore)
		H.settle(app)
		expectTrue(H.contains(message.Text, "Restored version "), message.Text)
		expectEq(store:GetAsync("Player_1", noCache), { coins = 10 }, "restored")
		expectEq(box.Text, "{\n  \"coins\": 10\n}", "shown")

		local delete = H.find(panel, "DeleteButton")
		H.click(delete)
		expectEq(delete.Text, "Click again to delete", "asks again")
		H.click(delete)
		H.settle(app)
		expectEq(store:GetAsync("Player_1", noCache), nil, "deleted")
		expectEq(H.rows(H.find(panel, "Versions"))[1]:GetAttribute("Kind"), "deleted", "the deletion is marked")
		expectEq(delete.Text, "Delete key", "disarmed after")
	`)
}

func TestPluginSortedEntries(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "sorted", `
		local H = __harness
		local game1 = H.game()
		local RbxEmu = require(game:GetService("ReplicatedStorage"):WaitForChild("RbxEmu"))
		local board = game1.DataStoreService:GetOrderedDataStore("Board")
		for i = 1, 7 do
			board:SetAsync("p" .. i, i * 10)
		end
		-- beyond 2^53: sent as written, shown as stored
		game1:Call("SetAsync", { store = "Board", scope = "global", ordered = true, key = "big",
			value = RbxEmu.Json.raw("9007199254740993") })

		local app = H.startApp()
		local s = app.models.sorted
		local v = s:Query({ store = "Board", pageSize = "3" })
		expectEq(v.ok, true, "sorted: " .. tostring(v.message))
		expectEq(H.field(v.rows, "key"), { "big", "p7", "p6" }, "descending by default")
		expectEq(H.field(v.rows, "value"), { "9007199254740993", "70", "60" }, "values exact")
		expectEq(H.field(v.rows, "rank"), { 1, 2, 3 }, "ranks")
		v = s:Next()
		expectEq(H.field(v.rows, "key"), { "p5", "p4", "p3" }, "page 2")
		expectEq(H.field(v.rows, "rank"), { 4, 5, 6 }, "ranks go on")
		v = s:Next()
		expectEq(H.field(v.rows, "key"), { "p2", "p1" }, "page 3")
		expectEq(v.hasNext, false, "last page")
		v = s:Prev()
		expectEq(H.field(v.rows, "key"), { "p5", "p4", "p3" }, "back")
		v = s:Query({ store = "Board", ascending = true, minValue = "20", maxValue = " 40 " })
		expectEq(H.field(v.rows, "key"), { "p2", "p3", "p4" }, "ascending within bounds")
		v = s:Query({ store = "Board", minValue = "9007199254740993" })
		expectEq(H.field(v.rows, "key"), { "big" }, "an exact int64 bound")

		for _, case in ipairs({
			{ { store = "" }, "Type the name of an ordered data store." },
			{ { store = "Board", minValue = "1.5" }, "The lowest value must be a whole number, not \"1.5\"" },
			{ { store = "Board", maxValue = "x" }, "The highest value must be a whole number, not \"x\"" },
			{ { store = "Board", minValue = "5", maxValue = "1" }, "The highest value must not be below the lowest." },
			{ { store = "Board", pageSize = "0" }, "The page size must be between 1 and 100." },
			{ { store = "Board", pageSize = "101" }, "The page size must be between 1 and 100." },
		}) do
			v = s:Query(case[1])
			expectEq({ v.ok, v.message }, { false, case[2] }, "refused: " .. case[2])
		end
		v = s:Query({ store = "Empty" })
		expectEq({ v.ok, #v.rows }, { true, 0 }, "an empty store")
		expectTrue(H.contains(v.message, "No entries"), tostring(v.message))

		-- the widget
		app:SetOpen(true)
		H.settle(app)
		local panel = H.path(app.widget, "Root", "Body", "SortedPanel")
		H.click(H.find(app.widget, "Tab_Sorted"))
		H.type(H.find(panel, "PageSizeBox"), "2", false)
		H.type(H.find(panel, "StoreBox"), "Board", true)
		H.settle(app)
		local texts = H.texts(H.find(panel, "List"))
		expectEq(#texts, 2, "two rows")
		expectTrue(string.find(texts[1], "^%s+1  big%s+9007199254740993$") ~= nil, texts[1])
		H.click(H.find(panel, "DirectionButton"))
		H.click(H.find(panel, "QueryButton"))
		H.settle(app)
		expectTrue(string.find(H.texts(H.find(panel, "List"))[1], "^%s+1  p1%s+10$") ~= nil, "ascending in the widget")
	`)
}

// The monitor over a WebSocket: calls of a game server, a failed one and a
// throttled one highlighted, the plugin's own calls left out; pause, clear.
func TestPluginMonitorLive(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "monitor", `
		local H = __harness
		local app = H.startApp({ stream = true })
		local Theme = H.module("Ui/Theme")
		local m = app.models.monitor
		expectEq(m.mode, "stream", "WebSocket mode")
		app:SetOpen(true)
		H.click(H.find(app.widget, "Tab_Monitor"))
		H.waitFor(function() return m.state == "live" end, "the monitor to go live")
		expectTrue(H.contains(m:View().notice, "Live:"), m:View().notice)

		local game1 = H.game({ jobId = "server-a" })
		local store = game1.DataStoreService:GetDataStore("PlayerData")
		store:SetAsync("Player_1", 1)
		game1:Call("_emulator.faults.add", { op = "GetAsync", error = 502, times = 1 })
		local ok, err = pcall(function() return store:GetAsync("Player_2") end)
		expectEq(ok, false, "the fault fired")
		game1:Call("_emulator.faults.add", { op = "SetAsync", error = "KeyThrottled", times = 1 })
		ok = pcall(function() store:SetAsync("Player_3", 3) end)
		expectEq(ok, false, "the throttle fault fired")
		-- the plugin's own reads are not shown
		app.models.entry:Load({ store = "PlayerData", key = "Player_1" })
		store:SetAsync("Player_4", 4)
		H.waitFor(function() return #m.rows >= 4 end, "four monitor rows")
		H.sleep(0.2)
		task.wait(0.5)

		local v = m:View()
		expectEq(#v.rows, 4, "four calls, none of the plugin's")
		expectEq(H.field(v.rows, "op"), { "SetAsync", "SetAsync", "GetAsync", "SetAsync" }, "newest first")
		expectEq(H.field(v.rows, "kind"), { "ok", "throttled", "failed", "ok" }, "kinds")
		expectEq(v.rows[3].outcome, "502: API Services rejected request with error. HTTP 500 (Internal Server Error)", "failed text")
		expectEq(v.rows[2].outcome,
			"DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: SetAsync, Data Store: PlayerData",
			"throttled text")
		expectEq(v.rows[4].target, "PlayerData/global/Player_1", "target")
		expectEq(v.rows[4].jobId, "server-a", "job id")
		expectEq(v.rows[4].client, "studio", "client")
		expectTrue(string.find(v.rows[4].budget, "StandardWrite=%d+") ~= nil, "budget: " .. v.rows[4].budget)
		expectTrue(string.find(v.rows[3].faults, "^f1:error") ~= nil, "faults: " .. v.rows[3].faults)
		expectEq({ v.counts.failed, v.counts.throttled }, { 1, 1 }, "counts")

		-- the panel redraws after events, colours by kind
		local list = H.path(app.widget, "Root", "Body", "MonitorPanel", "List")
		local rows = H.rows(list)
		expectEq(#rows, 4, "four rows in the widget")
		expectEq(rows[2]:GetAttribute("Kind"), "throttled", "throttled row")
		expectTrue(rows[2].BackgroundColor3 == Theme.colors.throttled, "throttled in orange")
		expectEq(rows[3]:GetAttribute("Kind"), "failed", "failed row")
		expectTrue(rows[3].BackgroundColor3 == Theme.colors.failed, "failed in red")
		expectTrue(rows[4].BackgroundColor3 == Theme.colors.ok, "ok plain")
		expectTrue(H.contains(rows[3].Text, "GetAsync") and H.contains(rows[3].Text, "502: API Services"), rows[3].Text)
		expectTrue(H.contains(H.find(app.widget, "Counts").Text, "4 shown, 1 failed, 1 throttled"),
			H.find(app.widget, "Counts").Text)

		-- pause, clear, stop
		H.click(H.find(app.widget, "PauseButton"))
		store:SetAsync("Player_5", 5)
		H.sleep(0.2)
		task.wait(0.3)
		expectEq(#m.rows, 4, "paused: nothing added")
		H.click(H.find(app.widget, "PauseButton"))
		H.click(H.find(app.widget, "ClearButton"))
		expectEq(#H.rows(list), 0, "cleared")
		store:SetAsync("Player_6", 6)
		H.waitFor(function() return #m.rows == 1 end, "a row after resuming")
		local start = H.find(app.widget, "StartButton")
		expectEq(start.Text, "Stop", "running")
		H.click(start)
		expectEq(m.state, "idle", "stopped")
		expectEq(start.Text, "Start", "can start again")
		H.closeWidget(app.widget)
	`)
}

// Without a WebSocket (no CreateWebStreamClient) the monitor tab says why
// and shows the sessions' throttle queues, a session with waiting calls
// highlighted.
func TestPluginMonitorWithoutWebSocket(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{noWebStream: true})
	runPluginLua(t, env, "monitor-poll", `
		local H = __harness
		local app = H.startApp()
		local Theme = H.module("Ui/Theme")
		local m = app.models.monitor
		expectEq(m.mode, "poll", "no WebSocket: polling")
		local game1 = H.game({ jobId = "server-q", transport = "http" })
		local store = game1.DataStoreService:GetDataStore("Q")
		local done = 0
		for i = 1, 102 do
			task.spawn(function()
				pcall(function() store:SetAsync("k" .. i, i) end)
				done = done + 1
			end)
		end
		local row
		H.waitFor(function()
			local v = m:Poll()
			for _, s in ipairs(v.sessions) do
				if s.jobId == "server-q" and s.queued > 0 then
					row = s
				end
			end
			return row ~= nil and row.queued == 2
		end, "two calls waiting in the Set queue")
		expectEq(row.kind, "queued", "highlighted")
		expectTrue(H.contains(row.queues, "Set 2"), row.queues)
		local v = m:View()
		expectTrue(H.contains(v.notice, "cannot open a WebSocket"), v.notice)
		expectEq(#v.rows, 0, "no single calls")

		app:SetOpen(true)
		H.click(H.find(app.widget, "Tab_Monitor"))
		-- (not H.settle: the two queued calls stay in flight)
		H.waitFor(function() return app.busy == 0 end, "the panel to poll")
		local list = H.path(app.widget, "Root", "Body", "MonitorPanel", "List")
		local queued
		for _, r in ipairs(H.rows(list)) do
			if H.contains(r.Text, "server-q") then
				queued = r
			end
		end
		expectTrue(queued ~= nil and queued.BackgroundColor3 == Theme.colors.queued, "the waiting session in yellow")
		expectEq(H.find(app.widget, "StartButton").Visible, false, "no Start without a stream")
		H.advance(60000)
		H.waitFor(function() return done == 102 end, "the queue to drain")
		v = m:Poll()
		for _, s in ipairs(v.sessions) do
			expectEq(s.queued, 0, "queues empty")
		end
		H.closeWidget(app.widget)

		-- a Studio where CreateWebStreamClient exists but refuses plugins
		local http = game:GetService("HttpService")
		local refusing = setmetatable({
			CreateWebStreamClient = function()
				error("CreateWebStreamClient is not allowed here", 0)
			end,
		}, { __index = function(_, k)
			local f = http[k]
			return function(_, ...)
				return f(http, ...)
			end
		end })
		local app2 = H.startApp({ stream = true, http = refusing })
		local m2 = app2.models.monitor
		expectEq(m2.mode, "stream", "tries the WebSocket first")
		v = m2:Start()
		expectEq(v.mode, "poll", "falls back to polling")
		expectTrue(H.contains(v.notice, "(CreateWebStreamClient is not allowed here)"), v.notice)
		expectTrue(#v.sessions > 0, "sessions shown")
	`)
}

func TestPluginBudgets(t *testing.T) {
	t.Parallel()
	t.Run("throttle on", func(t *testing.T) {
		t.Parallel()
		d := startDaemon(t, daemonOpt{})
		env := newPluginEnv(t, d, pluginEnvOpt{})
		runPluginLua(t, env, "budgets", `
			local H = __harness
			local a = H.game({ jobId = "server-a", players = 2 })
			a.DataStoreService:GetDataStore("S"):SetAsync("k", 1)
			local b = H.game({ jobId = "server-b", players = 0 })
			b.DataStoreService:GetDataStore("S"):GetAsync("k")
			local app = H.startApp()
			local v = app.models.budgets:Refresh()
			expectEq(v.ok, true, "budgets: " .. tostring(v.message))
			expectEq(v.throttle, true, "throttling on")
			local byJob = {}
			local own
			for _, row in ipairs(v.rows) do
				byJob[row.jobId] = row
				if row.own then
					own = row
				end
			end
			local ra = byJob["server-a"]
			expectTrue(ra ~= nil and byJob["server-b"] ~= nil, "both game servers listed")
			expectEq({ ra.client, ra.players, ra.universe, ra.queued, ra.kind }, { "studio", 2, 1, 0, "ok" }, "server-a")
			local function budget(row, name)
				for _, x in ipairs(row.budgets) do
					if x.name == name then
						return x
					end
				end
			end
			expectEq(ra.budgets[1].name, "StandardRead", "modern types first")
			expectEq(budget(ra, "StandardWrite"), { name = "StandardWrite", value = 99, perMinute = 140 }, "one write spent")
			expectEq(budget(byJob["server-b"], "StandardRead").value, 99, "one read spent")
			expectEq(budget(byJob["server-b"], "StandardRead").perMinute, 60, "rate without players")
			expectTrue(own ~= nil and own.client == "plugin", "the plugin's own session, marked")

			app:SetOpen(true)
			H.click(H.find(app.widget, "Tab_Budgets"))
			H.settle(app)
			local texts = H.texts(H.path(app.widget, "Root", "Body", "BudgetsPanel", "List"))
			local found = false
			for _, t in ipairs(texts) do
				if H.contains(t, "job server-a  universe 1  players 2  queued 0") then
					found = true
				end
			end
			expectTrue(found, "server-a in the widget: " .. table.concat(texts, " | "))
			local joined = table.concat(texts, "\n")
			expectTrue(string.find(joined, "StandardWrite%s+99   %(%+140 a minute%)") ~= nil, joined)
		`)
	})
	t.Run("throttle off", func(t *testing.T) {
		t.Parallel()
		d := startDaemon(t, daemonOpt{noThrottle: true})
		env := newPluginEnv(t, d, pluginEnvOpt{})
		runPluginLua(t, env, "budgets-off", `
			local H = __harness
			H.game({ jobId = "server-a" }).DataStoreService:GetDataStore("S"):SetAsync("k", 1)
			local app = H.startApp()
			local v = app.models.budgets:Refresh()
			expectEq(v.throttle, false, "throttling off")
			expectTrue(H.contains(v.message, "Throttling is off"), tostring(v.message))
			local jobs = {}
			for _, row in ipairs(v.rows) do
				jobs[row.jobId] = true
			end
			expectTrue(jobs["server-a"], "sessions still listed")
		`)
	})
}

func TestPluginClock(t *testing.T) {
	t.Parallel()
	t.Run("virtual", func(t *testing.T) {
		t.Parallel()
		d := startDaemon(t, daemonOpt{})
		env := newPluginEnv(t, d, pluginEnvOpt{})
		runPluginLua(t, env, "clock", `
			local H = __harness
			local counter = H.counting(game:GetService("HttpService"))
			local app = H.startApp({ http = counter.http })
			local c = app.models.clock
			local v = c:Refresh()
			expectEq({ v.ok, v.virtual, v.now, v.time }, { true, true, 1767225600000, "2026-01-01 00:00:00.000 UTC" }, "clock")
			v = c:Advance("1h30m")
			expectEq({ v.ok, v.now, v.message }, { true, 1767225600000 + 5400000, "Moved forward by 1h30m (5400000 ms)." },
				"advance 1h30m")
			v = c:Advance("30d")
			expectEq(v.time, "2026-01-31 01:30:00.000 UTC", "30 days on")
			v = c:Advance("1500")
			expectEq(v.now, 1767225600000 + 5400000 + 30 * 86400000 + 1500, "bare milliseconds")
			v = c:Advance(" 250ms ")
			expectEq(v.message, "Moved forward by 250ms (250 ms).", "trimmed")
			local before = counter.n
			for _, bad in ipairs({ "soon", "-5s", "", "5 parsecs", "1.2.3s" }) do
				v = c:Advance(bad)
				expectEq(v.ok, false, "refused: " .. bad)
				expectTrue(string.find(v.message, "^Not moved: ") ~= nil, v.message)
			end
			expectEq(counter.n, before, "nothing sent for bad durations")

			app:SetOpen(true)
			H.click(H.find(app.widget, "Tab_Clock"))
			H.settle(app)
			local panel = H.path(app.widget, "Root", "Body", "ClockPanel")
			H.type(H.find(panel, "DurationBox"), "90s", true)
			H.settle(app)
			expectTrue(H.contains(H.find(panel, "Now").Text, "2026-01-31 01:31:31.750 UTC"), H.find(panel, "Now").Text)
			expectTrue(H.contains(H.find(panel, "Kind").Text, "virtual"), H.find(panel, "Kind").Text)
		`)
	})
	t.Run("real", func(t *testing.T) {
		t.Parallel()
		url, srv := servertest.Start(t)
		env := newPluginEnv(t, &daemon{URL: url, Srv: srv}, pluginEnvOpt{})
		runPluginLua(t, env, "clock-real", `
			local H = __harness
			local app = H.startApp()
			local c = app.models.clock
			local v = c:Refresh()
			expectEq(v.virtual, false, "a real clock")
			v = c:Advance("1s")
			expectEq(v.ok, false, "a real clock does not move")
			expectEq(v.message, "Not moved: rbxemu: _emulator.clock.advance: the clock is real and cannot be moved; "
				.. "start the daemon with --clock virtual", "the daemon's words")
		`)
	})
}

func TestPluginFaults(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "faults", `
		local H = __harness
		local counter = H.counting(game:GetService("HttpService"))
		local app = H.startApp({ http = counter.http })
		local f = app.models.faults
		local v = f:Refresh()
		expectEq({ v.ok, #v.rows, v.message }, { true, 0, "No fault rules: every call behaves." }, "none yet")

		v = f:Add({ op = "SetAsync", store = "PlayerData", key = "Player_*", error = "502", times = "1" })
		expectEq(v.ok, true, "added: " .. tostring(v.message))
		expectEq(#v.rows, 1, "one rule")
		expectEq({ v.rows[1].id, v.rows[1].match, v.rows[1].when }, { "f1", "SetAsync PlayerData/*/Player_*", "from call 1, 1 time(s)" },
			"rule row")
		expectTrue(H.contains(v.rows[1].effect, "502"), v.rows[1].effect)
		expectTrue(string.find(v.message, "^Added rule f1: ") ~= nil, v.message)

		local before = counter.n
		for _, case in ipairs({
			{ { op = "GetAsync", error = "502", probability = "2" }, "probability must be" },
			{ { op = "GetAsync" }, "say what the rule does" },
			{ { error = "502", nth = "0" }, "nth must be 1 or more" },
			{ { error = "502", times = "x" }, "times must be a whole number" },
			{ { latency = "later" }, "latency: " },
		}) do
			v = f:Add(case[1])
			expectEq(v.ok, false, "refused: " .. case[2])
			expectTrue(H.contains(v.message, "Not added: " .. case[2]), v.message)
		end
		expectEq(counter.n, before, "nothing sent for a bad form")
		v = f:Add({ error = "NoSuchError" })
		expectEq(v.ok, false, "the daemon refuses an unknown error")
		expectTrue(string.find(v.message, "^Not added: rbxemu: ") ~= nil, v.message)

		v = f:Add({ op = "GetAsync", latency = "250ms", probability = "0.5" })
		expectEq({ v.ok, #v.rows }, { true, 2 }, "a latency rule: " .. tostring(v.message))
		expectTrue(H.contains(v.rows[2].when, "p=0.5 seed "), v.rows[2].when)

		local store = H.game().DataStoreService:GetDataStore("PlayerData")
		local ok, err = pcall(function() store:SetAsync("Player_1", 1) end)
		expectEq({ ok, err }, { false, "502: API Services rejected request with error. HTTP 500 (Internal Server Error)" }, "fired")
		store:SetAsync("Player_1", 2)
		v = f:Refresh()
		expectEq({ v.rows[1].matched, v.rows[1].fired, v.rows[1].spent }, { 2, 1, true }, "counters")

		v = f:Clear({ "f1" })
		expectEq({ v.ok, H.field(v.rows, "id"), v.message }, { true, { "f2" }, "Cleared 1 rule(s)." }, "cleared f1")
		v = f:Clear({ "f9" })
		expectEq(v.ok, false, "an unknown id")
		v = f:Clear(nil)
		expectEq({ v.ok, #v.rows, v.message }, { true, 0, "Cleared 1 rule(s)." }, "cleared all")

		-- the widget's form
		app:SetOpen(true)
		H.click(H.find(app.widget, "Tab_Faults"))
		H.settle(app)
		local panel = H.path(app.widget, "Root", "Body", "FaultsPanel")
		H.type(H.find(panel, "opBox"), "RemoveAsync")
		H.type(H.find(panel, "errorBox"), "KeyThrottled")
		H.click(H.find(panel, "DropButton"))
		H.click(H.find(panel, "AddButton"))
		H.settle(app)
		local rows = H.rows(H.find(panel, "List"))
		expectEq(#rows, 1, "a row")
		expectTrue(H.contains(rows[1].Text, "f3") and H.contains(rows[1].Text, "RemoveAsync"), rows[1].Text)
		H.click(H.find(rows[1], "ClearButton"))
		H.settle(app)
		expectEq(#H.rows(H.find(panel, "List")), 0, "cleared from the widget")
		expectEq(f:Refresh().rows, {}, "and on the daemon")
	`)
}

// The connection bar: URL, token and universe saved with SetSetting, read
// back by a new plugin object (Studio restarted); bad input refused; an
// unreachable daemon said so.
func TestPluginConnectionSettings(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	h := env.L.GetGlobal("__harness").(*lua.LTable)
	h.RawSetString("closed", lua.LString(closedURL(t)))
	runPluginLua(t, env, "settings", `
		local H = __harness
		local u7 = H.game({ universeId = 7 })
		u7.DataStoreService:GetDataStore("Seven"):SetAsync("k", 1)
		H.game().DataStoreService:GetDataStore("One"):SetAsync("k", 1)

		local settings = { ["rbxemu.url"] = H.url }
		local app = H.startApp({ settings = settings })
		local v = app.connection:Connect()
		expectEq(v.state, "connected", v.text)
		expectEq(H.field(app.models.stores:Search("").rows, "name"), { "One" }, "universe 1 by default")

		local hostport = string.sub(H.url, 8)
		v = app.connection:Apply({ url = hostport, token = "", universe = " 7 " })
		expectEq(v.state, "connected", v.text)
		expectEq(settings["rbxemu.url"], "http://" .. hostport, "URL saved in its full form")
		expectEq(settings["rbxemu.universeId"], "7", "universe saved")
		expectEq(settings["rbxemu.token"], "", "token saved")
		expectTrue(H.contains(v.text, ": universe 7, session "), v.text)
		expectEq(H.field(app.models.stores:Search("").rows, "name"), { "Seven" }, "universe 7's stores")

		v = app.connection:Apply({ url = "ftp://nowhere" })
		expectEq(v.state, "failed", "refused")
		expectEq(v.text, "Not connected: Not saved: unknown scheme ftp:// (use http://host:port)", "why")
		expectEq(settings["rbxemu.url"], "http://" .. hostport, "nothing saved")
		v = app.connection:Apply({ universe = "abc" })
		expectTrue(H.contains(v.text, "the universe must be a positive whole number"), v.text)
		expectEq(settings["rbxemu.universeId"], "7", "nothing saved")
		v = app.connection:Apply({ url = "http://127.0.0.1:0" })
		expectTrue(H.contains(v.text, "Not saved: bad port"), v.text)

		-- Studio restarted: a new plugin object with the same settings
		local app2 = H.startApp({ settings = settings })
		v = app2.connection:View()
		expectEq({ v.url, v.universe }, { "http://" .. hostport, "7" }, "read back")
		app2:SetOpen(true)
		H.settle(app2)
		expectEq(H.find(app2.widget, "UrlBox").Text, "http://" .. hostport, "shown in the URL box")
		expectEq(H.find(app2.widget, "UniverseBox").Text, "7", "shown in the universe box")
		expectTrue(H.contains(H.find(app2.widget, "Status").Text, "universe 7"), H.find(app2.widget, "Status").Text)

		-- typed in the widget, Enter
		H.type(H.find(app2.widget, "UniverseBox"), "", false)
		H.type(H.find(app2.widget, "UrlBox"), H.url .. "/v1/ws", true)
		H.settle(app2)
		expectEq({ settings["rbxemu.url"], settings["rbxemu.universeId"] }, { H.url, "" }, "saved from the widget")
		expectTrue(H.contains(H.find(app2.widget, "Status").Text, "universe 1 (the daemon's default)"),
			H.find(app2.widget, "Status").Text)

		-- an address where nothing listens
		local Theme = H.module("Ui/Theme")
		H.type(H.find(app2.widget, "UrlBox"), H.closed, true)
		H.settle(app2)
		local status = H.find(app2.widget, "Status")
		expectTrue(string.find(status.Text, "^Not connected: rbxemu: cannot reach the emulator at " ..
			string.gsub(H.closed, "%p", "%%%0") .. "/v1/rpc %(") ~= nil, status.Text)
		expectTrue(H.contains(status.Text, "rbxemu serve"), "names rbxemu serve")
		expectTrue(status.TextColor3 == Theme.colors.bad, "in red")
		local sv = app2.models.stores:Search("")
		expectEq(sv.ok, false, "panels say so too")
	`)
}

func TestPluginToken(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, daemonOpt{token: "s3cret"})
	env := newPluginEnv(t, d, pluginEnvOpt{})
	runPluginLua(t, env, "token", `
		local H = __harness
		local settings = { ["rbxemu.url"] = H.url }
		local app = H.startApp({ settings = settings, stream = true })
		local v = app.connection:Connect()
		expectEq(v.text, "Not connected: rbxemu: missing or wrong token", "no token")
		v = app.connection:Apply({ token = " s3cret " })
		expectEq(v.state, "connected", v.text)
		expectEq(settings["rbxemu.token"], "s3cret", "token saved")
		local m = app.models.monitor
		m:Start()
		H.waitFor(function() return m.state == "live" end, "the monitor with the token")
		m:Stop()
	`)
}

// Pure parts: JSON, durations, dates, URLs.
func TestPluginPureModules(t *testing.T) {
	t.Parallel()
	env := newPluginEnv(t, nil, pluginEnvOpt{url: "http://127.0.0.1:1"})
	runPluginLua(t, env, "pure", `
		local H = __harness
		local Json = H.module("Json")
		local Format = H.module("Model/Format")
		local Client = H.module("Client")

		local text = "{\"z\":1,\"a\":[true,false,null,-0.5e+3],\"s\":\"\\u00e9\\ud83d\\ude00\\n\\\"\",\"e\":{},\"l\":[]," ..
			"\"big\":123456789012345678901}"
		local node = assert(Json.parse(text))
		expectEq(Json.compact(node), "{\"z\":1,\"a\":[true,false,null,-0.5e+3],\"s\":\"\195\169\240\159\152\128\\n\\\"\"," ..
			"\"e\":{},\"l\":[],\"big\":123456789012345678901}", "compact keeps order, numbers, {} and []")
		expectEq(Json.toLua(Json.parse("{\"a\":[1,null,3],\"b\":\"x\"}")), { a = { 1, nil, 3 }, b = "x" }, "toLua")
		expectEq(Json.toLua(Json.parse("1e3")), 1000, "exponent")
		expectEq(Json.pretty(Json.parse("[]")), "[]", "empty array")
		expectEq(Json.pretty(Json.parse("{\"a\":{\"b\":[1]}}")), "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}", "pretty")
		for _, case in ipairs({
			{ "", "line 1, column 1: expected a value" },
			{ "[1,]", "line 1, column 4: expected a value" },
			{ "{\"a\" 1}", "line 1, column 6: expected ':'" },
			{ "\"abc", "line 1, column 1: this string is not closed" },
			{ "\"a\nb\"", "line 1, column 3: a line break or control character inside a string must be escaped" },
			{ "\"\\x\"", "line 1, column 2: unknown escape \\x" },
			{ "012", "line 1, column 1: numbers may not start with 0" },
			{ "1.", "line 1, column 3: expected digits after the decimal point" },
			{ "[1]\n\n  x", "line 3, column 3: unexpected \"x\" after the value" },
			{ "tru", "line 1, column 1: expected a value" },
			{ "{\"a\":1,\"a\":2}", "line 1, column 8: the member \"a\" appears twice" },
			{ "NaN", "line 1, column 1: expected a value" },
		}) do
			local n, why = Json.parse(case[1])
			expectEq(n, nil, "refused: " .. case[1])
			expectTrue(string.find(why, case[2], 1, true) == 1, "error for " .. case[1] .. ": " .. tostring(why))
		end
		expectEq(Json.encode({ b = 1, a = { "x", Json.raw("{\"r\":1}") }, e = Json.EMPTY_ARRAY }),
			"{\"a\":[\"x\",{\"r\":1}],\"b\":1,\"e\":[]}", "encode")

		expectEq(Format.duration("1h30m"), 5400000, "1h30m")
		expectEq(Format.duration("1.5h"), 5400000, "1.5h")
		expectEq(Format.duration("2d"), 172800000, "days")
		expectEq(Format.duration("300ms"), 300, "ms")
		expectEq(Format.duration("1500"), 1500, "bare ms")
		expectEq(Format.duration("1m0.5s"), 60500, "mixed")
		expectEq(Format.duration("x"), nil, "not a duration")
		expectEq(Format.time(0), "1970-01-01 00:00:00.000 UTC", "epoch")
		expectEq(Format.time(951782400000), "2000-02-29 00:00:00.000 UTC", "leap day")
		expectEq(Format.time(1767225600123), "2026-01-01 00:00:00.123 UTC", "2026")
		expectEq(Format.time(4102444799999), "2099-12-31 23:59:59.999 UTC", "2099")
		expectEq(Format.clock(1767225601250), "00:00:01.250", "time of day")

		expectEq(Client.parseUrl("127.0.0.1:34890"), "http://127.0.0.1:34890", "host:port")
		expectEq(Client.parseUrl(" ws://localhost:34890/v1/ws "), "http://localhost:34890", "ws URL")
		expectEq(Client.parseUrl("https://emu.example:443/x"), "https://emu.example:443", "https")
		expectEq(Client.parseUrl("http://[::1]:34890"), "http://[::1]:34890", "IPv6")
		expectEq({ Client.parseUrl("") }, { nil, "the URL is empty (the daemon listens on http://127.0.0.1:34890 by default)" }, "empty")
		expectEq(select(2, Client.parseUrl("gopher://x")), "unknown scheme gopher:// (use http://host:port)", "scheme")
		expectEq(select(2, Client.parseUrl("http://")), "no host in http:// (use http://host:port)", "no host")
	`)
}

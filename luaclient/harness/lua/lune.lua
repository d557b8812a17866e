-- lune.lua: fakes of Lune 0.10.1's built-in libraries (@lune/fs,
-- @lune/luau, @lune/process, @lune/task, @lune/serde, @lune/net,
-- @lune/stdio, and of @lune/roblox only Enum) over the harness's primitives,
-- to run the shim's Lune runner. They follow what real Lune does where the
-- runner could tell (realune_test.go runs the same code on the real binary):
-- luau.load copies its environment, `_G` is an empty table, there is no
-- global `task`, require takes only strings, a socket's close raises
-- (0.10.1's always does), stdio writes yield, and a Ping frame from the
-- daemon kills the socket (harness.go, LunePingPanic). With config.luneOld
-- @lune/net has Lune 0.9's shape (net.socket and net.request only).

local go = __go
local H = __harness
local S = H.scheduler
local config = H.config
local task = task
local G = _G

H.EXIT = setmetatable({}, {
	__tostring = function()
		return "process.exit"
	end,
})

local fs = {
	readFile = function(path)
		local text, err = go.read_file(path)
		if text == nil then
			error(err, 2)
		end
		return text
	end,
	readDir = function(path)
		local entries, err = go.list_dir(path)
		if entries == nil then
			error(err, 2)
		end
		local names = {}
		for i, e in ipairs(entries) do
			names[i] = e.name
		end
		return names
	end,
	isFile = function(path)
		return go.is_file(path)
	end,
	isDir = function(path)
		return go.is_dir(path)
	end,
}

-- luau.load, as lune-std-luau's load_source: with an environment, the
-- chunk gets a new table: Lune's globals (and their metatable) unless
-- injectGlobals is false, in which case the given table's metatable; then a
-- copy of the given table's own keys. Names reached only through its
-- metatable are not seen unless injectGlobals is false.
local luau = {
	load = function(source, options)
		options = options or {}
		local name = options.debugName or "luau.load(...)"
		if string.sub(name, 1, 1) == "@" then
			name = string.sub(name, 2)
		end
		local fn, err = loadstring(source, "=" .. name)
		if fn == nil then
			error(err, 2)
		end
		local custom = options.environment
		if custom ~= nil then
			local env = {}
			if options.injectGlobals ~= false then
				for k, v in pairs(G) do
					env[k] = v
				end
				setmetatable(env, getmetatable(G))
			else
				setmetatable(env, getmetatable(custom))
			end
			for k, v in pairs(custom) do
				env[k] = v
			end
			setfenv(fn, env)
		end
		return fn
	end,
}

local process = {
	args = config.args,
	env = config.env,
	exit = function(code)
		H.exitCode = code or 0
		error(H.EXIT, 0)
	end,
}

local serde = {
	encode = function(format, value)
		assert(format == "json", "only json is faked")
		return go.json_encode(value)
	end,
	decode = function(format, text)
		assert(format == "json", "only json is faked")
		return go.json_decode(text)
	end,
}

-- Sockets: events from Go go into a queue per handle; next() waits on it.
local sockets = {}

local function wakeAll(sock)
	local waiting = sock.waiting
	sock.waiting = {}
	for _, co in ipairs(waiting) do
		task.spawn(co)
	end
end

S.onEvent("ws_open", function(ev)
	local sock = sockets[ev.handle]
	if sock ~= nil then
		sock.state = "open"
		wakeAll(sock)
	end
end)
S.onEvent("ws_error", function(ev)
	local sock = sockets[ev.handle]
	if sock ~= nil then
		sock.state = "failed"
		sock.reason = ev.message
		wakeAll(sock)
	end
end)
S.onEvent("ws_message", function(ev)
	local sock = sockets[ev.handle]
	if sock ~= nil then
		sock.queue[#sock.queue + 1] = ev.text
		wakeAll(sock)
	end
end)
S.onEvent("ws_close", function(ev)
	local sock = sockets[ev.handle]
	if sock ~= nil then
		sock.state = "closed"
		sock.closeCode = ev.code
		wakeAll(sock)
	end
end)

local function waitOn(sock)
	sock.waiting[#sock.waiting + 1] = coroutine.running()
	coroutine.yield()
end

local Socket = {}
Socket.__index = Socket

function Socket:send(text)
	if self._sock.state ~= "open" then
		error("the socket is closed", 2)
	end
	go.ws_send(self._sock.handle, text)
end

function Socket:next()
	local sock = self._sock
	while #sock.queue == 0 and sock.state == "open" do
		waitOn(sock)
	end
	if #sock.queue > 0 then
		return table.remove(sock.queue, 1)
	end
	return nil
end

function Socket:close()
	local sock = self._sock
	if sock.state == "open" then
		go.ws_close(sock.handle)
	end
	-- Lune 0.10.1's close always raises after sending the close frame (fixed
	-- in a later release).
	error("close: the socket was already closing", 2)
end

local function connect(url)
	local handle = go.ws_connect(url)
	local sock = { handle = handle, state = "connecting", queue = {}, waiting = {} }
	sockets[handle] = sock
	while sock.state == "connecting" do
		waitOn(sock)
	end
	if sock.state ~= "open" then
		error("failed to connect to " .. url .. ": " .. tostring(sock.reason), 2)
	end
	H.luneSockets = (H.luneSockets or 0) + 1
	return setmetatable({ _sock = sock }, Socket)
end

local httpResults = {}
S.onEvent("http_done", function(ev)
	local slot = httpResults[ev.handle]
	if slot ~= nil then
		slot.ev = ev
		task.spawn(slot.co)
	end
end)

local function request(req)
	if type(req) == "string" then
		req = { url = req }
	end
	local handle = go.http_request(req.method or "GET", req.url, req.headers, req.body)
	local slot = { co = coroutine.running() }
	httpResults[handle] = slot
	while slot.ev == nil do
		coroutine.yield()
	end
	httpResults[handle] = nil
	if slot.ev.error ~= nil then
		error("request failed: " .. slot.ev.error, 2)
	end
	H.luneRequests = (H.luneRequests or 0) + 1
	return {
		ok = slot.ev.status >= 200 and slot.ev.status < 300,
		statusCode = slot.ev.status,
		statusMessage = "",
		headers = slot.ev.headers,
		body = slot.ev.body,
	}
end

local function urlEncode(text)
	return (string.gsub(text, "[^%w%-%._~]", function(c)
		return string.format("%%%02X", string.byte(c))
	end))
end

local net
if config.luneOld then
	net = { socket = connect, request = request }
else
	net = { ws = { connect = connect }, http = { request = request }, request = request, socket = connect, urlEncode = urlEncode }
end

-- stdio writes yield in Lune (they are async); so do these.
local function yieldOnce()
	local co = coroutine.running()
	task.defer(co)
	coroutine.yield()
end

local stdio = {
	write = function(text)
		go.output("print", (string.gsub(text, "\n$", "")))
		yieldOnce()
	end,
	ewrite = function(text)
		go.output("warn", (string.gsub(text, "\n$", "")))
		yieldOnce()
	end,
}

local libs = {
	["@lune/fs"] = fs,
	["@lune/luau"] = luau,
	["@lune/process"] = process,
	["@lune/task"] = task,
	["@lune/serde"] = serde,
	["@lune/net"] = net,
	["@lune/stdio"] = stdio,
	["@lune/roblox"] = { Enum = {} },
}

function require(name)
	if type(name) ~= "string" then
		error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2)
	end
	local lib = libs[name]
	if lib == nil then
		error("module '" .. tostring(name) .. "' not found", 2)
	end
	return lib
end

_VERSION = "Lune 0.10.1+harness"

-- debug.info, Luau's: the source ("s"), line ("l") and name ("n") of a
-- level of the calling stack.
function debug.info(level, what)
	local info = debug.getinfo(level + 1, "Sln")
	if info == nil then
		return nil
	end
	local out = {}
	for i = 1, #what do
		local c = string.sub(what, i, i)
		if c == "s" then
			out[#out + 1] = info.source
		elseif c == "l" then
			out[#out + 1] = info.currentline
		elseif c == "n" then
			out[#out + 1] = info.name
		end
	end
	return unpack(out)
end

-- Lune's _G is a fresh, empty table, and it has no global task (the
-- scheduler is @lune/task).
G.task = nil
G._G = {}

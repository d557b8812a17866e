-- lune.lua: fakes of Lune's built-in libraries (@lune/fs, @lune/luau,
-- @lune/process, @lune/task, @lune/serde, @lune/net) over the harness's
-- primitives, to run the shim's Lune runner. With config.luneOld the net
-- library has the older shape (net.socket and net.request only) and a
-- socket's close raises, as some Lune versions' does.

local go = __go
local H = __harness
local S = H.scheduler
local config = H.config

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

local luau = {
	load = function(source, options)
		options = options or {}
		local fn, err = loadstring(source, "=" .. (options.debugName or "chunk"))
		if fn == nil then
			error(err, 2)
		end
		if options.environment ~= nil then
			setfenv(fn, options.environment)
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
		sock.closeCode = 1000
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
	if config.luneOld then
		error("close: the socket was already closing", 2)
	end
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

local net
if config.luneOld then
	net = { socket = connect, request = request }
else
	net = { ws = { connect = connect }, http = { request = request }, request = request }
end

local libs = {
	["@lune/fs"] = fs,
	["@lune/luau"] = luau,
	["@lune/process"] = process,
	["@lune/task"] = task,
	["@lune/serde"] = serde,
	["@lune/net"] = net,
}

function require(name)
	local lib = libs[name]
	if lib == nil then
		error("module '" .. tostring(name) .. "' not found", 2)
	end
	return lib
end

_VERSION = "Lune 0.10.0+harness"

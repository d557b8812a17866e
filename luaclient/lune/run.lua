-- rbxemu Lune runner: runs a Roblox place (a Rojo project) or one server
-- script headless under Lune, against a local rbxemu daemon. Game code runs
-- unmodified: game:GetService("DataStoreService") is the emulated service.
-- `rbxemu run` starts a daemon and calls this runner; it can also be run by
-- hand (docs/runner.md):
--
--   lune run lune/run.lua [options] default.project.json
--   lune run lune/run.lua [options] game/Main.server.luau [args...]
--
-- Options (each also read from the environment variable named after it):
--   --url URL          the daemon (RBXEMU_URL; default ws://127.0.0.1:34890/v1/ws)
--   --transport T      websocket or http (RBXEMU_TRANSPORT; default websocket)
--   --token T          the daemon's --token (RBXEMU_TOKEN)
--   --players N        simulated players that join once the scripts have
--                      started (RBXEMU_PLAYERS; default 0)
--   --universe N, --place N, --job ID   the server's identity (RBXEMU_UNIVERSE,
--                      RBXEMU_PLACE, RBXEMU_JOB)
--   --studio B         what RunService:IsStudio() answers (RBXEMU_STUDIO;
--                      default true)
--   --server N         this server's number in a multi-server run (RBXEMU_SERVER)
--   --keepalive S      seconds between keepalive pings (RBXEMU_KEEPALIVE)
--   --shim DIR         the shim's src directory (RBXEMU_SHIM; default: found
--                      beside this runner)
--
-- A run is a server's life: every Script under ServerScriptService and
-- Workspace starts in its own thread, in tree order; then the simulated
-- players join. When every script body and every Players event handler has
-- finished, the server shuts down as Roblox's does: the players leave
-- (PlayerRemoving), game:BindToClose callbacks run (30 s at most), and the
-- runner exits: status 0, or 1 when any game thread raised an error.
--
-- This file is loaded only by Lune, but it keeps to the Lua 5.1 subset that
-- Luau accepts, like the shim.

local fs = require("@lune/fs")
local luau = require("@lune/luau")
local process = require("@lune/process")
local luneTask = require("@lune/task")
local serde = require("@lune/serde")
local stdio = require("@lune/stdio")
local net = require("@lune/net")
local robloxTypes = require("@lune/roblox")

local luneRequire = require

---------------------------------------------------------------------------
-- Command line.

-- say writes a line without yielding the caller: game code may print where
-- Roblox lets nothing yield (an UpdateAsync transform), and Lune's stdio
-- writes yield. Standard output goes through Lune's print, which does not;
-- standard error through one writer thread that drains a queue in order.
local errQueue = {}
local errWriter = nil
local luaPrint = print

local function drainErr()
	while #errQueue > 0 do
		local text = table.remove(errQueue, 1)
		stdio.ewrite(text)
	end
	errWriter = nil
end

local function say(stream, text)
	if stream == "err" then
		errQueue[#errQueue + 1] = text .. "\n"
		if errWriter == nil then
			errWriter = true
			luneTask.spawn(drainErr)
		end
	else
		luaPrint(text)
	end
end

-- exit leaves once standard error is written.
local function exit(code)
	while errWriter ~= nil do
		luneTask.wait()
	end
	process.exit(code)
end

local function usage(message)
	say("err", "rbxemu run: " .. message)
	say("err", "usage: lune run lune/run.lua [--url URL] [--transport websocket|http] [--token T] [--players N] "
		.. "[--universe N] [--place N] [--job ID] [--studio true|false] [--shim DIR] PROJECT.json|SCRIPT.lua(u) [args...]")
	exit(2)
end

local options = {
	url = process.env.RBXEMU_URL,
	transport = process.env.RBXEMU_TRANSPORT,
	token = process.env.RBXEMU_TOKEN,
	players = process.env.RBXEMU_PLAYERS,
	universe = process.env.RBXEMU_UNIVERSE,
	place = process.env.RBXEMU_PLACE,
	job = process.env.RBXEMU_JOB,
	studio = process.env.RBXEMU_STUDIO,
	server = process.env.RBXEMU_SERVER,
	keepalive = process.env.RBXEMU_KEEPALIVE,
	shim = process.env.RBXEMU_SHIM,
}
if options.token == "" then
	options.token = nil
end
local target = nil
local scriptArgs = {}
local flags = {
	["--url"] = "url",
	["--transport"] = "transport",
	["--token"] = "token",
	["--players"] = "players",
	["--universe"] = "universe",
	["--place"] = "place",
	["--job"] = "job",
	["--studio"] = "studio",
	["--server"] = "server",
	["--keepalive"] = "keepalive",
	["--shim"] = "shim",
}
do
	local i = 1
	while i <= #process.args do
		local a = process.args[i]
		if target ~= nil then
			scriptArgs[#scriptArgs + 1] = a
		elseif flags[a] ~= nil then
			if process.args[i + 1] == nil then
				usage(a .. " needs a value")
			end
			options[flags[a]] = process.args[i + 1]
			i = i + 1
		elseif string.sub(a, 1, 2) == "--" then
			usage("unknown option " .. a)
		else
			target = a
		end
		i = i + 1
	end
end
if target == nil then
	usage("no project or script given")
end

local function numberOption(name, min)
	local v = options[name]
	if v == nil or v == "" then
		return nil
	end
	local n = tonumber(v)
	if n == nil or n < min or (name ~= "keepalive" and n ~= math.floor(n)) then
		usage("--" .. name .. " " .. tostring(v) .. ": want a number of at least " .. tostring(min))
	end
	return n
end

local players = numberOption("players", 0) or 0
local universeId = numberOption("universe", 1)
local placeId = numberOption("place", 1)
local serverIndex = numberOption("server", 1) or 1
local keepalive = numberOption("keepalive", 0.05)
local studio = true
if options.studio ~= nil and options.studio ~= "" then
	if options.studio == "false" or options.studio == "0" then
		studio = false
	elseif options.studio ~= "true" and options.studio ~= "1" then
		usage("--studio " .. options.studio .. ": want true or false")
	end
end
local transport = options.transport
if transport == nil or transport == "" or transport == "auto" then
	transport = "websocket"
end
if transport ~= "websocket" and transport ~= "http" then
	usage("--transport " .. transport .. ": want websocket or http")
end

local unpackFn = unpack or table.unpack

---------------------------------------------------------------------------
-- Output and errors. Every error in a game thread is printed with its
-- traceback and fails the run.

local outputHooks = {}
local failures = 0

local function joined(...)
	local parts = {}
	for i = 1, select("#", ...) do
		parts[i] = tostring((select(i, ...)))
	end
	return table.concat(parts, " ")
end

local function emit(kind, text)
	for _, f in ipairs(outputHooks) do
		pcall(f, kind, text)
	end
	if kind == "print" then
		say("out", text)
	else
		say("err", text)
	end
end

local function gamePrint(...)
	emit("print", joined(...))
end

local function gameWarn(...)
	emit("warn", joined(...))
end

local function reportError(where, err, trace)
	failures = failures + 1
	local text = tostring(err)
	if where ~= nil then
		text = where .. ": " .. text
	end
	if trace ~= nil and trace ~= "" then
		text = text .. "\n" .. trace
	end
	emit("error", text)
end

-- runnerSource is how tracebacks name this file: its frames are left out of
-- what game code's errors show.
local runnerSource = nil
do
	local ok, source = pcall(function()
		return debug.info(1, "s")
	end)
	if ok and type(source) == "string" then
		runnerSource = string.gsub(source, "^[@=]", "")
	end
end

local function traceback(err)
	local lines = {}
	for line in string.gmatch(debug.traceback("", 2) or "", "[^\n]+") do
		if runnerSource == nil or string.sub(line, 1, #runnerSource) ~= runnerSource then
			lines[#lines + 1] = line
		end
	end
	return { err = err, trace = table.concat(lines, "\n") }
end

-- protect runs f(...) in the calling thread and reports its error; it
-- returns whether f succeeded.
local function protect(where, f, ...)
	local r = { xpcall(f, traceback, ...) }
	if not r[1] then
		local e = r[2]
		if type(e) == "table" and e.trace ~= nil then
			reportError(where, e.err, e.trace)
		else
			reportError(where, e, nil)
		end
		return false
	end
	return true
end

---------------------------------------------------------------------------
-- Threads. `busy` counts the work that keeps the server up: script bodies
-- and Players event handlers. The main thread sleeps until it reaches 0.

local busy = 0
local idleThreads = {}
-- PLAYERS_JOIN_AFTER bounds how long simulated players wait for script
-- bodies that are still running (a loop that never returns) before joining.
local PLAYERS_JOIN_AFTER = 2

local function enter()
	busy = busy + 1
end

local function leave()
	busy = busy - 1
	if busy == 0 then
		local waiting = idleThreads
		idleThreads = {}
		for _, t in ipairs(waiting) do
			luneTask.spawn(t)
		end
	end
end

-- waitIdle yields until nothing keeps the server up.
local function waitIdle()
	while busy > 0 do
		idleThreads[#idleThreads + 1] = coroutine.running()
		coroutine.yield()
	end
end

-- wrap makes a function that runs f with its errors reported.
local function wrap(where, f)
	return function(...)
		protect(where, f, ...)
	end
end

-- The task library game code sees: Lune's, with errors in spawned functions
-- reported (threads are passed through as they are).
local task = {}
function task.spawn(f, ...)
	if type(f) == "function" then
		return luneTask.spawn(wrap(nil, f), ...)
	end
	return luneTask.spawn(f, ...)
end
function task.defer(f, ...)
	if type(f) == "function" then
		return luneTask.defer(wrap(nil, f), ...)
	end
	return luneTask.defer(f, ...)
end
function task.delay(seconds, f, ...)
	if type(f) == "function" then
		return luneTask.delay(seconds, wrap(nil, f), ...)
	end
	return luneTask.delay(seconds, f, ...)
end
function task.wait(seconds)
	return luneTask.wait(seconds)
end
function task.cancel(thread)
	return luneTask.cancel(thread)
end
function task.synchronize() end
function task.desynchronize() end

---------------------------------------------------------------------------
-- Signals (RBXScriptSignal). Handlers run deferred, as in a place with
-- Workspace.SignalBehavior Deferred, Studio's default. A signal made with
-- holds = true counts its handlers as work that keeps the server up.

local Signal = {}
Signal.__index = Signal

local function newSignal(name, holds)
	return setmetatable({ name = name, handlers = {}, holds = holds, waiting = {} }, Signal)
end

local Connection = {}
Connection.__index = Connection

function Connection:Disconnect()
	if not self.Connected then
		return
	end
	self.Connected = false
	local handlers = self._signal.handlers
	for k, c in ipairs(handlers) do
		if c == self then
			table.remove(handlers, k)
			break
		end
	end
end
Connection.disconnect = Connection.Disconnect

function Signal:Connect(f)
	if type(f) ~= "function" then
		error("Attempt to connect failed: Passed value is not a function", 2)
	end
	local c = setmetatable({ Connected = true, _signal = self, _f = f }, Connection)
	self.handlers[#self.handlers + 1] = c
	return c
end
Signal.connect = Signal.Connect

function Signal:Once(f)
	local c
	c = self:Connect(function(...)
		c:Disconnect()
		return f(...)
	end)
	return c
end

function Signal:Wait()
	local thread = coroutine.running()
	self.waiting[#self.waiting + 1] = thread
	return coroutine.yield()
end
Signal.wait = Signal.Wait

function Signal:Fire(...)
	local handlers = {}
	for k, c in ipairs(self.handlers) do
		handlers[k] = c
	end
	local where = self.name
	for _, c in ipairs(handlers) do
		if self.holds then
			enter()
		end
		local holds = self.holds
		luneTask.defer(function(...)
			if c.Connected or not holds then
				protect(where, c._f, ...)
			end
			if holds then
				leave()
			end
		end, ...)
	end
	local waiting = self.waiting
	self.waiting = {}
	for _, thread in ipairs(waiting) do
		luneTask.defer(thread, ...)
	end
end

---------------------------------------------------------------------------
-- Instances: a tree of proxies. Each Instance keeps its state in `state`;
-- members come from its class (properties, methods, events), then its
-- children by name, as in Roblox.

local state = setmetatable({}, { __mode = "k" })
local Instance = {}
local classes = {}
local baseMethods = {}

local function notEmulated(what)
	error("rbxemu run does not emulate " .. what, 3)
end

-- class returns the member table of a class (created on first use).
local function class(name)
	local c = classes[name]
	if c == nil then
		c = { name = name, methods = {}, service = false }
		classes[name] = c
	end
	return c
end

local function isInstance(v)
	return type(v) == "table" and getmetatable(v) == Instance
end

local function fullName(node)
	local parts = {}
	local n = node
	while n ~= nil and state[n].ClassName ~= "DataModel" do
		table.insert(parts, 1, state[n].Name)
		n = state[n].Parent
	end
	return table.concat(parts, ".")
end

local function findChild(node, name)
	for _, child in ipairs(state[node].children) do
		if state[child].Name == name then
			return child
		end
	end
	return nil
end

local function setParent(node, parent)
	local s = state[node]
	if parent ~= nil and not isInstance(parent) then
		error("Unable to assign property Parent. Instance expected, got " .. type(parent), 3)
	end
	if s.Parent == parent then
		return
	end
	if s.Parent ~= nil then
		local siblings = state[s.Parent].children
		for k, c in ipairs(siblings) do
			if c == node then
				table.remove(siblings, k)
				break
			end
		end
	end
	s.Parent = parent
	if parent ~= nil then
		local ps = state[parent]
		ps.children[#ps.children + 1] = node
		ps.childAdded:Fire(node)
	end
end

local function newInstance(className, name, parent)
	local node = setmetatable({}, Instance)
	state[node] = {
		ClassName = className,
		Name = name or className,
		children = {},
		props = {},
		class = class(className),
		childAdded = newSignal(className .. ".ChildAdded", false),
	}
	if parent ~= nil then
		setParent(node, parent)
	end
	return node
end

Instance.__index = function(node, key)
	local s = state[node]
	if key == "Name" or key == "ClassName" or key == "Parent" then
		return s[key]
	end
	local v = s.props[key]
	if v ~= nil then
		return v
	end
	v = s.class.methods[key] or baseMethods[key]
	if v ~= nil then
		return v
	end
	if key == "ChildAdded" then
		return s.childAdded
	end
	local child = findChild(node, key)
	if child ~= nil then
		return child
	end
	if s.class.nilProps ~= nil and s.class.nilProps[key] then
		return nil
	end
	if s.class.service then
		notEmulated(s.ClassName .. "." .. tostring(key))
	end
	error(tostring(key) .. " is not a valid member of " .. s.ClassName .. " \"" .. fullName(node) .. "\"", 2)
end

Instance.__newindex = function(node, key, value)
	local s = state[node]
	if key == "Parent" then
		setParent(node, value)
	elseif key == "Name" then
		s.Name = tostring(value)
	elseif key == "ClassName" then
		error("Unable to assign property ClassName. Property is read only", 2)
	else
		s.props[key] = value
	end
end

Instance.__tostring = function(node)
	return state[node].Name
end

function baseMethods.FindFirstChild(node, name, recursive)
	local child = findChild(node, name)
	if child ~= nil or not recursive then
		return child
	end
	for _, c in ipairs(state[node].children) do
		local found = baseMethods.FindFirstChild(c, name, true)
		if found ~= nil then
			return found
		end
	end
	return nil
end

function baseMethods.WaitForChild(node, name, timeout)
	local child = findChild(node, name)
	if child ~= nil then
		return child
	end
	if timeout ~= nil then
		local deadline = os.clock() + timeout
		while child == nil and os.clock() < deadline do
			luneTask.wait(math.min(0.05, timeout))
			child = findChild(node, name)
		end
		return child
	end
	local warning = luneTask.delay(5, function()
		gameWarn("Infinite yield possible on '" .. fullName(node) .. ":WaitForChild(\"" .. tostring(name) .. "\")'")
	end)
	while child == nil do
		state[node].childAdded:Wait()
		child = findChild(node, name)
	end
	luneTask.cancel(warning)
	return child
end

function baseMethods.GetChildren(node)
	local out = {}
	for k, c in ipairs(state[node].children) do
		out[k] = c
	end
	return out
end

function baseMethods.GetDescendants(node)
	local out = {}
	local function walk(n)
		for _, c in ipairs(state[n].children) do
			out[#out + 1] = c
			walk(c)
		end
	end
	walk(node)
	return out
end

local function isA(className, wanted)
	if className == wanted or wanted == "Instance" then
		return true
	end
	if wanted == "LuaSourceContainer" then
		return className == "Script" or className == "LocalScript" or className == "ModuleScript"
	end
	if wanted == "BaseScript" then
		return className == "Script" or className == "LocalScript"
	end
	if wanted == "ValueBase" then
		return string.sub(className, -5) == "Value"
	end
	return false
end

function baseMethods.IsA(node, className)
	return isA(state[node].ClassName, className)
end

function baseMethods.FindFirstChildOfClass(node, className)
	for _, c in ipairs(state[node].children) do
		if state[c].ClassName == className then
			return c
		end
	end
	return nil
end

function baseMethods.FindFirstChildWhichIsA(node, className)
	for _, c in ipairs(state[node].children) do
		if isA(state[c].ClassName, className) then
			return c
		end
	end
	return nil
end

function baseMethods.FindFirstAncestor(node, name)
	local p = state[node].Parent
	while p ~= nil do
		if state[p].Name == name then
			return p
		end
		p = state[p].Parent
	end
	return nil
end

function baseMethods.IsDescendantOf(node, ancestor)
	local p = state[node].Parent
	while p ~= nil do
		if p == ancestor then
			return true
		end
		p = state[p].Parent
	end
	return false
end

function baseMethods.GetFullName(node)
	return fullName(node)
end

function baseMethods.Destroy(node)
	setParent(node, nil)
end

function baseMethods.ClearAllChildren(node)
	for _, c in ipairs(baseMethods.GetChildren(node)) do
		setParent(c, nil)
	end
end

function baseMethods.GetAttribute(node, name)
	return state[node].props["@" .. tostring(name)]
end

function baseMethods.SetAttribute(node, name, value)
	state[node].props["@" .. tostring(name)] = value
end

function baseMethods.GetAttributes(node)
	local out = {}
	for k, v in pairs(state[node].props) do
		if type(k) == "string" and string.sub(k, 1, 1) == "@" then
			out[string.sub(k, 2)] = v
		end
	end
	return out
end

---------------------------------------------------------------------------
-- Files: Rojo's conventions turn files into Instances.

local function dirname(path)
	return string.match(path, "^(.*)[/\\][^/\\]*$") or "."
end

local function basename(path)
	return string.match(path, "([^/\\]+)$") or path
end

local function join(a, b)
	if a == "" or a == "." then
		return b
	end
	if string.sub(b, 1, 1) == "/" or string.match(b, "^%a:[/\\]") then
		return b
	end
	return a .. "/" .. b
end

local function endsWith(s, suffix)
	return string.sub(s, -#suffix) == suffix
end

-- scriptKind splits a file name into the Instance name and class by Rojo's
-- conventions; nil for a file that makes no Instance.
local function scriptKind(fileName)
	for _, ext in ipairs({ ".luau", ".lua" }) do
		if endsWith(fileName, ext) then
			local base = string.sub(fileName, 1, -#ext - 1)
			if endsWith(base, ".server") then
				return string.sub(base, 1, -8), "Script"
			elseif endsWith(base, ".client") then
				return string.sub(base, 1, -8), "LocalScript"
			end
			return base, "ModuleScript"
		end
	end
	if endsWith(fileName, ".project.json") or endsWith(fileName, ".meta.json") or endsWith(fileName, ".model.json") then
		return nil
	end
	if endsWith(fileName, ".json") then
		return string.sub(fileName, 1, -6), "ModuleScript", "json"
	end
	if endsWith(fileName, ".txt") then
		return string.sub(fileName, 1, -5), "StringValue", "txt"
	end
	return nil
end

local loadProject -- below
local populate -- below

local initFiles = {
	{ "init.server.luau", "Script" },
	{ "init.server.lua", "Script" },
	{ "init.client.luau", "LocalScript" },
	{ "init.client.lua", "LocalScript" },
	{ "init.luau", "ModuleScript" },
	{ "init.lua", "ModuleScript" },
}

-- fromPath makes the Instance for a file or directory; className, when
-- given, is the class a plain directory becomes.
local function fromPath(path, name, parent, className)
	if fs.isFile(path) then
		if endsWith(path, ".project.json") then
			return loadProject(path, name, parent)
		end
		local base, kind, special = scriptKind(basename(path))
		if base == nil then
			return nil
		end
		local node = newInstance(kind, name or base, parent)
		if special == "txt" then
			node.Value = fs.readFile(path)
		else
			-- Sources are read now, before any script runs: Lune's file
			-- reads yield, and a require must not let other scripts run in
			-- the middle of it (on Roblox it does not).
			state[node].path = path
			state[node].source = fs.readFile(path)
			state[node].json = special == "json"
		end
		return node
	end
	if not fs.isDir(path) then
		error("rbxemu run: " .. path .. " does not exist", 0)
	end
	if fs.isFile(join(path, "default.project.json")) then
		return loadProject(join(path, "default.project.json"), name, parent)
	end
	local node = nil
	for _, candidate in ipairs(initFiles) do
		if node == nil and fs.isFile(join(path, candidate[1])) then
			node = newInstance(candidate[2], name or basename(path), parent)
			state[node].path = join(path, candidate[1])
			state[node].source = fs.readFile(state[node].path)
		end
	end
	if node == nil then
		node = newInstance(className or "Folder", name or basename(path), parent)
	end
	populate(node, path)
	return node
end

-- populate adds the Instances of a directory's entries under node (init
-- files are node's own source, dot files are skipped).
populate = function(node, path)
	local entries = fs.readDir(path)
	table.sort(entries)
	for _, entry in ipairs(entries) do
		local full = join(path, entry)
		local skip = full == state[node].path or string.sub(entry, 1, 1) == "."
		if not skip and fs.isDir(full) then
			fromPath(full, entry, node, nil)
		elseif not skip and not endsWith(entry, ".project.json") then
			fromPath(full, nil, node, nil)
		end
	end
end

-- Services a place may hold, made empty when asked for; the others that
-- game code reaches for are refused by name.
local containerServices = {
	Workspace = true,
	Players = true,
	Lighting = true,
	ReplicatedFirst = true,
	ReplicatedStorage = true,
	ServerScriptService = true,
	ServerStorage = true,
	StarterGui = true,
	StarterPack = true,
	StarterPlayer = true,
	SoundService = true,
	Teams = true,
	Chat = true,
	TextChatService = true,
	LocalizationService = true,
	TestService = true,
	RunService = true,
	HttpService = true,
}

local function applyProperties(node, props)
	if type(props) ~= "table" then
		return
	end
	for k, v in pairs(props) do
		if type(v) == "table" and v.String ~= nil then
			v = v.String
		elseif type(v) == "table" and v.Bool ~= nil then
			v = v.Bool
		elseif type(v) == "table" and v.Float64 ~= nil then
			v = v.Float64
		end
		if k == "Attributes" and type(v) == "table" then
			for an, av in pairs(v) do
				baseMethods.SetAttribute(node, an, av)
			end
		elseif k ~= "Name" and k ~= "Parent" and k ~= "ClassName" then
			state[node].props[k] = v
		end
	end
end

-- childNames lists the children of a node of a project's tree (the keys
-- that are not $ directives), sorted.
local function childNames(spec)
	local names = {}
	for k in pairs(spec) do
		if type(k) == "string" and string.sub(k, 1, 1) ~= "$" then
			names[#names + 1] = k
		end
	end
	table.sort(names)
	return names
end

-- treeNode makes the Instance of one node of a project's tree.
local function treeNode(dir, name, spec, parent, isService)
	local className = spec["$className"]
	local path = spec["$path"]
	if type(path) == "table" then
		path = path.optional
		if path ~= nil and not fs.isFile(join(dir, path)) and not fs.isDir(join(dir, path)) then
			path = nil
		end
	end
	local node
	if isService then
		-- A service exists once: the tree fills it.
		node = findChild(parent, name) or newInstance(className or name, name, parent)
		if path ~= nil then
			if not fs.isDir(join(dir, path)) then
				error("rbxemu run: " .. name .. ".$path " .. path .. " is not a directory", 0)
			end
			populate(node, join(dir, path))
		end
	elseif path ~= nil then
		node = fromPath(join(dir, path), name, parent, className)
	else
		node = newInstance(className or "Folder", name, parent)
	end
	if node ~= nil then
		applyProperties(node, spec["$properties"])
		for _, k in ipairs(childNames(spec)) do
			treeNode(dir, k, spec[k], node, false)
		end
	end
	return node
end

-- loadProject reads a Rojo project file: a place (tree.$className
-- DataModel) fills the services of `dataModel`; any other project becomes
-- one Instance under parent.
local dataModel -- the DataModel, made below

loadProject = function(file, name, parent)
	local ok, project = pcall(serde.decode, "json", fs.readFile(file))
	if not ok or type(project) ~= "table" or type(project.tree) ~= "table" then
		error("rbxemu run: " .. file .. " is not a Rojo project file (want a JSON object with a \"tree\"): " .. tostring(project), 0)
	end
	local dir = dirname(file)
	local tree = project.tree
	if tree["$className"] == "DataModel" then
		if parent ~= nil then
			error("rbxemu run: " .. file .. " is a place; it cannot be nested inside another project", 0)
		end
		for _, k in ipairs(childNames(tree)) do
			treeNode(dir, k, tree[k], dataModel, true)
		end
		return dataModel
	end
	return treeNode(dir, name or project.name or basename(dir), tree, parent, false)
end

---------------------------------------------------------------------------
-- require: ModuleScripts of the place; strings go to Lune's own require.

local moduleCache = {}
local loading = {}
local sharedEnv = nil -- the globals every script sees (filled below)

local function compile(node)
	local s = state[node]
	local source = s.source or fs.readFile(s.path)
	local env = setmetatable({ script = node }, { __index = sharedEnv })
	return luau.load(source, { debugName = "@" .. s.path, environment = env, injectGlobals = false })
end

local function packN(...)
	return { n = select("#", ...), ... }
end

local function requireModule(target)
	if type(target) == "string" then
		return luneRequire(target)
	end
	if not isInstance(target) then
		error("Attempted to call require with invalid argument(s).", 2)
	end
	local s = state[target]
	if s.ClassName ~= "ModuleScript" then
		error("Attempted to call require with invalid argument(s).", 2)
	end
	local hit = moduleCache[target]
	if hit ~= nil then
		if hit.failed then
			error("Requested module experienced an error while loading", 2)
		end
		return hit.value
	end
	if loading[target] then
		error("Requested module was required recursively", 2)
	end
	if s.path == nil then
		error("rbxemu run: " .. fullName(target) .. " has no source", 2)
	end
	if s.json then
		local value = serde.decode("json", s.source)
		moduleCache[target] = { value = value }
		return value
	end
	loading[target] = true
	local ran, values = pcall(function()
		return packN((compile(target))())
	end)
	loading[target] = nil
	if not ran then
		moduleCache[target] = { failed = true }
		error(values, 0)
	end
	if values.n ~= 1 or values[1] == nil then
		moduleCache[target] = { failed = true }
		error("Module code did not return exactly one value", 2)
	end
	moduleCache[target] = { value = values[1] }
	return values[1]
end

local luneTypeof = typeof

-- typeof knows the runner's Instances and DateTimes.
local function gameTypeof(v)
	if isInstance(v) then
		return "Instance"
	end
	if type(v) == "table" then
		local mt = getmetatable(v)
		if type(mt) == "table" and type(mt.__type) == "string" then
			return mt.__type
		end
		if getmetatable(v) == Signal then
			return "RBXScriptSignal"
		elseif getmetatable(v) == Connection then
			return "RBXScriptConnection"
		end
	end
	return luneTypeof(v)
end

---------------------------------------------------------------------------
-- The shim, loaded before `game` exists so that it knows it runs in Lune.

local function findShim()
	local candidates = {}
	if options.shim ~= nil and options.shim ~= "" then
		candidates[#candidates + 1] = options.shim
	end
	local ok, source = pcall(function()
		return debug.info(1, "s")
	end)
	if ok and type(source) == "string" then
		source = string.gsub(source, "^[@=]", "")
		candidates[#candidates + 1] = dirname(source) .. "/../src"
	end
	candidates[#candidates + 1] = "src"
	candidates[#candidates + 1] = "luaclient/src"
	for _, c in ipairs(candidates) do
		if fs.isDir(c) and (fs.isFile(c .. "/init.lua") or fs.isFile(c .. "/init.luau")) then
			return c
		end
	end
	usage("cannot find the shim's src directory (tried " .. table.concat(candidates, ", ") .. "); pass --shim DIR")
	return nil
end

-- Every Lune global (a load with injectGlobals copies them into a fresh
-- table), then what a Roblox server adds.
sharedEnv = luau.load("return getfenv(1)", { debugName = "=rbxemu", environment = {} })()
sharedEnv.require = requireModule
sharedEnv.typeof = gameTypeof
sharedEnv.print = gamePrint
sharedEnv.warn = gameWarn
sharedEnv.task = task
sharedEnv._G = {}
sharedEnv.shared = {}

dataModel = newInstance("DataModel", "Game", nil)
local shimFolder = newInstance("Folder", "rbxemu", nil)
local shimRoot = fromPath(findShim(), "RbxEmu", shimFolder, nil)
local RbxEmu = requireModule(shimRoot)

local settings = {
	url = options.url,
	transport = transport == "websocket" and "lune" or "http",
	token = options.token,
	client = "lune",
	universeId = universeId,
	placeId = placeId,
	keepalive = keepalive,
	-- Under --studio=false the place believes it is live; the runner has no
	-- real service to hand out, so the emulator stays in use.
	enableInLiveGame = not studio,
}
if options.job ~= nil and options.job ~= "" then
	settings.jobId = options.job
end
RbxEmu.configure(settings)

---------------------------------------------------------------------------
-- Time: os.time, tick, DateTime.now and friends follow the daemon's clock,
-- so that code that stamps session locks with os.time() sees a virtual
-- clock move.

local startedAt = os.clock()

local function nowMs()
	local ms = RbxEmu.Client:Now()
	if ms == nil then
		RbxEmu.call("ping")
		ms = RbxEmu.Client:Now()
	end
	return ms
end

local gameOs = {}
for k, v in pairs(os) do
	gameOs[k] = v
end
function gameOs.time(t)
	if t ~= nil then
		return os.time(t)
	end
	return math.floor(nowMs() / 1000)
end
function gameOs.date(format, t)
	return os.date(format, t or math.floor(nowMs() / 1000))
end

local DateTime = {}
local DateTimeMeta = { __index = {} }
DateTimeMeta.__type = "DateTime"
local function newDateTime(ms)
	ms = math.floor(ms)
	return setmetatable({ UnixTimestamp = math.floor(ms / 1000), UnixTimestampMillis = ms }, DateTimeMeta)
end
function DateTime.now()
	return newDateTime(nowMs())
end
function DateTime.fromUnixTimestamp(seconds)
	return newDateTime(seconds * 1000)
end
function DateTime.fromUnixTimestampMillis(ms)
	return newDateTime(ms)
end
function DateTimeMeta.__index.ToIsoDate(self)
	local ms = self.UnixTimestampMillis
	local text = os.date("!%Y-%m-%dT%H:%M:%S", math.floor(ms / 1000))
	local frac = ms % 1000
	if frac ~= 0 then
		text = text .. string.format(".%03d", frac)
	end
	return text .. "Z"
end
function DateTimeMeta.__index.ToUniversalTime(self)
	return os.date("!*t", math.floor(self.UnixTimestampMillis / 1000))
end
DateTimeMeta.__tostring = function(self)
	return self:ToIsoDate()
end
DateTimeMeta.__eq = function(a, b)
	return a.UnixTimestampMillis == b.UnixTimestampMillis
end
DateTimeMeta.__lt = function(a, b)
	return a.UnixTimestampMillis < b.UnixTimestampMillis
end
DateTimeMeta.__le = function(a, b)
	return a.UnixTimestampMillis <= b.UnixTimestampMillis
end

---------------------------------------------------------------------------
-- The game.

local closers = {}
local servicesMade = {}

local function service(name, make)
	local node = findChild(dataModel, name)
	if node == nil then
		node = newInstance(name, name, dataModel)
	end
	if make ~= nil and not servicesMade[name] then
		servicesMade[name] = true
		state[node].class.service = true
		make(node, state[node].class.methods)
	end
	return node
end

local gameMethods = class("DataModel").methods

function gameMethods.GetService(_, name)
	if type(name) ~= "string" then
		error("Argument 1 missing or nil", 2)
	end
	if name == "DataStoreService" then
		return RbxEmu.DataStoreService
	end
	local node = findChild(dataModel, name)
	if node ~= nil then
		return node
	end
	if name == "MessagingService" or name == "MemoryStoreService" then
		local svc = RbxEmu[name]
		if svc ~= nil then
			return svc
		end
	end
	if containerServices[name] then
		return service(name, nil)
	end
	error("rbxemu run does not emulate " .. name, 2)
end
gameMethods.FindService = function(_, name)
	return findChild(dataModel, name)
end

function gameMethods.BindToClose(_, f)
	if type(f) ~= "function" then
		error("Argument 1 missing or nil", 2)
	end
	closers[#closers + 1] = f
end

function gameMethods.IsLoaded()
	return true
end

dataModel.PlaceId = placeId or 0
dataModel.GameId = universeId or 0
dataModel.JobId = settings.jobId or ""
dataModel.PlaceVersion = 0
dataModel.CreatorId = 0
dataModel.Loaded = newSignal("game.Loaded", false)


-- Players: simulated players.
local playerList = {}
local nextUserId = 1
local Players = service("Players", function(node, m)
	node.PlayerAdded = newSignal("Players.PlayerAdded", true)
	node.PlayerRemoving = newSignal("Players.PlayerRemoving", true)
	node.MaxPlayers = 50
	node.RespawnTime = 5
	function m.GetPlayers()
		local out = {}
		for k, p in ipairs(playerList) do
			out[k] = p
		end
		return out
	end
	function m.GetPlayerByUserId(_, userId)
		for _, p in ipairs(playerList) do
			if p.UserId == userId then
				return p
			end
		end
		return nil
	end
	function m.GetPlayerFromCharacter()
		return nil
	end
end)
local playerClass = class("Player")
-- Properties of a Player that are nil until something sets them.
playerClass.nilProps = { Character = true, Team = true, RespawnLocation = true, ReplicationFocus = true }

local function removePlayer(player)
	for k, p in ipairs(playerList) do
		if p == player then
			table.remove(playerList, k)
			Players.PlayerRemoving:Fire(player)
			luneTask.defer(function()
				setParent(player, nil)
			end)
			return true
		end
	end
	return false
end

function playerClass.methods.Kick(player, message)
	removePlayer(player)
end

local function addPlayer(name, userId)
	if userId == nil then
		userId = nextUserId
	end
	nextUserId = math.max(nextUserId, userId + 1)
	name = name or ("Player" .. tostring(userId))
	local player = newInstance("Player", name, nil)
	player.UserId = userId
	player.DisplayName = name
	player.AccountAge = 0
	player.FollowUserId = 0
	player.LocaleId = "en-us"
	pcall(function()
		player.MembershipType = robloxTypes.Enum.MembershipType.None
	end)
	playerList[#playerList + 1] = player
	setParent(player, Players)
	Players.PlayerAdded:Fire(player)
	return player
end

-- RunService.
service("RunService", function(node, m)
	local function frameSignal(name)
		local sig = newSignal("RunService." .. name, false)
		local connect = sig.Connect
		local running = false
		local function start()
			if running then
				return
			end
			running = true
			luneTask.spawn(function()
				local last = os.clock()
				while true do
					luneTask.wait(1 / 60)
					local t = os.clock()
					if name == "Stepped" then
						sig:Fire(t - startedAt, t - last)
					else
						sig:Fire(t - last)
					end
					last = t
				end
			end)
		end
		function sig:Connect(f)
			start()
			return connect(self, f)
		end
		function sig:Wait()
			start()
			return Signal.Wait(self)
		end
		return sig
	end
	node.Heartbeat = frameSignal("Heartbeat")
	node.Stepped = frameSignal("Stepped")
	node.PostSimulation = node.Heartbeat
	function m.IsStudio()
		return studio
	end
	function m.IsServer()
		return true
	end
	function m.IsClient()
		return false
	end
	function m.IsRunning()
		return true
	end
	function m.IsRunMode()
		return false
	end
	function m.IsEdit()
		return false
	end
end)

-- HttpService.
local guidSeeded = false
service("HttpService", function(node, m)
	node.HttpEnabled = true
	function m.JSONEncode(_, value)
		local ok, text = pcall(serde.encode, "json", value)
		if not ok then
			error("Can't convert to JSON", 2)
		end
		if text == "{}" and type(value) == "table" and next(value) == nil then
			return "[]"
		end
		return text
	end
	function m.JSONDecode(_, text)
		local ok, value = pcall(serde.decode, "json", text)
		if not ok then
			error("Can't parse JSON", 2)
		end
		return value
	end
	function m.GenerateGUID(_, wrap)
		if not guidSeeded then
			guidSeeded = true
			math.randomseed(math.floor(os.clock() * 1000000) + serverIndex * 7919)
		end
		local function hex(n)
			local out = {}
			for i = 1, n do
				out[i] = string.format("%X", math.random(0, 15))
			end
			return table.concat(out)
		end
		local g = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" .. string.format("%X", math.random(8, 11)) .. hex(3) .. "-" .. hex(12)
		if wrap == false then
			return g
		end
		return "{" .. g .. "}"
	end
	function m.UrlEncode(_, text)
		return net.urlEncode(text)
	end
end)

service("ServerScriptService", nil)
service("ServerStorage", nil)
service("ReplicatedStorage", nil)
local workspace = service("Workspace", nil)
class("Workspace").methods.GetServerTimeNow = function()
	return nowMs() / 1000
end

-- Instance.new: containers and values here; DataStore option classes from
-- the shim.
local creatable = {
	Folder = true,
	Model = true,
	Configuration = true,
	ModuleScript = true,
	StringValue = true,
	IntValue = true,
	NumberValue = true,
	BoolValue = true,
	ObjectValue = true,
	BindableEvent = true,
	BindableFunction = true,
}
local InstanceLib = {}
function InstanceLib.new(className, parent)
	if type(className) ~= "string" then
		error("invalid argument #1 to 'new' (string expected, got " .. type(className) .. ")", 2)
	end
	if creatable[className] then
		local node = newInstance(className, className, nil)
		if className == "BindableEvent" then
			local sig = newSignal(className .. ".Event", false)
			node.Event = sig
			class(className).methods.Fire = function(_, ...)
				sig:Fire(...)
			end
		end
		if parent ~= nil then
			setParent(node, parent)
		end
		return node
	end
	local ok, option = pcall(RbxEmu.Options.new, className)
	if ok then
		return option
	end
	error("rbxemu run does not emulate Instance.new(\"" .. className .. "\")", 2)
end

-- Roblox data types the runner does not have: named, so that using one
-- fails clearly instead of as a nil call.
local function missingType(name)
	return setmetatable({}, {
		__index = function(_, key)
			notEmulated(name .. "." .. tostring(key))
		end,
	})
end
-- Lune's @lune/roblox has the real data types (Vector3, CFrame, Color3, ...):
-- game code gets those, so that saving one fails as on Roblox.
for _, name in ipairs({ "Vector3", "Vector2", "CFrame", "Color3", "UDim", "UDim2", "BrickColor", "TweenInfo",
	"Ray", "Region3", "NumberRange", "NumberSequence", "NumberSequenceKeypoint", "ColorSequence",
	"ColorSequenceKeypoint", "Rect", "Random", "RaycastParams", "OverlapParams", "PhysicalProperties", "Font",
	"Axes", "Faces", "Vector3int16", "Vector2int16", "Region3int16", "SharedTable", "Path2DControlPoint", "Content" }) do
	if sharedEnv[name] == nil then
		local ok, value = pcall(function()
			return robloxTypes[name]
		end)
		if ok and value ~= nil then
			sharedEnv[name] = value
		else
			sharedEnv[name] = missingType(name)
		end
	end
end

-- Global functions of Roblox's that a server script might call, named so
-- that calling one fails clearly.
for _, name in ipairs({ "settings", "UserSettings", "version", "printidentity", "stats", "PluginManager", "LoadLibrary" }) do
	if sharedEnv[name] == nil then
		sharedEnv[name] = function()
			notEmulated(name .. "()")
		end
	end
end

local function legacyWait(seconds)
	local elapsed = luneTask.wait(seconds or 0.03)
	return elapsed, os.clock() - startedAt
end

local function legacySpawn(f)
	luneTask.defer(wrap(nil, f), 0, os.clock() - startedAt)
end

local function legacyDelay(seconds, f)
	luneTask.delay(seconds or 0.03, wrap(nil, f), seconds, os.clock() - startedAt)
end

-- The runner's own API, for tests and scenarios.
local rbxemuApi = {
	RbxEmu = RbxEmu,
	server = serverIndex,
	addPlayer = addPlayer,
	removePlayer = removePlayer,
	call = function(op, args)
		return RbxEmu.call(op, args)
	end,
	advanceClock = function(seconds)
		return RbxEmu.call("_emulator.clock.advance", { duration = math.floor(seconds * 1000) })
	end,
	onOutput = function(f)
		outputHooks[#outputHooks + 1] = f
	end,
}

sharedEnv.game = dataModel
sharedEnv.Game = dataModel
sharedEnv.workspace = workspace
sharedEnv.Workspace = workspace
-- Enum is Lune's copy of Roblox's enums (@lune/roblox), but for the data
-- store ones, which come from the shim: Lune 0.10.1's database predates the
-- 2026 request types (StandardRead .. OrderedRemove, values 9 to 16).
sharedEnv.Enum = setmetatable({
	DataStoreRequestType = RbxEmu.Enum.DataStoreRequestType,
	SortDirection = RbxEmu.Enum.SortDirection,
}, {
	__index = function(_, name)
		return robloxTypes.Enum[name]
	end,
})
sharedEnv.Instance = InstanceLib
sharedEnv.DateTime = DateTime
sharedEnv.os = gameOs
sharedEnv.tick = function()
	return nowMs() / 1000
end
sharedEnv.time = function()
	return os.clock() - startedAt
end
sharedEnv.elapsedTime = sharedEnv.time
sharedEnv.wait = legacyWait
sharedEnv.spawn = legacySpawn
sharedEnv.delay = legacyDelay
sharedEnv.rbxemu = rbxemuApi

---------------------------------------------------------------------------
-- Load the place, run its scripts, shut down.

local scripts = {}
local ok, loadErr = pcall(function()
	if endsWith(target, ".json") then
		loadProject(target, nil, nil)
		local function collect(node)
			for _, c in ipairs(state[node].children) do
				local cs = state[c]
				if cs.ClassName == "Script" and cs.path ~= nil and cs.props.Disabled ~= true and cs.props.Enabled ~= false then
					scripts[#scripts + 1] = c
				end
				collect(c)
			end
		end
		collect(service("ServerScriptService", nil))
		collect(workspace)
	elseif fs.isFile(target) then
		-- One script: its folder's files are its siblings in
		-- ServerScriptService, so require(script.Parent.X) finds them.
		local dir = dirname(target)
		local folder = fromPath(dir, basename(dir), service("ServerScriptService", nil), nil)
		local name = scriptKind(basename(target)) or basename(target)
		local main = findChild(folder, name)
		if main == nil or state[main].path ~= join(dir, basename(target)) then
			main = newInstance("Script", name, folder)
		end
		state[main].ClassName = "Script"
		state[main].class = class("Script")
		state[main].path = target
		state[main].source = fs.readFile(target)
		state[main].args = scriptArgs
		scripts[1] = main
	elseif fs.isDir(target) and fs.isFile(join(target, "default.project.json")) then
		target = join(target, "default.project.json")
		error("retry", 0)
	else
		error("rbxemu run: " .. target .. " is neither a project file (*.project.json) nor a script (*.lua, *.luau)", 0)
	end
end)
if not ok and loadErr == "retry" then
	ok, loadErr = pcall(function()
		loadProject(target, nil, nil)
	end)
end
if not ok then
	say("err", tostring(loadErr))
	RbxEmu.closeAll()
	exit(2)
end

-- Check the daemon before any script runs, with a clear message.
local reached, why = pcall(RbxEmu.call, "ping")
if not reached then
	say("err", tostring(why))
	RbxEmu.closeAll()
	exit(1)
end

for _, node in ipairs(scripts) do
	local s = state[node]
	local fn, compileErr = pcall(compile, node)
	if not fn then
		reportError(nil, compileErr, nil)
	else
		enter()
		local chunk = compileErr
		luneTask.spawn(function()
			protect(nil, chunk, unpackFn(s.args or {}))
			leave()
		end)
	end
end
-- The simulated players join once every script body has finished (or,
-- for a body still running, after PLAYERS_JOIN_AFTER seconds), as players
-- reach a Roblox server after its scripts have set up.
local bodiesDone = false
luneTask.spawn(function()
	waitIdle()
	bodiesDone = true
end)
local joinBy = os.clock() + PLAYERS_JOIN_AFTER
while not bodiesDone and os.clock() < joinBy do
	luneTask.wait(0.02)
end
for _ = 1, players do
	addPlayer(nil, nil)
end
waitIdle()

-- Shutdown: the players leave, then BindToClose, 30 s at most.
for _, p in ipairs(Players:GetPlayers()) do
	removePlayer(p)
end
waitIdle()
local closing = #closers
for _, f in ipairs(closers) do
	luneTask.spawn(function()
		protect("BindToClose", f)
		closing = closing - 1
	end)
end
local deadline = os.clock() + 30
while closing > 0 and os.clock() < deadline do
	luneTask.wait(0.05)
end
if closing > 0 then
	reportError("BindToClose", "callbacks still running after 30 seconds", nil)
end

RbxEmu.closeAll()
exit(failures > 0 and 1 or 0)

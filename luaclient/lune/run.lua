-- rbxemu Lune runner: runs a Roblox server script headless against a local
-- rbxemu daemon, with game:GetService("DataStoreService") answering the
-- emulated service, so game code runs without edits.
--
--   lune run path/to/lune/run.lua [options] game.lua [args...]
--
-- Options (each also read from the environment variable named after it):
--   --url URL          the daemon (RBXEMU_URL; default ws://127.0.0.1:34890/v1/ws)
--   --transport T      auto (the WebSocket), websocket or http (RBXEMU_TRANSPORT)
--   --token T          the daemon's --token (RBXEMU_TOKEN)
--   --players N        the player count the session reports (RBXEMU_PLAYERS)
--   --universe N, --place N, --job ID   the session's identity
--   --shim DIR         the shim's src directory (RBXEMU_SHIM; default: found
--                      beside this runner, or ./src, ./luaclient/src)
--
-- The script runs as a Script would: `script` is an Instance in
-- ServerScriptService, `game`, `workspace`, `Enum`, `Instance.new` (for
-- the DataStore option classes, Folder and ModuleScript), `task` and
-- `typeof` are there, and require(script.Parent.X) loads .lua/.luau files
-- beside it by Rojo's conventions. Strings given to require go to Lune's own
-- require (for @lune/... libraries). game:BindToClose callbacks run when the
-- script returns; then the runner closes its connections and exits (status 1
-- when the script raised an error). The global `rbxemu` holds the shim
-- (rbxemu.RbxEmu) and addPlayer/removePlayer, which drive the Players events.

local fs = require("@lune/fs")
local luau = require("@lune/luau")
local process = require("@lune/process")
local task = require("@lune/task")
local serde = require("@lune/serde")

local luneRequire = require

---------------------------------------------------------------------------
-- Command line.

local function usage(message)
	print("rbxemu lune runner: " .. message)
	print("usage: lune run lune/run.lua [--url URL] [--transport auto|websocket|http] [--token T] "
		.. "[--players N] [--universe N] [--place N] [--job ID] [--shim DIR] script.lua [args...]")
	process.exit(2)
end

local options = {
	url = process.env.RBXEMU_URL,
	transport = process.env.RBXEMU_TRANSPORT,
	token = process.env.RBXEMU_TOKEN,
	players = process.env.RBXEMU_PLAYERS,
	shim = process.env.RBXEMU_SHIM,
}
local scriptPath = nil
local scriptArgs = {}
local flags = { ["--url"] = "url", ["--transport"] = "transport", ["--token"] = "token", ["--players"] = "players",
	["--universe"] = "universe", ["--place"] = "place", ["--job"] = "job", ["--shim"] = "shim" }
local i = 1
while i <= #process.args do
	local a = process.args[i]
	if scriptPath ~= nil then
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
		scriptPath = a
	end
	i = i + 1
end
if scriptPath == nil then
	usage("no script given")
end

---------------------------------------------------------------------------
-- Instances: a small tree of tables, enough for scripts and modules to find
-- each other as in Studio.

local Node = {}
local nodeMethods = {}

local function newNode(className, name, parent)
	local node = setmetatable({ ClassName = className, Name = name, _children = {} }, Node)
	if parent ~= nil then
		node.Parent = parent
		parent._children[#parent._children + 1] = node
	end
	return node
end

Node.__index = function(node, key)
	local m = nodeMethods[key]
	if m ~= nil then
		return m
	end
	for _, child in ipairs(rawget(node, "_children")) do
		if child.Name == key then
			return child
		end
	end
	error(tostring(key) .. " is not a valid member of " .. rawget(node, "ClassName") .. " \"" .. rawget(node, "Name") .. "\"", 2)
end
Node.__tostring = function(node)
	return node.Name
end

function nodeMethods.FindFirstChild(node, name)
	for _, child in ipairs(node._children) do
		if child.Name == name then
			return child
		end
	end
	return nil
end

function nodeMethods.WaitForChild(node, name, timeout)
	local waited = 0
	while true do
		local child = nodeMethods.FindFirstChild(node, name)
		if child ~= nil then
			return child
		end
		if timeout ~= nil and waited >= timeout then
			return nil
		end
		waited = waited + task.wait(0.1)
	end
end

function nodeMethods.GetChildren(node)
	local out = {}
	for k, child in ipairs(node._children) do
		out[k] = child
	end
	return out
end

function nodeMethods.IsA(node, className)
	return node.ClassName == className or className == "Instance"
end

function nodeMethods.GetFullName(node)
	local parts = {}
	local n = node
	while n ~= nil and n.ClassName ~= "DataModel" do
		table.insert(parts, 1, n.Name)
		n = rawget(n, "Parent")
	end
	return table.concat(parts, ".")
end

local function isFile(path)
	return fs.isFile(path)
end

local function isDir(path)
	return fs.isDir(path)
end

-- scriptFile splits "Name.server.lua" and the like into the Instance name and
-- class by Rojo's conventions; nil for files that are not scripts.
local function scriptFile(fileName)
	for _, ext in ipairs({ ".lua", ".luau" }) do
		if string.sub(fileName, -#ext) == ext then
			local base = string.sub(fileName, 1, -#ext - 1)
			if string.sub(base, -7) == ".server" then
				return string.sub(base, 1, -8), "Script"
			elseif string.sub(base, -7) == ".client" then
				return string.sub(base, 1, -8), "LocalScript"
			end
			return base, "ModuleScript"
		end
	end
	return nil
end

-- buildTree turns a directory into Instances: init.lua(u) makes the folder a
-- ModuleScript, other .lua(u) files are scripts, other folders Folders.
local function buildTree(path, name, parent)
	local init = nil
	for _, candidate in ipairs({ "init.lua", "init.luau", "init.server.lua", "init.server.luau" }) do
		if init == nil and isFile(path .. "/" .. candidate) then
			init = candidate
		end
	end
	local node
	if init ~= nil then
		local _, className = scriptFile(init)
		node = newNode(className, name, parent)
		node._path = path .. "/" .. init
	else
		node = newNode("Folder", name, parent)
	end
	local entries = fs.readDir(path)
	table.sort(entries)
	for _, entry in ipairs(entries) do
		local full = path .. "/" .. entry
		if isDir(full) then
			buildTree(full, entry, node)
		elseif full ~= rawget(node, "_path") then
			local base, className = scriptFile(entry)
			if base ~= nil then
				local child = newNode(className, base, node)
				child._path = full
			end
		end
	end
	return node
end

---------------------------------------------------------------------------
-- require: ModuleScripts of the trees above, Lune's libraries otherwise.

local cache = {}
local loading = {}
local globals = nil -- the environment scripts see (filled below)

local function loadNode(node)
	local source = fs.readFile(node._path)
	local env = setmetatable({ script = node }, { __index = globals })
	return luau.load(source, { debugName = nodeMethods.GetFullName(node), environment = env })
end

local function requireModule(target)
	if type(target) == "string" then
		return luneRequire(target)
	end
	if getmetatable(target) ~= Node or target.ClassName ~= "ModuleScript" then
		error("Attempted to call require with invalid argument(s).", 2)
	end
	local hit = cache[target]
	if hit ~= nil then
		return hit.value
	end
	if loading[target] then
		error("Requested module was required recursively", 2)
	end
	loading[target] = true
	local ok, value = pcall(loadNode(target))
	loading[target] = nil
	if not ok then
		error(value, 0)
	end
	cache[target] = { value = value }
	return value
end

---------------------------------------------------------------------------
-- Find and load the shim. It must be loaded before `game` exists, so that it
-- knows it runs in Lune.

local function dirname(path)
	return string.match(path, "^(.*)[/\\][^/\\]*$") or "."
end

local function findShim()
	local candidates = {}
	if options.shim ~= nil then
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
		if isDir(c) and (isFile(c .. "/init.lua") or isFile(c .. "/init.luau")) then
			return c
		end
	end
	usage("cannot find the shim's src directory (tried " .. table.concat(candidates, ", ") .. "); pass --shim DIR")
	return nil
end

local services = newNode("DataModel", "Game", nil)
globals = setmetatable({ require = requireModule }, { __index = _G })
local shimRoot = buildTree(findShim(), "RbxEmu", newNode("ReplicatedStorage", "ReplicatedStorage", services))
local RbxEmu = requireModule(shimRoot)

local settings = { url = options.url, transport = options.transport, token = options.token, client = "lune" }
if options.players ~= nil then
	settings.players = tonumber(options.players)
end
if options.universe ~= nil then
	settings.universeId = tonumber(options.universe)
end
if options.place ~= nil then
	settings.placeId = tonumber(options.place)
end
if options.job ~= nil then
	settings.jobId = options.job
end
if settings.transport == nil or settings.transport == "websocket" then
	settings.transport = "lune"
end
RbxEmu.configure(settings)

---------------------------------------------------------------------------
-- The game a script sees.

local Signal = {}
Signal.__index = Signal

local function newSignal()
	return setmetatable({ handlers = {} }, Signal)
end

function Signal:Connect(f)
	local entry = { f = f }
	self.handlers[#self.handlers + 1] = entry
	local handlers = self.handlers
	local connection = { Connected = true }
	function connection:Disconnect()
		self.Connected = false
		for k, e in ipairs(handlers) do
			if e == entry then
				table.remove(handlers, k)
				break
			end
		end
	end
	return connection
end

function Signal:Fire(...)
	for _, e in ipairs(self.handlers) do
		task.spawn(e.f, ...)
	end
end

local playerList = {}
local Players = newNode("Players", "Players", services)
Players.PlayerAdded = newSignal()
Players.PlayerRemoving = newSignal()
function Players:GetPlayers()
	local out = {}
	for k, p in ipairs(playerList) do
		out[k] = p
	end
	return out
end

local RunService = newNode("RunService", "RunService", services)
function RunService:IsStudio()
	return true
end
function RunService:IsServer()
	return true
end
function RunService:IsClient()
	return false
end
function RunService:IsRunning()
	return true
end

local HttpService = newNode("HttpService", "HttpService", services)
function HttpService:JSONEncode(value)
	return serde.encode("json", value)
end
function HttpService:JSONDecode(text)
	return serde.decode("json", text)
end
function HttpService:GenerateGUID(wrap)
	local g = string.format("%08X-%04X-%04X-%04X-%012X", math.random(0, 0x7fffffff), math.random(0, 0xffff),
		math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
	if wrap == false then
		return g
	end
	return "{" .. g .. "}"
end

newNode("ServerScriptService", "ServerScriptService", services)
newNode("ServerStorage", "ServerStorage", services)
local workspaceNode = newNode("Workspace", "Workspace", services)

local closers = {}
local game = services
game.PlaceId = settings.placeId or 0
game.GameId = settings.universeId or 0
game.JobId = settings.jobId or ""
function game:GetService(name)
	if name == "DataStoreService" then
		return RbxEmu.DataStoreService
	end
	local svc = nodeMethods.FindFirstChild(services, name)
	if svc == nil then
		error("'" .. tostring(name) .. "' is not a valid Service name", 2)
	end
	return svc
end
function game:BindToClose(f)
	closers[#closers + 1] = f
end

local InstanceLib = {
	new = function(className, parent)
		if className == "Folder" or className == "ModuleScript" then
			return newNode(className, className, parent)
		end
		return RbxEmu.Options.new(className)
	end,
}

local nextUserId = 1
local rbxemu = {
	RbxEmu = RbxEmu,
	addPlayer = function(name, userId)
		if userId == nil then
			userId = nextUserId
			nextUserId = nextUserId + 1
		end
		local player = { Name = name, DisplayName = name, UserId = userId, ClassName = "Player" }
		function player:IsA(className)
			return className == "Player" or className == "Instance"
		end
		playerList[#playerList + 1] = player
		Players.PlayerAdded:Fire(player)
		return player
	end,
	removePlayer = function(player)
		Players.PlayerRemoving:Fire(player)
		for k, p in ipairs(playerList) do
			if p == player then
				table.remove(playerList, k)
				break
			end
		end
	end,
}

globals.game = game
globals.Game = game
globals.workspace = workspaceNode
globals.Enum = RbxEmu.Enum
globals.Instance = InstanceLib
globals.task = task
globals.rbxemu = rbxemu
if globals.typeof == nil then
	globals.typeof = type
end

---------------------------------------------------------------------------
-- Run the script, then BindToClose callbacks, then leave.

local scriptDir = dirname(scriptPath)
local folder = buildTree(scriptDir, string.match(scriptDir, "([^/\\]+)$") or "Scripts",
	nodeMethods.FindFirstChild(services, "ServerScriptService"))
local scriptName = scriptFile(string.match(scriptPath, "([^/\\]+)$"))
local main = nodeMethods.FindFirstChild(folder, scriptName or "")
if main == nil then
	main = newNode("Script", scriptName or scriptPath, folder)
end
main._path = scriptPath

local ok, err = pcall(loadNode(main), (unpack or table.unpack)(scriptArgs))
local status = 0
if not ok then
	print(tostring(err))
	status = 1
end

local pending = #closers
for _, f in ipairs(closers) do
	task.spawn(function()
		local closed, closeErr = pcall(f)
		if not closed then
			print("BindToClose: " .. tostring(closeErr))
		end
		pending = pending - 1
	end)
end
local waited = 0
while pending > 0 and waited < 30 do
	waited = waited + task.wait(0.1)
end

RbxEmu.closeAll()
process.exit(status)

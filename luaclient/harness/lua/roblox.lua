-- roblox.lua: a fake Roblox server for the shim's tests: Instances (as
-- userdata, so the shim can only use their members), the Rojo layout of
-- luaclient/src under ReplicatedStorage, require(ModuleScript), game and
-- its services, Enum, a few data types, Instance.new for the DataStore
-- option classes, and a production DataStoreService that records every call.

local go = __go
local H = __harness
local S = H.scheduler
local config = H.config

---------------------------------------------------------------------------
-- Signals (RBXScriptSignal): handlers run at once, each in its own thread.

local Signal = {}
Signal.__index = Signal

local function newSignal()
	return setmetatable({ handlers = {} }, Signal)
end
H.newSignal = newSignal

function Signal:Connect(f)
	local entry = { f = f }
	self.handlers[#self.handlers + 1] = entry
	local connection = { Connected = true }
	local handlers = self.handlers
	function connection:Disconnect()
		self.Connected = false
		for i, e in ipairs(handlers) do
			if e == entry then
				table.remove(handlers, i)
				break
			end
		end
	end
	return connection
end

function Signal:Once(f)
	local connection
	connection = self:Connect(function(...)
		connection:Disconnect()
		f(...)
	end)
	return connection
end

-- Fire runs the handlers at once (Workspace.SignalBehavior Immediate), or,
-- with config.deferredSignals, at the end of the current resumption cycle
-- (Deferred, Studio's default for new places): a handler sees the state as
-- it is after the code that fired the signal has yielded.
function Signal:Fire(...)
	local run = H.config.deferredSignals and task.defer or task.spawn
	local list = {}
	for i, e in ipairs(self.handlers) do
		list[i] = e
	end
	for _, e in ipairs(list) do
		run(e.f, ...)
	end
	local waiting = self.waiting
	self.waiting = nil
	if waiting then
		for _, co in ipairs(waiting) do
			run(co, ...)
		end
	end
end

function Signal:Wait()
	self.waiting = self.waiting or {}
	self.waiting[#self.waiting + 1] = coroutine.running()
	return coroutine.yield()
end

---------------------------------------------------------------------------
-- Instances.

local data = setmetatable({}, { __mode = "k" })
local classes = {}
local InstanceMeta = { __type = "Instance" }

local function class(name, base, props, methods)
	classes[name] = { name = name, base = base, props = props or {}, methods = methods or {} }
end
H.class = class
H.classes = classes

local function isA(className, wanted)
	local c = classes[className]
	while c ~= nil do
		if c.name == wanted then
			return true
		end
		c = classes[c.base]
	end
	return false
end

local function lookup(className, field, key)
	local c = classes[className]
	while c ~= nil do
		local v = c[field][key]
		if v ~= nil then
			return v, true
		end
		c = classes[c.base]
	end
	return nil, false
end

local function declared(className, key)
	local c = classes[className]
	while c ~= nil do
		if c.props[key] ~= nil then
			return true
		end
		c = classes[c.base]
	end
	return false
end

local function fullName(inst)
	local d = data[inst]
	local parts = {}
	while d ~= nil and d.ClassName ~= "DataModel" do
		table.insert(parts, 1, d.Name)
		-- not "d = d.Parent and data[d.Parent]": gopher-lua leaves d as it
		-- was when the left operand of such an "and" is nil, which looped
		-- for ever on an Instance tree outside the DataModel (the plugin's)
		local parent = d.Parent
		if parent == nil then
			break
		end
		d = data[parent]
	end
	return table.concat(parts, ".")
end
H.fullName = fullName

local function newInstance(className, name)
	if classes[className] == nil then
		error("Unable to create an Instance of type \"" .. tostring(className) .. "\"", 2)
	end
	local inst = go.newproxy(InstanceMeta)
	local d = { ClassName = className, Name = name or className, children = {}, props = {}, signals = {} }
	data[inst] = d
	local c = classes[className]
	local chain = {}
	while c ~= nil do
		table.insert(chain, 1, c)
		c = classes[c.base]
	end
	for _, cl in ipairs(chain) do
		for k, v in pairs(cl.props) do
			if v == "signal" then
				d.signals[k] = newSignal()
			elseif type(v) == "table" and v.default ~= nil then
				d.props[k] = v.default
			elseif type(v) ~= "table" then
				d.props[k] = v
			end
		end
	end
	return inst
end
H.newInstance = newInstance
H.instanceData = function(inst)
	return data[inst]
end

local function setParent(inst, parent)
	local d = data[inst]
	if d.Parent ~= nil then
		local siblings = data[d.Parent].children
		for i, c in ipairs(siblings) do
			if c == inst then
				table.remove(siblings, i)
				break
			end
		end
	end
	d.Parent = parent
	if parent ~= nil then
		local pd = data[parent]
		pd.children[#pd.children + 1] = inst
	end
end

local function findChild(inst, name)
	for _, c in ipairs(data[inst].children) do
		if data[c].Name == name then
			return c
		end
	end
	return nil
end

InstanceMeta.__index = function(inst, key)
	local d = data[inst]
	if key == "ClassName" or key == "Name" or key == "Parent" then
		return d[key]
	end
	local v = d.props[key]
	if v ~= nil then
		return v
	end
	local sig = d.signals[key]
	if sig ~= nil then
		return sig
	end
	local m = lookup(d.ClassName, "methods", key)
	if m ~= nil then
		return m
	end
	if declared(d.ClassName, key) then
		return nil
	end
	local child = findChild(inst, key)
	if child ~= nil then
		return child
	end
	error(tostring(key) .. " is not a valid member of " .. d.ClassName .. " \"" .. fullName(inst) .. "\"", 2)
end

InstanceMeta.__newindex = function(inst, key, value)
	local d = data[inst]
	if key == "Parent" then
		setParent(inst, value)
	elseif key == "Name" then
		d.Name = tostring(value)
	elseif declared(d.ClassName, key) then
		d.props[key] = value
	else
		error(tostring(key) .. " is not a valid member of " .. d.ClassName .. " \"" .. fullName(inst) .. "\"", 2)
	end
end

InstanceMeta.__tostring = function(inst)
	return data[inst].Name
end

class("Instance", nil, {}, {
	IsA = function(self, name)
		return isA(data[self].ClassName, name)
	end,
	FindFirstChild = function(self, name)
		return findChild(self, name)
	end,
	WaitForChild = function(self, name, timeout)
		local waited = 0
		while true do
			local c = findChild(self, name)
			if c ~= nil then
				return c
			end
			if timeout ~= nil and waited >= timeout then
				return nil
			end
			waited = waited + task.wait(0.1)
		end
	end,
	GetChildren = function(self)
		local out = {}
		for i, c in ipairs(data[self].children) do
			out[i] = c
		end
		return out
	end,
	GetFullName = function(self)
		return fullName(self)
	end,
	Destroy = function(self)
		setParent(self, nil)
	end,
})

class("Folder", "Instance")
class("LuaSourceContainer", "Instance")
class("ModuleScript", "LuaSourceContainer", { Source = "" })
class("Script", "LuaSourceContainer", { Source = "" })
class("LocalScript", "Script", { Source = "" })

local function copy(t)
	local out = {}
	for k, v in pairs(t or {}) do
		out[k] = v
	end
	return out
end

class("DataStoreOptions", "Instance", { AllScopes = false }, {
	SetExperimentalFeatures = function(self, features)
		data[self].experimental = copy(features)
	end,
})
class("DataStoreGetOptions", "Instance", { UseCache = true })
local metadataMethods = {
	SetMetadata = function(self, attributes)
		data[self].metadata = copy(attributes)
	end,
	GetMetadata = function(self)
		return copy(data[self].metadata)
	end,
}
class("DataStoreSetOptions", "Instance", {}, metadataMethods)
class("DataStoreIncrementOptions", "Instance", {}, metadataMethods)

class("Player", "Instance", { UserId = 0, DisplayName = "" })

local creatable = {
	Folder = true,
	ModuleScript = true,
	Script = true,
	DataStoreOptions = true,
	DataStoreGetOptions = true,
	DataStoreSetOptions = true,
	DataStoreIncrementOptions = true,
}

H.creatable = creatable

Instance = {
	new = function(className, parent)
		if not creatable[className] then
			error("Unable to create an Instance of type \"" .. tostring(className) .. "\"", 2)
		end
		local inst = newInstance(className)
		if parent ~= nil then
			inst.Parent = parent
		end
		return inst
	end,
}

---------------------------------------------------------------------------
-- Enum.

local EnumItemMeta = { __type = "EnumItem" }
local itemData = setmetatable({}, { __mode = "k" })
EnumItemMeta.__index = function(item, key)
	local d = itemData[item]
	if key == "Name" or key == "Value" or key == "EnumType" then
		return d[key]
	end
	error(tostring(key) .. " is not a valid member of EnumItem", 2)
end
EnumItemMeta.__tostring = function(item)
	local d = itemData[item]
	return "Enum." .. d.EnumType .. "." .. d.Name
end

local function enum(name, items)
	local e = {}
	local list = {}
	for value, itemName in pairs(items) do
		local item = go.newproxy(EnumItemMeta)
		itemData[item] = { Name = itemName, Value = value, EnumType = name }
		e[itemName] = item
		list[#list + 1] = item
	end
	table.sort(list, function(a, b)
		return itemData[a].Value < itemData[b].Value
	end)
	function e.GetEnumItems()
		return copy(list)
	end
	return setmetatable(e, {
		__index = function(_, key)
			error(tostring(key) .. " is not a valid member of \"Enum." .. name .. "\"", 2)
		end,
	})
end

H.enum = enum

Enum = setmetatable({
	DataStoreRequestType = enum("DataStoreRequestType", {
		[0] = "GetAsync",
		[1] = "SetIncrementAsync",
		[2] = "UpdateAsync",
		[3] = "GetSortedAsync",
		[4] = "SetIncrementSortedAsync",
		[5] = "OnUpdate",
		[6] = "ListAsync",
		[7] = "GetVersionAsync",
		[8] = "RemoveVersionAsync",
		[9] = "StandardRead",
		[10] = "StandardWrite",
		[11] = "StandardList",
		[12] = "StandardRemove",
		[13] = "OrderedRead",
		[14] = "OrderedWrite",
		[15] = "OrderedList",
		[16] = "OrderedRemove",
	}),
	SortDirection = enum("SortDirection", { [0] = "Ascending", [1] = "Descending" }),
	WebStreamClientType = enum("WebStreamClientType", { [0] = "SSE", [1] = "RawStream", [2] = "WebSocket" }),
	WebStreamClientState = enum("WebStreamClientState", { [0] = "Connecting", [1] = "Open", [2] = "Closed", [3] = "Error" }),
}, {
	__index = function(_, key)
		error(tostring(key) .. " is not a valid member of \"Enums\"", 2)
	end,
})

---------------------------------------------------------------------------
-- Data types that cannot be stored.

local function datatype(name, fields)
	local meta = { __type = name }
	local store = setmetatable({}, { __mode = "k" })
	meta.__index = function(v, key)
		local d = store[v]
		if d[key] ~= nil then
			return d[key]
		end
		error(tostring(key) .. " is not a valid member of " .. name, 2)
	end
	meta.__tostring = function(v)
		local d = store[v]
		local parts = {}
		for _, f in ipairs(fields) do
			parts[#parts + 1] = tostring(d[f])
		end
		return table.concat(parts, ", ")
	end
	return {
		new = function(...)
			local v = go.newproxy(meta)
			local d = {}
			for i, f in ipairs(fields) do
				d[f] = select(i, ...) or 0
			end
			store[v] = d
			return v
		end,
	}
end

Vector3 = datatype("Vector3", { "X", "Y", "Z" })
CFrame = datatype("CFrame", { "X", "Y", "Z" })
Color3 = datatype("Color3", { "R", "G", "B" })
UDim2 = datatype("UDim2", { "X", "Y" })

---------------------------------------------------------------------------
-- Services.

class("DataModel", "Instance", { PlaceId = 0, GameId = 0, JobId = "" }, {
	GetService = function(self, name)
		local svc = findChild(self, name)
		if svc == nil then
			error("'" .. tostring(name) .. "' is not a valid Service name", 2)
		end
		if name == "DataStoreService" and H.emulatedService ~= nil then
			return H.emulatedService
		end
		return svc
	end,
})
class("Workspace", "Instance")
class("ReplicatedStorage", "Instance")
class("ServerScriptService", "Instance")
class("ServerStorage", "Instance")

class("RunService", "Instance", {}, {
	IsStudio = function()
		return config.studio == true
	end,
	IsServer = function()
		return true
	end,
	IsClient = function()
		return false
	end,
	IsRunning = function()
		return true
	end,
})

class("Players", "Instance", { PlayerAdded = "signal", PlayerRemoving = "signal" }, {
	GetPlayers = function(self)
		local out = {}
		for _, c in ipairs(data[self].children) do
			if data[c].ClassName == "Player" then
				out[#out + 1] = c
			end
		end
		return out
	end,
})

-- The production DataStoreService: records every method call (Studio tests
-- assert it stays empty) and hands back stores that record too.
H.productionCalls = {}
local function recorder(prefix)
	return setmetatable({}, {
		__index = function(_, method)
			return function(_, ...)
				H.productionCalls[#H.productionCalls + 1] = prefix .. method
				if method == "GetDataStore" or method == "GetOrderedDataStore" or method == "GetGlobalDataStore" then
					return recorder(prefix .. method .. ".")
				end
				return nil
			end
		end,
	})
end
local production = recorder("DataStoreService.")
class("DataStoreService", "Instance", {}, setmetatable({}, {
	__index = function(_, method)
		return production[method]
	end,
}))

-- WebStreamClient, backed by a real WebSocket from Go.
local clientsByHandle = {}
class("WebStreamClient", "Instance", {
	ConnectionState = { default = nil },
	Opened = "signal",
	Error = "signal",
	Closed = "signal",
	MessageReceived = "signal",
}, {
	Send = function(self, text)
		local d = data[self]
		if d.state ~= "Open" then
			error("WebStreamClient is not open", 2)
		end
		go.ws_send(d.handle, text)
	end,
	Close = function(self)
		local d = data[self]
		if d.state == "Open" then
			go.ws_close(d.handle)
		elseif d.state == "Connecting" then
			d.state = "Closing"
		end
	end,
})

local function clientOf(ev)
	return clientsByHandle[ev.handle]
end

S.onEvent("ws_open", function(ev)
	local c = clientOf(ev)
	if c == nil then
		return
	end
	local d = data[c]
	if d.state == "Closing" then
		go.ws_close(ev.handle)
		return
	end
	d.state = "Open"
	d.props.ConnectionState = Enum.WebStreamClientState.Open
	d.signals.Opened:Fire(101, "")
end)
S.onEvent("ws_error", function(ev)
	local c = clientOf(ev)
	if c == nil then
		return
	end
	local d = data[c]
	d.state = "Error"
	d.props.ConnectionState = Enum.WebStreamClientState.Error
	d.signals.Error:Fire(ev.status or 0, ev.message or "")
end)
S.onEvent("ws_message", function(ev)
	local c = clientOf(ev)
	if c ~= nil then
		data[c].signals.MessageReceived:Fire(ev.text)
	end
end)
S.onEvent("ws_close", function(ev)
	local c = clientOf(ev)
	if c == nil then
		return
	end
	local d = data[c]
	d.state = "Closed"
	d.props.ConnectionState = Enum.WebStreamClientState.Closed
	d.signals.Closed:Fire()
end)

-- HttpService.
local httpResults = {}
S.onEvent("http_done", function(ev)
	local slot = httpResults[ev.handle]
	if slot ~= nil then
		slot.ev = ev
		task.spawn(slot.co)
	end
end)

local httpMethods = {
	JSONEncode = function(_, v)
		return go.json_encode(v)
	end,
	JSONDecode = function(_, s)
		return go.json_decode(s)
	end,
	GenerateGUID = function(_, wrap)
		local g = string.format("%08X-%04X-%04X-%04X-%012X", math.random(0, 0x7fffffff), math.random(0, 0xffff),
			math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
		if wrap == false then
			return g
		end
		return "{" .. g .. "}"
	end,
	RequestAsync = function(self, req)
		if not data[self].props.HttpEnabled then
			error("Http requests are not enabled. Enable via game settings", 2)
		end
		if type(req) ~= "table" or type(req.Url) ~= "string" then
			error("Unable to cast value to Dictionary", 2)
		end
		local handle = go.http_request(req.Method or "GET", req.Url, req.Headers, req.Body)
		local slot = { co = coroutine.running() }
		httpResults[handle] = slot
		while slot.ev == nil do
			coroutine.yield()
		end
		httpResults[handle] = nil
		local ev = slot.ev
		if ev.error ~= nil then
			error("HttpError: ConnectFail", 2)
		end
		return {
			Success = ev.status >= 200 and ev.status < 300,
			StatusCode = ev.status,
			StatusMessage = "",
			Headers = ev.headers,
			Body = ev.body,
		}
	end,
}
if config.webstream then
	httpMethods.CreateWebStreamClient = function(_, clientType, options)
		if clientType ~= Enum.WebStreamClientType.WebSocket then
			error("only WebSocket clients are faked", 2)
		end
		local c = newInstance("WebStreamClient")
		local d = data[c]
		d.state = "Connecting"
		d.props.ConnectionState = Enum.WebStreamClientState.Connecting
		d.handle = go.ws_connect(options.Url)
		clientsByHandle[d.handle] = c
		H.webStreamClients = (H.webStreamClients or 0) + 1
		return c
	end
end
class("HttpService", "Instance", { HttpEnabled = true }, httpMethods)

---------------------------------------------------------------------------
-- The DataModel.

game = newInstance("DataModel", "Game")
local services = {
	"Workspace",
	"ReplicatedStorage",
	"ServerScriptService",
	"ServerStorage",
	"RunService",
	"Players",
	"DataStoreService",
	"HttpService",
}
for _, name in ipairs(services) do
	newInstance(name).Parent = game
end
workspace = game:GetService("Workspace")
Workspace = workspace

-- addPlayer / removePlayer drive Players' events.
function H.addPlayer(name, userId)
	local p = newInstance("Player", name)
	p.UserId = userId
	p.DisplayName = name
	p.Parent = game:GetService("Players")
	data[game:GetService("Players")].signals.PlayerAdded:Fire(p)
	return p
end

function H.removePlayer(p)
	data[game:GetService("Players")].signals.PlayerRemoving:Fire(p)
	p.Parent = nil
end

-- useEmulatedService makes game:GetService("DataStoreService") return svc,
-- as the Lune runner does, so that game code runs unchanged.
function H.useEmulatedService(svc)
	H.emulatedService = svc
end

---------------------------------------------------------------------------
-- Modules: the Rojo layout and require.

local moduleCache = setmetatable({}, { __mode = "k" })
local loading = setmetatable({}, { __mode = "k" })

local function loadSource(inst, source)
	local fn, err = loadstring(source, "=" .. fullName(inst))
	if not fn then
		error(err, 0)
	end
	setfenv(fn, setmetatable({ script = inst }, { __index = _G }))
	return fn
end
H.loadSource = loadSource

local rawrequire = require
function require(target)
	local d = data[target]
	if d == nil then
		if type(target) == "string" and H.requireString ~= nil then
			return H.requireString(target)
		end
		error("Attempted to call require with invalid argument(s).", 2)
	end
	if d.ClassName ~= "ModuleScript" then
		error("Attempted to call require with invalid argument(s).", 2)
	end
	local cached = moduleCache[target]
	if cached ~= nil then
		return cached.value
	end
	if loading[target] then
		error("Requested module was required recursively", 2)
	end
	loading[target] = true
	local fn = loadSource(target, d.props.Source)
	local r = H.pack(pcall(fn))
	loading[target] = nil
	if not r[1] then
		error(r[2], 0)
	end
	if r.n ~= 2 then
		error("Module code did not return exactly one value", 2)
	end
	moduleCache[target] = { value = r[2] }
	return r[2]
end
H.rawrequire = rawrequire

-- buildTree turns a directory laid out by Rojo's conventions into Instances:
-- init.lua makes the folder a ModuleScript (init.server.lua a Script,
-- init.client.lua a LocalScript), X.lua a ModuleScript named X,
-- X.server.lua a Script, X.client.lua a LocalScript, other folders Folders.
local initFiles = { ["init.lua"] = "ModuleScript", ["init.server.lua"] = "Script", ["init.client.lua"] = "LocalScript" }

local function buildTree(path, name)
	local entries = go.list_dir(path)
	local init = nil
	for _, e in ipairs(entries) do
		if not e.isDir and initFiles[e.name] ~= nil then
			init = e
		end
	end
	local inst
	if init ~= nil then
		inst = newInstance(initFiles[init.name], name)
		inst.Source = go.read_file(path .. "/" .. init.name)
	else
		inst = newInstance("Folder", name)
	end
	table.sort(entries, function(a, b)
		return a.name < b.name
	end)
	for _, e in ipairs(entries) do
		if e.isDir then
			buildTree(path .. "/" .. e.name, e.name).Parent = inst
		elseif initFiles[e.name] == nil then
			local base, kind = string.match(e.name, "^(.-)%.(%a+)%.lua$")
			local className = "ModuleScript"
			if base ~= nil and kind == "server" then
				className = "Script"
			elseif base ~= nil and kind == "client" then
				className = "LocalScript"
			else
				base = string.match(e.name, "^(.-)%.lua$")
			end
			if base ~= nil then
				local child = newInstance(className, base)
				child.Source = go.read_file(path .. "/" .. e.name)
				child.Parent = inst
			end
		end
	end
	return inst
end
H.buildTree = buildTree

-- loadProject reads default.project.json under root and puts its tree into
-- parent (ReplicatedStorage by default); it returns the tree's root.
function H.loadProject(root, parent)
	local project = go.json_decode(go.read_file(root .. "/default.project.json"))
	local tree = buildTree(root .. "/" .. project.tree["$path"], project.name)
	tree.Parent = parent or game:GetService("ReplicatedStorage")
	return tree
end

-- The main script of a run: a Script in ServerScriptService.
local mainScript = newInstance("Script", "Main")
mainScript.Parent = game:GetService("ServerScriptService")
script = mainScript

if config.root ~= nil and config.root ~= "" then
	H.shim = H.loadProject(config.root)
end

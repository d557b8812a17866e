-- RbxEmu: a drop-in DataStoreService that talks to a local rbxemu daemon.
--
--   local RbxEmu = require(ReplicatedStorage.RbxEmu)
--   local DataStoreService = RbxEmu.DataStoreService
--   local store = DataStoreService:GetDataStore("PlayerData")
--
-- RbxEmu.DataStoreService is the service of the default client. In Studio it
-- is the emulator's, and never falls back to the real service: when the
-- daemon is not running, calls fail with a message naming its URL and
-- `rbxemu serve`. In a live game (RunService:IsStudio() false) it is the
-- real game:GetService("DataStoreService"), unless configure{
-- enableInLiveGame = true } says otherwise.
--
-- RbxEmu.configure(opts) changes the default client's settings:
--   url        the daemon (default ws://127.0.0.1:34890/v1/ws; the HTTP
--              mirror is found on the same host and port)
--   transport  "auto" (WebSocket where available, else HTTP), "websocket",
--              "http" or "lune"
--   universeId, placeId, jobId, players   what the session tells the daemon
--              (defaults: game.GameId, game.PlaceId, game.JobId, and the
--              number of players in Players, kept up to date)
--   token      the daemon's --token, if it has one
--   enableInLiveGame   use the emulator even outside Studio
--
-- RbxEmu.new(opts) returns an independent client (its own session, GetAsync
-- cache and budgets): client.DataStoreService is its service. Tests use it
-- to play several game servers in one place.

local Env = require(script:WaitForChild("Env"))
local Errors = require(script:WaitForChild("Errors"))
local Session = require(script:WaitForChild("Session"))
local DataStoreService = require(script:WaitForChild("DataStoreService"))
local Options = require(script:WaitForChild("Options"))
local Enums = require(script:WaitForChild("Enums"))
local Json = require(script:WaitForChild("Json"))

local RbxEmu = {}
RbxEmu.VERSION = "0.1.0"

local known = {
	url = true,
	transport = true,
	universeId = true,
	placeId = true,
	jobId = true,
	token = true,
	players = true,
	client = true,
	enableInLiveGame = true,
	keepalive = true,
}

local function merge(base, opts)
	local out = {}
	for k, v in pairs(base) do
		out[k] = v
	end
	if opts ~= nil then
		if type(opts) ~= "table" then
			Errors.raise("rbxemu: options must be a table, got %s", Env.typeof(opts))
		end
		for k, v in pairs(opts) do
			if not known[k] then
				Errors.raise("rbxemu: unknown option %q", tostring(k))
			end
			out[k] = v
		end
	end
	return out
end

local settings = merge({ url = Session.DEFAULT_URL, transport = "auto" }, nil)

local Client = {}
Client.__index = Client

-- apply chooses the service the client hands out: the emulated one, or the
-- real one in a live game without enableInLiveGame.
function Client:_apply(opts)
	self.settings = opts
	self._session:configure(opts)
	if Env.isLiveGame() and not opts.enableInLiveGame then
		self.Live = true
		self.DataStoreService = Env.service("DataStoreService")
	else
		self.Live = false
		if self._emulated == nil then
			self._emulated = DataStoreService.new(self._session)
		end
		self.DataStoreService = self._emulated
	end
end

-- clients holds every client made, weakly, for closeAll.
local clients = setmetatable({}, { __mode = "k" })

local function newClient(opts)
	local self = setmetatable({ _session = Session.new(opts) }, Client)
	self:_apply(opts)
	clients[self] = true
	return self
end

-- Call sends a raw protocol request (for example an `_emulator.*` admin op)
-- and returns its result, or raises its error text.
function Client:Call(op, args)
	return self._session:call(op, args)
end

-- Close ends the client's connection; a later call opens a new session.
function Client:Close()
	self._session:close()
end

-- SessionId is the daemon's name for this client's session (nil before the
-- first call).
function Client:SessionId()
	return self._session.sessionId
end

-- Now is the daemon's clock (ms) as of the latest reply.
function Client:Now()
	return self._session:daemonNow()
end

local default

local function defaultClient()
	if default == nil then
		default = newClient(settings)
	end
	return default
end

-- configure changes the default client's settings (see the top of the file).
function RbxEmu.configure(opts)
	settings = merge(settings, opts)
	if default ~= nil then
		default:_apply(settings)
	end
	return RbxEmu
end

-- new returns an independent client with the default settings changed by
-- opts.
function RbxEmu.new(opts)
	return newClient(merge(settings, opts))
end

-- call sends a raw protocol request through the default client.
function RbxEmu.call(op, args)
	return defaultClient():Call(op, args)
end

-- closeAll closes the connections of every client (a runner that is done
-- calls it so that nothing keeps the process alive).
function RbxEmu.closeAll()
	for client in pairs(clients) do
		client:Close()
	end
end

-- isEmulated reports whether RbxEmu.DataStoreService is the emulator's.
function RbxEmu.isEmulated()
	return not defaultClient().Live
end

RbxEmu.Options = Options
RbxEmu.Enum = Enums.items()
RbxEmu.Json = Json

setmetatable(RbxEmu, {
	__index = function(_, key)
		if key == "DataStoreService" then
			return defaultClient().DataStoreService
		elseif key == "Client" then
			return defaultClient()
		end
		return nil
	end,
})

return RbxEmu

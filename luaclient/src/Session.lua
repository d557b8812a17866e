-- Session: one game server's conversation with the daemon (docs/protocol.md).
--
-- A session connects on first use (hello), then sends each request with an
-- id and yields the calling thread until the reply with that id arrives;
-- many requests may be in flight at once. Every reply carries the daemon's
-- clock (`now`) and the session's budgets; the session keeps the latest of
-- both so that GetRequestBudgetForRequestType and the GetAsync cache need no
-- round trip. Notices pushed by the daemon are handled here: a "warning" is
-- printed with warn exactly as sent.
--
-- Transports: a WebSocket (Studio's WebStreamClient, or Lune's net) carries
-- every request over one connection; the HTTP mirror (RequestAsync, or
-- Lune's net.request) posts each request on its own, naming the session with
-- the X-Rbxemu-Session header. "auto" takes the WebSocket where the runtime
-- has one.
--
-- Failures: when the daemon cannot be reached, the call raises a message that
-- names the URL and `rbxemu serve`. Reconnection is on demand: the next call
-- after a lost connection opens a new one (a new session); after failed
-- attempts, calls within a growing backoff window (0.25 s doubling to 5 s)
-- fail at once with the last reason instead of knocking again.

local Env = require(script.Parent:WaitForChild("Env"))
local Errors = require(script.Parent:WaitForChild("Errors"))
local Json = require(script.Parent:WaitForChild("Json"))
local Enums = require(script.Parent:WaitForChild("Enums"))
local WebSocketTransport = require(script.Parent:WaitForChild("WebSocketTransport"))
local HttpTransport = require(script.Parent:WaitForChild("HttpTransport"))
local LuneTransport = require(script.Parent:WaitForChild("LuneTransport"))

local Session = {}
Session.__index = Session

Session.PROTOCOL = 1
Session.DEFAULT_URL = "ws://127.0.0.1:34890/v1/ws"
local CONNECT_TIMEOUT = 5
-- KEEPALIVE is how often (s) a Lune WebSocket sends the protocol's ping op.
-- The daemon never pings Lune clients, whose socket (Lune 0.10) panics on a
-- Ping frame, and drops a connection silent for 60 s (docs/protocol.md,
-- "Keepalive"); the `keepalive` setting shortens it for tests.
Session.KEEPALIVE = 20
local BACKOFF_FIRST_MS = 250
local BACKOFF_MAX_MS = 5000

-- endpoints derives the WebSocket and RPC addresses from whatever address
-- form the user gave (ws://host:port/v1/ws, http://host:port, host:port).
local function endpoints(url)
	local scheme, rest = string.match(url, "^(%a+)://(.*)$")
	if scheme == nil then
		scheme, rest = "ws", url
	end
	local hostport = string.match(rest, "^([^/]+)") or rest
	local secure = scheme == "wss" or scheme == "https"
	local ws = (secure and "wss://" or "ws://") .. hostport .. "/v1/ws"
	local rpc = (secure and "https://" or "http://") .. hostport .. "/v1/rpc"
	return ws, rpc
end

-- new makes an unconnected session. settings: url, transport, universeId,
-- placeId, jobId, token, players, client, keepalive; and for the Studio
-- plugin, which shares this client core: http (the HttpService to use),
-- unreachable (the text for a daemon that cannot be reached, with two %s:
-- the URL and why), identityFromGame = false (do not take the universe,
-- place and job from `game`), checkHttpEnabled = false (plugins' requests
-- do not depend on HttpService.HttpEnabled).
function Session.new(settings)
	local self = setmetatable({
		state = "idle",
		generation = 0,
		nextId = 0,
		pending = {},
		budgets = Enums.startupBudgets(),
		failures = 0,
		listeners = {},
		epoch = 0,
	}, Session)
	self:configure(settings)
	return self
end

-- configure replaces the settings; an open connection is closed so that the
-- next call connects with them.
function Session:configure(settings)
	self.settings = settings
	self.url = settings.url or Session.DEFAULT_URL
	self.wsUrl, self.rpcUrl = endpoints(self.url)
	self.retryAt = nil
	self.failures = 0
	if self.state ~= "idle" then
		self:close()
	end
end

-- choose picks the transport: "stream" or "http", over "roblox" or "lune".
function Session:_choose()
	local wanted = self.settings.transport or "auto"
	local backend = "roblox"
	if wanted == "lune" or (Env.runtime == "lune" and wanted ~= "roblox") then
		backend = "lune"
		if wanted == "lune" then
			wanted = "websocket"
		end
	end
	if backend == "lune" then
		if not LuneTransport.available() then
			return nil, nil, "@lune/net is not available"
		end
		if wanted == "http" then
			return "http", "lune"
		end
		return "stream", "lune"
	end
	if wanted == "websocket" then
		if not WebSocketTransport.available() then
			return nil, nil, "HttpService:CreateWebStreamClient is not available (use transport = \"http\")"
		end
		return "stream", "roblox"
	elseif wanted == "http" then
		if not HttpTransport.available() then
			return nil, nil, "HttpService is not available"
		end
		return "http", "roblox"
	elseif wanted == "auto" then
		if WebSocketTransport.available() then
			return "stream", "roblox"
		elseif HttpTransport.available() then
			return "http", "roblox"
		end
		return nil, nil, "neither HttpService nor @lune/net is available"
	end
	return nil, nil, "unknown transport " .. tostring(wanted) .. " (use auto, websocket, http or lune)"
end

-- unreachable is the text of a daemon that cannot be reached at url.
function Session:_unreachable(url, why)
	return string.format(self.settings.unreachable or Errors.UNREACHABLE, tostring(url), tostring(why))
end

-- displayUrl is the address errors name.
function Session:displayUrl()
	if self.mode == "http" then
		return self.rpcUrl
	end
	return self.wsUrl
end

local function playerCount(leaving)
	local players = Env.service("Players")
	if players == nil then
		return 0
	end
	local ok, list = pcall(function()
		return players:GetPlayers()
	end)
	if not ok then
		return 0
	end
	local n = 0
	for _, p in ipairs(list) do
		if p ~= leaving then
			n = n + 1
		end
	end
	return n
end
Session.playerCount = playerCount

function Session:_helloArgs()
	local s = self.settings
	local args = {
		protocol = Session.PROTOCOL,
		client = s.client or (Env.runtime == "lune" and "lune" or "studio"),
	}
	if game ~= nil and s.identityFromGame ~= false then
		local ok = pcall(function()
			if game.GameId ~= nil and game.GameId > 0 then
				args.universeId = game.GameId
			end
			if game.PlaceId ~= nil and game.PlaceId > 0 then
				args.placeId = game.PlaceId
			end
			if type(game.JobId) == "string" and game.JobId ~= "" then
				args.jobId = game.JobId
			end
		end)
		if not ok then
			args.universeId, args.placeId, args.jobId = nil, nil, nil
		end
	end
	if s.universeId ~= nil then
		args.universeId = s.universeId
	end
	if s.placeId ~= nil then
		args.placeId = s.placeId
	end
	if s.jobId ~= nil then
		args.jobId = s.jobId
	end
	if s.token ~= nil then
		args.token = s.token
	end
	if s.players ~= nil then
		args.players = s.players
	else
		args.players = playerCount(nil)
	end
	return args
end

-- absorb keeps the clock and budgets a reply or notice carries.
function Session:_absorb(msg)
	if type(msg.now) == "number" then
		self.now = msg.now
		self.nowAt = Env.clockMs()
	end
	if type(msg.budgets) == "table" then
		for name, value in pairs(msg.budgets) do
			self.budgets[name] = value
		end
	end
end

-- daemonNow estimates the daemon's clock (ms): the latest `now`, plus the
-- local time since it arrived when the daemon runs on real time. A virtual
-- clock only moves when told, so its last reading stands. nil before any
-- reply.
function Session:daemonNow()
	if self.now == nil then
		return nil
	end
	if self.clockKind == "virtual" then
		return self.now
	end
	return self.now + (Env.clockMs() - self.nowAt)
end

-- onNotice registers f(notice) for every notice the daemon pushes.
function Session:onNotice(f)
	self.listeners[#self.listeners + 1] = f
end

function Session:_notice(msg)
	self:_absorb(msg)
	local data = msg.data
	if type(data) == "table" then
		self:_absorb(data)
	end
	if msg.notice == "warning" and type(data) == "table" and type(data.message) == "string" then
		Env.warn(data.message)
	end
	for _, f in ipairs(self.listeners) do
		local ok, err = pcall(f, msg)
		if not ok then
			Env.warn("rbxemu: notice listener failed: " .. tostring(err))
		end
	end
end

function Session:_onMessage(text)
	local ok, msg = pcall(Json.decode, text)
	if not ok or type(msg) ~= "table" then
		Env.warn("rbxemu: ignoring a frame that is not JSON: " .. tostring(msg))
		return
	end
	if msg.notice ~= nil then
		self:_notice(msg)
		return
	end
	local p = self.pending[msg.id]
	if p ~= nil then
		self.pending[msg.id] = nil
		p:resolve(msg, text)
	end
end

function Session:_onClosed(reason)
	self.state = "idle"
	self.sessionId = nil
	self.transport = nil
	self.generation = self.generation + 1
	local pending = self.pending
	self.pending = {}
	for _, waiter in pairs(pending) do
		waiter:resolve({ lost = reason })
	end
end

function Session:_newId()
	self.nextId = self.nextId + 1
	return self.nextId
end

-- streamRoundTrip sends one frame and waits for its reply; nil and a reason
-- when the connection fails first.
function Session:_streamRoundTrip(op, args)
	local id = self:_newId()
	local waiter = Env.newWaiter()
	self.pending[id] = waiter
	local transport = self.transport
	local ok, err = pcall(function()
		transport:send(Json.encode({ id = id, op = op, args = args }))
	end)
	if not ok then
		self.pending[id] = nil
		return nil, tostring(err)
	end
	local reply, text = waiter:wait()
	if reply.lost ~= nil then
		return nil, reply.lost
	end
	return reply, nil, text
end

function Session:_httpRoundTrip(op, args, sessionId)
	local headers = { ["Content-Type"] = "application/json" }
	if sessionId ~= nil then
		headers["X-Rbxemu-Session"] = sessionId
	end
	if self.settings.token ~= nil then
		headers["Authorization"] = "Bearer " .. self.settings.token
	end
	local body = Json.encode({ id = self:_newId(), op = op, args = args })
	local ok, status, text = self.requester:post(self.rpcUrl, body, headers)
	if not ok then
		return nil, status
	end
	local decoded, reply = pcall(Json.decode, text or "")
	if not decoded or type(reply) ~= "table" or (reply.ok == nil and reply.error == nil) then
		return nil, "HTTP " .. tostring(status) .. " with an answer that is not the emulator's"
	end
	if type(reply.notices) == "table" then
		for _, n in ipairs(reply.notices) do
			self:_notice(n)
		end
	end
	return reply, nil, text
end

-- connect opens the transport and says hello; true, or false and the text to
-- raise.
function Session:_connect()
	local mode, backend, why = self:_choose()
	if mode == nil then
		return false, string.format(Errors.NO_TRANSPORT, why)
	end
	self.mode = mode
	if backend == "roblox" and self.settings.checkHttpEnabled ~= false then
		-- A new place has HttpService.HttpEnabled off (scripts may read it):
		-- say which setting to change, not what HttpService raises.
		local http = self.settings.http or Env.service("HttpService")
		local read, enabled = pcall(function()
			return http.HttpEnabled
		end)
		if read and enabled == false then
			return false, string.format(Errors.HTTP_DISABLED, self:displayUrl())
		end
	end
	local reply, reason
	if mode == "stream" then
		self.generation = self.generation + 1
		local generation = self.generation
		local handlers = {
			message = function(text)
				if self.generation == generation then
					self:_onMessage(text)
				end
			end,
			closed = function(why2)
				if self.generation == generation then
					self:_onClosed(why2)
				end
			end,
		}
		local transport
		if backend == "lune" then
			transport = LuneTransport.newStream(self.wsUrl, handlers)
		else
			transport = WebSocketTransport.new(self.wsUrl, handlers, self.settings.http)
		end
		local ok, err = transport:open(CONNECT_TIMEOUT)
		if not ok then
			return false, self:_unreachable(self.wsUrl, err)
		end
		self.transport = transport
		reply, reason = self:_streamRoundTrip("hello", self:_helloArgs())
	else
		if backend == "lune" then
			self.requester = LuneTransport.newRequester()
		else
			self.requester = HttpTransport.new(self.settings.http)
		end
		reply, reason = self:_httpRoundTrip("hello", self:_helloArgs(), nil)
	end
	if reply == nil then
		return false, self:_unreachable(self:displayUrl(), reason)
	end
	self:_absorb(reply)
	if not reply.ok then
		local e = reply.error or {}
		return false, e.text or e.message or "rbxemu: hello was refused"
	end
	self.sessionId = reply.result.session
	self.clockKind = reply.result.clock
	self.hello = reply.result
	self:_watchPlayers()
	if mode == "stream" and backend == "lune" then
		self:_keepAlive(self.generation)
	end
	return true
end

-- keepAlive sends a ping every KEEPALIVE seconds while the connection of
-- this generation lasts; a failed ping ends nothing by itself (the reader
-- sees a lost connection).
function Session:_keepAlive(generation)
	local period = self.settings.keepalive or Session.KEEPALIVE
	Env.spawn(function()
		while true do
			Env.wait(period)
			if self.generation ~= generation or self.state == "idle" or self.transport == nil then
				return
			end
			pcall(self._streamRoundTrip, self, "ping", nil)
		end
	end)
end

-- ensure makes sure the session is open, connecting (once, for all waiting
-- callers) when it is not; it raises the reason when that fails.
function Session:_ensure()
	if self.state == "open" then
		return
	end
	if self.state == "connecting" then
		local ok, err = self.connecting:wait()
		if not ok then
			Errors.raise(err)
		end
		return
	end
	if self.retryAt ~= nil and Env.clockMs() < self.retryAt then
		Errors.raise(self.lastFailure)
	end
	self.state = "connecting"
	local waiter = Env.newWaiter()
	self.connecting = waiter
	local epoch = self.epoch
	local ran, ok, err = pcall(self._connect, self)
	if not ran then
		ok, err = false, self:_unreachable(self:displayUrl(), ok)
	end
	local stale = self.epoch ~= epoch
	if stale then
		-- closed or reconfigured while connecting: drop this connection
		ok, err = false, "rbxemu: the client was closed while it connected"
	end
	self.connecting = nil
	if ok then
		self.state = "open"
		self.failures = 0
		self.retryAt = nil
	else
		self.state = "idle"
		self.sessionId = nil
		if self.transport ~= nil then
			self.transport:close()
			self.transport = nil
		end
		self.generation = self.generation + 1
		if not stale then
			self.failures = self.failures + 1
			self.retryAt = Env.clockMs() + math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ^ (self.failures - 1))
			self.lastFailure = err
		end
	end
	waiter:resolve(ok, err)
	if not ok then
		Errors.raise(err)
	end
end

-- call performs op with args and returns the reply's result, or raises the
-- reply's error.text exactly; with withText, the reply's JSON text too (the
-- plugin reads values from it exactly).
function Session:call(op, args, withText)
	for attempt = 1, 2 do
		self:_ensure()
		local reply, reason, text
		if self.mode == "stream" then
			reply, reason, text = self:_streamRoundTrip(op, args)
			if reply == nil then
				Errors.raise(Errors.CONNECTION_LOST, self.wsUrl, op, tostring(reason))
			end
		else
			reply, reason, text = self:_httpRoundTrip(op, args, self.sessionId)
			if reply == nil then
				self.state = "idle"
				self.sessionId = nil
				Errors.raise(self:_unreachable(self.rpcUrl, reason))
			end
		end
		self:_absorb(reply)
		if reply.ok then
			if withText then
				return reply.result or {}, text
			end
			return reply.result or {}
		end
		local e = reply.error or {}
		if e.name == "NoSession" and attempt == 1 then
			-- the daemon forgot an idle HTTP session, or restarted: say hello
			-- again; the request never reached DataStore semantics.
			self.state = "idle"
			self.sessionId = nil
			if self.transport ~= nil then
				self.transport:close()
				self.transport = nil
			end
		else
			Errors.raise(e.text or e.message or ("rbxemu: " .. op .. " failed"))
		end
	end
end

-- watchPlayers keeps the daemon's player count in step with the Players
-- service when the count was not fixed in the settings.
function Session:_watchPlayers()
	if self.settings.players ~= nil or self.watchingPlayers then
		return
	end
	local players = Env.service("Players")
	if players == nil then
		return
	end
	self.watchingPlayers = true
	local function update(leaving)
		if self.state ~= "open" or self.settings.players ~= nil then
			return
		end
		local n = playerCount(leaving)
		Env.spawn(function()
			pcall(function()
				self:call("players", { players = n })
			end)
		end)
	end
	pcall(function()
		players.PlayerAdded:Connect(function()
			update(nil)
		end)
		players.PlayerRemoving:Connect(function(player)
			update(player)
		end)
	end)
end

-- open connects now (a person asked to: no backoff) and returns what the
-- daemon's hello said: { session, server, clock, throttle, jobId, ... }.
function Session:open()
	self.retryAt = nil
	self:_ensure()
	return self.hello
end

-- close ends the connection; calls in flight fail, the next call reconnects.
function Session:close()
	self.epoch = self.epoch + 1
	if self.state == "connecting" then
		return -- the connection being opened is dropped when it completes
	end
	local transport = self.transport
	if self.mode == "http" and self.sessionId ~= nil and self.requester ~= nil then
		-- tell the daemon to forget the HTTP session now rather than when it
		-- expires; nobody waits for the answer
		local requester, url, sessionId = self.requester, self.rpcUrl, self.sessionId
		local headers = { ["Content-Type"] = "application/json", ["X-Rbxemu-Session"] = sessionId }
		if self.settings.token ~= nil then
			headers["Authorization"] = "Bearer " .. self.settings.token
		end
		Env.spawn(function()
			pcall(function()
				requester:post(url, Json.encode({ op = "bye" }), headers)
			end)
		end)
	end
	self:_onClosed("the client closed the connection")
	if transport ~= nil then
		transport:close()
	end
end

return Session

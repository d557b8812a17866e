-- Client: the plugin's conversation with the daemon over its HTTP mirror
-- (POST /v1/rpc, docs/protocol.md) through HttpService:RequestAsync, which
-- Studio lets plugins use against localhost. It opens a session with hello
-- (client kind "plugin"), names it in the X-Rbxemu-Session header on every
-- request, and says hello again when the daemon has forgotten it (an idle
-- HTTP session expires after 10 minutes, a restarted daemon knows none).
--
-- The plugin never touches the real DataStoreService: every DataStore op it
-- shows goes to this client.
--
--   local client = Client.new({ url = "http://127.0.0.1:34890", http = HttpService })
--   local info = client:Connect()             -- raises the reason on failure
--   local result, node = client:Call("GetAsync", { store = "S", key = "k" })
--
-- Call returns the reply's result twice: as plain Lua values, and as the
-- order-preserving tree of Json.parse (for values shown and written back
-- exactly). A refused request raises the daemon's error.text unchanged.
--
-- The conversation itself is the shim's Session (the client core the
-- plugin carries as RbxEmu): hello, the session header, a new hello when
-- the daemon forgot the session, bye on close. This module adds what a
-- person at the widget needs: the URL as typed, the hello's answer, the
-- result's JSON tree, and which sessions were the plugin's own.

local Json = require(script.Parent:WaitForChild("Json"))
local Session = require(script.Parent:WaitForChild("RbxEmu"):WaitForChild("Session"))

local Client = {}
Client.__index = Client

Client.PROTOCOL = 1
Client.DEFAULT_URL = "http://127.0.0.1:34890"
Client.KIND = "plugin"

-- parseUrl reads the forms a person may type (http://host:port,
-- host:port, ws://host:port/v1/ws, with or without a path) and returns the
-- base URL (http[s]://host:port), or nil and why not.
function Client.parseUrl(text)
	if type(text) ~= "string" then
		return nil, "the URL must be text"
	end
	local url = string.match(text, "^%s*(.-)%s*$")
	if url == "" then
		return nil, "the URL is empty (the daemon listens on " .. Client.DEFAULT_URL .. " by default)"
	end
	local scheme, rest = string.match(url, "^(%a[%w+.-]*)://(.*)$")
	if scheme == nil then
		scheme, rest = "http", url
	end
	scheme = string.lower(scheme)
	local secure
	if scheme == "http" or scheme == "ws" then
		secure = false
	elseif scheme == "https" or scheme == "wss" then
		secure = true
	else
		return nil, "unknown scheme " .. scheme .. ":// (use http://host:port)"
	end
	local hostport = string.match(rest, "^([^/?#]+)")
	if hostport == nil or string.find(hostport, "%s") or string.find(hostport, "@", 1, true) then
		return nil, "no host in " .. url .. " (use http://host:port)"
	end
	local port = string.match(hostport, ":(%d*)$")
	if port ~= nil and (port == "" or tonumber(port) < 1 or tonumber(port) > 65535) then
		return nil, "bad port in " .. url
	end
	return (secure and "https://" or "http://") .. hostport
end

-- UNREACHABLE is the text of a daemon the plugin cannot reach (URL, why).
Client.UNREACHABLE = "rbxemu: cannot reach the emulator at %s (%s). Start it with `rbxemu serve`, or change the URL above."

-- new makes an unconnected client. settings: url, token, universeId,
-- placeId (numbers, optional), http (HttpService).
function Client.new(settings)
	local self = setmetatable({ settings = settings, sessionId = nil, info = nil, own = {} }, Client)
	local base, why = Client.parseUrl(settings.url or Client.DEFAULT_URL)
	self.base = base
	self.urlProblem = why
	if base ~= nil then
		self.rpcUrl = base .. "/v1/rpc"
		self.wsUrl = string.gsub(base, "^http", "ws") .. "/v1/ws"
		local token = settings.token
		if token == "" then
			token = nil
		end
		self.session = Session.new({
			url = base,
			transport = "http",
			client = Client.KIND,
			players = 0,
			token = token,
			universeId = settings.universeId,
			placeId = settings.placeId,
			http = settings.http,
			unreachable = Client.UNREACHABLE,
			identityFromGame = false,
			checkHttpEnabled = false,
		})
	end
	return self
end

function Client:_session()
	if self.session == nil then
		error("rbxemu: " .. tostring(self.urlProblem), 0)
	end
	return self.session
end

-- track notes the session the last reply came on (a new one after the
-- daemon forgot the old).
function Client:_track()
	local s = self.session
	if s.sessionId ~= nil and s.sessionId ~= self.sessionId then
		self.sessionId = s.sessionId
		self.own[s.sessionId] = true
		self.info = s.hello
	end
	self.now = s.now
	self.budgets = s.budgets
end

-- Connect says hello (a new session) and returns what the daemon said about
-- itself: { session, server, clock, throttle, jobId }. It raises why it
-- could not.
function Client:Connect()
	local s = self:_session()
	s:close()
	self.sessionId = nil
	self.info = nil
	s:open()
	self:_track()
	return self.info
end

-- OwnSession reports whether a session id is (or was) this client's.
function Client:OwnSession(id)
	return id ~= nil and self.own[id] == true
end

-- Call performs op and returns its result (plain values) and the result's
-- tree; it connects first when needed and once more when the daemon forgot
-- the session.
function Client:Call(op, args)
	local s = self:_session()
	local ok, result, text = pcall(s.call, s, op, args, true)
	self:_track()
	if not ok then
		error(result, 0)
	end
	local node = Json.parse(text or "")
	return result, node and Json.member(node, "result")
end

-- Close tells the daemon to forget the session (bye, unanswered: an HTTP
-- session the daemon does not hear from expires by itself).
function Client:Close()
	self.sessionId = nil
	if self.session ~= nil then
		self.session:close()
	end
end

return Client

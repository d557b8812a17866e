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
-- Budgets. The daemon meters a "plugin" session like a game server: 9
-- list requests at start, then 5 a minute, and on a virtual clock nothing
-- refills until the clock is moved, so a plugin that browses would soon
-- wait in a throttle queue for ever. Until the daemon leaves plugin
-- sessions unmetered (as it does Open Cloud's), the client opens a fresh
-- session (with a fresh startup burst) before a metered request when the
-- latest reply showed a budget running low, and says bye to the old one.
-- OwnSession tells the monitor which sessions were the plugin's.

local Json = require(script.Parent:WaitForChild("Json"))

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

-- LOW_BUDGET: a budget below this in the latest reply makes the next metered
-- request go to a fresh session (a little above 1, for requests that run at
-- the same time).
Client.LOW_BUDGET = 3

-- unmetered ops take no budget (CommitUpdate is the second half of an
-- update whose first half paid; _emulator ops and the door's own are free).
local unmetered = { hello = true, players = true, ping = true, bye = true, CommitUpdate = true }

-- new makes an unconnected client. settings: url, token, universeId,
-- placeId (numbers, optional), http (HttpService).
function Client.new(settings)
	local self = setmetatable({ settings = settings, sessionId = nil, nextId = 0, info = nil, own = {} }, Client)
	local base, why = Client.parseUrl(settings.url or Client.DEFAULT_URL)
	self.base = base
	self.urlProblem = why
	if base ~= nil then
		self.rpcUrl = base .. "/v1/rpc"
		self.wsUrl = string.gsub(base, "^http", "ws") .. "/v1/ws"
	end
	return self
end

-- helloArgs is what the session tells the daemon about itself.
function Client:helloArgs()
	local s = self.settings
	local args = { protocol = Client.PROTOCOL, client = Client.KIND, players = 0 }
	if s.universeId ~= nil then
		args.universeId = s.universeId
	end
	if s.placeId ~= nil then
		args.placeId = s.placeId
	end
	return args
end

local function unreachable(url, why)
	return "rbxemu: cannot reach the emulator at " .. tostring(url) .. " (" .. tostring(why)
		.. "). Start it with `rbxemu serve`, or change the URL above."
end

-- post sends one request and returns the decoded reply (its tree), or
-- raises why no reply came.
function Client:_post(op, args, withSession)
	if self.base == nil then
		error("rbxemu: " .. tostring(self.urlProblem), 0)
	end
	self.nextId = self.nextId + 1
	local headers = { ["Content-Type"] = "application/json" }
	if withSession and self.sessionId ~= nil then
		headers["X-Rbxemu-Session"] = self.sessionId
	end
	if self.settings.token ~= nil and self.settings.token ~= "" then
		headers["Authorization"] = "Bearer " .. self.settings.token
	end
	local request = { id = self.nextId, op = op }
	if args ~= nil then
		request.args = args
	end
	local body = Json.encode(request)
	local http = self.settings.http
	local ok, response = pcall(function()
		return http:RequestAsync({ Url = self.rpcUrl, Method = "POST", Headers = headers, Body = body })
	end)
	if not ok then
		error(unreachable(self.rpcUrl, response), 0)
	end
	local node, why = Json.parse(response.Body or "")
	if node == nil or node.kind ~= "object" or Json.member(node, "ok") == nil then
		if why == nil then
			why = "not a reply object"
		end
		error(unreachable(self.rpcUrl, "HTTP " .. tostring(response.StatusCode)
			.. " with an answer that is not the emulator's: " .. why), 0)
	end
	return node
end

-- failure is the text of a failed reply.
local function failure(reply, op)
	local e = reply.error or {}
	return e.text or e.message or ("rbxemu: " .. op .. " failed")
end

-- Connect says hello and returns what the daemon said about itself:
-- { session, server, clock, throttle, jobId }. It raises why it could not.
function Client:Connect()
	self.sessionId = nil
	self.info = nil
	local node = self:_post("hello", self:helloArgs(), false)
	local reply = Json.toLua(node)
	if not reply.ok then
		error(failure(reply, "hello"), 0)
	end
	self.sessionId = reply.result.session
	self.own[self.sessionId] = true
	self.info = reply.result
	self.now = reply.now
	self.budgets = reply.budgets
	return reply.result
end

-- OwnSession reports whether a session id is (or was) this client's.
function Client:OwnSession(id)
	return id ~= nil and self.own[id] == true
end

-- runningLow reports whether op should go to a fresh session (see the file
-- comment).
function Client:_runningLow(op)
	if unmetered[op] or string.sub(op, 1, 10) == "_emulator." or type(self.budgets) ~= "table" then
		return false
	end
	for _, v in pairs(self.budgets) do
		if type(v) == "number" and v < Client.LOW_BUDGET then
			return true
		end
	end
	return false
end

-- ensure makes sure a session is open (a fresh one when op would find a
-- budget running low); one thread at a time opens it, the others wait.
function Client:_ensure(op)
	while self.opening do
		task.wait(0.03)
	end
	if self.sessionId ~= nil and not self:_runningLow(op) then
		return
	end
	self.opening = true
	local ok, err = pcall(function()
		if self.sessionId ~= nil then
			self:Close(true)
		end
		self:Connect()
	end)
	self.opening = false
	if not ok then
		error(err, 0)
	end
end

-- Call performs op and returns its result (plain values) and the result's
-- tree; it connects first when needed and once more when the daemon forgot
-- the session.
function Client:Call(op, args)
	for attempt = 1, 2 do
		self:_ensure(op)
		local node = self:_post(op, args, true)
		local reply = Json.toLua(node)
		if type(reply.now) == "number" then
			self.now = reply.now
		end
		if reply.budgets ~= nil then
			self.budgets = reply.budgets
		end
		if reply.ok then
			local resultNode = Json.member(node, "result")
			return reply.result or {}, resultNode
		end
		local e = reply.error or {}
		if e.name == "NoSession" and attempt == 1 then
			self.sessionId = nil
		else
			error(failure(reply, op), 0)
		end
	end
end

-- Close tells the daemon to forget the session now; wait: before going on
-- (otherwise nobody waits for the answer). A failure is ignored: an HTTP
-- session the daemon does not hear from expires by itself.
function Client:Close(wait)
	local sessionId = self.sessionId
	self.sessionId = nil
	if sessionId == nil or self.base == nil then
		return
	end
	local http = self.settings.http
	local headers = { ["Content-Type"] = "application/json", ["X-Rbxemu-Session"] = sessionId }
	if self.settings.token ~= nil and self.settings.token ~= "" then
		headers["Authorization"] = "Bearer " .. self.settings.token
	end
	local url = self.rpcUrl
	local function bye()
		pcall(function()
			http:RequestAsync({ Url = url, Method = "POST", Headers = headers, Body = "{\"op\":\"bye\"}" })
		end)
	end
	if wait then
		bye()
	else
		task.spawn(bye)
	end
end

return Client

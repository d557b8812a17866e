-- WebSocketTransport: one WebSocket to the daemon through Studio's
-- HttpService:CreateWebStreamClient(Enum.WebStreamClientType.WebSocket,
-- { Url = ... }). Frames are JSON texts; the session above matches replies
-- to requests by id.
--
-- open() yields until the client fires Opened (true), or Error, Closed or the
-- timeout come first (false, reason). After that, messages go to
-- handlers.message(text) and an unexpected end to handlers.closed(reason).

local Env = require(script.Parent:WaitForChild("Env"))

local WebSocketTransport = {}
WebSocketTransport.__index = WebSocketTransport

-- available reports whether this runtime can open a WebStreamClient (with
-- the given HttpService, or the game's).
function WebSocketTransport.available(http)
	http = http or Env.service("HttpService")
	if http == nil then
		return false
	end
	local ok = pcall(function()
		assert(http.CreateWebStreamClient ~= nil)
		assert(Enum.WebStreamClientType.WebSocket ~= nil)
	end)
	return ok
end

-- new makes an unopened transport; http is the HttpService to use (the
-- Studio plugin passes its own), else the game's.
function WebSocketTransport.new(url, handlers, http)
	return setmetatable({ url = url, handlers = handlers, connections = {}, closed = false, http = http },
		WebSocketTransport)
end

function WebSocketTransport:_disconnect()
	for _, c in ipairs(self.connections) do
		pcall(function()
			c:Disconnect()
		end)
	end
	self.connections = {}
end

-- open yields until the connection is open: true, or false and why not.
-- When CreateWebStreamClient itself refuses, createFailed is set (the
-- runtime has no WebSocket for this caller) and open returns at once.
function WebSocketTransport:open(timeoutSeconds)
	local http = self.http or Env.service("HttpService")
	local ok, client = pcall(function()
		return http:CreateWebStreamClient(Enum.WebStreamClientType.WebSocket, { Url = self.url })
	end)
	if not ok then
		self.createFailed = true
		return false, tostring(client)
	end
	self.client = client
	local opened = false
	local ready = Env.newWaiter()
	local function on(signal, f)
		self.connections[#self.connections + 1] = signal:Connect(f)
	end
	on(client.Opened, function()
		opened = true
		ready:resolve(true)
	end)
	on(client.Error, function(status, message)
		local reason = tostring(message or "error")
		if status ~= nil and status ~= 0 then
			reason = "HTTP " .. tostring(status) .. ": " .. reason
		end
		if not opened then
			ready:resolve(false, reason)
		elseif not self.closed then
			self.closed = true
			self:_disconnect()
			self.handlers.closed(reason)
		end
	end)
	on(client.Closed, function()
		if not opened then
			ready:resolve(false, "the connection was closed")
		elseif not self.closed then
			self.closed = true
			self:_disconnect()
			self.handlers.closed("the connection was closed")
		end
	end)
	on(client.MessageReceived, function(message)
		if not self.closed then
			self.handlers.message(message)
		end
	end)
	Env.delay(timeoutSeconds, function()
		ready:resolve(false, "no answer within " .. tostring(timeoutSeconds) .. " s")
	end)
	local success, reason = ready:wait()
	if not success then
		self:close()
		return false, reason
	end
	return true
end

function WebSocketTransport:send(text)
	if self.closed then
		error("the connection is closed", 0)
	end
	self.client:Send(text)
end

-- close ends the connection without calling handlers.closed.
function WebSocketTransport:close()
	self.closed = true
	self:_disconnect()
	if self.client then
		pcall(function()
			self.client:Close()
		end)
	end
end

return WebSocketTransport

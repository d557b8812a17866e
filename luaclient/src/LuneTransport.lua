-- LuneTransport: the same two doors for Lune scripts, through @lune/net.
-- The WebSocket comes from net.ws.connect (newer Lune) or net.socket (older);
-- HTTP from net.http.request or net.request. A reader thread turns the
-- socket's next() into handlers.message calls; close() may raise in some
-- Lune versions, so every close is guarded.

local Env = require(script.Parent:WaitForChild("Env"))

local LuneTransport = {}

local function net()
	return Env.lune("net")
end

function LuneTransport.available()
	return net() ~= nil
end

local Stream = {}
Stream.__index = Stream

function LuneTransport.newStream(url, handlers)
	return setmetatable({ url = url, handlers = handlers, closed = false }, Stream)
end

function Stream:open(timeoutSeconds)
	local lib = net()
	if lib == nil then
		return false, "@lune/net is not available"
	end
	local connect = lib.socket
	if type(lib.ws) == "table" and lib.ws.connect ~= nil then
		connect = lib.ws.connect
	end
	local ready = Env.newWaiter()
	Env.spawn(function()
		local ok, socket = pcall(connect, self.url)
		if ok and ready.done then
			-- the open timed out meanwhile: nobody will use this socket
			pcall(function()
				socket:close()
			end)
		elseif ok then
			ready:resolve(true, socket)
		else
			ready:resolve(false, tostring(socket))
		end
	end)
	Env.delay(timeoutSeconds, function()
		ready:resolve(false, "no answer within " .. tostring(timeoutSeconds) .. " s")
	end)
	local ok, socket = ready:wait()
	if not ok then
		return false, socket
	end
	self.socket = socket
	Env.spawn(function()
		local reason = "the connection was closed"
		while not self.closed do
			local okNext, message = pcall(function()
				return socket:next()
			end)
			if not okNext then
				reason = tostring(message)
				break
			end
			if message == nil then
				break
			end
			self.handlers.message(message)
		end
		if not self.closed then
			self.closed = true
			self.handlers.closed(reason)
		end
	end)
	return true
end

function Stream:send(text)
	if self.closed then
		error("the connection is closed", 0)
	end
	self.socket:send(text)
end

function Stream:close()
	self.closed = true
	if self.socket then
		pcall(function()
			self.socket:close()
		end)
	end
end

local Requester = {}
Requester.__index = Requester

function LuneTransport.newRequester()
	return setmetatable({}, Requester)
end

function Requester:post(url, body, headers)
	local lib = net()
	if lib == nil then
		return false, "@lune/net is not available"
	end
	local request = lib.request
	if type(lib.http) == "table" and lib.http.request ~= nil then
		request = lib.http.request
	end
	local ok, response = pcall(request, {
		url = url,
		method = "POST",
		headers = headers,
		body = body,
	})
	if not ok then
		return false, tostring(response)
	end
	return true, response.statusCode, response.body
end

return LuneTransport

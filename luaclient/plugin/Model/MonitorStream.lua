-- MonitorStream: the live request monitor over a WebSocket. The daemon's
-- monitor pushes an event per DataStore call to a WebSocket session that
-- sent _emulator.monitor.subscribe; over HTTP it offers only
-- GET /_emulator/monitor, a stream that never ends (RequestAsync would wait
-- for it for ever) and no bounded poll. So the monitor uses Studio's
-- HttpService:CreateWebStreamClient where it exists; Monitor falls back to
-- polling sessions where it does not.
--
--   local stream = MonitorStream.new({ url = wsUrl, token = "", http = HttpService,
--       onEvent = function(event) end, onState = function(state, why) end })
--   stream:Start()   -- state: "connecting", then "live", or "failed" / "closed"
--   stream:Stop()

local Json = require(script.Parent.Parent:WaitForChild("Json"))

local MonitorStream = {}
MonitorStream.__index = MonitorStream

MonitorStream.BUFFER = 1024
MonitorStream.CONNECT_TIMEOUT = 5

-- available reports whether this Studio can open a WebSocket.
function MonitorStream.available(http)
	local ok = pcall(function()
		assert(http.CreateWebStreamClient ~= nil)
		assert(Enum.WebStreamClientType.WebSocket ~= nil)
	end)
	return ok
end

function MonitorStream.new(options)
	return setmetatable({ options = options, state = "idle", connections = {}, generation = 0 }, MonitorStream)
end

function MonitorStream:_set(state, why)
	self.state = state
	self.why = why
	local f = self.options.onState
	if f ~= nil then
		f(state, why)
	end
end

function MonitorStream:_send(id, op, args)
	local frame = { id = id, op = op }
	if args ~= nil then
		frame.args = args
	end
	self.client:Send(Json.encode(frame))
end

function MonitorStream:_message(text)
	local node = Json.parse(text)
	if node == nil then
		return
	end
	local msg = Json.toLua(node)
	if type(msg) ~= "table" then
		return
	end
	if msg.notice == "monitor" and type(msg.data) == "table" then
		self.options.onEvent(msg.data)
	elseif msg.id == 1 then
		if msg.ok then
			self.sessionId = msg.result and msg.result.session
			self:_send(2, "_emulator.monitor.subscribe", { buffer = MonitorStream.BUFFER })
		else
			self:_fail((msg.error and msg.error.text) or "hello was refused")
		end
	elseif msg.id == 2 then
		if msg.ok then
			self:_set("live")
		else
			self:_fail((msg.error and msg.error.text) or "the monitor subscription was refused")
		end
	end
end

function MonitorStream:_fail(why)
	self:_disconnect()
	self:_set("failed", why)
end

function MonitorStream:_disconnect()
	self.generation = self.generation + 1
	for _, c in ipairs(self.connections) do
		pcall(function()
			c:Disconnect()
		end)
	end
	self.connections = {}
	local client = self.client
	self.client = nil
	self.sessionId = nil
	if client ~= nil then
		pcall(function()
			client:Close()
		end)
	end
end

-- Start opens the connection (nothing happens if it is open or opening).
function MonitorStream:Start()
	if self.state == "connecting" or self.state == "live" then
		return
	end
	local o = self.options
	local ok, client = pcall(function()
		return o.http:CreateWebStreamClient(Enum.WebStreamClientType.WebSocket, { Url = o.url })
	end)
	if not ok then
		-- this Studio has no WebSocket for plugins after all
		self.unavailable = true
		self:_set("failed", tostring(client))
		return
	end
	self.generation = self.generation + 1
	local generation = self.generation
	self.client = client
	self:_set("connecting")
	local function on(signal, f)
		self.connections[#self.connections + 1] = signal:Connect(function(...)
			if self.generation == generation then
				f(...)
			end
		end)
	end
	on(client.Opened, function()
		local args = { protocol = 1, client = "plugin", players = 0 }
		if o.token ~= nil and o.token ~= "" then
			args.token = o.token
		end
		local sent, err = pcall(function()
			self:_send(1, "hello", args)
		end)
		if not sent then
			self:_fail(tostring(err))
		end
	end)
	on(client.MessageReceived, function(text)
		self:_message(text)
	end)
	on(client.Error, function(status, message)
		local why = tostring(message or "error")
		if status ~= nil and status ~= 0 then
			why = "HTTP " .. tostring(status) .. ": " .. why
		end
		self:_fail("cannot reach the emulator at " .. o.url .. " (" .. why .. ")")
	end)
	on(client.Closed, function()
		self:_disconnect()
		self:_set("closed", "the daemon closed the connection")
	end)
	task.delay(MonitorStream.CONNECT_TIMEOUT, function()
		if self.generation == generation and self.state == "connecting" then
			self:_fail("no answer from " .. o.url .. " within " .. MonitorStream.CONNECT_TIMEOUT .. " s")
		end
	end)
end

-- Stop closes the connection.
function MonitorStream:Stop()
	if self.state == "idle" then
		return
	end
	self:_disconnect()
	self:_set("idle")
end

return MonitorStream

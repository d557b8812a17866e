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
local WebSocketTransport =
	require(script.Parent.Parent:WaitForChild("RbxEmu"):WaitForChild("WebSocketTransport"))

local MonitorStream = {}
MonitorStream.__index = MonitorStream

MonitorStream.BUFFER = 1024
MonitorStream.CONNECT_TIMEOUT = 5

-- available reports whether this Studio can open a WebSocket.
function MonitorStream.available(http)
	return WebSocketTransport.available(http)
end

function MonitorStream.new(options)
	return setmetatable({ options = options, state = "idle", generation = 0 }, MonitorStream)
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
	self.transport:send(Json.encode(frame))
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
	local transport = self.transport
	self.transport = nil
	self.sessionId = nil
	if transport ~= nil then
		transport:close()
	end
end

-- Start opens the connection (nothing happens if it is open or opening);
-- the shim's WebSocketTransport carries it.
function MonitorStream:Start()
	if self.state == "connecting" or self.state == "live" then
		return
	end
	local o = self.options
	self.generation = self.generation + 1
	local generation = self.generation
	local transport = WebSocketTransport.new(o.url, {
		message = function(text)
			if self.generation == generation then
				self:_message(text)
			end
		end,
		closed = function()
			if self.generation == generation then
				self:_disconnect()
				self:_set("closed", "the daemon closed the connection")
			end
		end,
	}, o.http)
	self.transport = transport
	self:_set("connecting")
	-- open returns at once when CreateWebStreamClient refuses, so that
	-- Start can report the stream unavailable before it returns.
	task.spawn(function()
		local ok, why = transport:open(MonitorStream.CONNECT_TIMEOUT)
		if self.generation ~= generation then
			return
		end
		if not ok then
			if transport.createFailed then
				-- this Studio has no WebSocket for plugins after all
				self.unavailable = true
				self.transport = nil
				self:_set("failed", why)
			elseif string.find(why, "^no answer within") then
				self:_fail("no answer from " .. o.url .. " within " .. MonitorStream.CONNECT_TIMEOUT .. " s")
			else
				self:_fail("cannot reach the emulator at " .. o.url .. " (" .. why .. ")")
			end
			return
		end
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

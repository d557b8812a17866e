-- Monitor: the "Monitor" tab. Recent DataStore calls of every session, the
-- newest first, failed and throttled ones marked so the panel can highlight
-- them. Events come from MonitorStream (a WebSocket subscription) where
-- Studio can open one. Where it cannot, there is no request list to show:
-- the daemon's HTTP monitor is an endless stream with no bounded form, so
-- the tab polls _emulator.sessions instead and shows each session's throttle
-- queues (calls waiting for budget), highlighted when not empty.
--
-- The plugin's own calls (its browsing) are left out.
--
-- Row kinds: "failed" (the call raised), "throttled" (it failed with a
-- throttling error: 301-306, KeyThrottled, the *Throttled names), "queued"
-- (it waited for budget), "ok".
--
-- View: { mode = "stream" | "poll", state, notice, paused,
--         rows = { { kind, time, session, jobId, client, op, target,
--                    outcome, latency, budget, faults } },
--         counts = { shown, failed, throttled, dropped },
--         sessions = { { session, jobId, client, queued, queues, kind } } }

local MonitorStream = require(script.Parent:WaitForChild("MonitorStream"))
local Format = require(script.Parent:WaitForChild("Format"))

local Monitor = {}
Monitor.__index = Monitor

-- MAX_ROWS is how many recent calls the tab keeps.
Monitor.MAX_ROWS = 200

-- new: connection is a Connection; http is HttpService; stream (optional)
-- forces the source: true for the WebSocket, false for polling.
function Monitor.new(connection, http, stream)
	local self = setmetatable({
		connection = connection,
		http = http,
		rows = {},
		failed = 0,
		throttled = 0,
		dropped = 0,
		sessions = {},
		paused = false,
	}, Monitor)
	if stream == nil then
		stream = MonitorStream.available(http)
	end
	self.mode = stream and "stream" or "poll"
	self.state = "idle"
	return self
end

-- kindOf classifies an event.
function Monitor.kindOf(event)
	if event.throttled then
		return "throttled"
	elseif not event.ok then
		return "failed"
	elseif event.queued then
		return "queued"
	end
	return "ok"
end

local function target(event)
	local parts = {}
	if event.store ~= nil and event.store ~= "" then
		parts[#parts + 1] = event.store
		if event.scope ~= nil and event.scope ~= "" then
			parts[#parts + 1] = event.scope
		end
		if event.key ~= nil and event.key ~= "" then
			parts[#parts + 1] = event.key
		end
	end
	local text = table.concat(parts, "/")
	if event.ordered then
		text = text .. " (ordered)"
	end
	return text
end

local function budgetText(budget)
	local parts = {}
	for _, name in ipairs(Format.sortedKeys(budget)) do
		parts[#parts + 1] = name .. "=" .. tostring(budget[name])
	end
	return table.concat(parts, " ")
end

-- own reports whether an event is one of the plugin's own calls.
function Monitor:_own(event)
	return self.connection.client:OwnSession(event.session)
		or (self.stream ~= nil and event.session ~= nil and event.session == self.stream.sessionId)
end

-- Push adds one monitor event (as the daemon sends it).
function Monitor:Push(event)
	if type(event.dropped) == "number" then
		self.dropped = event.dropped
	end
	if self.paused or self:_own(event) then
		return
	end
	local kind = Monitor.kindOf(event)
	local outcome = "ok"
	if not event.ok then
		outcome = (event.error and (event.error.text or event.error.name)) or "failed"
	end
	local row = {
		kind = kind,
		time = Format.clock(event.now),
		session = Format.short(event.session),
		jobId = event.jobId or "",
		client = event.client or "",
		op = event.op or "?",
		target = target(event),
		outcome = outcome,
		latency = string.format("%.1fms", tonumber(event.latencyMs) or 0),
		budget = budgetText(event.budget),
		faults = Format.list(event.faults),
	}
	table.insert(self.rows, 1, row)
	if kind == "failed" then
		self.failed = self.failed + 1
	elseif kind == "throttled" then
		self.throttled = self.throttled + 1
	end
	while #self.rows > Monitor.MAX_ROWS do
		table.remove(self.rows)
	end
	if self.changed ~= nil then
		self.changed()
	end
end

-- Start begins watching: opens the stream, or polls once (the panel polls
-- again while it is shown).
function Monitor:Start()
	if self.mode == "poll" then
		self.state = "polling"
		return self:Poll()
	end
	if self.stream == nil then
		local client = self.connection.client
		self.stream = MonitorStream.new({
			url = client.wsUrl,
			token = client.settings.token,
			http = self.http,
			onEvent = function(event)
				self:Push(event)
			end,
			onState = function(state, why)
				self.state = state
				self.why = why
				if self.changed ~= nil then
					self.changed()
				end
			end,
		})
	end
	if self.connection.client.wsUrl == nil then
		self.state = "failed"
		self.why = self.connection.client.urlProblem
		return self:View()
	end
	self.stream:Start()
	if self.stream.unavailable then
		-- CreateWebStreamClient exists but refused: poll instead
		self.fallbackWhy = self.stream.why
		self.stream = nil
		self.mode = "poll"
		return self:Poll()
	end
	return self:View()
end

-- Stop ends the stream (events already shown stay).
function Monitor:Stop()
	if self.stream ~= nil then
		self.stream:Stop()
		self.stream = nil
	end
	self.state = "idle"
end

-- Restart follows a new URL or token.
function Monitor:Restart()
	local wasOn = self.state ~= "idle"
	self:Stop()
	if wasOn then
		return self:Start()
	end
	return self:View()
end

-- Poll reads the sessions' queues (the fallback source).
function Monitor:Poll()
	local ok, result = self.connection:Try(function(client)
		return client:Call("_emulator.sessions")
	end)
	if not ok then
		self.state = "failed"
		self.why = result
		return self:View()
	end
	self.state = "polling"
	self.why = nil
	local sessions = {}
	for _, s in ipairs(result.sessions or {}) do
		local parts = {}
		for _, name in ipairs(Format.sortedKeys(s.queues)) do
			parts[#parts + 1] = name .. " " .. tostring(s.queues[name])
		end
		local queued = tonumber(s.queued) or 0
		sessions[#sessions + 1] = {
			session = Format.short(s.session),
			jobId = s.jobId or "",
			client = s.client or "",
			queued = queued,
			queues = table.concat(parts, ", "),
			kind = queued > 0 and "queued" or "ok",
			own = s.session == self.connection.client.sessionId,
		}
	end
	self.sessions = sessions
	return self:View()
end

function Monitor:SetPaused(paused)
	self.paused = paused == true
	return self:View()
end

function Monitor:Clear()
	self.rows = {}
	self.failed = 0
	self.throttled = 0
	return self:View()
end

function Monitor:View()
	local notice
	if self.mode == "poll" then
		notice = "This Studio cannot open a WebSocket (HttpService:CreateWebStreamClient), and the daemon's "
			.. "HTTP monitor is an endless stream: showing each session's throttle queues instead of single calls."
		if self.fallbackWhy ~= nil then
			notice = notice .. " (" .. tostring(self.fallbackWhy) .. ")"
		end
	elseif self.state == "live" then
		notice = "Live: every DataStore call of every session, newest first (the plugin's own calls left out)."
	elseif self.state == "connecting" then
		notice = "Connecting to the monitor..."
	elseif self.state == "failed" or self.state == "closed" then
		notice = "Monitor not connected: " .. tostring(self.why) .. ". Press Start to try again."
	else
		notice = "Monitor stopped."
	end
	if self.mode == "poll" and self.state == "failed" then
		notice = "Cannot read the sessions: " .. tostring(self.why)
	end
	if self.paused then
		notice = notice .. " (paused)"
	end
	return {
		mode = self.mode,
		state = self.state,
		notice = notice,
		paused = self.paused,
		rows = self.rows,
		counts = { shown = #self.rows, failed = self.failed, throttled = self.throttled, dropped = self.dropped },
		sessions = self.sessions,
	}
end

return Monitor

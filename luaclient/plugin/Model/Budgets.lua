-- Budgets: the "Budgets" tab. Every open session (game server) of the
-- daemon with what GetRequestBudgetForRequestType would answer it for each
-- request type, its rate per minute, and the calls waiting in its throttle
-- queues (_emulator.budgets; _emulator.sessions lists the sessions when
-- throttling is off and there are no budgets to show).
--
-- View: { ok, message, throttle, rows = { { session, jobId, client,
--         universe, players, own, queued, queues, kind,
--         budgets = { { name, value, perMinute } } } } }

local Format = require(script.Parent:WaitForChild("Format"))

local Budgets = {}
Budgets.__index = Budgets

-- ORDER puts the request types a game spends first; the legacy ones follow.
Budgets.ORDER = {
	"StandardRead",
	"StandardWrite",
	"StandardList",
	"StandardRemove",
	"OrderedRead",
	"OrderedWrite",
	"OrderedList",
	"OrderedRemove",
}

function Budgets.new(connection)
	return setmetatable({ connection = connection, rows = {} }, Budgets)
end

local function budgetRows(budgets, rates)
	local out = {}
	local seen = {}
	local function add(name)
		if budgets[name] ~= nil and not seen[name] then
			seen[name] = true
			local rate = rates and rates[name]
			out[#out + 1] = { name = name, value = budgets[name], perMinute = rate and rate.perMinute or nil }
		end
	end
	for _, name in ipairs(Budgets.ORDER) do
		add(name)
	end
	for _, name in ipairs(Format.sortedKeys(budgets)) do
		add(name)
	end
	return out
end

local function queueText(queues)
	local parts = {}
	local total = 0
	for _, name in ipairs(Format.sortedKeys(queues)) do
		local n = tonumber(queues[name]) or 0
		total = total + n
		parts[#parts + 1] = name .. " " .. tostring(n)
	end
	return table.concat(parts, ", "), total
end

-- Refresh reads the budgets of every session.
function Budgets:Refresh()
	local ok, err = self.connection:Try(function(client)
		local result = client:Call("_emulator.budgets")
		local list = result.sessions or {}
		self.throttle = result.throttle == true
		if not self.throttle then
			list = client:Call("_emulator.sessions").sessions or {}
		end
		local rows = {}
		for _, s in ipairs(list) do
			local queues, queued = queueText(s.queues)
			rows[#rows + 1] = {
				session = Format.short(s.session),
				jobId = s.jobId or "",
				client = s.client or "",
				universe = s.universeId,
				players = s.players or 0,
				own = s.session == client.sessionId,
				queued = queued,
				queues = queues,
				kind = queued > 0 and "queued" or "ok",
				budgets = budgetRows(s.budgets or {}, s.rates),
			}
		end
		self.rows = rows
	end)
	self.message = nil
	if not ok then
		self.message = err
	end
	return self:View()
end

function Budgets:View()
	local message = self.message
	if message == nil and self.throttle == false then
		message = "Throttling is off (rbxemu serve --throttle=off): every request goes through at once."
	end
	return { ok = self.message == nil, message = message, throttle = self.throttle, rows = self.rows }
end

return Budgets

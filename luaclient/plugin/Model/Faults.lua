-- Faults: the "Faults" tab. The daemon's fault rules (docs/harness.md,
-- "Faults"): list them with their counters, add one from a form, clear one
-- or all. _emulator ops are never faulted, so the plugin can always clear a
-- rule that breaks everything else.
--
-- Form (text as typed; empty fields are left out): op, store, scope, key,
-- error (a code such as 502, or a name such as KeyThrottled), detail, nth,
-- times, probability, latency (a duration), drop (boolean).
--
-- View: { ok, message, rows = { { id, match, when, effect, matched, fired,
--         spent } } }

local Json = require(script.Parent.Parent:WaitForChild("Json"))
local Format = require(script.Parent:WaitForChild("Format"))

local Faults = {}
Faults.__index = Faults

function Faults.new(connection)
	return setmetatable({ connection = connection, rows = {} }, Faults)
end

-- rule builds the arguments of _emulator.faults.add from a form, or nil and
-- why not.
function Faults.rule(form)
	local rule = {}
	for _, name in ipairs({ "op", "store", "scope", "key", "detail" }) do
		local v = Format.trim(form[name])
		if v ~= "" then
			rule[name] = v
		end
	end
	local err = Format.trim(form.error)
	if err ~= "" then
		if string.find(err, "^%d+$") then
			rule.error = tonumber(err)
		else
			rule.error = err
		end
	end
	for _, name in ipairs({ "nth", "times" }) do
		local n, why = Format.integer(form[name], name)
		if why then
			return nil, why
		end
		if n ~= nil then
			if n < 1 then
				return nil, name .. " must be 1 or more"
			end
			rule[name] = n
		end
	end
	local p = Format.trim(form.probability)
	if p ~= "" then
		local n = tonumber(p)
		if n == nil or n <= 0 or n > 1 then
			return nil, "probability must be a number above 0 and at most 1 (0.2 is one call in five)"
		end
		rule.probability = n
	end
	local latency = Format.trim(form.latency)
	if latency ~= "" then
		local ms, why = Format.duration(latency)
		if ms == nil then
			return nil, "latency: " .. why
		end
		rule.latency = ms
	end
	if form.drop then
		rule.drop = true
	end
	if rule.error == nil and rule.latency == nil and not rule.drop then
		return nil, "say what the rule does: an error (502, KeyThrottled, ...), a latency, or drop"
	end
	return rule
end

local function describe(r, seedText)
	local match = {}
	match[#match + 1] = r.op or "any op"
	local where = {}
	if r.store or r.scope or r.key then
		where[#where + 1] = r.store or "*"
		where[#where + 1] = r.scope or "*"
		where[#where + 1] = r.key or "*"
		match[#match + 1] = table.concat(where, "/")
	end
	if r.session then
		match[#match + 1] = "session " .. r.session
	end
	if r.jobId then
		match[#match + 1] = "job " .. r.jobId
	end
	if r.universeId then
		match[#match + 1] = "universe " .. tostring(r.universeId)
	end
	local when = {}
	when[#when + 1] = "from call " .. tostring(r.nth or 1)
	if r.times then
		when[#when + 1] = tostring(r.times) .. " time(s)"
	end
	if r.probability and r.probability < 1 then
		when[#when + 1] = "p=" .. tostring(r.probability) .. " seed " .. tostring(seedText)
	end
	return table.concat(match, " "), table.concat(when, ", ")
end

-- Refresh lists the rules.
function Faults:Refresh()
	local ok, err = self.connection:Try(function(client)
		local result, node = client:Call("_emulator.faults.list")
		local rows = {}
		local list = Json.member(node, "rules")
		for i, r in ipairs(result.rules or {}) do
			local seedNode = list and list.items[i] and Json.member(list.items[i], "seed")
			local match, when = describe(r, seedNode and Json.compact(seedNode) or "-")
			rows[i] = {
				id = r.id,
				match = match,
				when = when,
				effect = r.effect or "",
				matched = r.matched or 0,
				fired = r.fired or 0,
				spent = r.spent == true,
			}
		end
		self.rows = rows
	end)
	self.failed = not ok
	self.message = nil
	if not ok then
		self.message = err
	end
	return self:View()
end

-- Add adds a rule from a form; a form that cannot make a rule is refused
-- here and nothing is sent.
function Faults:Add(form)
	local rule, why = Faults.rule(form)
	if rule == nil then
		self.failed = true
		self.message = "Not added: " .. why
		return self:View()
	end
	local added
	local ok, err = self.connection:Try(function(client)
		added = client:Call("_emulator.faults.add", rule)
	end)
	if not ok then
		self.failed = true
		self.message = "Not added: " .. err
		return self:View()
	end
	self:Refresh()
	local effect = added.effect
	for _, row in ipairs(self.rows) do
		if row.id == added.id then
			effect = row.effect
		end
	end
	self.message = "Added rule " .. tostring(added.id) .. ": " .. tostring(effect or "") .. "."
	return self:View()
end

-- Clear removes the rules with the given ids, or every rule (ids nil).
function Faults:Clear(ids)
	local cleared
	local ok, err = self.connection:Try(function(client)
		cleared = client:Call("_emulator.faults.clear", { ids = ids or Json.EMPTY_ARRAY })
	end)
	if not ok then
		self.failed = true
		self.message = "Not cleared: " .. err
		return self:View()
	end
	self:Refresh()
	self.message = "Cleared " .. tostring(cleared.cleared) .. " rule(s)."
	return self:View()
end

function Faults:View()
	local message = self.message
	if message == nil and not self.failed and #self.rows == 0 then
		message = "No fault rules: every call behaves."
	end
	return { ok = not self.failed, message = message, rows = self.rows }
end

return Faults

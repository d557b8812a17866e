-- Clock: the "Clock" tab. The daemon's clock (real, or virtual under
-- `rbxemu serve --clock virtual`), and moving a virtual clock forward by a
-- typed duration (_emulator.clock.advance): budgets refill, the GetAsync
-- cache ages, old versions and tombstones expire, all by that clock.
--
-- View: { ok, message, now, time, virtual }

local Format = require(script.Parent:WaitForChild("Format"))

local Clock = {}
Clock.__index = Clock

function Clock.new(connection)
	return setmetatable({ connection = connection }, Clock)
end

function Clock:_take(result)
	self.now = result.now
	self.virtual = result.virtual == true
end

-- Refresh reads the clock.
function Clock:Refresh()
	local ok, err = self.connection:Try(function(client)
		self:_take(client:Call("_emulator.clock"))
	end)
	self.message = nil
	self.failed = not ok
	if not ok then
		self.message = err
	end
	return self:View()
end

-- Advance moves a virtual clock by a duration as typed ("90s", "1h30m",
-- "30d", or milliseconds); text the daemon would refuse is refused here.
function Clock:Advance(text)
	local ms, why = Format.duration(text)
	if ms == nil then
		self.message = "Not moved: " .. why
		self.failed = true
		return self:View()
	end
	local before = self.now
	local ok, err = self.connection:Try(function(client)
		self:_take(client:Call("_emulator.clock.advance", { duration = ms }))
	end)
	self.failed = not ok
	if not ok then
		self.message = "Not moved: " .. err
	elseif before ~= nil then
		self.message = "Moved forward by " .. Format.trim(text) .. " (" .. tostring(self.now - before) .. " ms)."
	else
		self.message = "Moved forward by " .. Format.trim(text) .. "."
	end
	return self:View()
end

function Clock:View()
	return {
		ok = not self.failed,
		message = self.message,
		now = self.now,
		time = Format.time(self.now),
		virtual = self.virtual,
		kind = self.virtual == nil and "-" or (self.virtual and "virtual: it moves only when told" or
			"real: it follows the computer's clock and cannot be moved (start the daemon with --clock virtual)"),
	}
end

return Clock

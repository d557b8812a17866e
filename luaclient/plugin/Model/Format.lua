-- Format: the small conversions every panel shares: Unix milliseconds as a
-- UTC date, durations typed by a person, integers typed by a person, short
-- session ids. Pure functions, no Instances.

local Format = {}

-- civil turns days since 1970-01-01 into year, month, day (proleptic
-- Gregorian calendar).
local function civil(days)
	local z = days + 719468
	local era = math.floor(z / 146097)
	local doe = z - era * 146097
	local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
	local y = yoe + era * 400
	local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
	local mp = math.floor((5 * doy + 2) / 153)
	local d = doy - math.floor((153 * mp + 2) / 5) + 1
	local m = mp < 10 and mp + 3 or mp - 9
	if m <= 2 then
		y = y + 1
	end
	return y, m, d
end

-- time writes Unix ms as "2026-01-01 00:00:00.000 UTC" ("-" for nil).
function Format.time(ms)
	if type(ms) ~= "number" then
		return "-"
	end
	local whole = math.floor(ms)
	local seconds = math.floor(whole / 1000)
	local millis = whole - seconds * 1000
	local days = math.floor(seconds / 86400)
	local rest = seconds - days * 86400
	local y, m, d = civil(days)
	return string.format("%04d-%02d-%02d %02d:%02d:%02d.%03d UTC", y, m, d, math.floor(rest / 3600),
		math.floor(rest / 60) % 60, rest % 60, millis)
end

-- clock writes the time of day of Unix ms: "12:00:01.250".
function Format.clock(ms)
	if type(ms) ~= "number" then
		return "--:--:--.---"
	end
	local whole = math.floor(ms)
	local seconds = math.floor(whole / 1000)
	local rest = seconds % 86400
	return string.format("%02d:%02d:%02d.%03d", math.floor(rest / 3600), math.floor(rest / 60) % 60, rest % 60,
		whole - seconds * 1000)
end

local UNITS = {
	ns = 1e-6,
	us = 1e-3,
	["\194\181s"] = 1e-3, -- µs
	ms = 1,
	s = 1000,
	m = 60000,
	h = 3600000,
	d = 86400000,
}

-- duration reads a duration as a person types it: Go's form ("90s",
-- "1h30m", "250ms", "1.5h"), days too ("30d"), or a bare number of
-- milliseconds. It returns whole milliseconds, or nil and why not.
function Format.duration(text)
	local s = string.gsub(tostring(text or ""), "%s", "")
	if s == "" then
		return nil, "type a duration, such as 90s, 5m, 1h30m, 30d or 1500 (milliseconds)"
	end
	if string.sub(s, 1, 1) == "-" then
		return nil, "the clock only moves forward: " .. s .. " is negative"
	end
	if string.find(s, "^%d+$") then
		return tonumber(s)
	end
	local total = 0
	local i = 1
	while i <= #s do
		local a, b, number, unit = string.find(s, "^(%d*%.?%d*)([%a\194\181]+)", i)
		if a == nil or number == "" or number == "." or UNITS[unit] == nil then
			return nil, "\"" .. s .. "\" is not a duration (use units ms, s, m, h, d: 90s, 1h30m, 30d)"
		end
		total = total + tonumber(number) * UNITS[unit]
		i = b + 1
	end
	return math.floor(total + 0.5)
end

-- integer reads an optional integer field: nil for empty text; the number
-- (and, third, its digits as typed, exact beyond 2^53); or nil plus why not
-- (what names the field).
function Format.integer(text, what)
	local s = string.match(tostring(text or ""), "^%s*(.-)%s*$")
	if s == "" then
		return nil
	end
	if not string.find(s, "^-?%d+$") then
		return nil, what .. " must be a whole number, not \"" .. s .. "\""
	end
	return tonumber(s), nil, s
end

-- trim strips spaces around text.
function Format.trim(text)
	return string.match(tostring(text or ""), "^%s*(.-)%s*$")
end

-- short abbreviates a session id to its first 8 characters, as `rbxemu
-- monitor` does.
function Format.short(id)
	if type(id) ~= "string" then
		return "-"
	end
	return string.sub(id, 1, 8)
end

-- list joins a list of values ("-" for none).
function Format.list(t)
	if type(t) ~= "table" or #t == 0 then
		return "-"
	end
	local parts = {}
	for i, v in ipairs(t) do
		parts[i] = tostring(v)
	end
	return table.concat(parts, ", ")
end

-- sortedKeys returns a table's keys in order.
function Format.sortedKeys(t)
	local keys = {}
	for k in pairs(t or {}) do
		keys[#keys + 1] = k
	end
	table.sort(keys, function(a, b)
		return tostring(a) < tostring(b)
	end)
	return keys
end

-- bytes writes a size: "512 B", "3.2 KB", "1.5 MB".
function Format.bytes(n)
	if n < 1024 then
		return n .. " B"
	elseif n < 1024 * 1024 then
		return string.format("%.1f KB", n / 1024)
	end
	return string.format("%.1f MB", n / 1048576)
end

return Format

-- expect.lua: the assertions specs use (expectEq, expectTrue, expectError)
-- and __harness.show / __harness.deepEqual. Shared by the gopher-lua harness
-- (loaded after core.lua) and the real-Lune suite (realune_test.go puts it
-- ahead of each spec), so that a spec reads the same on both.

__harness = __harness or {}
local H = __harness

local function pack(...)
	return { n = select("#", ...), ... }
end

-- Each assertion raises with a message naming what differed.

local function show(v, depth)
	depth = depth or 0
	local t = type(v)
	if t == "string" then
		return string.format("%q", v)
	elseif t ~= "table" or depth > 4 then
		return tostring(v)
	end
	local keys = {}
	for k in pairs(v) do
		keys[#keys + 1] = k
	end
	table.sort(keys, function(a, b)
		return tostring(a) < tostring(b)
	end)
	local parts = {}
	for _, k in ipairs(keys) do
		parts[#parts + 1] = "[" .. show(k) .. "]=" .. show(v[k], depth + 1)
	end
	return "{" .. table.concat(parts, ", ") .. "}"
end
H.show = show

local function deepEqual(a, b)
	if a == b then
		return true
	end
	if type(a) ~= "table" or type(b) ~= "table" then
		return false
	end
	for k, v in pairs(a) do
		if not deepEqual(v, b[k]) then
			return false
		end
	end
	for k in pairs(b) do
		if a[k] == nil then
			return false
		end
	end
	return true
end
H.deepEqual = deepEqual

function expectEq(actual, expected, what)
	if not deepEqual(actual, expected) then
		error((what or "value") .. ": got " .. show(actual) .. ", want " .. show(expected), 2)
	end
end

function expectTrue(cond, what)
	if not cond then
		error((what or "condition") .. " is not true", 2)
	end
end

-- expectError calls f and checks that it raises exactly text (a string), or
-- a text matching the Lua pattern given as { pattern = ... }.
function expectError(f, text, what)
	local r = pack(pcall(f))
	if r[1] then
		error((what or "call") .. ": no error (want " .. show(text) .. ")", 2)
	end
	local err = r[2]
	if type(text) == "table" then
		if type(err) ~= "string" or not string.find(err, text.pattern) then
			error((what or "call") .. ": error " .. show(err) .. " does not match " .. show(text.pattern), 2)
		end
	elseif err ~= text then
		error((what or "call") .. ": error " .. show(err) .. ", want " .. show(text), 2)
	end
	return err
end


-- Json: the shim's JSON, written in plain Lua so that it behaves the same in
-- Studio, in Lune and in the Go harness.
--
-- encodeValue serialises a value the way the engine does before a DataStore
-- write, and fails the way the engine fails:
--   * a table with a first element (#t > 0 in Luau) is an array; its keys
--     must then be exactly 1..n, so mixed tables and sparse arrays are
--     refused;
--   * a table without one (#t == 0) is an object; number keys become strings
--     ({[5] = "x"} is stored as {"5": "x"}); other key types are refused;
--     (the test is t[1] ~= nil rather than #t, whose border is not defined
--     for sparse tables and differs between Lua runtimes);
--   * the empty table is "[]";
--   * strings must be valid UTF-8;
--   * functions, threads, Instances, userdata and Roblox data types (Vector3,
--     CFrame, ...) are refused, as are NaN and the infinities (JSON has no
--     spelling for them, and Roblox says not to store them);
--   * buffers are stored as {"m":null,"t":"buffer","base64":...} and read back
--     as buffers where the runtime has them.
-- A refusal raises "104: Cannot store <type> in data store. ...", where <type>
-- is the kind of the value passed in: a bad value nested in a table names the
-- table (Array or Dictionary), not itself.
--
-- encode serialises the shim's own protocol frames (string keys, no checks);
-- Json.raw(text) embeds text that encodeValue already produced. decode reads
-- any JSON text; null becomes nil.

local Errors = require(script.Parent:WaitForChild("Errors"))
local Env = require(script.Parent:WaitForChild("Env"))

local Json = {}

local typeofFn = typeof or type

local RawMeta = {}

-- raw wraps JSON text so that encode copies it verbatim.
function Json.raw(text)
	return setmetatable({ text = text }, RawMeta)
end

local escapes = {
	["\""] = "\\\"",
	["\\"] = "\\\\",
	["\b"] = "\\b",
	["\f"] = "\\f",
	["\n"] = "\\n",
	["\r"] = "\\r",
	["\t"] = "\\t",
}

local function escapeChar(c)
	local e = escapes[c]
	if e then
		return e
	end
	return string.format("\\u%04x", string.byte(c))
end

local function quote(s)
	return "\"" .. string.gsub(s, "[%c\"\\]", escapeChar) .. "\""
end
Json.quote = quote

-- validUtf8 reports whether s is well-formed UTF-8 (no overlong forms, no
-- surrogates, nothing above U+10FFFF).
local function validUtf8(s)
	if not string.find(s, "[\128-\255]") then
		return true
	end
	local i, n = 1, #s
	while i <= n do
		local c = string.byte(s, i)
		if c < 0x80 then
			i = i + 1
		else
			local len, min
			if c >= 0xC2 and c <= 0xDF then
				len, min = 2, 0x80
			elseif c >= 0xE0 and c <= 0xEF then
				len, min = 3, 0x800
			elseif c >= 0xF0 and c <= 0xF4 then
				len, min = 4, 0x10000
			else
				return false
			end
			if i + len - 1 > n then
				return false
			end
			local cp = c % (2 ^ (7 - len))
			for k = 1, len - 1 do
				local b = string.byte(s, i + k)
				if b < 0x80 or b > 0xBF then
					return false
				end
				cp = cp * 64 + (b - 0x80)
			end
			if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then
				return false
			end
			i = i + len
		end
	end
	return true
end
Json.validUtf8 = validUtf8

-- formatNumber spells a finite number as the shortest JSON number that reads
-- back as the same double; nil for NaN and the infinities.
local function formatNumber(n)
	if n - n ~= 0 then
		return nil -- NaN or an infinity
	end
	if n == math.floor(n) and n > -1e15 and n < 1e15 then
		return string.format("%.0f", n)
	end
	local s
	for digits = 14, 17 do
		s = string.format("%." .. digits .. "g", n)
		if tonumber(s) == n then
			return s
		end
	end
	return s
end
Json.formatNumber = formatNumber

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64Encode(s)
	local out = {}
	for i = 1, #s, 3 do
		local a, b, c = string.byte(s, i, i + 2)
		local n = a * 65536 + (b or 0) * 256 + (c or 0)
		local c1 = math.floor(n / 262144) % 64
		local c2 = math.floor(n / 4096) % 64
		local c3 = math.floor(n / 64) % 64
		local c4 = n % 64
		out[#out + 1] = string.sub(B64, c1 + 1, c1 + 1) .. string.sub(B64, c2 + 1, c2 + 1)
			.. (b and string.sub(B64, c3 + 1, c3 + 1) or "=")
			.. (c and string.sub(B64, c4 + 1, c4 + 1) or "=")
	end
	return table.concat(out)
end

local function base64Decode(s)
	local map = {}
	for i = 1, 64 do
		map[string.sub(B64, i, i)] = i - 1
	end
	s = string.gsub(s, "[^%w%+/]", "")
	local out = {}
	for i = 1, #s, 4 do
		local n, count = 0, 0
		for k = 0, 3 do
			local v = map[string.sub(s, i + k, i + k)]
			n = n * 64 + (v or 0)
			if v then
				count = count + 1
			end
		end
		local a = math.floor(n / 65536) % 256
		local b = math.floor(n / 256) % 256
		local c = n % 256
		if count >= 2 then
			out[#out + 1] = string.char(a)
		end
		if count >= 3 then
			out[#out + 1] = string.char(b)
		end
		if count >= 4 then
			out[#out + 1] = string.char(c)
		end
	end
	return table.concat(out)
end

-- kindOf names a value as the engine's 104 error names it.
local function kindOf(v)
	local t = typeofFn(v)
	if t == "table" then
		if rawget(v, 1) ~= nil then
			return "Array"
		end
		return "Dictionary"
	elseif t == "number" then
		return "double"
	elseif t == "CFrame" then
		return "CoordinateFrame"
	elseif t == "vector" then
		return "Vector3"
	end
	return t
end
Json.kindOf = kindOf

-- Failure is thrown inside the encoder and caught by encodeValue.
local Failure = {}

local function encodeStored(v, out, seen)
	local t = typeofFn(v)
	if t == "string" then
		if not validUtf8(v) then
			error(Failure, 0)
		end
		out[#out + 1] = quote(v)
	elseif t == "number" then
		local s = formatNumber(v)
		if not s then
			error(Failure, 0)
		end
		out[#out + 1] = s
	elseif t == "boolean" then
		out[#out + 1] = v and "true" or "false"
	elseif t == "nil" then
		out[#out + 1] = "null"
	elseif t == "buffer" and buffer then
		out[#out + 1] = "{\"m\":null,\"t\":\"buffer\",\"base64\":\"" .. base64Encode(buffer.tostring(v)) .. "\"}"
	elseif t == "table" then
		if seen[v] then
			error(Failure, 0)
		end
		seen[v] = true
		if rawget(v, 1) ~= nil then
			local n, count = 0, 0
			for k in next, v do
				if type(k) ~= "number" or k < 1 or k ~= math.floor(k) then
					error(Failure, 0)
				end
				count = count + 1
				if k > n then
					n = k
				end
			end
			if count ~= n then
				error(Failure, 0)
			end
			out[#out + 1] = "["
			for i = 1, n do
				if i > 1 then
					out[#out + 1] = ","
				end
				encodeStored(v[i], out, seen)
			end
			out[#out + 1] = "]"
		else
			local keys = {}
			for k in next, v do
				local kt = type(k)
				if kt == "string" then
					if not validUtf8(k) then
						error(Failure, 0)
					end
					keys[#keys + 1] = k
				elseif kt == "number" then
					if not formatNumber(k) then
						error(Failure, 0)
					end
					keys[#keys + 1] = k
				else
					error(Failure, 0)
				end
			end
			if #keys == 0 then
				out[#out + 1] = "[]"
			else
				out[#out + 1] = "{"
				for i, k in ipairs(keys) do
					if i > 1 then
						out[#out + 1] = ","
					end
					local name = k
					if type(k) == "number" then
						name = formatNumber(k)
					end
					out[#out + 1] = quote(name)
					out[#out + 1] = ":"
					encodeStored(v[k], out, seen)
				end
				out[#out + 1] = "}"
			end
		end
		seen[v] = nil
	else
		error(Failure, 0)
	end
end

-- encode runs encodeStored; failureText (a function of the value) is raised
-- when the value does not serialise.
local function encodeWith(v, failureText)
	local out = {}
	local ok, err = pcall(encodeStored, v, out, {})
	if not ok then
		if err == Failure then
			Errors.raise(failureText(v))
		end
		error(err, 0)
	end
	return table.concat(out)
end

---------------------------------------------------------------------------
-- The runtime's native JSON (Lune's @lune/serde), ten to twenty times faster
-- than the Lua code above on large values, where it writes what the Lua
-- encoder writes. It does not everywhere: it keeps a sparse or mixed table's
-- array part only, writes an empty table as {} (Roblox writes []), writes
-- U+007F unescaped, spells numbers of 1e15 and more, below 1e-4, and -0 its
-- own way, and knows no buffers. nativeSafe walks a value and says whether it
-- has none of these; only then does encodeValue use serde (the equivalence
-- test, luaclient/harness/realune_test.go, runs both over a corpus). Object
-- members may come in another order: the bytes differ, the size does not.

local serde = Env.lune("serde")
Json.native = serde ~= nil

local function nativeString(s)
	return utf8 ~= nil and utf8.len(s) ~= nil and string.find(s, "\127", 1, true) == nil
end

local function nativeSafe(v, seen)
	local t = type(v)
	if t == "string" then
		return nativeString(v)
	elseif t == "number" then
		if v ~= v or v == 0 and 1 / v < 0 then
			return false -- NaN, -0
		end
		local a = math.abs(v)
		return a < 1e15 and (a >= 1e-4 or a == 0 or v == math.floor(v))
	elseif t == "boolean" then
		return true
	elseif t ~= "table" or getmetatable(v) ~= nil or seen[v] then
		return false
	end
	seen[v] = true
	local ok = true
	if rawget(v, 1) ~= nil then
		local count = 0
		for _ in next, v do
			count = count + 1
		end
		for i = 1, count do
			local item = rawget(v, i)
			if item == nil or not nativeSafe(item, seen) then
				ok = false
				break
			end
		end
	else
		local any = false
		for k, item in next, v do
			any = true
			if type(k) ~= "string" or not nativeString(k) or not nativeSafe(item, seen) then
				ok = false
				break
			end
		end
		ok = ok and any
	end
	seen[v] = nil
	return ok
end
Json.nativeSafe = function(v)
	return serde ~= nil and nativeSafe(v, {})
end

-- encodeValue returns the compact JSON of a value to store, or raises the
-- engine's 104 error naming the value's kind.
function Json.encodeValue(v)
	if serde ~= nil and nativeSafe(v, {}) then
		local ok, text = pcall(serde.encode, "json", v)
		if ok then
			return text
		end
	end
	return Json.encodeValueLua(v)
end

-- encodeValueLua is encodeValue without the native path.
function Json.encodeValueLua(v)
	return encodeWith(v, function(value)
		return string.format(Errors.CANT_STORE, kindOf(value))
	end)
end

-- encodeUserIds is encodeValue for user ids: what does not serialise is
-- 513, as the daemon answers for ids that are not integers.
function Json.encodeUserIds(v)
	return encodeWith(v, function()
		return Errors.USER_ID_FORMAT
	end)
end

-- encodeObject is encodeValue for metadata, which must be a JSON object: the
-- empty table is "{}", and what does not serialise is 513.
function Json.encodeObject(v)
	if type(v) == "table" and next(v) == nil then
		return "{}"
	end
	return encodeWith(v, function()
		return Errors.METADATA_FORMAT
	end)
end

local function encodeFrame(v, out)
	local t = type(v)
	if t == "string" then
		out[#out + 1] = quote(v)
	elseif t == "number" then
		out[#out + 1] = formatNumber(v) or "null"
	elseif t == "boolean" then
		out[#out + 1] = v and "true" or "false"
	elseif t == "table" then
		if getmetatable(v) == RawMeta then
			out[#out + 1] = v.text
			return
		end
		local n = #v
		if n > 0 then
			out[#out + 1] = "["
			for i = 1, n do
				if i > 1 then
					out[#out + 1] = ","
				end
				encodeFrame(v[i], out)
			end
			out[#out + 1] = "]"
		else
			-- Members in name order: frames read the same every time (the
			-- plugin shows and compares them).
			local keys = {}
			for k in pairs(v) do
				keys[#keys + 1] = tostring(k)
			end
			table.sort(keys)
			out[#out + 1] = "{"
			for i, key in ipairs(keys) do
				if i > 1 then
					out[#out + 1] = ","
				end
				out[#out + 1] = quote(key)
				out[#out + 1] = ":"
				local item = v[key]
				if item == nil then
					item = v[tonumber(key)]
				end
				encodeFrame(item, out)
			end
			out[#out + 1] = "}"
		end
	else
		out[#out + 1] = "null"
	end
end

-- hasRaw reports whether a frame carries Json.raw text (writes do: values,
-- user ids, metadata), which only encodeFrame knows how to copy.
local function hasRaw(v, depth)
	for _, x in next, v do
		if type(x) == "table" then
			if getmetatable(x) == RawMeta or depth < 2 and hasRaw(x, depth + 1) then
				return true
			end
		end
	end
	return false
end

-- encode serialises a protocol frame built by the shim (or a request of the
-- plugin's), members sorted by name.
--
-- Where the runtime has serde, a frame without raw parts goes through it (a
-- third of the time): a frame is the protocol's, not a stored value, so
-- serde's spellings (an empty table as {}, its number forms) are all the
-- daemon needs; what serde refuses (invalid UTF-8, NaN) falls back here.
function Json.encode(v)
	if serde ~= nil and type(v) == "table" and not hasRaw(v, 0) then
		local ok, text = pcall(serde.encode, "json", v)
		if ok then
			return text
		end
	end
	local out = {}
	encodeFrame(v, out)
	return table.concat(out)
end

local function utf8Char(cp)
	if cp < 0x80 then
		return string.char(cp)
	elseif cp < 0x800 then
		return string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64)
	elseif cp < 0x10000 then
		return string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
	end
	return string.char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
		0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

---------------------------------------------------------------------------
-- Parsing. One strict JSON grammar (RFC 8259) serves every reader: the
-- shim's decode builds Lua values, the Studio plugin's Json.parse builds a
-- tree that keeps member order and number spelling. A builder says what a
-- value becomes:
--
--   builder.object()                  a new object
--   builder.member(obj, key, value, s, keyAt)   add a member (may raise)
--   builder.endObject(obj)            the finished object's value
--   builder.array(), builder.item(arr, n, value), builder.endArray(arr)
--   builder.string(text), builder.number(raw, s, i), builder.boolean(b),
--   builder.null()
--   builder.fail(s, i, what)          raise a parse error at byte i
--
-- What the builder returns for a value is what the parser passes on.

local unescapes = {
	["\""] = "\"",
	["\\"] = "\\",
	["/"] = "/",
	b = "\b",
	f = "\f",
	n = "\n",
	r = "\r",
	t = "\t",
}

local function skipSpace(s, i)
	local _, e = string.find(s, "^[ \n\r\t]*", i)
	return e + 1
end

local function describe(s, i)
	if i > #s then
		return "the end of the text"
	end
	return string.format("%q", string.sub(s, i, i))
end
Json.describe = describe

local function hex4(s, i)
	local h = string.sub(s, i, i + 3)
	if not string.find(h, "^%x%x%x%x$") then
		return nil
	end
	return tonumber(h, 16)
end

-- parseString reads the string whose opening quote is at s[i]: its text and
-- the position after the closing quote.
local function parseString(s, i, b)
	local parts = {}
	local j = i + 1
	while true do
		local a = string.find(s, "[\"\\%c]", j)
		if not a then
			b.fail(s, i, "this string is not closed (a \" is missing)")
		end
		parts[#parts + 1] = string.sub(s, j, a - 1)
		local c = string.sub(s, a, a)
		if c == "\"" then
			return table.concat(parts), a + 1
		elseif c ~= "\\" then
			b.fail(s, a, "a line break or control character inside a string must be escaped (\\n, \\t, ...)")
		end
		local e = string.sub(s, a + 1, a + 1)
		if e == "u" then
			local cp = hex4(s, a + 2)
			if not cp then
				b.fail(s, a, "\\u must be followed by four hex digits")
			end
			j = a + 6
			if cp >= 0xD800 and cp <= 0xDBFF and string.sub(s, j, j + 1) == "\\u" then
				local lo = hex4(s, j + 2)
				if lo and lo >= 0xDC00 and lo <= 0xDFFF then
					cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
					j = j + 6
				end
			end
			parts[#parts + 1] = utf8Char(cp)
		elseif unescapes[e] then
			parts[#parts + 1] = unescapes[e]
			j = a + 2
		else
			b.fail(s, a, "unknown escape \\" .. e .. " in a string")
		end
	end
end

local function parseNumber(s, i, b)
	local a, e = string.find(s, "^-?%d+", i)
	if not a then
		b.fail(s, i, "expected a value (an object, array, string, number, true, false or null), found " .. describe(s, i))
	end
	local digits = string.gsub(string.sub(s, a, e), "^-", "")
	if #digits > 1 and string.sub(digits, 1, 1) == "0" then
		b.fail(s, i, "numbers may not start with 0")
	end
	e = e + 1
	if string.sub(s, e, e) == "." then
		local _, fb = string.find(s, "^%d+", e + 1)
		if not fb then
			b.fail(s, e + 1, "expected digits after the decimal point")
		end
		e = fb + 1
	end
	local x = string.sub(s, e, e)
	if x == "e" or x == "E" then
		local _, xb = string.find(s, "^[-+]?%d+", e + 1)
		if not xb then
			b.fail(s, e + 1, "expected digits in the exponent")
		end
		e = xb + 1
	end
	return b.number(string.sub(s, i, e - 1), s, i), e
end

-- afterItem reads what follows a member or an item of a container that
-- ends with close: true and the position after close, or false and the
-- position after the ','.
local function afterItem(s, i, close, b)
	i = skipSpace(s, i)
	local d = string.sub(s, i, i)
	if d == close then
		return true, i + 1
	elseif d ~= "," then
		b.fail(s, i, "expected ',' or '" .. close .. "', found " .. describe(s, i))
	end
	return false, i + 1
end

local MAX_DEPTH = 200

local function parseValue(s, i, b, depth)
	if depth > MAX_DEPTH then
		b.fail(s, i, "nested too deeply")
	end
	i = skipSpace(s, i)
	local c = string.sub(s, i, i)
	if c == "{" then
		local obj = b.object()
		i = skipSpace(s, i + 1)
		if string.sub(s, i, i) == "}" then
			return b.endObject(obj), i + 1
		end
		while true do
			i = skipSpace(s, i)
			if string.sub(s, i, i) ~= "\"" then
				b.fail(s, i, "expected a member name in double quotes, found " .. describe(s, i))
			end
			local keyAt = i
			local key
			key, i = parseString(s, i, b)
			i = skipSpace(s, i)
			if string.sub(s, i, i) ~= ":" then
				b.fail(s, i, "expected ':' after the member name, found " .. describe(s, i))
			end
			local value
			value, i = parseValue(s, i + 1, b, depth + 1)
			b.member(obj, key, value, s, keyAt)
			local closed
			closed, i = afterItem(s, i, "}", b)
			if closed then
				return b.endObject(obj), i
			end
		end
	elseif c == "[" then
		local arr = b.array()
		local n = 0
		i = skipSpace(s, i + 1)
		if string.sub(s, i, i) == "]" then
			return b.endArray(arr), i + 1
		end
		while true do
			local value
			value, i = parseValue(s, i, b, depth + 1)
			n = n + 1
			b.item(arr, n, value)
			local closed
			closed, i = afterItem(s, i, "]", b)
			if closed then
				return b.endArray(arr), i
			end
		end
	elseif c == "\"" then
		local text
		text, i = parseString(s, i, b)
		return b.string(text), i
	elseif string.sub(s, i, i + 3) == "true" then
		return b.boolean(true), i + 4
	elseif string.sub(s, i, i + 4) == "false" then
		return b.boolean(false), i + 5
	elseif string.sub(s, i, i + 3) == "null" then
		return b.null(), i + 4
	end
	return parseNumber(s, i, b)
end

-- parseWith reads one JSON text with builder b (above) and returns what the
-- builder made of it.
function Json.parseWith(s, b)
	local value, i = parseValue(s, 1, b, 0)
	i = skipSpace(s, i)
	if i <= #s then
		b.fail(s, i, "unexpected " .. describe(s, i) .. " after the value")
	end
	return value
end

local function asBuffer(obj)
	if buffer and obj.t == "buffer" and type(obj.base64) == "string" then
		local count = 0
		for _ in pairs(obj) do
			count = count + 1
		end
		if count == 2 then
			return buffer.fromstring(base64Decode(obj.base64))
		end
	end
	return obj
end

local function identity(v)
	return v
end

-- values is the builder of decode: plain Lua values, null as nil, and the
-- protocol's buffer objects as buffers.
local values = {
	object = function()
		return {}
	end,
	member = function(obj, key, value)
		obj[key] = value
	end,
	endObject = asBuffer,
	array = function()
		return {}
	end,
	item = function(arr, n, value)
		arr[n] = value
	end,
	endArray = identity,
	string = identity,
	number = function(text, s, i)
		local n = tonumber(text)
		if not n and not string.find(text, ".", 1, true) then
			-- Some Lua runtimes (gopher-lua) read "1e3" and integers beyond
			-- int64 only with a fraction part.
			local mantissa, exponent = string.match(text, "^([^eE]*)(.*)$")
			n = tonumber(mantissa .. ".0" .. exponent)
		end
		if not n then
			error("rbxemu: bad JSON from the emulator at byte " .. i .. ": bad number " .. text, 0)
		end
		return n
	end,
	boolean = identity,
	null = function()
		return nil
	end,
	fail = function(s, i, what)
		error("rbxemu: bad JSON from the emulator at byte " .. i .. " (" .. string.format("%q", string.sub(s, i, i + 15))
			.. "): " .. what, 0)
	end,
}

-- decode reads one JSON text: through serde where the runtime has it and
-- the text holds no buffer object (a value of {"t":"buffer",...} becomes a
-- buffer, which serde does not know); through the Lua parser otherwise, and
-- when serde refuses the text, so that errors read the same.
function Json.decode(s)
	if serde ~= nil and not string.find(s, "\"buffer\"", 1, true) then
		local ok, value = pcall(serde.decode, "json", s)
		if ok then
			return value
		end
	end
	return Json.parseWith(s, values)
end

-- decodeLua is decode without the native path.
function Json.decodeLua(s)
	return Json.parseWith(s, values)
end

return Json

-- Json: the plugin's JSON. Values shown in the widget and edited in it must
-- survive the round trip exactly, so this parser keeps what a Lua table
-- loses: the order of an object's members, the difference between {} and [],
-- null inside arrays, and the spelling of numbers (an ordered store's int64
-- values do not fit a double). parse returns a tree of nodes:
--
--   { kind = "object", keys = { "a", ... }, values = { node, ... } }
--   { kind = "array", items = { node, ... } }
--   { kind = "string", value = "..." }
--   { kind = "number", raw = "12" }
--   { kind = "boolean", value = true }
--   { kind = "null" }
--
-- and on bad input nil plus a message naming the line and column, for the
-- person who typed it. pretty and compact write a tree back; toLua turns it
-- into plain Lua values (null becomes nil) for the fields the plugin reads.
-- encode writes a request from Lua values; Json.raw(text) embeds JSON text
-- that compact already produced, and Json.EMPTY_ARRAY / Json.EMPTY_OBJECT
-- spell the two empty tables.

local Json = {}

local RawMeta = {}
Json.EMPTY_ARRAY = setmetatable({ text = "[]" }, RawMeta)
Json.EMPTY_OBJECT = setmetatable({ text = "{}" }, RawMeta)

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

local function quote(s)
	return "\"" .. string.gsub(s, "[%c\"\\]", function(c)
		return escapes[c] or string.format("\\u%04x", string.byte(c))
	end) .. "\""
end
Json.quote = quote

---------------------------------------------------------------------------
-- Parsing.

-- position turns a byte offset into "line L, column C".
local function position(s, i)
	local line, col = 1, 1
	local j = 1
	while j < i and j <= #s do
		if string.sub(s, j, j) == "\n" then
			line = line + 1
			col = 1
		else
			col = col + 1
		end
		j = j + 1
	end
	return "line " .. line .. ", column " .. col
end

-- Failure carries a parse error through error() to parse.
local Failure = {}

local function fail(s, i, what)
	Failure.message = position(s, i) .. ": " .. what
	error(Failure, 0)
end

local function describe(s, i)
	if i > #s then
		return "the end of the text"
	end
	return string.format("%q", string.sub(s, i, i))
end

local function skip(s, i)
	local _, e = string.find(s, "^[ \t\r\n]*", i)
	return e + 1
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

local unescapes = { ["\""] = "\"", ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function hex4(s, i)
	local h = string.sub(s, i, i + 3)
	if not string.find(h, "^%x%x%x%x$") then
		return nil
	end
	return tonumber(h, 16)
end

local function parseString(s, i)
	local parts = {}
	local j = i + 1
	while true do
		local a = string.find(s, "[\"\\%c]", j)
		if not a then
			fail(s, i, "this string is not closed (a \" is missing)")
		end
		parts[#parts + 1] = string.sub(s, j, a - 1)
		local c = string.sub(s, a, a)
		if c == "\"" then
			return { kind = "string", value = table.concat(parts) }, a + 1
		elseif c ~= "\\" then
			fail(s, a, "a line break or control character inside a string must be escaped (\\n, \\t, ...)")
		end
		local e = string.sub(s, a + 1, a + 1)
		if e == "u" then
			local cp = hex4(s, a + 2)
			if not cp then
				fail(s, a, "\\u must be followed by four hex digits")
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
			fail(s, a, "unknown escape \\" .. e .. " in a string")
		end
	end
end

local parseValue

local function parseNumber(s, i)
	local a, b = string.find(s, "^-?%d+", i)
	if not a then
		fail(s, i, "expected a value (an object, array, string, number, true, false or null), found " .. describe(s, i))
	end
	local digits = string.gsub(string.sub(s, a, b), "^-", "")
	if #digits > 1 and string.sub(digits, 1, 1) == "0" then
		fail(s, i, "numbers may not start with 0")
	end
	local e = b + 1
	if string.sub(s, e, e) == "." then
		local _, fb = string.find(s, "^%d+", e + 1)
		if not fb then
			fail(s, e + 1, "expected digits after the decimal point")
		end
		e = fb + 1
	end
	local x = string.sub(s, e, e)
	if x == "e" or x == "E" then
		local _, xb = string.find(s, "^[-+]?%d+", e + 1)
		if not xb then
			fail(s, e + 1, "expected digits in the exponent")
		end
		e = xb + 1
	end
	return { kind = "number", raw = string.sub(s, i, e - 1) }, e
end

-- nextItem reads what follows a member or an item of a container that ends
-- with close: true and the position after close, or false and the position
-- after the ','.
local function nextItem(s, i, close)
	i = skip(s, i)
	local d = string.sub(s, i, i)
	if d == close then
		return true, i + 1
	elseif d ~= "," then
		fail(s, i, "expected ',' or '" .. close .. "', found " .. describe(s, i))
	end
	return false, i + 1
end

parseValue = function(s, i, depth)
	if depth > 200 then
		fail(s, i, "nested too deeply")
	end
	i = skip(s, i)
	local c = string.sub(s, i, i)
	if c == "{" then
		local node = { kind = "object", keys = {}, values = {} }
		local seen = {}
		i = skip(s, i + 1)
		if string.sub(s, i, i) == "}" then
			return node, i + 1
		end
		while true do
			i = skip(s, i)
			if string.sub(s, i, i) ~= "\"" then
				fail(s, i, "expected a member name in double quotes, found " .. describe(s, i))
			end
			local keyNode
			local keyAt = i
			keyNode, i = parseString(s, i)
			if seen[keyNode.value] then
				fail(s, keyAt, "the member " .. quote(keyNode.value) .. " appears twice")
			end
			seen[keyNode.value] = true
			i = skip(s, i)
			if string.sub(s, i, i) ~= ":" then
				fail(s, i, "expected ':' after the member name, found " .. describe(s, i))
			end
			local value
			value, i = parseValue(s, i + 1, depth + 1)
			node.keys[#node.keys + 1] = keyNode.value
			node.values[#node.values + 1] = value
			local closed
			closed, i = nextItem(s, i, "}")
			if closed then
				return node, i
			end
		end
	elseif c == "[" then
		local node = { kind = "array", items = {} }
		i = skip(s, i + 1)
		if string.sub(s, i, i) == "]" then
			return node, i + 1
		end
		while true do
			local value
			value, i = parseValue(s, i, depth + 1)
			node.items[#node.items + 1] = value
			local closed
			closed, i = nextItem(s, i, "]")
			if closed then
				return node, i
			end
		end
	elseif c == "\"" then
		return parseString(s, i)
	elseif string.sub(s, i, i + 3) == "true" then
		return { kind = "boolean", value = true }, i + 4
	elseif string.sub(s, i, i + 4) == "false" then
		return { kind = "boolean", value = false }, i + 5
	elseif string.sub(s, i, i + 3) == "null" then
		return { kind = "null" }, i + 4
	end
	return parseNumber(s, i)
end

-- parse reads one JSON text: the tree, or nil and what is wrong where.
function Json.parse(s)
	if type(s) ~= "string" then
		return nil, "expected JSON text"
	end
	local ok, node, i = pcall(function()
		local n, j = parseValue(s, 1, 0)
		j = skip(s, j)
		if j <= #s then
			fail(s, j, "unexpected " .. describe(s, j) .. " after the value")
		end
		return n, j
	end)
	if ok then
		return node
	end
	if node == Failure then
		return nil, Failure.message
	end
	return nil, tostring(node)
end

---------------------------------------------------------------------------
-- Writing trees.

local function writeCompact(node, out)
	local k = node.kind
	if k == "object" then
		out[#out + 1] = "{"
		for i, key in ipairs(node.keys) do
			if i > 1 then
				out[#out + 1] = ","
			end
			out[#out + 1] = quote(key)
			out[#out + 1] = ":"
			writeCompact(node.values[i], out)
		end
		out[#out + 1] = "}"
	elseif k == "array" then
		out[#out + 1] = "["
		for i, item in ipairs(node.items) do
			if i > 1 then
				out[#out + 1] = ","
			end
			writeCompact(item, out)
		end
		out[#out + 1] = "]"
	elseif k == "string" then
		out[#out + 1] = quote(node.value)
	elseif k == "number" then
		out[#out + 1] = node.raw
	elseif k == "boolean" then
		out[#out + 1] = node.value and "true" or "false"
	else
		out[#out + 1] = "null"
	end
end

-- compact writes a tree without spaces (as the daemon stores values).
function Json.compact(node)
	local out = {}
	writeCompact(node, out)
	return table.concat(out)
end

local function writePretty(node, out, indent, step)
	local k = node.kind
	local inner = indent .. step
	if k == "object" and #node.keys > 0 then
		out[#out + 1] = "{\n"
		for i, key in ipairs(node.keys) do
			out[#out + 1] = inner .. quote(key) .. ": "
			writePretty(node.values[i], out, inner, step)
			out[#out + 1] = i < #node.keys and ",\n" or "\n"
		end
		out[#out + 1] = indent .. "}"
	elseif k == "array" and #node.items > 0 then
		out[#out + 1] = "[\n"
		for i, item in ipairs(node.items) do
			out[#out + 1] = inner
			writePretty(item, out, inner, step)
			out[#out + 1] = i < #node.items and ",\n" or "\n"
		end
		out[#out + 1] = indent .. "]"
	else
		writeCompact(node, out)
	end
end

-- pretty writes a tree indented by two spaces per level.
function Json.pretty(node)
	local out = {}
	writePretty(node, out, "", "  ")
	return table.concat(out)
end

-- number reads a number node's value as a Lua number.
local function number(raw)
	local n = tonumber(raw)
	if n == nil and not string.find(raw, ".", 1, true) then
		-- Some runtimes (gopher-lua) read an exponent or an integer beyond
		-- int64 only with a fraction part.
		local mantissa, exponent = string.match(raw, "^([^eE]*)(.*)$")
		n = tonumber(mantissa .. ".0" .. exponent)
	end
	return n
end

-- toLua turns a tree into plain Lua values: objects and arrays become tables,
-- null becomes nil.
function Json.toLua(node)
	if node == nil then
		return nil
	end
	local k = node.kind
	if k == "object" then
		local t = {}
		for i, key in ipairs(node.keys) do
			t[key] = Json.toLua(node.values[i])
		end
		return t
	elseif k == "array" then
		local t = {}
		for i, item in ipairs(node.items) do
			t[i] = Json.toLua(item)
		end
		return t
	elseif k == "number" then
		return number(node.raw)
	elseif k == "string" or k == "boolean" then
		return node.value
	end
	return nil
end

-- member returns the node of an object's member, or nil.
function Json.member(node, name)
	if node == nil or node.kind ~= "object" then
		return nil
	end
	for i, key in ipairs(node.keys) do
		if key == name then
			return node.values[i]
		end
	end
	return nil
end

-- isNull reports a missing node or a JSON null.
function Json.isNull(node)
	return node == nil or node.kind == "null"
end

---------------------------------------------------------------------------
-- Writing Lua values (requests).

local function formatNumber(n)
	if n ~= n or n == math.huge or n == -math.huge then
		error("rbxemu plugin: cannot send " .. tostring(n) .. " as JSON", 0)
	end
	if n == math.floor(n) and n > -1e15 and n < 1e15 then
		return string.format("%.0f", n)
	end
	for digits = 14, 17 do
		local s = string.format("%." .. digits .. "g", n)
		if tonumber(s) == n then
			return s
		end
	end
	return string.format("%.17g", n)
end

local function encodeValue(v, out)
	local t = type(v)
	if t == "string" then
		out[#out + 1] = quote(v)
	elseif t == "number" then
		out[#out + 1] = formatNumber(v)
	elseif t == "boolean" then
		out[#out + 1] = v and "true" or "false"
	elseif t == "table" then
		if getmetatable(v) == RawMeta then
			out[#out + 1] = v.text
			return
		end
		if #v > 0 then
			out[#out + 1] = "["
			for i = 1, #v do
				if i > 1 then
					out[#out + 1] = ","
				end
				encodeValue(v[i], out)
			end
			out[#out + 1] = "]"
			return
		end
		local keys = {}
		for key in pairs(v) do
			keys[#keys + 1] = tostring(key)
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
			encodeValue(item, out)
		end
		out[#out + 1] = "}"
	else
		out[#out + 1] = "null"
	end
end

-- encode writes Lua values as JSON (object members sorted by name).
function Json.encode(v)
	local out = {}
	encodeValue(v, out)
	return table.concat(out)
end

return Json

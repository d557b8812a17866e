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
--
-- The grammar, the string escapes and the writer are the shim's (its Json
-- module, which the plugin carries as RbxEmu): this module only builds and
-- writes the tree.

local Core = require(script.Parent:WaitForChild("RbxEmu"):WaitForChild("Json"))

local Json = {}

Json.raw = Core.raw
Json.quote = Core.quote
Json.encode = Core.encode
Json.EMPTY_ARRAY = Core.raw("[]")
Json.EMPTY_OBJECT = Core.raw("{}")
local quote = Core.quote

---------------------------------------------------------------------------
-- Parsing into a tree.

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

local function identity(v)
	return v
end

local tree
tree = {
	object = function()
		return { kind = "object", keys = {}, values = {}, seen = {} }
	end,
	member = function(node, key, value, s, keyAt)
		if node.seen[key] then
			tree.fail(s, keyAt, "the member " .. quote(key) .. " appears twice")
		end
		node.seen[key] = true
		node.keys[#node.keys + 1] = key
		node.values[#node.values + 1] = value
	end,
	endObject = function(node)
		node.seen = nil
		return node
	end,
	array = function()
		return { kind = "array", items = {} }
	end,
	item = function(node, n, value)
		node.items[n] = value
	end,
	endArray = identity,
	string = function(text)
		return { kind = "string", value = text }
	end,
	number = function(raw)
		return { kind = "number", raw = raw }
	end,
	boolean = function(b)
		return { kind = "boolean", value = b }
	end,
	null = function()
		return { kind = "null" }
	end,
	fail = function(s, i, what)
		Failure.message = position(s, i) .. ": " .. what
		error(Failure, 0)
	end,
}

-- parse reads one JSON text: the tree, or nil and what is wrong where.
function Json.parse(s)
	if type(s) ~= "string" then
		return nil, "expected JSON text"
	end
	local ok, node = pcall(Core.parseWith, s, tree)
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

return Json

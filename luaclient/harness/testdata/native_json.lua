-- Equivalence of the shim's native JSON path (Lune's @lune/serde) and its
-- pure-Lua encoder and decoder, over a corpus: realune_test.go runs this on
-- real Lune. For every value the native path takes, both write texts of the
-- same length that read back the same, and byte for byte the same text when
-- no object has two members; every value it must not take falls back.
local Json = rbxemu.RbxEmu.Json
expectTrue(Json.native, "the native path is on under Lune")

local corpus = {
	-- taken natively
	{ "a short string", "hello", true },
	{ "escapes", "quote \" backslash \\ slash / tab \t newline \n cr \r bell \a nul \0", true },
	{ "unicode", "é ü 日本 😀", true },
	{ "integers", { 0, 1, -1, 42, 2 ^ 31, -(2 ^ 31), 999999999999999 }, true },
	{ "2^53 - 1", 2 ^ 53 - 1, false },
	{ "fractions", { 0.1, 0.5, -0.25, 1 / 3, 2 / 3, 123456789.125, 0.0001, 99999999999999.9 }, true },
	{ "booleans", { true, false }, true },
	{ "an array of arrays", { { 1, 2 }, { "a", { "b" } } }, true },
	{ "a one-member object", { coins = 10 }, true },
	{ "nested objects", { profile = { coins = 10, items = { "sword", "shield" } } }, true },
	{ "a 4 KB string", string.rep("x", 4096), true },
	-- left to the Lua encoder
	{ "an empty table", {}, false },
	{ "an empty table inside", { items = {} }, false },
	{ "a sparse array", { [1] = 1, [3] = 3 }, false },
	{ "a mixed table", { 1, 2, x = 3 }, false },
	{ "number keys", { [10] = "a", [20] = "b" }, false },
	{ "DEL in a string", "a\127b", false },
	{ "DEL in a key", { ["a\127"] = 1 }, false },
	{ "negative zero", -0.0, false },
	{ "1e15", 1e15, false },
	{ "1e20", 1e20, false },
	{ "1e-5", 1e-5, false },
	{ "invalid UTF-8", "ok\255", false },
	{ "a lone surrogate", "\237\160\128", false },
	{ "a function", function() end, false },
	{ "a table with a metatable", setmetatable({ a = 1 }, {}), false },
}
if buffer ~= nil then
	corpus[#corpus + 1] = { "a buffer", buffer.fromstring("bytes"), false }
end
local cyclic = { a = 1 }
cyclic.self = cyclic
corpus[#corpus + 1] = { "a cycle", cyclic, false }

local function objectsWithMembers(v, seen)
	if type(v) ~= "table" or seen[v] then
		return 0
	end
	seen[v] = true
	local n, most = 0, 0
	for _, item in pairs(v) do
		n = n + 1
		most = math.max(most, objectsWithMembers(item, seen))
	end
	if rawget(v, 1) == nil then
		most = math.max(most, n)
	end
	return most
end

-- plain turns buffers into their bytes, which expectEq can compare.
local function plain(v)
	if typeof(v) == "buffer" then
		return "buffer " .. buffer.tostring(v)
	elseif type(v) == "table" then
		local out = {}
		for k, item in pairs(v) do
			out[k] = plain(item)
		end
		return out
	end
	return v
end

local native, fallback = 0, 0
for _, case in ipairs(corpus) do
	local name, value, wantNative = case[1], case[2], case[3]
	expectEq(Json.nativeSafe(value), wantNative, name .. ": taken natively")
	local okLua, luaText = pcall(Json.encodeValueLua, value)
	local okAny, anyText = pcall(Json.encodeValue, value)
	expectEq(okAny, okLua, name .. ": the same success")
	if okLua then
		expectEq(#anyText, #luaText, name .. ": the same size")
		expectEq(plain(Json.decodeLua(anyText)), plain(Json.decodeLua(luaText)), name .. ": reads back the same")
		expectEq(plain(Json.decode(luaText)), plain(Json.decodeLua(luaText)), name .. ": the native decoder reads the same")
		if objectsWithMembers(value, {}) <= 1 then
			expectEq(anyText, luaText, name .. ": the same text")
		end
	else
		expectEq(anyText, luaText, name .. ": the same error")
	end
	if wantNative then
		native = native + 1
	else
		fallback = fallback + 1
	end
end

-- Texts the daemon sends: the native decoder reads them as the Lua one does.
for _, text in ipairs({
	'{"ok":true,"id":1,"result":{"value":[1,null,3],"keyInfo":{"version":"v1"}},"now":1767225600000}',
	'{"a":"\\u00e9\\ud83d\\ude00","b":-1.5e-7,"c":12345678901234567890,"d":[],"e":{}}',
	'{"value":{"t":"buffer","base64":"Ynl0ZXM="}}',
}) do
	expectEq(plain(Json.decode(text)), plain(Json.decodeLua(text)), "decode " .. text)
end
print("native JSON: " .. native .. " values taken natively, " .. fallback .. " left to the Lua encoder, all equivalent")

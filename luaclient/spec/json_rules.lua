-- How values are serialised (as the engine does) and what comes back.
local RbxEmu = __harness.setup()
local store = RbxEmu.DataStoreService:GetDataStore("Json")
local noCache = Instance.new("DataStoreGetOptions")
noCache.UseCache = false

local function roundTrip(key, value)
	store:SetAsync(key, value)
	return (store:GetAsync(key, noCache))
end

-- a table of length 0 with number keys is an object with string keys
expectEq(roundTrip("numkeys", { [5] = "x", [10] = "y" }), { ["5"] = "x", ["10"] = "y" }, "number keys")
expectEq(roundTrip("mixedkeys", { [2] = "a", name = "b" }), { ["2"] = "a", name = "b" }, "number and string keys")
expectEq(roundTrip("empty", {}), {}, "empty table")
expectEq(roundTrip("array", { 1, "two", true, { 3 } }), { 1, "two", true, { 3 } }, "array")
expectEq(roundTrip("nested", { a = { b = { c = { 1, 2 } } } }), { a = { b = { c = { 1, 2 } } } }, "nested")
expectEq(roundTrip("float", 0.1), 0.1, "0.1")
expectEq(roundTrip("third", 1 / 3), 1 / 3, "1/3")
expectEq(roundTrip("large", 2 ^ 53), 2 ^ 53, "2^53")
expectEq(roundTrip("tiny", 5e-324), 5e-324, "denormal")
expectEq(roundTrip("huge", 1.7976931348623157e308), 1.7976931348623157e308, "max double")
expectEq(roundTrip("negative", -12.5), -12.5, "negative")
expectEq(roundTrip("bool", false), false, "false")
expectEq(roundTrip("string", "line\nbreak \"quoted\" \\ tab\t \1 end"), "line\nbreak \"quoted\" \\ tab\t \1 end", "escapes")
expectEq(roundTrip("unicode", "héllo wörld ✓ 😀"), "héllo wörld ✓ 😀", "unicode")
expectEq(roundTrip("emptystring", ""), "", "empty string")

-- what GetAsync returns is a fresh copy: changing it changes nothing
local t = store:GetAsync("array")
t[1] = 999
expectEq(store:GetAsync("array")[1], 1, "cached copy unchanged")

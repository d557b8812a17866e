-- The everyday calls: GetAsync, SetAsync, IncrementAsync, RemoveAsync and
-- their return values and key info.
local RbxEmu = __harness.setup()
local DataStoreService = RbxEmu.DataStoreService
local store = DataStoreService:GetDataStore("PlayerData")

local value, info = store:GetAsync("missing")
expectEq(value, nil, "missing value")
expectEq(info, nil, "missing key info")

local version = store:SetAsync("Player_1", { coins = 10, items = { "sword", "shield" } })
expectTrue(type(version) == "string" and #version > 0, "SetAsync returns a version")

value, info = store:GetAsync("Player_1")
expectEq(value, { coins = 10, items = { "sword", "shield" } }, "stored value")
expectEq(info.Version, version, "key info version")
expectTrue(type(info.CreatedTime) == "number" and info.CreatedTime > 0, "CreatedTime")
expectEq(info.UpdatedTime, info.CreatedTime, "UpdatedTime of a new key")
expectEq(info:GetMetadata(), {}, "no metadata")
expectEq(info:GetUserIds(), {}, "no user ids")
expectTrue(info:IsA("DataStoreKeyInfo"), "IsA DataStoreKeyInfo")

-- numbers as keys are their decimal spelling
store:SetAsync(12345, "by number")
expectEq(store:GetAsync("12345"), "by number", "number key")

-- user ids and metadata
local setOptions = Instance.new("DataStoreSetOptions")
setOptions:SetMetadata({ tag = "x", n = 1 })
store:SetAsync("Player_2", 5, { 111, 222 }, setOptions)
value, info = store:GetAsync("Player_2", (function()
	local o = Instance.new("DataStoreGetOptions")
	o.UseCache = false
	return o
end)())
expectEq(value, 5, "value with metadata")
expectEq(info:GetUserIds(), { 111, 222 }, "user ids")
expectEq(info:GetMetadata(), { tag = "x", n = 1 }, "metadata")

-- IncrementAsync returns value and key info
local n, incInfo = store:IncrementAsync("Counter")
expectEq(n, 1, "increment default delta")
expectTrue(incInfo ~= nil and incInfo.Version ~= nil, "increment key info")
n = store:IncrementAsync("Counter", 41)
expectEq(n, 42, "increment by 41")
local incOptions = Instance.new("DataStoreIncrementOptions")
incOptions:SetMetadata({ source = "spec" })
n, incInfo = store:IncrementAsync("Counter", -2, { 7 }, incOptions)
expectEq(n, 40, "increment by -2")
expectEq(incInfo:GetMetadata(), { source = "spec" }, "increment metadata")
expectEq(incInfo:GetUserIds(), { 7 }, "increment user ids")

-- RemoveAsync returns the old value and its key info, then the key is gone
local old, oldInfo = store:RemoveAsync("Player_1")
expectEq(old, { coins = 10, items = { "sword", "shield" } }, "removed value")
expectEq(oldInfo.Version, version, "removed key info")
expectEq(store:GetAsync("Player_1"), nil, "after remove")
old, oldInfo = store:RemoveAsync("Player_1")
expectEq(old, nil, "second remove value")
expectEq(oldInfo, nil, "second remove key info")

-- the same name and scope give the same object
expectTrue(DataStoreService:GetDataStore("PlayerData") == store, "same object")
expectTrue(DataStoreService:GetDataStore("PlayerData", "global") == store, "same object, explicit scope")
expectTrue(DataStoreService:GetDataStore("PlayerData", "other") ~= store, "other scope, other object")

-- scopes are separate
local scoped = DataStoreService:GetDataStore("PlayerData", "other")
expectEq(scoped:GetAsync("Player_2"), nil, "other scope is empty")

-- the global data store
local g = DataStoreService:GetGlobalDataStore()
g:SetAsync("k", true)
expectEq(g:GetAsync("k"), true, "global data store")
expectTrue(DataStoreService:GetGlobalDataStore() == g, "same global store")

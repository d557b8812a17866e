-- Errors a game sees, with their exact texts (what pcall returns).
local RbxEmu = __harness.setup()
local DataStoreService = RbxEmu.DataStoreService
local store = DataStoreService:GetDataStore("Errors")

local cant = "104: Cannot store %s in data store. Data stores can only accept valid UTF-8 characters."

-- argument checks, before any request
expectError(function() store:SetAsync("k", nil) end, "Argument 2 missing or nil", "SetAsync nil")
expectError(function() store:SetAsync("k") end, "Argument 2 missing or nil", "SetAsync without value")
expectError(function() store:GetAsync() end, "Argument 1 missing or nil", "GetAsync without key")
expectError(function() store:UpdateAsync("k") end, "Argument 2 missing or nil", "UpdateAsync without transform")
expectError(function() store.GetAsync("k") end, "Expected ':' not '.' calling member function GetAsync", "dot call")
expectError(function() DataStoreService.GetDataStore("x") end,
	"Expected ':' not '.' calling member function GetDataStore", "dot call on the service")

-- keys, checked by the daemon
expectError(function() store:GetAsync("") end, "101: Key name can't be empty.", "empty key")
expectError(function() store:SetAsync(string.rep("k", 51), 1) end, "102: Key name exceeds the 50 character limit.", "long key")
store:SetAsync(string.rep("k", 50), 1)

-- values that cannot be stored
expectError(function() store:SetAsync("k", function() end) end, string.format(cant, "function"), "function")
expectError(function() store:SetAsync("k", Instance.new("Folder")) end, string.format(cant, "Instance"), "Instance")
expectError(function() store:SetAsync("k", Vector3.new(1, 2, 3)) end, string.format(cant, "Vector3"), "Vector3")
expectError(function() store:SetAsync("k", CFrame.new()) end, string.format(cant, "CoordinateFrame"), "CFrame")
expectError(function() store:SetAsync("k", coroutine.create(function() end)) end, string.format(cant, "thread"), "thread")
expectError(function() store:SetAsync("k", { 1, 2, Vector3.new() }) end, string.format(cant, "Array"), "nested in an array")
expectError(function() store:SetAsync("k", { a = { b = print } }) end, string.format(cant, "Dictionary"), "nested in a dictionary")
expectError(function() store:SetAsync("k", { 1, 2, x = 3 }) end, string.format(cant, "Array"), "mixed table")
local sparse = { 1, 2, 3 }
sparse[5] = 5
expectError(function() store:SetAsync("k", sparse) end, string.format(cant, "Array"), "sparse array")
expectError(function() store:SetAsync("k", { [true] = 1 }) end, string.format(cant, "Dictionary"), "boolean key")
expectError(function() store:SetAsync("k", "\255\254") end, string.format(cant, "string"), "invalid UTF-8")
expectError(function() store:SetAsync("k", { name = "ok\192" }) end, string.format(cant, "Dictionary"), "invalid UTF-8 inside")
expectError(function() store:SetAsync("k", 0 / 0) end, string.format(cant, "double"), "NaN")
expectError(function() store:SetAsync("k", math.huge) end, string.format(cant, "double"), "inf")
expectError(function() store:SetAsync("k", { -math.huge }) end, string.format(cant, "Array"), "-inf inside")
local cyclic = {}
cyclic.self = cyclic
expectError(function() store:SetAsync("k", cyclic) end, string.format(cant, "Dictionary"), "cycle")
expectError(function()
	store:UpdateAsync("k", function() return { f = print } end)
end, string.format(cant, "Dictionary"), "bad value from a transform")
expectEq(store:GetAsync("k"), nil, "nothing was written")

-- sizes (the value limit is in sizes.lua)
local meta = Instance.new("DataStoreSetOptions")
meta:SetMetadata({ long = string.rep("m", 300) })
expectError(function() store:SetAsync("m", 1, nil, meta) end, "511: Metadata attribute size exceeds 300 bytes limit.", "metadata")
expectError(function() store:SetAsync("u", 1, { 1, 2, 3, 4, 5 }) end, "512: UserID size exceeds limit of 4", "user ids")
expectError(function() store:SetAsync("u", 1, { 1.5 }) end, "513: Attribute userId format is invalid", "user id format")
expectError(function() store:SetAsync("u", 1, { print }) end, "513: Attribute userId format is invalid", "a function as a user id")
local badMeta = Instance.new("DataStoreSetOptions")
badMeta:SetMetadata({ a = "\255" })
expectError(function() store:SetAsync("u", 1, nil, badMeta) end, "513: Attribute metadata format is invalid.", "invalid UTF-8 in metadata")
expectError(function()
	store:UpdateAsync("u", function() return 1, nil, 5 end)
end, "513: Attribute metadata format is invalid.", "metadata that is not a table")

-- store names and scopes, checked by GetDataStore itself
expectError(function() DataStoreService:GetDataStore("") end, "DataStore name can't be empty string", "empty name")
expectError(function() DataStoreService:GetDataStore(string.rep("n", 51)) end, "DataStore name is too long", "long name")
expectError(function() DataStoreService:GetDataStore("n", "") end, "DataStore scope can't be empty string", "empty scope")
expectError(function() DataStoreService:GetDataStore("n", string.rep("s", 51)) end, "DataStore scope is too long", "long scope")
expectError(function() DataStoreService:GetOrderedDataStore("") end, "DataStore name can't be empty string", "ordered empty name")
expectError(function() DataStoreService:GetDataStore() end, "Argument 1 missing or nil", "GetDataStore without name")
local all = Instance.new("DataStoreOptions")
all.AllScopes = true
expectError(function() DataStoreService:GetDataStore("n", "global", all) end,
	"DataStore scope should be an empty string allScopes is set to true", "AllScopes with a scope")

-- IncrementAsync on a value that is not a number
store:SetAsync("text", "abc")
expectError(function() store:IncrementAsync("text") end, "IncrementAsync: Cannot increment a non-integer value.", "increment text")

-- BatchGetAsync is for ordered stores
expectError(function() store:BatchGetAsync({ "a" }) end, "BatchGetAsync is only supported on OrderedDataStore.", "BatchGet standard")

-- the enum checks
expectError(function() DataStoreService:GetRequestBudgetForRequestType("Nope") end,
	"Unable to cast Nope to Enum.DataStoreRequestType", "bad request type")

-- DataStoreOptions.AllScopes: keys are "scope/key".
local RbxEmu = __harness.setup()
local svc = RbxEmu.DataStoreService
svc:GetDataStore("Multi"):SetAsync("k", 1)
svc:GetDataStore("Multi", "houses"):SetAsync("h", 2)

local options = Instance.new("DataStoreOptions")
options.AllScopes = true
local all = svc:GetDataStore("Multi", "", options)
expectTrue(all ~= svc:GetDataStore("Multi"), "an AllScopes store is its own object")
expectTrue(svc:GetDataStore("Multi", "", options) == all, "and the same each time")
expectEq(all:GetAsync("global/k"), 1, "global scope through AllScopes")
expectEq(all:GetAsync("houses/h"), 2, "another scope")
expectError(function() all:GetAsync("k") end, "The provided object key is invalid.", "a key without a scope")
all:SetAsync("houses/h2", 3)
expectEq(svc:GetDataStore("Multi", "houses"):GetAsync("h2"), 3, "written through AllScopes")

local names = {}
for _, k in ipairs(all:ListKeysAsync():GetCurrentPage()) do
	names[#names + 1] = k.KeyName
end
table.sort(names)
expectEq(names, { "global/k", "houses/h", "houses/h2" }, "keys carry their scope")

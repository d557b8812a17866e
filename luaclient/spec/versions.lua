-- Versions: GetVersionAsync, GetVersionAtTimeAsync, ListVersionsAsync,
-- RemoveVersionAsync.
local RbxEmu = __harness.setup()
local svc = RbxEmu.DataStoreService
local store = svc:GetDataStore("Versions")

local v1 = store:SetAsync("k", "one")
local _, info1 = store:GetAsync("k")
__harness.advance(3600 * 1000) -- a new UTC hour: the next write keeps "one" as a backup
local v2 = store:SetAsync("k", "two")
expectTrue(v1 ~= v2, "two versions")

local value, info = store:GetVersionAsync("k", v1)
expectEq(value, "one", "GetVersionAsync value")
expectEq(info.Version, v1, "GetVersionAsync key info")
value = store:GetVersionAsync("k", v2)
expectEq(value, "two", "latest version")

local pages = store:ListVersionsAsync("k")
local items = pages:GetCurrentPage()
expectEq(#items, 2, "two versions listed")
expectEq(items[1].Version, v1, "ascending first")
expectEq(items[2].Version, v2, "ascending second")
expectTrue(items[1]:IsA("DataStoreObjectVersionInfo"), "version info class")
expectEq(items[1].IsDeleted, false, "not deleted")
expectEq(items[1].CreatedTime, info1.UpdatedTime, "version time")
expectTrue(pages.IsFinished, "one page")
expectEq(pages.Cursor, nil, "version pages have no Cursor")
expectError(function() pages:AdvanceToNextPageAsync() end, "No pages to advance to.", "last page")

items = store:ListVersionsAsync("k", Enum.SortDirection.Descending):GetCurrentPage()
expectEq(items[1].Version, v2, "descending first")
items = store:ListVersionsAsync("k", Enum.SortDirection.Ascending, 0, 0, 1):GetCurrentPage()
expectEq(#items, 1, "page size 1")

-- at a time: the version current then
value = store:GetVersionAtTimeAsync("k", info1.CreatedTime + 1)
expectEq(value, "one", "at a time in the first hour")
value = store:GetVersionAtTimeAsync("k", info1.CreatedTime - 1000)
expectEq(value, nil, "before the key existed")
expectError(function() store:GetVersionAtTimeAsync("k", -5) end,
	"DataStoreService: InvalidTimestamp: Timestamp must be positive and not more than ten minutes in the future. API: GetVersionAtTimeAsync, Data Store: Versions",
	"bad timestamp")

-- a removed key leaves a tombstone version
store:RemoveAsync("k")
items = store:ListVersionsAsync("k", Enum.SortDirection.Descending):GetCurrentPage()
expectEq(items[1].IsDeleted, true, "tombstone")

-- RemoveVersionAsync deletes one version for good
store:RemoveVersionAsync("k", v1)
value, info = store:GetVersionAsync("k", v1)
expectEq(value, nil, "a removed version reads nil")
expectEq(info, nil, "and has no key info")
expectEq(#store:ListVersionsAsync("k"):GetCurrentPage(), 1, "only the tombstone is left")
expectError(function() store:GetVersionAsync("k") end, "Argument 2 missing or nil", "no version")

-- ListKeysAsync, ListDataStoresAsync and their Pages.
local RbxEmu = __harness.setup()
local svc = RbxEmu.DataStoreService
local store = svc:GetDataStore("Listing")
for i = 1, 5 do
	store:SetAsync("key" .. i, i)
end
store:SetAsync("other", 0)

local function allKeys(pages)
	local names = {}
	while true do
		for _, k in ipairs(pages:GetCurrentPage()) do
			expectTrue(k:IsA("DataStoreKey"), "DataStoreKey items")
			names[#names + 1] = k.KeyName
		end
		if pages.IsFinished then
			break
		end
		pages:AdvanceToNextPageAsync()
	end
	return names
end

local pages = store:ListKeysAsync("key", 2)
expectEq(#pages:GetCurrentPage(), 2, "page size 2")
expectEq(pages.IsFinished, false, "more pages")
expectTrue(type(pages.Cursor) == "string" and pages.Cursor ~= "", "a cursor")
local cursor = pages.Cursor
expectEq(allKeys(pages), { "key1", "key2", "key3", "key4", "key5" }, "every key by prefix")
expectEq(pages.Cursor, "", "no cursor on the last page")
expectError(function() pages:AdvanceToNextPageAsync() end, "No pages to advance to.", "past the end")

-- start from a cursor
local rest = store:ListKeysAsync("key", 2, cursor)
expectEq(rest:GetCurrentPage()[1].KeyName, "key3", "resumed at the cursor")

__harness.advance(120 * 1000) -- refill the list budget

-- deleted keys are listed unless excludeDeleted
store:RemoveAsync("key1")
expectEq(allKeys(store:ListKeysAsync("key")), { "key1", "key2", "key3", "key4", "key5" }, "tombstoned key listed")
expectEq(allKeys(store:ListKeysAsync("key", 0, "", true)), { "key2", "key3", "key4", "key5" }, "excludeDeleted")
expectEq(#store:ListKeysAsync():GetCurrentPage(), 6, "no prefix")

__harness.advance(120 * 1000)

-- data stores
svc:GetDataStore("ListingOther"):SetAsync("x", 1)
local stores = svc:ListDataStoresAsync("Listing")
local names = {}
for _, info in ipairs(stores:GetCurrentPage()) do
	expectTrue(info:IsA("DataStoreInfo"), "DataStoreInfo items")
	expectTrue(type(info.CreatedTime) == "number" and type(info.UpdatedTime) == "number", "store times")
	names[#names + 1] = info.DataStoreName
end
expectEq(names, { "Listing", "ListingOther" }, "stores by prefix")
expectEq(stores.IsFinished, true, "one page of stores")
expectEq(stores.Cursor, "", "store pages have a Cursor")
local first = svc:ListDataStoresAsync("Listing", 1)
expectEq(#first:GetCurrentPage(), 1, "store page size")
first:AdvanceToNextPageAsync()
expectEq(first:GetCurrentPage()[1].DataStoreName, "ListingOther", "second page of stores")

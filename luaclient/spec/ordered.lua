-- OrderedDataStore: integer values, no key info, GetSortedAsync pages,
-- BatchGetAsync.
local RbxEmu = __harness.setup()
local svc = RbxEmu.DataStoreService
local board = svc:GetOrderedDataStore("Board")
expectTrue(svc:GetOrderedDataStore("Board") == board, "same object")
expectTrue(svc:GetDataStore("Board") ~= board, "not the standard store")

expectEq(board:SetAsync("a", 10), nil, "ordered SetAsync returns nil")
board:SetAsync("b", 30)
board:SetAsync("c", 20)
board:SetAsync("d", 20)
local value, info = board:GetAsync("a")
expectEq(value, 10, "GetAsync")
expectEq(info, nil, "no key info")
value, info = board:IncrementAsync("a", 5)
expectEq(value, 15, "IncrementAsync")
expectEq(info, nil, "no key info from IncrementAsync")
value = board:UpdateAsync("a", function(old, keyInfo)
	expectEq(keyInfo, nil, "no key info in the transform")
	return old + 1
end)
expectEq(value, 16, "UpdateAsync")

local pages = board:GetSortedAsync(false, 2)
expectEq(pages:GetCurrentPage(), { { key = "b", value = 30 }, { key = "c", value = 20 } }, "first page, descending")
expectEq(pages.IsFinished, false, "more")
pages:AdvanceToNextPageAsync()
expectEq(pages:GetCurrentPage(), { { key = "d", value = 20 }, { key = "a", value = 16 } }, "second page")
expectEq(pages.IsFinished, true, "last page")
expectError(function() pages:AdvanceToNextPageAsync() end, "No pages to advance to.", "past the end")

pages = board:GetSortedAsync(true, 10, 16, 20)
expectEq(pages:GetCurrentPage(), { { key = "a", value = 16 }, { key = "c", value = 20 }, { key = "d", value = 20 } },
	"ascending between 16 and 20")

expectEq(board:BatchGetAsync({ "a", "b", "missing" }), { a = { value = 16 }, b = { value = 30 } }, "BatchGetAsync")

-- errors
expectError(function() board:SetAsync("x", 1.5) end, "103: double is not allowed in data stores.", "non-integer")
expectError(function() board:SetAsync("x", { 1 }) end, "103: Array is not allowed in data stores.", "table")
expectError(function() board:SetAsync("x", 1, { 5 }) end, "517: Additional parameter UserIds not allowed", "user ids")
board:SetAsync("x", 1, {})
local opts = Instance.new("DataStoreSetOptions")
expectError(function() board:SetAsync("x", 1, {}, opts) end, "517: Additional parameter Options not allowed", "options")
expectError(function() board:GetSortedAsync(true, 0) end, "106: PageSize must be within predefined range.", "page size 0")
expectError(function() board:GetSortedAsync(true, 101) end, "106: PageSize must be within predefined range.", "page size 101")
expectError(function() board:GetSortedAsync(true, 10, 5, 1) end, "107: MaxValue must be greater than or equal to MinValue.", "min > max")
expectError(function() board:GetSortedAsync(true, 10, 1.5) end, "106: MaxValue and MinValue must be integers.", "min not integer")
expectError(function() board:GetSortedAsync(true) end, "Argument 2 missing or nil", "no page size")

-- RemoveAsync deletes for good and returns the old value
value, info = board:RemoveAsync("a")
expectEq(value, 16, "removed value")
expectEq(board:GetAsync("a"), nil, "gone")

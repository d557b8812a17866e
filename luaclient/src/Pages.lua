-- Pages: the Pages objects of listings (DataStorePages from GetSortedAsync,
-- DataStoreKeyPages from ListKeysAsync, DataStoreVersionPages from
-- ListVersionsAsync, DataStoreListingPages from ListDataStoresAsync).
--
-- A Pages object holds the current page and the cursor of the next one.
-- IsFinished is true on the last page; AdvanceToNextPageAsync then raises
-- "No pages to advance to.". Key and listing pages expose Cursor (the next
-- page's exclusive start, "" on the last page), as Roblox's do. Fetching the
-- next page is the same request as the first with the cursor, so it costs
-- the same budget.

local Errors = require(script.Parent:WaitForChild("Errors"))
local Info = require(script.Parent:WaitForChild("Info"))

local Pages = {}
Pages.__index = Pages

local withCursor = {
	DataStoreKeyPages = true,
	DataStoreListingPages = true,
}

-- new builds a Pages object of className. fetch(cursor) performs one request
-- and returns the page's items and the next cursor ("" or nil at the end).
-- The first page is fetched now (the call that created the pages yields).
function Pages.new(className, fetch)
	local self = setmetatable({ ClassName = className, _fetch = fetch }, Pages)
	self:_load(nil)
	return self
end

function Pages:_load(cursor)
	local items, nextCursor, finished = self._fetch(cursor)
	self._items = items or {}
	if nextCursor == nil then
		nextCursor = ""
	end
	if finished == nil then
		finished = nextCursor == ""
	end
	self._next = nextCursor
	self.IsFinished = finished
	if withCursor[self.ClassName] then
		self.Cursor = finished and "" or nextCursor
	end
end

function Pages:IsA(name)
	return name == self.ClassName or name == "Pages" or name == "Instance"
end

-- GetCurrentPage returns the items of the current page (a fresh array).
function Pages:GetCurrentPage()
	local out = {}
	for i, item in ipairs(self._items) do
		if getmetatable(item) == nil then
			out[i] = Info.deepCopy(item)
		else
			out[i] = item
		end
	end
	return out
end

-- AdvanceToNextPageAsync loads the next page, or raises on the last one.
function Pages:AdvanceToNextPageAsync()
	if self.IsFinished then
		Errors.raise(Errors.NO_PAGES)
	end
	self:_load(self._next)
end

return Pages

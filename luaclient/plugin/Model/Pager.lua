-- Pager: page-by-page browsing of a listing op (ListDataStoresAsync,
-- ListKeysAsync, ListVersionsAsync, GetSortedAsync). The daemon's cursors
-- only go forward, so the pager remembers the cursor that opened each page
-- it has shown: Prev asks again for the previous page with its cursor.
--
-- fetch(cursor) performs the op (cursor nil for the first page) and returns
-- its result { items, cursor, isFinished }; it may raise.

local Pager = {}
Pager.__index = Pager

function Pager.new(fetch)
	return setmetatable({ fetch = fetch, cursors = {}, page = 0, items = {}, finished = true }, Pager)
end

-- load shows page n (its opening cursor must be known); it raises what fetch
-- raises and leaves the pager as it was.
function Pager:_load(n, fresh)
	local cursor = nil
	if not fresh then
		cursor = self.cursors[n]
	end
	local result = self.fetch(cursor)
	if fresh then
		self.cursors = {}
	end
	self.page = n
	self.items = result.items or {}
	self.finished = result.isFinished ~= false or result.cursor == nil or result.cursor == ""
	if not self.finished then
		self.cursors[n + 1] = result.cursor
	end
	return self
end

-- First shows the first page.
function Pager:First()
	return self:_load(1, true)
end

-- Next shows the page after this one, if there is one.
function Pager:Next()
	if self.finished then
		return self
	end
	return self:_load(self.page + 1)
end

-- Prev shows the page before this one, if there is one.
function Pager:Prev()
	if self.page <= 1 then
		return self
	end
	return self:_load(self.page - 1)
end

-- Reload shows the current page again.
function Pager:Reload()
	if self.page == 0 then
		return self:First()
	end
	return self:_load(self.page)
end

-- state is the paging part of a panel's view.
function Pager:State()
	return { page = self.page, hasNext = not self.finished, hasPrev = self.page > 1 }
end

return Pager

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

-- withCursor puts the cursor (nil for the first page) in a fetch's request
-- arguments and returns them.
function Pager.withCursor(args, cursor)
	if cursor ~= nil then
		args.cursor = cursor
	end
	return args
end

-- What follows serves the listing models (Stores, Keys, Sorted). A model has
-- connection, pager, message (the last failure, or nil), query (the query
-- shown, or nil; Stores has none) and a View method.

-- run moves the model's pager with method (Pager.First, Pager.Next or
-- Pager.Prev) and returns the model's view; a failure becomes its message.
function Pager.run(model, method)
	local ok, err = model.connection:Try(function()
		method(model.pager)
	end)
	model.message = nil
	if not ok then
		model.message = err
	end
	return model:View()
end

-- search shows the first page of q, a normalized query, or why when q is nil
-- (it cannot be asked). A query that fails leaves the one shown before in
-- place, but the view returned is the failed query's.
function Pager.search(model, q, why)
	if q == nil then
		model.message = why
		return model:View()
	end
	local previous = model.query
	model.query = q
	local view = Pager.run(model, Pager.First)
	if not view.ok and previous ~= nil then
		model.query = previous
	end
	return view
end

-- step moves the model's pager with method once a query has been shown.
function Pager.step(model, method)
	if model.query == nil then
		return model:View()
	end
	return Pager.run(model, method)
end

-- view is the part of a listing model's view they share: rows, the paging
-- state, and the message: the last failure, else empty when a page is shown
-- with no rows.
function Pager.view(model, rows, empty)
	local state = model.pager:State()
	local message = model.message
	if message == nil and state.page > 0 and #rows == 0 then
		message = empty
	end
	return {
		ok = model.message == nil,
		message = message,
		rows = rows,
		page = state.page,
		hasNext = state.hasNext,
		hasPrev = state.hasPrev,
	}
end

return Pager

-- Sorted: the "Sorted" tab. The entries of an ordered data store
-- (GetSortedAsync), descending by default as leaderboards read, within
-- optional inclusive bounds, page by page. Values are shown exactly as the
-- daemon sends them (int64, beyond what a Lua number holds exactly).
--
-- Query: { store, scope = "global", ascending = false, minValue, maxValue,
--          pageSize = 50 } (bounds and page size as typed text or numbers)
-- View:  { ok, message, query, rows = { { rank, key, value } }, page,
--          hasNext, hasPrev }

local Json = require(script.Parent.Parent:WaitForChild("Json"))
local Pager = require(script.Parent:WaitForChild("Pager"))
local Format = require(script.Parent:WaitForChild("Format"))

local Sorted = {}
Sorted.__index = Sorted

Sorted.PAGE_SIZE = 50

-- normalize checks a query; nil and why when it cannot be asked.
function Sorted.normalize(query)
	local q = {
		store = Format.trim(query.store),
		scope = Format.trim(query.scope),
		ascending = query.ascending == true,
	}
	if q.store == "" then
		return nil, "Type the name of an ordered data store."
	end
	if q.scope == "" then
		q.scope = "global"
	end
	local why
	q.min, why, q.minText = Format.integer(query.minValue, "The lowest value")
	if why then
		return nil, why
	end
	q.max, why, q.maxText = Format.integer(query.maxValue, "The highest value")
	if why then
		return nil, why
	end
	if q.min ~= nil and q.max ~= nil and q.max < q.min then
		return nil, "The highest value must not be below the lowest."
	end
	local size
	size, why = Format.integer(query.pageSize, "The page size")
	if why then
		return nil, why
	end
	q.pageSize = size or Sorted.PAGE_SIZE
	if q.pageSize < 1 or q.pageSize > 100 then
		return nil, "The page size must be between 1 and 100."
	end
	return q
end

function Sorted.new(connection)
	local self = setmetatable({ connection = connection }, Sorted)
	self.pager = Pager.new(function(cursor)
		local q = self.query
		local args = { store = q.store, scope = q.scope, ordered = true, ascending = q.ascending, pageSize = q.pageSize }
		if q.minText ~= nil then
			args.minValue = Json.raw(q.minText)
		end
		if q.maxText ~= nil then
			args.maxValue = Json.raw(q.maxText)
		end
		local result, node = self.connection.client:Call("GetSortedAsync", Pager.withCursor(args, cursor))
		local items = {}
		local list = Json.member(node, "items")
		for i, itemNode in ipairs(list and list.items or {}) do
			local value = Json.member(itemNode, "value")
			items[i] = {
				key = Json.toLua(Json.member(itemNode, "key")),
				value = value and Json.compact(value) or "null",
			}
		end
		return { items = items, cursor = result.cursor, isFinished = result.isFinished }
	end)
	return self
end

-- Query reads the first page of a query.
function Sorted:Query(query)
	return Pager.search(self, Sorted.normalize(query))
end

function Sorted:Next()
	return Pager.step(self, Pager.Next)
end

function Sorted:Prev()
	return Pager.step(self, Pager.Prev)
end

function Sorted:View()
	local rows = {}
	local state = self.pager:State()
	local first = 0
	if self.query ~= nil and state.page > 0 then
		first = (state.page - 1) * self.query.pageSize
	end
	for i, item in ipairs(self.pager.items) do
		rows[i] = { rank = first + i, key = item.key, value = item.value }
	end
	local view = Pager.view(self, rows, "No entries (the store is empty, or nothing lies within the bounds).")
	view.query = self.query
	return view
end

return Sorted

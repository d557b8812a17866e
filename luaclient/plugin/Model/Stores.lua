-- Stores: the "Stores" tab. The standard data stores of the universe
-- (ListDataStoresAsync: stores holding at least one key; ordered stores are
-- not listed by the engine either), filtered by a name prefix, page by page.
--
-- View: { ok, message, prefix, rows = { { name, created, updated } },
--         page, hasNext, hasPrev }

local Pager = require(script.Parent:WaitForChild("Pager"))
local Format = require(script.Parent:WaitForChild("Format"))

local Stores = {}
Stores.__index = Stores

Stores.PAGE_SIZE = 50

function Stores.new(connection)
	local self = setmetatable({ connection = connection, prefix = "" }, Stores)
	self.pager = Pager.new(function(cursor)
		local args = { pageSize = Stores.PAGE_SIZE }
		if self.prefix ~= "" then
			args.prefix = self.prefix
		end
		if cursor ~= nil then
			args.cursor = cursor
		end
		return (self.connection.client:Call("ListDataStoresAsync", args))
	end)
	return self
end

function Stores:_run(method)
	local ok, err = self.connection:Try(function()
		method(self.pager)
	end)
	self.message = nil
	if not ok then
		self.message = err
	end
	return self:View()
end

-- Search lists the stores whose names start with prefix (empty: all).
function Stores:Search(prefix)
	self.prefix = Format.trim(prefix)
	return self:_run(Pager.First)
end

function Stores:Next()
	return self:_run(Pager.Next)
end

function Stores:Prev()
	return self:_run(Pager.Prev)
end

function Stores:View()
	local rows = {}
	for i, item in ipairs(self.pager.items) do
		rows[i] = {
			name = item.dataStoreName,
			created = Format.time(item.createdTime),
			updated = Format.time(item.updatedTime),
		}
	end
	local state = self.pager:State()
	local message = self.message
	if message == nil and state.page > 0 and #rows == 0 then
		if self.prefix ~= "" then
			message = "No data store starts with \"" .. self.prefix .. "\" on this page."
		else
			message = "No data stores yet: a store appears once a key is written to it."
		end
	end
	return {
		ok = self.message == nil,
		message = message,
		prefix = self.prefix,
		rows = rows,
		page = state.page,
		hasNext = state.hasNext,
		hasPrev = state.hasPrev,
	}
end

return Stores

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
		return (self.connection.client:Call("ListDataStoresAsync", Pager.withCursor(args, cursor)))
	end)
	return self
end

-- Search lists the stores whose names start with prefix (empty: all).
function Stores:Search(prefix)
	self.prefix = Format.trim(prefix)
	return Pager.run(self, Pager.First)
end

function Stores:Next()
	return Pager.run(self, Pager.Next)
end

function Stores:Prev()
	return Pager.run(self, Pager.Prev)
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
	local empty = "No data stores yet: a store appears once a key is written to it."
	if self.prefix ~= "" then
		empty = "No data store starts with \"" .. self.prefix .. "\" on this page."
	end
	local view = Pager.view(self, rows, empty)
	view.prefix = self.prefix
	return view
end

return Stores

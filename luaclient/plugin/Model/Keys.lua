-- Keys: the "Keys" tab. The keys of one data store and scope
-- (ListKeysAsync), filtered by a prefix, page by page. With "all scopes" the
-- names are scope/key, as DataStoreOptions.AllScopes gives them, and the
-- prefix applies to that whole name. Deleted keys are listed until their
-- tombstone expires unless excludeDeleted is set.
--
-- Query: { store, scope = "global", allScopes = false, prefix = "",
--          excludeDeleted = false }
-- View:  { ok, message, query, rows = { { key } }, page, hasNext, hasPrev }

local Pager = require(script.Parent:WaitForChild("Pager"))
local Format = require(script.Parent:WaitForChild("Format"))

local Keys = {}
Keys.__index = Keys

Keys.PAGE_SIZE = 50

-- normalize fills a query's defaults; nil and why for one that cannot be
-- asked.
function Keys.normalize(query)
	local q = {
		store = Format.trim(query.store),
		scope = Format.trim(query.scope),
		allScopes = query.allScopes == true,
		prefix = Format.trim(query.prefix),
		excludeDeleted = query.excludeDeleted == true,
	}
	if q.store == "" then
		return nil, "Type a data store name (the Stores tab lists them)."
	end
	if q.allScopes then
		q.scope = ""
	elseif q.scope == "" then
		q.scope = "global"
	end
	return q
end

-- storeArgs are the store arguments of a request for a query.
function Keys.storeArgs(q)
	local args = { store = q.store }
	if q.allScopes then
		args.allScopes = true
	else
		args.scope = q.scope
	end
	return args
end

function Keys.new(connection)
	local self = setmetatable({ connection = connection }, Keys)
	self.pager = Pager.new(function(cursor)
		local q = self.query
		local args = Keys.storeArgs(q)
		args.pageSize = Keys.PAGE_SIZE
		if q.prefix ~= "" then
			args.prefix = q.prefix
		end
		if q.excludeDeleted then
			args.excludeDeleted = true
		end
		return (self.connection.client:Call("ListKeysAsync", Pager.withCursor(args, cursor)))
	end)
	return self
end

-- Search lists the keys of a query from its first page.
function Keys:Search(query)
	local q, why = Keys.normalize(query)
	if q == nil then
		self.pager.items = {}
	end
	return Pager.search(self, q, why)
end

function Keys:Next()
	return Pager.step(self, Pager.Next)
end

function Keys:Prev()
	return Pager.step(self, Pager.Prev)
end

-- Target names a listed key for the Value tab.
function Keys:Target(key)
	local q = self.query
	return { store = q.store, scope = q.scope, allScopes = q.allScopes, key = key }
end

function Keys:View()
	local rows = {}
	for i, item in ipairs(self.pager.items) do
		rows[i] = { key = item.keyName }
	end
	local view = Pager.view(self, rows, "No keys on this page.")
	view.query = self.query
	return view
end

return Keys

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
		if cursor ~= nil then
			args.cursor = cursor
		end
		return (self.connection.client:Call("ListKeysAsync", args))
	end)
	return self
end

function Keys:_run(method)
	local ok, err = self.connection:Try(function()
		method(self.pager)
	end)
	self.message = nil
	if not ok then
		self.message = err
	end
	return self:View()
end

-- Search lists the keys of a query from its first page.
function Keys:Search(query)
	local q, why = Keys.normalize(query)
	if q == nil then
		self.message = why
		self.pager.items = {}
		return self:View()
	end
	local previous = self.query
	self.query = q
	local view = self:_run(Pager.First)
	if not view.ok and previous ~= nil then
		self.query = previous
	end
	return view
end

function Keys:Next()
	if self.query == nil then
		return self:View()
	end
	return self:_run(Pager.Next)
end

function Keys:Prev()
	if self.query == nil then
		return self:View()
	end
	return self:_run(Pager.Prev)
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
	local state = self.pager:State()
	local message = self.message
	if message == nil and state.page > 0 and #rows == 0 then
		message = "No keys on this page."
	end
	return {
		ok = self.message == nil,
		message = message,
		query = self.query,
		rows = rows,
		page = state.page,
		hasNext = state.hasNext,
		hasPrev = state.hasPrev,
	}
end

return Keys

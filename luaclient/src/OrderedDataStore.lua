-- OrderedDataStore: integer values sorted for leaderboards (reference §4.4).
-- The GlobalDataStore methods work on it with "ordered": true (no versions,
-- no metadata, no user ids, so no DataStoreKeyInfo); GetSortedAsync returns
-- DataStorePages of { key = ..., value = ... }.

local GlobalDataStore = require(script.Parent:WaitForChild("GlobalDataStore"))
local Errors = require(script.Parent:WaitForChild("Errors"))
local Pages = require(script.Parent:WaitForChild("Pages"))
local Env = require(script.Parent:WaitForChild("Env"))

local OrderedDataStore = setmetatable({}, { __index = GlobalDataStore })
OrderedDataStore.__index = OrderedDataStore
OrderedDataStore.ClassName = "OrderedDataStore"
OrderedDataStore.__tostring = function(self)
	return self.Name
end

local checkSelf = GlobalDataStore.checkSelf
local numberArg = GlobalDataStore.numberArg

function OrderedDataStore.new(service, name, scope)
	local self = setmetatable({}, OrderedDataStore)
	GlobalDataStore.init(self, service, name, scope, false, true)
	return self
end

-- bound passes minValue/maxValue through as given (the daemon checks they
-- are integers and answers 106 otherwise).
local function bound(v, index)
	if v == nil then
		return nil
	end
	if type(v) == "string" and tonumber(v) ~= nil then
		return tonumber(v)
	end
	if type(v) ~= "number" then
		Errors.raise(Errors.BAD_ARGUMENT, index, "GetSortedAsync", "number", Env.typeof(v))
	end
	return v
end

function OrderedDataStore:GetSortedAsync(ascending, pageSize, minValue, maxValue)
	checkSelf(self, "GetSortedAsync")
	if ascending == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	if pageSize == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	local args = {
		ascending = ascending and true or false,
		pageSize = numberArg(pageSize, 2, "GetSortedAsync"),
		minValue = bound(minValue, 3),
		maxValue = bound(maxValue, 4),
	}
	return Pages.new("DataStorePages", function(next)
		local a = {}
		for k, v in pairs(args) do
			a[k] = v
		end
		a.cursor = next
		local result = self:_call("GetSortedAsync", a)
		local items = {}
		for i, raw in ipairs(result.items or {}) do
			items[i] = { key = raw.key, value = raw.value }
		end
		return items, result.cursor, result.isFinished
	end)
end

return OrderedDataStore

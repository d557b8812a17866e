-- DataStore: a standard data store object (reference §4.3), the
-- GlobalDataStore methods plus versions and listings: GetVersionAsync,
-- GetVersionAtTimeAsync, ListKeysAsync, ListVersionsAsync and the deprecated
-- RemoveVersionAsync. None of these touch the GetAsync cache.

local GlobalDataStore = require(script.Parent:WaitForChild("GlobalDataStore"))
local Errors = require(script.Parent:WaitForChild("Errors"))
local Enums = require(script.Parent:WaitForChild("Enums"))
local Info = require(script.Parent:WaitForChild("Info"))
local Pages = require(script.Parent:WaitForChild("Pages"))

local DataStore = setmetatable({}, { __index = GlobalDataStore })
DataStore.__index = DataStore
DataStore.ClassName = "DataStore"
DataStore.__tostring = function(self)
	return self.Name
end

local checkSelf = GlobalDataStore.checkSelf
local keyArg = GlobalDataStore.keyArg
local numberArg = GlobalDataStore.numberArg
local stringArg = GlobalDataStore.stringArg

function DataStore.new(service, name, scope, allScopes, className)
	local self = setmetatable({}, DataStore)
	GlobalDataStore.init(self, service, name, scope, allScopes, false)
	if className ~= nil then
		self.ClassName = className
	end
	return self
end

local function versionArg(version, method)
	if version == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	return stringArg(version, 2, method)
end

function DataStore:GetVersionAsync(key, version)
	checkSelf(self, "GetVersionAsync")
	key = keyArg(key, 1, "GetVersionAsync")
	version = versionArg(version, "GetVersionAsync")
	local result = self:_call("GetVersionAsync", { key = key, version = version })
	return result.value, self:_info(result.keyInfo)
end

function DataStore:GetVersionAtTimeAsync(key, timestamp)
	checkSelf(self, "GetVersionAtTimeAsync")
	key = keyArg(key, 1, "GetVersionAtTimeAsync")
	if timestamp == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	timestamp = numberArg(timestamp, 2, "GetVersionAtTimeAsync")
	local result = self:_call("GetVersionAtTimeAsync", { key = key, timestamp = timestamp })
	if result.value == nil and result.keyInfo == nil then
		return nil
	end
	return result.value, self:_info(result.keyInfo)
end

function DataStore:RemoveVersionAsync(key, version)
	checkSelf(self, "RemoveVersionAsync")
	key = keyArg(key, 1, "RemoveVersionAsync")
	version = versionArg(version, "RemoveVersionAsync")
	self:_call("RemoveVersionAsync", { key = key, version = version })
end

-- pageOf reads a page result: its items, the next cursor, and whether it is
-- the last page.
local function pageOf(result, convert)
	local items = {}
	for i, raw in ipairs(result.items or {}) do
		items[i] = convert(raw)
	end
	return items, result.cursor, result.isFinished
end
DataStore.pageOf = pageOf

function DataStore:ListKeysAsync(prefix, pageSize, cursor, excludeDeleted)
	checkSelf(self, "ListKeysAsync")
	local args = {
		prefix = stringArg(prefix, 1, "ListKeysAsync"),
		pageSize = numberArg(pageSize, 2, "ListKeysAsync"),
		excludeDeleted = excludeDeleted == true or nil,
	}
	local first = stringArg(cursor, 3, "ListKeysAsync")
	return Pages.new("DataStoreKeyPages", function(next)
		local a = {}
		for k, v in pairs(args) do
			a[k] = v
		end
		a.cursor = next or first
		if a.cursor == "" then
			a.cursor = nil
		end
		return pageOf(self:_call("ListKeysAsync", a), Info.key)
	end)
end

function DataStore:ListVersionsAsync(key, sortDirection, minDate, maxDate, pageSize)
	checkSelf(self, "ListVersionsAsync")
	key = keyArg(key, 1, "ListVersionsAsync")
	local args = {
		key = key,
		sortDirection = Enums.sortDirection(sortDirection),
		minDate = numberArg(minDate, 3, "ListVersionsAsync"),
		maxDate = numberArg(maxDate, 4, "ListVersionsAsync"),
		pageSize = numberArg(pageSize, 5, "ListVersionsAsync"),
	}
	return Pages.new("DataStoreVersionPages", function(next)
		local a = {}
		for k, v in pairs(args) do
			a[k] = v
		end
		a.cursor = next
		return pageOf(self:_call("ListVersionsAsync", a), Info.versionInfo)
	end)
end

return DataStore

-- Info: the read-only objects DataStore methods hand back, built from the
-- daemon's replies: DataStoreKeyInfo, DataStoreObjectVersionInfo,
-- DataStoreInfo and DataStoreKey. Each has Roblox's property and method
-- names, a ClassName and IsA; tables and arrays they return are copies.

local Info = {}

local function deepCopy(v)
	if type(v) ~= "table" then
		return v
	end
	local out = {}
	for k, item in pairs(v) do
		out[k] = deepCopy(item)
	end
	return out
end
Info.deepCopy = deepCopy

local function classOf(className)
	local class = {}
	class.__index = class
	class.ClassName = className
	function class:IsA(name)
		return name == className or name == "Object" or name == "Instance"
	end
	class.__tostring = function()
		return className
	end
	return class
end

local KeyInfo = classOf("DataStoreKeyInfo")

function KeyInfo:GetMetadata()
	return deepCopy(self._metadata)
end

function KeyInfo:GetUserIds()
	return deepCopy(self._userIds)
end

-- keyInfo builds a DataStoreKeyInfo from the protocol's keyInfo object, or
-- returns nil for nil (missing keys, ordered stores).
function Info.keyInfo(raw)
	if type(raw) ~= "table" then
		return nil
	end
	local metadata = raw.metadata
	if type(metadata) ~= "table" then
		metadata = {}
	end
	local userIds = raw.userIds
	if type(userIds) ~= "table" then
		userIds = {}
	end
	return setmetatable({
		CreatedTime = raw.createdTime,
		UpdatedTime = raw.updatedTime,
		Version = raw.version,
		_metadata = deepCopy(metadata),
		_userIds = deepCopy(userIds),
	}, KeyInfo)
end

local VersionInfo = classOf("DataStoreObjectVersionInfo")

-- versionInfo builds a DataStoreObjectVersionInfo.
function Info.versionInfo(raw)
	return setmetatable({
		CreatedTime = raw.createdTime,
		IsDeleted = raw.isDeleted == true or raw.deleted == true,
		Version = raw.version,
	}, VersionInfo)
end

local StoreInfo = classOf("DataStoreInfo")

-- storeInfo builds a DataStoreInfo.
function Info.storeInfo(raw)
	return setmetatable({
		CreatedTime = raw.createdTime,
		DataStoreName = raw.dataStoreName or raw.name,
		UpdatedTime = raw.updatedTime,
	}, StoreInfo)
end

local Key = classOf("DataStoreKey")

-- key builds a DataStoreKey from a key name or a {keyName = ...} object.
function Info.key(raw)
	local name = raw
	if type(raw) == "table" then
		name = raw.keyName or raw.key or raw.name
	end
	return setmetatable({ KeyName = name }, Key)
end

return Info

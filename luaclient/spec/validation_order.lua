-- The order of a write's checks: key, value type, value size, metadata,
-- user ids (docs/decisions.md). A call wrong in two ways reports the first,
-- whether the shim or the daemon finds it.
local RbxEmu = __harness.setup()
local store = RbxEmu.DataStoreService:GetDataStore("Order")

local function withMetadata(m)
	local o = Instance.new("DataStoreSetOptions")
	o:SetMetadata(m)
	return o
end
local bigMetadata = { note = string.rep("m", 300) }
local unstorable = function() end

expectError(function()
	store:SetAsync("", unstorable)
end, "101: Key name can't be empty.", "an empty key before a bad value")
expectError(function()
	store:SetAsync(string.rep("k", 51), { f = unstorable })
end, "102: Key name exceeds the 50 character limit.", "a long key before a bad value")
expectError(function()
	store:SetAsync("", string.rep("x", 4194305))
end, "101: Key name can't be empty.", "the key before the size")
expectError(function()
	store:SetAsync("k", unstorable, { 1, 2, 3, 4, 5 }, withMetadata(bigMetadata))
end, "104: Cannot store function in data store. Data stores can only accept valid UTF-8 characters.",
	"the value's type before metadata and user ids")
expectError(function()
	store:SetAsync("k", string.rep("x", 4194305), { 1, 2, 3, 4, 5 }, withMetadata(bigMetadata))
end, "105: Serialized value exceeds 4MB limit.", "the value's size before metadata and user ids")
expectError(function()
	store:SetAsync("k", 1, { 1, 2, 3, 4, 5 }, withMetadata(bigMetadata))
end, "511: Metadata attribute size exceeds 300 bytes limit.", "metadata before user ids")
expectError(function()
	store:SetAsync("k", 1, { 1.5, 2, 3, 4, 5 })
end, "512: UserID size exceeds limit of 4", "the count of user ids before their format")
expectError(function()
	store:IncrementAsync("", 1, { 1, 2, 3, 4, 5 }, (function()
		local o = Instance.new("DataStoreIncrementOptions")
		o:SetMetadata(bigMetadata)
		return o
	end)())
end, "101: Key name can't be empty.", "IncrementAsync: the key first")
expectError(function()
	store:UpdateAsync("", function()
		return unstorable
	end)
end, "101: Key name can't be empty.", "UpdateAsync: the key first")
expectError(function()
	store:UpdateAsync("k", function()
		return string.rep("x", 4194305), { 1, 2, 3, 4, 5 }
	end)
end, "105: Serialized value exceeds 4MB limit.", "UpdateAsync: the transform's value size before its user ids")
expectError(function()
	store:RemoveAsync(string.rep("k", 51))
end, "102: Key name exceeds the 50 character limit.", "RemoveAsync: the key")
expectEq(store:GetAsync("k"), nil, "nothing was written")

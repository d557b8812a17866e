-- harness: no-throttle
-- The value size limit: 4,194,304 bytes of compact JSON, inclusive. (Run
-- without throttling: with it, the daemon's per-key write window of 4 MB
-- refuses an oversize value before its size is checked.)
local RbxEmu = __harness.setup()
local store = RbxEmu.DataStoreService:GetDataStore("Sizes")
local big = string.rep("x", 4 * 1024 * 1024)
expectError(function() store:SetAsync("big", big) end, "105: Serialized value exceeds 4MB limit.", "4 MB + quotes")
local small = string.rep("x", 900)
store:SetAsync("big", small)
expectEq(#store:GetAsync("big"), 900, "a small value")
local three = string.rep("y", 4 * 1024 * 1024)
expectError(function()
	store:UpdateAsync("big", function(old) return old .. three end)
end, "105: Serialized value exceeds 4MB limit.", "UpdateAsync over the limit")

-- UpdateAsync: transform arguments and results, cancel, errors.
local RbxEmu = __harness.setup()
local store = RbxEmu.DataStoreService:GetDataStore("Update")

-- on a missing key the transform gets nil, nil
local seen = {}
local value, info = store:UpdateAsync("k", function(old, keyInfo)
	seen.old, seen.info = old, keyInfo
	return { n = 1 }
end)
expectEq(seen.old, nil, "old value of a missing key")
expectEq(seen.info, nil, "key info of a missing key")
expectEq(value, { n = 1 }, "UpdateAsync returns the new value")
expectTrue(info ~= nil and type(info.Version) == "string", "and its key info")

-- the transform gets the current value and key info; user ids and metadata
-- come from its second and third results
value, info = store:UpdateAsync("k", function(old, keyInfo)
	expectEq(old, { n = 1 }, "current value")
	expectTrue(keyInfo:IsA("DataStoreKeyInfo"), "key info passed")
	old.n = old.n + 1
	return old, { 42 }, { why = "test" }
end)
expectEq(value, { n = 2 }, "updated value")
expectEq(info:GetUserIds(), { 42 }, "user ids from the transform")
expectEq(info:GetMetadata(), { why = "test" }, "metadata from the transform")

-- keeping user ids and metadata means returning them
value, info = store:UpdateAsync("k", function(old, keyInfo)
	return old, keyInfo:GetUserIds(), keyInfo:GetMetadata()
end)
expectEq(info:GetUserIds(), { 42 }, "kept user ids")
-- omitting them clears them
value, info = store:UpdateAsync("k", function(old)
	return old
end)
expectEq(info:GetUserIds(), {}, "cleared user ids")
expectEq(info:GetMetadata(), {}, "cleared metadata")

-- nil cancels: nothing is written and UpdateAsync returns nil
local before = select(2, store:GetAsync("k"))
local r = { store:UpdateAsync("k", function() return nil end) }
expectEq(#r, 0, "cancel returns nil")
local _, after = store:GetAsync("k", (function()
	local o = Instance.new("DataStoreGetOptions")
	o.UseCache = false
	return o
end)())
expectEq(after.Version, before.Version, "cancel wrote nothing")

-- the transform may not yield
expectError(function()
	store:UpdateAsync("k", function(old)
		task.wait(1)
		return old
	end)
end, "attempt to yield across metamethod/C-call boundary", "yielding transform")
expectError(function()
	store:UpdateAsync("k", function(old)
		return store:GetAsync("other")
	end)
end, "attempt to yield across metamethod/C-call boundary", "transform calling a yielding method")

-- an error in the transform is raised as it is
expectError(function()
	store:UpdateAsync("k", function()
		error("custom failure", 0)
	end)
end, "custom failure", "transform error")
local thrown = { code = 1 }
local ok, err = pcall(function()
	store:UpdateAsync("k", function()
		error(thrown)
	end)
end)
expectTrue(not ok and err == thrown, "a non-string error passes through unchanged")

-- a transform result is cached like a write
value = store:UpdateAsync("fresh", function() return "v" end)
expectEq(store:GetAsync("fresh"), "v", "cache after UpdateAsync")

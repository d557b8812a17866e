-- Two game servers (two clients) increment one key with UpdateAsync at the
-- same time: conflicts make transforms run again, and no update is lost.
local RbxEmu = __harness.setup()
local a = RbxEmu.new({ jobId = "server-a" })
local b = RbxEmu.new({ jobId = "server-b" })
local storeA = a.DataStoreService:GetDataStore("Contended")
local storeB = b.DataStoreService:GetDataStore("Contended")
local N = 12
local done, calls = 0, 0
local function bump(store)
	store:UpdateAsync("n", function(old)
		calls = calls + 1
		return (old or 0) + 1
	end)
	done = done + 1
end
for _ = 1, N do
	task.spawn(bump, storeA)
	task.spawn(bump, storeB)
end
while done < 2 * N do
	task.wait(0.01)
end
local noCache = Instance.new("DataStoreGetOptions")
noCache.UseCache = false
expectEq(storeA:GetAsync("n", noCache), 2 * N, "every increment counted")
expectTrue(calls > 2 * N, "transforms ran again after conflicts (" .. calls .. " calls)")

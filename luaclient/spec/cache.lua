-- The GetAsync cache: 4 s per store object, on the daemon's clock; cached
-- hits cost no budget; local writes refresh it; UseCache = false bypasses
-- it; another client's writes are not seen until it expires.
local RbxEmu = __harness.setup()
local a = RbxEmu.new()
local b = RbxEmu.new()
local storeA = a.DataStoreService:GetDataStore("Cache")
local storeB = b.DataStoreService:GetDataStore("Cache")
local Read = Enum.DataStoreRequestType.StandardRead
local noCache = Instance.new("DataStoreGetOptions")
noCache.UseCache = false

storeA:SetAsync("k", 1)
expectEq(storeA:GetAsync("k"), 1, "own write is cached")
storeB:SetAsync("k", 2)

-- A still sees its cached value, and pays nothing for it
local budget = a.DataStoreService:GetRequestBudgetForRequestType(Read)
expectEq(storeA:GetAsync("k"), 1, "stale value from A's cache")
expectEq(a.DataStoreService:GetRequestBudgetForRequestType(Read), budget, "a cached hit costs no budget")

-- another store object of the same name and scope is the same object
expectEq(a.DataStoreService:GetDataStore("Cache"):GetAsync("k"), 1, "same object, same cache")

-- UseCache = false reads the daemon (and costs a request) and refreshes the cache
expectEq(storeA:GetAsync("k", noCache), 2, "UseCache = false")
expectEq(a.DataStoreService:GetRequestBudgetForRequestType(Read), budget - 1, "the uncached read cost one")
expectEq(storeA:GetAsync("k"), 2, "refreshed cache")

-- the cache ages on the daemon's clock: move it through client A (its reply
-- carries the new time)
storeB:SetAsync("k", 3)
a:Call("_emulator.clock.advance", { duration = 3000 })
expectEq(storeA:GetAsync("k"), 2, "3 s later: still cached")
a:Call("_emulator.clock.advance", { duration = 1000 })
expectEq(storeA:GetAsync("k"), 3, "4 s later: expired, read again")

-- a missing key is cached too
expectEq(storeA:GetAsync("new"), nil, "missing")
storeB:SetAsync("new", "x")
expectEq(storeA:GetAsync("new"), nil, "missing, from the cache")
expectEq(storeA:GetAsync("new", noCache), "x", "missing, bypassed")

-- local writes refresh the cache: Increment, Update, Remove
storeA:IncrementAsync("n", 5)
storeB:SetAsync("n", 100)
expectEq(storeA:GetAsync("n"), 5, "increment result cached")
storeA:UpdateAsync("n", function(old) return old + 1 end)
expectEq(storeA:GetAsync("n"), 101, "update result cached (computed from the fresh value)")
storeA:RemoveAsync("n")
storeB:SetAsync("n", 7)
expectEq(storeA:GetAsync("n"), nil, "removal cached")

-- separate clients are separate sessions with their own budgets
expectTrue(a:SessionId() ~= b:SessionId(), "two sessions")
local readsA = a.DataStoreService:GetRequestBudgetForRequestType(Read)
storeB:GetAsync("other", noCache)
expectEq(a.DataStoreService:GetRequestBudgetForRequestType(Read), readsA, "B's read did not cost A")

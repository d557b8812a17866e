-- GetRequestBudgetForRequestType answers from the latest reply; before any,
-- the daemon's startup values.
local RbxEmu = __harness.setup()
local client = RbxEmu.new()
local svc = client.DataStoreService
local T = Enum.DataStoreRequestType

expectEq(svc:GetRequestBudgetForRequestType(T.StandardRead), 100, "startup StandardRead")
expectEq(svc:GetRequestBudgetForRequestType(T.StandardList), 9, "startup StandardList")
expectEq(svc:GetRequestBudgetForRequestType(T.OrderedWrite), 50, "startup OrderedWrite")
expectEq(svc:GetRequestBudgetForRequestType(T.UpdateAsync), 100, "startup UpdateAsync")
local startup = {}
for _, item in ipairs(T:GetEnumItems()) do
	startup[item.Name] = svc:GetRequestBudgetForRequestType(item)
end
expectEq(client:SessionId(), nil, "no request was made")

-- the startup values are what the daemon reports for a new session
client:Call("ping")
for _, item in ipairs(T:GetEnumItems()) do
	expectEq(svc:GetRequestBudgetForRequestType(item), startup[item.Name], "hello budget of " .. item.Name)
end

-- a request spends budget; the next reply tells
svc:GetDataStore("B"):GetAsync("k")
expectEq(svc:GetRequestBudgetForRequestType(T.StandardRead), 99, "after one read")
expectEq(svc:GetRequestBudgetForRequestType(9), 99, "by number")
expectEq(svc:GetRequestBudgetForRequestType("StandardRead"), 99, "by name")
expectEq(svc:GetRequestBudgetForRequestType(T.GetAsync), 99, "legacy GetAsync draws on StandardRead")
expectEq(svc:GetDataStore("B"):GetRequestBudgetForRequestType(T.StandardRead), 99, "asked of a store")

-- SetRateLimitForRequestType goes to the daemon
svc:SetRateLimitForRequestType(T.StandardRead, 100, 10)
expectError(function() svc:SetRateLimitForRequestType(T.UpdateAsync, 1, 1) end,
	"SetRateLimitForRequestType: the rate limit of UpdateAsync can't be set", "UpdateAsync cannot be limited")
expectError(function() svc:SetRateLimitForRequestType(T.StandardRead, 1) end, "Argument 3 missing or nil", "missing argument")
expectError(function() svc:GetRequestBudgetForRequestType(99) end, "Unable to cast 99 to Enum.DataStoreRequestType", "bad number")

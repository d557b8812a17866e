-- OnUpdate (deprecated): same-client writes call back; Disconnect stops it.
local RbxEmu = __harness.setup()
local svc = RbxEmu.DataStoreService
local store = svc:GetDataStore("Watch")
local got = {}
local connection = store:OnUpdate("k", function(value, info)
	got[#got + 1] = value
	expectTrue(info == nil or info:IsA("DataStoreKeyInfo"), "key info")
end)
expectEq(connection.Connected, true, "connected")
store:SetAsync("k", 1)
svc:GetDataStore("Watch"):IncrementAsync("k")
store:UpdateAsync("k", function(old) return old * 10 end)
store:SetAsync("other", 5)
task.wait()
expectEq(got, { 1, 2, 20 }, "callbacks for k")
connection:Disconnect()
expectEq(connection.Connected, false, "disconnected")
store:SetAsync("k", 3)
task.wait()
expectEq(got, { 1, 2, 20 }, "no callback after Disconnect")
expectError(function() store:OnUpdate("k") end, "Argument 2 missing or nil", "no callback")

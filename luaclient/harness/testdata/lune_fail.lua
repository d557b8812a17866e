-- A script that fails: the runner must exit with status 1.
local store = game:GetService("DataStoreService"):GetDataStore("Fail")
store:SetAsync("", 1)

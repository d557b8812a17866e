-- Game code run headless by the Lune runner (lune/run.lua) in the harness's
-- fake Lune: it must find the emulated DataStoreService through game.
local DataStoreService = game:GetService("DataStoreService")
local Players = game:GetService("Players")
local Helper = require(script.Parent.lune_helper)

local store = DataStoreService:GetDataStore("LunePlayers")
local defaults = Helper.defaultData()

Players.PlayerRemoving:Connect(function(player)
	store:SetAsync("Player_" .. player.UserId, { coins = 50, level = 2 })
end)

local ok, err = pcall(function()
	store:SetAsync("Player_1", defaults)
end)
assert(ok, tostring(err))
local data = store:GetAsync("Player_1")
assert(data.coins == 0 and data.level == 1, "read back")

local newData = store:UpdateAsync("Player_1", function(old)
	old.coins = old.coins + 10
	return old
end)
assert(newData.coins == 10, "updated")

local options = Instance.new("DataStoreSetOptions")
options:SetMetadata({ source = "lune" })
store:SetAsync("Player_2", 1, { 2 }, options)
local _, info = store:GetAsync("Player_2")
assert(info:GetMetadata().source == "lune", "metadata")

local budget = DataStoreService:GetRequestBudgetForRequestType(Enum.DataStoreRequestType.StandardRead)
assert(type(budget) == "number" and budget > 0, "budget")

local board = DataStoreService:GetOrderedDataStore("LuneBoard")
board:SetAsync("a", 5)
board:SetAsync("b", 7)
local top = board:GetSortedAsync(false, 10):GetCurrentPage()
assert(top[1].key == "b" and top[1].value == 7, "sorted")

local bad = pcall(function()
	store:SetAsync("x", function() end)
end)
assert(not bad, "functions cannot be stored")

local player = rbxemu.addPlayer("Builderman", 156)
rbxemu.removePlayer(player)
local saved
for _ = 1, 50 do
	saved = store:GetAsync("Player_156", (function()
		local o = Instance.new("DataStoreGetOptions")
		o.UseCache = false
		return o
	end)())
	if saved ~= nil then
		break
	end
	task.wait(0.05)
end
assert(saved ~= nil and saved.coins == 50, "saved on leave")

game:BindToClose(function()
	store:SetAsync("closed", true)
	print("closed")
end)

print("lune game ok", ...)

-- Without a fixed player count, the session reports the players in Players,
-- at hello and whenever one joins or leaves; with one, it reports that.
local RbxEmu = __harness.setup()
local first = __harness.addPlayer("One", 1)
local client = RbxEmu.new({ jobId = "tracked" })
local fixed = RbxEmu.new({ jobId = "fixed", players = 7 })
client.DataStoreService:GetDataStore("P"):GetAsync("k")
fixed.DataStoreService:GetDataStore("P"):GetAsync("k")

local function playersOf(jobId)
	for _, row in ipairs(client:Call("_emulator.budgets").sessions) do
		if row.jobId == jobId then
			return row.players
		end
	end
	return nil
end

expectEq(playersOf("tracked"), 1, "players at hello")
expectEq(playersOf("fixed"), 7, "a fixed count")
local second = __harness.addPlayer("Two", 2)
task.wait(0.1)
expectEq(playersOf("tracked"), 2, "a player joined")
__harness.removePlayer(first)
task.wait(0.1)
expectEq(playersOf("tracked"), 1, "a player left")
expectEq(playersOf("fixed"), 7, "the fixed count stays")
__harness.removePlayer(second)

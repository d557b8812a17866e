package harness_test

// Every snippet of the seed guide (luaclient/spec/seed, copied unchanged)
// runs as its own test, on both transports: the guide's "Getting a
// DataStore" snippet, then the snippet, then checks of what it did.

import (
	"os"
	"path/filepath"
	"testing"
)

// seedChecks are run after each snippet, in the same chunk (so they see its
// locals). before runs ahead of the snippets (data it expects).
var seedChecks = map[string]struct{ before, after string }{
	"01_getting_a_datastore": {after: `
		expectTrue(myDataStore:IsA("DataStore"), "a data store")
		expectEq(myDataStore.Name, "MyDataStore", "its name")
		expectTrue(DataStoreService == __harness.rbxemu.DataStoreService, "the emulated service")`},
	"02_saving_data": {after: `
		expectEq(success, true, "saved")
		expectEq(myDataStore:GetAsync("key"), { coins = 100, level = 5, items = { "sword", "shield" } }, "stored")`},
	"03_loading_data": {before: `__harness.seedStore:SetAsync("key", { coins = 7 })`, after: `
		expectEq(success, true, "loaded")
		expectEq(data, { coins = 7 }, "data")
		expectEq(#__harness.lines("print"), 1, "printed once")`},
	"04_updating_data": {before: `__harness.seedStore:SetAsync("key", { coins = 10, level = 2 })`, after: `
		expectEq(success, true, "updated")
		expectEq(data, { coins = 60, level = 3 }, "new data")
		local again = myDataStore:UpdateAsync("fresh", function(oldData)
			expectEq(oldData, nil, "a new key")
			return { coins = 100, level = 1 }
		end)
		expectEq(again, { coins = 100, level = 1 }, "default data")`},
	"05_error_handling": {after: `
		expectEq(saveData("player_1", { coins = 1 }), true, "saved")
		expectEq(myDataStore:GetAsync("player_1"), { coins = 1 }, "stored")
		expectEq(saveData("player_2", { bad = function() end }), false, "refused")
		local warns = __harness.lines("warn")
		expectEq(warns[1], "Failed to save data for key: player_2", "first warning")
		expectEq(warns[2], "Error: 104: Cannot store Dictionary in data store. Data stores can only accept valid UTF-8 characters.", "second warning")`},
	"06_rate_limiting": {before: `__harness.seedStore:SetAsync("key", "value")`, after: `
		local started = os.clock()
		expectEq(getData("key"), "value", "read after the wait")
		expectTrue(os.clock() - started >= 100, "it waited its budget in seconds (a misuse the shim still runs)")`},
	"07_default_values": {before: `__harness.seedStore:SetAsync("saved", { coins = 5 })`, after: `
		local fresh = getPlayerData("nobody")
		expectEq(fresh, defaultData, "defaults")
		expectTrue(fresh ~= defaultData, "a copy")
		expectEq(getPlayerData("saved"), { coins = 5 }, "saved data")`},
	"08_player_data_structure": {after: `
		expectEq(playerData.stats.level, 1, "level")
		myDataStore:SetAsync("structure", playerData)
		expectEq(myDataStore:GetAsync("structure", (function()
			local o = Instance.new("DataStoreGetOptions")
			o.UseCache = false
			return o
		end)()), playerData, "round trip")`},
	"09_saving_on_player_leave": {before: `
		local playerData = { coins = 3 }
		local player = __harness.addPlayer("Builderman", 156)`, after: `
		__harness.removePlayer(player)
		local noCache = Instance.new("DataStoreGetOptions")
		noCache.UseCache = false
		local saved
		for _ = 1, 100 do
			saved = myDataStore:GetAsync("156", noCache)
			if saved ~= nil then
				break
			end
			task.wait(0.05)
		end
		expectEq(saved, { coins = 3 }, "saved under the player's UserId")`},
	"10_pitfall_size_limits": {after: `
		expectEq(#hugeData, 1000000, "the huge table")
		expectEq(isDataTooLarge({ small = true }), false, "small data")
		expectEq(isDataTooLarge(hugeData), true, "huge data")`},
	"11_pitfall_session_locks": {before: `
		local key, data = "locked", { coins = 9 }`, after: `
		expectEq(myDataStore:GetAsync(key), data, "set, then updated")`},
	"12_pitfall_backups": {after: `
		saveWithBackup("player_9", { coins = 9 })
		expectEq(myDataStore:GetAsync("player_9"), { coins = 9 }, "main save")
		saveWithBackup("", { coins = 9 })
		expectEq(DataStoreService:GetDataStore("Backup_"):GetAsync("x"), nil, "the backup failed quietly too")`},
}

func TestSeedGuide(t *testing.T) {
	dir := filepath.Join(luaclientDir(t), "spec", "seed")
	files, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil || len(files) != len(seedChecks) {
		t.Fatalf("%d seed snippets, %d checks (%v)", len(files), len(seedChecks), err)
	}
	getting, err := os.ReadFile(filepath.Join(dir, "01_getting_a_datastore.lua"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		name = name[:len(name)-len(".lua")]
		checks, ok := seedChecks[name]
		if !ok {
			t.Fatalf("no checks for %s", name)
		}
		snippet, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, transport := range []string{"websocket", "http"} {
			t.Run(name+"/"+transport, func(t *testing.T) {
				t.Parallel()
				d := startDaemon(t, daemonOpt{})
				env := newEnv(t, d, envOpt{transport: transport})
				src := `
					local RbxEmu = __harness.setup()
					__harness.rbxemu = RbxEmu
					__harness.useEmulatedService(RbxEmu.DataStoreService)
					__harness.seedStore = RbxEmu.DataStoreService:GetDataStore("MyDataStore")
					` + checks.before + "\n"
				if name != "01_getting_a_datastore" {
					src += string(getting) + "\n"
				}
				src += string(snippet) + "\n" + checks.after + "\n"
				runLua(t, env, name, src)
				if calls := productionCalls(env); len(calls) > 0 {
					t.Fatalf("the production DataStoreService was called: %v", calls)
				}
			})
		}
	}
}

package main

// rbxemu run on real Lune 0.10.1 (installed by scripts/install-lune.sh; these
// tests fail without it, they never skip): the Luau place in
// testdata/runner/place, a failing script, two servers locking one profile,
// the timeout and the usage errors.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/luaclient/lunetest"
)

var runLuneCases = lunetest.Counter{Label: "rbxemu run"}

// countRun records a real-Lune test's outcome for the summary TestMain
// prints (make test shows it, as it does luaclient/harness's).
func countRun(t *testing.T) { runLuneCases.Count(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	runLuneCases.Report(os.Stdout)
	os.Exit(code)
}

func testLune(t *testing.T) string { return lunetest.Binary(t) }

const runnerFixtures = "../../testdata/runner"

func TestRunLuauPlace(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	want := "Welcome to the runner place\n" +
		"Greeter runs in Workspace.Greeter (studio: true, server: true)\n" +
		"Player1 has 110 coins\n" +
		"Player1 left with 111 coins\n" +
		"closing: total weight 5, sword x1\n"
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			countRun(t)
			r := cliRun(t, "", "run", "--lune", lune, "--transport", transport, "--players", "1", runnerFixtures+"/place")
			r.want(t, want, "", 0)
		})
	}
	t.Run("studio=false", func(t *testing.T) {
		countRun(t)
		r := cliRun(t, "", "run", "--lune", lune, "--studio=false", runnerFixtures+"/place/default.project.json")
		r.want(t, "Welcome to the runner place\n"+
			"Greeter runs in Workspace.Greeter (studio: false, server: true)\n"+
			"closing: total weight 5, sword x1\n", "", 0)
	})
}

// TestRunApiTour runs testdata/runner/tour, which prints what each emulated
// API gives game code.
func TestRunApiTour(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	file := runnerFixtures + "/tour/src/server/Tour.server.luau"
	r := cliRun(t, "", "run", "--lune", lune, runnerFixtures+"/tour")
	r.want(t, `modules: Counter loaded 1 time(s), same table true, step 5
tree: 500 Configuration ReplicatedStorage.Config.MaxCoins ServerStorage
cycle: false true
instances: true 1 true ServerStorage.Runtime.StringValue Instance
missing child: `+file+`:23: Nope is not a valid member of ServerStorage "ServerStorage"
RunService: studio true, server true, client false
HttpService: {"a":[1,2]} [] true a%20b%26c
GUID: 36 true 38
game: 1 1 36 true
typeof: EnumItem DateTime Vector3 EnumItem
DateTime: 2023-11-14T22:13:20Z 1700000000123 1700000000
clock: true true true
not emulated: `+file+`:34: rbxemu run does not emulate TeleportService
task: spawned,deferred,delayed true thread
Heartbeat: true
wait: true
players: 1 true true
events: +Builderman:156 -Builderman 0
BindToClose ran
`, "", 0)
}

// TestRunDocsExample runs the example of docs/runner.md and compares its
// output with the one the page shows.
func TestRunDocsExample(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	doc, err := os.ReadFile("../../docs/runner.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- example output -->\n```text\n")
	want, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/runner.md has no example output block")
	}
	r := cliRun(t, "", "run", "--lune", lune, "--players", "1", runnerFixtures+"/place")
	r.want(t, want, "", 0)
}

func TestRunFailingScript(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	export := filepath.Join(t.TempDir(), "store.json")
	file := runnerFixtures + "/failing/src/Load.server.luau"
	r := cliRun(t, "", "run", "--lune", lune, "--export-on-failure", export, runnerFixtures+"/failing")
	r.want(t, "", file+":4: Player_1 has no version 2 save (got nothing)\n"+
		file+":4\n"+
		"rbxemu: run: the store is in "+export+"\n"+
		"rbxemu: run: the place failed (status 1)\n", 1)
	if _, err := os.Stat(export); err != nil {
		t.Errorf("no export after a failed run: %v", err)
	}
}

func TestRunSingleScriptWithArguments(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Util.luau"), "return { twice = function(n: number): number return n * 2 end }\n")
	writeFile(t, filepath.Join(dir, "Main.server.luau"), `local Util = require(script.Parent.Util)
local args = { ... }
print(`+"`{#args} args, twice {Util.twice(tonumber(args[1]) :: number)}, {script:GetFullName()}, {typeof(script)}`"+`)
`)
	r := cliRun(t, "", "run", "--lune", lune, filepath.Join(dir, "Main.server.luau"), "21", "x")
	r.want(t, "2 args, twice 42, ServerScriptService."+filepath.Base(dir)+".Main, Instance\n", "", 0)
}

// Two servers, one profile: the session lock of ProfileService-style code,
// stolen after its timeout on the virtual clock, with no write lost.
func TestRunTwoServersSessionLock(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	url, _ := servertest.Start(t, servertest.VirtualClock())
	r := cliRun(t, "", "run", "--lune", lune, "--url", url, "--servers", "2", runnerFixtures+"/locking")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	byServer := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		server, text, ok := strings.Cut(line, "] ")
		if !ok {
			t.Fatalf("a line without its server's prefix: %q", line)
		}
		byServer[server+"]"] = append(byServer[server+"]"], text)
	}
	want := map[string][]string{
		"[server 1]": {"took the lock"},
		"[server 2]": {"lock taken while held: false", "lock taken after the timeout: true", "released with 2 coins"},
	}
	if fmt.Sprint(byServer) != fmt.Sprint(want) {
		t.Fatalf("output by server %v, want %v", byServer, want)
	}
	c := cliClient(t, url)
	v, _, err := c.Get(context.Background(), client.Store{Name: "Profiles"}, "Profile_1")
	if err != nil {
		t.Fatal(err)
	}
	var profile map[string]any
	if err := json.Unmarshal(v, &profile); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(profile) != "map[coins:2]" {
		t.Fatalf("stored profile %s, want coins 2 and no lock", v)
	}
}

// One server failing does not stop the other; the run fails.
func TestRunOneServerFails(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "Main.server.luau")
	writeFile(t, script, `local store = game:GetService("DataStoreService"):GetDataStore("S")
if rbxemu.server == 1 then
	error("server 1 gives up")
end
store:SetAsync("k", rbxemu.server)
print(`+"`saved {store:GetAsync(\"k\")}`"+`)
`)
	r := cliRun(t, "", "run", "--lune", lune, "--servers", "2", script)
	r.want(t, "[server 2] saved 2\n", "[server 1] "+script+":3: server 1 gives up\n[server 1] "+script+":3\nrbxemu: run: server 1 failed (status 1)\n", 1)
}

func TestRunTimeout(t *testing.T) {
	lune := testLune(t)
	cliCleanEnv(t)
	countRun(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Hang.server.luau"), "print(\"waiting\")\ntask.wait(60)\n")
	r := cliRun(t, "", "run", "--lune", lune, "--timeout", "2s", filepath.Join(dir, "Hang.server.luau"))
	r.want(t, "waiting\n", "rbxemu: run: timed out after 2s\n", 1)
}

func TestRunUsageErrors(t *testing.T) {
	cliCleanEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Main.server.luau"), "print(1)\n")
	script := filepath.Join(dir, "Main.server.luau")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"run", filepath.Join(dir, "missing.project.json")}, filepath.Join(dir, "missing.project.json") + ": no such file or folder"},
		{[]string{"run", dir}, dir + ": a folder without default.project.json"},
		{[]string{"run", "--servers", "0", script}, "--servers 0: use 1 to 64"},
		{[]string{"run", "--transport", "carrier-pigeon", script}, `--transport "carrier-pigeon": use websocket or http`},
		{[]string{"run", "--players", "-1", script}, "--players -1: use 0 to 200 (Roblox's largest servers hold 200)"},
		{[]string{"run", "--clock", "sundial", script}, `--clock "sundial": use real or virtual`},
		{[]string{"run", "--lune", filepath.Join(dir, "no-lune"), script}, "--lune " + filepath.Join(dir, "no-lune") + ": not found"},
		{[]string{"run", runnerFixtures + "/place/default.project.json", "extra"}, `arguments after a project file ("extra") are only for a single script`},
	} {
		r := cliRun(t, "", tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.err) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, exitUsage, tc.err)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

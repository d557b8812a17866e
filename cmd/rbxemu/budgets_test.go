package main

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// cliSessionIDs hides the ids the daemon makes up for the command's own
// session.
var cliSessionIDs = regexp.MustCompile(`session [0-9a-f]{24} \(cli, this command\)  job [0-9a-f-]{36}`)

func TestBudgets(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "budgets", "--url", url).want(t, "throttling is off: the daemon keeps no budgets (rbxemu serve --throttle off)\n", "", 0)
	cliRun(t, "", "budgets", "--url", url, "--json").want(t, "{\n  \"throttle\": false,\n  \"sessions\": []\n}\n", "", 0)
}

func TestBudgetsThrottled(t *testing.T) {
	clk := clock.NewManual(cliEpoch)
	gate := throttle.New(clk, throttle.Options{})
	url, _ := cliDaemon(t, servertest.Clock(clk), servertest.Gate(gate))
	ctx := context.Background()
	game, err := client.Dial(ctx, url, client.HelloOptions{JobID: "game-1", Players: 10, Client: "studio"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { game.Close() })
	for range 3 {
		if _, err := game.Set(ctx, client.Store{Name: "S"}, "K", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	r := cliRun(t, "", "budgets", "--url", url)
	got := cliSessionIDs.ReplaceAllString(r.stdout, "session SESSION (cli, this command)  job JOB")
	want := "session " + game.Session() + " (studio)  job game-1  universe 1  place 1  players 10\n" +
		"queued: Get 0, Set 0, OrderedGet 0, OrderedSet 0\n" +
		"REQUEST TYPE        BUDGET  PER MINUTE  BASE  PER PLAYER\n" +
		"StandardRead        100     460         60    40\n" +
		"StandardWrite       97      460         60    40\n" +
		"StandardList        9       25          5     2\n" +
		"StandardRemove      100     460         60    40\n" +
		"OrderedRead         100     460         60    40\n" +
		"OrderedWrite        50      80          30    5\n" +
		"OrderedList         9       25          5     2\n" +
		"OrderedRemove       50      80          30    5\n" +
		"RemoveVersionAsync  9       25          5     2\n" +
		"\n" +
		"session SESSION (cli, this command)  job JOB  universe 1  place 1  players 0\n" +
		"queued: Get 0, Set 0, OrderedGet 0, OrderedSet 0\n" +
		"REQUEST TYPE        BUDGET  PER MINUTE  BASE  PER PLAYER\n" +
		"StandardRead        100     60          60    40\n" +
		"StandardWrite       100     60          60    40\n" +
		"StandardList        9       5           5     2\n" +
		"StandardRemove      100     60          60    40\n" +
		"OrderedRead         100     60          60    40\n" +
		"OrderedWrite        50      30          30    5\n" +
		"OrderedList         9       5           5     2\n" +
		"OrderedRemove       50      30          30    5\n" +
		"RemoveVersionAsync  9       5           5     2\n"
	if got != want || r.stderr != "" || r.code != 0 {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, got, want)
	}

	r = cliRun(t, "", "budgets", "--url", url, "--json")
	var res dispatch.BudgetsResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
	}
	if !res.Throttle || len(res.Sessions) != 2 || res.Sessions[0].JobID != "game-1" || res.Sessions[0].Budgets["StandardWrite"] != 97 ||
		res.Sessions[0].Rates["StandardWrite"].PerMinute != 460 || res.Sessions[0].Queues["Set"] != 0 || res.Sessions[1].Client != "cli" {
		t.Errorf("--json: %+v", res)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func TestStores(t *testing.T) {
	url, clk := cliDaemon(t)
	u := []string{"--url", url}
	cliRun(t, "", append([]string{"stores"}, u...)...).want(t, "", "no data stores in universe 1\n", 0)
	cliRun(t, "", append([]string{"stores", "--json"}, u...)...).want(t, "{\n  \"stores\": []\n}\n", "", 0)

	c := cliClient(t, url)
	ctx := context.Background()
	set := func(store, key string) {
		t.Helper()
		if _, err := c.Set(ctx, client.Store{Name: store}, key, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	set("PlayerData", "a")
	set("Settings", "a")
	clk.Advance(90 * time.Minute)
	set("PlayerData", "b")
	set("PlayerStats", "a")
	// An ordered store is not listed, as in Roblox.
	if _, err := c.Set(ctx, client.Store{Name: "Leaderboard", Ordered: true}, "a", 1, nil); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		args         []string
		stdout, errs string
	}{
		{[]string{"stores"}, "" +
			"NAME         CREATED                  UPDATED\n" +
			"PlayerData   2026-01-01 00:00:00 UTC  2026-01-01 01:30:00 UTC\n" +
			"PlayerStats  2026-01-01 01:30:00 UTC  2026-01-01 01:30:00 UTC\n" +
			"Settings     2026-01-01 00:00:00 UTC  2026-01-01 00:00:00 UTC\n", ""},
		{[]string{"stores", "--prefix", "Player"}, "" +
			"NAME         CREATED                  UPDATED\n" +
			"PlayerData   2026-01-01 00:00:00 UTC  2026-01-01 01:30:00 UTC\n" +
			"PlayerStats  2026-01-01 01:30:00 UTC  2026-01-01 01:30:00 UTC\n", ""},
		{[]string{"stores", "--prefix", "Nope"}, "", "no data stores in universe 1 with prefix \"Nope\"\n"},
		{[]string{"stores", "--prefix", "Se", "--json"}, `{
  "stores": [
    {
      "createdTime": 1767225600000,
      "updatedTime": 1767225600000,
      "dataStoreName": "Settings"
    }
  ]
}
`, ""},
		// Universes are separate.
		{[]string{"stores", "--universe", "2"}, "", "no data stores in universe 2\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cliRun(t, "", append(tc.args, u...)...).want(t, tc.stdout, tc.errs, 0)
		})
	}

	// Every page: more stores than one page holds (100).
	for i := range 130 {
		set(fmt.Sprintf("Many%03d", i), "k")
	}
	r := cliRun(t, "", append([]string{"stores", "--prefix", "Many", "--json"}, u...)...)
	var res storesResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
	}
	if len(res.Stores) != 130 || res.Stores[0].DataStoreName != "Many000" || res.Stores[129].DataStoreName != "Many129" {
		t.Errorf("%d stores: first %+v", len(res.Stores), res.Stores[0])
	}
}

func TestKeys(t *testing.T) {
	url, _ := cliDaemon(t)
	u := []string{"--url", url}
	c := cliClient(t, url)
	ctx := context.Background()
	st := client.Store{Name: "S"}
	var all []string
	for i := range 230 {
		k := fmt.Sprintf("k%03d", i)
		all = append(all, k)
		if _, err := c.Set(ctx, st, k, i, nil); err != nil {
			t.Fatal(err)
		}
	}
	lines := func(keys []string) string { return strings.Join(keys, "\n") + "\n" }
	keysJSON := func(t *testing.T, args ...string) keysResult {
		t.Helper()
		r := cliRun(t, "", append(append([]string{"keys", "S", "--json"}, args...), u...)...)
		var res keysResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, %v, stderr %q", r.code, err, r.stderr)
		}
		return res
	}

	// One page of 50 (the default), and the cursor of the next on stderr
	// (the same cursor --json gives).
	first := keysJSON(t)
	if len(first.Keys) != 50 || first.Keys[0] != "k000" || first.Keys[49] != "k049" || first.IsFinished || first.Cursor == "" {
		t.Fatalf("first page: %d keys, %+v", len(first.Keys), first)
	}
	cliRun(t, "", append([]string{"keys", "S"}, u...)...).want(t, lines(all[:50]),
		"more: next page with --cursor "+first.Cursor+" (or --all for every page)\n", 0)
	// Paging by hand with --cursor and --limit.
	second := keysJSON(t, "--cursor", first.Cursor, "--limit", "100")
	if len(second.Keys) != 100 || second.Keys[0] != "k050" || second.IsFinished {
		t.Fatalf("second page: %d keys, %+v", len(second.Keys), second)
	}
	third := keysJSON(t, "--cursor", second.Cursor, "--limit", "100")
	if strings.Join(third.Keys, ",") != strings.Join(all[150:], ",") || !third.IsFinished || third.Cursor != "" {
		t.Fatalf("last page: %+v", third)
	}
	cliRun(t, "", append([]string{"keys", "S", "--cursor", second.Cursor, "--limit", "100"}, u...)...).want(t, lines(all[150:]), "", 0)

	// --all pages to the end.
	cliRun(t, "", append([]string{"keys", "S", "--all"}, u...)...).want(t, lines(all), "", 0)
	cliRun(t, "", append([]string{"keys", "S", "--all", "--limit", "7"}, u...)...).want(t, lines(all), "", 0)
	if res := keysJSON(t, "--all"); strings.Join(res.Keys, ",") != strings.Join(all, ",") || res.Cursor != "" || !res.IsFinished {
		t.Errorf("--all --json: %d keys, cursor %q, finished %v", len(res.Keys), res.Cursor, res.IsFinished)
	}

	// Removed keys are listed until their tombstone expires, unless
	// --exclude-deleted.
	if _, _, err := c.Remove(ctx, st, "k101"); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []string{"a", "b"} {
		if _, err := c.Set(ctx, client.Store{Name: "S", Scope: sc}, "x", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args         []string
		stdout, errs string
	}{
		{[]string{"--prefix", "k10"}, lines(all[100:110]), ""},
		{[]string{"--prefix", "k10", "--exclude-deleted"}, "k100\nk102\nk103\nk104\nk105\nk106\nk107\nk108\nk109\n", ""},
		{[]string{"--prefix", "k10", "--limit", "3"}, "k100\nk101\nk102\n", "more: next page with --cursor "},
		{[]string{"--prefix", "x"}, "", "no keys in data store \"S\" (scope \"global\", prefix \"x\")\n"},
		{[]string{"--scope", "a"}, "x\n", ""},
		{[]string{"--all-scopes", "--prefix", "a"}, "a/x\n", ""},
		{[]string{"--all-scopes", "--prefix", "b/"}, "b/x\n", ""},
		{[]string{"--all-scopes", "--prefix", "c"}, "", "no keys in data store \"S\" (any scope, prefix \"c\")\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := cliRun(t, "", append(append([]string{"keys", "S"}, tc.args...), u...)...)
			if r.stdout != tc.stdout || !strings.HasPrefix(r.stderr, tc.errs) || (tc.errs == "" && r.stderr != "") || r.code != 0 {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
	cliRun(t, "", append([]string{"keys", "Empty"}, u...)...).want(t, "", "no keys in data store \"Empty\" (scope \"global\")\n", 0)
	cliRun(t, "", append([]string{"keys", "S", "--cursor", "bogus"}, u...)...).want(t, "",
		"rbxemu: DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: S\n", exitFailed)
	cliRun(t, "", append([]string{"keys", "S", "--cursor", "bogus", "--json"}, u...)...).want(t, `{
  "error": {
    "code": 0,
    "name": "InvalidExclusiveStartKey",
    "message": "The provided exclusive start key is not valid.",
    "text": "DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: S"
  }
}
`, "rbxemu: DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListKeysAsync, Data Store: S\n", exitFailed)
}

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func TestGet(t *testing.T) {
	url, clk := cliDaemon(t)
	c := cliClient(t, url)
	ctx := context.Background()
	st := client.Store{Name: "PlayerData"}
	// Version 1 at 00:00, version 2 at 01:00 (which seals version 1 as the
	// backup of hour 0), then read at 01:05.
	v1, err := c.Set(ctx, st, "Player_1", map[string]any{"coins": 10, "name": "<b>"}, &client.WriteOptions{UserIDs: []int64{1, 2}, Metadata: map[string]any{"source": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	v2, err := c.Set(ctx, st, "Player_1", []int{1, 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute)
	if _, err := c.Set(ctx, client.Store{Name: "Leaderboard", Ordered: true}, "Player_1", 1500, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, client.Store{Name: "PlayerData", Scope: "beta"}, "Player_1", "in beta", nil); err != nil {
		t.Fatal(err)
	}
	if v1.Version != "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01" || v2.Version != "08DE48D116BC6800.0000000001.08DE48C8B4F80000.01" {
		t.Fatalf("the version ids changed: %s, %s", v1.Version, v2.Version)
	}
	u := []string{"--url", url}
	for _, tc := range []struct {
		name         string
		args         []string
		stdout, errs string
		code         int
	}{
		{"latest", []string{"PlayerData", "Player_1"}, `[
  1,
  2
]

version:   08DE48D116BC6800.0000000001.08DE48C8B4F80000.01
created:   2026-01-01 00:00:00 UTC (1h ago)
updated:   2026-01-01 01:00:00 UTC (5m ago)
user ids:  none
metadata:  none
`, "", 0},
		{"version", []string{"PlayerData", "Player_1", "--version", v1.Version}, `{
  "coins": 10,
  "name": "<b>"
}

version:   08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01
created:   2026-01-01 00:00:00 UTC (1h ago)
updated:   2026-01-01 00:00:00 UTC (1h ago)
user ids:  1, 2
metadata:  {"source":"test"}
`, "", 0},
		{"at RFC 3339", []string{"PlayerData", "Player_1", "--at", "2026-01-01T00:30:00Z", "--json"}, `{
  "value": {
    "coins": 10,
    "name": "<b>"
  },
  "keyInfo": {
    "createdTime": 1767225600000,
    "updatedTime": 1767225600000,
    "version": "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01",
    "userIds": [
      1,
      2
    ],
    "metadata": {
      "source": "test"
    }
  }
}
`, "", 0},
		{"at Unix ms", []string{"PlayerData", "Player_1", "--at", "1767229200000", "--json"}, `{
  "value": [
    1,
    2
  ],
  "keyInfo": {
    "createdTime": 1767225600000,
    "updatedTime": 1767229200000,
    "version": "08DE48D116BC6800.0000000001.08DE48C8B4F80000.01",
    "userIds": [],
    "metadata": {}
  }
}
`, "", 0},
		{"scope", []string{"PlayerData", "Player_1", "--scope", "beta", "--json"}, `{
  "value": "in beta",
  "keyInfo": {
    "createdTime": 1767229500000,
    "updatedTime": 1767229500000,
    "version": "08DE48D1C98CC600.0000000003.08DE48D1C98CC600.01",
    "userIds": [],
    "metadata": {}
  }
}
`, "", 0},
		{"ordered", []string{"Leaderboard", "Player_1", "--ordered"}, "1500\n", "", 0},
		{"ordered json", []string{"Leaderboard", "Player_1", "--ordered", "--json"}, "{\n  \"value\": 1500,\n  \"keyInfo\": null\n}\n", "", 0},
		{"missing", []string{"PlayerData", "Player_2"}, "", "rbxemu: key \"Player_2\" has no value (data store \"PlayerData\", scope \"global\")\n", exitNotFound},
		{"missing json", []string{"PlayerData", "Player_2", "--json"}, "{\n  \"value\": null,\n  \"keyInfo\": null\n}\n",
			"rbxemu: key \"Player_2\" has no value (data store \"PlayerData\", scope \"global\")\n", exitNotFound},
		{"missing version", []string{"PlayerData", "Player_1", "--version", "08DE48C8B4F80000.0000000009.08DE48C8B4F80000.01"}, "",
			"rbxemu: key \"Player_1\" has no version 08DE48C8B4F80000.0000000009.08DE48C8B4F80000.01 (data store \"PlayerData\", scope \"global\"): never written, overwritten later in its hour, expired, or a removal\n", exitNotFound},
		{"before the first write", []string{"PlayerData", "Player_1", "--at", "2025-12-31"}, "",
			"rbxemu: key \"Player_1\" had no value at 2025-12-31 00:00:00 UTC (data store \"PlayerData\", scope \"global\")\n", exitNotFound},
		{"key too long", []string{"PlayerData", strings.Repeat("k", 51)}, "", "rbxemu: 102: Key name exceeds the 50 character limit.\n", exitFailed},
		{"empty store name", []string{"", "k"}, "", "rbxemu: DataStore name can't be empty string\n", exitFailed},
		{"future", []string{"PlayerData", "Player_1", "--at", "2026-01-02"}, "",
			"rbxemu: DataStoreService: InvalidTimestamp: Timestamp must be positive and not more than ten minutes in the future. API: GetVersionAtTimeAsync, Data Store: PlayerData\n", exitFailed},
		{"error json", []string{"PlayerData", "", "--json"}, `{
  "error": {
    "code": 101,
    "name": "KeyNameEmpty",
    "message": "Key name can't be empty.",
    "text": "101: Key name can't be empty."
  }
}
`, "rbxemu: 101: Key name can't be empty.\n", exitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cliRun(t, "", append(append([]string{"get"}, tc.args...), u...)...).want(t, tc.stdout, tc.errs, tc.code)
		})
	}
}

func TestGetParsesFlags(t *testing.T) {
	cliCleanEnv(t)
	o, err := cliParse(t, newGetCmd, "S", "K", "--at", "2026-01-01T00:00:01Z", "--scope", "x")
	if err != nil {
		t.Fatal(err)
	}
	if o.Store != "S" || o.Key != "K" || o.atMs != 1767225601000 || o.Version != "" || o.Ordered || o.Scope != "x" {
		t.Errorf("%+v", o)
	}
	o, err = cliParse(t, newGetCmd, "S", "K", "--version", "V", "--ordered=false")
	if err != nil || o.Version != "V" || o.atMs != 0 {
		t.Errorf("%+v, %v", o, err)
	}
	o, err = cliParse(t, newGetCmd, "S", "K", "--ordered")
	if err != nil || !o.Ordered {
		t.Errorf("%+v, %v", o, err)
	}
}

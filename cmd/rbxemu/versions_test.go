package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func TestVersions(t *testing.T) {
	url, clk := cliDaemon(t)
	c := cliClient(t, url)
	ctx := context.Background()
	st := client.Store{Name: "S"}
	// One write in each of hours 0, 1 and 2, and a removal in hour 3: the
	// history keeps each hour's last value and the tombstone.
	for i := range 3 {
		if _, err := c.Set(ctx, st, "K", i, nil); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	if _, _, err := c.Remove(ctx, st, "K"); err != nil {
		t.Fatal(err)
	}
	u := []string{"--url", url}
	const (
		h0 = "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01  2026-01-01 00:00:00 UTC  no\n"
		h1 = "08DE48D116BC6800.0000000001.08DE48C8B4F80000.01  2026-01-01 01:00:00 UTC  no\n"
		h2 = "08DE48D97880D000.0000000002.08DE48C8B4F80000.01  2026-01-01 02:00:00 UTC  no\n"
		h3 = "08DE48E1DA453800.0000000003.08DE48C8B4F80000.01  2026-01-01 03:00:00 UTC  yes\n"
		hd = "VERSION                                          CREATED                  DELETED\n"
	)
	for _, tc := range []struct {
		args         []string
		stdout, errs string
	}{
		{nil, hd + h0 + h1 + h2 + h3, ""},
		{[]string{"--desc"}, hd + h3 + h2 + h1 + h0, ""},
		{[]string{"--desc", "--limit", "2"}, hd + h3 + h2, ""},
		{[]string{"--limit", "1"}, hd + h0, ""},
		{[]string{"--since", "2026-01-01T01:00:00Z", "--until", "1767232800000"}, hd + h1 + h2, ""},
		{[]string{"--until", "2026-01-01T00:59:59Z"}, hd + h0, ""},
		{[]string{"--since", "2026-01-02"}, "", "key \"K\" has no versions (data store \"S\", scope \"global\")\n"},
		{[]string{"--scope", "other"}, "", "key \"K\" has no versions (data store \"S\", scope \"other\")\n"},
		{[]string{"--limit", "2", "--json"}, `{
  "versions": [
    {
      "createdTime": 1767225600000,
      "isDeleted": false,
      "version": "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01"
    },
    {
      "createdTime": 1767229200000,
      "isDeleted": false,
      "version": "08DE48D116BC6800.0000000001.08DE48C8B4F80000.01"
    }
  ]
}
`, ""},
		{[]string{"--since", "2026-01-02", "--json"}, "{\n  \"versions\": []\n}\n", ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cliRun(t, "", append(append([]string{"versions", "S", "K"}, tc.args...), u...)...).want(t, tc.stdout, tc.errs, 0)
		})
	}
	// Each listed version reads back with get --version.
	cliRun(t, "", append([]string{"get", "S", "K", "--version", "08DE48D116BC6800.0000000001.08DE48C8B4F80000.01"}, u...)...).want(t, `1

version:   08DE48D116BC6800.0000000001.08DE48C8B4F80000.01
created:   2026-01-01 00:00:00 UTC (3h ago)
updated:   2026-01-01 01:00:00 UTC (2h ago)
user ids:  none
metadata:  none
`, "", 0)
	cliRun(t, "", append([]string{"versions", "S", ""}, u...)...).want(t, "", "rbxemu: 101: Key name can't be empty.\n", exitFailed)
}

// A key written every hour for longer than backups are kept (30 days)
// lists the 720 versions still kept, the latest included.
func TestVersionsLongHistory(t *testing.T) {
	url, clk := cliDaemon(t)
	c := cliClient(t, url)
	ctx := context.Background()
	const n = 750
	for i := range n {
		if _, err := c.Set(ctx, client.Store{Name: "S"}, "K", i, nil); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	for _, tc := range []struct {
		args  []string
		count int
	}{{nil, 720}, {[]string{"--limit", "700"}, 700}, {[]string{"--desc", "--limit", "3"}, 3}} {
		r := cliRun(t, "", append([]string{"versions", "S", "K", "--json", "--url", url}, tc.args...)...)
		var res versionsResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
			t.Fatalf("%v: exit %d, %v, %s", tc.args, r.code, err, r.stderr)
		}
		if len(res.Versions) != tc.count {
			t.Errorf("%v: %d versions, want %d", tc.args, len(res.Versions), tc.count)
		}
		for i := 1; i < len(res.Versions); i++ {
			a, b := res.Versions[i-1].CreatedTime, res.Versions[i].CreatedTime
			if (len(tc.args) > 0 && tc.args[0] == "--desc") != (a > b) {
				t.Fatalf("%v: out of order at %d: %d, %d", tc.args, i, a, b)
			}
		}
	}

}

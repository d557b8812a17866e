package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func TestSorted(t *testing.T) {
	url, _ := cliDaemon(t)
	c := cliClient(t, url)
	ctx := context.Background()
	lb := client.Store{Name: "LB", Ordered: true}
	for k, v := range map[string]int{"alice": 30, "bob": 10, "carol": 20, "dave": 20, "erin": -5} {
		if _, err := c.Set(ctx, lb, k, v, nil); err != nil {
			t.Fatal(err)
		}
	}
	u := []string{"--url", url}
	for _, tc := range []struct {
		args         []string
		stdout, errs string
		code         int
	}{
		{nil, "KEY    VALUE\nerin   -5\nbob    10\ncarol  20\ndave   20\nalice  30\n", "", 0},
		{[]string{"--desc"}, "KEY    VALUE\nalice  30\ncarol  20\ndave   20\nbob    10\nerin   -5\n", "", 0},
		{[]string{"--min", "10", "--max", "20"}, "KEY    VALUE\nbob    10\ncarol  20\ndave   20\n", "", 0},
		{[]string{"--min", "-5", "--max", "-5", "--json"}, `{
  "entries": [
    {
      "key": "erin",
      "value": -5
    }
  ],
  "cursor": "",
  "isFinished": true
}
`, "", 0},
		{[]string{"--min", "100"}, "", "no entries in ordered data store \"LB\" (scope \"global\")\n", 0},
		{[]string{"--limit", "0"}, "", "rbxemu: 106: PageSize must be within predefined range.\n", exitFailed},
		{[]string{"--limit", "101"}, "", "rbxemu: 106: PageSize must be within predefined range.\n", exitFailed},
		{[]string{"--min", "5", "--max", "1"}, "", "rbxemu: 107: MaxValue must be greater than or equal to MinValue.\n", exitFailed},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cliRun(t, "", append(append([]string{"sorted", "LB"}, tc.args...), u...)...).want(t, tc.stdout, tc.errs, tc.code)
		})
	}

	// Paging: one page and the cursor of the next, by hand, then --all
	// over more entries than a page holds (100).
	page := func(args ...string) sortedResult {
		t.Helper()
		r := cliRun(t, "", append(append([]string{"sorted", "LB", "--json"}, args...), u...)...)
		var res sortedResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
			t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
		}
		return res
	}
	first := page("--limit", "2", "--desc")
	if len(first.Entries) != 2 || first.Entries[0].Key != "alice" || first.IsFinished || first.Cursor == "" {
		t.Fatalf("first page %+v", first)
	}
	cliRun(t, "", append([]string{"sorted", "LB", "--limit", "2", "--desc"}, u...)...).want(t, "KEY    VALUE\nalice  30\ncarol  20\n",
		"more: next page with --cursor "+first.Cursor+" (or --all for every page)\n", 0)
	second := page("--limit", "2", "--desc", "--cursor", first.Cursor)
	cliRun(t, "", append([]string{"sorted", "LB", "--limit", "2", "--desc", "--cursor", first.Cursor}, u...)...).want(t, "KEY   VALUE\ndave  20\nbob   10\n",
		"more: next page with --cursor "+second.Cursor+" (or --all for every page)\n", 0)
	cliRun(t, "", append([]string{"sorted", "LB", "--limit", "2", "--desc", "--cursor", second.Cursor}, u...)...).want(t, "KEY   VALUE\nerin  -5\n", "", 0)
	for i := range 250 {
		if _, err := c.Set(ctx, lb, fmt.Sprintf("p%03d", i), 1000+i, nil); err != nil {
			t.Fatal(err)
		}
	}
	all := page("--all", "--min", "1000")
	if len(all.Entries) != 250 || all.Entries[0].Key != "p000" || all.Entries[249].Key != "p249" || !all.IsFinished || all.Cursor != "" {
		t.Errorf("--all: %d entries, finished %v", len(all.Entries), all.IsFinished)
	}
	if all := page("--all", "--limit", "7", "--desc"); len(all.Entries) != 255 || all.Entries[0].Value != 1249 {
		t.Errorf("--all --limit 7: %d entries", len(all.Entries))
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
)

// fillHistory writes keys over three UTC hours of the virtual clock, in two
// universes, with a removed key, metadata, user ids and ordered entries.
func fillHistory(t *testing.T, url string, advance func(time.Duration)) {
	t.Helper()
	ctx := context.Background()
	one, two := harnessClient(t, url, 1), harnessClient(t, url, 2)
	pd := client.Store{Name: "PlayerData"}
	if _, err := one.Set(ctx, pd, "Player_1", map[string]any{"coins": 1, "name": "<Ann & Bo>"}, &client.WriteOptions{UserIDs: []int64{1}, Metadata: map[string]string{"v": "1"}}); err != nil {
		t.Fatal(err)
	}
	set(t, one, pd, "Player_2", "héllo")
	set(t, one, client.Store{Name: "PlayerData", Scope: "beta"}, "Player_1", []int{1, 2, 3})
	if _, _, err := one.Increment(ctx, client.Store{Name: "Board", Ordered: true}, "Player_1", 40, nil); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	set(t, one, pd, "Player_1", map[string]any{"coins": 2})
	if _, _, err := one.Remove(ctx, pd, "Player_2"); err != nil {
		t.Fatal(err)
	}
	set(t, two, client.Store{Name: "Other"}, "k", true)
	advance(time.Hour)
	set(t, one, pd, "Player_1", map[string]any{"coins": 3})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Export, import into an empty store, export again: the same bytes, with
// and without history.
func TestExportImportRoundTripCLI(t *testing.T) {
	for _, flags := range [][]string{nil, {"--versions"}, {"--versions", "--universe", "1"}, {"--store", "PlayerData"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			url, clk := cliDaemon(t)
			fillHistory(t, url, func(d time.Duration) { clk.Advance(d) })
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")

			r := cliRun(t, "", append([]string{"export", a, "--url", url}, flags...)...)
			if r.code != 0 || r.stdout != "" || !strings.HasPrefix(r.stderr, "exported to "+a+" (") {
				t.Fatalf("export: %+v", r)
			}
			// To stdout, the same document.
			if r := cliRun(t, "", append([]string{"export", "--url", url}, flags...)...); r.code != 0 || r.stdout != readFile(t, a) {
				t.Fatalf("export to stdout differs: %+v", r)
			}
			cliRun(t, "", "reset", "--url", url).want(t, "reset: the store is empty\n", "", 0)
			if r := cliRun(t, "", "import", a, "--url", url); r.code != 0 || !strings.HasPrefix(r.stdout, "imported ") || !strings.HasSuffix(r.stdout, " (rbxemu format)\n") {
				t.Fatalf("import: %+v", r)
			}
			if r := cliRun(t, "", append([]string{"export", b, "--url", url}, flags...)...); r.code != 0 {
				t.Fatalf("export b: %+v", r)
			}
			if got, want := readFile(t, b), readFile(t, a); got != want {
				t.Fatalf("round trip differs:\nA:\n%s\nB:\n%s", want, got)
			}
			if !json.Valid([]byte(readFile(t, a))) {
				t.Fatal("the export is not JSON")
			}
		})
	}
}

func TestExportCLIContent(t *testing.T) {
	url, clk := cliDaemon(t)
	fillHistory(t, url, func(d time.Duration) { clk.Advance(d) })
	r := cliRun(t, "", "export", "--url", url, "--universe", "2")
	want := `{"format":"rbxemu","version":1,"universes":[
{"universeId":2,"dataStores":[
{"name":"Other","createdTime":1767229200000,"updatedTime":1767229200000,"scopes":[
{"scope":"global","keys":[
{"key":"k","value":true,"version":"08DE48D116BC6800.0000000006.08DE48D116BC6800.01","createdTime":1767229200000,"updatedTime":1767229200000,"userIds":[],"metadata":{}}
]}
]}
],"orderedDataStores":[]}
]}
`
	r.want(t, want, "", 0)
	// With the history: the removed key, the sealed versions.
	r = cliRun(t, "", "export", "--url", url, "--universe", "1", "--store", "PlayerData", "--versions")
	for _, part := range []string{
		`{"key":"Player_2","deleted":true,"version":`,
		`"value":{"coins":1,"name":"<Ann & Bo>"},"userIds":[1],"metadata":{"v":"1"}}`,
		`{"scope":"beta","keys":[`,
	} {
		if !strings.Contains(r.stdout, part) {
			t.Errorf("export lacks %s:\n%s", part, r.stdout)
		}
	}
	if strings.Contains(r.stdout, `"Board"`) {
		t.Errorf("--store PlayerData exported Board")
	}
}

func TestExportCLIKeepsFileOnFailure(t *testing.T) {
	cliCleanEnv(t)
	path := filepath.Join(t.TempDir(), "keep.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cliRun(t, "", "export", path, "--url", closedURL(t)); r.code != exitNoDaemon {
		t.Fatalf("%+v", r)
	}
	if got := readFile(t, path); got != "old" {
		t.Fatalf("the file was touched: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

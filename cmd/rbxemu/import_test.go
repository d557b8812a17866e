package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

const mockFixture = "../../testdata/harness/mockdatastoreservice.json"

// The MockDataStoreService fixture lands with every value exactly as it was.
func TestImportMockFixtureCLI(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "import", mockFixture, "--universe", "42", "--url", url).want(t,
		"imported 7 keys, 4 ordered entries in 4 data stores (MockDataStoreService format)\n", "", 0)
	c := harnessClient(t, url, 42)
	for _, tc := range []struct {
		store client.Store
		key   string
		want  string
	}{
		{client.Store{Name: "GlobalDataStore", Scope: "u"}, "ServerMessage", `"Welcome back, <b>adventurer</b>!"`},
		{client.Store{Name: "GlobalDataStore", Scope: "u"}, "MaintenanceMode", `false`},
		{client.Store{Name: "PlayerSaves"}, "Player_101", `{"coins":250,"level":7,"inventory":["sword","shield"],"settings":{"music":true,"volume":0.5}}`},
		{client.Store{Name: "PlayerSaves"}, "Player_102", `{"coins":0,"level":1,"inventory":[],"settings":[]}`},
		{client.Store{Name: "PlayerSaves", Scope: "beta"}, "Player_101", `{"coins":9999,"tester":true}`},
		{client.Store{Name: "Guilds"}, "guild/dragons", `{"name":"Dragons","members":[101,102],"motto":"Fire & \u00e9clat"}`},
		{client.Store{Name: "Guilds"}, "count", `2`},
		{client.Store{Name: "Leaderboard", Ordered: true}, "Player_101", `250`},
		{client.Store{Name: "Leaderboard", Ordered: true}, "Player_102", `0`},
		{client.Store{Name: "Leaderboard", Ordered: true}, "Player_103", `-15`},
		{client.Store{Name: "Leaderboard", Ordered: true, Scope: "weekly"}, "Player_101", `40`},
	} {
		if got := value(t, c, tc.store, tc.key); got != tc.want {
			t.Errorf("%s/%s/%s = %s, want %s", tc.store.Name, tc.store.Scope, tc.key, got, tc.want)
		}
	}
	// Nothing in universe 1.
	if got := value(t, harnessClient(t, url, 1), client.Store{Name: "PlayerSaves"}, "Player_101"); got != "" {
		t.Errorf("universe 1 got %s", got)
	}
}

// An invalid document is refused whole, with the place of the bad entry.
func TestImportInvalidCLI(t *testing.T) {
	url, _ := cliDaemon(t)
	c := harnessClient(t, url, 1)
	set(t, c, client.Store{Name: "S"}, "before", "kept")
	doc := `{"DataStore":{"S":{"global":{"a":1,"b":2,"` + strings.Repeat("k", 51) + `":3}}}}`
	cliRun(t, doc, "import", "-", "--replace", "--url", url).want(t, "",
		`rbxemu: _emulator.import: DataStore["S"]["global"]["`+strings.Repeat("k", 51)+`"] (S/global/`+strings.Repeat("k", 51)+`): 102: Key name exceeds the 50 character limit.`+"\n", exitFailed)
	if got := value(t, c, client.Store{Name: "S"}, "before"); got != `"kept"` {
		t.Errorf("a refused import changed the store: before = %s", got)
	}
	if got := value(t, c, client.Store{Name: "S"}, "a"); got != "" {
		t.Errorf("a refused import wrote a = %s", got)
	}
	cliRun(t, "not json", "import", "-", "--url", url).want(t, "",
		"rbxemu: _emulator.import: the document is not JSON: invalid character 'o' in literal null (expecting 'u')\n", exitFailed)
	cliRun(t, "[1]", "import", "-", "--url", url).want(t, "",
		"rbxemu: _emulator.import: the document is an array: an rbxemu export or a MockDataStoreService export is an object\n", exitFailed)
	cliRun(t, "", "import", "-", "--url", url).want(t, "", "rbxemu: _emulator.import: the document is empty\n", exitFailed)
}

func TestImportStdinReplaceJSON(t *testing.T) {
	url, _ := cliDaemon(t)
	c := harnessClient(t, url, 1)
	set(t, c, client.Store{Name: "S"}, "old", 1)
	cliRun(t, `{"DataStore":{"S":{"global":{"new":2}}},"OrderedDataStore":{"L":{"global":{"p":3}}}}`, "import", "-", "--replace", "--json", "--url", url).want(t, `{
  "format": "mockdatastoreservice",
  "stores": 2,
  "keys": 1,
  "versions": 0,
  "orderedEntries": 1
}
`, "", 0)
	if value(t, c, client.Store{Name: "S"}, "old") != "" || value(t, c, client.Store{Name: "S"}, "new") != "2" {
		t.Error("--replace did not replace")
	}
}

func TestServeSeedFlag(t *testing.T) {
	o, err := parseServe(t, nil, "--seed", "fixture.json")
	if err != nil || o.Seed != "fixture.json" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = parseServe(t, nil)
	if err != nil || o.Seed != "" {
		t.Fatalf("default seed %q %v", o.Seed, err)
	}
}

// seedServer, as serve --seed and exec --seed call it.
func TestSeedServer(t *testing.T) {
	cliCleanEnv(t)
	url, srv := servertest.Start(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := seedServer(srv, mockFixture, log); err != nil {
		t.Fatal(err)
	}
	if got := value(t, harnessClient(t, url, 1), client.Store{Name: "Guilds"}, "count"); got != "2" {
		t.Fatalf("count = %q", got)
	}
	if !strings.Contains(logs.String(), `msg=seeded file=`+mockFixture+` format=mockdatastoreservice stores=4 keys=7 versions=0 orderedEntries=4`) {
		t.Fatalf("log: %s", logs.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"DataStore":{"S":{"global":{"k":null}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := seedServer(srv, bad, log)
	if err == nil || err.Error() != `--seed `+bad+`: DataStore["S"]["global"]["k"] (S/global/k): Argument 2 missing or nil` {
		t.Fatalf("bad seed: %v", err)
	}
	if err := seedServer(srv, "/nonexistent.json", log); err == nil || !strings.HasPrefix(err.Error(), "--seed: stat /nonexistent.json") {
		t.Fatalf("missing seed: %v", err)
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p := &progressBar{w: &out, label: "import", total: 4 << 20, on: true}
	r := &progressReader{r: strings.NewReader(strings.Repeat("x", 1<<20)), bar: p}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	p.finish()
	p.finish()
	// Drawn at once, then at most every 100 ms, and at the end.
	if got := out.String(); !strings.HasPrefix(got, "\rimport   0% [                              ] ") ||
		!strings.HasSuffix(got, "\rimport  25% [=======                       ] 1.0 MB / 4.2 MB \n") {
		t.Fatalf("bar %q", got)
	}
	out.Reset()
	q := &progressBar{w: &out, label: "export", total: -1, on: true}
	q.add(1500)
	q.finish()
	if got := out.String(); got != "\rexport 1.5 kB \rexport 1.5 kB \n" {
		t.Fatalf("bar %q", got)
	}
	// Not a terminal: nothing.
	out.Reset()
	b := newProgressBar(&out, "import", 8<<20)
	b.add(100)
	b.finish()
	if out.Len() != 0 || b.on {
		t.Fatalf("drawn off a terminal: %q", out.String())
	}
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1500000: "1.5 MB", 2500000000: "2.50 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %s, want %s", n, got, want)
		}
	}
}

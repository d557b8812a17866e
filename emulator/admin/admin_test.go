package admin_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

var start = time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC)

func openEngine(t *testing.T, clk clock.Clock) *engine.Engine {
	t.Helper()
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func ref(u int64, name, scope string) engine.StoreRef {
	return engine.StoreRef{Universe: u, Name: name, Scope: scope}
}

// must returns v, failing the test (by panicking) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// populate writes a store with history in two universes: sealed versions
// (writes in three UTC hours), a tombstone, metadata, user ids, values that
// need care when encoded ("<", "&", non-ASCII), ordered stores.
func populate(t *testing.T, e *engine.Engine, clk *clock.Manual) {
	t.Helper()
	pd := ref(1, "PlayerData", "global")
	opts := engine.WriteOptions{UserIDs: json.RawMessage(`[101]`), Metadata: json.RawMessage(`{"tag":"<v1>"}`)}
	must(e.Set(pd, "Player_101", json.RawMessage(`{"coins":10,"note":"a<b & c"}`), opts))
	must(e.Set(pd, "Player_102", json.RawMessage(`"héllo"`), engine.WriteOptions{}))
	must(e.Set(ref(1, "PlayerData", "beta"), "Player_101", json.RawMessage(`[1,2.50,3e2]`), engine.WriteOptions{}))
	must(e.OrderedSet(ref(1, "Leaderboard", "global"), "Player_101", json.RawMessage(`250`), engine.WriteOptions{}))
	must(e.OrderedSet(ref(1, "Leaderboard", "global"), "Player_102", json.RawMessage(`-3`), engine.WriteOptions{}))
	clk.Advance(time.Hour)
	must(e.Set(pd, "Player_101", json.RawMessage(`{"coins":20}`), engine.WriteOptions{}))
	must(e.Remove(pd, "Player_102"))
	must(e.Set(ref(7, "Other", "global"), "k", json.RawMessage(`true`), engine.WriteOptions{}))
	must(e.OrderedSet(ref(7, "Only", "s"), "x", json.RawMessage(`1`), engine.WriteOptions{}))
	clk.Advance(time.Hour)
	must(e.Set(pd, "Player_101", json.RawMessage(`{"coins":30}`), engine.WriteOptions{Metadata: json.RawMessage(`{"v":3}`)}))
	must(e.Set(pd, "Player_101", json.RawMessage(`{"coins":31}`), engine.WriteOptions{})) // same hour: replaces the head
}

// ms is the Unix ms of the start plus h hours.
func ms(h int) string {
	return strconv.FormatInt(start.Add(time.Duration(h)*time.Hour).UnixMilli(), 10)
}

func export(t *testing.T, e *engine.Engine, opt admin.ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := admin.Export(e, &buf, opt); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("export is not JSON:\n%s", buf.Bytes())
	}
	return buf.Bytes()
}

func TestExportLayout(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	populate(t, e, clk)
	got := string(export(t, e, admin.ExportOptions{}))
	lines := strings.Split(got, "\n")
	// Entries are in key order, not value order; a line ending in
	// "version": is checked up to there.
	wantShape := []string{
		`{"format":"rbxemu","version":1,"universes":[`,
		`{"universeId":1,"dataStores":[`,
		`{"name":"PlayerData","createdTime":` + ms(0) + `,"updatedTime":` + ms(2) + `,"scopes":[`,
		`{"scope":"beta","keys":[`,
		`{"key":"Player_101","value":[1,2.50,3e2],"version":`,
		`]},`,
		`{"scope":"global","keys":[`,
		`{"key":"Player_101","value":{"coins":31},"version":`,
		`]}`,
		`]}`,
		`],"orderedDataStores":[`,
		`{"name":"Leaderboard","createdTime":` + ms(0) + `,"updatedTime":` + ms(0) + `,"scopes":[`,
		`{"scope":"global","entries":[`,
		`{"key":"Player_101","value":250},`,
		`{"key":"Player_102","value":-3}`,
		`]}`,
		`]}`,
		`]},`,
		`{"universeId":7,"dataStores":[`,
		`{"name":"Other","createdTime":` + ms(1) + `,"updatedTime":` + ms(1) + `,"scopes":[`,
		`{"scope":"global","keys":[`,
		`{"key":"k","value":true,"version":`,
		`]}`,
		`]}`,
		`],"orderedDataStores":[`,
		`{"name":"Only","createdTime":` + ms(1) + `,"updatedTime":` + ms(1) + `,"scopes":[`,
		`{"scope":"s","entries":[`,
		`{"key":"x","value":1}`,
		`]}`,
		`]}`,
		`]}`,
		`]}`,
		``,
	}
	if len(lines) != len(wantShape) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(wantShape), got)
	}
	for i, w := range wantShape {
		if !strings.HasPrefix(lines[i], w) || (w != "" && !strings.HasSuffix(w, `"version":`) && lines[i] != w) {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
	// The deleted key is left out without history; the key line is exact.
	if strings.Contains(got, "Player_102\",\"") && strings.Contains(got, `"deleted"`) {
		t.Errorf("a deleted key was exported without --versions:\n%s", got)
	}
	info := must(e.Get(ref(1, "PlayerData", "global"), "Player_101"))
	want := `{"key":"Player_101","value":{"coins":31},"version":"` + info.Info.Version + `","createdTime":` + ms(0) + `,"updatedTime":` + ms(2) + `,"userIds":[],"metadata":{}}`
	if lines[7] != want {
		t.Errorf("key line:\n got %s\nwant %s", lines[7], want)
	}
}

func TestExportEmpty(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	if got := string(export(t, e, admin.ExportOptions{Versions: true})); got != `{"format":"rbxemu","version":1,"universes":[]}`+"\n" {
		t.Fatalf("empty export: %q", got)
	}
	// And it imports into nothing.
	st, err := admin.ImportBytes(e, []byte(`{"format":"rbxemu","version":1,"universes":[]}`), admin.ImportOptions{})
	if err != nil || st.Format != "rbxemu" || st.Keys != 0 {
		t.Fatalf("import empty: %+v %v", st, err)
	}
}

func TestRoundTripByteIdentical(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  admin.ExportOptions
	}{
		{"latest", admin.ExportOptions{}},
		{"versions", admin.ExportOptions{Versions: true}},
		{"universe", admin.ExportOptions{Universe: 1, Versions: true}},
		{"store", admin.ExportOptions{Store: "PlayerData", Versions: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := clock.NewManual(start)
			e := openEngine(t, clk)
			populate(t, e, clk)
			a := export(t, e, c.opt)

			clk2 := clock.NewManual(start.Add(3 * time.Hour))
			f := openEngine(t, clk2)
			st, err := admin.ImportBytes(f, a, admin.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Format != "rbxemu" {
				t.Fatalf("format %q", st.Format)
			}
			b := export(t, f, c.opt)
			if !bytes.Equal(a, b) {
				t.Fatalf("export A != export B\nA:\n%s\nB:\n%s", a, b)
			}
			// A second import over the first (a merge) changes nothing.
			if _, err := admin.ImportBytes(f, a, admin.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if b2 := export(t, f, c.opt); !bytes.Equal(a, b2) {
				t.Fatalf("merge of the same document changed the store:\n%s", b2)
			}
		})
	}
}

func TestImportedHistoryWorks(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	populate(t, e, clk)
	doc := export(t, e, admin.ExportOptions{Versions: true})
	f := openEngine(t, clock.NewManual(start.Add(2*time.Hour)))
	if _, err := admin.ImportBytes(f, doc, admin.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	pd := ref(1, "PlayerData", "global")
	for _, eng := range []*engine.Engine{e, f} {
		page := must(eng.ListVersions(pd, "Player_101", engine.ListVersionsOptions{}))
		if len(page.Items) != 3 {
			t.Fatalf("versions: %+v", page.Items)
		}
		first := must(eng.GetVersion(pd, "Player_101", page.Items[0].Version))
		if string(first.Value) != `{"coins":10,"note":"a<b & c"}` || string(first.Info.Metadata) != `{"tag":"<v1>"}` || len(first.Info.UserIDs) != 1 || first.Info.UserIDs[0] != 101 {
			t.Fatalf("first version: %s %+v", first.Value, first.Info)
		}
		if got := must(eng.Get(pd, "Player_102")); got != nil {
			t.Fatalf("deleted key reads %s", got.Value)
		}
		ordered := must(eng.OrderedGet(ref(1, "Leaderboard", "global"), "Player_102"))
		if string(ordered.Value) != "-3" {
			t.Fatalf("ordered value %s", ordered.Value)
		}
	}
	// New writes after an import get fresh version ids.
	info := must(f.Set(pd, "Player_101", json.RawMessage(`1`), engine.WriteOptions{}))
	page := must(f.ListVersions(pd, "Player_101", engine.ListVersionsOptions{}))
	if n := len(page.Items); n != 3 || page.Items[n-1].Version != info.Version {
		t.Fatalf("after a write: %+v", page.Items)
	}
}

func TestImportMockDataStoreService(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	st, err := admin.ImportFile(e, "../../testdata/harness/mockdatastoreservice.json", admin.ImportOptions{Universe: 42})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.LoadStats{Stores: 4, Keys: 7, Entries: 4}
	if st.Format != "mockdatastoreservice" || st.LoadStats != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	for _, c := range []struct {
		store, scope, key, value string
	}{
		{"GlobalDataStore", "u", "ServerMessage", `"Welcome back, <b>adventurer</b>!"`},
		{"GlobalDataStore", "u", "MaintenanceMode", `false`},
		{"PlayerSaves", "global", "Player_101", `{"coins":250,"level":7,"inventory":["sword","shield"],"settings":{"music":true,"volume":0.5}}`},
		{"PlayerSaves", "global", "Player_102", `{"coins":0,"level":1,"inventory":[],"settings":[]}`},
		{"PlayerSaves", "beta", "Player_101", `{"coins":9999,"tester":true}`},
		{"Guilds", "global", "guild/dragons", `{"name":"Dragons","members":[101,102],"motto":"Fire & \u00e9clat"}`},
		{"Guilds", "global", "count", `2`},
	} {
		got := must(e.Get(ref(42, c.store, c.scope), c.key))
		if got == nil || string(got.Value) != c.value {
			t.Errorf("%s/%s/%s = %v, want %s", c.store, c.scope, c.key, got, c.value)
			continue
		}
		if got.Info.CreatedTime != start.UnixMilli() || got.Info.UpdatedTime != start.UnixMilli() || len(got.Info.UserIDs) != 0 || string(got.Info.Metadata) != "{}" {
			t.Errorf("%s: key info %+v", c.key, got.Info)
		}
	}
	for key, want := range map[string]string{"Player_101": "250", "Player_102": "0", "Player_103": "-15"} {
		got := must(e.OrderedGet(ref(42, "Leaderboard", "global"), key))
		if got == nil || string(got.Value) != want {
			t.Errorf("Leaderboard/%s = %v, want %s", key, got, want)
		}
	}
	page := must(e.GetSorted(ref(42, "Leaderboard", "global"), engine.SortedOptions{Ascending: true, PageSize: 10}))
	if len(page.Items) != 3 || page.Items[0].Key != "Player_103" || page.Items[2].Key != "Player_101" {
		t.Errorf("sorted: %+v", page.Items)
	}
	// Nothing went to universe 1.
	if got := must(e.Get(ref(1, "PlayerSaves", "global"), "Player_101")); got != nil {
		t.Errorf("universe 1 got %s", got.Value)
	}
	stores := must(e.ListDataStores(42, engine.ListStoresOptions{}))
	var names []string
	for _, s := range stores.Items {
		names = append(names, s.DataStoreName)
	}
	if strings.Join(names, ",") != "GlobalDataStore,Guilds,PlayerSaves" {
		t.Errorf("stores: %v", names)
	}
}

func TestImportMockEmpty(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	for _, doc := range []string{`{}`, `[]`, ` [ ] `, `{"DataStore":[],"OrderedDataStore":{}}`} {
		st, err := admin.ImportBytes(e, []byte(doc), admin.ImportOptions{})
		if err != nil || st.Format != "mockdatastoreservice" || st.Keys != 0 {
			t.Errorf("%s: %+v %v", doc, st, err)
		}
	}
}

// An invalid entry anywhere in the document is reported with its path and
// nothing of the document is written.
func TestImportInvalidAppliesNothing(t *testing.T) {
	big := `"` + strings.Repeat("x", engine.MaxValueBytes) + `"`
	long := strings.Repeat("k", 51)
	for _, c := range []struct {
		name, doc, want string
	}{
		{"value too large (rbxemu)",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[{"key":"ok","value":1},{"key":"big","value":` + big + `}]}]}],"orderedDataStores":[]}]}`,
			`universes[0].dataStores[0].scopes[0].keys[1] (S/global/big): 105: Serialized value exceeds 4MB limit.`},
		{"key too long (mock)",
			`{"DataStore":{"S":{"global":{"ok":1,"` + long + `":2}}}}`,
			`DataStore["S"]["global"]["` + long + `"] (S/global/` + long + `): 102: Key name exceeds the 50 character limit.`},
		{"ordered value not an integer (mock)",
			`{"DataStore":{"S":{"global":{"ok":1}}},"OrderedDataStore":{"L":{"global":{"a":1.5}}}}`,
			`OrderedDataStore["L"]["global"]["a"] (L/global/a): 103: double is not allowed in data stores.`},
		{"missing value",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[{"key":"ok","value":1},{"key":"none"}]}]}]}]}`,
			`universes[0].dataStores[0].scopes[0].keys[1] (S/global/none): Argument 2 missing or nil`},
		{"metadata not an object",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[{"key":"ok","value":1,"metadata":[1]}]}]}]}]}`,
			`universes[0].dataStores[0].scopes[0].keys[0] (S/global/ok): 513: Attribute metadata format is invalid.`},
		{"bad version id",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[{"key":"ok","value":1,"version":"v1"}]}]}]}]}`,
			`universes[0].dataStores[0].scopes[0].keys[0] (S/global/ok): version "v1" is not a version id this emulator issues (leave it out to have one made)`},
		{"unknown field",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[{"key":"ok","valeu":1}]}]}]}]}`,
			`universes[0].dataStores[0].scopes[0].keys[0]: json: unknown field "valeu"`},
		{"store name empty",
			`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"","scopes":[]}]}]}`,
			`universes[0].dataStores[0]: DataStore name can't be empty string`},
		{"wrong version",
			`{"format":"rbxemu","version":2,"universes":[]}`,
			`version: version 2 is not supported (this rbxemu reads version 1)`},
		{"not JSON",
			`{"format":"rbxemu",`,
			`the document ends early`},
		{"mixed formats",
			`{"version":1,"DataStore":{}}`,
			`DataStore: an rbxemu export has no such member`},
		{"trailing data",
			`{} {}`,
			`more than one JSON value in the document`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := openEngine(t, clock.NewManual(start))
			must(e.Set(ref(1, "S", "global"), "before", json.RawMessage(`"kept"`), engine.WriteOptions{}))
			before := export(t, e, admin.ExportOptions{Versions: true})
			_, err := admin.ImportBytes(e, []byte(c.doc), admin.ImportOptions{Replace: true})
			if err == nil {
				t.Fatal("import succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n got %s\nwant %s", err, c.want)
			}
			var ie *admin.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("not an ImportError: %T", err)
			}
			if after := export(t, e, admin.ExportOptions{Versions: true}); !bytes.Equal(before, after) {
				t.Fatalf("a failed import changed the store:\n%s", after)
			}
		})
	}
}

func TestImportRoblexErrorKept(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	_, err := admin.ImportBytes(e, []byte(`{"DataStore":{"S":{"global":{"k":null}}}}`), admin.ImportOptions{})
	if !errors.Is(err, dserr.New(dserr.ArgumentMissing, 2)) {
		t.Fatalf("error %v does not wrap the catalogue error", err)
	}
}

func TestImportReplaceAndMerge(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	must(e.Set(ref(1, "S", "global"), "old", json.RawMessage(`1`), engine.WriteOptions{}))
	must(e.Set(ref(2, "S", "global"), "other", json.RawMessage(`2`), engine.WriteOptions{}))
	doc := []byte(`{"DataStore":{"S":{"global":{"new":3}}}}`)

	// Merge: both keys.
	if _, err := admin.ImportBytes(e, doc, admin.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old", "new"} {
		if got := must(e.Get(ref(1, "S", "global"), k)); got == nil {
			t.Errorf("merge lost %s", k)
		}
	}
	// Replace with a universe: universe 1 emptied first, universe 2 kept.
	if _, err := admin.ImportBytes(e, doc, admin.ImportOptions{Replace: true, Universe: 1}); err != nil {
		t.Fatal(err)
	}
	if got := must(e.Get(ref(1, "S", "global"), "old")); got != nil {
		t.Errorf("replace kept old")
	}
	if got := must(e.Get(ref(2, "S", "global"), "other")); got == nil || string(got.Value) != "2" {
		t.Errorf("replace of universe 1 touched universe 2: %v", got)
	}
	// Replace without a universe: everything else goes.
	if _, err := admin.ImportBytes(e, doc, admin.ImportOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if got := must(e.Get(ref(2, "S", "global"), "other")); got != nil {
		t.Errorf("full replace kept universe 2")
	}
}

func TestImportVersionTimesChecked(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	info := must(e.Set(ref(1, "S", "global"), "k", json.RawMessage(`1`), engine.WriteOptions{}))
	doc := `{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[` +
		`{"key":"k","value":1,"version":"` + info.Version + `","updatedTime":5}]}]}]}]}`
	_, err := admin.ImportBytes(e, []byte(doc), admin.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "was written at "+itoa(start.UnixMilli())+", not at updatedTime 5") {
		t.Fatalf("error %v", err)
	}
	// Without times, the version id gives them.
	doc = strings.Replace(doc, `,"updatedTime":5`, ``, 1)
	if _, err := admin.ImportBytes(e, []byte(doc), admin.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A document whose members come in another order than Export writes them
// (children before the names they need) imports the same.
func TestImportMemberOrder(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	doc := `{"universes":[{"orderedDataStores":[{"scopes":[{"entries":[{"value":5,"key":"a"}],"scope":"s"}],"name":"L"}],` +
		`"dataStores":[{"scopes":[{"keys":[{"value":{"x":1},"key":"k"}],"scope":"global"}],"updatedTime":9,"name":"S","createdTime":7}],"universeId":3}],"version":1,"format":"rbxemu"}`
	st, err := admin.ImportBytes(e, []byte(doc), admin.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Keys != 1 || st.Entries != 1 || st.Stores != 2 {
		t.Fatalf("stats %+v", st)
	}
	got := must(e.Get(ref(3, "S", "global"), "k"))
	if got == nil || string(got.Value) != `{"x":1}` {
		t.Fatalf("k = %v", got)
	}
	stores := must(e.ListDataStores(3, engine.ListStoresOptions{}))
	if len(stores.Items) != 1 || stores.Items[0].CreatedTime != 7 || stores.Items[0].UpdatedTime != 9 {
		t.Fatalf("store record %+v", stores.Items)
	}
}

func TestImportProgress(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	var doc strings.Builder
	doc.WriteString(`{"DataStore":{"S":{"global":{`)
	for i := 0; i < 2500; i++ {
		if i > 0 {
			doc.WriteString(",")
		}
		doc.WriteString(`"k` + itoa(int64(i)) + `":` + itoa(int64(i)))
	}
	doc.WriteString(`}}}}`)
	var calls []admin.ImportProgress
	st, err := admin.ImportBytes(e, []byte(doc.String()), admin.ImportOptions{Progress: func(p admin.ImportProgress) { calls = append(calls, p) }})
	if err != nil || st.Keys != 2500 {
		t.Fatalf("%+v %v", st, err)
	}
	var got []string
	for _, c := range calls {
		got = append(got, itoa(int64(c.Pass))+":"+itoa(int64(c.Keys)))
	}
	if strings.Join(got, " ") != "1:1000 1:2000 1:2500 2:1000 2:2000 2:2500" {
		t.Fatalf("progress calls %v", got)
	}
	if last := calls[len(calls)-1]; last.Bytes != int64(doc.Len()) {
		t.Fatalf("bytes %d, want %d", last.Bytes, doc.Len())
	}
}

func TestExportToFileRoundTrip(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	populate(t, e, clk)
	path := t.TempDir() + "/out.json"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := admin.Export(e, f, admin.ExportOptions{Versions: true})
	if err != nil || f.Close() != nil {
		t.Fatal(err)
	}
	want := admin.ExportStats{Universes: 2, Stores: 4, Keys: 4, Versions: 3, Entries: 3}
	fi, _ := os.Stat(path)
	want.Bytes = fi.Size()
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	g := openEngine(t, clock.NewManual(start.Add(2*time.Hour)))
	if _, err := admin.ImportFile(g, path, admin.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	if b := export(t, g, admin.ExportOptions{Versions: true}); !bytes.Equal(a, b) {
		t.Fatalf("file round trip differs:\n%s\n%s", a, b)
	}
}

// The rbxemu-format fixture of testdata/harness imports and exports back to
// the same bytes (on a clock at its time, so that its history is kept).
func TestFixtureRoundTrip(t *testing.T) {
	const path = "../../testdata/harness/fixture.json"
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := openEngine(t, clock.NewManual(time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)))
	st, err := admin.ImportFile(e, path, admin.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.LoadStats != (engine.LoadStats{Stores: 3, Keys: 3, Versions: 1, Entries: 2}) {
		t.Fatalf("stats %+v", st)
	}
	if got := export(t, e, admin.ExportOptions{Versions: true}); !bytes.Equal(got, want) {
		t.Fatalf("fixture round trip:\n%s", got)
	}
	got := must(e.Get(ref(1, "PlayerData", "global"), "Player_1"))
	if string(got.Value) != `{"coins":250,"level":4,"inventory":["sword","shield"]}` || string(got.Info.Metadata) != `{"schema":2}` || got.Info.UserIDs[0] != 1 {
		t.Fatalf("Player_1 = %s %+v", got.Value, got.Info)
	}
}

// --store names one store exactly, not every store whose name starts so.
func TestExportStoreIsExact(t *testing.T) {
	e := openEngine(t, clock.NewManual(start))
	for _, name := range []string{"L", "L2", "LL"} {
		must(e.Set(ref(1, name, "global"), "k", json.RawMessage(`1`), engine.WriteOptions{}))
		must(e.OrderedSet(ref(1, name, "global"), "k", json.RawMessage(`1`), engine.WriteOptions{}))
	}
	st, err := admin.Export(e, io.Discard, admin.ExportOptions{Store: "L"})
	if err != nil || st.Stores != 2 || st.Keys != 1 || st.Entries != 1 {
		t.Fatalf("export --store L: %+v %v", st, err)
	}
}

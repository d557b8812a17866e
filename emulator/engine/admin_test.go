package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// adminFill writes, in universe u, a standard key with a sealed version and
// a tombstone (so that expiry records exist) and an ordered entry.
func adminFill(t *testing.T, e *Engine, clk *clock.Manual, u int64) {
	t.Helper()
	r := StoreRef{Universe: u, Name: "S", Scope: "global"}
	for _, step := range []func() error{
		func() error { _, err := e.Set(r, "a", json.RawMessage(`1`), WriteOptions{}); return err },
		func() error { _, err := e.Set(r, "gone", json.RawMessage(`2`), WriteOptions{}); return err },
		func() error {
			_, err := e.OrderedSet(StoreRef{Universe: u, Name: "L", Scope: "global"}, "p", json.RawMessage(`5`), WriteOptions{})
			return err
		},
		func() error { _, err := clk.Advance(time.Hour); return err },
		func() error { _, err := e.Set(r, "a", json.RawMessage(`3`), WriteOptions{}); return err },
		func() error { _, err := e.Remove(r, "gone"); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
}

// countKeys counts the badger keys under each space byte.
func countKeys(t *testing.T, e *Engine) map[byte]int {
	t.Helper()
	out := map[byte]int{}
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			out[it.Item().Key()[0]]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResetUniverseKeepsOthers(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	adminFill(t, e, clk, 1)
	before1 := countKeys(t, e)
	adminFill(t, e, clk, 2)
	u := int64(2)
	if err := e.Reset(&u); err != nil {
		t.Fatal(err)
	}
	after := countKeys(t, e)
	for _, space := range []byte{'d', 'k', 'v', 'x', 'q', 'o', 's'} {
		if after[space] != before1[space] {
			t.Errorf("space %c: %d keys after reset of universe 2, want universe 1's %d", space, after[space], before1[space])
		}
	}
	r1 := StoreRef{Universe: 1, Name: "S", Scope: "global"}
	if got, _ := e.Get(r1, "a"); got == nil || string(got.Value) != "3" {
		t.Fatalf("universe 1 lost a: %v", got)
	}
	if got, _ := e.Get(StoreRef{Universe: 2, Name: "S", Scope: "global"}, "a"); got != nil {
		t.Fatalf("universe 2 kept a: %s", got.Value)
	}
	// The universe works as new afterwards: the store record is made again.
	if _, err := e.Set(StoreRef{Universe: 2, Name: "S", Scope: "global"}, "b", json.RawMessage(`1`), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	page, err := e.ListDataStores(2, ListStoresOptions{})
	if err != nil || len(page.Items) != 1 || page.Items[0].CreatedTime != clk.Now().UnixMilli() {
		t.Fatalf("stores after reset: %+v %v", page, err)
	}
}

func TestResetAll(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	adminFill(t, e, clk, 1)
	adminFill(t, e, clk, 3)
	last, _ := e.Set(StoreRef{Universe: 1, Name: "S", Scope: "global"}, "z", json.RawMessage(`1`), WriteOptions{})
	if err := e.Reset(nil); err != nil {
		t.Fatal(err)
	}
	got := countKeys(t, e)
	for space, n := range got {
		if space != 'm' && n > 0 {
			t.Errorf("space %c holds %d keys after a full reset", space, n)
		}
	}
	// The version sequence survives: ids never repeat.
	next, err := e.Set(StoreRef{Universe: 1, Name: "S", Scope: "global"}, "z", json.RawMessage(`1`), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if versionSeq(t, next.Version) <= versionSeq(t, last.Version) {
		t.Fatalf("sequence went back: %s after %s", next.Version, last.Version)
	}
	if got, _ := e.OrderedGet(StoreRef{Universe: 3, Name: "L", Scope: "global"}, "p"); got != nil {
		t.Fatalf("ordered entry kept: %s", got.Value)
	}
}

func TestResetOnDisk(t *testing.T) {
	clk := clock.NewManual(engStart)
	dir := t.TempDir()
	e := engOpen(t, dir, clk)
	adminFill(t, e, clk, 1)
	adminFill(t, e, clk, 2)
	u := int64(1)
	if err := e.Reset(&u); err != nil {
		t.Fatal(err)
	}
	e.Close()
	f := engOpen(t, dir, clk)
	if got, _ := f.Get(StoreRef{Universe: 1, Name: "S", Scope: "global"}, "a"); got != nil {
		t.Fatalf("reset undone by a restart: %s", got.Value)
	}
	if got, _ := f.Get(StoreRef{Universe: 2, Name: "S", Scope: "global"}, "a"); got == nil {
		t.Fatal("universe 2 lost by a restart")
	}
}

// Loading a key twice keeps the later one, with no trace of the first
// (no stale sorted-index entry for an ordered value).
func TestLoaderDuplicates(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	l := e.NewLoader()
	ordered := StoreRef{Universe: 1, Name: "L", Scope: "global"}
	for _, v := range []string{"1", "9", "4"} {
		if err := l.PutEntry(EntryIn{Universe: 1, Store: "L", Scope: "global", Key: "p", Value: json.RawMessage(v)}); err != nil {
			t.Fatal(err)
		}
		if err := l.PutKey(KeyIn{Universe: 1, Store: "S", Scope: "global", Key: "k", Head: RecordIn{Value: json.RawMessage(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	page, err := e.GetSorted(ordered, SortedOptions{Ascending: true, PageSize: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].Value != 4 {
		t.Fatalf("sorted after duplicate entries: %+v %v", page, err)
	}
	got, _ := e.Get(StoreRef{Universe: 1, Name: "S", Scope: "global"}, "k")
	if got == nil || string(got.Value) != "4" {
		t.Fatalf("k = %v", got)
	}
	if st := l.Stats(); st != (LoadStats{Stores: 2, Keys: 3, Entries: 3}) {
		t.Fatalf("stats %+v", st)
	}
}

// Imports larger than one chunk land whole.
func TestLoaderChunks(t *testing.T) {
	e := engOpen(t, "", clock.NewManual(engStart))
	l := e.NewLoader()
	value := json.RawMessage(`"` + strings.Repeat("v", 500) + `"`)
	n := loadChunkOps*2 + 7
	for i := 0; i < n; i++ {
		key := "k" + strings.Repeat("0", 4-len(itoa4(i))) + itoa4(i)
		if err := l.PutKey(KeyIn{Universe: 1, Store: "S", Scope: "global", Key: key, Head: RecordIn{Value: value}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := countKeys(t, e)[storage.EntryKey(storage.ObjectKey{})[0]]; got != n {
		t.Fatalf("%d keys written, want %d", got, n)
	}
}

func itoa4(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa4(i/10) + digits[i%10:i%10+1]
}

func TestParseVersionID(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	info, err := e.Set(engRef, "k", json.RawMessage(`1`), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up, cr, ok := parseVersionID(info.Version)
	if !ok || up != info.UpdatedTime || cr != info.CreatedTime {
		t.Fatalf("parse %s: %d %d %v", info.Version, up, cr, ok)
	}
	for _, bad := range []string{
		"", "v1", strings.ToLower(info.Version), info.Version[:46], info.Version + "1",
		strings.Replace(info.Version, ".01", ".02", 1),
		"0000000000000000.0000000001.0000000000000000.01", // before 1970 in ticks
		"08DE2C2A6AEA8001.0000000001.08DE2C2A6AEA8000.01", // not a whole millisecond
	} {
		if _, _, ok := parseVersionID(bad); ok {
			t.Errorf("parseVersionID(%q) accepted", bad)
		}
	}
}

// A key loaded twice in one chunk keeps only the second history.
func TestLoaderDuplicateHistory(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	at := func(h int) *int64 { v := engStart.Add(time.Duration(h) * time.Hour).UnixMilli(); return &v }
	l := e.NewLoader()
	for _, h := range []int{-5, -3} {
		k := KeyIn{Universe: 1, Store: "S", Scope: "global", Key: "k",
			Head:    RecordIn{Value: json.RawMessage(`"head"`), UpdatedTime: at(-1)},
			History: []RecordIn{{Value: json.RawMessage(strconv.Itoa(h)), UpdatedTime: at(h)}}}
		if err := l.PutKey(k); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	page, err := e.ListVersions(StoreRef{Universe: 1, Name: "S", Scope: "global"}, "k", ListVersionsOptions{})
	if err != nil || len(page.Items) != 2 || page.Items[0].CreatedTime != *at(-3) {
		t.Fatalf("versions after a duplicate: %+v %v", page, err)
	}
}

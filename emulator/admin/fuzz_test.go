package admin_test

// FuzzImport feeds arbitrary documents to Import, over a store that already
// holds data. A document that is refused must change nothing at all (no
// half-applied import); after one that is accepted, the store's export must
// import again over the store without changing it (what was written is a
// store the emulator reads back whole). Seed corpus: testdata/fuzz/FuzzImport; plain `go test` runs
// it.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// storeSum hashes every record of the store but the metadata space (the
// version sequence's lease is bookkeeping, not data).
func storeSum(t testing.TB, e *engine.Engine) [32]byte {
	t.Helper()
	meta := storage.MetaKey("")
	h := sha256.New()
	err := e.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if bytes.HasPrefix(item.Key(), meta) {
				continue
			}
			h.Write(item.Key())
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			h.Write([]byte{0})
			h.Write(v)
			h.Write([]byte{0})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// fuzzBase is the store every input is imported over: history, a
// tombstone, metadata, ordered entries, two universes.
func fuzzBase(t testing.TB, e *engine.Engine, clk *clock.Manual) {
	t.Helper()
	clk.Set(start)
	if err := e.Reset(nil); err != nil {
		t.Fatal(err)
	}
	pd := ref(1, "PlayerData", "global")
	must(e.Set(pd, "Player_1", json.RawMessage(`{"coins":1}`), engine.WriteOptions{Metadata: json.RawMessage(`{"m":1}`), UserIDs: json.RawMessage(`[1]`)}))
	must(e.Set(pd, "Player_2", json.RawMessage(`"x"`), engine.WriteOptions{}))
	must(e.OrderedSet(ref(1, "Board", "global"), "Player_1", json.RawMessage(`5`), engine.WriteOptions{}))
	clk.Advance(time.Hour)
	must(e.Set(pd, "Player_1", json.RawMessage(`{"coins":2}`), engine.WriteOptions{}))
	must(e.Remove(pd, "Player_2"))
	must(e.Set(ref(2, "Other", "s"), "k", json.RawMessage(`[true]`), engine.WriteOptions{}))
	clk.Advance(time.Hour)
}

func openFuzzEngine(f *testing.F, clk clock.Clock) *engine.Engine {
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	return e
}

func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"format":"rbxemu","version":1,"universes":[]}`), false, uint8(0))
	clk := clock.NewManual(start)
	e := openFuzzEngine(f, clk)
	// Resetting the store costs a badger memtable flush: it is rebuilt
	// only after an input that was accepted (a refused one must have left
	// it as it was, which is checked).
	fuzzBase(f, e, clk)
	base := storeSum(f, e)
	dirty := false
	f.Fuzz(func(t *testing.T, doc []byte, replace bool, universe uint8) {
		if dirty {
			fuzzBase(t, e, clk)
			base = storeSum(t, e) // version ids differ from one rebuild to the next
			dirty = false
		}
		opt := admin.ImportOptions{Replace: replace, Universe: int64(universe % 4)}
		_, err := admin.ImportBytes(e, doc, opt)
		if err != nil {
			var ie *admin.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("refused with %T %v, not an ImportError", err, err)
			}
			if storeSum(t, e) != base {
				dirty = true
				t.Fatalf("a refused import (%v) changed the store", err)
			}
			return
		}
		dirty = true
		// What was written reads back whole: its export imports again,
		// over itself, without changing anything.
		var a bytes.Buffer
		if _, err := admin.Export(e, &a, admin.ExportOptions{Versions: true}); err != nil {
			t.Fatalf("export after import: %v", err)
		}
		if _, err := admin.ImportBytes(e, a.Bytes(), admin.ImportOptions{}); err != nil {
			t.Fatalf("the export of an imported store does not import: %v\n%s", err, a.Bytes())
		}
		var b bytes.Buffer
		if _, err := admin.Export(e, &b, admin.ExportOptions{Versions: true}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("importing the export over itself changed it:\nA:\n%s\nB:\n%s", a.Bytes(), b.Bytes())
		}
	})
}

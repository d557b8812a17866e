package storage

import (
	"bytes"
	"os"
	"reflect"
	"sort"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// Encoded object keys must sort exactly as (universe, name, scope, key) do,
// including names holding 0x00 and 0xFF bytes, and decode back unchanged.
func TestEntryKeyOrderAndRoundTrip(t *testing.T) {
	objs := []ObjectKey{
		{1, "a", "global", "k"},
		{1, "a", "global", "k\x00"},
		{1, "a", "global", "k\x00z"},
		{1, "a", "global", "ka"},
		{1, "a\x00", "global", "k"},
		{1, "a\x00\xff", "global", "k"},
		{1, "ab", "", "k"},
		{1, "ab", "global", ""},
		{1, "b", "a\x00b", "\xff"},
		{2, "", "", ""},
	}
	less := func(x, y ObjectKey) bool {
		if x.Universe != y.Universe {
			return x.Universe < y.Universe
		}
		if x.Name != y.Name {
			return x.Name < y.Name
		}
		if x.Scope != y.Scope {
			return x.Scope < y.Scope
		}
		return x.Key < y.Key
	}
	want := append([]ObjectKey(nil), objs...)
	sort.Slice(want, func(i, j int) bool { return less(want[i], want[j]) })
	keys := make([][]byte, len(objs))
	for i, o := range objs {
		keys[i] = EntryKey(o)
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	for i, k := range keys {
		got, err := ObjectFromEntryKey(k)
		if err != nil {
			t.Fatalf("decode %q: %v", k, err)
		}
		if got != want[i] {
			t.Errorf("position %d: got %+v, want %+v", i, got, want[i])
		}
	}
}

// A key prefix scan within a scope must not reach into another scope whose
// name extends this one ("global" vs "global2").
func TestEntryPrefixIsolation(t *testing.T) {
	p := EntryPrefix(1, "S", "global", false, "Player_")
	cases := []struct {
		o    ObjectKey
		want bool
	}{
		{ObjectKey{1, "S", "global", "Player_1"}, true},
		{ObjectKey{1, "S", "global", "Player_"}, true},
		{ObjectKey{1, "S", "global", "player_1"}, false},
		{ObjectKey{1, "S", "global2", "Player_1"}, false},
		{ObjectKey{1, "S2", "global", "Player_1"}, false},
		{ObjectKey{2, "S", "global", "Player_1"}, false},
	}
	for _, c := range cases {
		if got := bytes.HasPrefix(EntryKey(c.o), p); got != c.want {
			t.Errorf("%+v under prefix: got %v, want %v", c.o, got, c.want)
		}
	}
	all := EntryPrefix(1, "S", "", true, "")
	if !bytes.HasPrefix(EntryKey(ObjectKey{1, "S", "houses", "h"}), all) || bytes.HasPrefix(EntryKey(ObjectKey{1, "S2", "x", "h"}), all) {
		t.Error("all-scopes prefix must cover every scope of S and nothing of S2")
	}
}

func TestOrderedIndexOrder(t *testing.T) {
	values := []int64{-1 << 63, -5, -1, 0, 1, 7, 1 << 40, 1<<63 - 1}
	var prev []byte
	for _, v := range values {
		for _, k := range []string{"a", "b"} {
			key := OrderedIndexKey(ObjectKey{1, "L", "global", k}, v)
			if prev != nil && bytes.Compare(prev, key) >= 0 {
				t.Fatalf("index key for (%d,%s) does not sort after the previous one", v, k)
			}
			prev = key
			gv, gk := DecodeOrderedIndex(OrderedIndexPrefix(1, "L", "global"), key)
			if gv != v || gk != k {
				t.Fatalf("decode: got (%d,%q), want (%d,%q)", gv, gk, v, k)
			}
		}
	}
}

func TestExpiryKeyRoundTrip(t *testing.T) {
	target := VersionKey(ObjectKey{1, "S", "global", "k"}, "V1")
	ms, kind, got := DecodeExpiry(ExpiryKey(1764115200000, ExpireVersion, target))
	if ms != 1764115200000 || kind != ExpireVersion || !bytes.Equal(got, target) {
		t.Fatalf("got (%d, %c, %q)", ms, kind, got)
	}
	if bytes.Compare(ExpiryKey(5, ExpireTombstone, target), ExpiryKey(6, ExpireVersion, nil)) >= 0 {
		t.Error("expiry keys must sort by time first")
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct{ in, want []byte }{
		{[]byte("ab"), []byte("ac")},
		{[]byte{'a', 0xFF}, []byte("b")},
		{[]byte{0xFF, 0xFF}, nil},
	}
	for _, c := range cases {
		if got := PrefixEnd(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("PrefixEnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	cases := []Record{
		{Version: "V", CreatedTime: 1, UpdatedTime: 2},
		{Version: "08DE2C2A6AEA8000.0000000001.08DE2C2A6AEA8000.01", CreatedTime: 1764115200000, UpdatedTime: 1764118800000, SupersededTime: 1764122400000,
			UserIDs: []int64{1, -2, 9007199254740992}, Metadata: []byte(`{"a":1}`), Value: []byte(`{"coins":10}`)},
		{Version: "T", CreatedTime: 5, UpdatedTime: 6, Deleted: true},
	}
	for _, r := range cases {
		got, err := UnmarshalRecord(r.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		norm := func(x *Record) {
			if len(x.Metadata) == 0 {
				x.Metadata = nil
			}
			if len(x.Value) == 0 {
				x.Value = nil
			}
		}
		want := r
		norm(&want)
		norm(got)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
		}
	}
}

// Every truncation of a valid record must be refused, never panic.
func TestRecordTruncated(t *testing.T) {
	b := (&Record{Version: "V", UserIDs: []int64{1, 2}, Metadata: []byte(`{"a":1}`), Value: []byte(`"x"`)}).Marshal()
	for i := 0; i < len(b); i++ {
		if _, err := UnmarshalRecord(b[:i]); err == nil {
			t.Errorf("a record cut to %d of %d bytes was accepted", i, len(b))
		}
	}
	if _, err := UnmarshalStoreRecord(nil); err == nil {
		t.Error("an empty store record was accepted")
	}
}

// The in-memory store holds values up to the 4 MB limit (badger's own
// in-memory mode cannot) and leaves nothing behind after Close.
func TestInMemoryLargeValuesAndCleanup(t *testing.T) {
	db, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := db.scratch
	for _, n := range []int{1023, 1024, 1025, 1 << 20, 4 << 20} {
		v := bytes.Repeat([]byte{'x'}, n)
		key := []byte{'t', byte(n), byte(n >> 8), byte(n >> 16)}
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(key, v) }); err != nil {
			t.Fatalf("set %d bytes: %v", n, err)
		}
		var got []byte
		if err := db.View(func(txn *badger.Txn) error {
			it, err := txn.Get(key)
			if err != nil {
				return err
			}
			got, err = it.ValueCopy(nil)
			return err
		}); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("get %d bytes: %v (len %d)", n, err, len(got))
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("in-memory directory %s still exists after Close (%v)", dir, err)
	}
}

func TestSequenceSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for i := 0; i < 5; i++ {
		if last, err = db.NextSeq(); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	next, err := db.NextSeq()
	if err != nil {
		t.Fatal(err)
	}
	if next <= last {
		t.Fatalf("sequence went back after reopen: %d after %d", next, last)
	}
}

func TestSchemaMismatchRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set(MetaKey("schema"), []byte("0")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(Options{Dir: dir})
	want := "storage: " + dir + `: data written by an incompatible rbxemu (layout "0", this build reads "1"): use another --data-dir or export with the other build`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

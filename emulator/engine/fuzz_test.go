package engine

// Fuzz targets of the engine's two parsers of client bytes: values
// (compactValue, validUTF8JSON: what is stored and measured) and listing
// cursors (decodeCursor and the four listings that resume from one). Seed
// corpora: testdata/fuzz/FuzzCompactValue and testdata/fuzz/FuzzCursor;
// plain `go test` runs them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// FuzzCompactValue: an accepted value is valid JSON, valid UTF-8 in every
// string, compact, at most MaxValueBytes, the same JSON value as the input,
// and SetAsync then GetAsync give it back byte for byte. A refused value is
// refused with 104 (CantStoreValue), 105 (ValueTooLarge) or ArgumentMissing,
// and SetAsync refuses it with the same error, writing nothing.
func FuzzCompactValue(f *testing.F) {
	f.Add([]byte(`{"coins": 10, "name": "a<b"}`))
	e, _ := newTestEngine(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := compactValue(raw, 2)
		if err != nil {
			de, ok := dserr.As(err)
			if !ok || (de.ID != dserr.CantStoreValue && de.ID != dserr.ValueTooLarge && de.ID != dserr.ArgumentMissing) {
				t.Fatalf("refused with %v", err)
			}
			before, _ := e.Get(testRef, "fuzz")
			if _, serr := e.Set(testRef, "fuzz", raw, WriteOptions{}); !errors.Is(serr, dserr.New(de.ID)) {
				t.Fatalf("compactValue refuses with %v, SetAsync with %v", err, serr)
			}
			after, _ := e.Get(testRef, "fuzz")
			if !reflect.DeepEqual(before, after) {
				t.Fatal("a refused SetAsync changed the key")
			}
			return
		}
		if !json.Valid(v) || !utf8.Valid(v) || !validUTF8JSON(v) {
			t.Fatalf("accepted %q as %q, which is not valid", raw, v)
		}
		if len(v) > MaxValueBytes {
			t.Fatalf("accepted %d bytes", len(v))
		}
		var again bytes.Buffer
		if err := json.Compact(&again, v); err != nil || !bytes.Equal(again.Bytes(), v) {
			t.Fatalf("%q is not compact", v)
		}
		if !sameJSON(t, raw, v) {
			t.Fatalf("%q compacted to a different value %q", raw, v)
		}
		info, err := e.Set(testRef, "fuzz", raw, WriteOptions{})
		if err != nil {
			t.Fatalf("compactValue accepts %q, SetAsync refuses: %v", raw, err)
		}
		got, err := e.Get(testRef, "fuzz")
		if err != nil || got == nil || !bytes.Equal(got.Value, v) || got.Info.Version != info.Version {
			t.Fatalf("GetAsync after SetAsync(%q): %+v %v", v, got, err)
		}
	})
}

// sameJSON decodes both texts, numbers as written, and compares them.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(x []byte) any {
		dec := json.NewDecoder(bytes.NewReader(x))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode %q: %v", x, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

// cursorListing is one of the listings a cursor resumes, with the cursor
// context it binds (as the listing builds it) and a check of its pages.
type cursorListing struct {
	kind byte
	ctx  fields
	list func(cursor string, pageSize int) (items []string, next string, finished bool, err error)
}

func cursorListings(e *Engine) []cursorListing {
	all := StoreRef{Universe: 1, Name: testRef.Name, AllScopes: true}
	keys := func(ref StoreRef) func(string, int) ([]string, string, bool, error) {
		return func(c string, n int) ([]string, string, bool, error) {
			p, err := e.ListKeys(ref, ListKeysOptions{Cursor: c, PageSize: n})
			if err != nil {
				return nil, "", false, err
			}
			var out []string
			for _, it := range p.Items {
				out = append(out, it.KeyName)
			}
			return out, p.Cursor, p.IsFinished, nil
		}
	}
	versions := func(desc bool) func(string, int) ([]string, string, bool, error) {
		return func(c string, n int) ([]string, string, bool, error) {
			p, err := e.ListVersions(testRef, "k", ListVersionsOptions{Cursor: c, PageSize: n, Descending: desc})
			if err != nil {
				return nil, "", false, err
			}
			var out []string
			for _, it := range p.Items {
				out = append(out, it.Version)
			}
			if desc {
				for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
					out[i], out[j] = out[j], out[i]
				}
			}
			return out, p.Cursor, p.IsFinished, nil
		}
	}
	sorted := func(asc bool) func(string, int) ([]string, string, bool, error) {
		return func(c string, n int) ([]string, string, bool, error) {
			n = max(1, min(n, MaxSortedPageSize))
			p, err := e.GetSorted(orderedRef, SortedOptions{Ascending: asc, PageSize: n, Cursor: c})
			if err != nil {
				return nil, "", false, err
			}
			for i := 1; i < len(p.Items); i++ {
				a, b := p.Items[i-1], p.Items[i]
				if (asc && a.Value > b.Value) || (!asc && a.Value < b.Value) || (a.Value == b.Value && a.Key >= b.Key) {
					return nil, "", false, errOutOfOrder
				}
			}
			return []string{}, p.Cursor, p.IsFinished, nil
		}
	}
	return []cursorListing{
		{cursorKeys, fields(nil).i64(1).str(testRef.Name).str(testRef.Scope).flag(false).str(""), keys(testRef)},
		{cursorKeys, fields(nil).i64(1).str(all.Name).str("").flag(true).str(""), keys(all)},
		{cursorStores, fields(nil).i64(1).str(""), func(c string, n int) ([]string, string, bool, error) {
			p, err := e.ListDataStores(1, ListStoresOptions{Cursor: c, PageSize: n})
			if err != nil {
				return nil, "", false, err
			}
			var out []string
			for _, it := range p.Items {
				out = append(out, it.DataStoreName)
			}
			return out, p.Cursor, p.IsFinished, nil
		}},
		{cursorVersions, fields(nil).i64(1).str(testRef.Name).str(testRef.Scope).str("k").flag(false).i64(0).i64(math.MaxInt64), versions(false)},
		{cursorVersions, fields(nil).i64(1).str(testRef.Name).str(testRef.Scope).str("k").flag(true).i64(0).i64(math.MaxInt64), versions(true)},
		{cursorSorted, fields(nil).i64(1).str(orderedRef.Name).str(orderedRef.Scope).flag(true).i64(math.MinInt64).i64(math.MaxInt64), sorted(true)},
		{cursorSorted, fields(nil).i64(1).str(orderedRef.Name).str(orderedRef.Scope).flag(false).i64(math.MinInt64).i64(math.MaxInt64), sorted(false)},
	}
}

var orderedRef = StoreRef{Universe: 1, Name: "Board", Scope: "global"}

var errOutOfOrder = dserr.New(dserr.InternalServerError)

// FuzzCursor: a cursor string the emulator did not issue gives
// InvalidExclusiveStartKey, never a panic nor another error. With forged
// set, the payload bytes are wrapped in a cursor with a valid check for
// the listing (the check is not a secret: anyone can compute it), so that
// the payload decoder and the resumed scan are explored too: they must
// give InvalidExclusiveStartKey or a valid page (items in order, no more
// than the page size, a cursor exactly when not finished, and a next page
// that reads).
func FuzzCursor(f *testing.F) {
	f.Add(uint8(0), "", []byte{}, false, int16(0))
	e, clk := newTestEngine(f)
	for i, k := range []string{"a", "b", "k", "zz", "\x00", "\xff\xff"} {
		mustSet(f, e, testRef, k, "1")
		mustSet(f, e, StoreRef{Universe: 1, Name: testRef.Name, Scope: "s" + k}, k, "2")
		mustSet(f, e, StoreRef{Universe: 1, Name: "Store" + k, Scope: "global"}, k, "3")
		if _, err := e.OrderedSet(orderedRef, k, json.RawMessage([]byte{'1' + byte(i%3)}), WriteOptions{}); err != nil {
			f.Fatal(err)
		}
	}
	mustRemove(f, e, testRef, "b")
	for h := 0; h < 5; h++ {
		clk.Advance(time.Hour)
		mustSet(f, e, testRef, "k", "4")
	}
	listings := cursorListings(e)

	f.Fuzz(func(t *testing.T, which uint8, cursor string, payload []byte, forged bool, pageSize int16) {
		l := listings[int(which)%len(listings)]
		if forged {
			cursor = encodeCursor(l.kind, l.ctx, payload)
		}
		items, next, finished, err := l.list(cursor, int(pageSize))
		if err != nil {
			if !errors.Is(err, dserr.New(dserr.InvalidExclusiveStartKey)) {
				t.Fatalf("cursor %q: %v", cursor, err)
			}
			return
		}
		if finished != (next == "") {
			t.Fatalf("cursor %q: next %q with finished %v", cursor, next, finished)
		}
		if !sort.StringsAreSorted(items) {
			t.Fatalf("cursor %q: items out of order: %q", cursor, items)
		}
		if len(items) > 1024 {
			t.Fatalf("cursor %q: %d items", cursor, len(items))
		}
		if next != "" {
			if _, _, _, err := l.list(next, int(pageSize)); err != nil {
				t.Fatalf("the cursor of a page (%q) does not read: %v", next, err)
			}
		}
	})
}

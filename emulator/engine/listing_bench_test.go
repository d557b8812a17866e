package engine

// Page costs on large stores: a GetSortedAsync top-100 and a ListKeysAsync
// page of 100 must cost O(page), not O(store). Run with
//
//	go test -run '^$' -bench 'GetSortedTop100|ListKeysPage100' ./emulator/engine
//
// The 1M-entry stores (in-memory badger, filled with a WriteBatch) are
// skipped with -short.

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/storage"
)

var benchSizes = []int{10_000, 100_000, 1_000_000}

func benchName(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("entries=%dM", n/1_000_000)
	default:
		return fmt.Sprintf("entries=%dk", n/1_000)
	}
}

// fillOrdered writes n ordered entries (values drawn from [0, n), so some
// tie) straight into badger, as OrderedSet would store them.
func fillOrdered(b *testing.B, e *Engine, n int) {
	b.Helper()
	wb := e.db.NewWriteBatch()
	defer wb.Cancel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		o := storage.ObjectKey{Universe: ordRef.Universe, Name: ordRef.Name, Scope: ordRef.Scope, Key: fmt.Sprintf("player%07d", i)}
		v := r.Int64N(int64(n))
		if err := wb.Set(storage.OrderedKey(o), ordRecord{value: v, stamp: uint64(i + 1)}.marshal()); err != nil {
			b.Fatal(err)
		}
		if err := wb.Set(storage.OrderedIndexKey(o, v), nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
}

// fillKeys writes n head records of one scope straight into badger.
func fillKeys(b *testing.B, e *Engine, n int) {
	b.Helper()
	wb := e.db.NewWriteBatch()
	defer wb.Cancel()
	now := testStart.UnixMilli()
	for i := 0; i < n; i++ {
		o := storage.ObjectKey{Universe: testRef.Universe, Name: testRef.Name, Scope: testRef.Scope, Key: fmt.Sprintf("player%07d", i)}
		r := storage.Record{
			Version:     fmt.Sprintf("%016X.%010d.%016X.01", ticks(now), i, ticks(now)),
			CreatedTime: now, UpdatedTime: now,
			Value: []byte(fmt.Sprintf(`{"coins":%d,"level":%d}`, i, i%100)),
		}
		if err := wb.Set(storage.EntryKey(o), r.Marshal()); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGetSortedTop100(b *testing.B) {
	for _, n := range benchSizes {
		if n >= 1_000_000 && testing.Short() {
			continue
		}
		e, _ := newTestEngine(b)
		fillOrdered(b, e, n)
		for _, asc := range []bool{false, true} {
			name := benchName(n) + "/descending"
			if asc {
				name = benchName(n) + "/ascending"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					p, err := e.GetSorted(ordRef, SortedOptions{Ascending: asc, PageSize: 100})
					if err != nil || len(p.Items) != 100 {
						b.Fatal(len(p.Items), err)
					}
				}
			})
		}
		e.Close()
	}
}

func BenchmarkListKeysPage100(b *testing.B) {
	for _, n := range benchSizes {
		if n >= 1_000_000 && testing.Short() {
			continue
		}
		e, _ := newTestEngine(b)
		fillKeys(b, e, n)
		// Each page goes on from the previous page's cursor, so the pages
		// walk the whole store (and start over at its end).
		b.Run(benchName(n), func(b *testing.B) {
			cursor := ""
			for b.Loop() {
				p, err := e.ListKeys(testRef, ListKeysOptions{PageSize: 100, Cursor: cursor})
				if err != nil || len(p.Items) != 100 {
					b.Fatal(len(p.Items), err)
				}
				cursor = p.Cursor
			}
		})
		e.Close()
	}
}

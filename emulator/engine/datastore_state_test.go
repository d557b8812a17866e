package engine

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// TestDeleteDataStore: deletion refuses writes of every kind, undeletion
// restores the store as it was, and the refusals of both.
func TestDeleteDataStore(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	mustSet(t, e, engRef, "a", `1`)
	other := StoreRef{Universe: 1, Name: "Other", Scope: "global"}
	mustSet(t, e, other, "a", `1`)

	if _, err := e.DeleteDataStore(1, "Nothing"); !errors.Is(err, ErrDataStoreNotFound) {
		t.Fatalf("delete a missing store: %v", err)
	}
	d, err := e.DeleteDataStore(1, engRef.Name)
	if err != nil || d.DeletedTime != engStart.UnixMilli() || d.ExpireTime != engStart.Add(DataStoreRetention).UnixMilli() || d.CreatedTime != engStart.UnixMilli() {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if _, err := e.DeleteDataStore(1, engRef.Name); !errors.Is(err, ErrDataStoreAlreadyDeleted) {
		t.Fatalf("delete twice: %v", err)
	}
	deleted := dserr.New(dserr.DatastoreDeleted)
	writes := map[string]func() error{
		"Set":       func() error { _, err := e.Set(engRef, "a", json.RawMessage(`2`), WriteOptions{}); return err },
		"Increment": func() error { _, err := e.Increment(engRef, "n", nil, WriteOptions{}); return err },
		"Remove":    func() error { _, err := e.Remove(engRef, "a"); return err },
		"Commit": func() error {
			_, tok, _ := e.ReadForUpdate(engRef, "a")
			_, err := e.CommitUpdate(engRef, "a", tok, json.RawMessage(`3`), WriteOptions{})
			return err
		},
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, deleted) {
			t.Errorf("%s on a deleted store: %v", name, err)
		}
	}
	if _, err := e.Set(other, "a", json.RawMessage(`2`), WriteOptions{}); err != nil {
		t.Fatalf("another store: %v", err)
	}
	list, err := e.DeletedDataStores(1)
	if err != nil || len(list) != 1 || list[0].Name != engRef.Name {
		t.Fatalf("deleted stores: %+v %v", list, err)
	}
	if _, err := e.UndeleteDataStore(1, "Other"); !errors.Is(err, ErrDataStoreNotDeleted) {
		t.Fatalf("undelete a live store: %v", err)
	}
	si, err := e.UndeleteDataStore(1, engRef.Name)
	if err != nil || si.DataStoreName != engRef.Name || si.CreatedTime != engStart.UnixMilli() {
		t.Fatalf("undelete: %+v %v", si, err)
	}
	if got, _ := e.Get(engRef, "a"); got == nil || string(got.Value) != "1" {
		t.Fatalf("after undelete: %+v", got)
	}
	mustSet(t, e, engRef, "a", `4`)
}

// TestDeletedDataStorePurge: 30 days after its deletion a data store is
// purged, keys, versions and record; its name is free again.
func TestDeletedDataStorePurge(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	mustSet(t, e, engRef, "a", `1`)
	clk.Advance(time.Hour)
	mustSet(t, e, engRef, "a", `2`) // a sealed version too
	mustSet(t, e, engRef, "b", `1`)
	if _, err := e.DeleteDataStore(1, engRef.Name); err != nil {
		t.Fatal(err)
	}
	clk.Advance(DataStoreRetention - time.Millisecond)
	if d, err := e.DataStoreDeleted(1, engRef.Name); err != nil || d == nil {
		t.Fatalf("a day before: %+v %v", d, err)
	}
	clk.Advance(time.Millisecond)
	if d, err := e.DataStoreDeleted(1, engRef.Name); err != nil || d != nil {
		t.Fatalf("after 30 days: %+v %v", d, err)
	}
	if _, err := e.DataStoreInfo(1, engRef.Name); !errors.Is(err, ErrDataStoreNotFound) {
		t.Fatalf("purged store: %v", err)
	}
	page, err := e.ListVersions(engRef, "a", ListVersionsOptions{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("versions after purge: %+v %v", page, err)
	}
	mustSet(t, e, engRef, "a", `9`)
	if got, _ := e.Get(engRef, "a"); got == nil || got.Info.CreatedTime != clk.Now().UnixMilli() {
		t.Fatalf("a new key: %+v", got)
	}
}

// TestDeletedDataStoreReset: a reset forgets a deletion (the store it named
// is gone), even when the new store's record has the same creation time.
func TestDeletedDataStoreReset(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	mustSet(t, e, engRef, "a", `1`)
	if _, err := e.DeleteDataStore(1, engRef.Name); err != nil {
		t.Fatal(err)
	}
	if err := e.Reset(nil); err != nil {
		t.Fatal(err)
	}
	mustSet(t, e, engRef, "a", `1`) // the same creation time: the clock is frozen
	if d, err := e.DataStoreDeleted(1, engRef.Name); err != nil || d != nil {
		t.Fatalf("after reset: %+v %v", d, err)
	}
}

// TestSnapshotSealsOnAFrozenClock: the snapshot orders writes by their
// version sequence, so it works when every write has the same time.
func TestSnapshotSealsOnAFrozenClock(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	v1 := mustSet(t, e, engRef, "a", `1`)
	v2 := mustSet(t, e, engRef, "a", `2`)
	taken, at, err := e.SnapshotDataStores(1)
	if err != nil || !taken || at != engStart.UnixMilli() {
		t.Fatalf("snapshot: %v %d %v", taken, at, err)
	}
	v3 := mustSet(t, e, engRef, "a", `3`)
	v4 := mustSet(t, e, engRef, "a", `4`)
	page, err := e.ListVersions(engRef, "a", ListVersionsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, it.Version)
	}
	if len(got) != 2 || got[0] != v2 || got[1] != v4 {
		t.Fatalf("versions %v; v1..v4 = %s %s %s %s", got, v1, v2, v3, v4)
	}
	// Another universe is not affected.
	u2 := StoreRef{Universe: 2, Name: "P", Scope: "global"}
	mustSet(t, e, u2, "a", `1`)
	mustSet(t, e, u2, "a", `2`)
	if page, _ := e.ListVersions(u2, "a", ListVersionsOptions{}); len(page.Items) != 1 {
		t.Fatalf("universe 2 has %d versions", len(page.Items))
	}
	if taken, at, _ := e.SnapshotDataStores(1); taken || at != engStart.UnixMilli() {
		t.Fatalf("second snapshot the same day: %v %d", taken, at)
	}
	clk.Advance(24 * time.Hour)
	if taken, _, _ := e.SnapshotDataStores(1); !taken {
		t.Fatal("no snapshot the next day")
	}
}

func TestVersionCreatedTime(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	mustSet(t, e, engRef, "a", `1`)
	clk.Advance(time.Hour)
	v := mustSet(t, e, engRef, "a", `2`)
	if ms, ok := VersionCreatedTime(v); !ok || ms != engStart.UnixMilli() {
		t.Fatalf("created time of %s: %d %v", v, ms, ok)
	}
	if _, ok := VersionCreatedTime("not a version"); ok {
		t.Fatal("a non-version parsed")
	}
}

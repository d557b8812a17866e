package opencloud_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// TestDeleteUndeleteDataStore: a deleted data store refuses reads and
// writes from Open Cloud and writes from game servers; the deletion
// survives a restart; undelete restores it within 30 days, after which it
// is purged.
func TestDeleteUndeleteDataStore(t *testing.T) {
	dir := t.TempDir()
	c := startOC(t, servertest.DataDir(dir))
	c.seed("Inventory", "global", "K", `1`)
	ctx := context.Background()
	game, err := client.Dial(ctx, c.base, client.HelloOptions{Universe: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()

	const store = "/cloud/v2/universes/1/data-stores/Inventory"
	expire := v2Time(t0.Add(30 * 24 * time.Hour))
	deleted := fmt.Sprintf(`{"path":"universes/1/data-stores/Inventory","createTime":%q,"expireTime":%q,"state":"DELETED","id":"Inventory"}`, t0v2, expire)
	active := fmt.Sprintf(`{"path":"universes/1/data-stores/Inventory","createTime":%q,"state":"ACTIVE","id":"Inventory"}`, t0v2)
	gone := v2Err("NOT_FOUND", "The data store is deleted.")
	c.run(t, vars{}, []step{
		{name: "delete", method: "DELETE", path: store, status: 200, want: deleted},
		{name: "get entry", method: "GET", path: v2Entries + "/K", status: 404, want: gone},
		{name: "create entry", method: "POST", path: v2Entries + "?id=L", body: `{"value":1}`, status: 404, want: gone},
		{name: "list entries", method: "GET", path: v2Entries, status: 404, want: gone},
		{name: "v1 get entry", method: "GET", path: "/datastores/v1/universes/1/standard-datastores/datastore/entries/entry?datastoreName=Inventory&entryKey=K", status: 404,
			want: v1Err("NOT_FOUND", "DatastoreNotFound", "The data store is deleted.")},
		{name: "delete again", method: "DELETE", path: store, status: 404, want: v2Err("NOT_FOUND", "The data store is already deleted.")},
		{name: "delete a store that never was", method: "DELETE", path: "/cloud/v2/universes/1/data-stores/Nothing", status: 404,
			want: v2Err("NOT_FOUND", "The data store was not found.")},
	})
	// A game server's write fails with Roblox's DatastoreDeleted.
	_, err = game.Set(ctx, client.Store{Name: "Inventory"}, "K", 2, nil)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Text != "DataStoreService: DatastoreDeleted: The data store is deleted. API: SetAsync, Data Store: Inventory" {
		t.Fatalf("game write to a deleted store: %v", err)
	}
	game.Close()

	// Restart on the same data: still deleted.
	if err := c.srv.Close(); err != nil {
		t.Fatal(err)
	}
	url, srv := servertest.Start(t, servertest.Clock(c.clock), servertest.DataDir(dir))
	c.base, c.srv = url, srv
	c.run(t, vars{}, []step{
		{name: "after restart", method: "GET", path: v2Entries + "/K", status: 404, want: gone},
		{name: "undelete", method: "POST", path: store + ":undelete", body: `{}`, status: 200, want: active},
		{name: "readable again", method: "GET", path: v2Entries + "/K", status: 200, want: "-"},
		{name: "undelete a live store", method: "POST", path: store + ":undelete", status: 400, want: v2Err("INVALID_ARGUMENT", "The data store is not deleted.")},
		{name: "delete once more", method: "DELETE", path: store, status: 200, want: deleted},
		{name: "undelete after 30 days", advance: 30*24*time.Hour + time.Second, method: "POST", path: store + ":undelete", status: 404,
			want: v2Err("NOT_FOUND", "The data store was not found.")},
		{name: "purged", method: "GET", path: "/cloud/v2/universes/1/data-stores?showDeleted=true", status: 200, want: `{"dataStores":[],"nextPageToken":""}`},
		{name: "the name is free again", method: "POST", path: v2Entries + "?id=K", body: `{"value":3}`, status: 200, want: "-"},
	})
	if e := c.get("Inventory", "global", "K"); e == nil || string(e.Value) != "3" {
		t.Fatalf("after purge and a new write: %+v", e)
	}
}

// TestDeletedStoreWriteRace: a write racing a deletion either lands before
// it or fails; none lands after.
func TestDeletedStoreWriteRace(t *testing.T) {
	c := startOC(t)
	c.seed("Inventory", "global", "K", `0`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := c.engine().DeleteDataStore(1, "Inventory"); err != nil {
			t.Error(err)
		}
	}()
	for i := 0; i < 20; i++ {
		c.engine().Set(refOf("Inventory", "global"), "K", []byte(fmt.Sprint(i)), engineNoOpts)
	}
	<-done
	before := c.get("Inventory", "global", "K")
	if _, err := c.engine().Set(refOf("Inventory", "global"), "K", []byte(`99`), engineNoOpts); err == nil {
		t.Fatal("a write after the deletion succeeded")
	}
	if after := c.get("Inventory", "global", "K"); after.Info.Version != before.Info.Version {
		t.Fatal("the store changed after its deletion")
	}
}

package engine

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

func keyNames(p *Page[KeyItem]) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.KeyName)
	}
	return out
}

func seq(format string, from, to int) []string {
	out := []string{}
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}

// keyPages lists every page of ListKeys from opt on.
func keyPages(t *testing.T, e *Engine, ref StoreRef, opt ListKeysOptions) []*Page[KeyItem] {
	t.Helper()
	var out []*Page[KeyItem]
	for i := 0; i < 100; i++ {
		p, err := e.ListKeys(ref, opt)
		if err != nil {
			t.Fatalf("ListKeys page %d: %v", i+1, err)
		}
		out = append(out, p)
		if (p.Cursor == "") != p.IsFinished {
			t.Fatalf("page %d: cursor %q with isFinished %v", i+1, p.Cursor, p.IsFinished)
		}
		if p.IsFinished {
			return out
		}
		opt.Cursor = p.Cursor
	}
	t.Fatal("listing does not end")
	return nil
}

func TestListKeysPaging(t *testing.T) {
	e, _ := newTestEngine(t)
	for i := 0; i < 250; i++ {
		mustSet(t, e, testRef, fmt.Sprintf("key%03d", i), "1")
	}
	mustSet(t, e, StoreRef{Universe: 1, Name: "PlayerData", Scope: "other"}, "key999", "1")
	mustSet(t, e, StoreRef{Universe: 2, Name: "PlayerData", Scope: "global"}, "key998", "1")
	cases := []struct {
		name string
		opt  ListKeysOptions
		want [][]string
	}{
		{"pages of 100", ListKeysOptions{PageSize: 100}, [][]string{seq("key%03d", 0, 100), seq("key%03d", 100, 200), seq("key%03d", 200, 250)}},
		{"default 50", ListKeysOptions{}, [][]string{seq("key%03d", 0, 50), seq("key%03d", 50, 100), seq("key%03d", 100, 150), seq("key%03d", 150, 200), seq("key%03d", 200, 250)}},
		{"clamped to 100", ListKeysOptions{PageSize: 1000}, [][]string{seq("key%03d", 0, 100), seq("key%03d", 100, 200), seq("key%03d", 200, 250)}},
		{"prefix", ListKeysOptions{Prefix: "key1", PageSize: 60}, [][]string{seq("key%03d", 100, 160), seq("key%03d", 160, 200)}},
		{"exact fit", ListKeysOptions{Prefix: "key0", PageSize: 100}, [][]string{seq("key%03d", 0, 100)}},
		{"no match", ListKeysOptions{Prefix: "zzz"}, [][]string{{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := keyPages(t, e, testRef, c.opt)
			var got [][]string
			for _, p := range ps {
				got = append(got, keyNames(p))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("pages = %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestListKeysAllScopes(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, sk := range [][2]string{{"global", "p1"}, {"global", "p2"}, {"houses", "h1"}, {"houses", "p9"}, {"hats", "x"}, {"a", "z"}} {
		mustSet(t, e, StoreRef{Universe: 1, Name: "PlayerData", Scope: sk[0]}, sk[1], "1")
	}
	all := StoreRef{Universe: 1, Name: "PlayerData", AllScopes: true}
	cases := []struct {
		prefix string
		size   int
		want   [][]string
	}{
		{"", 0, [][]string{{"a/z", "global/p1", "global/p2", "hats/x", "houses/h1", "houses/p9"}}},
		{"", 4, [][]string{{"a/z", "global/p1", "global/p2", "hats/x"}, {"houses/h1", "houses/p9"}}},
		{"h", 0, [][]string{{"hats/x", "houses/h1", "houses/p9"}}},
		{"houses", 0, [][]string{{"houses/h1", "houses/p9"}}},
		{"houses/", 0, [][]string{{"houses/h1", "houses/p9"}}},
		{"houses/p", 0, [][]string{{"houses/p9"}}},
		{"global/p", 1, [][]string{{"global/p1"}, {"global/p2"}}},
		{"hou/", 0, [][]string{{}}},
	}
	for _, c := range cases {
		ps := keyPages(t, e, all, ListKeysOptions{Prefix: c.prefix, PageSize: c.size})
		var got [][]string
		for _, p := range ps {
			got = append(got, keyNames(p))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("prefix %q: %v, want %v", c.prefix, got, c.want)
		}
	}
	_, err := e.ListKeys(StoreRef{Universe: 1, Name: "PlayerData", Scope: "x", AllScopes: true}, ListKeysOptions{})
	wantErr(t, err, dserr.AllScopesWithScope, "DataStore scope should be an empty string allScopes is set to true")
}

func TestListKeysExcludeDeleted(t *testing.T) {
	e, clk := newTestEngine(t)
	// 600 deleted keys, then 10 live ones.
	for i := 0; i < 600; i++ {
		k := fmt.Sprintf("d%03d", i)
		mustSet(t, e, testRef, k, "1")
		mustRemove(t, e, testRef, k)
	}
	for i := 0; i < 10; i++ {
		mustSet(t, e, testRef, fmt.Sprintf("z%d", i), "1")
	}
	ps := keyPages(t, e, testRef, ListKeysOptions{ExcludeDeleted: true, PageSize: 100})
	if len(ps) != 2 {
		t.Fatalf("%d pages, want 2", len(ps))
	}
	if len(ps[0].Items) != 0 || ps[0].IsFinished {
		t.Fatalf("first page: %+v (512 deleted keys examined: an empty page with a cursor)", ps[0])
	}
	if got := keyNames(ps[1]); !reflect.DeepEqual(got, seq("z%d", 0, 10)) {
		t.Fatalf("second page: %v", got)
	}
	// Deleted keys are listed without excludeDeleted.
	ps = keyPages(t, e, testRef, ListKeysOptions{PageSize: 100})
	if len(ps) != 7 || len(ps[6].Items) != 10 || ps[0].Items[0].KeyName != "d000" {
		t.Fatalf("%d pages", len(ps))
	}
	// A page full of live keys, with deleted ones between.
	ps = keyPages(t, e, testRef, ListKeysOptions{Prefix: "d59", ExcludeDeleted: true})
	if len(ps) != 1 || len(ps[0].Items) != 0 {
		t.Fatalf("deleted only: %+v", ps)
	}
	mustSet(t, e, testRef, "d595", "2")
	ps = keyPages(t, e, testRef, ListKeysOptions{Prefix: "d59", ExcludeDeleted: true})
	if len(ps) != 1 || !reflect.DeepEqual(keyNames(ps[0]), []string{"d595"}) {
		t.Fatalf("one restored: %+v", ps)
	}
	// 30 days after the deletions the tombstones are gone from listings,
	// swept or not.
	at(clk, 30*day)
	ps = keyPages(t, e, testRef, ListKeysOptions{PageSize: 100})
	var got []string
	for _, p := range ps {
		got = append(got, keyNames(p)...)
	}
	if want := append([]string{"d595"}, seq("z%d", 0, 10)...); !reflect.DeepEqual(got, want) {
		t.Fatalf("after expiry: %v, want %v", got, want)
	}
}

func TestListKeysBadCursor(t *testing.T) {
	e, _ := newTestEngine(t)
	for i := 0; i < 3; i++ {
		mustSet(t, e, testRef, fmt.Sprintf("k%d", i), "1")
	}
	p, err := e.ListKeys(testRef, ListKeysOptions{PageSize: 1, Prefix: "k"})
	if err != nil || p.Cursor == "" {
		t.Fatal(p, err)
	}
	good := p.Cursor
	mustSet(t, e, StoreRef{Universe: 1, Name: "B", Scope: "global"}, "x", "1")
	stores, _ := e.ListDataStores(1, ListStoresOptions{PageSize: 1})
	cases := []struct {
		name   string
		ref    StoreRef
		opt    ListKeysOptions
		cursor string
	}{
		{"garbage", testRef, ListKeysOptions{Prefix: "k"}, "%%%"},
		{"empty payload", testRef, ListKeysOptions{Prefix: "k"}, "AQ"},
		{"truncated", testRef, ListKeysOptions{Prefix: "k"}, good[:len(good)-2]},
		{"other prefix", testRef, ListKeysOptions{}, good},
		{"other scope", StoreRef{Universe: 1, Name: "PlayerData", Scope: "s"}, ListKeysOptions{Prefix: "k"}, good},
		{"other store", StoreRef{Universe: 1, Name: "B", Scope: "global"}, ListKeysOptions{Prefix: "k"}, good},
		{"other universe", StoreRef{Universe: 2, Name: "PlayerData", Scope: "global"}, ListKeysOptions{Prefix: "k"}, good},
		{"a data store cursor", testRef, ListKeysOptions{Prefix: "k"}, stores.Cursor},
	}
	for _, c := range cases {
		opt := c.opt
		opt.Cursor = c.cursor
		_, err := e.ListKeys(c.ref, opt)
		wantErr(t, err, dserr.InvalidExclusiveStartKey, "")
	}
	// ExcludeDeleted and the page size may differ between pages.
	p, err = e.ListKeys(testRef, ListKeysOptions{Prefix: "k", Cursor: good, ExcludeDeleted: true, PageSize: 5})
	if err != nil || !reflect.DeepEqual(keyNames(p), []string{"k1", "k2"}) {
		t.Fatal(p, err)
	}
}

func TestListDataStores(t *testing.T) {
	e, clk := newTestEngine(t)
	ref := func(name string) StoreRef { return StoreRef{Universe: 1, Name: name, Scope: "global"} }
	mustSet(t, e, ref("Coins"), "a", "1")
	at(clk, time.Minute)
	mustSet(t, e, StoreRef{Universe: 1, Name: "Alpha", Scope: "s"}, "a", "1")
	at(clk, 2*time.Minute)
	mustSet(t, e, ref("Coins"), "b", "1")
	mustSet(t, e, ref("Beta"), "a", "1")
	mustRemove(t, e, ref("Beta"), "a") // a deleted key still counts
	mustSet(t, e, StoreRef{Universe: 2, Name: "Elsewhere", Scope: "global"}, "a", "1")
	if _, err := e.OrderedSet(ref("Board"), "a", []byte("1"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	p, err := e.ListDataStores(1, ListStoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []StoreInfo{
		{CreatedTime: ms(time.Minute), UpdatedTime: ms(time.Minute), DataStoreName: "Alpha"},
		{CreatedTime: ms(2 * time.Minute), UpdatedTime: ms(2 * time.Minute), DataStoreName: "Beta"},
		{CreatedTime: ms(0), UpdatedTime: ms(2 * time.Minute), DataStoreName: "Coins"},
	}
	if !reflect.DeepEqual(p.Items, want) || !p.IsFinished || p.Cursor != "" {
		t.Fatalf("stores = %+v\nwant %+v", p, want)
	}
	p, _ = e.ListDataStores(1, ListStoresOptions{PageSize: 2})
	p2, _ := e.ListDataStores(1, ListStoresOptions{PageSize: 2, Cursor: p.Cursor})
	if !reflect.DeepEqual(p.Items, want[:2]) || p.IsFinished || !reflect.DeepEqual(p2.Items, want[2:]) || !p2.IsFinished {
		t.Fatalf("pages of 2: %+v then %+v", p, p2)
	}
	p, _ = e.ListDataStores(1, ListStoresOptions{Prefix: "B"})
	if !reflect.DeepEqual(p.Items, want[1:2]) {
		t.Fatalf("prefix B: %+v", p.Items)
	}
	_, err = e.ListDataStores(1, ListStoresOptions{Prefix: "A", Cursor: p.Cursor + "x"})
	wantErr(t, err, dserr.InvalidExclusiveStartKey, "")
	p1, _ := e.ListDataStores(1, ListStoresOptions{PageSize: 1})
	_, err = e.ListDataStores(1, ListStoresOptions{Prefix: "A", Cursor: p1.Cursor})
	wantErr(t, err, dserr.InvalidExclusiveStartKey, "")
}

func TestListDataStoresPageSizes(t *testing.T) {
	e, _ := newTestEngine(t)
	for i := 0; i < 120; i++ {
		mustSet(t, e, StoreRef{Universe: 1, Name: fmt.Sprintf("S%03d", i), Scope: "global"}, "k", "1")
	}
	for _, c := range []struct{ size, want int }{{0, 32}, {-1, 32}, {7, 7}, {100, 100}, {101, 100}, {1 << 30, 100}} {
		p, err := e.ListDataStores(1, ListStoresOptions{PageSize: c.size})
		if err != nil || len(p.Items) != c.want || p.IsFinished {
			t.Errorf("pageSize %d: %d items, %v", c.size, len(p.Items), err)
		}
	}
}

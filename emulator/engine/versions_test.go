package engine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// testStart is 2026-01-01T10:00:00Z: an hour boundary.
var testStart = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// newTestEngine opens an in-memory engine on a virtual clock at testStart.
func newTestEngine(t testing.TB) (*Engine, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(testStart)
	e, err := Open(Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, clk
}

var testRef = StoreRef{Universe: 1, Name: "PlayerData", Scope: "global"}

// at moves the clock to testStart + d.
func at(clk *clock.Manual, d time.Duration) int64 {
	return clk.Set(testStart.Add(d)).UnixMilli()
}

func ms(d time.Duration) int64 { return testStart.Add(d).UnixMilli() }

func mustSet(t testing.TB, e *Engine, ref StoreRef, key, value string) string {
	t.Helper()
	info, err := e.Set(ref, key, json.RawMessage(value), WriteOptions{})
	if err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
	return info.Version
}

func mustRemove(t testing.TB, e *Engine, ref StoreRef, key string) {
	t.Helper()
	if _, err := e.Remove(ref, key); err != nil {
		t.Fatalf("Remove(%q): %v", key, err)
	}
}

func listVersions(t *testing.T, e *Engine, key string, opt ListVersionsOptions) *Page[VersionInfo] {
	t.Helper()
	p, err := e.ListVersions(testRef, key, opt)
	if err != nil {
		t.Fatalf("ListVersions(%+v): %v", opt, err)
	}
	return p
}

// countSpace counts the badger keys of one key space.
func countSpace(t *testing.T, e *Engine, space byte) int {
	t.Helper()
	n := 0
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{space}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantErr checks that err is the catalogue error id with exactly text.
func wantErr(t *testing.T, err error, id, text string) {
	t.Helper()
	de, ok := dserr.As(err)
	if !ok || de.ID != id {
		t.Fatalf("error = %v, want %s", err, id)
	}
	if text != "" && de.Error() != text {
		t.Fatalf("error text = %q, want %q", de.Error(), text)
	}
}

func value(en *Entry) string {
	if en == nil {
		return "<nil>"
	}
	return string(en.Value)
}

// TestVersionHourBuckets follows one key through design decision 4: writes
// in one UTC hour keep one version, the next hour seals it, a tombstone is
// a version, and 30 days after being superseded a version is gone.
func TestVersionHourBuckets(t *testing.T) {
	e, clk := newTestEngine(t)
	at(clk, 5*time.Minute)
	v1 := mustSet(t, e, testRef, "k", "1")
	at(clk, 30*time.Minute)
	v2 := mustSet(t, e, testRef, "k", "2")

	p := listVersions(t, e, "k", ListVersionsOptions{})
	want := []VersionInfo{{CreatedTime: ms(30 * time.Minute), Version: v2}}
	if !reflect.DeepEqual(p.Items, want) || !p.IsFinished || p.Cursor != "" {
		t.Fatalf("one hour, two writes: %+v, want one version %+v", p, want)
	}

	at(clk, 70*time.Minute) // 11:10, the next hour
	v3 := mustSet(t, e, testRef, "k", "3")
	at(clk, 2*time.Hour) // 12:00
	mustRemove(t, e, testRef, "k")
	p = listVersions(t, e, "k", ListVersionsOptions{})
	if len(p.Items) != 3 {
		t.Fatalf("versions = %+v", p.Items)
	}
	v4 := p.Items[2].Version
	want = []VersionInfo{
		{CreatedTime: ms(30 * time.Minute), Version: v2},
		{CreatedTime: ms(70 * time.Minute), Version: v3},
		{CreatedTime: ms(2 * time.Hour), IsDeleted: true, Version: v4},
	}
	if !reflect.DeepEqual(p.Items, want) {
		t.Fatalf("ascending = %+v\nwant %+v", p.Items, want)
	}
	p = listVersions(t, e, "k", ListVersionsOptions{Descending: true})
	if !reflect.DeepEqual(p.Items, []VersionInfo{want[2], want[1], want[0]}) {
		t.Fatalf("descending = %+v", p.Items)
	}

	gets := []struct {
		version string
		want    string
	}{
		{v1, "<nil>"}, // overwritten within its hour
		{v2, "2"},
		{v3, "3"},
		{v4, "<nil>"}, // a tombstone
		{"08DE4C0000000000.0000000099.08DE4C0000000000.01", "<nil>"},
		{"not a version", "<nil>"},
		{"", "<nil>"},
	}
	for _, g := range gets {
		en, err := e.GetVersion(testRef, "k", g.version)
		if err != nil || value(en) != g.want {
			t.Errorf("GetVersion(%q) = %s, %v; want %s", g.version, value(en), err, g.want)
		}
	}
	en, _ := e.GetVersion(testRef, "k", v2)
	wantInfo := &KeyInfo{CreatedTime: ms(5 * time.Minute), UpdatedTime: ms(30 * time.Minute), Version: v2, UserIDs: []int64{}, Metadata: json.RawMessage("{}")}
	if !reflect.DeepEqual(en.Info, wantInfo) {
		t.Errorf("GetVersion(v2).Info = %+v, want %+v", en.Info, wantInfo)
	}

	atTime := []struct {
		at   time.Duration
		want string
	}{
		{5 * time.Minute, "<nil>"}, // v1 is gone; v2 was written later
		{29*time.Minute + 59*time.Second, "<nil>"},
		{30 * time.Minute, "2"},
		{70*time.Minute - time.Millisecond, "2"},
		{70 * time.Minute, "3"},
		{2*time.Hour - time.Millisecond, "3"},
		{2 * time.Hour, "<nil>"}, // deleted
		{2*time.Hour + 10*time.Minute, "<nil>"},
	}
	for _, a := range atTime {
		en, err := e.GetVersionAtTime(testRef, "k", ms(a.at))
		if err != nil || value(en) != a.want {
			t.Errorf("GetVersionAtTime(+%s) = %s, %v; want %s", a.at, value(en), err, a.want)
		}
	}

	// v2 was superseded at 11:10 and lives 30 days from then, to the ms.
	at(clk, 70*time.Minute+30*day-time.Millisecond)
	if en, _ := e.GetVersion(testRef, "k", v2); value(en) != "2" {
		t.Fatalf("v2 a millisecond before expiry: %s", value(en))
	}
	at(clk, 70*time.Minute+30*day)
	if en, _ := e.GetVersion(testRef, "k", v2); en != nil {
		t.Fatalf("v2 at expiry: %s", value(en))
	}
	if en, _ := e.GetVersionAtTime(testRef, "k", ms(time.Hour)); en != nil {
		t.Fatalf("GetVersionAtTime of an expired version: %s", value(en))
	}
	p = listVersions(t, e, "k", ListVersionsOptions{})
	if !reflect.DeepEqual(p.Items, want[1:]) {
		t.Fatalf("after v2 expired: %+v", p.Items)
	}

	// The tombstone (12:00) and v3 (superseded at 12:00) go 30 days later:
	// the key is gone, though nothing has been swept.
	at(clk, 2*time.Hour+30*day)
	if p = listVersions(t, e, "k", ListVersionsOptions{}); len(p.Items) != 0 || !p.IsFinished {
		t.Fatalf("after the tombstone expired: %+v", p)
	}
	if en, _ := e.GetVersion(testRef, "k", v3); en != nil {
		t.Fatalf("v3 after the tombstone expired: %s", value(en))
	}
	keys, err := e.ListKeys(testRef, ListKeysOptions{})
	if err != nil || len(keys.Items) != 0 {
		t.Fatalf("ListKeys after the tombstone expired: %+v %v", keys, err)
	}
	if n := countSpace(t, e, 'v'); n != 2 {
		t.Fatalf("before the sweep the v space holds %d records, want 2", n)
	}
}

func TestVersionSameHourAfterSeal(t *testing.T) {
	e, clk := newTestEngine(t)
	mustSet(t, e, testRef, "k", "1")
	at(clk, time.Hour)
	mustSet(t, e, testRef, "k", "2")
	at(clk, time.Hour+30*time.Minute)
	v3 := mustSet(t, e, testRef, "k", "3")
	p := listVersions(t, e, "k", ListVersionsOptions{})
	if len(p.Items) != 2 || p.Items[1].Version != v3 || p.Items[0].CreatedTime != ms(0) {
		t.Fatalf("versions = %+v", p.Items)
	}
}

// hourly writes one version of key k per hour, starting at testStart, and
// returns their ids, oldest first.
func hourly(t *testing.T, e *Engine, clk *clock.Manual, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		at(clk, time.Duration(i)*time.Hour)
		ids = append(ids, mustSet(t, e, testRef, "k", string(rune('0'+i))))
	}
	return ids
}

func TestListVersionsPagingAndBounds(t *testing.T) {
	e, clk := newTestEngine(t)
	ids := hourly(t, e, clk, 5)
	h := func(i int) int64 { return ms(time.Duration(i) * time.Hour) }
	cases := []struct {
		name  string
		opt   ListVersionsOptions
		pages [][]string
	}{
		{"ascending by 2", ListVersionsOptions{PageSize: 2}, [][]string{{ids[0], ids[1]}, {ids[2], ids[3]}, {ids[4]}}},
		{"descending by 2", ListVersionsOptions{PageSize: 2, Descending: true}, [][]string{{ids[4], ids[3]}, {ids[2], ids[1]}, {ids[0]}}},
		{"page of exactly all", ListVersionsOptions{PageSize: 5}, [][]string{ids}},
		{"inclusive bounds", ListVersionsOptions{MinDate: h(1), MaxDate: h(3)}, [][]string{{ids[1], ids[2], ids[3]}}},
		{"inclusive bounds, descending by 2", ListVersionsOptions{MinDate: h(1), MaxDate: h(3), PageSize: 2, Descending: true}, [][]string{{ids[3], ids[2]}, {ids[1]}}},
		{"bounds a millisecond inside", ListVersionsOptions{MinDate: h(1) + 1, MaxDate: h(3) - 1}, [][]string{{ids[2]}}},
		{"min only", ListVersionsOptions{MinDate: h(3)}, [][]string{{ids[3], ids[4]}}},
		{"max only, descending", ListVersionsOptions{MaxDate: h(1), Descending: true}, [][]string{{ids[1], ids[0]}}},
		{"the head alone", ListVersionsOptions{MinDate: h(4), MaxDate: h(4)}, [][]string{{ids[4]}}},
		{"min after max", ListVersionsOptions{MinDate: h(3), MaxDate: h(1)}, [][]string{{}}},
		{"before everything", ListVersionsOptions{MaxDate: h(0) - 1}, [][]string{{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := c.opt
			for i, want := range c.pages {
				p := listVersions(t, e, "k", opt)
				var got []string
				for _, it := range p.Items {
					got = append(got, it.Version)
				}
				if len(got) == 0 && len(want) == 0 {
					got, want = nil, nil
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("page %d = %v, want %v", i+1, got, want)
				}
				last := i == len(c.pages)-1
				if p.IsFinished != last || (p.Cursor == "") != last {
					t.Fatalf("page %d: isFinished %v cursor %q", i+1, p.IsFinished, p.Cursor)
				}
				opt.Cursor = p.Cursor
			}
		})
	}

	// A key that was never written has no versions.
	if p := listVersions(t, e, "nobody", ListVersionsOptions{}); len(p.Items) != 0 || !p.IsFinished {
		t.Fatalf("missing key: %+v", p)
	}
}

func TestListVersionsBadCursor(t *testing.T) {
	e, clk := newTestEngine(t)
	hourly(t, e, clk, 3)
	p := listVersions(t, e, "k", ListVersionsOptions{PageSize: 1})
	good := p.Cursor
	flipped := []byte(good)
	flipped[len(flipped)/2] ^= 1
	bad := []struct {
		name   string
		key    string
		opt    ListVersionsOptions
		cursor string
	}{
		{"garbage", "k", ListVersionsOptions{}, "garbage!"},
		{"not base64 of a cursor", "k", ListVersionsOptions{}, "AAAA"},
		{"one byte changed", "k", ListVersionsOptions{}, string(flipped)},
		{"other direction", "k", ListVersionsOptions{Descending: true}, good},
		{"other bounds", "k", ListVersionsOptions{MinDate: 1}, good},
		{"other key", "k2", ListVersionsOptions{}, good},
		{"too long", "k", ListVersionsOptions{}, strings.Repeat("A", 2000)},
	}
	for _, b := range bad {
		opt := b.opt
		opt.Cursor = b.cursor
		_, err := e.ListVersions(testRef, b.key, opt)
		wantErr(t, err, dserr.InvalidExclusiveStartKey, "DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: , Data Store: ")
	}
	// A cursor from another listing kind is refused too.
	mustSet(t, e, testRef, "k2", "1")
	keys, _ := e.ListKeys(testRef, ListKeysOptions{PageSize: 1})
	_, err := e.ListVersions(testRef, "k", ListVersionsOptions{Cursor: keys.Cursor})
	wantErr(t, err, dserr.InvalidExclusiveStartKey, "")
	// The page size may change between pages.
	if p := listVersions(t, e, "k", ListVersionsOptions{Cursor: good, PageSize: 10}); len(p.Items) != 2 || !p.IsFinished {
		t.Fatalf("changed page size: %+v", p)
	}
}

func TestClampPageSize(t *testing.T) {
	cases := []struct{ n, def, max, want int }{
		{0, 1024, 1024, 1024}, {-3, 1024, 1024, 1024}, {1, 1024, 1024, 1}, {1024, 1024, 1024, 1024}, {5000, 1024, 1024, 1024},
		{0, 50, 100, 50}, {100, 50, 100, 100}, {101, 50, 100, 100}, {0, 32, 100, 32}, {150, 32, 100, 100},
	}
	for _, c := range cases {
		if got := clampPageSize(c.n, c.def, c.max); got != c.want {
			t.Errorf("clampPageSize(%d, %d, %d) = %d, want %d", c.n, c.def, c.max, got, c.want)
		}
	}
}

func TestGetVersionAtTimeInvalidTimestamp(t *testing.T) {
	e, clk := newTestEngine(t)
	now := at(clk, 0)
	mustSet(t, e, testRef, "k", "1")
	const text = "DataStoreService: InvalidTimestamp: Timestamp must be positive and not more than ten minutes in the future. API: , Data Store: "
	for _, ts := range []int64{0, -1, now + 10*60*1000 + 1, 1 << 62} {
		_, err := e.GetVersionAtTime(testRef, "k", ts)
		wantErr(t, err, dserr.InvalidTimestamp, text)
	}
	for _, ts := range []int64{1, now, now + 10*60*1000} {
		if _, err := e.GetVersionAtTime(testRef, "k", ts); err != nil {
			t.Errorf("GetVersionAtTime(%d): %v", ts, err)
		}
	}
	// Key checks come first, as everywhere.
	_, err := e.GetVersionAtTime(testRef, "", 0)
	wantErr(t, err, dserr.KeyNameEmpty, "101: Key name can't be empty.")
}

func TestRemoveVersion(t *testing.T) {
	e, clk := newTestEngine(t)
	ids := hourly(t, e, clk, 3)
	xBefore := countSpace(t, e, 'x')

	// A sealed version goes for good, with its expiry record.
	if err := e.RemoveVersion(testRef, "k", ids[1]); err != nil {
		t.Fatal(err)
	}
	if en, _ := e.GetVersion(testRef, "k", ids[1]); en != nil {
		t.Fatalf("removed version reads %s", value(en))
	}
	if n := countSpace(t, e, 'x'); n != xBefore-1 {
		t.Fatalf("expiry records %d, want %d", n, xBefore-1)
	}
	p := listVersions(t, e, "k", ListVersionsOptions{})
	if len(p.Items) != 2 || p.Items[0].Version != ids[0] || p.Items[1].Version != ids[2] {
		t.Fatalf("after removing the middle version: %+v", p.Items)
	}
	// Unknown versions: nothing happens, no error.
	for _, v := range []string{ids[1], "nope", ""} {
		if err := e.RemoveVersion(testRef, "k", v); err != nil {
			t.Fatalf("RemoveVersion(%q): %v", v, err)
		}
	}

	// The latest version: a tombstone takes its place.
	at(clk, 2*time.Hour+time.Minute)
	if err := e.RemoveVersion(testRef, "k", ids[2]); err != nil {
		t.Fatal(err)
	}
	if en, _ := e.Get(testRef, "k"); en != nil {
		t.Fatalf("Get after removing the latest version: %s", value(en))
	}
	p = listVersions(t, e, "k", ListVersionsOptions{})
	if len(p.Items) != 2 || p.Items[0].Version != ids[0] || !p.Items[1].IsDeleted || p.Items[1].Version == ids[2] ||
		p.Items[1].CreatedTime != ms(2*time.Hour+time.Minute) {
		t.Fatalf("after removing the latest version: %+v", p.Items)
	}
	tomb := p.Items[1].Version
	if old, err := e.Remove(testRef, "k"); err != nil || old != nil {
		t.Fatalf("RemoveAsync after RemoveVersionAsync of the latest = %v, %v; want nil", old, err)
	}
	// Removing the tombstone itself changes nothing.
	if err := e.RemoveVersion(testRef, "k", tomb); err != nil {
		t.Fatal(err)
	}
	if p2 := listVersions(t, e, "k", ListVersionsOptions{}); !reflect.DeepEqual(p2.Items, p.Items) {
		t.Fatalf("removing the tombstone changed %+v to %+v", p.Items, p2.Items)
	}
	if en, _ := e.GetVersion(testRef, "k", ids[0]); value(en) != "0" {
		t.Fatalf("the oldest version reads %s", value(en))
	}
	// A key that does not exist.
	if err := e.RemoveVersion(testRef, "nobody", ids[0]); err != nil {
		t.Fatal(err)
	}
	err := e.RemoveVersion(testRef, strings.Repeat("x", 51), ids[0])
	wantErr(t, err, dserr.KeyNameLimit, "102: Key name exceeds the 50 character limit.")
}

func TestVersionsAllScopes(t *testing.T) {
	e, clk := newTestEngine(t)
	ref := StoreRef{Universe: 1, Name: "PlayerData", Scope: "houses"}
	mustSet(t, e, ref, "h1", "1")
	at(clk, time.Hour)
	v := mustSet(t, e, ref, "h1", "2")
	all := StoreRef{Universe: 1, Name: "PlayerData", AllScopes: true}
	p, err := e.ListVersions(all, "houses/h1", ListVersionsOptions{Descending: true})
	if err != nil || len(p.Items) != 2 || p.Items[0].Version != v {
		t.Fatalf("%+v %v", p, err)
	}
	en, err := e.GetVersion(all, "houses/h1", v)
	if err != nil || value(en) != "2" {
		t.Fatalf("%s %v", value(en), err)
	}
	_, err = e.ListVersions(all, "h1", ListVersionsOptions{})
	wantErr(t, err, dserr.AllScopesKeyInvalid, "The provided object key is invalid.")
}

func TestVersionsBackwardClock(t *testing.T) {
	// A virtual clock set back makes a later write carry an earlier time;
	// the latest version is still listed, in id (time) order.
	e, clk := newTestEngine(t)
	at(clk, 3*time.Hour)
	mustSet(t, e, testRef, "k", "1")
	at(clk, time.Hour)
	v2 := mustSet(t, e, testRef, "k", "2")
	p := listVersions(t, e, "k", ListVersionsOptions{})
	if len(p.Items) != 2 || p.Items[0].Version != v2 {
		t.Fatalf("%+v", p.Items)
	}
	p = listVersions(t, e, "k", ListVersionsOptions{PageSize: 1, Descending: true})
	p2 := listVersions(t, e, "k", ListVersionsOptions{PageSize: 1, Descending: true, Cursor: p.Cursor})
	if len(p.Items) != 1 || len(p2.Items) != 1 || p2.Items[0].Version != v2 || !p2.IsFinished {
		t.Fatalf("%+v then %+v", p, p2)
	}
}

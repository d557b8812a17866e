package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

var ordRef = StoreRef{Universe: 1, Name: "Leaderboard", Scope: "global"}

func ordSet(t testing.TB, e *Engine, key string, v int64) {
	t.Helper()
	if _, err := e.OrderedSet(ordRef, key, json.RawMessage(fmt.Sprint(v)), WriteOptions{}); err != nil {
		t.Fatalf("OrderedSet(%q, %d): %v", key, v, err)
	}
}

func TestOrderedBasics(t *testing.T) {
	e, _ := newTestEngine(t)
	if en, err := e.OrderedGet(ordRef, "a"); en != nil || err != nil {
		t.Fatalf("missing: %v %v", en, err)
	}
	en, err := e.OrderedSet(ordRef, "a", json.RawMessage("5"), WriteOptions{UserIDs: json.RawMessage("[]")})
	if err != nil || value(en) != "5" || en.Info != nil {
		t.Fatalf("set: %+v %v", en, err)
	}
	steps := []struct {
		name string
		do   func() (*Entry, error)
		want string
	}{
		{"get", func() (*Entry, error) { return e.OrderedGet(ordRef, "a") }, "5"},
		{"increment by default 1", func() (*Entry, error) { return e.OrderedIncrement(ordRef, "a", nil, WriteOptions{}) }, "6"},
		{"increment by -10", func() (*Entry, error) { return e.OrderedIncrement(ordRef, "a", json.RawMessage("-10"), WriteOptions{}) }, "-4"},
		{"increment by 2.0 (an integer)", func() (*Entry, error) { return e.OrderedIncrement(ordRef, "a", json.RawMessage("2.0"), WriteOptions{}) }, "-2"},
		{"increment a missing key starts at 0", func() (*Entry, error) { return e.OrderedIncrement(ordRef, "b", json.RawMessage("7"), WriteOptions{}) }, "7"},
		{"set 1e3", func() (*Entry, error) { return e.OrderedSet(ordRef, "c", json.RawMessage("1e3"), WriteOptions{}) }, "1000"},
		{"set int64 max", func() (*Entry, error) {
			return e.OrderedSet(ordRef, "max", json.RawMessage("9223372036854775807"), WriteOptions{})
		}, "9223372036854775807"},
		{"set int64 min", func() (*Entry, error) {
			return e.OrderedSet(ordRef, "min", json.RawMessage("-9223372036854775808"), WriteOptions{})
		}, "-9223372036854775808"},
		{"remove returns the old value", func() (*Entry, error) { return e.OrderedRemove(ordRef, "a") }, "-2"},
		{"removed at once", func() (*Entry, error) { return e.OrderedGet(ordRef, "a") }, "<nil>"},
		{"remove again", func() (*Entry, error) { return e.OrderedRemove(ordRef, "a") }, "<nil>"},
	}
	for _, s := range steps {
		en, err := s.do()
		if err != nil || value(en) != s.want || (en != nil && en.Info != nil) {
			t.Fatalf("%s: %s %v, want %s", s.name, value(en), err, s.want)
		}
	}
	// The index follows every write: only live entries, by value.
	p, err := e.GetSorted(ordRef, SortedOptions{Ascending: true, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := []SortedItem{{"min", math.MinInt64}, {"b", 7}, {"c", 1000}, {"max", math.MaxInt64}}
	if !reflect.DeepEqual(p.Items, want) {
		t.Fatalf("sorted = %v, want %v", p.Items, want)
	}
	// A standard store of the same name is another store.
	if en, _ := e.Get(ordRef, "b"); en != nil {
		t.Fatalf("standard Get sees the ordered entry: %s", value(en))
	}
}

func TestOrderedErrors(t *testing.T) {
	e, _ := newTestEngine(t)
	ordSet(t, e, "big", math.MaxInt64)
	ordSet(t, e, "small", math.MinInt64)
	cases := []struct {
		name string
		do   func() error
		id   string
		text string
	}{
		{"double", setValue(e, "1.5", WriteOptions{}), dserr.ValueNotAllowed, "103: double is not allowed in data stores."},
		{"array", setValue(e, "[1]", WriteOptions{}), dserr.ValueNotAllowed, "103: Array is not allowed in data stores."},
		{"dictionary", setValue(e, `{"a":1}`, WriteOptions{}), dserr.ValueNotAllowed, "103: Dictionary is not allowed in data stores."},
		{"string", setValue(e, `"5"`, WriteOptions{}), dserr.ValueNotAllowed, "103: string is not allowed in data stores."},
		{"boolean", setValue(e, `true`, WriteOptions{}), dserr.ValueNotAllowed, "103: boolean is not allowed in data stores."},
		{"nil", setValue(e, `null`, WriteOptions{}), dserr.ArgumentMissing, "Argument 2 missing or nil"},
		{"beyond int64", setValue(e, "9223372036854775808", WriteOptions{}), dserr.RequestRejected, "502: API Services rejected request with error. HTTP 400 (Bad Request)"},
		{"1e300", setValue(e, "1e300", WriteOptions{}), dserr.RequestRejected, "502: API Services rejected request with error. HTTP 400 (Bad Request)"},
		{"user ids", setValue(e, "1", WriteOptions{UserIDs: json.RawMessage("[1]")}), dserr.UserIdsNotAllowed, "517: Additional parameter UserIds not allowed"},
		{"options", setValue(e, "1", WriteOptions{Metadata: json.RawMessage(`{"a":1}`)}), dserr.OptionsNotAllowed, "517: Additional parameter Options not allowed"},
		{"empty options", setValue(e, "1", WriteOptions{Metadata: json.RawMessage(`{}`)}), dserr.OptionsNotAllowed, "517: Additional parameter Options not allowed"},
		{"options before user ids", setValue(e, "1", WriteOptions{UserIDs: json.RawMessage("[1]"), Metadata: json.RawMessage(`{}`)}), dserr.OptionsNotAllowed, ""},
		{"value before options", setValue(e, "1.5", WriteOptions{Metadata: json.RawMessage(`{}`)}), dserr.ValueNotAllowed, ""},
		{"key before value", func() error {
			_, err := e.OrderedSet(ordRef, "", json.RawMessage("1.5"), WriteOptions{})
			return err
		}, dserr.KeyNameEmpty, "101: Key name can't be empty."},
		{"increment user ids", func() error {
			_, err := e.OrderedIncrement(ordRef, "k", nil, WriteOptions{UserIDs: json.RawMessage("[1]")})
			return err
		}, dserr.UserIdsNotAllowed, "517: Additional parameter UserIds not allowed"},
		{"increment options", func() error {
			_, err := e.OrderedIncrement(ordRef, "k", nil, WriteOptions{Metadata: json.RawMessage(`{}`)})
			return err
		}, dserr.OptionsNotAllowed, "517: Additional parameter Options not allowed"},
		{"increment by 1.5", func() error {
			_, err := e.OrderedIncrement(ordRef, "k", json.RawMessage("1.5"), WriteOptions{})
			return err
		}, dserr.IncrementDeltaInvalid, ""},
		{"increment past int64 max", func() error {
			_, err := e.OrderedIncrement(ordRef, "big", json.RawMessage("1"), WriteOptions{})
			return err
		}, dserr.RequestRejected, "502: API Services rejected request with error. HTTP 400 (Bad Request)"},
		{"increment past int64 min", func() error {
			_, err := e.OrderedIncrement(ordRef, "small", json.RawMessage("-1"), WriteOptions{})
			return err
		}, dserr.RequestRejected, ""},
		{"all scopes", func() error {
			_, err := e.OrderedGet(StoreRef{Universe: 1, Name: "L", AllScopes: true}, "global/k")
			return err
		}, dserr.ProtocolBadArgument, "rbxemu: GetOrderedDataStore: an OrderedDataStore has no AllScopes option"},
		{"commit a double", func() error {
			_, err := e.OrderedCommitUpdate(ordRef, "k", "", json.RawMessage("0.5"), WriteOptions{})
			return err
		}, dserr.ValueNotAllowed, "103: double is not allowed in data stores."},
		{"commit user ids", func() error {
			_, err := e.OrderedCommitUpdate(ordRef, "k", "", json.RawMessage("5"), WriteOptions{UserIDs: json.RawMessage("[1]")})
			return err
		}, dserr.UserIdsNotAllowed, ""},
	}
	for _, c := range cases {
		wantErrT(t, c.name, c.do(), c.id, c.text)
	}
	// Nothing was written by any of them.
	p, _ := e.GetSorted(ordRef, SortedOptions{Ascending: true, PageSize: 100})
	if want := []SortedItem{{"small", math.MinInt64}, {"big", math.MaxInt64}}; !reflect.DeepEqual(p.Items, want) {
		t.Fatalf("after refused writes: %v", p.Items)
	}
}

func setValue(e *Engine, v string, opts WriteOptions) func() error {
	return func() error {
		_, err := e.OrderedSet(ordRef, "k", json.RawMessage(v), opts)
		return err
	}
}

func wantErrT(t *testing.T, name string, err error, id, text string) {
	t.Helper()
	de, ok := dserr.As(err)
	if !ok || de.ID != id {
		t.Errorf("%s: error = %v, want %s", name, err, id)
		return
	}
	if text != "" && de.Error() != text {
		t.Errorf("%s: text = %q, want %q", name, de.Error(), text)
	}
}

func TestOrderedUpdate(t *testing.T) {
	e, _ := newTestEngine(t)
	en, tok, err := e.OrderedReadForUpdate(ordRef, "k")
	if en != nil || tok != "" || err != nil {
		t.Fatalf("missing: %v %q %v", en, tok, err)
	}
	if en, err = e.OrderedCommitUpdate(ordRef, "k", "", json.RawMessage("10"), WriteOptions{}); err != nil || value(en) != "10" {
		t.Fatalf("first commit: %v %v", en, err)
	}
	_, tok1, _ := e.OrderedReadForUpdate(ordRef, "k")
	ordSet(t, e, "k", 10) // same value, still a change
	_, err = e.OrderedCommitUpdate(ordRef, "k", tok1, json.RawMessage("11"), WriteOptions{})
	var c *Conflict
	if !errors.As(err, &c) || value(c.Current) != "10" || c.Token == tok1 || c.Current.Info != nil {
		t.Fatalf("stale token: %v", err)
	}
	if en, err = e.OrderedCommitUpdate(ordRef, "k", c.Token, json.RawMessage("11"), WriteOptions{}); err != nil || value(en) != "11" {
		t.Fatalf("fresh token: %v %v", en, err)
	}
	// Remove and write again: the old token does not come back.
	_, tok2, _ := e.OrderedReadForUpdate(ordRef, "k")
	e.OrderedRemove(ordRef, "k")
	_, err = e.OrderedCommitUpdate(ordRef, "k", tok2, json.RawMessage("1"), WriteOptions{})
	if !errors.As(err, &c) || c.Current != nil || c.Token != "" {
		t.Fatalf("after remove: %v", err)
	}
	ordSet(t, e, "k", 3)
	if _, tok3, _ := e.OrderedReadForUpdate(ordRef, "k"); tok3 == tok2 || tok3 == tok1 {
		t.Fatalf("token %q repeats", tok3)
	}
}

func TestBatchGet(t *testing.T) {
	e, _ := newTestEngine(t)
	ordSet(t, e, "a", 1)
	ordSet(t, e, "b", -2)
	got, err := e.BatchGet(ordRef, []string{"a", "missing", "b", "a"})
	want := map[string]BatchItem{"a": {1}, "b": {-2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%v %v", got, err)
	}
	got, err = e.BatchGet(ordRef, []string{"missing"})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("none found: %v %v", got, err)
	}
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = fmt.Sprint("k", i)
	}
	if _, err := e.BatchGet(ordRef, hundred); err != nil {
		t.Fatal(err)
	}
	_, err = e.BatchGet(ordRef, append(hundred, "x"))
	wantErr(t, err, dserr.BatchGetKeyCount, "BatchGetAsync requires between 1 and 100 keys.")
	_, err = e.BatchGet(ordRef, nil)
	wantErr(t, err, dserr.BatchGetKeyCount, "")
	_, err = e.BatchGet(ordRef, []string{"a", ""})
	wantErr(t, err, dserr.KeyNameEmpty, "101: Key name can't be empty.")
	_, err = e.BatchGet(ordRef, []string{strings.Repeat("k", 51)})
	wantErr(t, err, dserr.KeyNameLimit, "")
}

func sortedKeys(p *Page[SortedItem]) string {
	var parts []string
	for _, it := range p.Items {
		parts = append(parts, fmt.Sprintf("%s=%d", it.Key, it.Value))
	}
	return strings.Join(parts, " ")
}

// sortedPages reads every page from opt on, one string per page.
func sortedPages(t *testing.T, e *Engine, opt SortedOptions) []string {
	t.Helper()
	var out []string
	for i := 0; i < 1000; i++ {
		p, err := e.GetSorted(ordRef, opt)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		out = append(out, sortedKeys(p))
		if (p.Cursor == "") != p.IsFinished {
			t.Fatalf("page %d: cursor %q, isFinished %v", i+1, p.Cursor, p.IsFinished)
		}
		if p.IsFinished {
			return out
		}
		opt.Cursor = p.Cursor
	}
	t.Fatal("no end")
	return nil
}

func TestGetSortedOrderAndTies(t *testing.T) {
	e, _ := newTestEngine(t)
	for k, v := range map[string]int64{"c": 5, "a": 5, "b": 5, "d": 7, "e": 3, "n": -4, "m": -4, "z": 0} {
		ordSet(t, e, k, v)
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		name  string
		opt   SortedOptions
		pages []string
	}{
		{"ascending", SortedOptions{Ascending: true, PageSize: 100}, []string{"m=-4 n=-4 z=0 e=3 a=5 b=5 c=5 d=7"}},
		{"descending: ties still by key ascending", SortedOptions{PageSize: 100}, []string{"d=7 a=5 b=5 c=5 e=3 z=0 m=-4 n=-4"}},
		{"ascending by 2", SortedOptions{Ascending: true, PageSize: 2}, []string{"m=-4 n=-4", "z=0 e=3", "a=5 b=5", "c=5 d=7"}},
		{"descending by 2 splits a tie", SortedOptions{PageSize: 2}, []string{"d=7 a=5", "b=5 c=5", "e=3 z=0", "m=-4 n=-4"}},
		{"descending by 3", SortedOptions{PageSize: 3}, []string{"d=7 a=5 b=5", "c=5 e=3 z=0", "m=-4 n=-4"}},
		{"ascending by 1 splits ties", SortedOptions{Ascending: true, PageSize: 1, MinValue: raw("5"), MaxValue: raw("5")}, []string{"a=5", "b=5", "c=5"}},
		{"descending by 1 splits ties", SortedOptions{PageSize: 1, MinValue: raw("5"), MaxValue: raw("5")}, []string{"a=5", "b=5", "c=5"}},
		{"inclusive bounds", SortedOptions{Ascending: true, PageSize: 100, MinValue: raw("3"), MaxValue: raw("5")}, []string{"e=3 a=5 b=5 c=5"}},
		{"inclusive bounds descending", SortedOptions{PageSize: 100, MinValue: raw("3"), MaxValue: raw("5")}, []string{"a=5 b=5 c=5 e=3"}},
		{"min only", SortedOptions{PageSize: 100, MinValue: raw("4")}, []string{"d=7 a=5 b=5 c=5"}},
		{"max only", SortedOptions{Ascending: true, PageSize: 100, MaxValue: raw("0")}, []string{"m=-4 n=-4 z=0"}},
		{"null bounds are none", SortedOptions{Ascending: true, PageSize: 100, MinValue: raw("null"), MaxValue: raw("null")}, []string{"m=-4 n=-4 z=0 e=3 a=5 b=5 c=5 d=7"}},
		{"bounds as 5.0", SortedOptions{Ascending: true, PageSize: 100, MinValue: raw("5.0"), MaxValue: raw("5e0")}, []string{"a=5 b=5 c=5"}},
		{"empty range", SortedOptions{PageSize: 10, MinValue: raw("100")}, []string{""}},
		{"huge bounds", SortedOptions{PageSize: 10, MinValue: raw("-1e30"), MaxValue: raw("1e30")}, []string{"d=7 a=5 b=5 c=5 e=3 z=0 m=-4 n=-4"}},
		{"exact fit", SortedOptions{PageSize: 8}, []string{"d=7 a=5 b=5 c=5 e=3 z=0 m=-4 n=-4"}},
	}
	for _, c := range cases {
		got := sortedPages(t, e, c.opt)
		if !reflect.DeepEqual(got, c.pages) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.pages)
		}
	}
}

func TestGetSortedBigTie(t *testing.T) {
	// More equal values than the descending walk buffers: read forwards.
	e, _ := newTestEngine(t)
	n := groupBuffer + 50
	for i := 0; i < n; i++ {
		ordSet(t, e, fmt.Sprintf("t%03d", i), 10)
	}
	ordSet(t, e, "top", 11)
	ordSet(t, e, "low", 9)
	var want []string
	want = append(want, "top=11")
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("t%03d=10", i))
	}
	want = append(want, "low=9")
	for _, size := range []int{100, 7, 1} {
		pages := sortedPages(t, e, SortedOptions{PageSize: size})
		var got []string
		for _, p := range pages {
			got = append(got, strings.Fields(p)...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("page size %d: %d entries, first %v", size, len(got), got[:3])
		}
	}
}

func TestGetSortedErrors(t *testing.T) {
	e, _ := newTestEngine(t)
	ordSet(t, e, "a", 1)
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		name string
		opt  SortedOptions
		id   string
		text string
	}{
		{"page size 0", SortedOptions{PageSize: 0}, dserr.PageSizeGreater, "106: PageSize must be within predefined range."},
		{"page size -1", SortedOptions{PageSize: -1}, dserr.PageSizeGreater, "106: PageSize must be within predefined range."},
		{"page size 101", SortedOptions{PageSize: 101}, dserr.PageSizeLesser, "106: PageSize must be within predefined range."},
		{"min 1.5", SortedOptions{PageSize: 1, MinValue: raw("1.5")}, dserr.MinValueInvalid, "106: MaxValue and MinValue must be integers."},
		{"max string", SortedOptions{PageSize: 1, MaxValue: raw(`"5"`)}, dserr.MaxValueInvalid, "106: MaxValue and MinValue must be integers."},
		{"max table", SortedOptions{PageSize: 1, MaxValue: raw(`[5]`)}, dserr.MaxValueInvalid, ""},
		{"max < min", SortedOptions{PageSize: 1, MinValue: raw("5"), MaxValue: raw("4")}, dserr.MinMaxOrderInvalid, "107: MaxValue must be greater than or equal to MinValue."},
		{"page size first", SortedOptions{PageSize: 0, MinValue: raw("5"), MaxValue: raw("4")}, dserr.PageSizeGreater, ""},
		{"bad cursor", SortedOptions{PageSize: 1, Cursor: "nope"}, dserr.InvalidExclusiveStartKey, "DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: , Data Store: "},
	}
	for _, c := range cases {
		_, err := e.GetSorted(ordRef, c.opt)
		wantErrT(t, c.name, err, c.id, c.text)
	}
	ordSet(t, e, "b", 2)
	p, _ := e.GetSorted(ordRef, SortedOptions{PageSize: 1})
	for name, opt := range map[string]SortedOptions{
		"other direction": {PageSize: 1, Ascending: true, Cursor: p.Cursor},
		"other bounds":    {PageSize: 1, MinValue: raw("0"), Cursor: p.Cursor},
	} {
		_, err := e.GetSorted(ordRef, opt)
		wantErrT(t, name, err, dserr.InvalidExclusiveStartKey, "")
	}
	_, err := e.GetSorted(StoreRef{Universe: 1, Name: "Other", Scope: "global"}, SortedOptions{PageSize: 1, Cursor: p.Cursor})
	wantErrT(t, "other store", err, dserr.InvalidExclusiveStartKey, "")
}

func TestOrderedConcurrentIncrements(t *testing.T) {
	e, _ := newTestEngine(t)
	const workers, each = 4, 50
	done := make(chan error)
	for w := 0; w < workers; w++ {
		go func(w int) {
			var err error
			for i := 0; i < each && err == nil; i++ {
				_, err = e.OrderedIncrement(ordRef, "shared", nil, WriteOptions{})
				if err == nil {
					_, err = e.OrderedIncrement(ordRef, fmt.Sprint("own", w), nil, WriteOptions{})
				}
			}
			done <- err
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	p, _ := e.GetSorted(ordRef, SortedOptions{PageSize: 10})
	if got := sortedKeys(p); got != "shared=200 own0=50 own1=50 own2=50 own3=50" {
		t.Fatalf("index after concurrent increments: %s", got)
	}
}

package dispatch_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

func TestOrderedOps(t *testing.T) {
	r := newPageRig(t)
	steps := []struct {
		op, args, want string
		gate           gateCall
	}{
		{"GetAsync", `{"store":"Board","ordered":true,"key":"a"}`, `{"value":null,"keyInfo":null}`,
			gateCall{Op: "GetAsync", Store: "Board", Key: "a", Ordered: true, Types: []string{"OrderedRead"}}},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":10,"userIds":[]}`, `{"version":null,"keyInfo":null}`,
			gateCall{Op: "SetAsync", Store: "Board", Key: "a", Ordered: true, Types: []string{"OrderedWrite"}}},
		{"GetAsync", `{"store":"Board","ordered":true,"key":"a"}`, `{"value":10,"keyInfo":null}`,
			gateCall{Op: "GetAsync", Store: "Board", Key: "a", Ordered: true, Types: []string{"OrderedRead"}}},
		{"IncrementAsync", `{"store":"Board","ordered":true,"key":"a","delta":-3}`, `{"value":7,"keyInfo":null}`,
			gateCall{Op: "IncrementAsync", Store: "Board", Key: "a", Ordered: true, Types: []string{"OrderedWrite"}}},
		{"IncrementAsync", `{"store":"Board","ordered":true,"key":"b"}`, `{"value":1,"keyInfo":null}`,
			gateCall{Op: "IncrementAsync", Store: "Board", Key: "b", Ordered: true, Types: []string{"OrderedWrite"}}},
		{"GetAsync", `{"store":"Board","key":"a"}`, `{"value":null,"keyInfo":null}`,
			gateCall{Op: "GetAsync", Store: "Board", Key: "a", Types: []string{"StandardRead"}}},
		{"RemoveAsync", `{"store":"Board","ordered":true,"key":"b"}`, `{"value":1,"keyInfo":null}`,
			gateCall{Op: "RemoveAsync", Store: "Board", Key: "b", Ordered: true, Types: []string{"OrderedRemove"}}},
		{"RemoveAsync", `{"store":"Board","ordered":true,"key":"b"}`, `{"value":null,"keyInfo":null}`,
			gateCall{Op: "RemoveAsync", Store: "Board", Key: "b", Ordered: true, Types: []string{"OrderedRemove"}}},
		{"ReadForUpdate", `{"store":"Board","ordered":true,"key":"new"}`, `{"value":null,"keyInfo":null,"token":""}`,
			gateCall{Op: "UpdateAsync", Store: "Board", Key: "new", Ordered: true, Types: []string{"OrderedRead", "OrderedWrite"}}},
		{"CommitUpdate", `{"store":"Board","ordered":true,"key":"new","token":"","value":5}`, `{"committed":true,"value":5,"keyInfo":null}`,
			gateCall{Op: "UpdateAsync", Store: "Board", Key: "new", Ordered: true}},
		{"CommitUpdate", `{"store":"Board","ordered":true,"key":"new","token":"","value":6}`, `{"committed":false,"value":5,"keyInfo":null,"token":"$token"}`,
			gateCall{Op: "UpdateAsync", Store: "Board", Key: "new", Ordered: true}},
	}
	for _, s := range steps {
		got := r.must(t, s.op, s.args)
		if strings.Contains(s.want, "$token") {
			var res struct{ Token string }
			json.Unmarshal([]byte(got), &res)
			if res.Token == "" {
				t.Fatalf("%s: no token in %s", s.op, got)
			}
			got = strings.Replace(got, `"`+res.Token+`"`, `"$token"`, 1)
		}
		if got != s.want {
			t.Errorf("%s %s:\n got %s\nwant %s", s.op, s.args, got, s.want)
		}
		if calls := r.gate.take(); len(calls) != 1 || !reflect.DeepEqual(calls[0], s.gate) {
			t.Errorf("%s %s: gate saw %+v, want %+v", s.op, s.args, calls, s.gate)
		}
	}
	// A commit against the fresh token succeeds.
	var rd struct{ Token string }
	json.Unmarshal([]byte(r.must(t, "ReadForUpdate", `{"store":"Board","ordered":true,"key":"new"}`)), &rd)
	if got := r.must(t, "CommitUpdate", `{"store":"Board","ordered":true,"key":"new","token":"`+rd.Token+`","value":6}`); got != `{"committed":true,"value":6,"keyInfo":null}` {
		t.Fatalf("commit: %s", got)
	}
}

func TestOrderedOpErrors(t *testing.T) {
	r := newPageRig(t)
	cases := []struct {
		op, args, id, text string
	}{
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":1.5}`, dserr.ValueNotAllowed, "103: double is not allowed in data stores."},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":[1,2]}`, dserr.ValueNotAllowed, "103: Array is not allowed in data stores."},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":{"a":1}}`, dserr.ValueNotAllowed, "103: Dictionary is not allowed in data stores."},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":"1"}`, dserr.ValueNotAllowed, "103: string is not allowed in data stores."},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":false}`, dserr.ValueNotAllowed, "103: boolean is not allowed in data stores."},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":1,"userIds":[1]}`, dserr.UserIdsNotAllowed, "517: Additional parameter UserIds not allowed"},
		{"SetAsync", `{"store":"Board","ordered":true,"key":"a","value":1,"metadata":{}}`, dserr.OptionsNotAllowed, "517: Additional parameter Options not allowed"},
		{"IncrementAsync", `{"store":"Board","ordered":true,"key":"a","userIds":[1]}`, dserr.UserIdsNotAllowed, "517: Additional parameter UserIds not allowed"},
		{"IncrementAsync", `{"store":"Board","ordered":true,"key":"a","metadata":{"x":1}}`, dserr.OptionsNotAllowed, "517: Additional parameter Options not allowed"},
		{"CommitUpdate", `{"store":"Board","ordered":true,"key":"a","token":"","value":2.5}`, dserr.ValueNotAllowed, "103: double is not allowed in data stores."},
		{"CommitUpdate", `{"store":"Board","ordered":true,"key":"a","value":2}`, dserr.ProtocolMissingField, `rbxemu: CommitUpdate: missing field "token"`},
		{"SetAsync", `{"store":"Board","ordered":true,"allScopes":true,"scope":"","key":"global/a","value":1}`, dserr.ProtocolBadArgument,
			"rbxemu: GetOrderedDataStore: an OrderedDataStore has no AllScopes option"},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":0}`, dserr.PageSizeGreater, "106: PageSize must be within predefined range."},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":101}`, dserr.PageSizeLesser, "106: PageSize must be within predefined range."},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":10,"minValue":0.5}`, dserr.MinValueInvalid, "106: MaxValue and MinValue must be integers."},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":10,"maxValue":"9"}`, dserr.MaxValueInvalid, "106: MaxValue and MinValue must be integers."},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":10,"minValue":10,"maxValue":9}`, dserr.MinMaxOrderInvalid, "107: MaxValue must be greater than or equal to MinValue."},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":10,"cursor":"zz"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: GetSortedAsync, Data Store: Board"},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"pageSize":10}`, dserr.ProtocolMissingField, `rbxemu: GetSortedAsync: missing field "ascending"`},
		{"GetSortedAsync", `{"store":"Board","ordered":true,"ascending":false}`, dserr.ProtocolMissingField, `rbxemu: GetSortedAsync: missing field "pageSize"`},
		{"GetSortedAsync", `{"store":"Board","ascending":true,"pageSize":10}`, dserr.ProtocolBadArgument, `rbxemu: GetSortedAsync: only an OrderedDataStore has it (send "ordered": true)`},
		{"BatchGetAsync", `{"store":"PlayerData","keys":["a"]}`, dserr.BatchGetOnStandardStore, "BatchGetAsync is only supported on OrderedDataStore."},
		{"BatchGetAsync", `{"store":"Board","ordered":true,"keys":[]}`, dserr.BatchGetKeyCount, "BatchGetAsync requires between 1 and 100 keys."},
		{"BatchGetAsync", `{"store":"Board","ordered":true}`, dserr.ProtocolMissingField, `rbxemu: BatchGetAsync: missing field "keys"`},
		{"BatchGetAsync", `{"store":"Board","ordered":true,"keys":["a",""]}`, dserr.KeyNameEmpty, "101: Key name can't be empty."},
	}
	for _, c := range cases {
		_, err := r.call(c.op, c.args)
		errText(t, c.op+" "+c.args, err, c.id, c.text)
	}
	// Nothing was written.
	if got := r.must(t, "GetSortedAsync", `{"store":"Board","ordered":true,"ascending":true,"pageSize":100}`); got != `{"items":[],"cursor":"","isFinished":true}` {
		t.Fatalf("after refused writes: %s", got)
	}
	keys := make([]string, 101)
	for i := range keys {
		keys[i] = fmt.Sprintf("%q", fmt.Sprint("k", i))
	}
	r.gate.take()
	_, err := r.call("BatchGetAsync", `{"store":"Board","ordered":true,"keys":[`+strings.Join(keys, ",")+`]}`)
	errText(t, "101 keys", err, dserr.BatchGetKeyCount, "BatchGetAsync requires between 1 and 100 keys.")
	if calls := r.gate.take(); len(calls) != 0 {
		t.Fatalf("a refused BatchGetAsync spent %d requests", len(calls))
	}
}

func TestGetSortedAsyncPages(t *testing.T) {
	r := newPageRig(t)
	for _, kv := range [][2]any{{"c", 5}, {"a", 5}, {"b", 5}, {"d", 9}, {"e", -1}} {
		r.must(t, "SetAsync", fmt.Sprintf(`{"store":"Board","ordered":true,"key":"%s","value":%d}`, kv[0], kv[1]))
	}
	r.gate.take()
	read := func(asc bool, size int, extra string) []string {
		var out []string
		cursor := ""
		for range 10 {
			args := fmt.Sprintf(`{"store":"Board","ordered":true,"ascending":%v,"pageSize":%d%s`, asc, size, extra)
			if cursor != "" {
				args += `,"cursor":"` + cursor + `"`
			}
			got := r.must(t, "GetSortedAsync", args+"}")
			var p struct {
				Items []struct {
					Key   string
					Value int64
				}
				Cursor     string
				IsFinished bool
			}
			if err := json.Unmarshal([]byte(got), &p); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, it := range p.Items {
				parts = append(parts, fmt.Sprintf("%s=%d", it.Key, it.Value))
			}
			out = append(out, strings.Join(parts, " "))
			if p.IsFinished {
				return out
			}
			cursor = p.Cursor
		}
		t.Fatal("no end")
		return nil
	}
	cases := []struct {
		asc   bool
		size  int
		extra string
		want  []string
	}{
		{true, 100, "", []string{"e=-1 a=5 b=5 c=5 d=9"}},
		{false, 100, "", []string{"d=9 a=5 b=5 c=5 e=-1"}},
		{false, 2, "", []string{"d=9 a=5", "b=5 c=5", "e=-1"}},
		{true, 2, `,"minValue":0,"maxValue":5`, []string{"a=5 b=5", "c=5"}},
		{false, 1, `,"minValue":5,"maxValue":null`, []string{"d=9", "a=5", "b=5", "c=5"}},
	}
	for _, c := range cases {
		if got := read(c.asc, c.size, c.extra); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ascending %v, size %d%s: %q, want %q", c.asc, c.size, c.extra, got, c.want)
		}
	}
	calls := r.gate.take()
	if !reflect.DeepEqual(calls[0], gateCall{Op: "GetSortedAsync", Store: "Board", Ordered: true, Types: []string{"OrderedList"}}) {
		t.Fatalf("gate saw %+v", calls[0])
	}
	want := `{"items":[{"key":"d","value":9}],"cursor":"$","isFinished":false}`
	got := r.must(t, "GetSortedAsync", `{"store":"Board","ordered":true,"ascending":false,"pageSize":1}`)
	var p struct{ Cursor string }
	json.Unmarshal([]byte(got), &p)
	if strings.Replace(got, p.Cursor, "$", 1) != want {
		t.Fatalf("shape: %s", got)
	}
}

func TestBatchGetAsync(t *testing.T) {
	r := newPageRig(t)
	r.must(t, "SetAsync", `{"store":"Board","ordered":true,"key":"a","value":1}`)
	r.must(t, "SetAsync", `{"store":"Board","ordered":true,"key":"b","value":-20}`)
	r.gate.take()
	got := r.must(t, "BatchGetAsync", `{"store":"Board","ordered":true,"keys":["a","missing","b"],"options":{}}`)
	if got != `{"values":{"a":{"value":1},"b":{"value":-20}}}` {
		t.Fatalf("result %s", got)
	}
	// N keys are N OrderedRead requests, one per key.
	want := []gateCall{
		{Op: "BatchGetAsync", Store: "Board", Key: "a", Ordered: true, Types: []string{"OrderedRead"}},
		{Op: "BatchGetAsync", Store: "Board", Key: "missing", Ordered: true, Types: []string{"OrderedRead"}},
		{Op: "BatchGetAsync", Store: "Board", Key: "b", Ordered: true, Types: []string{"OrderedRead"}},
	}
	if calls := r.gate.take(); !reflect.DeepEqual(calls, want) {
		t.Fatalf("gate saw %+v", calls)
	}
	if got := r.must(t, "BatchGetAsync", `{"store":"Board","ordered":true,"keys":["none"]}`); got != `{"values":{}}` {
		t.Fatalf("nothing found: %s", got)
	}
	// A refused key fails the call, named after BatchGetAsync and the store.
	r.gate.refuse = map[string]error{"b": dserr.New(dserr.KeyThrottled)}
	_, err := r.call("BatchGetAsync", `{"store":"Board","ordered":true,"keys":["a","b"]}`)
	errText(t, "throttled key", err, dserr.KeyThrottled,
		"DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: BatchGetAsync, Data Store: Board")
}

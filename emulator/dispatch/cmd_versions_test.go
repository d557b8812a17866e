package dispatch_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// setVersion writes key and returns the version id SetAsync returned.
func (r *pageRig) setVersion(t *testing.T, key, value string) string {
	t.Helper()
	var res struct{ Version string }
	if err := json.Unmarshal([]byte(r.must(t, "SetAsync", `{"store":"PlayerData","key":"`+key+`","value":`+value+`}`)), &res); err != nil {
		t.Fatal(err)
	}
	return res.Version
}

func TestVersionOps(t *testing.T) {
	r := newPageRig(t)
	v1 := r.setVersion(t, "k", `{"n":1}`)
	r.clk.Advance(time.Hour)
	v2 := r.setVersion(t, "k", `{"n":2}`)
	r.gate.take()
	h := int64(time.Hour / time.Millisecond)

	cases := []struct {
		op, args, want string
	}{
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k"}`,
			fmt.Sprintf(`{"items":[{"createdTime":%d,"isDeleted":false,"version":"%s"},{"createdTime":%d,"isDeleted":false,"version":"%s"}],"cursor":"","isFinished":true}`, rigStart, v1, rigStart+h, v2)},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","sortDirection":"Descending","pageSize":5}`,
			fmt.Sprintf(`{"items":[{"createdTime":%d,"isDeleted":false,"version":"%s"},{"createdTime":%d,"isDeleted":false,"version":"%s"}],"cursor":"","isFinished":true}`, rigStart+h, v2, rigStart, v1)},
		{"ListVersionsAsync", fmt.Sprintf(`{"store":"PlayerData","key":"k","sortDirection":1,"minDate":%d,"maxDate":%d}`, rigStart+h, rigStart+h),
			fmt.Sprintf(`{"items":[{"createdTime":%d,"isDeleted":false,"version":"%s"}],"cursor":"","isFinished":true}`, rigStart+h, v2)},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","sortDirection":"Enum.SortDirection.Ascending","maxDate":0,"minDate":0}`,
			fmt.Sprintf(`{"items":[{"createdTime":%d,"isDeleted":false,"version":"%s"},{"createdTime":%d,"isDeleted":false,"version":"%s"}],"cursor":"","isFinished":true}`, rigStart, v1, rigStart+h, v2)},
		{"GetVersionAsync", `{"store":"PlayerData","key":"k","version":"` + v1 + `"}`,
			fmt.Sprintf(`{"value":{"n":1},"keyInfo":{"createdTime":%d,"updatedTime":%d,"version":"%s","userIds":[],"metadata":{}}}`, rigStart, rigStart, v1)},
		{"GetVersionAsync", `{"store":"PlayerData","key":"k","version":"unknown"}`, `{"value":null,"keyInfo":null}`},
		{"GetVersionAtTimeAsync", fmt.Sprintf(`{"store":"PlayerData","key":"k","timestamp":%d}`, rigStart+h-1),
			fmt.Sprintf(`{"value":{"n":1},"keyInfo":{"createdTime":%d,"updatedTime":%d,"version":"%s","userIds":[],"metadata":{}}}`, rigStart, rigStart, v1)},
		{"GetVersionAtTimeAsync", fmt.Sprintf(`{"store":"PlayerData","key":"k","timestamp":%d}`, rigStart-1), `{"value":null,"keyInfo":null}`},
		{"RemoveVersionAsync", `{"store":"PlayerData","key":"k","version":"` + v1 + `"}`, `{}`},
		{"GetVersionAsync", `{"store":"PlayerData","key":"k","version":"` + v1 + `"}`, `{"value":null,"keyInfo":null}`},
	}
	for _, c := range cases {
		if got := r.must(t, c.op, c.args); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.op, c.args, got, c.want)
		}
	}
	var got []gateCall
	for _, c := range r.gate.take() {
		if len(got) == 0 || !reflect.DeepEqual(got[len(got)-1], c) {
			got = append(got, c)
		}
	}
	want := []gateCall{
		{Op: "ListVersionsAsync", Store: "PlayerData", Key: "k", Types: []string{"StandardList"}},
		{Op: "GetVersionAsync", Store: "PlayerData", Key: "k", Types: []string{"StandardRead"}},
		{Op: "GetVersionAtTimeAsync", Store: "PlayerData", Key: "k", Types: []string{"StandardRead"}},
		{Op: "RemoveVersionAsync", Store: "PlayerData", Key: "k", Types: []string{"RemoveVersionAsync"}},
		{Op: "GetVersionAsync", Store: "PlayerData", Key: "k", Types: []string{"StandardRead"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("gate saw %+v\nwant %+v", got, want)
	}
}

func TestListVersionsAsyncPaging(t *testing.T) {
	r := newPageRig(t)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, r.setVersion(t, "k", fmt.Sprint(i)))
		r.clk.Advance(time.Hour)
	}
	var got [][]string
	cursor := ""
	for range 10 {
		args := `{"store":"PlayerData","key":"k","sortDirection":"Descending","pageSize":2`
		if cursor != "" {
			args += `,"cursor":"` + cursor + `"`
		}
		var p struct {
			Items      []struct{ Version string }
			Cursor     string
			IsFinished bool
		}
		if err := json.Unmarshal([]byte(r.must(t, "ListVersionsAsync", args+"}")), &p); err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, it := range p.Items {
			vs = append(vs, it.Version)
		}
		got = append(got, vs)
		if p.IsFinished {
			break
		}
		cursor = p.Cursor
	}
	if want := [][]string{{ids[4], ids[3]}, {ids[2], ids[1]}, {ids[0]}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
}

func TestVersionOpErrors(t *testing.T) {
	r := newPageRig(t)
	r.setVersion(t, "k", "1")
	now := rigStart
	cases := []struct {
		op, args, id, text string
	}{
		{"GetVersionAtTimeAsync", `{"store":"PlayerData","key":"k","timestamp":0}`, dserr.InvalidTimestamp,
			"DataStoreService: InvalidTimestamp: Timestamp must be positive and not more than ten minutes in the future. API: GetVersionAtTimeAsync, Data Store: PlayerData"},
		{"GetVersionAtTimeAsync", fmt.Sprintf(`{"store":"PlayerData","key":"k","timestamp":%d}`, now+600001), dserr.InvalidTimestamp,
			"DataStoreService: InvalidTimestamp: Timestamp must be positive and not more than ten minutes in the future. API: GetVersionAtTimeAsync, Data Store: PlayerData"},
		{"GetVersionAtTimeAsync", `{"store":"PlayerData","key":"k"}`, dserr.ProtocolMissingField, `rbxemu: GetVersionAtTimeAsync: missing field "timestamp"`},
		{"GetVersionAtTimeAsync", `{"store":"PlayerData","key":"","timestamp":1}`, dserr.KeyNameEmpty, "101: Key name can't be empty."},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","cursor":"x"}`, dserr.InvalidExclusiveStartKey,
			"DataStoreService: InvalidExclusiveStartKey: The provided exclusive start key is not valid. API: ListVersionsAsync, Data Store: PlayerData"},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","sortDirection":"Up"}`, dserr.ProtocolBadArgument,
			`rbxemu: ListVersionsAsync: sortDirection must be "Ascending" or "Descending"`},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","sortDirection":2}`, dserr.ProtocolBadArgument,
			`rbxemu: ListVersionsAsync: sortDirection must be "Ascending" or "Descending"`},
		{"ListVersionsAsync", `{"store":"PlayerData","key":"k","minDate":"soon"}`, dserr.ProtocolWrongType,
			`rbxemu: ListVersionsAsync: field "minDate" must be a number`},
		{"ListVersionsAsync", `{"store":"PlayerData"}`, dserr.ProtocolMissingField, `rbxemu: ListVersionsAsync: missing field "key"`},
		{"GetVersionAsync", `{"store":"PlayerData","key":"k"}`, dserr.ProtocolMissingField, `rbxemu: GetVersionAsync: missing field "version"`},
		{"RemoveVersionAsync", `{"store":"PlayerData","key":"k"}`, dserr.ProtocolMissingField, `rbxemu: RemoveVersionAsync: missing field "version"`},
		{"GetVersionAsync", `{"store":"Board","ordered":true,"key":"k","version":"v"}`, dserr.ProtocolBadArgument, "rbxemu: GetVersionAsync: not available on an OrderedDataStore"},
		{"ListVersionsAsync", `{"store":"Board","ordered":true,"key":"k"}`, dserr.ProtocolBadArgument, "rbxemu: ListVersionsAsync: not available on an OrderedDataStore"},
		{"RemoveVersionAsync", `{"store":"Board","ordered":true,"key":"k","version":"v"}`, dserr.ProtocolBadArgument, "rbxemu: RemoveVersionAsync: not available on an OrderedDataStore"},
		{"GetVersionAtTimeAsync", `{"store":"Board","ordered":true,"key":"k","timestamp":1}`, dserr.ProtocolBadArgument, "rbxemu: GetVersionAtTimeAsync: not available on an OrderedDataStore"},
	}
	for _, c := range cases {
		_, err := r.call(c.op, c.args)
		errText(t, c.op+" "+c.args, err, c.id, c.text)
	}
}

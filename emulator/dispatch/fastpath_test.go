package dispatch

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

// keyArgsCases are arguments of the key-only ops: the plain shapes the fast
// reader takes, and the shapes it must leave to decodeArgs.
var keyArgsCases = []string{
	`{"store":"s","key":"k"}`,
	` { "store" : "s" , "scope" : "sc" , "key" : "k" , "allScopes" : false , "ordered" : true } `,
	`{"key":"é😀","store":"ü"}`,
	`{"store":"s","key":"k","allScopes":true}`,
	`{}`,
	`{"store":"s","key":null}`,
	`{"store":"s","key":"a\"b"}`,
	`{"store":"s","key":"\u0041"}`,
	`{"store":"s","key":"` + "\xff" + `"}`,
	`{"store":"s","key":"` + "\x01" + `"}`,
	`{"store":"s","key":1}`,
	`{"store":"s","Key":"k"}`,
	`{"STORE":"s","key":"k"}`,
	`{"store":"s","key":"k","key":"j"}`,
	`{"store":"s","key":"k","x":1}`,
	`{"store":"s","key":"k","ordered":"yes"}`,
	`{"store":"s","key":"k","ordered":truex}`,
	`{"store":"s","key":"k","ordered":null}`,
	`{"store":"s","key":"k"} {}`,
	`{"store":"s","key":"k"}x`,
	`{"store":"s","key":"k",}`,
	`{"store":"s" "key":"k"}`,
	`{"store":"s","key":"k"`,
	`[]`,
	`null`,
	`"s"`,
	``,
}

// setArgsCases add what SetAsync takes.
var setArgsCases = []string{
	`{"store":"s","key":"k","value":"x"}`,
	`{"value":{"a":[1,{"b":null}],"c":"\u00e9"},"store":"s","key":"k","userIds":[1,2],"metadata":{"m":1}}`,
	`{"store":"s","key":"k","value": 1.5e3 ,"userIds": [] }`,
	`{"store":"s","key":"k","value":null}`,
	`{"store":"s","key":"k","value":nul}`,
	`{"store":"s","key":"k","value":1,"value":2}`,
	`{"store":"s","key":"k","value":[1,]}`,
	`{"store":"s","key":"k","Value":1}`,
	`{"store":"s","key":"k","metadata":null,"value":1}`,
	`{"store":"s","key":"k","userIds":"x","value":1}`,
	`{"store":"s","key":"k","value":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`,
}

func checkKeyArgs(t *testing.T, b []byte) {
	t.Helper()
	var fast, general keyOnlyArgs
	ferr := decodeKeyOnlyArgs("GetAsync", b, &fast)
	gerr := decodeArgs("GetAsync", b, &general)
	if !reflect.DeepEqual(fast, general) || !reflect.DeepEqual(ferr, gerr) {
		t.Fatalf("%q:\nfast    %+v %v\ngeneral %+v %v", b, fast, ferr, general, gerr)
	}
	var fastSet, generalSet setArgs
	ferr = decodeSetArgs("SetAsync", b, &fastSet)
	gerr = decodeArgs("SetAsync", b, &generalSet)
	if !reflect.DeepEqual(fastSet, generalSet) || !reflect.DeepEqual(ferr, gerr) {
		t.Fatalf("%q:\nfast    %+v %v\ngeneral %+v %v", b, fastSet, ferr, generalSet, gerr)
	}
}

func TestDecodeKeyOnlyArgsAgreesWithDecodeArgs(t *testing.T) {
	took := 0
	for _, c := range append(keyArgsCases, setArgsCases...) {
		checkKeyArgs(t, []byte(c))
		var a setArgs
		raws := []rawField{{"value", &a.Value}, {"userIds", &a.UserIDs}, {"metadata", &a.Metadata}}
		if readPlainArgs([]byte(c), &a.KeyArgs, raws) {
			took++
		}
	}
	if took < 8 {
		t.Errorf("the fast reader took only %d of the plain cases", took)
	}
}

func FuzzDecodeKeyOnlyArgs(f *testing.F) {
	for _, c := range append(keyArgsCases, setArgsCases...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkKeyArgs(t, b) })
}

func TestEntryResultAppendJSONAgreesWithEncodingJSON(t *testing.T) {
	for i, r := range []EntryResult{
		entryResult(nil),
		{Value: json.RawMessage(`"x"`), KeyInfo: &engine.KeyInfo{CreatedTime: 1, UpdatedTime: -2, Version: "08D9E6A3F2188CFF.0000000001.08D9E6A3F2188CFF.01", UserIDs: []int64{1, 2}, Metadata: json.RawMessage(`{"a":1}`)}},
		{Value: json.RawMessage(`{"a":[1,2.5e3,true,null],"s":"<&>\u2028é\"\\"}`), KeyInfo: &engine.KeyInfo{Version: "v\u2028é<\"", UserIDs: []int64{}, Metadata: json.RawMessage(`{}`)}},
		{Value: json.RawMessage(` { "a" : [ 1 , 2 ] } `), KeyInfo: &engine.KeyInfo{Metadata: json.RawMessage("{ }")}},
		{Value: json.RawMessage("7"), KeyInfo: &engine.KeyInfo{}},
		{},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		got, err := r.AppendJSON([]byte("x"))
		if err != nil || string(got) != "x"+want {
			t.Errorf("case %d:\n got %s (%v)\nwant x%s", i, got, err, want)
		}
	}
	for i, r := range []SetResult{
		{Version: "v1", KeyInfo: &engine.KeyInfo{Version: "v1", UserIDs: []int64{3}, Metadata: json.RawMessage(`{"a":"é"}`)}},
		{Version: "v\"<", KeyInfo: nil},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got, err := r.AppendJSON(nil); err != nil || string(got) != want {
			t.Errorf("SetResult %d:\n got %s (%v)\nwant %s", i, got, err, want)
		}
	}
	for i, r := range []ReadResult{
		{EntryResult: entryResult(nil)},
		{EntryResult: EntryResult{Value: json.RawMessage(`{"a":1}`), KeyInfo: &engine.KeyInfo{Version: "v", UserIDs: []int64{}, Metadata: json.RawMessage(`{}`)}}, Token: "v\"é"},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got, err := r.AppendJSON(nil); err != nil || string(got) != want {
			t.Errorf("ReadResult %d:\n got %s (%v)\nwant %s", i, got, err, want)
		}
	}
	// Invalid JSON fails, as it does in encoding/json.
	if _, err := (EntryResult{Value: json.RawMessage(`{"a":`)}).AppendJSON(nil); err == nil {
		t.Error("invalid value encoded")
	}
	if _, err := (EntryResult{Value: json.RawMessage{}}).AppendJSON(nil); err == nil {
		t.Error("empty value encoded")
	}
}

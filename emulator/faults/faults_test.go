package faults_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/faults"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func seed(n uint64) *uint64 { return &n }

// calls is a fixed sequence of calls that the rules below are run against.
var calls = []faults.Call{
	{Op: "SetAsync", Store: "PlayerData", Scope: "global", Key: "Player_1", Session: "s1", JobID: "job-a", Universe: 1},                          // 0
	{Op: "GetAsync", Store: "PlayerData", Scope: "global", Key: "Player_1", Session: "s1", JobID: "job-a", Universe: 1},                          // 1
	{Op: "SetAsync", Store: "PlayerData", Scope: "global", Key: "Player_2", Session: "s2", JobID: "job-b", Universe: 1},                          // 2
	{Op: "SetAsync", Store: "Other", Scope: "global", Key: "Player_3", Session: "s1", JobID: "job-a", Universe: 1},                               // 3
	{Op: "SetAsync", Store: "PlayerData", Scope: "beta", Key: "Guild_1", Session: "s2", JobID: "job-b", Universe: 2},                             // 4
	{Op: "ReadForUpdate", API: "UpdateAsync", Store: "PlayerData", Scope: "global", Key: "Player_4", Session: "s1", JobID: "job-a", Universe: 1}, // 5
	{Op: "CommitUpdate", API: "UpdateAsync", Store: "PlayerData", Scope: "global", Key: "Player_4", Session: "s1", JobID: "job-a", Universe: 1},  // 6
	{Op: "SetAsync", Store: "PlayerData", Scope: "global", Key: "Player_5", Session: "s1", JobID: "job-a", Universe: 1},                          // 7
}

// fired runs the calls against one rule and returns the indexes it fired on.
func fired(t *testing.T, r faults.Rule) []int {
	t.Helper()
	s := faults.New()
	if _, err := s.Add(r); err != nil {
		t.Fatal(err)
	}
	out := []int{}
	for i, c := range calls {
		if s.Decide(c).Fired() {
			out = append(out, i)
		}
	}
	return out
}

// Each rule fires on exactly the calls it matches (within nth and times).
func TestRulesMatchExactly(t *testing.T) {
	e502 := raw(`502`)
	for _, c := range []struct {
		name string
		rule faults.Rule
		want []int
	}{
		{"every call", faults.Rule{Error: e502}, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"op", faults.Rule{Op: "SetAsync", Error: e502}, []int{0, 2, 3, 4, 7}},
		{"op glob (UpdateAsync by its read half)", faults.Rule{Op: "*Async", Error: e502}, []int{0, 1, 2, 3, 4, 5, 7}},
		{"store", faults.Rule{Store: "Other", Error: e502}, []int{3}},
		{"scope", faults.Rule{Scope: "beta", Error: e502}, []int{4}},
		{"key glob", faults.Rule{Op: "SetAsync", Key: "Player_*", Error: e502}, []int{0, 2, 3, 7}},
		{"key class", faults.Rule{Key: "Player_[12]", Error: e502}, []int{0, 1, 2}},
		{"session", faults.Rule{Session: "s2", Error: e502}, []int{2, 4}},
		{"job", faults.Rule{JobID: "job-a", Op: "GetAsync", Error: e502}, []int{1}},
		{"universe", faults.Rule{Universe: 2, Error: e502}, []int{4}},
		{"nth", faults.Rule{Op: "SetAsync", Nth: 2, Error: e502}, []int{2, 3, 4, 7}},
		{"nth and times", faults.Rule{Op: "SetAsync", Key: "Player_*", Nth: 2, Times: 1, Error: e502}, []int{2}},
		{"times", faults.Rule{Op: "SetAsync", Times: 2, Error: e502}, []int{0, 2}},
		{"nth past the end", faults.Rule{Op: "SetAsync", Nth: 6, Error: e502}, []int{}},
		{"UpdateAsync error: the read half", faults.Rule{Op: "UpdateAsync", Error: e502}, []int{5}},
		{"UpdateAsync drop: the commit half", faults.Rule{Op: "UpdateAsync", Drop: true}, []int{6}},
		{"UpdateAsync latency: the read half", faults.Rule{Op: "UpdateAsync", Latency: raw(`"1ms"`)}, []int{5}},
		{"a half by its own name", faults.Rule{Op: "CommitUpdate", Error: e502}, []int{6}},
		{"no match", faults.Rule{Store: "Nope", Error: e502}, []int{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := fired(t, c.rule); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("fired on %v, want %v", got, c.want)
			}
		})
	}
}

// A rule with a seed fires on exactly the same calls every time; another
// seed fires on others.
func TestSeededProbabilityRepeats(t *testing.T) {
	pattern := func(seedValue uint64) string {
		s := faults.New()
		if _, err := s.Add(faults.Rule{Op: "GetAsync", Probability: 0.3, Seed: seed(seedValue), Error: raw(`"KeyThrottled"`)}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 200; i++ {
			if i%3 == 0 { // calls the rule does not match draw nothing
				s.Decide(faults.Call{Op: "SetAsync"})
			}
			if s.Decide(faults.Call{Op: "GetAsync"}).Fired() {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := pattern(42), pattern(42)
	if a != b {
		t.Fatalf("same seed, different calls:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "x"); n < 30 || n > 90 {
		t.Fatalf("probability 0.3 fired on %d of 200 calls", n)
	}
	if c := pattern(43); c == a {
		t.Fatalf("another seed fired on the same calls")
	}
	// A rule added without a seed reports the one it drew; adding it again
	// with that seed repeats it.
	s := faults.New()
	r, err := s.Add(faults.Rule{Probability: 0.5, Error: raw(`502`)})
	if err != nil || r.Seed == nil {
		t.Fatalf("%+v %v", r, err)
	}
	var first []bool
	for i := 0; i < 50; i++ {
		first = append(first, s.Decide(faults.Call{Op: "GetAsync"}).Fired())
	}
	s2 := faults.New()
	r.ID = ""
	if _, err := s2.Add(r); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if got := s2.Decide(faults.Call{Op: "GetAsync"}).Fired(); got != first[i] {
			t.Fatalf("call %d: reported seed does not repeat", i)
		}
	}
}

func TestDecisionEffects(t *testing.T) {
	s := faults.New()
	add := func(r faults.Rule) {
		t.Helper()
		if _, err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	add(faults.Rule{Op: "GetAsync", Latency: raw(`"250ms"`)})
	add(faults.Rule{Op: "GetAsync", Latency: raw(`100`), Error: raw(`"KeyThrottled"`)})
	add(faults.Rule{Op: "GetAsync", Error: raw(`301`)}) // fires too, but the earlier error decides
	add(faults.Rule{Op: "SetAsync", Drop: true})
	add(faults.Rule{Op: "RemoveAsync", Drop: true, Error: raw(`"InternalServerError"`)})

	d := s.Decide(faults.Call{Op: "GetAsync"})
	if d.Delay != 350*time.Millisecond || d.Err == nil || d.Err.Name != "KeyThrottled" || d.Drop ||
		!reflect.DeepEqual(d.Applied, []string{"f1:latency", "f2:error", "f3:error"}) {
		t.Fatalf("GetAsync: %+v", d)
	}
	d = s.Decide(faults.Call{Op: "SetAsync"})
	if !d.Drop || d.Err != nil || d.DropErr.Error() != "502: API Services rejected request with error. HTTP 500 (Internal Server Error)" {
		t.Fatalf("SetAsync: %+v", d)
	}
	d = s.Decide(faults.Call{Op: "RemoveAsync"})
	if !d.Drop || d.DropErr.Name != "InternalServerError" {
		t.Fatalf("RemoveAsync: %+v", d)
	}
	if d := s.Decide(faults.Call{Op: "ListKeysAsync"}); d.Fired() || d.Delay != 0 || d.Err != nil {
		t.Fatalf("ListKeysAsync: %+v", d)
	}
	list := s.List()
	var got []string
	for _, st := range list {
		got = append(got, st.ID+" "+st.Effect)
	}
	want := []string{
		"f1 latency 250ms",
		"f2 latency 100ms, error (DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: , Data Store: )",
		"f3 error (301: GetAsync request dropped. Request was throttled, but throttled request queue was full.)",
		"f4 drop",
		"f5 drop (DataStoreService: InternalServerError: An internal server error occurred. API: , Data Store: )",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("effects:\n%s", strings.Join(got, "\n"))
	}
	if list[0].Matched != 1 || list[0].Fired != 1 || list[3].Matched != 1 {
		t.Fatalf("counters: %+v", list)
	}
}

func TestResolveError(t *testing.T) {
	for _, c := range []struct {
		error, detail, want string
	}{
		{`502`, "", "502: API Services rejected request with error. HTTP 500 (Internal Server Error)"},
		{`"502"`, "HTTP 403 (Forbidden)", "502: API Services rejected request with error. HTTP 403 (Forbidden)"},
		{`"RequestRejected"`, "", "502: API Services rejected request with error. HTTP 500 (Internal Server Error)"},
		{`301`, "", "301: GetAsync request dropped. Request was throttled, but throttled request queue was full."},
		{`"InternalError503"`, "", "503: Data store request successful, but key not found."},
		{`"InternalError"`, "", "404: OrderedDataStore does not exist."}, // the first row of a shared name
		{`"KeyThrottled"`, "", "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: , Data Store: "},
		{`"StandardWriteGameServerThrottled"`, "", "DataStoreService: StandardWriteGameServerThrottled: StandardWrite request was throttled by game server limits or the request queue was full. API: , Data Store: "},
		{`103`, "", "103: double is not allowed in data stores."},
		{`104`, "Instance", "104: Cannot store Instance in data store. Data stores can only accept valid UTF-8 characters."},
		{`"ArgumentMissing"`, "3", "Argument 3 missing or nil"},
	} {
		e, err := faults.ResolveError(raw(c.error), c.detail)
		if err != nil {
			t.Errorf("%s: %v", c.error, err)
			continue
		}
		if e.Error() != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.error, e.Error(), c.want)
		}
	}
	for _, bad := range []string{`999`, `"NoSuchError"`, `true`, `{}`} {
		if _, err := faults.ResolveError(raw(bad), ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestAddRefusesBadRules(t *testing.T) {
	for _, c := range []struct {
		rule faults.Rule
		want string
	}{
		{faults.Rule{}, "a rule needs an effect: error, latency or drop"},
		{faults.Rule{Key: "[", Drop: true}, `key "[" is not a valid glob pattern`},
		{faults.Rule{Nth: -1, Drop: true}, "nth must be 1 or more (0 means 1)"},
		{faults.Rule{Times: -2, Drop: true}, "times must not be negative (0 means no limit)"},
		{faults.Rule{Probability: 1.5, Drop: true}, "probability must be in (0, 1] (0 means 1)"},
		{faults.Rule{Latency: raw(`"soon"`)}, `latency "soon" is not a duration like "250ms" or "2s"`},
		{faults.Rule{Latency: raw(`"11m"`)}, "latency must be between 0 and 10m0s"},
		{faults.Rule{Error: raw(`777`)}, "no catalogue error has code 777"},
		{faults.Rule{Detail: "x", Drop: true}, "detail fills an error's message: give error too"},
		{faults.Rule{Universe: -1, Drop: true}, "universeId must be positive (or 0 for every universe)"},
	} {
		if _, err := faults.New().Add(c.rule); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.rule, err, c.want)
		}
	}
}

func TestClear(t *testing.T) {
	s := faults.New()
	for i := 0; i < 3; i++ {
		if _, err := s.Add(faults.Rule{Drop: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Clear("f2", "f9"); err == nil || err.Error() != `no fault rule "f9"` {
		t.Fatalf("clear of an unknown id: %v", err)
	}
	if n, err := s.Clear("f2"); n != 1 || err != nil {
		t.Fatalf("clear f2: %d %v", n, err)
	}
	var ids []string
	for _, st := range s.List() {
		ids = append(ids, st.ID)
	}
	if strings.Join(ids, ",") != "f1,f3" {
		t.Fatalf("left %v", ids)
	}
	if n, _ := s.Clear(); n != 2 || s.Active() {
		t.Fatalf("clear all: %d, active %v", n, s.Active())
	}
	// Ids are not reused.
	r, _ := s.Add(faults.Rule{Drop: true})
	if r.ID != "f4" {
		t.Fatalf("next id %s", r.ID)
	}
	var nilSet *faults.Set
	if nilSet.Active() || len(nilSet.List()) != 0 || nilSet.Decide(faults.Call{Op: "GetAsync"}).Fired() {
		t.Fatal("a nil set has rules")
	}
}

package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// engStart is where the virtual clocks of these tests start.
var engStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var engRef = StoreRef{Universe: 1, Name: "PlayerData", Scope: "global"}

// engOpen opens an engine on a virtual clock: in memory when dir is "",
// otherwise on disk in dir. It closes the engine at the end of the test.
func engOpen(t testing.TB, dir string, clk clock.Clock) *Engine {
	t.Helper()
	e, err := Open(Options{Dir: dir, InMemory: dir == "", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestNoLostUpdates runs UpdateAsync as a client does (read, transform,
// commit, and on a conflict transform the fresh value again) from many
// goroutines on one key: every increment must land exactly once.
func TestNoLostUpdates(t *testing.T) {
	const workers, perWorker = 8, 500
	clk := clock.NewManual(engStart) // frozen: version ids rely on the sequence alone
	e := engOpen(t, "", clk)
	var commits, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				cur, token, err := e.ReadForUpdate(engRef, "counter")
				if err != nil {
					t.Error(err)
					return
				}
				for {
					n := 0
					if cur != nil {
						if n, err = strconv.Atoi(string(cur.Value)); err != nil {
							t.Errorf("stored value %q: %v", cur.Value, err)
							return
						}
					}
					_, err := e.CommitUpdate(engRef, "counter", token, json.RawMessage(strconv.Itoa(n+1)), WriteOptions{})
					var c *Conflict
					if errors.As(err, &c) {
						conflicts.Add(1)
						cur, token = c.Current, c.Token
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					commits.Add(1)
					break
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got, err := e.Get(engRef, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Value) != "4000" || commits.Load() != workers*perWorker {
		t.Fatalf("value %s after %d commits, want 4000 after 4000", got.Value, commits.Load())
	}
	// Each commit took one number of the version sequence and nothing else
	// did: the last version is number 3999.
	if seq := strings.Split(got.Info.Version, ".")[1]; seq != "0000003999" {
		t.Errorf("last version %s, want sequence 0000003999", got.Info.Version)
	}
	if got.Info.CreatedTime != engStart.UnixMilli() {
		t.Errorf("created time %d", got.Info.CreatedTime)
	}
	t.Logf("%d conflicts retried", conflicts.Load())
}

// TestNoLostIncrements: IncrementAsync from many goroutines on one key.
func TestNoLostIncrements(t *testing.T) {
	const workers, perWorker = 8, 250
	e := engOpen(t, "", clock.NewManual(engStart))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				if _, err := e.Increment(engRef, "coins", json.RawMessage("2"), WriteOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := e.Get(engRef, "coins")
	if err != nil || got == nil || string(got.Value) != "4000" {
		t.Fatalf("Get = %+v, %v; want 4000", got, err)
	}
}

// engWrite is one write of the durability test.
type engWrite struct {
	ref      StoreRef
	key      string
	value    string // "" removes the key
	userIDs  string
	metadata string
	advance  time.Duration // clock move before the write
}

// TestDurability writes through the engine on disk, closes it, reopens the
// directory and reads everything back unchanged.
func TestDurability(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewManual(engStart)
	other := StoreRef{Universe: 1, Name: "Inventory", Scope: "season-2"}
	otherUniverse := StoreRef{Universe: 99, Name: "PlayerData", Scope: "global"}
	huge := `"` + strings.Repeat("z", MaxValueBytes-2) + `"`
	var writes []engWrite
	for i := 0; i < 60; i++ {
		w := engWrite{ref: engRef, key: fmt.Sprintf("Player_%d", i), value: fmt.Sprintf(`{"coins":%d,"name":"player %d","items":["sword","é€😀"]}`, i*10, i)}
		if i%3 == 0 {
			w.userIDs = fmt.Sprintf("[%d,%d]", i, i+1000)
		}
		if i%4 == 0 {
			w.metadata = fmt.Sprintf(`{"level":%d,"tag":"t%d"}`, i, i)
		}
		writes = append(writes, w)
	}
	writes = append(writes,
		engWrite{ref: other, key: "Player_1", value: `[1,2,3]`},
		engWrite{ref: otherUniverse, key: "Player_1", value: `"other universe"`, userIDs: "[7]"},
		engWrite{ref: engRef, key: "versions", value: `1`, metadata: `{"v":1}`},
		engWrite{ref: engRef, key: "versions", value: `2`, advance: time.Hour, userIDs: "[2]"},
		engWrite{ref: engRef, key: "versions", value: `3`, advance: time.Minute},
		engWrite{ref: engRef, key: "versions", value: `{"final":true}`, advance: 2 * time.Hour, metadata: `{"v":4}`},
		engWrite{ref: engRef, key: "removed", value: `"soon gone"`},
		engWrite{ref: engRef, key: "removed", value: "", advance: time.Second},
		engWrite{ref: engRef, key: "removed-and-back", value: `1`},
		engWrite{ref: engRef, key: "removed-and-back", value: ""},
		engWrite{ref: engRef, key: "removed-and-back", value: `"back"`, advance: time.Hour},
		engWrite{ref: engRef, key: "ключ-日本", value: `"multibyte key"`},
		engWrite{ref: engRef, key: "huge", value: huge},
		engWrite{ref: engRef, key: "huge", value: huge, advance: time.Hour},
	)

	e1, err := Open(Options{Dir: dir, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range writes {
		if _, err := clk.Advance(w.advance); err != nil {
			t.Fatal(err)
		}
		if w.value == "" {
			_, err = e1.Remove(w.ref, w.key)
		} else {
			_, err = e1.Set(w.ref, w.key, json.RawMessage(w.value), WriteOptions{UserIDs: json.RawMessage(w.userIDs), Metadata: json.RawMessage(w.metadata)})
		}
		if err != nil {
			t.Fatalf("write %s/%s: %v", w.ref.Name, w.key, err)
		}
	}
	if _, err := e1.Increment(engRef, "counter", json.RawMessage("41"), WriteOptions{UserIDs: json.RawMessage("[1]")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e1.Increment(engRef, "counter", nil, WriteOptions{UserIDs: json.RawMessage("[1]")}); err != nil {
		t.Fatal(err)
	}

	type state struct {
		entry *Entry
		token string
	}
	type target struct {
		ref StoreRef
		key string
	}
	read := func(e *Engine) map[target]state {
		out := map[target]state{}
		for _, w := range append(writes, engWrite{ref: engRef, key: "counter"}, engWrite{ref: engRef, key: "never-written"}) {
			en, err := e.Get(w.ref, w.key)
			if err != nil {
				t.Fatal(err)
			}
			cur, token, err := e.ReadForUpdate(w.ref, w.key)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cur, en) {
				t.Fatalf("%s: ReadForUpdate %+v differs from Get %+v", w.key, cur, en)
			}
			out[target{w.ref, w.key}] = state{en, token}
		}
		return out
	}
	before := read(e1)
	// Spot checks that the states read are the ones written.
	if s := before[target{engRef, "versions"}]; string(s.entry.Value) != `{"final":true}` || string(s.entry.Info.Metadata) != `{"v":4}` || len(s.entry.Info.UserIDs) != 0 || s.entry.Info.CreatedTime != engStart.UnixMilli() {
		t.Fatalf("versions: %+v %+v", s.entry, s.entry.Info)
	}
	if s := before[target{engRef, "removed"}]; s.entry != nil || s.token == "" {
		t.Fatalf("removed: %+v token %q", s.entry, s.token)
	}
	if s := before[target{engRef, "counter"}]; string(s.entry.Value) != "42" || !slices.Equal(s.entry.Info.UserIDs, []int64{1}) {
		t.Fatalf("counter: %+v", s.entry)
	}
	if s := before[target{engRef, "huge"}]; len(s.entry.Value) != MaxValueBytes {
		t.Fatalf("huge: %d bytes", len(s.entry.Value))
	}
	if s := before[target{engRef, "never-written"}]; s.entry != nil || s.token != "" {
		t.Fatalf("never-written: %+v %q", s.entry, s.token)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e1.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	e2 := engOpen(t, dir, clk)
	after := read(e2)
	if len(after) != len(before) {
		t.Fatalf("%d keys after reopening, %d before", len(after), len(before))
	}
	for k, b := range before {
		if a := after[k]; !reflect.DeepEqual(a, b) {
			t.Errorf("%s/%s/%s changed across reopening:\n before %+v %+v\n after  %+v %+v", k.ref.Name, k.ref.Scope, k.key, b.entry, infoOrNil(b.entry), a.entry, infoOrNil(a.entry))
		}
	}
	// The version sequence goes on from where it stopped: no id repeats.
	info, err := e2.Set(engRef, "after-reopen", json.RawMessage("1"), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newSeq := versionSeq(t, info.Version)
	for k, b := range before {
		if b.token != "" && versionSeq(t, b.token) >= newSeq {
			t.Errorf("version %s of %s was issued before the reopening, yet %s follows it", b.token, k.key, info.Version)
		}
	}
}

func infoOrNil(e *Entry) any {
	if e == nil {
		return nil
	}
	return *e.Info
}

var versionRE = regexp.MustCompile(`^([0-9A-F]{16})\.([0-9]{10})\.([0-9A-F]{16})\.01$`)

func versionSeq(t testing.TB, v string) int64 {
	t.Helper()
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("version %q is not in Roblox's shape", v)
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	return n
}

// TestVersionIDs: ids are unique and sort by time, then by write order, on
// a frozen clock and a moving one; they carry the write and creation times.
func TestVersionIDs(t *testing.T) {
	clk := clock.NewManual(engStart)
	e := engOpen(t, "", clk)
	created := map[string]int64{}
	var ids []string
	write := func(key string) {
		t.Helper()
		info, err := e.Set(engRef, key, json.RawMessage(`"v"`), WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		now := clk.Now().UnixMilli()
		if _, ok := created[key]; !ok {
			created[key] = now
		}
		m := versionRE.FindStringSubmatch(info.Version)
		if m == nil {
			t.Fatalf("version %q is not in Roblox's shape", info.Version)
		}
		if at, ok := VersionTime(info.Version); !ok || at != now {
			t.Errorf("VersionTime(%s) = %d, %v; want %d", info.Version, at, ok, now)
		}
		if ct, _ := VersionTime(m[3] + ".0000000000." + m[3] + ".01"); ct != created[key] {
			t.Errorf("version %s: creation part is %d, want %d", info.Version, ct, created[key])
		}
		ids = append(ids, info.Version)
	}
	keys := []string{"a", "b", "c"}
	for i := 0; i < 300; i++ { // frozen clock
		write(keys[i%3])
	}
	for _, d := range []time.Duration{time.Millisecond, time.Second, time.Hour, 24 * time.Hour, 400 * 24 * time.Hour} {
		if _, err := clk.Advance(d); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			write(keys[i%3])
		}
	}
	if !slices.IsSorted(ids) {
		t.Error("version ids are not in write order")
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("version id %s repeats", id)
		}
		seen[id] = true
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("version %s does not sort after %s", id, ids[i-1])
		}
	}
}

func TestVersionTime(t *testing.T) {
	for _, ms := range []int64{0, 1, 999, engStart.UnixMilli(), 1767225600000, 253402300799999} {
		v := fmt.Sprintf("%016X.%010d.%016X.01", ticks(ms), 42, ticks(0))
		if got, ok := VersionTime(v); !ok || got != ms {
			t.Errorf("VersionTime(%s) = %d, %v; want %d", v, got, ok, ms)
		}
	}
	if v := fmt.Sprintf("%016X", ticks(1767225600000)); v != "08DE48C8B4F80000" {
		t.Errorf("2026-01-01 is %s in ticks, want 08DE48C8B4F80000", v)
	}
	for _, bad := range []string{
		"",
		"not a version",
		"08DE48C8B4F80000.0000000001.08DE48C8B4F80000.0",   // one short
		"08DE48C8B4F80000.0000000001.08DE48C8B4F80000.011", // one long
		"08DE48C8B4F80000-0000000001.08DE48C8B4F80000.01",  // no dot after the time
		"08DE48C8B4F80000.0000000001-08DE48C8B4F80000.01",  // no dot after the sequence
		"08DE48C8B4F8000Z.0000000001.08DE48C8B4F80000.01",  // not hex
		"0000000000000000.0000000001.08DE48C8B4F80000.01",  // before 1970
		"08D9E6A3F2188CF.0000000001.08D9E6A3F2188CFF.01",   // short time part
	} {
		if got, ok := VersionTime(bad); ok {
			t.Errorf("VersionTime(%q) = %d, true; want false", bad, got)
		}
	}
}

func TestValidUTF8JSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{`"abc"`, true},
		{`123`, true},
		{`null`, true},
		{`"é€😀"`, true},
		{`"\u00e9"`, true},
		{`"\ud83d\ude00"`, true},
		{`"\uDBFF\uDFFF"`, true},  // the last pair
		{`"\ud7ff\ue000"`, true},  // either side of the surrogates
		{`"\\ud800"`, true},       // an escaped backslash, then text
		{`"\"\\"`, true},          // escaped quote and backslash
		{`"\n\t\/\b\f\r"`, true},  // short escapes
		{`{"a\"":"\\"}`, true},    // escapes at the ends of strings
		{`["\ud800"]`, false},     // nested
		{`"\ud800"`, false},       // lone high
		{`"\uD800"`, false},       // upper-case hex
		{`"\udc00"`, false},       // lone low
		{`"\udfff"`, false},       // last low
		{`"\ud800\u0041"`, false}, // high, then not a low
		{`"\ud800\ud800"`, false}, // high, high
		{`"\ud800x"`, false},      // high, then text
		{`"\ud800\n"`, false},     // high, then a short escape
		{`"abc\ud83d"`, false},    // high at the end
		{`"\udc00\ud800"`, false}, // reversed
		{`"\ud83d\ude00\udc00"`, false},
		{`"\\\ud800"`, false},   // escaped backslash, then a real escape
		{`{"\ud800":1}`, false}, // in a member name
		{`{"a":"\"\ud800"}`, false},
		{"\"\xff\"", false},         // raw invalid byte
		{"\"\xc3\"", false},         // truncated sequence
		{"\"\xed\xa0\x80\"", false}, // a surrogate encoded in UTF-8
		{"[1,\"\xfe\"]", false},
	} {
		if got := validUTF8JSON([]byte(c.in)); got != c.want {
			t.Errorf("validUTF8JSON(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseInteger(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"7", 7, true},
		{"-7", -7, true},
		{" 7 ", 7, true},
		{"1.0", 1, true},
		{"1e3", 1000, true},
		{"1E3", 1000, true},
		{"1.5e1", 15, true},
		{"0.1e1", 1, true},
		{"-2.50e2", -250, true},
		{"9007199254740992", 1 << 53, true},
		{"-9007199254740992", -(1 << 53), true},
		{"9.007199254740992e15", 1 << 53, true},
		{"9007199254740993", 0, false},
		{"-9007199254740993", 0, false},
		{"1e16", 0, false},
		{"1e400", 0, false},
		{"123456789012345678901234567890", 0, false},
		{"1.5", 0, false},
		{"-0.5", 0, false},
		{"1e-1", 0, false},
		{`"7"`, 0, false},
		{"true", 0, false},
		{"null", 0, false},
		{"[1]", 0, false},
		{"{}", 0, false},
		{"", 0, false},
	} {
		got, ok := parseInteger([]byte(c.in))
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseInteger(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestCompactValue(t *testing.T) {
	atLimit := `"` + strings.Repeat("a", MaxValueBytes-2) + `"`
	overLimit := `"` + strings.Repeat("a", MaxValueBytes-1) + `"`
	spacedAtLimit := "[ \n\t\"" + strings.Repeat("a", MaxValueBytes-6) + "\" ,\r\n 1 ]"
	spacedOverLimit := "[ \"" + strings.Repeat("a", MaxValueBytes-5) + "\" , 1 ]"
	err104 := func(kind string) string {
		return "104: Cannot store " + kind + " in data store. Data stores can only accept valid UTF-8 characters."
	}
	for _, c := range []struct {
		name, in string
		argPos   int
		want     string // the compact value, or the error text
		err      bool
	}{
		{"spaces go", " { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x y\" } ", 2, `{"a":[1,2],"b":"x y"}`, false},
		{"no HTML escaping", `"<&>"`, 2, `"<&>"`, false},
		{"numbers keep their text", `[1.50, 1e3, -0]`, 2, `[1.50,1e3,-0]`, false},
		{"a string", `"x"`, 2, `"x"`, false},
		{"false", `false`, 2, `false`, false},
		{"empty", ``, 2, "Argument 2 missing or nil", true},
		{"blank", " \n ", 2, "Argument 2 missing or nil", true},
		{"null", ` null `, 2, "Argument 2 missing or nil", true},
		{"null, third argument", `null`, 3, "Argument 3 missing or nil", true},
		{"nested null is a value", `[null]`, 2, `[null]`, false},
		{"lone surrogate, top level", `"\ud800"`, 2, err104("string"), true},
		{"lone surrogate in an array", ` [ "\ud800" ]`, 2, err104("Array"), true},
		{"lone surrogate in a dictionary", `{"a":["\ud800"]}`, 2, err104("Dictionary"), true},
		{"raw invalid byte", "\"\xff\"", 2, err104("string"), true},
		{"malformed JSON", `{"a":`, 2, err104("Dictionary"), true},
		{"at the limit", atLimit, 2, atLimit, false},
		{"over the limit", overLimit, 2, "105: Serialized value exceeds 4MB limit.", true},
		{"spaces do not count", spacedAtLimit, 2, `["` + strings.Repeat("a", MaxValueBytes-6) + `",1]`, false},
		{"spaced, over the limit", spacedOverLimit, 2, "105: Serialized value exceeds 4MB limit.", true},
		{"a bad string before the size", `["` + strings.Repeat("a", MaxValueBytes) + `","\ud800"]`, 2, err104("Array"), true},
	} {
		got, err := compactValue(json.RawMessage(c.in), c.argPos)
		switch {
		case c.err && err == nil:
			t.Errorf("%s: got %.40q, want error %q", c.name, got, c.want)
		case c.err && err.Error() != c.want:
			t.Errorf("%s: error %q, want %q", c.name, err, c.want)
		case c.err:
			if _, ok := dserr.As(err); !ok {
				t.Errorf("%s: %T is not a *dserr.Error", c.name, err)
			}
		case err != nil:
			t.Errorf("%s: error %q", c.name, err)
		case string(got) != c.want:
			t.Errorf("%s: got %.60q (%d bytes), want %.60q (%d bytes)", c.name, got, len(got), c.want, len(c.want))
		}
	}
}

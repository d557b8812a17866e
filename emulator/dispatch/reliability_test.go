package dispatch_test

// Regression tests for issue 9 (no input corrupts data).

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
)

// The virtual clock used to take any time: a key written in the year -249
// or 33658 carried times its own export could not import back ("time ... is
// out of range"). The clock ops now keep it within 1970..9999.
func TestClockStaysWhereVersionIDsAndImportsCanFollow(t *testing.T) {
	clk := clock.NewManual(adminStart)
	d, _ := adminDispatcher(t, clk, false)
	s := adminSession(d, "a", 0)
	last := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
	for _, c := range []struct{ op, args, want string }{
		{"_emulator.clock.set", `{"time":-70000000000000}`, "error: rbxemu: _emulator.clock.set: the clock must stay between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, not -0249-10-15T19:33:20Z"},
		{"_emulator.clock.set", `{"time":-1}`, "error: rbxemu: _emulator.clock.set: the clock must stay between"},
		{"_emulator.clock.set", `{"time":"10000-01-01T00:00:00Z"}`, "error: rbxemu: _emulator.clock.set: time"}, // not RFC 3339 for Go
		{"_emulator.clock.set", `{"time":253402300800000}`, "error: rbxemu: _emulator.clock.set: the clock must stay between"},
		{"_emulator.clock.set", `{"time":0}`, clockJSON(time.UnixMilli(0), true)},
		{"_emulator.clock.set", `{"time":253402300799999}`, clockJSON(last, true)},
		{"_emulator.clock.advance", `{"duration":1}`, "error: rbxemu: _emulator.clock.advance: the clock must stay between"},
	} {
		if got := adminStep(t, d, s, c.op, c.args); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %s:\n got %s\nwant %s", c.op, c.args, got, c.want)
		}
	}
	if !clk.Now().Equal(last) {
		t.Fatalf("a refused move moved the clock to %v", clk.Now())
	}
	// A store written at the last millisecond exports and imports back.
	if got := adminStep(t, d, s, "SetAsync", `{"store":"s","key":"k","value":1}`); strings.HasPrefix(got, "error") {
		t.Fatal(got)
	}
	exp := adminStep(t, d, s, "_emulator.export", `{"versions":true}`)
	var doc struct {
		Document json.RawMessage `json:"document"`
	}
	if err := json.Unmarshal([]byte(exp), &doc); err != nil {
		t.Fatalf("%s: %v", exp, err)
	}
	if got := adminStep(t, d, s, "_emulator.import", `{"replace":true,"document":`+string(doc.Document)+`}`); strings.HasPrefix(got, "error") {
		t.Fatalf("import of the export: %s", got)
	}
}

package dispatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// Arguments are checked before the throttle gate, as Roblox checks them in
// the game server before a request is queued: a bad call fails with its own
// error at once, spends no budget and is never queued or KeyThrottled.
func TestArgumentsCheckedBeforeThrottling(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	gate := throttle.New(clk, throttle.Options{})
	defer gate.Close()
	d := &dispatch.Dispatcher{Engine: e, Gate: gate, Clock: clk}
	s := &dispatch.Session{ID: "s1", Universe: 1}
	d.Opened(s)
	defer d.Closed(s)

	big := `"` + strings.Repeat("a", engine.MaxValueBytes-1) + `"` // 4,194,305 bytes compact
	// times: small calls go far past the budget (100 at start) and the
	// queue (30), so a call that reached the gate would block; the 4 MB ones
	// once each (unchanged budgets prove they never reached it).
	cases := []struct {
		op, args, want string
		times          int
	}{
		{"SetAsync", `{"store":"S","key":"k","value":` + big + `}`, "105: Serialized value exceeds 4MB limit.", 1},
		{"CommitUpdate", `{"store":"S","key":"k","token":"","value":` + big + `}`, "105: Serialized value exceeds 4MB limit.", 1},
		{"GetAsync", `{"store":"S","key":""}`, "101: Key name can't be empty.", 200},
		{"SetAsync", `{"store":"S","key":"k","value":1,"userIds":[1,2,3,4,5]}`, "512: UserID size exceeds limit of 4", 200},
		{"IncrementAsync", `{"store":"S","key":"k","delta":1.5}`, "IncrementAsync: delta must be an integer.", 200},
		{"SetAsync", `{"store":"S","ordered":true,"key":"k","value":1.5}`, "103: double is not allowed in data stores.", 200},
		{"RemoveAsync", `{"store":"S","ordered":true,"key":""}`, "101: Key name can't be empty.", 200},
		{"ListVersionsAsync", `{"store":"S","key":""}`, "101: Key name can't be empty.", 200},
	}
	before := d.Budgets(s)
	for _, c := range cases {
		for i := 0; i < c.times; i++ {
			_, err := d.Handle(context.Background(), s, c.op, json.RawMessage(c.args))
			if err == nil || err.Error() != c.want {
				t.Fatalf("%s %s (call %d): got %v, want %q", c.op, c.args[:min(len(c.args), 60)], i, err, c.want)
			}
		}
	}
	if after := d.Budgets(s); !equalBudgets(before, after) {
		t.Fatalf("bad calls spent budget:\nbefore %v\nafter  %v", before, after)
	}
}

func equalBudgets(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

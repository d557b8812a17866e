package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// The clock and budget controls answer over plain HTTP too, as their ops do
// over the protocol.
func TestAdminClockAndBudgetRoutes(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	url, _ := servertest.Start(t, servertest.Clock(clk), servertest.Gate(throttle.New(clk, throttle.Options{})))
	hc := newHTTPClient(t)
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/_emulator/clock", "", 200, `{"now":1767225600000,"virtual":true,"time":"2026-01-01T00:00:00Z"}`},
		{"POST", "/_emulator/clock/advance", `{"duration":"90s"}`, 200, `{"now":1767225690000,"virtual":true,"time":"2026-01-01T00:01:30Z"}`},
		{"POST", "/_emulator/clock/set", `{"time":"2026-02-01T00:00:00Z"}`, 200, `{"now":1769904000000,"virtual":true,"time":"2026-02-01T00:00:00Z"}`},
		{"GET", "/_emulator/clock", "", 200, `{"now":1769904000000,"virtual":true,"time":"2026-02-01T00:00:00Z"}`},
		{"GET", "/_emulator/budgets", "", 200, `{"throttle":true,"sessions":[]}`},
		{"GET", "/_emulator/clock/advance", "", 405, `{"error":{"code":0,"name":"MalformedRequest",`},
	}
	for _, c := range cases {
		status, body := adminDo(t, hc, c.method, url+c.path, c.body, nil)
		body = strings.TrimSpace(body)
		exact := c.status == 200 // error bodies are compared by their start
		if status != c.status || (exact && body != c.want) || (!exact && !strings.HasPrefix(body, c.want)) {
			t.Errorf("%s %s: got %d %s\nwant %d %s", c.method, c.path, status, body, c.status, c.want)
		}
	}
	if clk.Now().UnixMilli() != 1769904000000 {
		t.Fatalf("the daemon clock is %v after the routes moved it", clk.Now())
	}
}

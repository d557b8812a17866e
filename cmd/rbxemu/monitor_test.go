package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server"
)

// runMonitorCmd runs rbxemu monitor with args until it has shown --count
// calls; calls runs once the subscription is in place.
func runMonitorCmd(t *testing.T, calls func(), args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newMonitorCmd(func(o *monitorOptions) error {
		o.onReady = func() { go calls() }
		return runMonitor(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.Execute()
	return out.String(), errb.String(), err
}

// The monitor shows the calls of another session, as JSON lines.
func TestMonitorCLIJSON(t *testing.T) {
	url, _ := cliDaemon(t)
	game := harnessClient(t, url, 4)
	ctx := context.Background()
	done := make(chan struct{})
	stdout, stderr, err := runMonitorCmd(t, func() {
		defer close(done)
		_, _ = game.Set(ctx, client.Store{Name: "PlayerData"}, "Player_1", map[string]string{"a": "<b>"}, nil)
		_, _, _ = game.Get(ctx, client.Store{Name: "PlayerData"}, "")
		_, _, _ = game.Increment(ctx, client.Store{Name: "Board", Ordered: true}, "p", 2, nil)
	}, "--url", url, "--json", "--count", "3")
	<-done
	if err != nil || stderr != "" {
		t.Fatalf("monitor: %v %q", err, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines:\n%s", stdout)
	}
	type view struct {
		Session, Op, Store, Scope, Key, Error string
		Universe                              int64
		OK, Ordered                           bool
	}
	want := []view{
		{game.Session(), "SetAsync", "PlayerData", "global", "Player_1", "", 4, true, false},
		{game.Session(), "GetAsync", "PlayerData", "global", "", "101: Key name can't be empty.", 4, false, false},
		{game.Session(), "IncrementAsync", "Board", "global", "p", "", 4, true, true},
	}
	for i, line := range lines {
		var ev server.MonitorEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, line)
		}
		v := view{ev.Session, ev.Op, ev.Store, ev.Scope, ev.Key, "", ev.Universe, ev.OK, ev.Ordered}
		if ev.Error != nil {
			v.Error = ev.Error.Text
		}
		if v != want[i] || ev.JobID != game.Hello().JobID || ev.Client != "test" || ev.Dropped != 0 {
			t.Errorf("event %d:\n got %+v (%s)\nwant %+v", i, v, line, want[i])
		}
	}
}

// The human form: one line per call.
func TestMonitorCLILines(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "faults", "add", "--op", "RemoveAsync", "--error", "KeyThrottled", "--url", url)
	game := harnessClient(t, url, 1)
	ctx := context.Background()
	done := make(chan struct{})
	stdout, stderr, err := runMonitorCmd(t, func() {
		defer close(done)
		_, _ = game.Set(ctx, client.Store{Name: "S"}, "k", 1, nil)
		_, _, _ = game.Remove(ctx, client.Store{Name: "S"}, "k")
	}, "--url", url, "--count", "2")
	<-done
	if err != nil || stderr != "monitoring "+url+" (Ctrl-C to stop)\n" {
		t.Fatalf("monitor: %v %q", err, stderr)
	}
	session := regexp.QuoteMeta(game.Session()[:8])
	want := []*regexp.Regexp{
		regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d\d\d  ` + session + `  SetAsync  S/global/k  ok  \d+\.\dms$`),
		regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d\d\d  ` + session + `  RemoveAsync  S/global/k  ` +
			regexp.QuoteMeta("DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: RemoveAsync, Data Store: S") +
			`  \d+\.\dms  throttled  fault f1:error$`),
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s", stdout)
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d:\n%s\ndoes not match %s", i, lines[i], re)
		}
	}
}

func TestMonitorLine(t *testing.T) {
	ev := &server.MonitorEvent{Time: "2026-01-01T12:00:01.25Z", Session: "0123456789abcdef", Op: "GetSortedAsync", Store: "Board", Scope: "global",
		Ordered: true, OK: true, LatencyMs: 1.26, WaitMs: 250, Queued: true, Budget: map[string]int64{"OrderedRead": 3}}
	if got := monitorLine(ev); got != "12:00:01.250  01234567  GetSortedAsync  Board/global (ordered)  ok  1.3ms  OrderedRead=3  queued 250.0ms" {
		t.Fatalf("%q", got)
	}
	ev = &server.MonitorEvent{Time: "2026-01-01T12:00:01Z", Session: "s", Op: "ListDataStoresAsync", OK: true}
	if got := monitorLine(ev); got != "12:00:01.000  s  ListDataStoresAsync  -  ok  0.0ms" {
		t.Fatalf("%q", got)
	}
}

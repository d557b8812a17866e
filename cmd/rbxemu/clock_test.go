package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestClockVirtual(t *testing.T) {
	url, clk := cliDaemon(t)
	u := []string{"--url", url}
	for _, tc := range []struct {
		args         []string
		stdout, errs string
		code         int
		now          time.Time // the daemon's clock afterwards
	}{
		{[]string{"clock"}, "2026-01-01 00:00:00.000 UTC (virtual)\n", "", 0, cliEpoch},
		{[]string{"clock", "advance", "90s"}, "2026-01-01 00:01:30.000 UTC (virtual)\n", "", 0, cliEpoch.Add(90 * time.Second)},
		{[]string{"clock", "advance", "1d1h"}, "2026-01-02 01:01:30.000 UTC (virtual)\n", "", 0, cliEpoch.Add(25*time.Hour + 90*time.Second)},
		{[]string{"clock", "advance", "30d", "--json"}, `{
  "now": 1769907690000,
  "virtual": true,
  "time": "2026-02-01T01:01:30Z"
}
`, "", 0, time.Date(2026, 2, 1, 1, 1, 30, 0, time.UTC)},
		{[]string{"clock", "set", "2026-06-01T12:00:00.250Z"}, "2026-06-01 12:00:00.250 UTC (virtual)\n", "", 0, time.Date(2026, 6, 1, 12, 0, 0, 250e6, time.UTC)},
		// It may go back.
		{[]string{"clock", "set", "1767225600000"}, "2026-01-01 00:00:00.000 UTC (virtual)\n", "", 0, cliEpoch},
		{[]string{"clock", "set", "2026-03-01", "--json"}, `{
  "now": 1772323200000,
  "virtual": true,
  "time": "2026-03-01T00:00:00Z"
}
`, "", 0, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{[]string{"clock", "--json"}, `{
  "now": 1772323200000,
  "virtual": true,
  "time": "2026-03-01T00:00:00Z"
}
`, "", 0, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cliRun(t, "", append(tc.args, u...)...).want(t, tc.stdout, tc.errs, tc.code)
			if now := clk.Now(); !now.Equal(tc.now) {
				t.Errorf("the daemon's clock reads %v, want %v", now, tc.now)
			}
		})
	}
	// The connection flags are shared by the subcommands and may come
	// before them.
	cliRun(t, "", "clock", "--url", url, "advance", "1s").want(t, "2026-03-01 00:00:01.000 UTC (virtual)\n", "", 0)
}

func TestClockReal(t *testing.T) {
	url, _ := cliDaemon(t, servertest.Clock(clock.Real{}))
	r := cliRun(t, "", "clock", "--url", url)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC \(real\)\n$`).MatchString(r.stdout) || r.stderr != "" || r.code != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	const cannot = "rbxemu: _emulator.clock.advance: the clock is real and cannot be moved; start the daemon with --clock virtual\n"
	cliRun(t, "", "clock", "advance", "1s", "--url", url).want(t, "", cannot, exitFailed)
	cliRun(t, "", "clock", "set", "0", "--url", url).want(t, "",
		"rbxemu: _emulator.clock.set: the clock is real and cannot be moved; start the daemon with --clock virtual\n", exitFailed)
	cliRun(t, "", "clock", "advance", "1s", "--url", url, "--json").want(t, `{
  "error": {
    "code": 0,
    "name": "BadArgument",
    "message": "rbxemu: _emulator.clock.advance: the clock is real and cannot be moved; start the daemon with --clock virtual",
    "text": "rbxemu: _emulator.clock.advance: the clock is real and cannot be moved; start the daemon with --clock virtual"
  }
}
`, cannot, exitFailed)
}

func TestClockParsesArguments(t *testing.T) {
	cliCleanEnv(t)
	var got *clockOptions
	keep := func(o *clockOptions) error { got = o; return nil }
	for _, tc := range []struct {
		args   []string
		action string
		by     time.Duration
		to     int64
	}{
		{nil, "", 0, 0},
		{[]string{"advance", "2h"}, "advance", 2 * time.Hour, 0},
		{[]string{"advance", "30d", "--json"}, "advance", 720 * time.Hour, 0},
		{[]string{"set", "2026-01-01T00:00:00Z"}, "set", 0, 1767225600000},
		{[]string{"set", "5"}, "set", 0, 5},
	} {
		got = nil
		cmd := newClockCmd(keep)
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err != nil || got == nil || got.Action != tc.action || got.By != tc.by || got.To != tc.to {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

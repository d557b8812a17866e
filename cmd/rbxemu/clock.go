package main

// rbxemu clock: the daemon's clock (_emulator.clock), and moving a virtual
// one (_emulator.clock.advance, _emulator.clock.set). Budgets, version
// history, backup expiry and timestamps all follow it.

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newClockCmd(nil) })
}

// clockOptions are the arguments and flags of rbxemu clock and its
// subcommands (the connection flags are shared: persistent on clock).
type clockOptions struct {
	connOptions
	// Action is "" (show), "advance" or "set".
	Action string
	By     time.Duration // advance
	To     int64         // set: Unix ms
}

func newClockCmd(runF func(*clockOptions) error) *cobra.Command {
	if runF == nil {
		runF = runClock
	}
	o := &clockOptions{}
	cmd := &cobra.Command{
		Use:   "clock",
		Short: "Show the daemon's clock, or move a virtual one",
		Long: `Show the daemon's clock and whether it is virtual. A daemon started with
rbxemu serve --clock virtual keeps a clock that moves only when told:
rbxemu clock advance and rbxemu clock set move it, and with it budgets, version
history, backup expiry and every timestamp. A real clock cannot be moved.`,
		Example: `  rbxemu clock
  rbxemu clock advance 90s
  rbxemu clock advance 30d
  rbxemu clock set 2026-01-01T00:00:00Z`,
		Args: argsBetween(0, 0, "no arguments (or a subcommand: advance, set)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Action = ""
			return runF(o)
		},
	}
	bindConnFlags(cmd, cmd.PersistentFlags(), &o.connOptions, false)
	advance := &cobra.Command{
		Use:   "advance DURATION",
		Short: "Move a virtual clock forward",
		Long: `Move a virtual clock forward by DURATION: a Go duration (90s, 1h30m) or days
(30d, 1d12h). Requests waiting for budget wake as it refills.`,
		Example: `  rbxemu clock advance 90s
  rbxemu clock advance 30d --json`,
		Args:              argsBetween(1, 1, "DURATION"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			d, err := parseDurationArg(args[0])
			if err != nil {
				return err
			}
			o.Action, o.By = "advance", d
			return runF(o)
		},
	}
	set := &cobra.Command{
		Use:   "set TIME",
		Short: "Set a virtual clock to a time",
		Long: `Set a virtual clock to TIME: RFC 3339 (2026-01-01T00:00:00Z), a date
(2026-01-01, midnight UTC) or Unix milliseconds. It may go back.`,
		Example: `  rbxemu clock set 2026-01-01T00:00:00Z
  rbxemu clock set 1767225600000`,
		Args:              argsBetween(1, 1, "TIME"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			ms, err := parseTimeArg("TIME", args[0])
			if err != nil {
				return err
			}
			o.Action, o.To = "set", ms
			return runF(o)
		},
	}
	cmd.AddCommand(advance, set)
	return cmd
}

func runClock(o *clockOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	op, args := "_emulator.clock", any(nil)
	switch o.Action {
	case "advance":
		op, args = "_emulator.clock.advance", map[string]any{"duration": o.By.String()}
	case "set":
		op, args = "_emulator.clock.set", map[string]any{"time": o.To}
	}
	var res dispatch.ClockResult
	if err := callInto(ctx, c, op, args, &res); err != nil {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	kind := "real"
	if res.Virtual {
		kind = "virtual"
	}
	_, err = fmt.Fprintf(o.stdout, "%s (%s)\n", time.UnixMilli(res.Now).UTC().Format("2006-01-02 15:04:05.000 MST"), kind)
	return err
}

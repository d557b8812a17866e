package main

// rbxemu monitor: a live tail of every DataStore call the daemon serves,
// from a subscription on the protocol (_emulator.monitor.subscribe: the
// daemon pushes a "monitor" notice per call on this command's WebSocket).

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newMonitorCmd(nil) })
}

// monitorOptions are the flags of rbxemu monitor.
type monitorOptions struct {
	connOptions
	Count  int
	Buffer int

	// onReady, when set, is called once the subscription is in place
	// (tests start their calls then).
	onReady func()
}

// monitorPing is how often the monitor checks that the daemon is still
// there while no event comes.
const monitorPing = 2 * time.Second

// monitorLocalBuffer bounds the events received but not yet printed.
const monitorLocalBuffer = 4096

func newMonitorCmd(runF func(*monitorOptions) error) *cobra.Command {
	if runF == nil {
		runF = runMonitor
	}
	o := &monitorOptions{}
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Show every DataStore call as it happens",
		Long: `Show every DataStore call of every session as the daemon serves it: the time
(UTC), the session, the op, the data store, scope and key, the outcome (ok, or
the exact error), how long it took, the budget left, whether it waited in a
throttle queue or was throttled, and the fault rules that fired on it. With
--json, one JSON object per call and line, for machines.

The daemon never waits for a slow monitor: when this command falls behind, calls
are left out and a line on stderr says how many. It runs until interrupted, the
daemon goes away, or --count calls have been shown.`,
		Example: `  rbxemu monitor
  rbxemu monitor --json | jq -c 'select(.ok | not)'`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepareHarness(cmd); err != nil {
				return err
			}
			if o.Count < 0 || o.Buffer < 0 || o.Buffer > 1<<16 {
				return usagef("--count must not be negative and --buffer must be 0 to 65536")
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	f := cmd.Flags()
	f.IntVar(&o.Count, "count", 0, "stop after this many calls (default: never)")
	f.IntVar(&o.Buffer, "buffer", 0, "how many calls the daemon keeps for this monitor while it is behind (default 1024)")
	o.Timeout = 0
	f.Lookup("timeout").DefValue = "0s"
	return cmd
}

func runMonitor(o *monitorOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	events := make(chan client.Notice, monitorLocalBuffer)
	var localDrops atomic.Int64
	c, err := client.Dial(ctx, o.URL, client.HelloOptions{Client: "cli", Token: o.Token, OnNotice: func(n client.Notice) {
		if n.Kind != "monitor" {
			return
		}
		select {
		case events <- n:
		default:
			localDrops.Add(1)
		}
	}})
	if err != nil {
		return o.failure(err)
	}
	defer c.Close()
	args := map[string]any{}
	if o.Buffer > 0 {
		args["buffer"] = o.Buffer
	}
	if _, err := c.Call(ctx, "_emulator.monitor.subscribe", args); err != nil {
		return o.failure(err)
	}
	if !o.JSON {
		fmt.Fprintf(o.stderr, "monitoring %s (Ctrl-C to stop)\n", o.URL)
	}
	if o.onReady != nil {
		o.onReady()
	}
	ping := time.NewTicker(monitorPing)
	defer ping.Stop()
	var reported int64
	shown := 0
	for {
		select {
		case n := <-events:
			var ev server.MonitorEvent
			b, _ := json.Marshal(n.Data)
			if err := json.Unmarshal(b, &ev); err != nil {
				continue
			}
			if lost := ev.Dropped + localDrops.Load(); lost > reported {
				fmt.Fprintf(o.stderr, "(%s left out: this monitor fell behind)\n", countOf(int(lost-reported), "call"))
				reported = lost
			}
			if err := printMonitorEvent(o.stdout, &ev, o.JSON); err != nil {
				return err
			}
			shown++
			if o.Count > 0 && shown >= o.Count {
				return nil
			}
		case <-ping.C:
			if err := c.Ping(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return o.failure(fmt.Errorf("the daemon went away: %w", err))
			}
		case <-ctx.Done():
			return nil // interrupted, or --timeout
		}
	}
}

// printMonitorEvent prints one call: a JSON line, or a line for people.
func printMonitorEvent(w io.Writer, ev *server.MonitorEvent, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(ev)
	}
	_, err := fmt.Fprintln(w, monitorLine(ev))
	return err
}

// monitorLine is a call for people:
//
//	12:00:01.250  3f9c0a1b  SetAsync  PlayerData/global/Player_1  ok  1.2ms  StandardWrite=59
func monitorLine(ev *server.MonitorEvent) string {
	at := ev.Time
	if t, err := time.Parse(time.RFC3339Nano, ev.Time); err == nil {
		at = t.UTC().Format("15:04:05.000")
	}
	session := ev.Session
	if len(session) > 8 {
		session = session[:8]
	}
	target := ev.Store
	if target == "" {
		target = "-"
	} else {
		if ev.Scope != "" {
			target += "/" + ev.Scope
		}
		if ev.Key != "" {
			target += "/" + ev.Key
		}
		if ev.Ordered {
			target += " (ordered)"
		}
	}
	outcome := "ok"
	if ev.Error != nil {
		outcome = ev.Error.Text
	}
	parts := []string{at, session, ev.Op, target, outcome, strconv.FormatFloat(ev.LatencyMs, 'f', 1, 64) + "ms"}
	if len(ev.Budget) > 0 {
		names := keysOf(ev.Budget)
		slices.Sort(names)
		for _, n := range names {
			parts = append(parts, n+"="+strconv.FormatInt(ev.Budget[n], 10))
		}
	}
	if ev.Queued {
		parts = append(parts, "queued "+strconv.FormatFloat(ev.WaitMs, 'f', 1, 64)+"ms")
	}
	if ev.Throttled {
		parts = append(parts, "throttled")
	}
	if len(ev.Faults) > 0 {
		parts = append(parts, "fault "+strings.Join(ev.Faults, ","))
	}
	return strings.Join(parts, "  ")
}

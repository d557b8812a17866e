package main

// rbxemu sessions: the game servers connected to the daemon
// (_emulator.sessions, docs/harness.md).

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newSessionsCmd(nil) })
}

// sessionsOptions are the flags of rbxemu sessions.
type sessionsOptions struct {
	connOptions
}

func newSessionsCmd(runF func(*sessionsOptions) error) *cobra.Command {
	if runF == nil {
		runF = runSessions
	}
	o := &sessionsOptions{}
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "List the connected game servers",
		Long: `List the sessions connected to the daemon, oldest first: each is one game server
(Studio, a Lune script, a test) with its job id, place, universe, player count,
client kind and transport, how long it has been connected, how many of its calls
wait in throttle queues, and its request budgets (when throttling is on).`,
		Example: `  rbxemu sessions
  rbxemu sessions --json | jq '.sessions[].jobId'`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepareHarness(cmd); err != nil {
				return err
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	return cmd
}

func runSessions(o *sessionsOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	var res dispatch.SessionsResult
	if err := o.harnessHTTP().call(ctx, http.MethodGet, "sessions", nil, nil, &res); err != nil {
		return o.failure(err)
	}
	if res.Sessions == nil {
		res.Sessions = []dispatch.SessionInfo{}
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if len(res.Sessions) == 0 {
		_, err := fmt.Fprintln(o.stderr, "no sessions: no game server is connected")
		return err
	}
	t := newTextTable("SESSION", "JOB", "PLACE", "UNIVERSE", "PLAYERS", "CLIENT", "TRANSPORT", "AGE", "QUEUED", "BUDGETS")
	now := time.Now()
	for _, s := range res.Sessions {
		age := "-"
		if at, err := time.Parse(time.RFC3339Nano, s.Opened); err == nil {
			age = now.Sub(at).Truncate(time.Second).String()
		}
		t.add(s.Session, s.JobID, strconv.FormatInt(s.PlaceID, 10), strconv.FormatInt(s.Universe, 10),
			strconv.FormatInt(s.Players, 10), s.Client, s.Transport, age, strconv.Itoa(s.Queued), budgetsText(s.Budgets))
	}
	return t.write(o.stdout)
}

// budgetsText is a session's budgets on one line, by name.
func budgetsText(b map[string]int64) string {
	if len(b) == 0 {
		return "-"
	}
	names := keysOf(b)
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+"="+strconv.FormatInt(b[n], 10))
	}
	return strings.Join(parts, " ")
}

package main

// rbxemu budgets: every session's request budgets, rate limits and queue
// lengths (_emulator.budgets), one block per session.

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newBudgetsCmd(nil) })
}

// budgetsOptions are the flags of rbxemu budgets.
type budgetsOptions struct {
	connOptions
}

func newBudgetsCmd(runF func(*budgetsOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBudgets
	}
	o := &budgetsOptions{}
	cmd := &cobra.Command{
		Use:   "budgets",
		Short: "Show every session's request budgets and throttle queues",
		Long: `Show, for every session (game server) connected to the daemon, its request
budgets as GetRequestBudgetForRequestType would answer them, the rate each
refills at (base + per player x players, per minute), and how many requests wait
in each throttle queue. The session of this command itself is marked.`,
		Example: `  rbxemu budgets
  rbxemu budgets --json | jq '.sessions[] | {jobId, queues}'`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	return cmd
}

func runBudgets(o *budgetsOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res dispatch.BudgetsResult
	if err := callInto(ctx, c, "_emulator.budgets", nil, &res); err != nil {
		return o.failure(err)
	}
	if res.Sessions == nil {
		res.Sessions = []dispatch.SessionBudgets{}
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if !res.Throttle {
		_, err := fmt.Fprintln(o.stdout, "throttling is off: the daemon keeps no budgets (rbxemu serve --throttle off)")
		return err
	}
	for i, s := range res.Sessions {
		if i > 0 {
			fmt.Fprintln(o.stdout)
		}
		if err := printSessionBudgets(o.stdout, s, s.Session == c.Session()); err != nil {
			return err
		}
	}
	return nil
}

// budgetOrder is the order budgets are shown in: the standard types, the
// ordered ones, then the legacy RemoveVersionAsync; any other name follows
// in alphabetical order.
var budgetOrder = []string{
	"StandardRead", "StandardWrite", "StandardList", "StandardRemove",
	"OrderedRead", "OrderedWrite", "OrderedList", "OrderedRemove",
	"RemoveVersionAsync",
}

// queueOrder is the order queues are shown in.
var queueOrder = []string{"Get", "Set", "OrderedGet", "OrderedSet"}

// ordered returns the names in the preferred order, then the others sorted.
func preferOrder(names []string, prefer []string) []string {
	var out, rest []string
	for _, p := range prefer {
		if slices.Contains(names, p) {
			out = append(out, p)
		}
	}
	for _, n := range names {
		if !slices.Contains(prefer, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// printSessionBudgets prints one session: a heading line, its queues, and a
// table of its budgets. The budgets shown are those with a rate of their
// own (the legacy enum items read one of them); without rates, all.
func printSessionBudgets(w io.Writer, s dispatch.SessionBudgets, self bool) error {
	who := s.Client
	if self {
		who += ", this command"
	}
	fmt.Fprintf(w, "session %s (%s)  job %s  universe %d  place %d  players %d\n",
		s.Session, who, s.JobID, s.Universe, s.PlaceID, s.Players)
	var qs []string
	for _, q := range preferOrder(keysOf(s.Queues), queueOrder) {
		qs = append(qs, fmt.Sprintf("%s %d", q, s.Queues[q]))
	}
	if len(qs) > 0 {
		fmt.Fprintf(w, "queued: %s\n", strings.Join(qs, ", "))
	}
	names := keysOf(s.Rates)
	if len(names) == 0 {
		names = keysOf(s.Budgets)
	}
	t := newTextTable("REQUEST TYPE", "BUDGET", "PER MINUTE", "BASE", "PER PLAYER")
	for _, n := range preferOrder(names, budgetOrder) {
		r, hasRate := s.Rates[n]
		cells := []string{n, strconv.FormatInt(s.Budgets[n], 10), "-", "-", "-"}
		if hasRate {
			cells[2], cells[3], cells[4] = strconv.FormatInt(r.PerMinute, 10), strconv.FormatInt(r.Base, 10), strconv.FormatInt(r.PerPlayer, 10)
		}
		t.add(cells...)
	}
	return t.write(w)
}

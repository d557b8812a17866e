package main

// rbxemu faults add | list | clear: the daemon's fault rules
// (_emulator.faults.*, docs/harness.md "Faults").

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newFaultsCmd(nil) })
}

// faultsOptions are the arguments of rbxemu faults and its subcommands.
type faultsOptions struct {
	connOptions
	Action string // add | list | clear
	IDs    []string

	// The rule of add.
	Op, Store, Scope, Key, Session, Job string
	UniverseID                          int64
	Nth, Times                          int64
	Probability                         float64
	Seed                                uint64
	seedGiven                           bool
	Error, Detail                       string
	Latency                             time.Duration
	Drop                                bool
}

func newFaultsCmd(runF func(*faultsOptions) error) *cobra.Command {
	if runF == nil {
		runF = runFaults
	}
	o := &faultsOptions{}
	cmd := &cobra.Command{
		Use:   "faults",
		Short: "Make chosen DataStore calls fail, wait, or lose their reply",
		Long: `Fault rules make the daemon fail chosen DataStore calls with Roblox's exact
errors, delay them, or let them write and then lose the reply, to test a game's
retry and recovery code. A rule matches calls by op, store, scope, key (globs),
session, job id and universe, and fires from its nth matching call on, for a
number of calls, with a probability from a seeded generator (the same seed fires
on the same calls again). docs/harness.md describes them.`,
		Example: `  rbxemu faults add --op SetAsync --store PlayerData --key 'Player_*' --nth 2 --times 1 --error 502
  rbxemu faults add --op GetAsync --probability 0.2 --seed 7 --error KeyThrottled
  rbxemu faults add --op UpdateAsync --drop
  rbxemu faults list
  rbxemu faults clear`,
	}
	sub := func(action, use, short string, args cobra.PositionalArgs) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  args,
			RunE: func(c *cobra.Command, args []string) error {
				if err := o.prepareHarness(c); err != nil {
					return err
				}
				o.Action, o.IDs = action, args
				if action == "add" {
					if err := checkUniverseFlag(c.Flags(), o.UniverseID); err != nil {
						return usageError(c, err)
					}
					o.seedGiven = flagGiven(c.Flags(), "seed")
				}
				return runF(o)
			},
		}
		bindConn(c, &o.connOptions, false)
		return c
	}
	add := sub("add", "add", "Add a fault rule", argsBetween(0, 0, "no arguments (the rule is in flags)"))
	f := add.Flags()
	f.StringVar(&o.Op, "op", "", `the op (glob): SetAsync, GetAsync, ...; UpdateAsync fails its read (or, with --drop, its commit)`)
	f.StringVar(&o.Store, "store", "", "the data store name (glob)")
	f.StringVar(&o.Scope, "scope", "", "the scope (glob)")
	f.StringVar(&o.Key, "key", "", "the key (glob, as path.Match: Player_*, Player_[0-9])")
	f.StringVar(&o.Session, "session", "", "the session id (glob)")
	f.StringVar(&o.Job, "job", "", "the game server's job id (glob)")
	bindUniverseFlag(f, &o.UniverseID, "only this universe (default: all)")
	f.Int64Var(&o.Nth, "nth", 0, "fire from the nth matching call on (default 1)")
	f.Int64Var(&o.Times, "times", 0, "fire on this many calls, then stop (default: no limit)")
	f.Float64Var(&o.Probability, "probability", 0, "fire on each eligible call with this probability (0 to 1; default 1)")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the rule's generator (default: a random one, shown by list)")
	f.StringVar(&o.Error, "error", "", "fail with this catalogue error: a code (502) or a name (KeyThrottled)")
	f.StringVar(&o.Detail, "detail", "", `fills the error's placeholder (502's "HTTP 500 (Internal Server Error)")`)
	f.DurationVar(&o.Latency, "latency", 0, "delay the call by this much (real time)")
	f.BoolVar(&o.Drop, "drop", false, "let the call run (a write is committed), then fail it as if the reply was lost (default error 502)")
	cmd.AddCommand(
		add,
		sub("list", "list", "List the fault rules with their counters", argsBetween(0, 0, "no arguments")),
		sub("clear", "clear [ID...]", "Remove fault rules (all of them without an ID)", cobra.ArbitraryArgs),
	)
	return cmd
}

// rule is the rule the add flags describe.
func (o *faultsOptions) rule() faults.Rule {
	r := faults.Rule{Op: o.Op, Store: o.Store, Scope: o.Scope, Key: o.Key, Session: o.Session, JobID: o.Job,
		Universe: o.UniverseID, Nth: o.Nth, Times: o.Times, Probability: o.Probability, Detail: o.Detail, Drop: o.Drop}
	if o.seedGiven {
		s := o.Seed
		r.Seed = &s
	}
	if o.Error != "" {
		if _, err := strconv.Atoi(o.Error); err == nil {
			r.Error = json.RawMessage(o.Error)
		} else {
			b, _ := json.Marshal(o.Error)
			r.Error = b
		}
	}
	if o.Latency != 0 {
		b, _ := json.Marshal(o.Latency.String())
		r.Latency = b
	}
	return r
}

func runFaults(o *faultsOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	api := o.harnessHTTP()
	switch o.Action {
	case "add":
		var r faults.Rule
		if err := api.call(ctx, http.MethodPost, "faults", nil, o.rule(), &r); err != nil {
			return o.failure(err)
		}
		if o.JSON {
			return writeJSON(o.stdout, r)
		}
		var res dispatch.FaultsResult
		if err := api.call(ctx, http.MethodGet, "faults", nil, nil, &res); err != nil {
			return o.failure(err)
		}
		for _, st := range res.Rules {
			if st.ID == r.ID {
				_, err := fmt.Fprintf(o.stdout, "added %s: %s; %s; %s\n", st.ID, ruleMatch(st.Rule), ruleWhen(st.Rule), st.Effect)
				return err
			}
		}
		_, err := fmt.Fprintf(o.stdout, "added %s\n", r.ID)
		return err
	case "list":
		var res dispatch.FaultsResult
		if err := api.call(ctx, http.MethodGet, "faults", nil, nil, &res); err != nil {
			return o.failure(err)
		}
		if o.JSON {
			if res.Rules == nil {
				res.Rules = []faults.Status{}
			}
			return writeJSON(o.stdout, res)
		}
		if len(res.Rules) == 0 {
			_, err := fmt.Fprintln(o.stderr, "no fault rules")
			return err
		}
		t := newTextTable("ID", "MATCHES", "FIRES", "MATCHED", "FIRED", "EFFECT")
		for _, st := range res.Rules {
			fired := strconv.FormatInt(st.Fired, 10)
			if st.Spent {
				fired += " (spent)"
			}
			t.add(st.ID, ruleMatch(st.Rule), ruleWhen(st.Rule), strconv.FormatInt(st.Matched, 10), fired, st.Effect)
		}
		return t.write(o.stdout)
	default: // clear
		q := url.Values{}
		for _, id := range o.IDs {
			q.Add("id", id)
		}
		var res dispatch.ClearResult
		if err := api.call(ctx, http.MethodDelete, "faults", q, nil, &res); err != nil {
			return o.failure(err)
		}
		if o.JSON {
			return writeJSON(o.stdout, res)
		}
		_, err := fmt.Fprintf(o.stdout, "cleared %s\n", countOf(res.Cleared, "fault rule"))
		return err
	}
}

// ruleMatch describes which calls a rule matches.
func ruleMatch(r faults.Rule) string {
	var parts []string
	for _, p := range []struct{ name, v string }{
		{"op", r.Op}, {"store", r.Store}, {"scope", r.Scope}, {"key", r.Key}, {"session", r.Session}, {"job", r.JobID},
	} {
		if p.v != "" {
			parts = append(parts, p.name+"="+p.v)
		}
	}
	if r.Universe != 0 {
		parts = append(parts, "universe="+strconv.FormatInt(r.Universe, 10))
	}
	if len(parts) == 0 {
		return "every call"
	}
	return strings.Join(parts, " ")
}

// ruleWhen describes which of its matching calls a rule fires on.
func ruleWhen(r faults.Rule) string {
	s := "every call"
	if r.Nth > 1 {
		s = "from call " + strconv.FormatInt(r.Nth, 10)
	}
	if r.Times > 0 {
		s += ", " + countOf(int(r.Times), "time")
	}
	if r.Probability > 0 && r.Probability < 1 {
		s += fmt.Sprintf(", p=%g", r.Probability)
		if r.Seed != nil {
			s += " seed=" + strconv.FormatUint(*r.Seed, 10)
		}
	}
	return s
}

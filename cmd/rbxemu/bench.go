package main

// rbxemu bench: a load generator in the manner of redis-benchmark;
// emulator/bench does the work.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/bench"
	"github.com/rbxemu/rbxemu/emulator/server"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newBenchCmd(nil) })
}

// benchOptions are the flags of rbxemu bench.
type benchOptions struct {
	URL        string
	Token      string
	Universe   int64
	Sessions   int
	Requests   int
	ValueSize  int
	Pipeline   int
	Tests      []string
	Keyspace   int
	Store      string
	Quiet      bool
	JSON       bool
	InProcess  bool
	CPUProfile string

	lookupEnv func(string) (string, bool)
	stdout    io.Writer
	stderr    io.Writer
}

func newBenchCmd(runF func(*benchOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBench
	}
	o := &benchOptions{lookupEnv: os.LookupEnv}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the daemon's throughput and latency (like redis-benchmark)",
		Long: `Measure the daemon in the manner of redis-benchmark: -c sessions (WebSocket
connections, each its own hello, so each is one game server) share -n requests
per test, each keeping -P requests in flight, writing values of -d bytes. The
tests run in the order set, get, update (update is UpdateAsync: ReadForUpdate,
then CommitUpdate); get without set first writes the keys once, unmeasured.
For each test it prints requests per second and the p50, p99 and largest
latency, then a summary table.

Throttling must be off on the daemon: start it with
  rbxemu serve --in-memory --throttle off
or the figures measure Roblox's budgets (bench warns when the daemon throttles).
--in-process starts such a daemon inside the bench process instead, so that
--cpuprofile profiles the daemon and the load generator together.

The benchmark writes to the data store "rbxemu-bench" (--store) of the
universe; point it at a throwaway daemon.`,
		Example: `  rbxemu bench -q
  rbxemu bench -c 50 -n 100000 -d 100 -t get,set
  rbxemu bench -t update --keyspace 10000 -P 16
  rbxemu bench --in-process --cpuprofile cpu.out && go tool pprof -top cpu.out`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.InProcess && flagGiven(cmd.Flags(), "url") {
				return usagef("--in-process runs its own daemon: leave out --url")
			}
			if err := applyConnEnv(cmd.Flags(), o.lookupEnv); err != nil {
				return usageError(cmd, err)
			}
			tests, err := parseTests(o.Tests)
			if err != nil {
				return err
			}
			o.Tests = tests
			switch {
			case o.Sessions < 1:
				return usagef("-c %d: give at least one session", o.Sessions)
			case o.Requests < 1:
				return usagef("-n %d: give at least one request", o.Requests)
			case o.ValueSize < 1 || o.ValueSize > 4<<20:
				return usagef("-d %d: give a value size of 1 to %d bytes", o.ValueSize, 4<<20)
			case o.Pipeline < 1 || o.Pipeline > bench.MaxPipeline:
				return usagef("-P %d: give 1 to %d requests in flight per session", o.Pipeline, bench.MaxPipeline)
			case o.Keyspace < 0:
				return usagef("--keyspace %d: must not be negative", o.Keyspace)
			}
			o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return runF(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", defaultURL, "the daemon's address (env RBXEMU_URL)")
	f.StringVar(&o.Token, "token", "", "the daemon's --token, if it has one (env RBXEMU_TOKEN)")
	f.Int64Var(&o.Universe, "universe", 1, "the universe of every session (env RBXEMU_UNIVERSE)")
	f.IntVarP(&o.Sessions, "clients", "c", bench.DefaultSessions, "sessions: WebSocket connections, each its own game server")
	f.IntVarP(&o.Requests, "requests", "n", bench.DefaultRequests, "requests per test, over all sessions")
	f.IntVarP(&o.ValueSize, "data-size", "d", bench.DefaultValueSize, "size of the values written, in bytes of compact JSON")
	f.IntVarP(&o.Pipeline, "pipeline", "P", 1, fmt.Sprintf("requests in flight per session (1-%d)", bench.MaxPipeline))
	f.StringSliceVarP(&o.Tests, "tests", "t", []string{bench.TestSet, bench.TestGet}, "tests to run: "+strings.Join(bench.AllTests, ","))
	f.IntVar(&o.Keyspace, "keyspace", 0, "distinct keys, picked at random (0: one key)")
	f.StringVar(&o.Store, "store", bench.DefaultStore, "the data store written")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "quiet: only the one line per test, no summary")
	f.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	f.BoolVar(&o.InProcess, "in-process", false, "run an in-memory daemon (throttling off) inside this process")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of this process to this file")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// parseTests checks -t and puts the tests in the order they run.
func parseTests(given []string) ([]string, error) {
	var out []string
	for _, t := range given {
		t = strings.ToLower(strings.TrimSpace(t))
		switch t {
		case bench.TestGet, bench.TestSet, bench.TestUpdate:
		default:
			return nil, usagef("-t %q: the tests are %s", t, strings.Join(bench.AllTests, ", "))
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, usagef("-t: give at least one test of %s", strings.Join(bench.AllTests, ", "))
	}
	return out, nil
}

func runBench(o *benchOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	url := o.URL
	if o.InProcess {
		srv, err := server.New(server.Options{Addr: "127.0.0.1:0", InMemory: true, Version: version})
		if err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			_ = srv.Close()
			return err
		}
		defer srv.Close()
		url = srv.URL()
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	bo := bench.Options{URL: url, Token: o.Token, Universe: o.Universe, Sessions: o.Sessions, Requests: o.Requests,
		ValueSize: o.ValueSize, Pipeline: o.Pipeline, Tests: o.Tests, Keyspace: o.Keyspace, Store: o.Store}
	progress := func(r bench.Result) {
		if !o.JSON {
			fmt.Fprintln(o.stdout, r.Line())
		}
	}
	rep, err := bench.Run(ctx, bo, progress)
	if rep != nil {
		for _, w := range rep.Warnings {
			fmt.Fprintln(o.stderr, "warning:", w)
		}
	}
	if err != nil {
		if isNoDaemon(err) {
			return &exitError{code: exitNoDaemon, err: fmt.Errorf(
				"no rbxemu daemon answers at %s (%s)\nstart one with `rbxemu serve --in-memory --throttle off`, or use --in-process", url, dialCause(err))}
		}
		return &exitError{code: exitFailed, err: err}
	}
	if o.JSON {
		return writeJSON(o.stdout, rep)
	}
	for _, r := range rep.Results {
		if r.Errors > 0 {
			fmt.Fprintf(o.stderr, "%s: %d errors; the first: %s\n", r.Op, r.Errors, r.FirstError)
		}
	}
	if o.Quiet {
		return nil
	}
	fmt.Fprintln(o.stdout)
	fmt.Fprintf(o.stdout, "%d sessions, %d requests per test, %d-byte values, pipeline %d, keyspace %d\n",
		rep.Options.Sessions, rep.Options.Requests, rep.Options.ValueSize, rep.Options.Pipeline, max(rep.Options.Keyspace, 1))
	t := newTextTable("TEST", "REQUESTS", "ERRORS", "SECONDS", "REQ/S", "P50 MS", "P99 MS", "MAX MS")
	for _, r := range rep.Results {
		t.add(r.Op, strconv.Itoa(r.Requests), strconv.Itoa(r.Errors), strconv.FormatFloat(r.Elapsed.Seconds(), 'f', 3, 64),
			strconv.FormatFloat(r.PerSecond(), 'f', 2, 64), msText(r.P50), msText(r.P99), msText(r.Max))
	}
	if err := t.write(o.stdout); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if r.Conflicts > 0 {
			fmt.Fprintf(o.stdout, "%s: %d commits found the key changed and were retried\n", r.Op, r.Conflicts)
		}
	}
	return nil
}

// msText shows a latency in milliseconds, as redis-benchmark does.
func msText(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds()*1000, 'f', 3, 64)
}

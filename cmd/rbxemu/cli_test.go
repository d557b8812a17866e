package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/goleak"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// cliEpoch is where the test daemons' virtual clock starts, so that times
// and version ids in the output are the same on every run.
var cliEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// cliDaemon starts an in-memory daemon on a virtual clock at cliEpoch,
// checks when the test ends that no goroutine outlives it, and clears the
// RBXEMU_* variables the client commands read.
func cliDaemon(t *testing.T, opts ...servertest.Option) (string, *clock.Manual) {
	t.Helper()
	cliCleanEnv(t)
	ign := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ign) }) // runs last: after the daemon is closed
	clk := clock.NewManual(cliEpoch)
	url, _ := servertest.Start(t, append([]servertest.Option{servertest.Clock(clk)}, opts...)...)
	return url, clk
}

func cliCleanEnv(t *testing.T) {
	for _, fe := range connEnv {
		t.Setenv(fe.env, "")
	}
}

// cliResult is what a command printed and its exit status.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cliRun runs the rbxemu root command with args and stdin as run (main.go)
// does: the error, if any, is printed on stderr after "rbxemu:", and its
// exit status taken from an exitError.
func cliRun(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	code := 0
	if err := root.Execute(); err != nil {
		fmt.Fprintln(&errb, "rbxemu:", err)
		code = 1
		var ec interface{ ExitCode() int }
		if asExit(err, &ec) {
			code = ec.ExitCode()
		}
	}
	return cliResult{out.String(), errb.String(), code}
}

// want compares a result with the expected one, showing all three on a
// mismatch.
func (r cliResult) want(t *testing.T, stdout, stderr string, code int) {
	t.Helper()
	if r.stdout != stdout || r.stderr != stderr || r.code != code {
		t.Errorf("got  exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr, code, stdout, stderr)
	}
}

// cliClient opens a session on the test daemon to seed or check data.
func cliClient(t *testing.T, url string) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), url, client.HelloOptions{Client: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestCLINoDaemon(t *testing.T) {
	cliCleanEnv(t)
	url := closedURL(t)
	want := "rbxemu: no rbxemu daemon answers at " + url + " (connect: connection refused)\n" +
		"start one with `rbxemu serve` (add --in-memory for a throwaway one), or point --url or RBXEMU_URL at the one you run\n"
	for _, args := range [][]string{
		{"stores"},
		{"keys", "S"},
		{"get", "S", "K"},
		{"set", "S", "K", "1"},
		{"incr", "S", "K"},
		{"rm", "S", "K"},
		{"versions", "S", "K"},
		{"sorted", "S"},
		{"clock"},
		{"clock", "advance", "1s"},
		{"clock", "set", "0"},
		{"budgets"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cliRun(t, "", append(args, "--url", url)...).want(t, "", want, exitNoDaemon)
		})
	}
	t.Run("through run and RBXEMU_URL", func(t *testing.T) {
		t.Setenv("RBXEMU_URL", url)
		var out, errb bytes.Buffer
		if code := run([]string{"get", "S", "K"}, &out, &errb); code != exitNoDaemon || out.String() != "" || errb.String() != want {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
		}
	})
}

func TestCLIToken(t *testing.T) {
	url, _ := cliDaemon(t, servertest.Token("s3cret"))
	cliRun(t, "", "get", "S", "K", "--url", url).want(t, "",
		"rbxemu: the daemon at "+url+" wants a token: give the one it was started with as --token or RBXEMU_TOKEN\n", exitFailed)
	cliRun(t, "", "get", "S", "K", "--url", url, "--token", "wrong").want(t, "",
		"rbxemu: the daemon at "+url+" wants a token: give the one it was started with as --token or RBXEMU_TOKEN\n", exitFailed)
	cliRun(t, "", "set", "S", "K", "1", "--url", url, "--token", "s3cret").want(t, "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01\n", "", 0)
}

func TestCLIEnvironment(t *testing.T) {
	url, _ := cliDaemon(t)
	c := cliClient(t, url)
	if _, err := c.Set(context.Background(), client.Store{Name: "S"}, "K", 7, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RBXEMU_URL", url)
	cliRun(t, "", "get", "S", "K").want(t, "7\n\n"+
		"version:   08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01\n"+
		"created:   2026-01-01 00:00:00 UTC (just now)\n"+
		"updated:   2026-01-01 00:00:00 UTC (just now)\n"+
		"user ids:  none\n"+
		"metadata:  none\n", "", 0)
	// Another universe is another namespace.
	t.Setenv("RBXEMU_UNIVERSE", "2")
	cliRun(t, "", "get", "S", "K").want(t, "", "rbxemu: key \"K\" has no value (data store \"S\", scope \"global\")\n", exitNotFound)
	// A flag beats its variable.
	cliRun(t, "", "get", "S", "K", "--universe", "1", "--json").want(t, `{
  "value": 7,
  "keyInfo": {
    "createdTime": 1767225600000,
    "updatedTime": 1767225600000,
    "version": "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01",
    "userIds": [],
    "metadata": {}
  }
}
`, "", 0)
	t.Setenv("RBXEMU_UNIVERSE", "one")
	cliRun(t, "", "get", "S", "K").want(t, "", "rbxemu: RBXEMU_UNIVERSE=\"one\": invalid argument \"one\" for \"--universe\" flag: strconv.ParseInt: parsing \"one\": invalid syntax\n", exitUsage)
}

// cliParse runs a command's constructor with a runF that keeps the options,
// so that flag parsing is checked without running anything.
func cliParse[O any](t *testing.T, newCmd func(func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(func(o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return got, err
}

func TestCLIConnectionFlags(t *testing.T) {
	cliCleanEnv(t)
	o, err := cliParse(t, newGetCmd, "S", "K")
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://127.0.0.1:34890" || o.Token != "" || o.Universe != 1 || o.Scope != "global" || o.JSON || o.Timeout != time.Minute {
		t.Errorf("defaults: %+v", o.storeOptions)
	}
	o, err = cliParse(t, newGetCmd, "S", "K", "--url", "http://h:1", "--token", "tk", "--universe", "9", "--scope", "sc", "--json", "--timeout", "5s")
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://h:1" || o.Token != "tk" || o.Universe != 9 || o.Scope != "sc" || !o.JSON || o.Timeout != 5*time.Second {
		t.Errorf("flags: %+v", o.storeOptions)
	}
	t.Setenv("RBXEMU_URL", "http://env:2")
	t.Setenv("RBXEMU_TOKEN", "envtk")
	t.Setenv("RBXEMU_UNIVERSE", "4")
	o, err = cliParse(t, newGetCmd, "S", "K")
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://env:2" || o.Token != "envtk" || o.Universe != 4 {
		t.Errorf("environment: %+v", o.storeOptions)
	}
	o, err = cliParse(t, newGetCmd, "S", "K", "--url", "http://flag:3", "--universe", "5")
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://flag:3" || o.Token != "envtk" || o.Universe != 5 {
		t.Errorf("flags over environment: %+v", o.storeOptions)
	}
	// The admin commands take no universe.
	c, err := cliParse(t, newClockCmd, "--url", "http://c:1", "--json")
	if err != nil || c.URL != "http://c:1" || !c.JSON || c.Action != "" {
		t.Errorf("clock: %+v, %v", c, err)
	}
	if _, err := cliParse(t, newBudgetsCmd, "--universe", "2"); err == nil || err.Error() != "unknown flag: --universe" {
		t.Errorf("budgets --universe: %v", err)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	cliCleanEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "S"}, "get takes STORE KEY (got 1 argument)"},
		{[]string{"get", "S", "K", "X"}, "get takes STORE KEY (got 3 arguments)"},
		{[]string{"get", "S", "K", "--universe", "0"}, "--universe 0: a universe id is a positive integer"},
		{[]string{"get", "S", "K", "--timeout", "-1s"}, "--timeout -1s: must not be negative"},
		{[]string{"get", "S", "K", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"get", "S", "K", "--version", "v", "--at", "0"}, "give --version or --at, not both"},
		{[]string{"get", "S", "K", "--ordered", "--version", "v"}, "an OrderedDataStore keeps no versions: --ordered takes no --version or --at"},
		{[]string{"get", "S", "K", "--at", "yesterday"}, `--at "yesterday": give RFC 3339 (2026-01-01T00:00:00Z), a date (2026-01-01) or Unix milliseconds`},
		{[]string{"stores", "x"}, "stores takes no arguments (got 1 argument)"},
		{[]string{"keys"}, "keys takes STORE (got 0 arguments)"},
		{[]string{"keys", "S", "--limit", "0"}, "--limit 0: a page holds 1 to 100 keys (--all fetches every page)"},
		{[]string{"keys", "S", "--limit", "101"}, "--limit 101: a page holds 1 to 100 keys (--all fetches every page)"},
		{[]string{"keys", "S", "--all-scopes", "--scope", "x"}, "--all-scopes lists every scope: leave out --scope"},
		{[]string{"keys", "S", "--all", "--cursor", "c"}, "--all starts from the first page: leave out --cursor"},
		{[]string{"set", "S", "K", "{bad"}, `the value is not JSON: invalid character 'b' looking for beginning of object key string (a string is JSON with its quotes: '"{bad"')`},
		{[]string{"set", "S", "K", "hello"}, `the value is not JSON: invalid character 'h' looking for beginning of value (a string is JSON with its quotes: '"hello"')`},
		{[]string{"set", "S", "K", "1 2"}, "the value is not JSON: invalid character '2' after top-level value (a string is JSON with its quotes: '\"1 2\"')"},
		{[]string{"set", "S", "K", "1", "--metadata", "{"}, "--metadata is not JSON: unexpected end of JSON input"},
		{[]string{"set", "S", "K", "1", "--user-ids", "a"}, `invalid argument "a" for "--user-ids" flag: strconv.ParseInt: parsing "a": invalid syntax`},
		{[]string{"set", "S", "K", "@/nonexistent/v.json"}, "open /nonexistent/v.json: no such file or directory"},
		{[]string{"set", "S", "K", "-"}, "stdin is not JSON: it is empty"},
		{[]string{"incr", "S", "K", "x"}, `DELTA "x": give an integer`},
		{[]string{"incr", "S", "K", "-5"}, "unknown shorthand flag: '5' in -5\n(a negative number as an argument goes after --, as in: rbxemu incr STORE KEY -- -5)"},
		{[]string{"rm", "S"}, "rm takes STORE KEY (got 1 argument)"},
		{[]string{"versions", "S", "K", "--since", "x"}, `--since "x": give RFC 3339 (2026-01-01T00:00:00Z), a date (2026-01-01) or Unix milliseconds`},
		{[]string{"versions", "S", "K", "--limit", "-1"}, "--limit -1: give a positive number of versions (0: all)"},
		{[]string{"sorted", "S", "--all", "--cursor", "c"}, "--all starts from the first page: leave out --cursor"},
		{[]string{"sorted", "S", "--min", "x"}, `invalid argument "x" for "--min" flag: strconv.ParseInt: parsing "x": invalid syntax`},
		{[]string{"clock", "x"}, "clock takes no arguments (or a subcommand: advance, set) (got 1 argument)"},
		{[]string{"clock", "advance"}, "advance takes DURATION (got 0 arguments)"},
		{[]string{"clock", "advance", "soon"}, `duration "soon": give a Go duration like 90s or 1h30m, or days like 30d`},
		{[]string{"clock", "set", "later"}, `TIME "later": give RFC 3339 (2026-01-01T00:00:00Z), a date (2026-01-01) or Unix milliseconds`},
		{[]string{"budgets", "x"}, "budgets takes no arguments (got 1 argument)"},
		{[]string{"bench", "-t", "ping"}, `-t "ping": the tests are set, get, update`},
		{[]string{"bench", "--in-process", "--url", "http://x"}, "--in-process runs its own daemon: leave out --url"},
		{[]string{"bench", "-c", "0"}, "-c 0: give at least one session"},
		{[]string{"bench", "-n", "0"}, "-n 0: give at least one request"},
		{[]string{"bench", "-d", "0"}, "-d 0: give a value size of 1 to 4194304 bytes"},
		{[]string{"bench", "-P", "257"}, "-P 257: give 1 to 256 requests in flight per session"},
		{[]string{"bench", "--keyspace", "-1"}, "--keyspace -1: must not be negative"},
		{[]string{"bench", "-c", "x"}, `invalid argument "x" for "-c, --clients" flag: strconv.ParseInt: parsing "x": invalid syntax`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cliRun(t, "", tc.args...).want(t, "", "rbxemu: "+tc.want+"\n", exitUsage)
		})
	}
}

func TestParseArgHelpers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1767225600000", 1767225600000},
		{"2026-01-01T00:00:00Z", 1767225600000},
		{"2026-01-01T01:00:00.5+01:00", 1767225600500},
		{"2026-01-01", 1767225600000},
	} {
		if got, err := parseTimeArg("--at", tc.in); err != nil || got != tc.want {
			t.Errorf("parseTimeArg(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"1h30m", 90 * time.Minute, true},
		{"30d", 720 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"d", 0, false},
		{"-1d", 0, false},
		{"1d-", 0, false},
		{"2x", 0, false},
		{"", 0, false},
		{"999999999999d", 0, false},
	} {
		got, err := parseDurationArg(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDurationArg(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "just now"},
		{999 * time.Millisecond, "just now"},
		{42 * time.Second, "42s ago"},
		{5 * time.Minute, "5m ago"},
		{47 * time.Hour, "47h ago"},
		{30 * 24 * time.Hour, "30d ago"},
		{-5 * time.Minute, "in 5m"},
	} {
		if got := ago(tc.d); got != tc.want {
			t.Errorf("ago(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestCLICompletion(t *testing.T) {
	url, _ := cliDaemon(t)
	r := cliRun(t, "", "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "bash completion V2 for rbxemu") {
		t.Fatalf("completion bash: exit %d, stderr %q, stdout starts %.80q", r.code, r.stderr, r.stdout)
	}
	for _, sh := range []string{"zsh", "fish", "powershell"} {
		if r := cliRun(t, "", "completion", sh); r.code != 0 || r.stdout == "" {
			t.Errorf("completion %s: exit %d, stderr %q", sh, r.code, r.stderr)
		}
	}
	// Store and key names come from the daemon.
	c := cliClient(t, url)
	ctx := context.Background()
	for _, s := range []string{"PlayerData", "PlayerStats", "Settings"} {
		if _, err := c.Set(ctx, client.Store{Name: s}, "Player_1", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Set(ctx, client.Store{Name: "PlayerData"}, "Player_2", 1, nil); err != nil {
		t.Fatal(err)
	}
	cliRun(t, "", "__complete", "get", "--url", url, "Play").want(t, "PlayerData\nPlayerStats\n:4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n", 0)
	cliRun(t, "", "__complete", "get", "--url", url, "PlayerData", "").want(t, "Player_1\nPlayer_2\n:4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n", 0)
	// No daemon: no names, and no file names either.
	cliRun(t, "", "__complete", "keys", "--url", closedURL(t), "").want(t, ":4\n",
		"Completion ended with directive: ShellCompDirectiveNoFileComp\n", 0)
}

// cliWriteFile writes a file in a test directory and returns its path.
func cliWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Each command's arguments and flags land in its options, without running.
func TestCommandsParseFlags(t *testing.T) {
	cliCleanEnv(t)
	st, err := cliParse(t, newStoresCmd, "--prefix", "P", "--universe", "3")
	if err != nil || st.Prefix != "P" || st.Universe != 3 {
		t.Errorf("stores: %+v, %v", st, err)
	}
	k, err := cliParse(t, newKeysCmd, "S")
	if err != nil || k.Store != "S" || k.Limit != 50 || k.All || k.Cursor != "" || k.Prefix != "" || k.AllScopes || k.ExcludeDeleted {
		t.Errorf("keys defaults: %+v, %v", k, err)
	}
	k, err = cliParse(t, newKeysCmd, "S", "--prefix", "p", "--limit", "7", "--cursor", "c", "--exclude-deleted", "--scope", "x")
	if err != nil || k.Prefix != "p" || k.Limit != 7 || k.Cursor != "c" || !k.ExcludeDeleted || k.Scope != "x" {
		t.Errorf("keys: %+v, %v", k, err)
	}
	k, err = cliParse(t, newKeysCmd, "S", "--all", "--all-scopes")
	if err != nil || !k.All || k.Limit != 100 || !k.AllScopes {
		t.Errorf("keys --all: %+v, %v", k, err)
	}
	r, err := cliParse(t, newRmCmd, "S", "K", "--ordered", "--scope", "x")
	if err != nil || r.Store != "S" || r.Key != "K" || !r.Ordered || r.Scope != "x" {
		t.Errorf("rm: %+v, %v", r, err)
	}
	v, err := cliParse(t, newVersionsCmd, "S", "K", "--desc", "--since", "2026-01-01", "--until", "5", "--limit", "9")
	if err != nil || v.Store != "S" || v.Key != "K" || !v.Desc || v.minMs != 1767225600000 || v.maxMs != 5 || v.Limit != 9 {
		t.Errorf("versions: %+v, %v", v, err)
	}
	v, err = cliParse(t, newVersionsCmd, "S", "K")
	if err != nil || v.Desc || v.minMs != 0 || v.maxMs != 0 || v.Limit != 0 {
		t.Errorf("versions defaults: %+v, %v", v, err)
	}
	so, err := cliParse(t, newSortedCmd, "LB")
	if err != nil || so.Store != "LB" || so.Desc || so.hasMin || so.hasMax || so.Limit != 50 || so.All {
		t.Errorf("sorted defaults: %+v, %v", so, err)
	}
	so, err = cliParse(t, newSortedCmd, "LB", "--desc", "--min", "-3", "--max", "0", "--all")
	if err != nil || !so.Desc || !so.hasMin || so.Min != -3 || !so.hasMax || so.Max != 0 || !so.All || so.Limit != 100 {
		t.Errorf("sorted: %+v, %v", so, err)
	}
	b, err := cliParse(t, newBudgetsCmd, "--url", "http://b:1", "--json", "--token", "t")
	if err != nil || b.URL != "http://b:1" || !b.JSON || b.Token != "t" {
		t.Errorf("budgets: %+v, %v", b, err)
	}
}

// A daemon that accepts the connection and then says nothing: the command
// gives up after --timeout.
func TestCLITimeout(t *testing.T) {
	cliCleanEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	defer func() { ln.Close(); <-done }()
	url := "http://" + ln.Addr().String()
	start := time.Now()
	cliRun(t, "", "get", "S", "K", "--url", url, "--timeout", "200ms").want(t, "",
		"rbxemu: no answer from the daemon at "+url+" within --timeout 200ms\n", exitFailed)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

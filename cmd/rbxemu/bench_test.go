package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/bench"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

func TestBenchParsesFlags(t *testing.T) {
	cliCleanEnv(t)
	o, err := cliParse(t, newBenchCmd)
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://127.0.0.1:34890" || o.Sessions != 50 || o.Requests != 100000 || o.ValueSize != 3 || o.Pipeline != 1 ||
		strings.Join(o.Tests, ",") != "set,get" || o.Keyspace != 0 || o.Store != "rbxemu-bench" || o.Quiet || o.JSON || o.InProcess || o.CPUProfile != "" {
		t.Errorf("defaults %+v", o)
	}
	o, err = cliParse(t, newBenchCmd, "-c", "8", "-n", "1000", "-d", "100", "-P", "16", "-t", "update,GET", "--keyspace", "500",
		"--store", "X", "-q", "--json", "--cpuprofile", "cpu.out", "--url", "http://h:1", "--token", "tk", "--universe", "3")
	if err != nil {
		t.Fatal(err)
	}
	if o.Sessions != 8 || o.Requests != 1000 || o.ValueSize != 100 || o.Pipeline != 16 || strings.Join(o.Tests, ",") != "update,get" ||
		o.Keyspace != 500 || o.Store != "X" || !o.Quiet || !o.JSON || o.CPUProfile != "cpu.out" || o.URL != "http://h:1" || o.Token != "tk" || o.Universe != 3 {
		t.Errorf("flags %+v", o)
	}
	t.Setenv("RBXEMU_URL", "http://env:9")
	if o, err := cliParse(t, newBenchCmd, "--in-process"); err != nil || !o.InProcess || o.URL != "http://env:9" {
		t.Errorf("--in-process: %+v, %v", o, err)
	}
}

var benchLine = regexp.MustCompile(`^(SetAsync|GetAsync|UpdateAsync): \d+\.\d\d requests per second, p50=\d+\.\d{3} msec, p99=\d+\.\d{3} msec, max=\d+\.\d{3} msec$`)

func TestBench(t *testing.T) {
	url, _ := cliDaemon(t)
	r := cliRun(t, "", "bench", "--url", url, "-c", "3", "-n", "60", "-d", "20", "-t", "get,set,update", "--keyspace", "4", "-q")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || r.stderr != "" || len(lines) != 3 || !strings.HasPrefix(lines[0], "SetAsync: ") ||
		!strings.HasPrefix(lines[1], "GetAsync: ") || !strings.HasPrefix(lines[2], "UpdateAsync: ") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	for _, l := range lines {
		if !benchLine.MatchString(l) {
			t.Errorf("line %q", l)
		}
	}

	// Without -q, a summary table follows.
	r = cliRun(t, "", "bench", "--url", url, "-c", "2", "-n", "10", "-P", "4", "-t", "get")
	lines = strings.Split(r.stdout, "\n")
	if r.code != 0 || len(lines) != 6 || !benchLine.MatchString(lines[0]) || lines[1] != "" ||
		lines[2] != "2 sessions, 10 requests per test, 3-byte values, pipeline 4, keyspace 1" ||
		!regexp.MustCompile(`^TEST      REQUESTS  ERRORS  SECONDS  REQ/S +P50 MS +P99 MS +MAX MS$`).MatchString(lines[3]) ||
		!regexp.MustCompile(`^GetAsync  10        0       \d\.\d{3}    [\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$`).MatchString(lines[4]) {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}

	// --json is the whole report.
	r = cliRun(t, "", "bench", "--url", url, "-c", "2", "-n", "10", "-t", "set", "--json")
	var rep bench.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v, %s", r.code, err, r.stderr)
	}
	if rep.Options.Sessions != 2 || len(rep.Results) != 1 || rep.Results[0].Op != "SetAsync" || rep.Results[0].Requests != 10 || rep.Results[0].P99 <= 0 {
		t.Errorf("report %+v", rep)
	}

	// Errors are counted and the first is shown.
	r = cliRun(t, "", "bench", "--url", url, "-c", "1", "-n", "5", "-t", "set", "-q", "--store", strings.Repeat("s", 51))
	if r.code != 0 || r.stderr != "SetAsync: 5 errors; the first: DataStore name is too long\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBenchWarnsWhenThrottled(t *testing.T) {
	clk := clock.NewManual(cliEpoch)
	url, _ := cliDaemon(t, servertest.Clock(clk), servertest.Gate(throttle.New(clk, throttle.Options{})))
	r := cliRun(t, "", "bench", "--url", url, "-c", "1", "-n", "5", "-q")
	if r.code != 0 || r.stderr != "warning: the daemon throttles (hello says throttle: true): the figures measure Roblox's budgets, not the daemon; start it with --throttle off\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBenchNoDaemon(t *testing.T) {
	cliCleanEnv(t)
	url := closedURL(t)
	cliRun(t, "", "bench", "--url", url, "-c", "2").want(t, "",
		"rbxemu: no rbxemu daemon answers at "+url+" (connect: connection refused)\nstart one with `rbxemu serve --in-memory --throttle off`, or use --in-process\n", exitNoDaemon)
}

func TestBenchInProcess(t *testing.T) {
	cliCleanEnv(t)
	prof := cliWriteFile(t, "cpu.out", "")
	r := cliRun(t, "", "bench", "--in-process", "-c", "2", "-n", "20", "-q", "--cpuprofile", prof)
	if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "requests per second") != 2 {
		t.Errorf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
}

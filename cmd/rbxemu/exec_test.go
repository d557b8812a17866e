package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
)

// execHelperEnv makes the test binary act as exec's COMMAND (see
// TestExecHelperProcess).
const execHelperEnv = "RBXEMU_TEST_EXEC_HELPER"

// TestExecHelperProcess is not a test: run as COMMAND by the exec tests, it
// talks to the daemon at RBXEMU_URL as a game would (reads the seeded key,
// writes another) and exits with the status in RBXEMU_TEST_EXEC_HELPER.
func TestExecHelperProcess(t *testing.T) {
	code := os.Getenv(execHelperEnv)
	if code == "" {
		t.Skip("only run by the exec tests")
	}
	ctx := context.Background()
	c, err := client.Dial(ctx, os.Getenv("RBXEMU_URL"), client.HelloOptions{Token: os.Getenv("RBXEMU_TOKEN")})
	if err != nil {
		println("helper:", err.Error())
		os.Exit(90)
	}
	v, _, err := c.Get(ctx, client.Store{Name: "Guilds"}, "count")
	if err != nil {
		println("helper:", err.Error())
		os.Exit(91)
	}
	if _, err := c.Set(ctx, client.Store{Name: "Results"}, "seen", json.RawMessage(v), nil); err != nil {
		println("helper:", err.Error())
		os.Exit(92)
	}
	c.Close()
	n, _ := strconv.Atoi(code)
	os.Exit(n)
}

func needSh(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
}

// exec runs COMMAND with the daemon's URL in RBXEMU_URL and exits with its
// status.
func TestExecStatusAndEnvironment(t *testing.T) {
	needSh(t)
	cliCleanEnv(t)
	r := cliRun(t, "", "exec", "--", "sh", "-c", `echo "$RBXEMU_URL"; echo "token=$RBXEMU_TOKEN"`)
	if r.code != 0 || r.stderr != "" || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+\ntoken=\n$`).MatchString(r.stdout) {
		t.Fatalf("%+v", r)
	}
	for _, code := range []int{0, 3, 7} {
		t.Run("exit "+strconv.Itoa(code), func(t *testing.T) {
			r := cliRun(t, "", "exec", "--", "sh", "-c", "exit "+strconv.Itoa(code))
			wantErr := ""
			if code != 0 {
				wantErr = "rbxemu: exec: sh exited with status " + strconv.Itoa(code) + "\n"
			}
			r.want(t, "", wantErr, code)
		})
	}
	// The status also comes out of run, as main exits with it.
	var out, errb strings.Builder
	if code := run([]string{"exec", "sh", "-c", "exit 7"}, &out, &errb); code != 7 {
		t.Fatalf("run: %d %s", code, errb.String())
	}
	r = cliRun(t, "", "exec", "--token", "tk", "--", "sh", "-c", `echo "$RBXEMU_TOKEN"`)
	r.want(t, "tk\n", "", 0)
	r = cliRun(t, "in", "exec", "--", "sh", "-c", `cat; echo; echo oops >&2`)
	r.want(t, "in\n", "oops\n", 0)
	r = cliRun(t, "", "exec", "--", "/nonexistent/command")
	if r.code != 127 || !strings.Contains(r.stderr, "/nonexistent/command") {
		t.Fatalf("not found: %+v", r)
	}
	r = cliRun(t, "", "exec", "--", "sh", "-c", "kill -TERM $$")
	if r.code != 128+15 {
		t.Fatalf("killed by a signal: %+v", r)
	}
}

// A seeded daemon, a COMMAND that talks to it and fails: the store is
// written out with what COMMAND wrote.
func TestExecSeedAndExportOnFailure(t *testing.T) {
	cliCleanEnv(t)
	dir := t.TempDir()
	out := dir + "/store.json"
	for _, c := range []struct {
		code   int
		export bool
	}{{7, true}, {0, false}} {
		t.Setenv(execHelperEnv, strconv.Itoa(c.code))
		_ = os.Remove(out)
		r := cliRun(t, "", "exec", "--seed", mockFixture, "--clock", "virtual", "--throttle", "off", "--export-on-failure", out, "--token", "tk",
			"--", os.Args[0], "-test.run=^TestExecHelperProcess$")
		if r.code != c.code {
			t.Fatalf("exit %d, want %d: %+v", r.code, c.code, r)
		}
		_, err := os.Stat(out)
		if c.export != (err == nil) {
			t.Fatalf("exit %d: export written %v", c.code, err == nil)
		}
		if !c.export {
			continue
		}
		if !strings.HasSuffix(r.stderr, "rbxemu: exec: the store is in "+out+"\nrbxemu: exec: "+os.Args[0]+" exited with status 7\n") {
			t.Fatalf("stderr %q", r.stderr)
		}
		doc := readFile(t, out)
		for _, part := range []string{
			`{"name":"Results","createdTime":`,
			`{"key":"seen","value":2,"version":`,
			`{"key":"ServerMessage","value":"Welcome back, <b>adventurer</b>!","version":`,
			`{"key":"Player_103","value":-15}`,
		} {
			if !strings.Contains(doc, part) {
				t.Errorf("the export lacks %s:\n%s", part, doc)
			}
		}
	}
	r := cliRun(t, "", "exec", "--seed", dir+"/missing.json", "--", "true")
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, "rbxemu: --seed: stat "+dir+"/missing.json") {
		t.Fatalf("missing seed: %+v", r)
	}
}

func TestExecFlags(t *testing.T) {
	o, err := cliParse(t, newExecCmd, "--clock", "virtual", "--throttle", "off", "--seed", "f.json", "--export-on-failure", "o.json", "--", "lune", "run", "--flag", "x")
	if err != nil {
		t.Fatal(err)
	}
	if o.Clock != "virtual" || o.Throttle != "off" || o.Seed != "f.json" || o.ExportOnFailure != "o.json" || o.LogLevel != "warn" ||
		strings.Join(o.Command, " ") != "lune run --flag x" {
		t.Fatalf("%+v", o)
	}
	// Without --, flags after COMMAND are still COMMAND's.
	o, err = cliParse(t, newExecCmd, "go", "test", "-run", "X")
	if err != nil || strings.Join(o.Command, " ") != "go test -run X" || o.Clock != "real" || o.Throttle != "on" {
		t.Fatalf("%+v %v", o, err)
	}
	so := o.serveOptions(io.Discard)
	if so.Port != 0 || so.Bind != "127.0.0.1" || !so.InMemory {
		t.Fatalf("daemon options %+v", so)
	}
}

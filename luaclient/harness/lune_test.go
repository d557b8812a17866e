package harness_test

// The Lune runner (luaclient/lune/run.lua) in the harness's fake Lune: game
// code that calls game:GetService("DataStoreService") runs unchanged
// against the daemon, over the WebSocket and over HTTP, with the newer and
// the older shape of @lune/net.

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/luaclient/harness"
)

func runLune(t *testing.T, d *daemon, old bool, args ...string) (*harness.Env, error) {
	t.Helper()
	root := luaclientDir(t)
	env, err := harness.New(harness.Options{
		Lune:    true,
		LuneOld: old,
		Args:    append([]string{"--url", d.URL, "--shim", filepath.Join(root, "src")}, args...),
		LuneEnv: map[string]string{},
		Timeout: 60 * time.Second,
		Log:     func(kind, text string) { t.Logf("lune %s: %s", kind, text) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env, env.RunFile(filepath.Join(root, "lune", "run.lua"))
}

func printed(env *harness.Env) string {
	var b strings.Builder
	for _, l := range env.Output() {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

func TestLuneRunner(t *testing.T) {
	game := filepath.Join(luaclientDir(t), "harness", "testdata", "lune_game.lua")
	for _, tc := range []struct {
		name      string
		old       bool
		transport string
	}{
		{"websocket", false, "auto"},
		{"http", false, "http"},
		{"lune-0.9-net-websocket", true, "websocket"},
		{"lune-0.9-net-http", true, "http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDaemon(t, daemonOpt{})
			env, err := runLune(t, d, tc.old, "--transport", tc.transport, "--players", "3", game, "arg1")
			if err != nil {
				t.Fatalf("run: %v\n%s", err, printed(env))
			}
			if code := env.ExitCode(); code != 0 {
				t.Fatalf("exit status %d\n%s", code, printed(env))
			}
			out := printed(env)
			if !strings.Contains(out, "lune game ok\targ1") && !strings.Contains(out, "lune game ok arg1") {
				t.Fatalf("the script did not finish:\n%s", out)
			}
			if !strings.Contains(out, "closed") {
				t.Fatalf("BindToClose did not run:\n%s", out)
			}
			if errs := env.Errors(); len(errs) > 0 {
				t.Fatalf("uncaught errors: %v", errs)
			}
		})
	}
}

func TestLuneRunnerFailingScript(t *testing.T) {
	d := startDaemon(t, daemonOpt{})
	env, err := runLune(t, d, false, filepath.Join(luaclientDir(t), "harness", "testdata", "lune_fail.lua"))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if code := env.ExitCode(); code != 1 {
		t.Fatalf("exit status %d, want 1\n%s", code, printed(env))
	}
	if !strings.Contains(printed(env), "101: Key name can't be empty.") {
		t.Fatalf("the error was not printed:\n%s", printed(env))
	}
}

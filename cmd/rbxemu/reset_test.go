package main

import (
	"context"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// harnessClient opens a session in a universe to seed or check data.
func harnessClient(t *testing.T, url string, universe int64) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), url, client.HelloOptions{Universe: universe, Client: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// value reads a key, "" when it has none.
func value(t *testing.T, c *client.Client, store client.Store, key string) string {
	t.Helper()
	v, _, err := c.Get(context.Background(), store, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func set(t *testing.T, c *client.Client, store client.Store, key string, v any) {
	t.Helper()
	if _, err := c.Set(context.Background(), store, key, v, nil); err != nil {
		t.Fatal(err)
	}
}

func TestResetCLI(t *testing.T) {
	url, _ := cliDaemon(t)
	one, two := harnessClient(t, url, 1), harnessClient(t, url, 2)
	s := client.Store{Name: "PlayerData"}
	set(t, one, s, "Player_1", 1)
	set(t, two, s, "Player_2", 2)
	if _, _, err := one.Increment(context.Background(), client.Store{Name: "Board", Ordered: true}, "p", 5, nil); err != nil {
		t.Fatal(err)
	}

	// RBXEMU_UNIVERSE does not narrow a reset; --universe does.
	t.Setenv("RBXEMU_UNIVERSE", "1")
	cliRun(t, "", "reset", "--universe", "2", "--url", url).want(t, "reset: universe 2 is empty\n", "", 0)
	if got := value(t, two, s, "Player_2"); got != "" {
		t.Errorf("universe 2 kept Player_2 = %s", got)
	}
	if got := value(t, one, s, "Player_1"); got != "1" {
		t.Errorf("universe 1 lost Player_1: %q", got)
	}
	if v, _, _ := one.Get(context.Background(), client.Store{Name: "Board", Ordered: true}, "p"); string(v) != "5" {
		t.Errorf("universe 1 lost its ordered entry: %s", v)
	}

	cliRun(t, "", "reset", "--url", url, "--json").want(t, "{\n  \"universeId\": null\n}\n", "", 0)
	if got := value(t, one, s, "Player_1"); got != "" {
		t.Errorf("a full reset kept Player_1 = %s", got)
	}
}

func TestResetCLIUsage(t *testing.T) {
	cliCleanEnv(t)
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"reset", "--universe", "0"}, "rbxemu: --universe 0: a universe id is a positive integer\n", exitUsage},
		{[]string{"reset", "x"}, "rbxemu: reset takes no arguments (got 1 argument)\n", exitUsage},
		{[]string{"export", "a", "b"}, "rbxemu: export takes at most FILE (got 2 arguments)\n", exitUsage},
		{[]string{"export", "--universe", "-1"}, "rbxemu: --universe -1: a universe id is a positive integer\n", exitUsage},
		{[]string{"import"}, "rbxemu: import takes FILE (got 0 arguments)\n", exitUsage},
		{[]string{"import", "/nonexistent/fixture.json"}, "rbxemu: import: open /nonexistent/fixture.json: no such file or directory\n", exitUsage},
		{[]string{"faults", "add", "--universe", "0"}, "rbxemu: --universe 0: a universe id is a positive integer\n", exitUsage},
		{[]string{"faults", "list", "x"}, "rbxemu: list takes no arguments (got 1 argument)\n", exitUsage},
		{[]string{"sessions", "x"}, "rbxemu: sessions takes no arguments (got 1 argument)\n", exitUsage},
		{[]string{"monitor", "--count", "-1"}, "rbxemu: --count must not be negative and --buffer must be 0 to 65536\n", exitUsage},
		{[]string{"exec"}, "rbxemu: exec needs a COMMAND to run, after --\n", exitUsage},
		{[]string{"exec", "--clock", "fast", "--", "true"}, "rbxemu: --clock \"fast\": use real or virtual\n", exitUsage},
		{[]string{"exec", "--throttle", "maybe", "--", "true"}, "rbxemu: --throttle \"maybe\": use on or off\n", exitUsage},
	} {
		cliRun(t, "", c.args...).want(t, "", c.want, c.code)
	}
}

func TestHarnessCLINoDaemon(t *testing.T) {
	cliCleanEnv(t)
	url := closedURL(t)
	want := "rbxemu: no rbxemu daemon answers at " + url + " (connect: connection refused)\n" +
		"start one with `rbxemu serve` (add --in-memory for a throwaway one), or point --url or RBXEMU_URL at the one you run\n"
	for _, args := range [][]string{
		{"reset"}, {"export"}, {"import", "../../testdata/harness/mockdatastoreservice.json"},
		{"faults", "list"}, {"faults", "add", "--drop"}, {"faults", "clear"}, {"sessions"}, {"monitor"},
	} {
		cliRun(t, "", append(args, "--url", url)...).want(t, "", want, exitNoDaemon)
	}
}

func TestHarnessCLIToken(t *testing.T) {
	url, _ := cliDaemon(t, servertest.Token("s3cret"))
	want := "rbxemu: the daemon at " + url + " wants a token: give the one it was started with as --token or RBXEMU_TOKEN\n"
	for _, args := range [][]string{{"reset"}, {"sessions"}, {"faults", "list"}, {"export"}, {"monitor"}} {
		cliRun(t, "", append(args, "--url", url)...).want(t, "", want, exitFailed)
	}
	t.Setenv("RBXEMU_TOKEN", "s3cret")
	cliRun(t, "", "reset", "--url", url).want(t, "reset: the store is empty\n", "", 0)
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:34890":        "http://127.0.0.1:34890",
		"http://127.0.0.1:34890/":       "http://127.0.0.1:34890",
		"ws://127.0.0.1:34890/v1/ws":    "http://127.0.0.1:34890",
		"wss://example.com/v1/ws":       "https://example.com",
		"127.0.0.1:34890":               "http://127.0.0.1:34890",
		"https://h:1/v1/rpc?x=1":        "https://h:1",
		"http://[::1]:34890/anything/x": "http://[::1]:34890",
	} {
		if got := baseURL(in); got != want {
			t.Errorf("baseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

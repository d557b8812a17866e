package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

const text502 = "502: API Services rejected request with error. HTTP 500 (Internal Server Error)"

// outcome is "ok" or the error's exact text.
func outcome(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// The rule of the issue, end to end: it fails the second matching SetAsync
// and no other call.
func TestFaultsCLIHitExactly(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "faults", "add", "--op", "SetAsync", "--store", "PlayerData", "--key", "Player_*", "--nth", "2", "--times", "1", "--error", "502", "--url", url).want(t,
		"added f1: op=SetAsync store=PlayerData key=Player_*; from call 2, 1 time; error ("+text502+")\n", "", 0)
	ctx := context.Background()
	c := harnessClient(t, url, 1)
	pd := client.Store{Name: "PlayerData"}
	var got []string
	for _, call := range []func() error{
		func() error { _, err := c.Set(ctx, pd, "Player_1", 1, nil); return err },                          // match 1
		func() error { _, err := c.Set(ctx, client.Store{Name: "Other"}, "Player_1", 1, nil); return err }, // other store
		func() error { _, err := c.Set(ctx, pd, "Guild_1", 1, nil); return err },                           // other key
		func() error { _, _, err := c.Get(ctx, pd, "Player_1"); return err },                               // other op
		func() error { _, err := c.Set(ctx, pd, "Player_2", 1, nil); return err },                          // match 2: fires
		func() error { _, err := c.Set(ctx, pd, "Player_3", 1, nil); return err },                          // match 3: spent
	} {
		got = append(got, outcome(call()))
	}
	want := []string{"ok", "ok", "ok", "ok", text502, "ok"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d: %s, want %s", i, got[i], want[i])
		}
	}
	if value(t, c, pd, "Player_2") != "" {
		t.Error("the failed SetAsync wrote")
	}
	cliRun(t, "", "faults", "list", "--url", url).want(t,
		"ID  MATCHES                                    FIRES                MATCHED  FIRED      EFFECT\n"+
			"f1  op=SetAsync store=PlayerData key=Player_*  from call 2, 1 time  3        1 (spent)  error ("+text502+")\n", "", 0)
	cliRun(t, "", "faults", "clear", "--url", url).want(t, "cleared 1 fault rule\n", "", 0)
	cliRun(t, "", "faults", "list", "--url", url).want(t, "", "no fault rules\n", 0)
	cliRun(t, "", "faults", "list", "--url", url, "--json").want(t, "{\n  \"rules\": []\n}\n", "", 0)
}

// A drop rule: the write is committed, the caller gets the error.
func TestFaultsCLIDrop(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "faults", "add", "--op", "UpdateAsync", "--drop", "--url", url).want(t,
		"added f1: op=UpdateAsync; every call; drop\n", "", 0)
	ctx := context.Background()
	c := harnessClient(t, url, 1)
	s := client.Store{Name: "S"}
	set(t, c, s, "k", 1)
	_, _, err := c.Update(ctx, s, "k", func(old json.RawMessage, _ *client.KeyInfo) (json.RawMessage, bool) {
		return json.RawMessage(`2`), true
	})
	if outcome(err) != text502 {
		t.Fatalf("UpdateAsync: %v", err)
	}
	if got := value(t, c, s, "k"); got != "2" {
		t.Fatalf("the dropped UpdateAsync did not write: %s", got)
	}
}

// A seeded probability rule added from the CLI fires on the same calls on
// every run.
func TestFaultsCLISeededRepeats(t *testing.T) {
	url, _ := cliDaemon(t)
	ctx := context.Background()
	c := harnessClient(t, url, 1)
	run := func() string {
		cliRun(t, "", "faults", "clear", "--url", url)
		r := cliRun(t, "", "faults", "add", "--op", "GetAsync", "--probability", "0.5", "--seed", "99", "--error", "KeyThrottled", "--url", url, "--json")
		var rule faults.Rule
		if err := json.Unmarshal([]byte(r.stdout), &rule); err != nil || rule.Seed == nil || *rule.Seed != 99 {
			t.Fatalf("add: %+v %v", r, err)
		}
		pattern := ""
		for i := 0; i < 40; i++ {
			if _, _, err := c.Get(ctx, client.Store{Name: "S"}, "k"); err != nil {
				if err.Error() != "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: GetAsync, Data Store: S" {
					t.Fatal(err)
				}
				pattern += "x"
			} else {
				pattern += "."
			}
		}
		return pattern
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("seed 99 fired differently:\n%s\n%s", a, b)
	}
	if a == "........................................" || a == "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" {
		t.Fatalf("probability 0.5 fired on %s", a)
	}
}

func TestFaultsCLIAddFlags(t *testing.T) {
	cliCleanEnv(t)
	o, err := cliParse(t, newFaultsCmd, "add", "--op", "GetAsync", "--store", "S", "--scope", "sc", "--key", "k*", "--session", "s1",
		"--job", "j", "--universe", "3", "--nth", "2", "--times", "4", "--probability", "0.25", "--seed", "0", "--error", "KeyThrottled",
		"--detail", "d", "--latency", "250ms", "--drop")
	if err != nil {
		t.Fatal(err)
	}
	r := o.rule()
	b, _ := json.Marshal(r)
	want := `{"op":"GetAsync","store":"S","scope":"sc","key":"k*","session":"s1","jobId":"j","universeId":3,"nth":2,"times":4,"probability":0.25,"seed":0,"error":"KeyThrottled","detail":"d","latency":"250ms","drop":true}`
	if string(b) != want {
		t.Fatalf("rule\n got %s\nwant %s", b, want)
	}
	o, err = cliParse(t, newFaultsCmd, "add", "--error", "301")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(o.rule()); string(b) != `{"error":301}` {
		t.Fatalf("numeric error: %s", b)
	}
	if o.Timeout != time.Minute {
		t.Fatalf("timeout %s", o.Timeout)
	}
}

func TestFaultsCLIRefused(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "faults", "add", "--op", "SetAsync", "--url", url).want(t, "",
		"rbxemu: _emulator.faults.add: a rule needs an effect: error, latency or drop\n", exitFailed)
	cliRun(t, "", "faults", "add", "--error", "Nope", "--url", url).want(t, "",
		"rbxemu: _emulator.faults.add: error \"Nope\" is not in the catalogue (give a code such as 502 or a name such as KeyThrottled; testdata/errors.json lists them)\n", exitFailed)
	cliRun(t, "", "faults", "clear", "f7", "--url", url).want(t, "", "rbxemu: _emulator.faults.clear: no fault rule \"f7\"\n", exitFailed)
}

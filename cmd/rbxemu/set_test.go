package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// cliStored reads a key back through the Go client.
func cliStored(t *testing.T, c *client.Client, st client.Store, key string) (string, *client.KeyInfo) {
	t.Helper()
	v, info, err := c.Get(context.Background(), st, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(v), info
}

func TestSet(t *testing.T) {
	url, _ := cliDaemon(t)
	c := cliClient(t, url)
	u := []string{"--url", url}
	file := cliWriteFile(t, "v.json", "{\n  \"from\": \"file\",\n  \"n\": [1, 2]\n}\n")
	const v0 = "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01"
	for i, tc := range []struct {
		name   string
		stdin  string
		args   []string
		stdout string
		stored string // compact JSON read back
	}{
		{"argument", "", []string{"K", `{"coins": 10, "tag": "<x>"}`}, v0 + "\n", `{"coins":10,"tag":"<x>"}`},
		{"file", "", []string{"K", "@" + file}, "08DE48C8B4F80000.0000000001.08DE48C8B4F80000.01\n", `{"from":"file","n":[1,2]}`},
		{"stdin dash", " [true, null]\n", []string{"K", "-"}, "08DE48C8B4F80000.0000000002.08DE48C8B4F80000.01\n", `[true,null]`},
		{"stdin without a value", `"piped"`, []string{"K"}, "08DE48C8B4F80000.0000000003.08DE48C8B4F80000.01\n", `"piped"`},
		{"string", "", []string{"K", `"hello"`}, "08DE48C8B4F80000.0000000004.08DE48C8B4F80000.01\n", `"hello"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cliRun(t, tc.stdin, append(append([]string{"set", "S"}, tc.args...), u...)...).want(t, tc.stdout, "", 0)
			if got, _ := cliStored(t, c, client.Store{Name: "S"}, "K"); got != tc.stored {
				t.Errorf("write %d stored %s, want %s", i, got, tc.stored)
			}
		})
	}

	// User ids and metadata, and the --json output.
	cliRun(t, "", append([]string{"set", "S", "P", "1", "--user-ids", "7,8", "--metadata", `{ "a": 1 }`, "--json", "--scope", "sc"}, u...)...).want(t, `{
  "version": "08DE48C8B4F80000.0000000005.08DE48C8B4F80000.01",
  "keyInfo": {
    "createdTime": 1767225600000,
    "updatedTime": 1767225600000,
    "version": "08DE48C8B4F80000.0000000005.08DE48C8B4F80000.01",
    "userIds": [
      7,
      8
    ],
    "metadata": {
      "a": 1
    }
  }
}
`, "", 0)
	if v, info := cliStored(t, c, client.Store{Name: "S", Scope: "sc"}, "P"); v != "1" || len(info.UserIDs) != 2 || string(info.Metadata) != `{"a":1}` {
		t.Errorf("stored %s, %+v", v, info)
	}

	// An ordered store.
	cliRun(t, "", append([]string{"set", "LB", "a", "1500", "--ordered"}, u...)...).want(t, "OK\n", "", 0)
	cliRun(t, "", append([]string{"set", "LB", "b", "7", "--ordered", "--json"}, u...)...).want(t, "{\n  \"version\": null,\n  \"keyInfo\": null\n}\n", "", 0)
	if v, _ := cliStored(t, c, client.Store{Name: "LB", Ordered: true}, "a"); v != "1500" {
		t.Errorf("ordered: %s", v)
	}

	// Roblox's errors, exactly.
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		errs  string
	}{
		{"ordered string", "", []string{"LB", "a", `"x"`, "--ordered"}, "rbxemu: 103: string is not allowed in data stores.\n"},
		{"ordered user ids", "", []string{"LB", "a", "1", "--ordered", "--user-ids", "1"}, "rbxemu: 517: Additional parameter UserIds not allowed\n"},
		{"five user ids", "", []string{"S", "K", "1", "--user-ids", "1,2,3,4,5"}, "rbxemu: 512: UserID size exceeds limit of 4\n"},
		{"metadata not an object", "", []string{"S", "K", "1", "--metadata", "[1]"}, "rbxemu: 513: Attribute metadata format is invalid.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cliRun(t, tc.stdin, append(append([]string{"set"}, tc.args...), u...)...).want(t, "", tc.errs, exitFailed)
		})
	}
	if got, _ := cliStored(t, c, client.Store{Name: "S"}, "K"); got != `"hello"` {
		t.Errorf("a refused write changed the value: %s", got)
	}
}

// Values up to the 4 MiB limit go through stdin and files, in memory and on
// disk; one byte more gets Roblox's error.
func TestSetLargeValues(t *testing.T) {
	for _, disk := range []bool{false, true} {
		t.Run(fmt.Sprint("on disk ", disk), func(t *testing.T) {
			var opts []servertest.Option
			if disk {
				opts = append(opts, servertest.DataDir(t.TempDir()))
			}
			testSetLargeValues(t, opts...)
		})
	}
}

func testSetLargeValues(t *testing.T, opts ...servertest.Option) {
	url, _ := cliDaemon(t, opts...)
	c := cliClient(t, url)
	u := []string{"--url", url}
	largest := `"` + strings.Repeat("y", 4<<20-2) + `"`
	cliRun(t, largest, append([]string{"set", "S", "Big", "-"}, u...)...).want(t, "08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01\n", "", 0)
	if v, _ := cliStored(t, c, client.Store{Name: "S"}, "Big"); len(v) != 4<<20 {
		t.Errorf("stored %d bytes", len(v))
	}
	file := cliWriteFile(t, "big.json", " "+largest+"\n")
	cliRun(t, "", append([]string{"set", "S", "Big2", "@" + file}, u...)...).want(t, "08DE48C8B4F80000.0000000001.08DE48C8B4F80000.01\n", "", 0)
	cliRun(t, `"`+strings.Repeat("x", 4<<20-1)+`"`, append([]string{"set", "S", "Big", "-"}, u...)...).want(t, "", "rbxemu: 105: Serialized value exceeds 4MB limit.\n", exitFailed)
}

func TestSetParsesFlags(t *testing.T) {
	cliCleanEnv(t)
	o, err := cliParse(t, newSetCmd, "S", "K", `{"a": 1}`, "--user-ids", "1,2", "--metadata", `{"m": true}`, "--ordered")
	if err != nil {
		t.Fatal(err)
	}
	if o.Store != "S" || o.Key != "K" || string(o.value) != `{"a":1}` || len(o.UserIDs) != 2 || o.UserIDs[1] != 2 || string(o.metadata) != `{"m":true}` || !o.Ordered {
		t.Errorf("%+v", o)
	}
	// Without a value, stdin is read (the test's stdin is not a terminal).
	if _, err := cliParse(t, newSetCmd, "S", "K"); err == nil || err.Error() != "stdin is not JSON: it is empty" {
		t.Errorf("no value: %v", err)
	}
}

func TestIncr(t *testing.T) {
	url, _ := cliDaemon(t)
	c := cliClient(t, url)
	u := []string{"--url", url}
	for _, tc := range []struct {
		name   string
		args   []string
		stdout string
	}{
		{"default delta", []string{"S", "n"}, "1\n"},
		{"delta", []string{"S", "n", "41"}, "42\n"},
		{"negative delta", []string{"--url", url, "S", "n", "--", "-50"}, "-8\n"},
		{"ordered", []string{"LB", "a", "5", "--ordered"}, "5\n"},
		{"ordered json", []string{"LB", "a", "--ordered", "--json"}, "{\n  \"value\": 6,\n  \"keyInfo\": null\n}\n"},
		{"json with user ids", []string{"S", "m", "3", "--user-ids", "9", "--metadata", `{"k":"v"}`, "--json"}, `{
  "value": 3,
  "keyInfo": {
    "createdTime": 1767225600000,
    "updatedTime": 1767225600000,
    "version": "08DE48C8B4F80000.0000000005.08DE48C8B4F80000.01",
    "userIds": [
      9
    ],
    "metadata": {
      "k": "v"
    }
  }
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"incr"}, tc.args...)
			if tc.args[0] != "--url" {
				args = append(args, u...)
			}
			cliRun(t, "", args...).want(t, tc.stdout, "", 0)
		})
	}
	if v, _ := cliStored(t, c, client.Store{Name: "S"}, "n"); v != "-8" {
		t.Errorf("stored %s", v)
	}
	if _, err := c.Set(context.Background(), client.Store{Name: "S"}, "s", "text", nil); err != nil {
		t.Fatal(err)
	}
	cliRun(t, "", append([]string{"incr", "S", "s"}, u...)...).want(t, "", "rbxemu: IncrementAsync: Cannot increment a non-integer value.\n", exitFailed)
	cliRun(t, "", append([]string{"incr", "S", "s", "--json"}, u...)...).want(t, `{
  "error": {
    "code": 0,
    "name": "IncrementNonNumeric",
    "message": "IncrementAsync: Cannot increment a non-integer value.",
    "text": "IncrementAsync: Cannot increment a non-integer value."
  }
}
`, "rbxemu: IncrementAsync: Cannot increment a non-integer value.\n", exitFailed)

	o, err := cliParse(t, newIncrCmd, "S", "K", "--", "-3")
	if err != nil || o.Delta != -3 || o.Store != "S" || o.Key != "K" {
		t.Errorf("parse: %+v, %v", o, err)
	}
	o, err = cliParse(t, newIncrCmd, "S", "K")
	if err != nil || o.Delta != 1 {
		t.Errorf("parse default: %+v, %v", o, err)
	}
}

func TestRm(t *testing.T) {
	url, clk := cliDaemon(t)
	c := cliClient(t, url)
	ctx := context.Background()
	u := []string{"--url", url}
	if _, err := c.Set(ctx, client.Store{Name: "S"}, "K", map[string]int{"coins": 3}, &client.WriteOptions{UserIDs: []int64{5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, client.Store{Name: "S"}, "J", 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, client.Store{Name: "LB", Ordered: true}, "a", 9, nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * 60 * 1e9)
	cliRun(t, "", append([]string{"rm", "S", "K"}, u...)...).want(t, `{
  "coins": 3
}

version:   08DE48C8B4F80000.0000000000.08DE48C8B4F80000.01
created:   2026-01-01 00:00:00 UTC (2m ago)
updated:   2026-01-01 00:00:00 UTC (2m ago)
user ids:  5
metadata:  none
`, "", 0)
	if v, _ := cliStored(t, c, client.Store{Name: "S"}, "K"); v != "" {
		t.Errorf("still there: %s", v)
	}
	cliRun(t, "", append([]string{"rm", "S", "K"}, u...)...).want(t, "", "key \"K\" had no value (data store \"S\", scope \"global\")\n", 0)
	cliRun(t, "", append([]string{"rm", "S", "K", "--json"}, u...)...).want(t, "{\n  \"value\": null,\n  \"keyInfo\": null\n}\n", "", 0)
	var res entryResult
	r := cliRun(t, "", append([]string{"rm", "S", "J", "--json"}, u...)...)
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || string(res.Value) != "1" || res.KeyInfo == nil || r.code != 0 {
		t.Errorf("rm --json: %s %s", r.stdout, r.stderr)
	}
	cliRun(t, "", append([]string{"rm", "LB", "a", "--ordered"}, u...)...).want(t, "9\n", "", 0)
	cliRun(t, "", append([]string{"rm", "S", ""}, u...)...).want(t, "", "rbxemu: 101: Key name can't be empty.\n", exitFailed)
}

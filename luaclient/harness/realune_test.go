package harness_test

// The real-Lune suite: the shim and the runner on Lune 0.10.1 itself, not on
// the gopher-lua fakes. `make test` installs Lune first (scripts/
// install-lune.sh); without it these tests fail, they never skip. Each test
// runs the runner (luaclient/lune/run.lua) as `rbxemu run` does, against an
// in-process daemon on a virtual clock:
//
//   - every spec under luaclient/spec that spec/manifest.txt marks "real",
//     over both transports (the others say there why they need the fake);
//   - every seed-guide snippet with its checks (seed_test.go);
//   - the conformance cases replayed through the shim (conformance_test.go);
//   - keepalive: a quiet Lune session outlives several ping periods.
//
// TestMain prints how many real-Lune cases ran, and appends the line to the
// file RBXEMU_LUNE_REPORT names (make test shows it; luaclient/lunetest).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/luaclient/lunetest"
)

var realLuneCases = lunetest.Counter{Label: "luaclient/harness"}

func TestMain(m *testing.M) {
	code := m.Run()
	realLuneCases.Report(os.Stdout)
	os.Exit(code)
}

// countReal records a real-Lune case's outcome when its test ends.
func countReal(t *testing.T) { realLuneCases.Count(t) }

type luneResult struct {
	stdout, stderr string
	code           int
}

func (r luneResult) String() string {
	return fmt.Sprintf("status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runReal writes files into a fresh folder and runs the runner on main
// there under real Lune, with the daemon at url: extra are runner options,
// scriptArgs the script's arguments.
func runReal(t testing.TB, url, transport string, files map[string]string, main string, extra, scriptArgs []string) luneResult {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := luaclientDir(t)
	args := append([]string{"run", filepath.Join(root, "lune", "run.lua"),
		"--url", url, "--transport", transport, "--shim", filepath.Join(root, "src")}, extra...)
	args = append(args, filepath.Join(dir, filepath.FromSlash(main)))
	args = append(args, scriptArgs...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, lunetest.Binary(t), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := luneResult{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("lune: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("lune did not finish within 3 minutes:\n%s", res)
	}
	return res
}

// specPrelude is what the real-Lune suite puts ahead of a spec: the shared
// assertions, then the runner-backed __harness.
func specPrelude(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"lua/expect.lua", "testdata/real_prelude.lua"} {
		src, err := os.ReadFile(filepath.Join(luaclientDir(t), "harness", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
		b.WriteString("\n")
	}
	return b.String()
}

// manifest reads luaclient/spec/manifest.txt: each spec's name, then "real",
// or "fake:" and why it needs the gopher-lua harness.
func manifest(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(luaclientDir(t), "spec", "manifest.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, how, ok := strings.Cut(line, " ")
		how = strings.TrimSpace(how)
		if !ok || (how != "real" && !strings.HasPrefix(how, "fake: ")) {
			t.Fatalf("manifest.txt: %q: want `NAME real` or `NAME fake: why`", line)
		}
		out[name] = how
	}
	return out
}

func TestRealLuneSpecs(t *testing.T) {
	m := manifest(t)
	prelude := specPrelude(t)
	listed := map[string]bool{}
	for _, file := range specFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		how, ok := m[name]
		if !ok {
			t.Errorf("spec %s is not in spec/manifest.txt", name)
			continue
		}
		listed[name] = true
		if how != "real" {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, transport := range []string{"websocket", "http"} {
			t.Run(name+"/"+transport, func(t *testing.T) {
				t.Parallel()
				countReal(t)
				d := startDaemon(t, daemonOpt{noThrottle: strings.Contains(string(src), "-- harness: no-throttle")})
				res := runReal(t, d.URL, transport, map[string]string{"Spec.server.lua": prelude + string(src)}, "Spec.server.lua", nil, nil)
				if res.code != 0 {
					t.Fatalf("%s", res)
				}
			})
		}
	}
	for name := range m {
		if !listed[name] {
			t.Errorf("spec/manifest.txt lists %s, which is not a spec", name)
		}
	}
}

// realSeedSkip names seed snippets that cannot run on real time, and why.
var realSeedSkip = map[string]string{
	"06_rate_limiting": "it waits its request budget in seconds (100 s and more of real time); the fake's clock makes that free",
}

func TestRealLuneSeedGuide(t *testing.T) {
	dir := filepath.Join(luaclientDir(t), "spec", "seed")
	getting, err := os.ReadFile(filepath.Join(dir, "01_getting_a_datastore.lua"))
	if err != nil {
		t.Fatal(err)
	}
	prelude := specPrelude(t)
	for name, checks := range seedChecks {
		snippet, err := os.ReadFile(filepath.Join(dir, name+".lua"))
		if err != nil {
			t.Fatal(err)
		}
		for _, transport := range []string{"websocket", "http"} {
			t.Run(name+"/"+transport, func(t *testing.T) {
				if why, ok := realSeedSkip[name]; ok {
					t.Skip(why)
				}
				t.Parallel()
				countReal(t)
				d := startDaemon(t, daemonOpt{})
				src := prelude + `
					local RbxEmu = __harness.setup()
					__harness.seedStore = RbxEmu.DataStoreService:GetDataStore("MyDataStore")
					` + checks.before + "\n"
				if name != "01_getting_a_datastore" {
					src += string(getting) + "\n"
				}
				src += string(snippet) + "\n" + checks.after + "\n"
				res := runReal(t, d.URL, transport, map[string]string{"Seed.server.lua": src}, "Seed.server.lua", nil, nil)
				if res.code != 0 {
					t.Fatalf("%s", res)
				}
			})
		}
	}
}

// TestRealLuneConformance replays the conformance cases through the shim on
// real Lune, each in its own Lune process against a fresh daemon (version ids
// in the expectations count from a new engine), as conformance_test.go does
// in the fake.
func TestRealLuneConformance(t *testing.T) {
	files, order, replay := conformanceCases(t)
	prelude := specPrelude(t)
	for _, rel := range order {
		cases := files[rel]
		for _, c := range cases {
			steps, _, err := prepareSteps(c)
			if err != nil {
				t.Fatalf("%s: %s: %v", rel, c.Name, err)
			}
			stepsJSON, _ := json.Marshal(steps)
			for _, transport := range []string{"websocket", "http"} {
				t.Run(rel+"/"+c.Name+"/"+transport, func(t *testing.T) {
					if why, ok := confSkip[rel+": "+c.Name]; ok {
						t.Skip("known daemon issue: " + why)
					}
					if len(c.Session) > 0 && !bytes.Equal(bytes.TrimSpace(c.Session), []byte("{}")) {
						t.Skip("session settings are not replayed through the shim")
					}
					t.Parallel()
					countReal(t)
					d := startDaemon(t, daemonOpt{noThrottle: true})
					src := prelude + "__harness.steps = " + luaLong(string(stepsJSON)) + "\n" + replay
					res := runReal(t, d.URL, transport, map[string]string{"Conformance.server.lua": src}, "Conformance.server.lua", nil, nil)
					if res.code != 0 {
						t.Fatalf("%s", res)
					}
				})
			}
		}
	}
}

// TestRealLuneKeepalive holds quiet Lune sessions open past several of the
// daemon's read timeouts: the daemon sends no WebSocket Ping frames to Lune
// clients (Lune 0.10 panics on one), and the shim's ping op keeps the session
// alive. The short case shortens both periods; the long one runs on the
// defaults, past the 54 s ping period and the 60 s read timeout.
func TestRealLuneKeepalive(t *testing.T) {
	script := `
local RbxEmu = rbxemu.RbxEmu
local store = RbxEmu.DataStoreService:GetDataStore("Keepalive")
store:SetAsync("k", 1)
local first = RbxEmu.Client:SessionId()
task.wait(tonumber((...)))
store:SetAsync("k", 2)
local second = RbxEmu.Client:SessionId()
print("sessions", first == second, first ~= nil)
print("value", (store:GetAsync("k", (function()
	local o = Instance.new("DataStoreGetOptions")
	o.UseCache = false
	return o
end)())))
`
	for _, tc := range []struct {
		name      string
		wait      string
		readLimit time.Duration
		ping      time.Duration
		keepalive string
	}{
		{"short periods", "4", 1500 * time.Millisecond, 300 * time.Millisecond, "0.4"},
		{"default periods", "65", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			countReal(t)
			url, _ := servertest.Start(t, servertest.VirtualClock(), servertest.Options(func(o *server.Options) {
				o.WSReadTimeout, o.WSPingPeriod = tc.readLimit, tc.ping
			}))
			files := map[string]string{"Quiet.server.lua": script}
			var extra []string
			if tc.keepalive != "" {
				extra = []string{"--keepalive", tc.keepalive}
			}
			// The script's argument is how long it stays quiet.
			res := runReal(t, url, "websocket", files, "Quiet.server.lua", extra, []string{tc.wait})
			if res.code != 0 {
				t.Fatalf("%s", res)
			}
			if want := "sessions true true\nvalue 2\n"; res.stdout != want {
				t.Fatalf("stdout %q, want %q\n%s", res.stdout, want, res)
			}
		})
	}
}

// luaLong quotes text as a Lua long string, [==[ ... ]==], with a level
// the text does not contain.
func luaLong(text string) string {
	eq := ""
	for strings.Contains(text, "]"+eq+"]") {
		eq += "="
	}
	// A long string drops a newline right after its opening bracket; the
	// newline before the closing one keeps a final "]" of text from closing
	// it early (JSON takes the trailing white space).
	return "[" + eq + "[\n" + text + "\n]" + eq + "]"
}

// The shim's native JSON path on Lune (serde) against its Lua encoder and
// decoder, over testdata/native_json.lua's corpus.
func TestRealLuneNativeJSONEquivalence(t *testing.T) {
	countReal(t)
	src, err := os.ReadFile(filepath.Join(luaclientDir(t), "harness", "testdata", "native_json.lua"))
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, daemonOpt{})
	res := runReal(t, d.URL, "websocket", map[string]string{"Native.server.lua": specPrelude(t) + string(src)}, "Native.server.lua", nil, nil)
	if res.code != 0 {
		t.Fatalf("%s", res)
	}
	if want := "native JSON: 10 values taken natively, 18 left to the Lua encoder, all equivalent\n"; res.stdout != want {
		t.Fatalf("stdout %q, want %q", res.stdout, want)
	}
}

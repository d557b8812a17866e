package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/storage"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

// parseServe runs `serve args...` with the given environment, without
// starting anything, and returns the options it would run with.
func parseServe(t *testing.T, env map[string]string, args ...string) (*serveOptions, error) {
	t.Helper()
	var got *serveOptions
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cmd := newServeCmdEnv(lookup, func(o *serveOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return got, err
}

func TestServeDefaults(t *testing.T) {
	o, err := parseServe(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := storage.DefaultDir()
	if o.Port != 34890 || o.Bind != "127.0.0.1" || o.DataDir != dir || o.InMemory || o.Clock != "real" ||
		o.Throttle != "on" || o.Token != "" || o.LogLevel != "info" || o.LogFormat != "text" {
		t.Fatalf("defaults: %+v", o)
	}
	so := o.serverOptions(nil)
	if so.Addr != "127.0.0.1:34890" || !so.Throttle || so.Clock != nil || so.DataDir != dir || so.InMemory || so.Version != version {
		t.Fatalf("server options: %+v", so)
	}
	// Throttling is on by default: the gate is the throttle limiter; off
	// gives no gate at all.
	if _, ok := newGate(so).(*throttle.Limiter); !ok {
		t.Fatalf("newGate with throttling on: %T, want *throttle.Limiter", newGate(so))
	}
	so.Throttle = false
	if g := newGate(so); g != nil {
		t.Fatalf("newGate with throttling off: %v, want nil", g)
	}
}

func TestServeFlags(t *testing.T) {
	o, err := parseServe(t, nil, "--port", "4000", "--bind", "::1", "--data-dir", "/tmp/x", "--in-memory",
		"--clock", "virtual", "--throttle", "off", "--token", "tk", "--log-level", "debug", "--log-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 4000 || o.Bind != "::1" || o.DataDir != "/tmp/x" || !o.InMemory || o.Clock != "virtual" ||
		o.Throttle != "off" || o.Token != "tk" || o.LogLevel != "debug" || o.LogFormat != "json" {
		t.Fatalf("flags: %+v", o)
	}
	before := time.Now().Add(-time.Second)
	so := o.serverOptions(nil)
	m, ok := so.Clock.(*clock.Manual)
	if so.Addr != "[::1]:4000" || so.Throttle || !so.InMemory || so.Token != "tk" || !ok || m.Now().Before(before) || m.Now().After(time.Now()) {
		t.Fatalf("server options: %+v", so)
	}
}

func TestServeEnvironment(t *testing.T) {
	env := map[string]string{
		"RBXEMU_PORT":       "4001",
		"RBXEMU_BIND":       "0.0.0.0",
		"RBXEMU_DATA_DIR":   "/tmp/env",
		"RBXEMU_IN_MEMORY":  "true",
		"RBXEMU_CLOCK":      "virtual",
		"RBXEMU_THROTTLE":   "off",
		"RBXEMU_TOKEN":      "envtoken",
		"RBXEMU_API_KEY":    "envkey",
		"RBXEMU_LOG_LEVEL":  "warn",
		"RBXEMU_LOG_FORMAT": "json",
	}
	o, err := parseServe(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 4001 || o.Bind != "0.0.0.0" || o.DataDir != "/tmp/env" || !o.InMemory || o.Clock != "virtual" ||
		o.Throttle != "off" || o.Token != "envtoken" || o.APIKey != "envkey" || o.LogLevel != "warn" || o.LogFormat != "json" {
		t.Fatalf("env: %+v", o)
	}
	// Every flag has its variable.
	if len(serveEnv) != len(env) {
		t.Fatalf("%d variables tested, %d defined", len(env), len(serveEnv))
	}
	// A flag on the command line beats its variable.
	o, err = parseServe(t, env, "--port", "4002", "--clock", "real", "--in-memory=false")
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 4002 || o.Clock != "real" || o.InMemory || o.Token != "envtoken" {
		t.Fatalf("flag over env: %+v", o)
	}
	// An empty variable is as good as unset.
	o, err = parseServe(t, map[string]string{"RBXEMU_PORT": ""})
	if err != nil || o.Port != defaultPort {
		t.Fatalf("empty RBXEMU_PORT: %+v %v", o, err)
	}
}

func TestServeRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--port", "80"}, "--port 80: Roblox's HttpService refuses ports below 1024; choose 1024-65535 (default 34890)"},
		{nil, []string{"--port", "1023"}, "--port 1023: Roblox's HttpService refuses ports below 1024"},
		{nil, []string{"--port", "1194"}, "--port 1194: Roblox's HttpService refuses port 1194; choose another (default 34890)"},
		{nil, []string{"--port", "70000"}, "--port 70000: not a TCP port (1024-65535)"},
		{nil, []string{"--port", "-5"}, "--port -5: not a TCP port"},
		{map[string]string{"RBXEMU_PORT": "443"}, nil, "--port 443: Roblox's HttpService refuses ports below 1024"},
		{map[string]string{"RBXEMU_PORT": "many"}, nil, `RBXEMU_PORT="many": `},
		{map[string]string{"RBXEMU_IN_MEMORY": "perhaps"}, nil, `RBXEMU_IN_MEMORY="perhaps": `},
		{nil, []string{"--clock", "fast"}, `--clock "fast": use real or virtual`},
		{nil, []string{"--throttle", "maybe"}, `--throttle "maybe": use on or off`},
		{nil, []string{"--log-level", "loud"}, `--log-level "loud": use debug, info, warn or error`},
		{nil, []string{"--log-format", "xml"}, `--log-format "xml": use text or json`},
		{nil, []string{"--bind", ""}, "--bind: give an address"},
		{nil, []string{"extra"}, `unknown command "extra"`},
	} {
		_, err := parseServe(t, c.env, c.args...)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want %q", c.env, c.args, err, c.want)
		}
	}
	for _, p := range []string{"0", "1024", "1195", "65535"} {
		if _, err := parseServe(t, nil, "--port", p); err != nil {
			t.Errorf("--port %s: %v", p, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while the daemon writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var bannerRE = regexp.MustCompile(`^rbxemu \S+ listening on ws://(127\.0\.0\.1:\d+)/v1/ws and http://(127\.0\.0\.1:\d+) \(data: (.+)\)\n$`)

// startServe runs the real daemon with args and returns its stdout, its
// stderr, a way to signal it and its result.
func startServe(t *testing.T, env map[string]string, args ...string) (stdout, stderr *syncBuffer, sigs chan os.Signal, done chan error) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	sigs = make(chan os.Signal, 2)
	done = make(chan error, 1)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cmd := newServeCmdEnv(lookup, func(o *serveOptions) error {
		o.signals = sigs
		return runServe(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	go func() { done <- cmd.Execute() }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "\n") {
		select {
		case err := <-done:
			t.Fatalf("serve ended before it was ready: %v\n%s", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line; stderr:\n%s", stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return stdout, stderr, sigs, done
}

func TestServeRunsUntilASignal(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	stdout, stderr, sigs, done := startServe(t, map[string]string{"RBXEMU_DATA_DIR": dir, "RBXEMU_CLOCK": "virtual"}, "--port", "0", "--log-level", "debug")

	m := bannerRE.FindStringSubmatch(stdout.String())
	if m == nil || m[1] != m[2] || m[3] != dir {
		t.Fatalf("ready line %q", stdout.String())
	}
	base := "http://" + m[2]
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, base, client.HelloOptions{Client: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if h := c.Hello(); h.Clock != "virtual" || !h.Throttle {
		t.Fatalf("hello %+v", h)
	}
	if _, err := c.Set(ctx, client.Store{Name: "s"}, "k", 1, nil); err != nil {
		t.Fatal(err)
	}

	sigs <- syscall.SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("stdout is more than the ready line: %q", stdout.String())
	}
	for _, want := range []string{"signal received", "stopped", "graceful=true"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr)
		}
	}
	// The write is on disk.
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Errorf("no badger store in %s: %v", dir, err)
	}
}

func TestServeWarnsWhenExposedWithoutToken(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	stdout, stderr, sigs, done := startServe(t, nil, "--port", "0", "--bind", "0.0.0.0", "--in-memory", "--log-format", "json")
	if !strings.Contains(stdout.String(), "(data: in memory, nothing is kept after exit)") {
		t.Errorf("ready line %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), `"level":"WARN"`) || !strings.Contains(stderr.String(), "WITHOUT --token") {
		t.Errorf("no loud warning:\n%s", stderr)
	}
	sigs <- os.Interrupt
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// With a token, or on loopback, there is nothing to warn about.
	_, stderr, sigs, done = startServe(t, map[string]string{"RBXEMU_TOKEN": "t"}, "--port", "0", "--bind", "0.0.0.0", "--in-memory")
	sigs <- os.Interrupt
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "WITHOUT --token") {
		t.Errorf("warned despite a token:\n%s", stderr)
	}
}

func TestIsLoopback(t *testing.T) {
	for bind, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "127.1.2.3": true, "0.0.0.0": false, "::": false, "192.168.1.4": false, "example.com": false} {
		if isLoopback(bind) != want {
			t.Errorf("isLoopback(%q) != %v", bind, want)
		}
	}
}

func TestServeWritesACPUProfile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	prof := filepath.Join(t.TempDir(), "daemon.out")
	_, stderr, sigs, done := startServe(t, nil, "--in-memory", "--port", "0", "--cpuprofile", prof)
	sigs <- syscall.SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	// A pprof profile is gzip-compressed protobuf.
	b, err := os.ReadFile(prof)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile %s: %d bytes, %v", prof, len(b), err)
	}
}

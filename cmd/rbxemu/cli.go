package main

// Plumbing shared by the commands that talk to a running daemon: the data
// commands (stores, keys, get, set, incr, rm, versions, sorted) and the
// admin ones (clock, budgets). Each command embeds connOptions (and, for
// data commands, storeOptions) in its own options struct, binds the common
// flags with bindConn/bindStore, and calls connect in its run function.
//
// Exit status of these commands:
//
//	0  success
//	1  the daemon answered with an error (its exact Roblox text is printed)
//	2  bad usage (flags, arguments, input that is not JSON)
//	3  no daemon answers at --url
//	4  get found no value
//
// Environment variables feed the same options as the flags; a flag given on
// the command line wins over its variable, which wins over the default.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// Exit statuses of the client commands (see the file comment).
const (
	exitFailed   = 1
	exitUsage    = 2
	exitNoDaemon = 3
	exitNotFound = 4
)

// defaultURL is where the client commands look for the daemon: where
// `rbxemu serve` listens by default.
var defaultURL = "http://127.0.0.1:" + strconv.Itoa(defaultPort)

// defaultTimeout bounds one command's conversation with the daemon.
const defaultTimeout = time.Minute

// connEnv maps the connection flags to their environment variables.
var connEnv = []struct{ flag, env string }{
	{"url", "RBXEMU_URL"},
	{"token", "RBXEMU_TOKEN"},
	{"universe", "RBXEMU_UNIVERSE"},
}

// connOptions say which daemon to talk to and how to print.
type connOptions struct {
	URL      string
	Token    string
	Universe int64
	Timeout  time.Duration
	JSON     bool

	// lookupEnv reads the environment (os.LookupEnv unless a test says
	// otherwise).
	lookupEnv func(string) (string, bool)
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

// storeOptions add the scope of the data store a data command works on.
type storeOptions struct {
	connOptions
	Scope string
}

// bindConn binds the connection flags. withUniverse is false for the admin
// commands, whose answers do not depend on a universe.
func bindConn(cmd *cobra.Command, o *connOptions, withUniverse bool) {
	bindConnFlags(cmd, cmd.Flags(), o, withUniverse)
}

// bindConnFlags binds the connection flags on fs: cmd.Flags(), or
// cmd.PersistentFlags() for a command whose subcommands share them.
func bindConnFlags(cmd *cobra.Command, f *pflag.FlagSet, o *connOptions, withUniverse bool) {
	o.lookupEnv = os.LookupEnv
	f.StringVar(&o.URL, "url", defaultURL, "the daemon's address (env RBXEMU_URL)")
	f.StringVar(&o.Token, "token", "", "the daemon's --token, if it has one (env RBXEMU_TOKEN)")
	if withUniverse {
		f.Int64Var(&o.Universe, "universe", 1, "the universe (experience) id (env RBXEMU_UNIVERSE)")
	}
	f.DurationVar(&o.Timeout, "timeout", defaultTimeout, "give up after this long (0: never)")
	f.BoolVar(&o.JSON, "json", false, "print JSON for scripts instead of tables")
	cmd.SetFlagErrorFunc(usageError)
}

// bindStore binds the connection flags and --scope.
func bindStore(cmd *cobra.Command, o *storeOptions) {
	bindConn(cmd, &o.connOptions, true)
	cmd.Flags().StringVar(&o.Scope, "scope", "global", "the data store's scope")
}

// prepare runs first in every RunE: it applies the environment to the flags
// not given, checks the common options and takes the command's streams.
func (o *connOptions) prepare(cmd *cobra.Command) error {
	fs := cmd.Flags()
	if err := applyConnEnv(fs, o.lookupEnv); err != nil {
		return usageError(cmd, err)
	}
	if fs.Lookup("universe") != nil && o.Universe <= 0 {
		return usageError(cmd, fmt.Errorf("--universe %d: a universe id is a positive integer", o.Universe))
	}
	if o.Timeout < 0 {
		return usageError(cmd, fmt.Errorf("--timeout %s: must not be negative", o.Timeout))
	}
	o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	return nil
}

// applyConnEnv sets the connection flags not given from their environment
// variables (an empty variable counts as unset).
func applyConnEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	if lookup == nil {
		return nil
	}
	for _, fe := range connEnv {
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

// context is the command's context, bounded by --timeout.
func (o *connOptions) context() (context.Context, context.CancelFunc) {
	if o.Timeout > 0 {
		return context.WithTimeout(context.Background(), o.Timeout)
	}
	return context.WithCancel(context.Background())
}

// connect opens a session with the daemon (a WebSocket, client kind "cli").
func (o *connOptions) connect(ctx context.Context) (*client.Client, error) {
	c, err := client.Dial(ctx, o.URL, client.HelloOptions{Universe: o.Universe, Client: "cli", Token: o.Token})
	if err != nil {
		return nil, o.failure(err)
	}
	return c, nil
}

// failure turns an error met while talking to the daemon into the error the
// command returns: a Roblox error keeps its exact text (and, with --json,
// is also printed as {"error": ...} on stdout); a daemon that does not
// answer gets a message saying how to start one.
func (o *connOptions) failure(err error) error {
	var ce *client.Error
	switch {
	case errors.As(err, &ce) && ce.Name == "Unauthorized":
		return &exitError{code: exitFailed, err: fmt.Errorf(
			"the daemon at %s wants a token: give the one it was started with as --token or RBXEMU_TOKEN", o.URL)}
	case errors.As(err, &ce):
		if o.JSON && o.stdout != nil {
			_ = writeJSON(o.stdout, map[string]any{"error": ce})
		}
		// The emulator's own errors begin "rbxemu: ", as does the line
		// main prints: once is enough. Roblox's keep their exact text.
		return &exitError{code: exitFailed, err: errors.New(strings.TrimPrefix(ce.Text, "rbxemu: "))}
	case isNoDaemon(err):
		return &exitError{code: exitNoDaemon, err: fmt.Errorf(
			"no rbxemu daemon answers at %s (%s)\n"+
				"start one with `rbxemu serve` (add --in-memory for a throwaway one), "+
				"or point --url or RBXEMU_URL at the one you run", o.URL, dialCause(err))}
	case strings.Contains(err.Error(), "401 Unauthorized"):
		return &exitError{code: exitFailed, err: fmt.Errorf(
			"the daemon at %s wants a token: give the one it was started with as --token or RBXEMU_TOKEN", o.URL)}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &exitError{code: exitFailed, err: fmt.Errorf("no answer from the daemon at %s within --timeout %s", o.URL, o.Timeout)}
	}
	return &exitError{code: exitFailed, err: err}
}

// isTimeout reports whether err is a network deadline (the handshake's, set
// from the context's).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isNoDaemon reports whether err means nothing listens at the address (or
// the address cannot be reached at all).
func isNoDaemon(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

// dialCause is the innermost network error, without the client's wrapping.
func dialCause(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Error()
	}
	return err.Error()
}

// usageError marks an error as bad usage (exit status 2). It is also every
// client command's flag error function; it adds a hint when a negative
// number was taken for a flag.
func usageError(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown shorthand flag") && strings.ContainsAny(msg, "0123456789") {
		msg += "\n(a negative number as an argument goes after --, as in: rbxemu " + cmd.Name() + " STORE KEY -- -5)"
	}
	return &exitError{code: exitUsage, err: errors.New(msg)}
}

// usagef is usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// argsBetween checks the positional arguments as cobra.RangeArgs does, with exit
// status 2 and a message that names them.
func argsBetween(lo, hi int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return &exitError{code: exitUsage, err: fmt.Errorf("%s takes %s (got %d argument%s)", cmd.Name(), names, len(args), plural(len(args)))}
		}
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// flagGiven reports whether the flag was given.
func flagGiven(fs *pflag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Changed
}

// store is the client's name for the data store object a command works on.
func (o *storeOptions) store(name string, ordered bool) client.Store {
	return client.Store{Name: name, Scope: o.Scope, Ordered: ordered}
}

// storeArgs are the store arguments of every data store op (docs/protocol.md,
// "Store arguments"), for the ops the client has no typed helper for.
type storeArgs struct {
	Store     string `json:"store"`
	Scope     string `json:"scope"`
	AllScopes bool   `json:"allScopes,omitempty"`
	Ordered   bool   `json:"ordered,omitempty"`
}

func (o *storeOptions) args(name string, ordered bool) storeArgs {
	return storeArgs{Store: name, Scope: o.Scope, Ordered: ordered}
}

// callInto runs one op and decodes its result into out.
func callInto(ctx context.Context, c *client.Client, op string, args, out any) error {
	raw, err := c.Call(ctx, op, args)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: unexpected result from the daemon: %w", op, err)
	}
	return nil
}

// eachPage runs a listing op page after page, the cursor of each page
// feeding the next, and hands every page to each. With all false it stops
// after the first page. It returns the last page's cursor ("" at the end).
func eachPage[T any](ctx context.Context, c *client.Client, op string, all bool, first string,
	args func(cursor string) any, each func(items []T) error) (string, error) {
	cursor := first
	for {
		var p engine.Page[T]
		if err := callInto(ctx, c, op, args(cursor), &p); err != nil {
			return "", err
		}
		if err := each(p.Items); err != nil {
			return "", err
		}
		if p.IsFinished || p.Cursor == "" {
			return "", nil
		}
		cursor = p.Cursor
		if !all {
			return cursor, nil
		}
	}
}

// completionTimeout bounds the daemon lookups of shell completion: a tab
// press must not hang when the daemon is slow or gone.
const completionTimeout = 2 * time.Second

// completionConn reads the connection flags for shell completion (flags are
// parsed, but RunE and its prepare do not run).
func completionConn(cmd *cobra.Command) *storeOptions {
	fs := cmd.Flags()
	_ = applyConnEnv(fs, os.LookupEnv)
	o := &storeOptions{}
	o.URL, _ = fs.GetString("url")
	o.Token, _ = fs.GetString("token")
	o.Universe, _ = fs.GetInt64("universe")
	o.Scope, _ = fs.GetString("scope")
	return o
}

// completeStores completes the STORE argument with the daemon's data stores.
func completeStores(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) != 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	o := completionConn(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer c.Close()
	var p engine.Page[engine.StoreInfo]
	if callInto(ctx, c, "ListDataStoresAsync", map[string]any{"prefix": toComplete, "pageSize": engine.MaxListStoresPageSize}, &p) != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]string, len(p.Items))
	for i, s := range p.Items {
		out[i] = s.DataStoreName
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeStoreKey completes STORE, then KEY with the store's keys.
func completeStoreKey(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return completeStores(cmd, args, toComplete)
	case 1:
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	o := completionConn(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer c.Close()
	var p engine.Page[engine.KeyItem]
	a := listKeysArgs{storeArgs: o.args(args[0], false), Prefix: toComplete, PageSize: engine.MaxListKeysPageSize, ExcludeDeleted: true}
	if callInto(ctx, c, "ListKeysAsync", a, &p) != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]string, len(p.Items))
	for i, k := range p.Items {
		out[i] = k.KeyName
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

package main

// rbxemu reset: empty the daemon's store, or one universe of it
// (_emulator.reset, docs/harness.md).
//
// This file also holds what the harness commands (reset, export, import,
// faults, sessions, monitor) share: their preparation, which leaves
// --universe to each command (it means "all" when absent, so
// RBXEMU_UNIVERSE does not apply), and the client of the daemon's
// /_emulator/ HTTP routes, which stream where the protocol cannot.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newResetCmd(nil) })
}

// resetOptions are the flags of rbxemu reset.
type resetOptions struct {
	connOptions
	UniverseID int64 // 0: every universe
}

func newResetCmd(runF func(*resetOptions) error) *cobra.Command {
	if runF == nil {
		runF = runReset
	}
	o := &resetOptions{}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Empty the store, or one universe of it",
		Long: `Empty the daemon's store at once: every data store, key, version and ordered
entry of every universe, or with --universe of that universe only (the others are
left exactly as they were). Sessions stay connected; fault rules stay (rbxemu
faults clear removes them). RBXEMU_UNIVERSE does not apply: without --universe,
everything goes.`,
		Example: `  rbxemu reset
  rbxemu reset --universe 2`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepareHarness(cmd); err != nil {
				return err
			}
			if err := checkUniverseFlag(cmd.Flags(), o.UniverseID); err != nil {
				return usageError(cmd, err)
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	bindUniverseFlag(cmd.Flags(), &o.UniverseID, "empty only this universe (default: all of them)")
	return cmd
}

func runReset(o *resetOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	args := map[string]any{}
	if o.UniverseID != 0 {
		args["universeId"] = o.UniverseID
	}
	var res dispatch.ResetResult
	if err := o.harnessHTTP().call(ctx, http.MethodPost, "reset", nil, args, &res); err != nil {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if res.Universe == nil {
		_, err := fmt.Fprintln(o.stdout, "reset: the store is empty")
		return err
	}
	_, err := fmt.Fprintf(o.stdout, "reset: universe %d is empty\n", *res.Universe)
	return err
}

// bindUniverseFlag binds the harness commands' optional --universe.
func bindUniverseFlag(f *pflag.FlagSet, p *int64, usage string) {
	f.Int64Var(p, "universe", 0, usage)
}

func checkUniverseFlag(f *pflag.FlagSet, u int64) error {
	if flagGiven(f, "universe") && u <= 0 {
		return fmt.Errorf("--universe %d: a universe id is a positive integer", u)
	}
	return nil
}

// prepareHarness is prepare for the harness commands: the connection's
// environment variables apply, except RBXEMU_UNIVERSE.
func (o *connOptions) prepareHarness(cmd *cobra.Command) error {
	lookup := o.lookupEnv
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	noUniverse := func(k string) (string, bool) {
		if k == "RBXEMU_UNIVERSE" {
			return "", false
		}
		return lookup(k)
	}
	if err := applyConnEnv(cmd.Flags(), noUniverse); err != nil {
		return usageError(cmd, err)
	}
	if o.Timeout < 0 {
		return usageError(cmd, fmt.Errorf("--timeout %s: must not be negative", o.Timeout))
	}
	o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	return nil
}

// adminHTTP calls the daemon's /_emulator/ routes.
type adminHTTP struct {
	base  string // http://host:port
	token string
	hc    *http.Client
}

// harnessHTTP is the client of the daemon at --url. It keeps no idle
// connection: a command makes a few requests and ends.
func (o *connOptions) harnessHTTP() *adminHTTP {
	return &adminHTTP{base: baseURL(o.URL), token: o.Token,
		hc: &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}}
}

// baseURL turns --url (a base URL, a WebSocket URL, a door's URL or a bare
// host:port) into http(s)://host:port.
func baseURL(raw string) string {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return u.Scheme + "://" + u.Host
}

// request sends one request to route (the part after /_emulator/). A reply
// other than 200 becomes an error: the daemon's *client.Error when it sent
// one (its exact text), "401 Unauthorized" for a missing token (which
// connOptions.failure explains).
func (a *adminHTTP) request(ctx context.Context, method, route string, query url.Values, body io.Reader, size int64) (*http.Response, error) {
	u := a.base + "/_emulator/" + route
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, errors.New("401 Unauthorized")
	}
	var e struct {
		Error *client.Error `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		return nil, e.Error
	}
	return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(b)))
}

// call sends in (nil: no body) as JSON and decodes the reply into out.
func (a *adminHTTP) call(ctx context.Context, method, route string, query url.Values, in, out any) error {
	var body io.Reader
	var size int64
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, size = strings.NewReader(string(b)), int64(len(b))
	}
	resp, err := a.request(ctx, method, route, query, body, size)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s /_emulator/%s: unexpected answer from the daemon: %w", method, route, err)
	}
	return nil
}

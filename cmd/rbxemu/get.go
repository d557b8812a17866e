package main

// rbxemu get: a key's value and key info (GetAsync), or one of its versions
// (GetVersionAsync with --version, GetVersionAtTimeAsync with --at).

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newGetCmd(nil) })
}

// getOptions are the arguments and flags of rbxemu get.
type getOptions struct {
	storeOptions
	Store   string
	Key     string
	Ordered bool
	Version string
	At      string
	atMs    int64 // At in Unix ms
}

func newGetCmd(runF func(*getOptions) error) *cobra.Command {
	if runF == nil {
		runF = runGet
	}
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get STORE KEY",
		Short: "Print a key's value and key info (GetAsync)",
		Long: `Print a key's value, pretty-printed, and its key info: version, when it was
created and last updated (UTC, by the daemon's clock), user ids and metadata.

--version reads one version of the key (GetVersionAsync); --at reads the version
that was the latest at a time (GetVersionAtTimeAsync), given as RFC 3339, a date
or Unix milliseconds. --ordered reads from an OrderedDataStore (an integer, no
key info).

Exit status 4 when the key has no value (never written, removed, or no such
version); with --json the output is then {"value": null, "keyInfo": null}.`,
		Example: `  rbxemu get PlayerData Player_1
  rbxemu get PlayerData Player_1 --json | jq .value.coins
  rbxemu get PlayerData Player_1 --version 08DE2C2A6AEA8000.0000000001.08DE2C2A6AEA8000.01
  rbxemu get PlayerData Player_1 --at 2026-01-01T12:00:00Z
  rbxemu get Leaderboard Player_1 --ordered`,
		Args:              argsBetween(2, 2, "STORE KEY"),
		ValidArgsFunction: completeStoreKey,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store, o.Key = args[0], args[1]
			fs := cmd.Flags()
			if flagGiven(fs, "version") && flagGiven(fs, "at") {
				return usagef("give --version or --at, not both")
			}
			if o.Ordered && (flagGiven(fs, "version") || flagGiven(fs, "at")) {
				return usagef("an OrderedDataStore keeps no versions: --ordered takes no --version or --at")
			}
			if flagGiven(fs, "at") {
				ms, err := parseTimeArg("--at", o.At)
				if err != nil {
					return err
				}
				o.atMs = ms
			}
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	f := cmd.Flags()
	f.BoolVar(&o.Ordered, "ordered", false, "the store is an OrderedDataStore")
	f.StringVar(&o.Version, "version", "", "read this version (GetVersionAsync)")
	f.StringVar(&o.At, "at", "", "read the version that was the latest at this time (GetVersionAtTimeAsync)")
	return cmd
}

// entryResult is the --json output of get, incr and rm: the result of the
// op as the protocol carries it.
type entryResult struct {
	Value   json.RawMessage `json:"value"`
	KeyInfo *client.KeyInfo `json:"keyInfo"`
}

func (e *entryResult) missing() bool {
	return len(e.Value) == 0 || string(e.Value) == "null"
}

type keyArgs struct {
	storeArgs
	Key string `json:"key"`
}

func runGet(o *getOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ka := keyArgs{o.args(o.Store, o.Ordered), o.Key}
	var op string
	var args any
	switch {
	case o.Version != "":
		op, args = "GetVersionAsync", struct {
			keyArgs
			Version string `json:"version"`
		}{ka, o.Version}
	case o.At != "":
		op, args = "GetVersionAtTimeAsync", struct {
			keyArgs
			Timestamp int64 `json:"timestamp"`
		}{ka, o.atMs}
	default:
		op, args = "GetAsync", ka
	}
	var e entryResult
	if err := callInto(ctx, c, op, args, &e); err != nil {
		return o.failure(err)
	}
	if e.missing() {
		e.Value = json.RawMessage("null")
		if o.JSON {
			if err := writeJSON(o.stdout, e); err != nil {
				return err
			}
		}
		return &exitError{code: exitNotFound, err: o.notFound()}
	}
	if o.JSON {
		return writeJSON(o.stdout, e)
	}
	return printEntry(o.stdout, &e, c.Now())
}

// notFound says what had no value.
func (o *getOptions) notFound() error {
	where := fmt.Sprintf("(data store %q, scope %q)", o.Store, o.Scope)
	switch {
	case o.Version != "":
		return fmt.Errorf("key %q has no version %s %s: never written, overwritten later in its hour, expired, or a removal", o.Key, o.Version, where)
	case o.At != "":
		return fmt.Errorf("key %q had no value at %s %s", o.Key, humanTime(o.atMs), where)
	}
	return fmt.Errorf("key %q has no value %s", o.Key, where)
}

// printEntry prints a value, pretty, and its key info for people (ordered
// stores have none). now is the daemon's clock.
func printEntry(w io.Writer, e *entryResult, now time.Time) error {
	if _, err := fmt.Fprintln(w, prettyValue(e.Value)); err != nil {
		return err
	}
	ki := e.KeyInfo
	if ki == nil {
		return nil
	}
	fmt.Fprintln(w)
	t := &textTable{}
	t.add("version:", ki.Version)
	t.add("created:", humanTimeSince(ki.CreatedTime, now))
	t.add("updated:", humanTimeSince(ki.UpdatedTime, now))
	t.add("user ids:", userIDsText(ki.UserIDs))
	meta := "none"
	if len(ki.Metadata) > 0 && compactValue(ki.Metadata) != "{}" && compactValue(ki.Metadata) != "null" {
		meta = compactValue(ki.Metadata)
	}
	t.add("metadata:", meta)
	return t.write(w)
}

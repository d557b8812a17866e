package main

// The write commands: rbxemu set (SetAsync), rbxemu incr (IncrementAsync)
// and rbxemu rm (RemoveAsync). set and incr share the flags for user ids
// and metadata; all three take --ordered for an OrderedDataStore.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/client"
)

func init() {
	commands = append(commands,
		func() *cobra.Command { return newSetCmd(nil) },
		func() *cobra.Command { return newIncrCmd(nil) },
		func() *cobra.Command { return newRmCmd(nil) },
	)
}

// maxInputBytes bounds a value read from a file or stdin: well above the
// 4 MiB limit, so that the daemon, not the CLI, refuses a value too large
// with Roblox's own error.
const maxInputBytes = 64 << 20

// writeFlags are the user ids and metadata of a write.
type writeFlags struct {
	UserIDs  []int64
	Metadata string
	metadata json.RawMessage // Metadata, checked and compact
}

func bindWrite(cmd *cobra.Command, w *writeFlags) {
	f := cmd.Flags()
	f.Int64SliceVar(&w.UserIDs, "user-ids", nil, "user ids to attach, comma-separated (at most 4)")
	f.StringVar(&w.Metadata, "metadata", "", `metadata to attach, a JSON object such as '{"source":"cli"}'`)
}

// check reads --metadata.
func (w *writeFlags) check() error {
	if w.Metadata == "" {
		return nil
	}
	m, err := compactJSON([]byte(w.Metadata))
	if err != nil {
		return usagef("--metadata is not JSON: %v", err)
	}
	w.metadata = m
	return nil
}

// writeArgs are the arguments of SetAsync and IncrementAsync.
type writeArgs struct {
	keyArgs
	Value    json.RawMessage `json:"value,omitempty"`
	Delta    *int64          `json:"delta,omitempty"`
	UserIDs  []int64         `json:"userIds,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// compactJSON checks that b holds exactly one JSON value and returns it
// compact (the daemon measures a value by its compact encoding).
func compactJSON(b []byte) (json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("it is empty")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// setOptions are the arguments and flags of rbxemu set.
type setOptions struct {
	storeOptions
	writeFlags
	Store   string
	Key     string
	Ordered bool
	// Source is where the value comes from: JSON text, "@file", or "-"
	// for stdin.
	Source string
	value  json.RawMessage
}

func newSetCmd(runF func(*setOptions) error) *cobra.Command {
	if runF == nil {
		runF = runSet
	}
	o := &setOptions{}
	cmd := &cobra.Command{
		Use:   "set STORE KEY [VALUE | @FILE | -]",
		Short: "Write a key's value (SetAsync)",
		Long: `Write a key's value (SetAsync) and print the new version.

The value is JSON: given as the argument, read from a file with @FILE, or from
stdin with - (also when no value is given and stdin is not a terminal). A string
is written with its quotes: '"hello"'. --user-ids and --metadata set the key
info of the new version (a write without them clears both, as in Roblox).
--ordered writes to an OrderedDataStore (an integer; no versions, user ids or
metadata).`,
		Example: `  rbxemu set PlayerData Player_1 '{"coins": 10, "items": ["sword"]}'
  rbxemu set PlayerData Player_1 @player1.json --user-ids 1 --metadata '{"source":"cli"}'
  echo '"hello"' | rbxemu set Greetings en -
  rbxemu set Leaderboard Player_1 1500 --ordered`,
		Args:              argsBetween(2, 3, "STORE KEY [VALUE | @FILE | -]"),
		ValidArgsFunction: completeStoreKey,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store, o.Key, o.Source = args[0], args[1], "-"
			if len(args) == 3 {
				o.Source = args[2]
			} else if isTerminal(o.stdin) {
				return usagef("give the value: as JSON, @FILE, or - to read stdin")
			}
			if err := o.check(); err != nil {
				return err
			}
			v, err := readValue(o.Source, o.stdin)
			if err != nil {
				return err
			}
			o.value = v
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	bindWrite(cmd, &o.writeFlags)
	cmd.Flags().BoolVar(&o.Ordered, "ordered", false, "the store is an OrderedDataStore")
	return cmd
}

// readValue reads the JSON value to write from its source.
func readValue(source string, stdin io.Reader) (json.RawMessage, error) {
	var b []byte
	var from string
	switch {
	case source == "-":
		from = "stdin"
		r, err := readLimited(stdin)
		if err != nil {
			return nil, usagef("reading stdin: %v", err)
		}
		b = r
	case strings.HasPrefix(source, "@"):
		from = source[1:]
		f, err := os.Open(from)
		if err != nil {
			return nil, usagef("%v", err)
		}
		defer f.Close()
		r, err := readLimited(f)
		if err != nil {
			return nil, usagef("reading %s: %v", from, err)
		}
		b = r
	default:
		from = "the value"
		b = []byte(source)
	}
	v, err := compactJSON(b)
	if err != nil {
		hint := ""
		if source != "-" && !strings.HasPrefix(source, "@") {
			hint = fmt.Sprintf(` (a string is JSON with its quotes: '%s')`, quoteJSON(source))
		}
		return nil, usagef("%s is not JSON: %v%s", from, err, hint)
	}
	return v, nil
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func readLimited(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("no input")
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInputBytes {
		return nil, fmt.Errorf("more than %d bytes", maxInputBytes)
	}
	return b, nil
}

// isTerminal reports whether r is a terminal (where a forgotten value would
// leave set waiting for input nobody types).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// setResult is SetAsync's result, and the --json output of rbxemu set
// (version and keyInfo are null on an ordered store).
type setResult struct {
	Version *string         `json:"version"`
	KeyInfo *client.KeyInfo `json:"keyInfo"`
}

func runSet(o *setOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	args := writeArgs{keyArgs: keyArgs{o.args(o.Store, o.Ordered), o.Key}, Value: o.value, UserIDs: o.UserIDs, Metadata: o.metadata}
	var res setResult
	if err := callInto(ctx, c, "SetAsync", args, &res); err != nil {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if res.Version == nil {
		_, err = fmt.Fprintln(o.stdout, "OK")
		return err
	}
	_, err = fmt.Fprintln(o.stdout, *res.Version)
	return err
}

// incrOptions are the arguments and flags of rbxemu incr.
type incrOptions struct {
	storeOptions
	writeFlags
	Store   string
	Key     string
	Delta   int64
	Ordered bool
}

func newIncrCmd(runF func(*incrOptions) error) *cobra.Command {
	if runF == nil {
		runF = runIncr
	}
	o := &incrOptions{}
	cmd := &cobra.Command{
		Use:   "incr STORE KEY [DELTA]",
		Short: "Add to a key's integer value (IncrementAsync)",
		Long: `Add DELTA (default 1) to a key's integer value (IncrementAsync) and print the new
value. A key without a value counts as 0. A negative DELTA goes after --.`,
		Example: `  rbxemu incr PlayerData Visits
  rbxemu incr Leaderboard Player_1 50 --ordered
  rbxemu incr PlayerData Coins -- -5`,
		Args:              argsBetween(2, 3, "STORE KEY [DELTA]"),
		ValidArgsFunction: completeStoreKey,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store, o.Key, o.Delta = args[0], args[1], 1
			if len(args) == 3 {
				d, err := strconv.ParseInt(args[2], 10, 64)
				if err != nil {
					return usagef("DELTA %q: give an integer", args[2])
				}
				o.Delta = d
			}
			if err := o.check(); err != nil {
				return err
			}
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	bindWrite(cmd, &o.writeFlags)
	cmd.Flags().BoolVar(&o.Ordered, "ordered", false, "the store is an OrderedDataStore")
	return cmd
}

func runIncr(o *incrOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	delta := o.Delta
	args := writeArgs{keyArgs: keyArgs{o.args(o.Store, o.Ordered), o.Key}, Delta: &delta, UserIDs: o.UserIDs, Metadata: o.metadata}
	var res entryResult
	if err := callInto(ctx, c, "IncrementAsync", args, &res); err != nil {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	_, err = fmt.Fprintln(o.stdout, compactValue(res.Value))
	return err
}

// rmOptions are the arguments and flags of rbxemu rm.
type rmOptions struct {
	storeOptions
	Store   string
	Key     string
	Ordered bool
}

func newRmCmd(runF func(*rmOptions) error) *cobra.Command {
	if runF == nil {
		runF = runRm
	}
	o := &rmOptions{}
	cmd := &cobra.Command{
		Use:   "rm STORE KEY",
		Short: "Remove a key (RemoveAsync)",
		Long: `Remove a key (RemoveAsync) and print the value it held with its key info. The
removal is a new version (a tombstone): the versions before it stay readable
with get --version until they expire, as in Roblox.`,
		Example: `  rbxemu rm PlayerData Player_1
  rbxemu rm Leaderboard Player_1 --ordered`,
		Args:              argsBetween(2, 2, "STORE KEY"),
		ValidArgsFunction: completeStoreKey,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store, o.Key = args[0], args[1]
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	cmd.Flags().BoolVar(&o.Ordered, "ordered", false, "the store is an OrderedDataStore")
	return cmd
}

func runRm(o *rmOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res entryResult
	if err := callInto(ctx, c, "RemoveAsync", keyArgs{o.args(o.Store, o.Ordered), o.Key}, &res); err != nil {
		return o.failure(err)
	}
	if res.missing() {
		res.Value = json.RawMessage("null")
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if res.missing() {
		_, err = fmt.Fprintf(o.stderr, "key %q had no value (data store %q, scope %q)\n", o.Key, o.Store, o.Scope)
		return err
	}
	return printEntry(o.stdout, &res, c.Now())
}

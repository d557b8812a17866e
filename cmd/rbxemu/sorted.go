package main

// rbxemu sorted: an OrderedDataStore's entries by value (GetSortedAsync).

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newSortedCmd(nil) })
}

// sortedOptions are the arguments and flags of rbxemu sorted.
type sortedOptions struct {
	storeOptions
	Store  string
	Desc   bool
	Min    int64
	Max    int64
	Limit  int
	Cursor string
	All    bool
	hasMin bool
	hasMax bool
}

// defaultSortedPage is the page size of rbxemu sorted without --limit.
const defaultSortedPage = 50

func newSortedCmd(runF func(*sortedOptions) error) *cobra.Command {
	if runF == nil {
		runF = runSorted
	}
	o := &sortedOptions{}
	cmd := &cobra.Command{
		Use:   "sorted STORE",
		Short: "List an OrderedDataStore's entries by value (GetSortedAsync)",
		Long: `List the entries of an OrderedDataStore by value, smallest first (largest first
with --desc; equal values by key), from GetSortedAsync. --min and --max bound the
values, both inclusive. Without --all one page of --limit entries (1-100) is
printed and the cursor of the next goes to stderr; --all fetches every page.`,
		Example: `  rbxemu sorted Leaderboard --desc --limit 10
  rbxemu sorted Leaderboard --min 1000 --max 2000 --all --json`,
		Args:              argsBetween(1, 1, "STORE"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store = args[0]
			fs := cmd.Flags()
			o.hasMin, o.hasMax = flagGiven(fs, "min"), flagGiven(fs, "max")
			if o.All && !flagGiven(fs, "limit") {
				o.Limit = engine.MaxSortedPageSize
			}
			if o.All && o.Cursor != "" {
				return usagef("--all starts from the first page: leave out --cursor")
			}
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	f := cmd.Flags()
	f.BoolVar(&o.Desc, "desc", false, "largest value first")
	f.Int64Var(&o.Min, "min", 0, "only entries whose value is at least this")
	f.Int64Var(&o.Max, "max", 0, "only entries whose value is at most this")
	f.IntVar(&o.Limit, "limit", defaultSortedPage, fmt.Sprintf("entries per page (1-%d; %d with --all)", engine.MaxSortedPageSize, engine.MaxSortedPageSize))
	f.StringVar(&o.Cursor, "cursor", "", "start at this page (the cursor a previous page printed)")
	f.BoolVar(&o.All, "all", false, "fetch every page")
	return cmd
}

// sortedResult is the --json output of rbxemu sorted.
type sortedResult struct {
	Entries    []engine.SortedItem `json:"entries"`
	Cursor     string              `json:"cursor"`
	IsFinished bool                `json:"isFinished"`
}

type getSortedArgs struct {
	storeArgs
	Ascending bool            `json:"ascending"`
	PageSize  int             `json:"pageSize"`
	MinValue  json.RawMessage `json:"minValue,omitempty"`
	MaxValue  json.RawMessage `json:"maxValue,omitempty"`
	Cursor    string          `json:"cursor,omitempty"`
}

func runSorted(o *sortedOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	base := getSortedArgs{storeArgs: o.args(o.Store, true), Ascending: !o.Desc, PageSize: o.Limit}
	if o.hasMin {
		base.MinValue = json.RawMessage(strconv.FormatInt(o.Min, 10))
	}
	if o.hasMax {
		base.MaxValue = json.RawMessage(strconv.FormatInt(o.Max, 10))
	}
	res := sortedResult{Entries: []engine.SortedItem{}}
	res.Cursor, err = eachPage(ctx, c, "GetSortedAsync", o.All, o.Cursor,
		func(cursor string) any {
			a := base
			a.Cursor = cursor
			return a
		},
		func(items []engine.SortedItem) error {
			res.Entries = append(res.Entries, items...)
			return nil
		})
	if err != nil {
		return o.failure(err)
	}
	res.IsFinished = res.Cursor == ""
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if len(res.Entries) > 0 {
		t := newTextTable("KEY", "VALUE")
		for _, e := range res.Entries {
			t.add(e.Key, strconv.FormatInt(e.Value, 10))
		}
		if err := t.write(o.stdout); err != nil {
			return err
		}
	} else if o.Cursor == "" && res.IsFinished {
		fmt.Fprintf(o.stderr, "no entries in ordered data store %q (scope %q)\n", o.Store, o.Scope)
	}
	if !res.IsFinished {
		printCursorHint(o.stderr, res.Cursor)
	}
	return nil
}

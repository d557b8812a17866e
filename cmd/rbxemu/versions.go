package main

// rbxemu versions: a key's version history (ListVersionsAsync, every page
// up to --limit).

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newVersionsCmd(nil) })
}

// versionsOptions are the arguments and flags of rbxemu versions.
type versionsOptions struct {
	storeOptions
	Store string
	Key   string
	Desc  bool
	Since string
	Until string
	Limit int
	minMs int64 // Since in Unix ms (0: open)
	maxMs int64 // Until in Unix ms (0: open)
}

func newVersionsCmd(runF func(*versionsOptions) error) *cobra.Command {
	if runF == nil {
		runF = runVersions
	}
	o := &versionsOptions{}
	cmd := &cobra.Command{
		Use:   "versions STORE KEY",
		Short: "List a key's versions (ListVersionsAsync)",
		Long: `List a key's versions, oldest first (newest first with --desc): the latest
version and the hourly backups still kept, removals included
(ListVersionsAsync). --since and --until bound the versions' times, both
inclusive, as RFC 3339, a date or Unix milliseconds. Read one with
rbxemu get STORE KEY --version V.`,
		Example: `  rbxemu versions PlayerData Player_1
  rbxemu versions PlayerData Player_1 --desc --limit 5
  rbxemu versions PlayerData Player_1 --since 2026-01-01 --until 2026-01-02T12:00:00Z --json`,
		Args:              argsBetween(2, 2, "STORE KEY"),
		ValidArgsFunction: completeStoreKey,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store, o.Key = args[0], args[1]
			var err error
			if flagGiven(cmd.Flags(), "since") {
				if o.minMs, err = parseTimeArg("--since", o.Since); err != nil {
					return err
				}
			}
			if flagGiven(cmd.Flags(), "until") {
				if o.maxMs, err = parseTimeArg("--until", o.Until); err != nil {
					return err
				}
			}
			if o.Limit < 0 {
				return usagef("--limit %d: give a positive number of versions (0: all)", o.Limit)
			}
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	f := cmd.Flags()
	f.BoolVar(&o.Desc, "desc", false, "newest first")
	f.StringVar(&o.Since, "since", "", "only versions written at or after this time")
	f.StringVar(&o.Until, "until", "", "only versions written at or before this time")
	f.IntVar(&o.Limit, "limit", 0, "print at most this many versions (0: all)")
	return cmd
}

// versionsResult is the --json output of rbxemu versions.
type versionsResult struct {
	Versions []engine.VersionInfo `json:"versions"`
}

type listVersionsArgs struct {
	keyArgs
	SortDirection string `json:"sortDirection"`
	MinDate       int64  `json:"minDate,omitempty"`
	MaxDate       int64  `json:"maxDate,omitempty"`
	PageSize      int    `json:"pageSize"`
	Cursor        string `json:"cursor,omitempty"`
}

// errEnough stops the paging once --limit versions are in.
var errEnough = fmt.Errorf("enough")

func runVersions(o *versionsOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	dir := "Ascending"
	if o.Desc {
		dir = "Descending"
	}
	size := engine.MaxListVersionsPageSize
	if o.Limit > 0 && o.Limit < size {
		size = o.Limit
	}
	res := versionsResult{Versions: []engine.VersionInfo{}}
	_, err = eachPage(ctx, c, "ListVersionsAsync", true, "",
		func(cursor string) any {
			return listVersionsArgs{keyArgs: keyArgs{o.args(o.Store, false), o.Key}, SortDirection: dir,
				MinDate: o.minMs, MaxDate: o.maxMs, PageSize: size, Cursor: cursor}
		},
		func(items []engine.VersionInfo) error {
			res.Versions = append(res.Versions, items...)
			if o.Limit > 0 && len(res.Versions) >= o.Limit {
				res.Versions = res.Versions[:o.Limit]
				return errEnough
			}
			return nil
		})
	if err != nil && err != errEnough {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if len(res.Versions) == 0 {
		fmt.Fprintf(o.stderr, "key %q has no versions (data store %q, scope %q)\n", o.Key, o.Store, o.Scope)
		return nil
	}
	t := newTextTable("VERSION", "CREATED", "DELETED")
	for _, v := range res.Versions {
		deleted := "no"
		if v.IsDeleted {
			deleted = "yes"
		}
		t.add(v.Version, humanTime(v.CreatedTime), deleted)
	}
	return t.write(o.stdout)
}

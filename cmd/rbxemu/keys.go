package main

// rbxemu keys: the keys of a data store (ListKeysAsync). Without --all it
// prints one page and, on stderr, the cursor of the next; with --all it
// pages to the end.

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newKeysCmd(nil) })
}

// keysOptions are the arguments and flags of rbxemu keys.
type keysOptions struct {
	storeOptions
	Store          string
	Prefix         string
	Limit          int
	Cursor         string
	All            bool
	AllScopes      bool
	ExcludeDeleted bool
}

func newKeysCmd(runF func(*keysOptions) error) *cobra.Command {
	if runF == nil {
		runF = runKeys
	}
	o := &keysOptions{}
	cmd := &cobra.Command{
		Use:   "keys STORE",
		Short: "List the keys of a data store (ListKeysAsync)",
		Long: `List the keys of a data store, in byte order (ListKeysAsync). Without --all, one
page of --limit keys is printed, and the cursor of the next page goes to stderr
(in --json output it is the "cursor" field). With --all every page is fetched.

Removed keys are listed until their tombstone expires (30 days), as in Roblox,
unless --exclude-deleted. With --all-scopes the keys of every scope are listed
as "scope/key".`,
		Example: `  rbxemu keys PlayerData
  rbxemu keys PlayerData --prefix Player_ --limit 10
  rbxemu keys PlayerData --cursor <cursor printed by the previous page>
  rbxemu keys PlayerData --all --json | jq -r '.keys[]'`,
		Args:              argsBetween(1, 1, "STORE"),
		ValidArgsFunction: completeStores,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			o.Store = args[0]
			if o.All && !flagGiven(cmd.Flags(), "limit") {
				o.Limit = engine.MaxListKeysPageSize // fewer round trips
			}
			if o.Limit < 1 || o.Limit > engine.MaxListKeysPageSize {
				return usagef("--limit %d: a page holds 1 to %d keys (--all fetches every page)", o.Limit, engine.MaxListKeysPageSize)
			}
			if o.AllScopes && flagGiven(cmd.Flags(), "scope") {
				return usagef("--all-scopes lists every scope: leave out --scope")
			}
			if o.All && o.Cursor != "" {
				return usagef("--all starts from the first page: leave out --cursor")
			}
			return runF(o)
		},
	}
	bindStore(cmd, &o.storeOptions)
	f := cmd.Flags()
	f.StringVar(&o.Prefix, "prefix", "", "only the keys that start with this")
	f.IntVar(&o.Limit, "limit", engine.DefaultListKeysPageSize, fmt.Sprintf("keys per page (1-%d; %d with --all)", engine.MaxListKeysPageSize, engine.MaxListKeysPageSize))
	f.StringVar(&o.Cursor, "cursor", "", "start at this page (the cursor a previous page printed)")
	f.BoolVar(&o.All, "all", false, "fetch every page")
	f.BoolVar(&o.AllScopes, "all-scopes", false, `list the keys of every scope, as "scope/key"`)
	f.BoolVar(&o.ExcludeDeleted, "exclude-deleted", false, "leave out removed keys")
	return cmd
}

// keysResult is the --json output of rbxemu keys: the keys, the cursor of
// the next page ("" when there is none) and whether the listing is over.
type keysResult struct {
	Keys       []string `json:"keys"`
	Cursor     string   `json:"cursor"`
	IsFinished bool     `json:"isFinished"`
}

type listKeysArgs struct {
	storeArgs
	Prefix         string `json:"prefix,omitempty"`
	PageSize       int    `json:"pageSize"`
	Cursor         string `json:"cursor,omitempty"`
	ExcludeDeleted bool   `json:"excludeDeleted,omitempty"`
}

func runKeys(o *keysOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	sa := o.args(o.Store, false)
	if o.AllScopes {
		sa.AllScopes, sa.Scope = true, ""
	}
	res := keysResult{Keys: []string{}}
	res.Cursor, err = eachPage(ctx, c, "ListKeysAsync", o.All, o.Cursor,
		func(cursor string) any {
			return listKeysArgs{storeArgs: sa, Prefix: o.Prefix, PageSize: o.Limit, Cursor: cursor, ExcludeDeleted: o.ExcludeDeleted}
		},
		func(items []engine.KeyItem) error {
			for _, k := range items {
				res.Keys = append(res.Keys, k.KeyName)
			}
			return nil
		})
	if err != nil {
		return o.failure(err)
	}
	res.IsFinished = res.Cursor == ""
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	for _, k := range res.Keys {
		fmt.Fprintln(o.stdout, k)
	}
	if !res.IsFinished {
		printCursorHint(o.stderr, res.Cursor)
	} else if len(res.Keys) == 0 && o.Cursor == "" {
		where := fmt.Sprintf("scope %q", sa.Scope)
		if o.AllScopes {
			where = "any scope"
		}
		if o.Prefix != "" {
			where += fmt.Sprintf(", prefix %q", o.Prefix)
		}
		fmt.Fprintf(o.stderr, "no keys in data store %q (%s)\n", o.Store, where)
	}
	return nil
}

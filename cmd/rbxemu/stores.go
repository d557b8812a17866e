package main

// rbxemu stores: the universe's data stores (ListDataStoresAsync, every
// page). Ordered data stores are not listed, as in Roblox.

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newStoresCmd(nil) })
}

// storesOptions are the flags of rbxemu stores.
type storesOptions struct {
	connOptions
	Prefix string
}

// newStoresCmd builds the command; runF replaces the work in tests that
// check flag parsing.
func newStoresCmd(runF func(*storesOptions) error) *cobra.Command {
	if runF == nil {
		runF = runStores
	}
	o := &storesOptions{}
	cmd := &cobra.Command{
		Use:   "stores",
		Short: "List the data stores of the universe (ListDataStoresAsync)",
		Long: `List the standard data stores of the universe that hold at least one key, with the
times of their first and latest write (ListDataStoresAsync, every page). Ordered
data stores are not listed, as in Roblox.`,
		Example: `  rbxemu stores
  rbxemu stores --prefix Player --json`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepare(cmd); err != nil {
				return err
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, true)
	cmd.Flags().StringVar(&o.Prefix, "prefix", "", "only the data stores whose name starts with this")
	return cmd
}

// storesResult is the --json output of rbxemu stores.
type storesResult struct {
	Stores []engine.StoreInfo `json:"stores"`
}

func runStores(o *storesOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	res := storesResult{Stores: []engine.StoreInfo{}}
	_, err = eachPage(ctx, c, "ListDataStoresAsync", true, "",
		func(cursor string) any {
			return map[string]any{"prefix": o.Prefix, "pageSize": engine.MaxListStoresPageSize, "cursor": cursor}
		},
		func(items []engine.StoreInfo) error {
			res.Stores = append(res.Stores, items...)
			return nil
		})
	if err != nil {
		return o.failure(err)
	}
	if o.JSON {
		return writeJSON(o.stdout, res)
	}
	if len(res.Stores) == 0 {
		fmt.Fprintln(o.stderr, noneMessage("data stores", o.Prefix, o.Universe))
		return nil
	}
	t := newTextTable("NAME", "CREATED", "UPDATED")
	for _, s := range res.Stores {
		t.add(s.DataStoreName, humanTime(s.CreatedTime), humanTime(s.UpdatedTime))
	}
	return t.write(o.stdout)
}

// noneMessage says that a listing found nothing.
func noneMessage(what, prefix string, universe int64) string {
	msg := fmt.Sprintf("no %s in universe %d", what, universe)
	if prefix != "" {
		msg += fmt.Sprintf(" with prefix %q", prefix)
	}
	return msg
}

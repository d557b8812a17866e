package main

// rbxemu shim: hands out the Lua shim bundled in the binary: `export DIR`
// writes its files (Rojo project, wally.toml, src/, the Lune runner);
// `rbxmx FILE` writes a Roblox model file to insert in Studio without Rojo.
// luaclient does the work.

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/luaclient"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newShimCmd(nil) })
}

// shimOptions are the arguments of rbxemu shim's subcommands.
type shimOptions struct {
	Action string // export | rbxmx
	Target string // the directory or file ("-" is stdout for rbxmx)
	stdout io.Writer
}

// newShimCmd builds the command. runF replaces the work in tests that check
// argument parsing without writing anything.
func newShimCmd(runF func(*shimOptions) error) *cobra.Command {
	if runF == nil {
		runF = runShim
	}
	cmd := &cobra.Command{
		Use:   "shim",
		Short: "Write out the Lua shim (a drop-in DataStoreService for Studio and Lune)",
		Long: "The Lua shim makes game code talk to this emulator: in Studio through require(...).DataStoreService,\n" +
			"in Lune through its runner. See docs/lua-shim.md.",
	}
	sub := func(action, use, short string) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				return runF(&shimOptions{Action: action, Target: args[0], stdout: c.OutOrStdout()})
			},
		}
	}
	cmd.AddCommand(
		sub("export", "export DIR", "Write the shim's files (Rojo project, wally.toml, src/, lune/) into DIR"),
		sub("rbxmx", "rbxmx FILE", "Write the shim as a Roblox model file (.rbxmx) to insert in Studio (- for stdout)"),
	)
	return cmd
}

func runShim(o *shimOptions) error {
	switch o.Action {
	case "export":
		written, err := luaclient.Export(o.Target)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "wrote %d files under %s (Rojo: default.project.json; Lune: lune/run.lua)\n", len(written), o.Target)
		return nil
	case "rbxmx":
		b, err := luaclient.RBXMX()
		if err != nil {
			return err
		}
		if o.Target == "-" {
			_, err = o.stdout.Write(b)
			return err
		}
		if err := os.WriteFile(o.Target, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "wrote %s: insert it in Studio (Model > Insert from File...) into ReplicatedStorage or ServerStorage\n", o.Target)
		return nil
	}
	return fmt.Errorf("shim: unknown action %q", o.Action)
}

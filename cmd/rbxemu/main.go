// Command rbxemu is a local emulator of Roblox DataStores: `rbxemu serve`
// runs the daemon; the other commands inspect and edit what it stores.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// commands holds the constructors of the subcommands; each command file
// appends its own in init, so main stays a table of contents.
var commands []func() *cobra.Command

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "rbxemu",
		Short:         "A local emulator of Roblox DataStores",
		Long:          "rbxemu emulates Roblox DataStores locally: run the daemon with `rbxemu serve`,\npoint Studio, Lune or your tests at it, and inspect what your game saved.",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "rbxemu:", err)
		var ec interface{ ExitCode() int }
		if asExit(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

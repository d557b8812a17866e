package main

// rbxemu plugin: hands out the Studio plugin bundled in the binary
// (luaclient/plugin, docs/plugin.md). `install` writes it into Roblox
// Studio's plugins folder of this computer; `build FILE` writes the same
// model file anywhere. luaclient does the work.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/luaclient"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newPluginCmd(nil) })
}

// pluginFile is the plugin's file name in the plugins folder.
const pluginFile = luaclient.PluginName + ".rbxmx"

// pluginOptions are the arguments of rbxemu plugin's subcommands.
type pluginOptions struct {
	Action string // install | build
	Target string // build: the file ("-" is stdout)
	Dir    string // install: the plugins folder (empty: Studio's, found by OS)
	stdout io.Writer

	// goos, getenv and homeDir find Studio's plugins folder; tests replace
	// them to play another OS.
	goos    string
	getenv  func(string) string
	homeDir func() (string, error)
}

// newPluginCmd builds the command. runF replaces the work in tests that
// check argument parsing without writing anything.
func newPluginCmd(runF func(*pluginOptions) error) *cobra.Command {
	if runF == nil {
		runF = runPlugin
	}
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Install the Studio plugin that shows the emulator inside Roblox Studio",
		Long: "The rbxemu Studio plugin adds a toolbar button and a dock widget to Roblox Studio: the emulator's\n" +
			"data stores, keys, values and versions, ordered stores, a live request monitor, budgets per game server,\n" +
			"the clock and fault rules, with editing, deleting and restoring values. See docs/plugin.md.",
	}
	install := &cobra.Command{
		Use:   "install",
		Short: "Write the plugin into Roblox Studio's plugins folder (restart Studio to load it)",
		Long: "Writes " + pluginFile + " into Studio's plugins folder: %LOCALAPPDATA%\\Roblox\\Plugins on Windows,\n" +
			"~/Documents/Roblox/Plugins on macOS. Studio does not run on Linux: there, say where with --dir.",
		Args: cobra.NoArgs,
	}
	var dir string
	install.Flags().StringVar(&dir, "dir", "", "the plugins folder to write into, instead of Studio's")
	install.RunE = func(c *cobra.Command, _ []string) error {
		return runF(newPluginOptions("install", "", dir, c.OutOrStdout()))
	}
	build := &cobra.Command{
		Use:   "build FILE",
		Short: "Write the plugin as a Roblox model file (.rbxmx) anywhere (- for stdout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runF(newPluginOptions("build", args[0], "", c.OutOrStdout()))
		},
	}
	cmd.AddCommand(install, build)
	return cmd
}

func newPluginOptions(action, target, dir string, stdout io.Writer) *pluginOptions {
	return &pluginOptions{
		Action: action, Target: target, Dir: dir, stdout: stdout,
		goos: runtime.GOOS, getenv: os.Getenv, homeDir: os.UserHomeDir,
	}
}

// studioPluginsDir is where Roblox Studio loads local plugins from on goos.
func studioPluginsDir(goos string, getenv func(string) string, homeDir func() (string, error)) (string, error) {
	switch goos {
	case "windows":
		local := getenv("LOCALAPPDATA")
		if local == "" {
			return "", errors.New("plugin: %LOCALAPPDATA% is not set, so Studio's plugins folder is unknown: give --dir")
		}
		return filepath.Join(local, "Roblox", "Plugins"), nil
	case "darwin":
		home, err := homeDir()
		if err != nil || home == "" {
			return "", fmt.Errorf("plugin: no home folder (%v), so Studio's plugins folder is unknown: give --dir", err)
		}
		return filepath.Join(home, "Documents", "Roblox", "Plugins"), nil
	}
	return "", fmt.Errorf("plugin: Roblox Studio does not run on %s, so there is no plugins folder to install into: "+
		"give --dir (the plugins folder of a Windows or macOS Studio), or write the file with `rbxemu plugin build FILE`", goos)
}

func runPlugin(o *pluginOptions) error {
	b, err := luaclient.PluginRBXMX()
	if err != nil {
		return err
	}
	switch o.Action {
	case "build":
		if o.Target == "-" {
			_, err = o.stdout.Write(b)
			return err
		}
		if err := writeModel(o.Target, b); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "wrote %s: put it in Studio's plugins folder (Plugins tab > Plugins Folder), then restart Studio\n", o.Target)
		return nil
	case "install":
		dir := o.Dir
		if dir == "" {
			if dir, err = studioPluginsDir(o.goos, o.getenv, o.homeDir); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		target := filepath.Join(dir, pluginFile)
		if err := writeModel(target, b); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "installed the rbxemu plugin: %s\n"+
			"Restart Studio (if it is open) and press \"DataStores\" in the Plugins tab; start the daemon with `rbxemu serve`.\n", target)
		return nil
	}
	return fmt.Errorf("plugin: unknown action %q", o.Action)
}

// writeModel writes the model through a temporary file beside name
// (writeFileAtomic), so that Studio, which watches its plugins folder, never
// loads half a file.
func writeModel(name string, b []byte) error {
	_, err := writeFileAtomic(name, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	return err
}

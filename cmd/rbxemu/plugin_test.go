package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/luaclient"
)

func TestPluginParsesArguments(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		action string
		target string
		dir    string
		fails  bool
	}{
		{[]string{"install"}, "install", "", "", false},
		{[]string{"install", "--dir", "out/plugins"}, "install", "", "out/plugins", false},
		{[]string{"build", "RbxEmuPlugin.rbxmx"}, "build", "RbxEmuPlugin.rbxmx", "", false},
		{[]string{"build", "-"}, "build", "-", "", false},
		{[]string{"build"}, "", "", "", true},
		{[]string{"build", "a", "b"}, "", "", "", true},
		{[]string{"install", "somewhere"}, "", "", "", true},
		{[]string{"build", "x", "--dir", "d"}, "", "", "", true},
	} {
		var got *pluginOptions
		cmd := newPluginCmd(func(o *pluginOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if tc.fails {
			if err == nil {
				t.Errorf("%v: no error", tc.args)
			}
			continue
		}
		if err != nil || got == nil || got.Action != tc.action || got.Target != tc.target || got.Dir != tc.dir {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

func TestStudioPluginsDir(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	home := func() (string, error) { return "/Users/me", nil }
	noHome := func() (string, error) { return "", errors.New("no $HOME") }

	got, err := studioPluginsDir("windows", env(map[string]string{"LOCALAPPDATA": `C:\Users\me\AppData\Local`}), noHome)
	if want := filepath.Join(`C:\Users\me\AppData\Local`, "Roblox", "Plugins"); err != nil || got != want {
		t.Errorf("windows: %q, %v; want %q", got, err, want)
	}
	if _, err := studioPluginsDir("windows", env(nil), home); err == nil || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("windows without LOCALAPPDATA: %v", err)
	}
	got, err = studioPluginsDir("darwin", env(nil), home)
	if want := filepath.Join("/Users/me", "Documents", "Roblox", "Plugins"); err != nil || got != want {
		t.Errorf("darwin: %q, %v; want %q", got, err, want)
	}
	if _, err := studioPluginsDir("darwin", env(nil), noHome); err == nil || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("darwin without a home: %v", err)
	}
	_, err = studioPluginsDir("linux", env(map[string]string{"HOME": "/home/me"}), home)
	if err == nil || !strings.Contains(err.Error(), "does not run on linux") || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("linux: %v, want a refusal that says Studio does not run there and names --dir", err)
	}
}

// install finds the folder by OS: on macOS (played here) it writes into
// ~/Documents/Roblox/Plugins, creating it.
func TestPluginInstallByOS(t *testing.T) {
	home := t.TempDir()
	var out bytes.Buffer
	o := newPluginOptions("install", "", "", &out)
	o.goos = "darwin"
	o.homeDir = func() (string, error) { return home, nil }
	if err := runPlugin(o); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(home, "Documents", "Roblox", "Plugins", "RbxEmuPlugin.rbxmx")
	b, err := os.ReadFile(target)
	want, _ := luaclient.PluginRBXMX()
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("%s not written as the plugin's model (%v)", target, err)
	}
	if !strings.Contains(out.String(), target) {
		t.Errorf("output does not name the file: %q", out.String())
	}
	entries, _ := os.ReadDir(filepath.Dir(target))
	if len(entries) != 1 {
		t.Errorf("the plugins folder holds %d entries, want only the plugin (no temporary file left)", len(entries))
	}
}

func TestPluginInstallAndBuild(t *testing.T) {
	want, err := luaclient.PluginRBXMX()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "Plugins")
	var out, errOut bytes.Buffer
	if code := run([]string{"plugin", "install", "--dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("install --dir: %d %s", code, errOut.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "RbxEmuPlugin.rbxmx")); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("install --dir wrote something else (%v)", err)
	}
	// again: the file is replaced
	if code := run([]string{"plugin", "install", "--dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("second install: %d %s", code, errOut.String())
	}

	file := filepath.Join(t.TempDir(), "p.rbxmx")
	if code := run([]string{"plugin", "build", file}, &out, &errOut); code != 0 {
		t.Fatalf("build: %d %s", code, errOut.String())
	}
	if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("build wrote something else (%v)", err)
	}
	out.Reset()
	if code := run([]string{"plugin", "build", "-"}, &out, &errOut); code != 0 || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("build -: %d, %d bytes", code, out.Len())
	}
}

// On Linux, where Studio does not run, install without --dir is refused
// with a usage error that says so.
func TestPluginInstallWithoutStudio(t *testing.T) {
	var out bytes.Buffer
	o := newPluginOptions("install", "", "", &out)
	o.goos = "linux"
	err := runPlugin(o)
	var ee *exitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(err.Error(), "--dir") {
		t.Fatalf("got %v, want a usage error naming --dir", err)
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %q", out.String())
	}
}

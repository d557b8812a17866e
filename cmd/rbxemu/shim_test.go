package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/luaclient"
)

func TestShimParsesArguments(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		action string
		target string
		fails  bool
	}{
		{[]string{"export", "out"}, "export", "out", false},
		{[]string{"rbxmx", "RbxEmu.rbxmx"}, "rbxmx", "RbxEmu.rbxmx", false},
		{[]string{"export"}, "", "", true},
		{[]string{"rbxmx", "a", "b"}, "", "", true},
	} {
		var got *shimOptions
		cmd := newShimCmd(func(o *shimOptions) error { got = o; return nil })
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
		if err != nil || got == nil || got.Action != tc.action || got.Target != tc.target {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

func TestShimExportAndRBXMX(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"shim", "export", dir}, &out, &errOut); code != 0 {
		t.Fatalf("export: %d %s", code, errOut.String())
	}
	for _, f := range luaclient.Files() {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("export did not write %s", f)
		}
	}
	model := filepath.Join(dir, "RbxEmu.rbxmx")
	if code := run([]string{"shim", "rbxmx", model}, &out, &errOut); code != 0 {
		t.Fatalf("rbxmx: %d %s", code, errOut.String())
	}
	b, err := os.ReadFile(model)
	want, _ := luaclient.RBXMX()
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("rbxmx file differs (%v)", err)
	}
	out.Reset()
	if code := run([]string{"shim", "rbxmx", "-"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "<roblox") {
		t.Fatalf("rbxmx to stdout: %d %q", code, out.String()[:min(40, out.Len())])
	}
}

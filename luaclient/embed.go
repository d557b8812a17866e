// Package luaclient carries the Lua shim inside the rbxemu binary: the
// modules under src/ (laid out by Rojo's conventions), the Rojo project
// file, wally.toml and the Lune runner, so that `rbxemu shim export` can
// write them out and `rbxemu shim rbxmx` can build a model file a Studio
// user inserts without Rojo.
//
// The Go test harness that runs the shim's Lua tests is in
// luaclient/harness; the shim's documentation is docs/lua-shim.md.
package luaclient

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed default.project.json wally.toml src lune
var files embed.FS

// ProjectName is the name of the shim's root ModuleScript (the "name" of
// default.project.json): require(ReplicatedStorage.RbxEmu).
const ProjectName = "RbxEmu"

// FS returns the embedded files, with slash-separated paths relative to
// luaclient/ (src/init.lua, lune/run.lua, default.project.json, ...).
func FS() fs.FS { return files }

// Files lists every embedded file, sorted.
func Files() []string {
	var out []string
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	sort.Strings(out)
	return out
}

// ReadFile returns one embedded file.
func ReadFile(name string) ([]byte, error) { return files.ReadFile(name) }

// Export writes every embedded file under dir (creating directories as
// needed, replacing files of the same name, leaving others alone) and
// returns the paths it wrote.
func Export(dir string) ([]string, error) {
	var written []string
	for _, name := range Files() {
		b, err := files.ReadFile(name)
		if err != nil {
			return written, err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return written, err
		}
		written = append(written, target)
	}
	return written, nil
}

// Module is one Instance of the shim's tree as Rojo builds it from src/: a
// ModuleScript (with its Source) or a Folder, with children.
type Module struct {
	Name     string
	Class    string // ModuleScript, Script, LocalScript or Folder
	Source   string
	Children []*Module
}

// Tree builds the Instance tree of src/ by Rojo's conventions: init.lua makes
// a folder a ModuleScript (init.server.lua a Script, init.client.lua a
// LocalScript), X.lua is a ModuleScript named X (X.server.lua a Script,
// X.client.lua a LocalScript), other folders are Folders. The root is named
// ProjectName.
func Tree() (*Module, error) { return buildTree(files, "src", ProjectName) }

// initClasses are the files that make a folder a script, and its class.
var initClasses = map[string]string{
	"init.lua":        "ModuleScript",
	"init.server.lua": "Script",
	"init.client.lua": "LocalScript",
}

func buildTree(fsys embed.FS, dir, name string) (*Module, error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	m := &Module{Name: name, Class: "Folder"}
	for _, e := range entries {
		if class, ok := initClasses[e.Name()]; ok && !e.IsDir() {
			if m.Class != "Folder" {
				return nil, fmt.Errorf("luaclient: %s has more than one init file", dir)
			}
			src, err := fsys.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			m.Class, m.Source = class, string(src)
		}
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if e.IsDir() {
			child, err := buildTree(fsys, p, e.Name())
			if err != nil {
				return nil, err
			}
			m.Children = append(m.Children, child)
			continue
		}
		if _, isInit := initClasses[e.Name()]; isInit || !strings.HasSuffix(e.Name(), ".lua") {
			continue
		}
		base, class := strings.TrimSuffix(e.Name(), ".lua"), "ModuleScript"
		switch {
		case strings.HasSuffix(base, ".server"):
			base, class = strings.TrimSuffix(base, ".server"), "Script"
		case strings.HasSuffix(base, ".client"):
			base, class = strings.TrimSuffix(base, ".client"), "LocalScript"
		}
		src, err := fsys.ReadFile(p)
		if err != nil {
			return nil, err
		}
		m.Children = append(m.Children, &Module{Name: base, Class: class, Source: string(src)})
	}
	if m.Class == "Folder" && len(m.Children) == 0 {
		return nil, fmt.Errorf("luaclient: %s is empty", dir)
	}
	return m, nil
}

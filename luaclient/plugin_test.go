package luaclient

import (
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every plugin file on disk is embedded, byte for byte.
func TestPluginFilesMatchTheDisk(t *testing.T) {
	embedded := map[string]bool{}
	for _, f := range PluginFiles() {
		embedded[f] = true
	}
	count := 0
	err := filepath.WalkDir("plugin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		count++
		name := filepath.ToSlash(p)
		if !embedded[name] {
			t.Errorf("%s is not embedded", name)
		}
		disk, _ := os.ReadFile(p)
		if got, _ := fs.ReadFile(PluginFS(), name); string(got) != string(disk) {
			t.Errorf("%s differs from the disk", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count < 10 || !embedded["plugin.project.json"] || !embedded["plugin/init.server.lua"] {
		t.Fatalf("%d plugin files; embedded: %v", count, PluginFiles())
	}
}

// flatten maps each Item of a model to its path (Name/Name/...).
func flatten(prefix string, it xmlItem, out map[string]xmlItem) {
	name := it.Props.Strings[0].Value
	p := name
	if prefix != "" {
		p = prefix + "/" + name
	}
	out[p] = it
	for _, c := range it.Items {
		flatten(p, c, out)
	}
}

func TestPluginRBXMX(t *testing.T) {
	b, err := PluginRBXMX()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name  `xml:"roblox"`
		Items   []xmlItem `xml:"Item"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if len(doc.Items) != 1 {
		t.Fatalf("%d top items, want the plugin's Script", len(doc.Items))
	}
	root := doc.Items[0]
	entry, _ := fs.ReadFile(PluginFS(), "plugin/init.server.lua")
	if root.Class != "Script" || root.Props.Strings[0].Value != PluginName || root.Props.Protected[0].Value != string(entry) {
		t.Fatalf("root is a %s named %q (its Source is init.server.lua: %v)", root.Class, root.Props.Strings[0].Value,
			root.Props.Protected[0].Value == string(entry))
	}
	items := map[string]xmlItem{}
	flatten("", root, items)
	referents := map[string]bool{}
	for p, it := range items {
		if referents[it.Referent] {
			t.Errorf("%s: referent %s used twice", p, it.Referent)
		}
		referents[it.Referent] = true
	}
	// every .lua file is a ModuleScript at its place; folders are Folders
	err = fs.WalkDir(PluginFS(), "plugin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "plugin" || p == "plugin/init.server.lua" {
			return err
		}
		rel := PluginName + "/" + strings.TrimSuffix(strings.TrimPrefix(p, "plugin/"), ".lua")
		it, ok := items[rel]
		switch {
		case !ok:
			t.Errorf("%s is missing from the model (as %s)", p, rel)
		case d.IsDir() && it.Class != "Folder":
			t.Errorf("%s is a %s, want a Folder", rel, it.Class)
		case !d.IsDir():
			src, _ := fs.ReadFile(PluginFS(), p)
			if it.Class != "ModuleScript" || it.Props.Protected[0].Value != string(src) {
				t.Errorf("%s: a %s, or its Source differs from %s", rel, it.Class, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"App", "Client", "Json", "Settings", "Model/Entry", "Ui/Window"} {
		if _, ok := items[PluginName+"/"+want]; !ok {
			t.Errorf("no %s in the model", want)
		}
	}
}

// The plugin shows the emulator's data only: no file of it asks Studio for
// the real DataStoreService (the harness tests check the calls too).
func TestPluginNeverAsksForTheRealService(t *testing.T) {
	service := regexp.MustCompile(`GetService\s*\(\s*["']DataStoreService["']\s*\)|DataStoreService\s*[:.]`)
	for _, name := range PluginFiles() {
		b, _ := fs.ReadFile(PluginFS(), name)
		for i, line := range strings.Split(string(b), "\n") {
			code := line
			if j := strings.Index(code, "--"); j >= 0 {
				code = code[:j]
			}
			if service.MatchString(code) {
				t.Errorf("%s:%d reaches for the real DataStoreService: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
}

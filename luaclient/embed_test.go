package luaclient

import (
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every shim file on disk is embedded, byte for byte.
func TestFilesMatchTheDisk(t *testing.T) {
	embedded := map[string]bool{}
	for _, f := range Files() {
		embedded[f] = true
	}
	for _, dir := range []string{"src", "lune"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := filepath.ToSlash(p)
			if !embedded[name] {
				t.Errorf("%s is not embedded", name)
			}
			disk, _ := os.ReadFile(p)
			if got, _ := ReadFile(name); string(got) != string(disk) {
				t.Errorf("%s differs from the disk", name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"default.project.json", "wally.toml", "src/init.lua", "lune/run.lua"} {
		if !embedded[want] {
			t.Errorf("%s is not embedded", want)
		}
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	written, err := Export(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != len(Files()) {
		t.Fatalf("wrote %d files, have %d", len(written), len(Files()))
	}
	b, err := os.ReadFile(filepath.Join(dir, "src", "init.lua"))
	want, _ := ReadFile("src/init.lua")
	if err != nil || string(b) != string(want) {
		t.Fatalf("src/init.lua not written as embedded (%v)", err)
	}
}

type xmlItem struct {
	Class    string    `xml:"class,attr"`
	Referent string    `xml:"referent,attr"`
	Props    xmlProps  `xml:"Properties"`
	Items    []xmlItem `xml:"Item"`
}

type xmlProps struct {
	Strings   []xmlProp `xml:"string"`
	Protected []xmlProp `xml:"ProtectedString"`
}

type xmlProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

func TestRBXMX(t *testing.T) {
	b, err := RBXMX()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name  `xml:"roblox"`
		Version string    `xml:"version,attr"`
		Items   []xmlItem `xml:"Item"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.Version != "4" || len(doc.Items) != 1 {
		t.Fatalf("version %q, %d top items", doc.Version, len(doc.Items))
	}
	root := doc.Items[0]
	if root.Class != "ModuleScript" || root.Props.Strings[0].Value != ProjectName {
		t.Fatalf("root is a %s named %q", root.Class, root.Props.Strings[0].Value)
	}
	init, _ := ReadFile("src/init.lua")
	if root.Props.Protected[0].Name != "Source" || root.Props.Protected[0].Value != string(init) {
		t.Fatal("the root's Source is not src/init.lua")
	}
	seen := map[string]bool{root.Referent: true}
	children := map[string]bool{}
	for _, it := range root.Items {
		if seen[it.Referent] {
			t.Errorf("referent %s used twice", it.Referent)
		}
		seen[it.Referent] = true
		name := it.Props.Strings[0].Value
		children[name] = true
		src, err := ReadFile("src/" + name + ".lua")
		if err != nil {
			t.Errorf("item %s has no file", name)
			continue
		}
		if it.Class != "ModuleScript" || it.Props.Protected[0].Value != string(src) {
			t.Errorf("item %s: class %s or Source differs", name, it.Class)
		}
	}
	entries, _ := fs.ReadDir(FS(), "src")
	for _, e := range entries {
		if name := strings.TrimSuffix(e.Name(), ".lua"); name != "init" && !children[name] {
			t.Errorf("src/%s is missing from the model", e.Name())
		}
	}
}

func TestCDATASplitsItsTerminator(t *testing.T) {
	src := "local s = [[a]]>b]]"
	var v struct {
		S string `xml:",chardata"`
	}
	if err := xml.Unmarshal([]byte("<x>"+cdata(src)+"</x>"), &v); err != nil || v.S != src {
		t.Fatalf("got %q (%v), want %q", v.S, err, src)
	}
}

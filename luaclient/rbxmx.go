package luaclient

// A Roblox XML model (.rbxmx) of the shim: what a Studio user inserts with
// "Insert from File..." when they do not use Rojo. Each Instance is an
// <Item> with a unique referent; a script's Source is a ProtectedString in
// CDATA.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// RBXMX returns the shim as a Roblox XML model file: a ModuleScript named
// ProjectName with its modules as children.
func RBXMX() ([]byte, error) {
	root, err := Tree()
	if err != nil {
		return nil, err
	}
	return modelXML(root), nil
}

// modelXML writes a tree of Instances (scripts of any class, Folders) as a
// Roblox XML model file with root as its one top-level Item.
func modelXML(root *Module) []byte {
	var b bytes.Buffer
	b.WriteString(`<roblox xmlns:xmime="http://www.w3.org/2005/05/xmlmime" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.roblox.com/roblox.xsd" version="4">` + "\n")
	b.WriteString("\t<Meta name=\"ExplicitAutoJoints\">true</Meta>\n")
	n := 0
	writeItem(&b, root, 1, &n)
	b.WriteString("</roblox>\n")
	return b.Bytes()
}

// referent numbers Items in document order: "RBX" and 32 hex digits, the
// shape Studio writes.
func referent(n int) string { return fmt.Sprintf("RBX%032X", n) }

func writeItem(b *bytes.Buffer, m *Module, depth int, n *int) {
	indent := strings.Repeat("\t", depth)
	fmt.Fprintf(b, "%s<Item class=\"%s\" referent=\"%s\">\n", indent, m.Class, referent(*n))
	*n++
	fmt.Fprintf(b, "%s\t<Properties>\n", indent)
	fmt.Fprintf(b, "%s\t\t<string name=\"Name\">", indent)
	_ = xml.EscapeText(b, []byte(m.Name))
	b.WriteString("</string>\n")
	if m.Class != "Folder" {
		fmt.Fprintf(b, "%s\t\t<ProtectedString name=\"Source\">%s</ProtectedString>\n", indent, cdata(m.Source))
	}
	fmt.Fprintf(b, "%s\t</Properties>\n", indent)
	for _, c := range m.Children {
		writeItem(b, c, depth+1, n)
	}
	fmt.Fprintf(b, "%s</Item>\n", indent)
}

// cdata wraps s in CDATA sections, splitting any "]]>" inside it.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

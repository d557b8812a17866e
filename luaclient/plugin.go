package luaclient

// The Studio plugin (luaclient/plugin/, docs/plugin.md) travels in the
// binary too: `rbxemu plugin install` and `rbxemu plugin build` write it as
// a Roblox model file whose root is the plugin's Script, with its modules
// under it, which Studio loads from its plugins folder. Rojo users build the
// same tree from plugin.project.json:
//
//	rojo build luaclient/plugin.project.json --plugin RbxEmuPlugin.rbxmx

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed plugin.project.json plugin
var pluginFiles embed.FS

// PluginName is the name of the plugin's root Script (the "name" of
// plugin.project.json) and of its file in Studio's plugins folder.
const PluginName = "RbxEmuPlugin"

// PluginFS returns the plugin's embedded files, with slash-separated paths
// relative to luaclient/ (plugin/init.server.lua, plugin.project.json, ...).
func PluginFS() fs.FS { return pluginFiles }

// PluginFiles lists the plugin's embedded files, sorted.
func PluginFiles() []string {
	var out []string
	_ = fs.WalkDir(pluginFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	sort.Strings(out)
	return out
}

// PluginTree builds the plugin's Instance tree from plugin/ by Rojo's
// conventions (see Tree): init.server.lua makes the root a Script named
// PluginName; the other files are its ModuleScripts, in Folders (Model, Ui).
//
// The shim (Tree) is its child RbxEmu: the plugin's client is the shim's
// core (JSON, session, transports), as plugin.project.json lays it out.
func PluginTree() (*Module, error) {
	root, err := buildTree(pluginFiles, "plugin", PluginName)
	if err != nil {
		return nil, err
	}
	shim, err := Tree()
	if err != nil {
		return nil, err
	}
	root.Children = append(root.Children, shim)
	return root, nil
}

// PluginRBXMX returns the plugin as a Roblox XML model file (.rbxmx), what
// Studio loads from its plugins folder.
func PluginRBXMX() ([]byte, error) {
	root, err := PluginTree()
	if err != nil {
		return nil, err
	}
	return modelXML(root), nil
}

package harness_test

// The few Roblox texts the shim raises by itself (luaclient/src/Errors.lua)
// must be the daemon's, as testdata/errors.json lists them.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestShimErrorTextsMatchTheCatalogue(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(luaclientDir(t), "..", "testdata", "errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Errors []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, e := range file.Errors {
		texts[e.ID] = e.Text
	}
	env := newEnv(t, nil, envOpt{})
	runLua(t, env, "errors", `
		__harness.errorsModule = require(game:GetService("ReplicatedStorage").RbxEmu.Errors)
	`)
	mod := env.L.GetGlobal("__harness").(*lua.LTable).RawGetString("errorsModule").(*lua.LTable)
	pairs := map[string]string{
		"ARGUMENT_MISSING":      "ArgumentMissing",
		"KEY_EMPTY":             "KeyNameEmpty",
		"KEY_TOO_LONG":          "KeyNameLimit",
		"VALUE_TOO_LARGE":       "ValueTooLarge",
		"METADATA_TOO_LARGE":    "AttributeSizeTooLarge",
		"USER_IDS_TOO_MANY":     "UserIdLimitExceeded",
		"CANT_STORE":            "CantStoreValue",
		"NO_PAGES":              "NoPagesToAdvance",
		"USER_ID_FORMAT":        "AttributeFormatError",
		"METADATA_FORMAT":       "AttributeFormatErrorMetadata",
		"STORE_NAME_EMPTY":      "StoreNameEmpty",
		"STORE_NAME_TOO_LONG":   "StoreNameTooLong",
		"SCOPE_EMPTY":           "ScopeEmpty",
		"SCOPE_TOO_LONG":        "ScopeTooLong",
		"ALL_SCOPES_WITH_SCOPE": "AllScopesWithScope",
	}
	for constant, id := range pairs {
		want, ok := texts[id]
		if !ok {
			t.Errorf("testdata/errors.json has no %s", id)
			continue
		}
		if got := mod.RawGetString(constant).String(); got != want {
			t.Errorf("Errors.%s = %q, the catalogue's %s is %q", constant, got, id, want)
		}
	}
}

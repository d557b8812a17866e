package engine

// Regression tests for what the fuzz targets found (issue 9).

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// Only JSON's own white space may surround a value: bytes.TrimSpace also
// dropped \v, \f and Unicode spaces, so "\v0" (not JSON) was stored as 0.
func TestOnlyJSONWhiteSpaceAroundValues(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, raw := range []string{"\v0", "0\f", "\u00a0{}", "\u0085[1]", "\u2028\"x\""} {
		if _, err := e.Set(testRef, "k", json.RawMessage(raw), WriteOptions{}); !errors.Is(err, dserr.New(dserr.CantStoreValue, "")) {
			t.Errorf("SetAsync(%q): %v, want 104", raw, err)
		}
	}
	if _, err := e.Set(testRef, "k", json.RawMessage(" \t\r\n0 \n"), WriteOptions{}); err != nil {
		t.Errorf("JSON white space: %v", err)
	}
	if _, err := e.Set(testRef, "k", json.RawMessage("1"), WriteOptions{Metadata: json.RawMessage("\v{}")}); !errors.Is(err, dserr.New(dserr.AttributeFormatErrorMetadata)) {
		t.Errorf("metadata \\v{}: %v", err)
	}
	if _, err := e.Set(testRef, "k", json.RawMessage("1"), WriteOptions{UserIDs: json.RawMessage("\v[1]")}); !errors.Is(err, dserr.New(dserr.AttributeFormatErrorUserID)) {
		t.Errorf("userIds \\v[1]: %v", err)
	}
	if got, _ := e.Get(testRef, "k"); got == nil || string(got.Value) != "0" {
		t.Errorf("the refused writes changed the key: %+v", got)
	}
}

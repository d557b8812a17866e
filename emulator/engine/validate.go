package engine

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// Limits of reference §2 and design decision 2. All sizes are bytes.
const (
	MaxNameBytes     = 50        // data store names, scopes and keys
	MaxValueBytes    = 4_194_304 // compact JSON of a value, inclusive
	MaxMetadataBytes = 300       // compact JSON of the metadata object, inclusive
	MaxUserIDs       = 4
	// maxExactInteger bounds integers that a Luau number (a double) holds
	// exactly: increments and user ids beyond it would silently lose digits.
	maxExactInteger = 1 << 53
)

func checkStoreName(name string) error {
	switch {
	case name == "":
		return dserr.New(dserr.StoreNameEmpty)
	case len(name) > MaxNameBytes:
		return dserr.New(dserr.StoreNameTooLong)
	}
	return nil
}

func checkScope(scope string) error {
	switch {
	case scope == "":
		return dserr.New(dserr.ScopeEmpty)
	case len(scope) > MaxNameBytes:
		return dserr.New(dserr.ScopeTooLong)
	}
	return nil
}

func checkKey(key string) error {
	switch {
	case key == "":
		return dserr.New(dserr.KeyNameEmpty)
	case len(key) > MaxNameBytes:
		return dserr.New(dserr.KeyNameLimit)
	}
	return nil
}

// jsonKind names a JSON value's type as Roblox names the Luau type that
// produced it: the word that 103 and 104 put into their messages.
func jsonKind(v []byte) string {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return "nil"
	}
	switch v[0] {
	case '{':
		return "Dictionary"
	case '[':
		return "Array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "nil"
	default:
		return "double"
	}
}

// trimJSONSpace drops the white space JSON allows around a value: space,
// tab, CR and LF. (bytes.TrimSpace also drops \v, \f and Unicode spaces,
// which would let "\v0", not JSON, be stored as 0.)
func trimJSONSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// compactValue checks that raw is one storable JSON value and returns its
// compact encoding (no insignificant space, no HTML escaping): the bytes
// that are stored and whose length is measured against MaxValueBytes.
// argPos is the argument position reported when the value is missing.
func compactValue(raw json.RawMessage, argPos int) ([]byte, error) {
	trimmed := trimJSONSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, dserr.New(dserr.ArgumentMissing, argPos)
	}
	if !json.Valid(trimmed) {
		// Only a door that lets malformed JSON through reaches this; report
		// it as the engine reports any value it cannot serialize.
		return nil, dserr.New(dserr.CantStoreValue, jsonKind(trimmed))
	}
	if !validUTF8JSON(trimmed) {
		return nil, dserr.New(dserr.CantStoreValue, jsonKind(trimmed))
	}
	var buf bytes.Buffer
	buf.Grow(len(trimmed))
	if err := json.Compact(&buf, trimmed); err != nil {
		return nil, dserr.New(dserr.CantStoreValue, jsonKind(trimmed))
	}
	if buf.Len() > MaxValueBytes {
		return nil, dserr.New(dserr.ValueTooLarge)
	}
	return buf.Bytes(), nil
}

// validUTF8JSON reports whether every string in the (syntactically valid)
// JSON text is valid UTF-8: raw bytes and \u escapes alike, so a lone
// surrogate escape is refused as Roblox refuses the string it stands for.
func validUTF8JSON(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	if bytes.IndexByte(b, '\\') < 0 {
		return true
	}
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(b) {
				return false
			}
			if b[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(b, i+2)
			if !ok {
				return false
			}
			i += 5
			switch {
			case r >= 0xD800 && r < 0xDC00: // high surrogate: a low one must follow
				if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
					return false
				}
				lo, ok := hex4(b, i+3)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return false
				}
				i += 6
			case r >= 0xDC00 && r <= 0xDFFF:
				return false
			}
		}
	}
	return true
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(v), err == nil
}

// compactMetadata checks user metadata: absent or null means none; anything
// but a JSON object is 513; its compact JSON may be at most 300 bytes (511).
func compactMetadata(raw json.RawMessage) ([]byte, error) {
	trimmed := trimJSONSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) || !validUTF8JSON(trimmed) {
		return nil, dserr.New(dserr.AttributeFormatErrorMetadata)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, trimmed); err != nil {
		return nil, dserr.New(dserr.AttributeFormatErrorMetadata)
	}
	if buf.Len() > MaxMetadataBytes {
		return nil, dserr.New(dserr.AttributeSizeTooLarge)
	}
	if buf.Len() == 2 { // {}
		return nil, nil
	}
	return buf.Bytes(), nil
}

// parseUserIDs checks a user id list: absent or null means none; more than
// four is 512; anything but an array of integers is 513.
func parseUserIDs(raw json.RawMessage) ([]int64, error) {
	trimmed := trimJSONSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	var items []json.RawMessage
	if trimmed[0] != '[' || json.Unmarshal(trimmed, &items) != nil {
		return nil, dserr.New(dserr.AttributeFormatErrorUserID)
	}
	if len(items) > MaxUserIDs {
		return nil, dserr.New(dserr.UserIdLimitExceeded)
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		n, ok := parseInteger(it)
		if !ok {
			return nil, dserr.New(dserr.AttributeFormatErrorUserID)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

// parseInteger reads a JSON number that holds an integer a Luau number can
// represent exactly (1, 1.0, 1e3 are integers; 1.5 is not).
func parseInteger(raw []byte) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, n >= -maxExactInteger && n <= maxExactInteger
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) || math.Abs(f) > maxExactInteger {
		return 0, false
	}
	return int64(f), true
}

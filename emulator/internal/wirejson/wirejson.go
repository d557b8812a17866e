// Package wirejson holds the small JSON pieces of the daemon's hot path: a
// validating scanner that finds where a value ends, and append-style
// writers. They are shortcuts, each with encoding/json behind it: a scanner
// function reports -1 for anything it is not sure of (the caller then hands
// the input to encoding/json, which decides, with its own error messages),
// and AppendString leaves any string that needs escaping to encoding/json.
// So they are never more permissive than encoding/json, and what they write
// is byte for byte what encoding/json (without HTML escaping) writes.
package wirejson

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// MaxDepth is how deeply ValueEnd follows nested objects and arrays; deeper
// input is left to encoding/json, which has its own limit and error.
const MaxDepth = 200

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space (space, tab, CR, LF).
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// PlainStringEnd returns the index just past the JSON string starting at
// b[i] (a quote), or -1 when it holds an escape or a control character, or
// does not end: a plain string's bytes are its value.
func PlainStringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// StringEnd returns the index just past the JSON string starting at b[i],
// escapes included, or -1 when it is not a valid JSON string. (Like
// encoding/json's scanner, it does not judge UTF-8.)
func StringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return -1
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// delimits reports whether c may follow a number or a literal: white space
// or the punctuation that ends a member or an element.
func delimits(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// NumberEnd returns the index just past the JSON number starting at b[i],
// or -1 when there is none or something other than white space or , } ]
// follows it ("01" and "1x" are not numbers).
func NumberEnd(b []byte, i int) int {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return -1
	}
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	if j < len(b) && !delimits(b[j]) {
		return -1
	}
	return j
}

// literalEnd returns the index just past lit at b[i], or -1.
func literalEnd(b []byte, i int, lit string) int {
	j := i + len(lit)
	if j > len(b) || string(b[i:j]) != lit {
		return -1
	}
	if j < len(b) && !delimits(b[j]) {
		return -1
	}
	return j
}

// ValueEnd returns the index just past the JSON value starting at b[i], or
// -1 when it is not valid JSON or nests deeper than MaxDepth.
func ValueEnd(b []byte, i int) int { return valueEnd(b, i, 0, false) }

// IsCompact reports whether b is one valid JSON value in compact form (no
// white space outside strings, none around it): what encoding/json writes
// for a json.RawMessage without changing it. False may also mean "not
// sure" (nesting deeper than MaxDepth).
func IsCompact(b []byte) bool { return valueEnd(b, 0, 0, true) == len(b) }

// skip skips white space, or none at all in compact mode (where white
// space then fails the check that follows).
func skip(b []byte, i int, compact bool) int {
	if compact {
		return i
	}
	return SkipSpace(b, i)
}

func valueEnd(b []byte, i, depth int, compact bool) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return StringEnd(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return NumberEnd(b, i)
	case c == 't':
		return literalEnd(b, i, "true")
	case c == 'f':
		return literalEnd(b, i, "false")
	case c == 'n':
		return literalEnd(b, i, "null")
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return -1
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		j := skip(b, i+1, compact)
		if j < len(b) && b[j] == closing {
			return j + 1
		}
		for {
			if c == '{' {
				if j = StringEnd(b, j); j < 0 {
					return -1
				}
				j = skip(b, j, compact)
				if j >= len(b) || b[j] != ':' {
					return -1
				}
				j = skip(b, j+1, compact)
			}
			if j = valueEnd(b, j, depth+1, compact); j < 0 {
				return -1
			}
			j = skip(b, j, compact)
			if j >= len(b) {
				return -1
			}
			if b[j] == closing {
				return j + 1
			}
			if b[j] != ',' {
				return -1
			}
			j = skip(b, j+1, compact)
		}
	}
	return -1
}

// AppendString appends s as encoding/json without HTML escaping writes a
// string. Printable ASCII without quotes or backslashes is copied as it
// is; a string with anything else is encoded by encoding/json.
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return appendEncoded(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendEncoded appends v as encoding/json without HTML escaping writes it.
func appendEncoded(dst []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// AppendRaw appends a json.RawMessage as encoding/json writes it: nil as
// null, a compact valid value as it is, anything else through json.Compact
// (which fails on invalid JSON, as encoding/json does).
func AppendRaw(dst []byte, raw []byte) ([]byte, error) {
	if raw == nil {
		return append(dst, "null"...), nil
	}
	if IsCompact(raw) {
		return append(dst, raw...), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return dst, &json.MarshalerError{Type: reflect.TypeFor[json.RawMessage](), Err: err}
	}
	return append(dst, buf.Bytes()...), nil
}

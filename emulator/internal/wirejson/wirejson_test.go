package wirejson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var valueCases = []string{
	`1`, `-0`, `-1.5e+10`, `0.1`, `1E5`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x1`,
	`"a"`, `"a\"b\\c\/d\b\f\n\r\t\u00e9"`, `"\u12"`, `"\x"`, "\"\x01\"", "\"\x7f\xff\"", `"`, `"\`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `True`,
	`{}`, `[]`, `{ }`, `[ ]`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `[1,]`, `[,1]`, `[1 2]`,
	` {"a" : [ 1 , {"b":null} , "c" ] } `, `{"a":[1,2]}x`, `[1]]`, `{"a":{"b":[]}}`,
	strings.Repeat("[", 199) + strings.Repeat("]", 199),
	strings.Repeat("[", 201) + strings.Repeat("]", 201),
}

// check holds the scanner to encoding/json: never more permissive, and
// IsCompact only for what json.Compact leaves unchanged.
func check(t *testing.T, b []byte) {
	t.Helper()
	i := SkipSpace(b, 0)
	if end := ValueEnd(b, i); end >= 0 {
		if !json.Valid(b[i:end]) {
			t.Fatalf("%q: ValueEnd accepts %q, which encoding/json refuses", b, b[i:end])
		}
		if j := SkipSpace(b, end); j == len(b) && !json.Valid(b) {
			t.Fatalf("%q: accepted whole but not valid", b)
		}
	}
	if IsCompact(b) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil || !bytes.Equal(buf.Bytes(), b) {
			t.Fatalf("%q: IsCompact, but json.Compact gives %q, %v", b, buf.Bytes(), err)
		}
	}
	got, err := AppendRaw(nil, b)
	var buf bytes.Buffer
	werr := json.Compact(&buf, b)
	if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(got, buf.Bytes())) {
		t.Fatalf("%q: AppendRaw %q %v, json.Compact %q %v", b, got, err, buf.Bytes(), werr)
	}
}

func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	accepted := 0
	for _, c := range valueCases {
		check(t, []byte(c))
		if ValueEnd([]byte(c), SkipSpace([]byte(c), 0)) >= 0 {
			accepted++
		}
	}
	if accepted < 20 {
		t.Errorf("only %d values accepted", accepted)
	}
	if string(must(AppendRaw(nil, nil))) != "null" {
		t.Error("nil raw is not null")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzScanner(f *testing.F) {
	for _, c := range valueCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { check(t, b) })
}

func TestAppendStringAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain ASCII 123", `q"uote`, `back\slash`, "tab\t", "\x00\x1f\x7f", "<&>", "é😀", "\u2028\u2029", "\xff\xfe", "a\xffb"} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got, want := string(AppendString([]byte("x"), s)), "x"+strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

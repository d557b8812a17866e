package dserr

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/errors.json from the catalogue")

// errorsFile is the copy of the catalogue that the Lua tests and other
// languages read (design decision 1: one table in code, one in testdata).
const errorsFile = "../../testdata/errors.json"

// errorRow is one catalogue row as testdata/errors.json holds it.
type errorRow struct {
	ID      string `json:"id"`
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Text is the row formatted as Roblox raises it: message verbs are
	// left in place, Named rows carry "<Method>" and "<store>".
	Text string `json:"text"`
	When string `json:"when"`
}

type errorsDoc struct {
	Comment string     `json:"comment"`
	Errors  []errorRow `json:"errors"`
}

// renderCatalogue is the exact content of testdata/errors.json: catalogue
// order, two-space indent, no HTML escaping, a final newline.
func renderCatalogue() ([]byte, error) {
	doc := errorsDoc{Comment: "Generated from emulator/dserr/catalog.go by `go test ./emulator/dserr -run TestErrorsFile -update`. Do not edit."}
	for _, e := range Catalogue {
		doc.Errors = append(doc.Errors, errorRow{ID: e.ID, Code: e.Code, Name: e.Name, Kind: e.Kind.String(), Message: e.Message, Text: e.Text(), When: e.When})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func TestErrorsFile(t *testing.T) {
	want, err := renderCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(errorsFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(errorsFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./emulator/dserr -run TestErrorsFile -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the catalogue at line %d:\n  file:      %s\n  catalogue: %s\nrun: go test ./emulator/dserr -run TestErrorsFile -update", errorsFile, i+1, g, w)
			}
		}
	}
}

// TestErrorsFileRows reads the file back as another language would and
// checks a few rows field by field.
func TestErrorsFileRows(t *testing.T) {
	b, err := renderCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var doc errorsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors) != len(Catalogue) {
		t.Fatalf("%d rows, catalogue has %d", len(doc.Errors), len(Catalogue))
	}
	byRow := map[string]errorRow{}
	for _, r := range doc.Errors {
		byRow[r.ID] = r
	}
	for _, want := range []errorRow{
		{ID: "KeyNameEmpty", Code: 101, Name: "KeyNameEmpty", Kind: "numbered", Message: "Key name can't be empty.", Text: "101: Key name can't be empty.", When: `the key is ""`},
		{ID: "CantStoreValue", Code: 104, Name: "CantStoreValue", Kind: "numbered", Message: "Cannot store %s in data store. Data stores can only accept valid UTF-8 characters.", Text: "104: Cannot store %s in data store. Data stores can only accept valid UTF-8 characters.", When: "a value does not serialize; a bad value inside a table names the container (Array or Dictionary)"},
		{ID: "AttributeFormatErrorMetadata", Code: 513, Name: "AttributeFormatError", Kind: "numbered", Message: "Attribute metadata format is invalid.", Text: "513: Attribute metadata format is invalid.", When: "metadata is not a table"},
		{ID: "KeyThrottled", Code: 0, Name: "KeyThrottled", Kind: "named", Message: "The request rate exceeds the allowed maximum for the key.", Text: "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: <Method>, Data Store: <store>", When: "per-key throughput exceeded (25 MB read, 4 MB write per 60 s)"},
		{ID: "NoPagesToAdvance", Code: 0, Name: "N/A", Kind: "plain", Message: "No pages to advance to.", Text: "No pages to advance to.", When: "AdvanceToNextPageAsync on the last page"},
	} {
		if got := byRow[want.ID]; got != want {
			t.Errorf("row %s:\n got  %+v\n want %+v", want.ID, got, want)
		}
	}
	if doc.Errors[0].ID != KeyNameEmpty || doc.Errors[len(doc.Errors)-1].ID != Catalogue[len(Catalogue)-1].ID {
		t.Errorf("rows are not in catalogue order: first %s, last %s", doc.Errors[0].ID, doc.Errors[len(doc.Errors)-1].ID)
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		name string
		err  *Error
		code int
		kind Kind
		text string
	}{
		{"numbered", New(KeyNameEmpty), 101, Numbered, "101: Key name can't be empty."},
		{"numbered, message without a final period", New(UserIdLimitExceeded), 512, Numbered, "512: UserID size exceeds limit of 4"},
		{"numbered with an argument", New(CantStoreValue, "Array"), 104, Numbered, "104: Cannot store Array in data store. Data stores can only accept valid UTF-8 characters."},
		{"numbered with a shared name", New(AttributeFormatErrorUserID), 513, Numbered, "513: Attribute userId format is invalid"},
		{"numbered ignores context", New(ValueTooLarge).WithContext("SetAsync", "PlayerData"), 105, Numbered, "105: Serialized value exceeds 4MB limit."},
		{"named", New(KeyThrottled).WithContext("SetAsync", "PlayerData"), 0, Named, "DataStoreService: KeyThrottled: The request rate exceeds the allowed maximum for the key. API: SetAsync, Data Store: PlayerData"},
		{"named, generated row", New("StandardWriteGameServerThrottled").WithContext("IncrementAsync", "Coins"), 0, Named, "DataStoreService: StandardWriteGameServerThrottled: StandardWrite request was throttled by game server limits or the request queue was full. API: IncrementAsync, Data Store: Coins"},
		{"named, backquotes kept", New(DatastoreThrottled).WithContext("GetAsync", "S"), 0, Named, "DataStoreService: DatastoreThrottled: The request rate exceeds the allowed maximum for the `datastore`. API: GetAsync, Data Store: S"},
		{"plain", New(StoreNameEmpty), 0, Plain, "DataStore name can't be empty string"},
		{"plain ignores context", New(AllScopesKeyInvalid).WithContext("GetAsync", "S"), 0, Plain, "The provided object key is invalid."},
		{"plain with an argument", New(ArgumentMissing, 2), 0, Plain, "Argument 2 missing or nil"},
		{"protocol", New(ProtocolUnknownOp, "Foo"), 0, Plain, `rbxemu: unknown op "Foo"`},
		{"protocol with three arguments", New(ProtocolWrongType, "GetAsync", "key", "a string"), 0, Plain, `rbxemu: GetAsync: field "key" must be a string`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.err.Error(); got != c.text {
				t.Errorf("Error() = %q, want %q", got, c.text)
			}
			if c.err.Code != c.code || c.err.Kind != c.kind {
				t.Errorf("code %d kind %v, want %d %v", c.err.Code, c.err.Kind, c.code, c.kind)
			}
		})
	}
}

func TestNewFillsTheRow(t *testing.T) {
	e := New(AttributeFormatErrorMetadata)
	want := Error{Code: 513, ID: "AttributeFormatErrorMetadata", Name: "AttributeFormatError", Kind: Numbered, Message: "Attribute metadata format is invalid."}
	if *e != want {
		t.Errorf("New = %+v, want %+v", *e, want)
	}
	// A row with no Name of its own is named by its ID.
	if e := New(KeyNameLimit); e.Name != "KeyNameLimit" {
		t.Errorf("KeyNameLimit name %q", e.Name)
	}
	// Without arguments a template is kept as written, verbs and all (no
	// "%!s(MISSING)").
	if e := New(CantStoreValue); e.Message != "Cannot store %s in data store. Data stores can only accept valid UTF-8 characters." {
		t.Errorf("CantStoreValue without arguments: %q", e.Message)
	}
}

func TestNewUnknownIDPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != "dserr: unknown error id NoSuchError" {
			t.Errorf("recover() = %v", r)
		}
	}()
	New("NoSuchError")
}

func TestErrorsIsByID(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same id", New(KeyNameEmpty), New(KeyNameEmpty), true},
		{"same id, different arguments", New(CantStoreValue, "Array"), New(CantStoreValue, "string"), true},
		{"same id, different context", New(KeyThrottled).WithContext("GetAsync", "A"), New(KeyThrottled), true},
		{"wrapped", fmt.Errorf("set: %w", New(ValueTooLarge)), New(ValueTooLarge), true},
		{"joined", errors.Join(errors.New("x"), New(ValueTooLarge)), New(ValueTooLarge), true},
		{"same code, different id", New(MaxValueInvalid), New(MinValueInvalid), false},
		{"same name, different id", New(AttributeFormatErrorUserID), New(AttributeFormatErrorMetadata), false},
		{"different id", New(KeyNameEmpty), New(KeyNameLimit), false},
		{"not a catalogue error", New(KeyNameEmpty), errors.New("101: Key name can't be empty."), false},
		{"wrapped target", New(KeyNameEmpty), fmt.Errorf("x: %w", New(KeyNameEmpty)), true},
	} {
		if got := errors.Is(c.err, c.target); got != c.want {
			t.Errorf("%s: errors.Is = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWithContext(t *testing.T) {
	orig := New(KeyThrottled)
	c := orig.WithContext("SetAsync", "PlayerData")
	if orig.API != "" || orig.Store != "" {
		t.Errorf("WithContext changed the original: %+v", orig)
	}
	if c == orig || c.API != "SetAsync" || c.Store != "PlayerData" {
		t.Errorf("WithContext = %+v", c)
	}
	// Context already set by the engine wins over the door's.
	c2 := c.WithContext("GetAsync", "Other")
	if c2.API != "SetAsync" || c2.Store != "PlayerData" {
		t.Errorf("second WithContext replaced the context: %+v", c2)
	}
	// Each half is filled on its own.
	half := &Error{Code: 0, ID: KeyThrottled, Name: KeyThrottled, Kind: Named, Message: "m", Store: "Kept"}
	if got := half.WithContext("GetAsync", "Other").Error(); got != "DataStoreService: KeyThrottled: m API: GetAsync, Data Store: Kept" {
		t.Errorf("half context: %q", got)
	}
}

func TestAs(t *testing.T) {
	e, ok := As(fmt.Errorf("wrap: %w", New(KeyNameLimit)))
	if !ok || e.ID != KeyNameLimit || e.Error() != "102: Key name exceeds the 50 character limit." {
		t.Errorf("As = %+v, %v", e, ok)
	}
	if e, ok := As(errors.New("plain")); ok || e != nil {
		t.Errorf("As(plain) = %+v, %v", e, ok)
	}
	if e, ok := As(nil); ok || e != nil {
		t.Errorf("As(nil) = %+v, %v", e, ok)
	}
}

func TestLookup(t *testing.T) {
	if e, ok := Lookup(InvalidTimestamp); !ok || e.Kind != Named || e.Message != "Timestamp must be positive and not more than ten minutes in the future." {
		t.Errorf("Lookup(InvalidTimestamp) = %+v, %v", e, ok)
	}
	if _, ok := Lookup("NoSuchError"); ok {
		t.Error("Lookup of an unknown id succeeded")
	}
	for _, c := range []struct {
		code int
		id   string
	}{
		{101, KeyNameEmpty},
		{106, MaxValueInvalid}, // the first of four rows with code 106
		{304, UpdateAsyncThrottle},
		{513, AttributeFormatErrorUserID},
		{517, UserIdsNotAllowed},
		{0, ""},
		{108, ""},
		{-1, ""},
	} {
		e, ok := LookupCode(c.code)
		if ok != (c.id != "") || e.ID != c.id {
			t.Errorf("LookupCode(%d) = %q, %v; want %q", c.code, e.ID, ok, c.id)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Numbered: "numbered", Named: "named", Plain: "plain"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestCatalogueRows checks the rules every row keeps.
func TestCatalogueRows(t *testing.T) {
	for _, e := range Catalogue {
		switch {
		case e.ID == "" || e.Name == "" || e.Message == "" || e.When == "":
			t.Errorf("row %q has an empty field: %+v", e.ID, e)
		case e.Kind == Numbered && (e.Code < 100 || e.Code > 599):
			t.Errorf("numbered row %s has code %d", e.ID, e.Code)
		case e.Kind != Numbered && e.Code != 0:
			t.Errorf("%s row %s has code %d", e.Kind, e.ID, e.Code)
		case e.Kind == Numbered && e.Text() != strconv.Itoa(e.Code)+": "+e.Message:
			t.Errorf("row %s text %q", e.ID, e.Text())
		case strings.TrimSpace(e.Message) != e.Message:
			t.Errorf("row %s message has outer space: %q", e.ID, e.Message)
		}
	}
}

// TestEveryIDHasARow parses catalog.go: every string constant it declares
// must be a catalogue ID, so that New never panics on a declared name.
func TestEveryIDHasARow(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "catalog.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				id, _ := strconv.Unquote(lit.Value)
				n++
				if _, ok := Lookup(id); !ok {
					t.Errorf("constant %s = %q has no catalogue row", vs.Names[i].Name, id)
				}
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d id constants; is the parse right?", n)
	}
}

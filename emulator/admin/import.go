package admin

// Import of an export document or of MockDataStoreService's ExportToJSON
// output, in two streaming passes over the same bytes: the first validates
// every store, key, value and version with the engine's rules and writes
// nothing; only when all of it is valid does the second pass write it. So
// an invalid entry is reported with its path and nothing of the import is
// applied. (A storage failure during the second pass, such as a full disk,
// can still leave part of it written: the writes go in chunks of one
// transaction each.)

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/rbxemu/rbxemu/emulator/engine"
)

// ImportOptions choose how Import applies a document.
type ImportOptions struct {
	// Replace empties the store before writing (with Universe, that
	// universe only). Without it the document is merged: each of its keys
	// replaces the key of the same name, history included; other keys stay.
	Replace bool
	// Universe is the universe a MockDataStoreService document goes to
	// (default 1: it has no universes). For an rbxemu document it selects
	// the one universe to import (0: all of them).
	Universe int64
	// Progress, when set, is called every ProgressEvery keys and entries of
	// each pass, and at the end of each.
	Progress func(ImportProgress)
}

// ImportProgress says how far an import is.
type ImportProgress struct {
	Pass  int   `json:"pass"` // 1: validating, 2: writing
	Keys  int   `json:"keys"` // keys and ordered entries so far in this pass
	Bytes int64 `json:"bytes"`
}

// ImportStats says what an import wrote.
type ImportStats struct {
	Format string `json:"format"` // "rbxemu" or "mockdatastoreservice"
	engine.LoadStats
}

// Source opens the document; Import opens it twice (once per pass).
type Source func() (io.ReadCloser, error)

// ImportError is an invalid entry: where it is in the document and what is
// wrong with it (a Roblox error for an invalid value, with its exact text).
type ImportError struct {
	// Path locates the entry: "universes[0].dataStores[1].scopes[0].keys[3]"
	// in an rbxemu document, `DataStore["PlayerData"]["global"]["Player_1"]`
	// in a MockDataStoreService one.
	Path string
	// Name is the entry's "store/scope/key" when known.
	Name string
	Err  error
}

func (e *ImportError) Error() string {
	where := e.Path
	if e.Name != "" {
		where += " (" + e.Name + ")"
	}
	if where == "" {
		return e.Err.Error()
	}
	return where + ": " + e.Err.Error()
}

func (e *ImportError) Unwrap() error { return e.Err }

// ImportFile imports the document in the file at path.
func ImportFile(e *engine.Engine, path string, opt ImportOptions) (ImportStats, error) {
	return Import(e, func() (io.ReadCloser, error) { return os.Open(path) }, opt)
}

// ImportBytes imports a document held in memory.
func ImportBytes(e *engine.Engine, doc []byte, opt ImportOptions) (ImportStats, error) {
	return Import(e, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(doc)), nil }, opt)
}

// Import validates the whole document, then (only if all of it is valid)
// writes it.
func Import(e *engine.Engine, open Source, opt ImportOptions) (ImportStats, error) {
	if opt.Universe < 0 {
		return ImportStats{}, fmt.Errorf("universe %d: a universe id is a positive integer", opt.Universe)
	}
	l := e.NewLoader()
	format, err := pass(open, opt, 1, checker{l})
	if err != nil {
		return ImportStats{Format: format}, err
	}
	if opt.Replace {
		var u *int64
		if opt.Universe != 0 {
			u = &opt.Universe
		}
		if err := e.Reset(u); err != nil {
			return ImportStats{Format: format}, err
		}
	}
	_, err = pass(open, opt, 2, putter{l})
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return ImportStats{Format: format, LoadStats: l.Stats()}, err
}

// sink receives what a pass decodes.
type sink interface {
	store(engine.StoreIn) error
	key(engine.KeyIn) error
	entry(engine.EntryIn) error
}

type checker struct{ l *engine.Loader }

func (c checker) store(s engine.StoreIn) error { return c.l.CheckStore(s) }
func (c checker) key(k engine.KeyIn) error     { return c.l.CheckKey(k) }
func (c checker) entry(e engine.EntryIn) error { return c.l.CheckEntry(e) }

type putter struct{ l *engine.Loader }

func (p putter) store(s engine.StoreIn) error { return p.l.PutStore(s) }
func (p putter) key(k engine.KeyIn) error     { return p.l.PutKey(k) }
func (p putter) entry(e engine.EntryIn) error { return p.l.PutEntry(e) }

// pass reads the document once, handing what it decodes to s. It returns
// the document's format.
func pass(open Source, opt ImportOptions, n int, s sink) (string, error) {
	rc, err := open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	p := &parser{dec: json.NewDecoder(cr), cr: cr, sink: s, opt: opt, pass: n}
	p.dec.DisallowUnknownFields()
	p.dec.UseNumber()
	err = p.document()
	if err == nil && opt.Progress != nil {
		opt.Progress(ImportProgress{Pass: n, Keys: p.items, Bytes: cr.n})
	}
	return p.format, err
}

// parser decodes one document token by token.
type parser struct {
	dec    *json.Decoder
	cr     *countingReader
	sink   sink
	opt    ImportOptions
	pass   int
	format string
	items  int
}

// syntax wraps a decoding error with where it happened.
func (p *parser) syntax(path string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the document ends early")
	}
	return &ImportError{Path: path, Err: fmt.Errorf("%w (at byte %d)", err, p.dec.InputOffset())}
}

func (p *parser) counted() {
	p.items++
	if p.opt.Progress != nil && p.items%ProgressEvery == 0 {
		p.opt.Progress(ImportProgress{Pass: p.pass, Keys: p.items, Bytes: p.cr.n})
	}
}

// document reads the top level and tells the two formats apart by their
// first member: "format", "version" or "universes" for rbxemu;
// "DataStore", "GlobalDataStore" or "OrderedDataStore" for
// MockDataStoreService (whose empty export is {} or, as Roblox's
// JSONEncode writes an empty table, []).
func (p *parser) document() error {
	t, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &ImportError{Err: errors.New("the document is empty")}
		}
		return &ImportError{Err: fmt.Errorf("the document is not JSON: %w", err)}
	}
	switch t {
	case json.Delim('['):
		if t, err := p.dec.Token(); err != nil || t != json.Delim(']') {
			return &ImportError{Err: errors.New("the document is an array: an rbxemu export or a MockDataStoreService export is an object")}
		}
		p.format = MockFormatName
		return p.trailing()
	case json.Delim('{'):
	default:
		return &ImportError{Err: errors.New("the document is not a JSON object: an rbxemu export or a MockDataStoreService export is one")}
	}
	seenVersion := false
	for p.dec.More() {
		name, err := p.memberName("")
		if err != nil {
			return err
		}
		switch name {
		case "format", "version", "universes":
			if p.format == MockFormatName {
				return &ImportError{Path: name, Err: errors.New("a MockDataStoreService export has no such section")}
			}
			p.format = FormatName
		case "DataStore", "GlobalDataStore", "OrderedDataStore":
			if p.format == FormatName {
				return &ImportError{Path: name, Err: errors.New("an rbxemu export has no such member")}
			}
			p.format = MockFormatName
		default:
			return &ImportError{Path: name, Err: errors.New(`unknown member: an rbxemu export has "format", "version" and "universes"; a MockDataStoreService export has "DataStore", "GlobalDataStore" and "OrderedDataStore"`)}
		}
		switch name {
		case "format":
			var f string
			if err := p.dec.Decode(&f); err != nil {
				return p.syntax(name, err)
			}
			if f != FormatName {
				return &ImportError{Path: name, Err: fmt.Errorf("format %q: this is rbxemu's importer (format %q)", f, FormatName)}
			}
		case "version":
			var v json.Number
			if err := p.dec.Decode(&v); err != nil {
				return p.syntax(name, err)
			}
			if v.String() != strconv.Itoa(FormatVersion) {
				return &ImportError{Path: name, Err: fmt.Errorf("version %s is not supported (this rbxemu reads version %d)", v, FormatVersion)}
			}
			seenVersion = true
		case "universes":
			if err := p.array(name, p.universe); err != nil {
				return err
			}
		case "GlobalDataStore":
			u := p.mockUniverse()
			if err := p.mockMap(name, func(path, key string) error {
				return p.mockValue(path, u, engine.GlobalStoreName, engine.GlobalStoreScope, key, false)
			}); err != nil {
				return err
			}
		case "DataStore", "OrderedDataStore":
			ordered := name == "OrderedDataStore"
			u := p.mockUniverse()
			err := p.mockMap(name, func(path, store string) error {
				return p.mockMap(path, func(path, scope string) error {
					return p.mockMap(path, func(path, key string) error {
						return p.mockValue(path, u, store, scope, key, ordered)
					})
				})
			})
			if err != nil {
				return err
			}
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.syntax("", err)
	}
	if p.format == FormatName && !seenVersion {
		return &ImportError{Err: fmt.Errorf(`an rbxemu export needs "version": %d`, FormatVersion)}
	}
	if p.format == "" {
		p.format = MockFormatName // {}: an empty MockDataStoreService export
	}
	return p.trailing()
}

// trailing checks that nothing but space follows the document.
func (p *parser) trailing() error {
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return &ImportError{Err: fmt.Errorf("more than one JSON value in the document (at byte %d)", p.dec.InputOffset())}
	}
	return nil
}

// memberName reads the name of the next member of an object.
func (p *parser) memberName(path string) (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", p.syntax(path, err)
	}
	s, ok := t.(string)
	if !ok {
		return "", p.syntax(path, fmt.Errorf("expected a member name, got %v", t))
	}
	return s, nil
}

func (p *parser) expect(path string, d json.Delim, what string) error {
	t, err := p.dec.Token()
	if err != nil {
		return p.syntax(path, err)
	}
	if t != d {
		return &ImportError{Path: path, Err: fmt.Errorf("must be %s", what)}
	}
	return nil
}

// array reads an array, calling item for each element with its path; the
// decoder is positioned at the element's first token.
func (p *parser) array(path string, item func(path string) error) error {
	if err := p.expect(path, '[', "an array"); err != nil {
		return err
	}
	for i := 0; p.dec.More(); i++ {
		if err := item(path + "[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	_, err := p.dec.Token()
	if err != nil {
		return p.syntax(path, err)
	}
	return nil
}

// object reads an object's members, calling member for each.
func (p *parser) object(path string, member func(path, name string) error) error {
	if err := p.expect(path, '{', "an object"); err != nil {
		return err
	}
	for p.dec.More() {
		name, err := p.memberName(path)
		if err != nil {
			return err
		}
		if err := member(path+"."+name, name); err != nil {
			return err
		}
	}
	_, err := p.dec.Token()
	if err != nil {
		return p.syntax(path, err)
	}
	return nil
}

// children is an array member that needs its parent's name (a store's
// scopes need the store's name): it is read at once when the name is
// known, and kept as raw JSON otherwise, to be read when the object ends.
type children struct {
	path string
	raw  json.RawMessage
	read func(p *parser, path string) error
}

// later reads the children kept back, each with a decoder of its own (byte
// offsets in its errors count from the start of the member).
func (p *parser) later(kept []children) error {
	for _, c := range kept {
		sub := &parser{dec: json.NewDecoder(bytes.NewReader(c.raw)), cr: p.cr, sink: p.sink, opt: p.opt, pass: p.pass, format: p.format, items: p.items}
		sub.dec.DisallowUnknownFields()
		sub.dec.UseNumber()
		if err := c.read(sub, c.path); err != nil {
			return err
		}
		p.items = sub.items
	}
	return nil
}

func (p *parser) int64At(path string) (*int64, error) {
	var n json.Number
	if err := p.dec.Decode(&n); err != nil {
		return nil, p.syntax(path, err)
	}
	v, err := n.Int64()
	if err != nil {
		return nil, &ImportError{Path: path, Err: fmt.Errorf("%s is not an integer", n)}
	}
	return &v, nil
}

func (p *parser) stringAt(path string) (string, error) {
	var s string
	if err := p.dec.Decode(&s); err != nil {
		return "", &ImportError{Path: path, Err: errors.New("must be a string")}
	}
	return s, nil
}

// universe reads {"universeId": n, "dataStores": [...], "orderedDataStores": [...]}.
func (p *parser) universe(path string) error {
	var u int64
	var kept []children
	err := p.object(path, func(mpath, name string) error {
		switch name {
		case "universeId":
			v, err := p.int64At(mpath)
			if err != nil {
				return err
			}
			if *v <= 0 {
				return &ImportError{Path: mpath, Err: fmt.Errorf("%d: a universe id is a positive integer", *v)}
			}
			u = *v
		case "dataStores", "orderedDataStores":
			ordered := name == "orderedDataStores"
			read := func(p *parser, path string) error {
				return p.array(path, func(path string) error { return p.store(path, u, ordered) })
			}
			if u == 0 {
				var raw json.RawMessage
				if err := p.dec.Decode(&raw); err != nil {
					return p.syntax(mpath, err)
				}
				kept = append(kept, children{path: mpath, raw: raw, read: read})
				return nil
			}
			return read(p, mpath)
		default:
			return &ImportError{Path: mpath, Err: errors.New(`unknown member (a universe has "universeId", "dataStores" and "orderedDataStores")`)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if u == 0 {
		return &ImportError{Path: path, Err: errors.New(`missing "universeId"`)}
	}
	return p.later(kept)
}

// selected reports whether universe u is imported.
func (p *parser) selected(u int64) bool { return p.opt.Universe == 0 || p.opt.Universe == u }

// store reads {"name", "createdTime", "updatedTime", "scopes": [...]}.
func (p *parser) store(path string, u int64, ordered bool) error {
	in := engine.StoreIn{Universe: u, Ordered: ordered}
	named := false
	var kept []children
	err := p.object(path, func(mpath, name string) error {
		var err error
		switch name {
		case "name":
			in.Name, err = p.stringAt(mpath)
			named = true
		case "createdTime":
			in.CreatedTime, err = p.int64At(mpath)
		case "updatedTime":
			in.UpdatedTime, err = p.int64At(mpath)
		case "scopes":
			read := func(p *parser, path string) error {
				return p.array(path, func(path string) error { return p.scope(path, u, in.Name, ordered) })
			}
			if !named {
				var raw json.RawMessage
				if err := p.dec.Decode(&raw); err != nil {
					return p.syntax(mpath, err)
				}
				kept = append(kept, children{path: mpath, raw: raw, read: read})
				return nil
			}
			return read(p, mpath)
		default:
			return &ImportError{Path: mpath, Err: errors.New(`unknown member (a data store has "name", "createdTime", "updatedTime" and "scopes")`)}
		}
		return err
	})
	if err != nil {
		return err
	}
	if !named {
		return &ImportError{Path: path, Err: errors.New(`missing "name"`)}
	}
	if err := p.later(kept); err != nil {
		return err
	}
	if !p.selected(u) {
		return nil
	}
	if err := p.sink.store(in); err != nil {
		return &ImportError{Path: path, Name: in.Name, Err: err}
	}
	return nil
}

// scope reads {"scope": s, "keys": [...]} (or "entries" in an ordered store).
func (p *parser) scope(path string, u int64, store string, ordered bool) error {
	items := "keys"
	if ordered {
		items = "entries"
	}
	scope := ""
	named := false
	var kept []children
	err := p.object(path, func(mpath, name string) error {
		switch name {
		case "scope":
			var err error
			scope, err = p.stringAt(mpath)
			named = true
			return err
		case items:
			read := func(p *parser, path string) error {
				return p.array(path, func(path string) error {
					if ordered {
						return p.entry(path, u, store, scope)
					}
					return p.key(path, u, store, scope)
				})
			}
			if !named {
				var raw json.RawMessage
				if err := p.dec.Decode(&raw); err != nil {
					return p.syntax(mpath, err)
				}
				kept = append(kept, children{path: mpath, raw: raw, read: read})
				return nil
			}
			return read(p, mpath)
		}
		return &ImportError{Path: mpath, Err: fmt.Errorf(`unknown member (a scope has "scope" and %q)`, items)}
	})
	if err != nil {
		return err
	}
	if !named {
		return &ImportError{Path: path, Err: errors.New(`missing "scope"`)}
	}
	return p.later(kept)
}

// keyDoc is a key as the document holds it (Key, with what may be absent).
type keyDoc struct {
	Key         *string         `json:"key"`
	Deleted     bool            `json:"deleted"`
	Value       json.RawMessage `json:"value"`
	Version     string          `json:"version"`
	CreatedTime *int64          `json:"createdTime"`
	UpdatedTime *int64          `json:"updatedTime"`
	UserIDs     json.RawMessage `json:"userIds"`
	Metadata    json.RawMessage `json:"metadata"`
	Versions    []versionDoc    `json:"versions"`
}

type versionDoc struct {
	Version        string          `json:"version"`
	CreatedTime    *int64          `json:"createdTime"`
	UpdatedTime    *int64          `json:"updatedTime"`
	SupersededTime *int64          `json:"supersededTime"`
	Deleted        bool            `json:"deleted"`
	Value          json.RawMessage `json:"value"`
	UserIDs        json.RawMessage `json:"userIds"`
	Metadata       json.RawMessage `json:"metadata"`
}

func (v versionDoc) in() engine.RecordIn {
	return engine.RecordIn{Version: v.Version, CreatedTime: v.CreatedTime, UpdatedTime: v.UpdatedTime, SupersededTime: v.SupersededTime,
		Deleted: v.Deleted, Value: v.Value, UserIDs: v.UserIDs, Metadata: v.Metadata}
}

func (p *parser) key(path string, u int64, store, scope string) error {
	var d keyDoc
	if err := p.dec.Decode(&d); err != nil {
		return p.syntax(path, err)
	}
	if d.Key == nil {
		return &ImportError{Path: path, Err: errors.New(`missing "key"`)}
	}
	p.counted()
	if !p.selected(u) {
		return nil
	}
	k := engine.KeyIn{Universe: u, Store: store, Scope: scope, Key: *d.Key,
		Head: versionDoc{Version: d.Version, CreatedTime: d.CreatedTime, UpdatedTime: d.UpdatedTime,
			Deleted: d.Deleted, Value: d.Value, UserIDs: d.UserIDs, Metadata: d.Metadata}.in()}
	for _, v := range d.Versions {
		k.History = append(k.History, v.in())
	}
	if err := p.sink.key(k); err != nil {
		return &ImportError{Path: path, Name: store + "/" + scope + "/" + *d.Key, Err: err}
	}
	return nil
}

type entryDoc struct {
	Key   *string         `json:"key"`
	Value json.RawMessage `json:"value"`
}

func (p *parser) entry(path string, u int64, store, scope string) error {
	var d entryDoc
	if err := p.dec.Decode(&d); err != nil {
		return p.syntax(path, err)
	}
	if d.Key == nil {
		return &ImportError{Path: path, Err: errors.New(`missing "key"`)}
	}
	p.counted()
	if !p.selected(u) {
		return nil
	}
	if err := p.sink.entry(engine.EntryIn{Universe: u, Store: store, Scope: scope, Key: *d.Key, Value: d.Value}); err != nil {
		return &ImportError{Path: path, Name: store + "/" + scope + "/" + *d.Key, Err: err}
	}
	return nil
}

// mockUniverse is where a MockDataStoreService document goes.
func (p *parser) mockUniverse() int64 {
	if p.opt.Universe != 0 {
		return p.opt.Universe
	}
	return 1
}

// mockMap reads one level of a MockDataStoreService document: an object
// from names to the next level. An empty Luau table may have been encoded
// as [] by JSONEncode, so an empty array counts as an empty map.
func (p *parser) mockMap(path string, member func(path, name string) error) error {
	t, err := p.dec.Token()
	if err != nil {
		return p.syntax(path, err)
	}
	switch t {
	case json.Delim('['):
		if t, err := p.dec.Token(); err != nil || t != json.Delim(']') {
			return &ImportError{Path: path, Err: errors.New("must be an object of names (an array is taken only when empty)")}
		}
		return nil
	case json.Delim('{'):
	default:
		return &ImportError{Path: path, Err: errors.New("must be an object of names")}
	}
	for p.dec.More() {
		name, err := p.memberName(path)
		if err != nil {
			return err
		}
		if err := member(path+"["+strconv.Quote(name)+"]", name); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.syntax(path, err)
	}
	return nil
}

// mockValue reads one key's value of a MockDataStoreService document: the
// store's record gets the import's time, the key a new version.
func (p *parser) mockValue(path string, u int64, store, scope, key string, ordered bool) error {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return p.syntax(path, err)
	}
	p.counted()
	name := store + "/" + scope + "/" + key
	var err error
	if ordered {
		err = p.sink.entry(engine.EntryIn{Universe: u, Store: store, Scope: scope, Key: key, Value: raw})
	} else {
		err = p.sink.key(engine.KeyIn{Universe: u, Store: store, Scope: scope, Key: key, Head: engine.RecordIn{Value: raw}})
	}
	if err != nil {
		return &ImportError{Path: path, Name: name, Err: err}
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

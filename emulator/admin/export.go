// Package admin holds the harness's data formats: the export document
// (rbxemu's own JSON format, docs/harness.md) that Export writes and Import
// reads, and the MockDataStoreService ExportToJSON format that Import also
// reads. Both directions stream: Export writes key by key as the engine
// walks the store, Import decodes token by token, so neither holds more
// than one key (with its history) in memory.
//
// Usage:
//
//	stats, err := admin.Export(e, w, admin.ExportOptions{Versions: true})
//	stats, err := admin.ImportFile(e, "fixture.json", admin.ImportOptions{Replace: true})
//
// Export then Import then Export gives the same bytes: the order is the
// store's (universes ascending, then data stores, scopes and keys in byte
// order; ordered stores after standard ones), and every value is written as
// the engine stores it, in compact JSON without HTML escaping.
package admin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// Format names and the version of the export document.
const (
	// FormatName is the "format" field of an rbxemu export document.
	FormatName = "rbxemu"
	// FormatVersion is its "version" field; Import refuses any other.
	FormatVersion = 1
	// MockFormatName names MockDataStoreService's ExportToJSON format in
	// ImportStats.
	MockFormatName = "mockdatastoreservice"
)

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// Universe, when not 0, exports that universe only.
	Universe int64
	// Store, when not "", exports the data stores (standard and ordered)
	// of that name only.
	Store string
	// Versions adds each key's sealed version history, and keys whose
	// latest version is a tombstone.
	Versions bool
	// Progress, when set, is called after every ProgressEvery keys and
	// entries, and once at the end.
	Progress func(ExportStats)
}

// ProgressEvery is how many keys pass between two progress calls.
const ProgressEvery = 1000

// ExportStats counts what Export wrote.
type ExportStats struct {
	Universes int   `json:"universes"`
	Stores    int   `json:"stores"`
	Keys      int   `json:"keys"`
	Versions  int   `json:"versions"`
	Entries   int   `json:"orderedEntries"`
	Bytes     int64 `json:"bytes"`
}

// Key is one standard key of the export document.
type Key struct {
	Key         string          `json:"key"`
	Deleted     bool            `json:"deleted,omitempty"`
	Value       json.RawMessage `json:"value,omitempty"`
	Version     string          `json:"version"`
	CreatedTime int64           `json:"createdTime"`
	UpdatedTime int64           `json:"updatedTime"`
	UserIDs     []int64         `json:"userIds"`
	Metadata    json.RawMessage `json:"metadata"`
	Versions    []Version       `json:"versions,omitempty"`
}

// Version is one sealed version of a key's history.
type Version struct {
	Version        string          `json:"version"`
	CreatedTime    int64           `json:"createdTime"`
	UpdatedTime    int64           `json:"updatedTime"`
	SupersededTime int64           `json:"supersededTime"`
	Deleted        bool            `json:"deleted,omitempty"`
	Value          json.RawMessage `json:"value,omitempty"`
	UserIDs        []int64         `json:"userIds"`
	Metadata       json.RawMessage `json:"metadata"`
}

// Entry is one entry of an ordered data store.
type Entry struct {
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// Export writes the store (or the part opt chooses) to w as one export
// document. w sees the document in pieces as the walk goes; on an error
// what was written is not a whole document.
func Export(e *engine.Engine, w io.Writer, opt ExportOptions) (ExportStats, error) {
	cw := &countingWriter{w: w}
	x := &exporter{w: bufio.NewWriterSize(cw, 64<<10), cw: cw, opt: opt}
	x.enc = json.NewEncoder(&x.buf)
	x.enc.SetEscapeHTML(false)
	x.raw(`{"format":"` + FormatName + `","version":` + strconv.Itoa(FormatVersion) + `,"universes":[`)
	err := e.Dump(engine.DumpOptions{Universe: opt.Universe, Store: opt.Store, History: opt.Versions}, x)
	if err == nil {
		x.closeUniverse()
		x.end(x.universes > 0)
		x.raw("}\n")
		err = x.err
	}
	if err == nil {
		err = x.w.Flush()
	}
	x.stats.Bytes = cw.n
	if opt.Progress != nil {
		opt.Progress(x.stats)
	}
	return x.stats, err
}

// exporter writes the document as Dump walks the store. Its layout puts
// every key (or ordered entry) on a line of its own, so that a fixture
// under version control changes line by line:
//
//	{"format":"rbxemu","version":1,"universes":[
//	{"universeId":1,"dataStores":[
//	{"name":"PlayerData","createdTime":...,"updatedTime":...,"scopes":[
//	{"scope":"global","keys":[
//	{"key":"Player_1","value":{...},"version":"...",...}
//	]}
//	]}
//	],"orderedDataStores":[]}
//	]}
type exporter struct {
	w     *bufio.Writer
	cw    *countingWriter
	buf   bytes.Buffer
	enc   *json.Encoder
	opt   ExportOptions
	err   error
	stats ExportStats

	universes   int   // universes opened
	universe    int64 // the open one
	ordered     bool  // in orderedDataStores
	stores      int   // stores opened in the current section
	inStore     bool
	scopes      int // scopes opened in the current store
	inScope     bool
	scope       string
	items       int // keys or entries in the current scope
	sinceReport int
}

func (x *exporter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *exporter) json(v any) {
	if x.err != nil {
		return
	}
	x.buf.Reset()
	if x.err = x.enc.Encode(v); x.err == nil {
		_, x.err = x.w.Write(bytes.TrimSuffix(x.buf.Bytes(), []byte("\n")))
	}
}

func (x *exporter) str(s string) { x.json(s) }

// sep starts the nth element of an array.
func (x *exporter) sep(n int) {
	if n == 0 {
		x.raw("\n")
	} else {
		x.raw(",\n")
	}
}

// end closes an array, on a line of its own when it has elements.
func (x *exporter) end(nonEmpty bool) {
	if nonEmpty {
		x.raw("\n]")
	} else {
		x.raw("]")
	}
}

func (x *exporter) closeScope() {
	if x.inScope {
		x.end(x.items > 0)
		x.raw("}")
		x.inScope = false
	}
}

func (x *exporter) closeStore() {
	x.closeScope()
	if x.inStore {
		x.end(x.scopes > 0)
		x.raw("}")
		x.inStore = false
	}
}

func (x *exporter) closeUniverse() {
	if x.universes == 0 {
		return
	}
	x.closeStore()
	x.end(x.stores > 0)
	if !x.ordered {
		x.raw(`,"orderedDataStores":[]`)
	}
	x.raw("}")
}

// Store opens a data store (and, first, its universe or section).
func (x *exporter) Store(s engine.DumpStore) error {
	if x.universes == 0 || s.Universe != x.universe {
		x.closeUniverse()
		x.sep(x.universes)
		x.raw(`{"universeId":` + strconv.FormatInt(s.Universe, 10) + `,"dataStores":[`)
		x.universes++
		x.stats.Universes++
		x.universe, x.ordered, x.stores = s.Universe, false, 0
	}
	x.closeStore()
	if s.Ordered && !x.ordered {
		x.end(x.stores > 0)
		x.raw(`,"orderedDataStores":[`)
		x.ordered, x.stores = true, 0
	}
	x.sep(x.stores)
	x.stores++
	x.stats.Stores++
	x.raw(`{"name":`)
	x.str(s.Name)
	x.raw(`,"createdTime":` + strconv.FormatInt(s.CreatedTime, 10) + `,"updatedTime":` + strconv.FormatInt(s.UpdatedTime, 10) + `,"scopes":[`)
	x.inStore, x.scopes = true, 0
	return x.err
}

// openScope opens the scope of the next item if it is not the open one.
func (x *exporter) openScope(scope, items string) {
	if x.inScope && scope == x.scope {
		return
	}
	x.closeScope()
	x.sep(x.scopes)
	x.scopes++
	x.raw(`{"scope":`)
	x.str(scope)
	x.raw(`,"` + items + `":[`)
	x.inScope, x.scope, x.items = true, scope, 0
}

// Key writes one standard key on its line.
func (x *exporter) Key(k engine.DumpKey) error {
	x.openScope(k.Scope, "keys")
	x.sep(x.items)
	x.items++
	doc := Key{Key: k.Key}
	fillKey(&doc, k.Head)
	for _, r := range k.History {
		v := Version{Version: r.Version, CreatedTime: r.CreatedTime, UpdatedTime: r.UpdatedTime,
			SupersededTime: r.SupersededTime, Deleted: r.Deleted, UserIDs: userIDs(r), Metadata: metadata(r)}
		if !r.Deleted {
			v.Value = r.Value
		}
		doc.Versions = append(doc.Versions, v)
	}
	x.json(doc)
	x.stats.Keys++
	x.stats.Versions += len(k.History)
	x.progress()
	return x.err
}

func fillKey(doc *Key, r *storage.Record) {
	doc.Deleted = r.Deleted
	if !r.Deleted {
		doc.Value = r.Value
	}
	doc.Version, doc.CreatedTime, doc.UpdatedTime = r.Version, r.CreatedTime, r.UpdatedTime
	doc.UserIDs, doc.Metadata = userIDs(r), metadata(r)
}

func userIDs(r *storage.Record) []int64 {
	if r.UserIDs == nil {
		return []int64{}
	}
	return r.UserIDs
}

func metadata(r *storage.Record) json.RawMessage {
	if len(r.Metadata) == 0 {
		return json.RawMessage("{}")
	}
	return r.Metadata
}

// Entry writes one ordered entry on its line.
func (x *exporter) Entry(en engine.DumpEntry) error {
	x.openScope(en.Scope, "entries")
	x.sep(x.items)
	x.items++
	x.raw(`{"key":`)
	x.str(en.Key)
	x.raw(`,"value":` + strconv.FormatInt(en.Value, 10) + "}")
	x.stats.Entries++
	x.progress()
	return x.err
}

func (x *exporter) progress() {
	x.sinceReport++
	if x.opt.Progress != nil && x.sinceReport >= ProgressEvery {
		x.sinceReport = 0
		x.stats.Bytes = x.cw.n
		x.opt.Progress(x.stats)
	}
}

// countingWriter counts the bytes that reach w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

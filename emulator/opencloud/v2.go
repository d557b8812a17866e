package opencloud

// Open Cloud v2 standard data stores (reference §5.1):
//
//	GET    /cloud/v2/universes/{u}/data-stores                         ListDataStores
//	POST   /cloud/v2/universes/{u}/data-stores:snapshot                SnapshotDataStores
//	DELETE /cloud/v2/universes/{u}/data-stores/{ds}                    DeleteDataStore
//	POST   /cloud/v2/universes/{u}/data-stores/{ds}:undelete           UndeleteDataStore
//	GET    .../data-stores/{ds}[/scopes/{scope}]/entries               ListDataStoreEntries
//	POST   .../entries?id={id}                                         CreateDataStoreEntry
//	GET    .../entries/{id}[@{revision}|@latest|@latest:{time}]        GetDataStoreEntry
//	PATCH  .../entries/{id}?allowMissing=                              UpdateDataStoreEntry
//	DELETE .../entries/{id}                                            DeleteDataStoreEntry
//	POST   .../entries/{id}:increment                                  IncrementDataStoreEntry
//	GET    .../entries/{id}:listRevisions                              ListDataStoreEntryRevisions
//
// Entries under .../data-stores/{ds}/entries (no scope) follow the
// emulator's reading of the unscoped form (docs/opencloud.md): an id
// "scope/key" names that scope's key, an id without "/" the key in scope
// "global"; the listing covers every scope and names entries "scope/key".

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// Page sizes of reference §5.1 and §5.2: default and maximum (larger
// values are clamped).
const (
	v2DefaultPageSize  = 10
	v2MaxStoresPage    = 100
	v2MaxEntriesPage   = 256
	v2MaxRevisionsPage = 100
	v2MaxOrderedPage   = 100
	wildcardScope      = "-"
	stateActive        = "ACTIVE"
	stateDeleted       = "DELETED"
	maxUpdateAttempts  = 16
	// maxExactIntegerJSON is the largest integer a data store number (a
	// double) holds exactly: increments beyond it are refused.
	maxExactIntegerJSON = 1 << 53
)

// Resources of reference §5.1.

type v2DataStore struct {
	Path       string `json:"path"`
	CreateTime string `json:"createTime"`
	ExpireTime string `json:"expireTime,omitempty"`
	State      string `json:"state"`
	ID         string `json:"id"`
}

type v2Entry struct {
	Path               string          `json:"path"`
	CreateTime         string          `json:"createTime"`
	RevisionID         string          `json:"revisionId"`
	RevisionCreateTime string          `json:"revisionCreateTime"`
	State              string          `json:"state"`
	Etag               string          `json:"etag"`
	Value              json.RawMessage `json:"value"`
	ID                 string          `json:"id"`
	Users              []string        `json:"users"`
	Attributes         json.RawMessage `json:"attributes"`
}

// v2EntryName is a listed entry: only path and id are populated.
type v2EntryName struct {
	Path string `json:"path"`
	ID   string `json:"id"`
}

// v2Revision is a listed revision: no value, users or attributes.
type v2Revision struct {
	Path               string `json:"path"`
	CreateTime         string `json:"createTime"`
	RevisionID         string `json:"revisionId"`
	RevisionCreateTime string `json:"revisionCreateTime"`
	State              string `json:"state"`
	Etag               string `json:"etag"`
	ID                 string `json:"id"`
}

type v2ListStoresResponse struct {
	DataStores    []v2DataStore `json:"dataStores"`
	NextPageToken string        `json:"nextPageToken"`
}

type v2ListEntriesResponse struct {
	DataStoreEntries []v2EntryName `json:"dataStoreEntries"`
	NextPageToken    string        `json:"nextPageToken"`
}

type v2ListRevisionsResponse struct {
	DataStoreEntries []v2Revision `json:"dataStoreEntries"`
	NextPageToken    string       `json:"nextPageToken"`
}

type v2SnapshotResponse struct {
	NewSnapshotTaken   bool   `json:"newSnapshotTaken"`
	LatestSnapshotTime string `json:"latestSnapshotTime"`
}

// v2EntryInput is the body of create and update (a DataStoreEntry; its
// output-only fields are ignored).
type v2EntryInput struct {
	Value      json.RawMessage `json:"value"`
	Users      json.RawMessage `json:"users"`
	Attributes json.RawMessage `json:"attributes"`
	Etag       string          `json:"etag"`
}

type v2IncrementInput struct {
	Amount     json.RawMessage `json:"amount"`
	Users      json.RawMessage `json:"users"`
	Attributes json.RawMessage `json:"attributes"`
}

func (rq *request) routeV2() error {
	s, m := rq.segs, rq.r.Method
	switch {
	case len(s) == 1 && s[0] == "data-stores" && m == http.MethodGet:
		return rq.v2ListStores()
	case len(s) == 1 && s[0] == "data-stores:snapshot" && m == http.MethodPost:
		return rq.v2Snapshot()
	case len(s) >= 2 && s[0] == "data-stores":
		return rq.routeV2Store(s[1], s[2:])
	case len(s) >= 5 && s[0] == "ordered-data-stores" && s[2] == "scopes" && s[4] == "entries":
		return rq.routeV2Ordered(s[1], s[3], s[5:])
	}
	return rq.noRoute()
}

func (rq *request) routeV2Store(ds string, rest []string) error {
	m := rq.r.Method
	if len(rest) == 0 {
		switch {
		case m == http.MethodDelete && !strings.HasSuffix(ds, ":undelete"):
			return rq.v2DeleteStore(ds)
		case m == http.MethodPost && strings.HasSuffix(ds, ":undelete"):
			return rq.v2UndeleteStore(strings.TrimSuffix(ds, ":undelete"))
		}
		return rq.noRoute()
	}
	w := v2Where{universe: rq.universe, store: ds}
	switch {
	case rest[0] == "entries":
		rest = rest[1:]
	case len(rest) >= 3 && rest[0] == "scopes" && rest[2] == "entries":
		w.scope, w.scoped = rest[1], true
		rest = rest[3:]
	default:
		return rq.noRoute()
	}
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return rq.v2ListEntries(w)
	case len(rest) == 0 && m == http.MethodPost:
		return rq.v2CreateEntry(w)
	case len(rest) != 1:
		return rq.noRoute()
	}
	id := rest[0]
	switch {
	case m == http.MethodGet && strings.HasSuffix(id, ":listRevisions"):
		return rq.v2ListRevisions(w, strings.TrimSuffix(id, ":listRevisions"))
	case m == http.MethodGet:
		return rq.v2GetEntry(w, id)
	case m == http.MethodPatch:
		return rq.v2UpdateEntry(w, id)
	case m == http.MethodDelete:
		return rq.v2DeleteEntry(w, id)
	case m == http.MethodPost && strings.HasSuffix(id, ":increment"):
		return rq.v2IncrementEntry(w, strings.TrimSuffix(id, ":increment"))
	}
	return rq.noRoute()
}

// v2Where is the collection an entry request addresses: a data store, and
// a scope or (unscoped) none.
type v2Where struct {
	universe int64
	store    string
	scope    string
	scoped   bool
}

func (w v2Where) storePath() string {
	return "universes/" + strconv.FormatInt(w.universe, 10) + "/data-stores/" + w.store
}

// entryPath is the resource path of entry id in this collection (scope,
// for the wildcard, the entry's own).
func (w v2Where) entryPath(scope, id string) string {
	if !w.scoped {
		return w.storePath() + "/entries/" + id
	}
	return w.storePath() + "/scopes/" + scope + "/entries/" + id
}

// target resolves an entry id to the engine's store reference and key.
func (w v2Where) target(id string) (engine.StoreRef, string, error) {
	ref := engine.StoreRef{Universe: w.universe, Name: w.store}
	if w.scoped {
		if w.scope == wildcardScope {
			return ref, "", errWildcardScope
		}
		ref.Scope = w.scope
		return ref, id, nil
	}
	scope, key, ok := strings.Cut(id, "/")
	if !ok {
		ref.Scope = engine.DefaultScope
		return ref, id, nil
	}
	if scope == "" || key == "" {
		return ref, "", errUnscopedEntryID
	}
	ref.Scope = scope
	return ref, key, nil
}

func (w v2Where) tokenContext(kind string) tokenContext {
	return newTokenContext(kind, w.universe).str(w.store).str(w.scope).flag(w.scoped)
}

// v2EntryOf shapes an engine entry as a DataStoreEntry.
func v2EntryOf(path, id string, e *engine.Entry) v2Entry {
	users := make([]string, 0, len(e.Info.UserIDs))
	for _, u := range e.Info.UserIDs {
		users = append(users, "users/"+strconv.FormatInt(u, 10))
	}
	attrs := e.Info.Metadata
	if len(attrs) == 0 {
		attrs = json.RawMessage("{}")
	}
	return v2Entry{
		Path:               path,
		CreateTime:         v2Time(e.Info.CreatedTime),
		RevisionID:         e.Info.Version,
		RevisionCreateTime: v2Time(e.Info.UpdatedTime),
		State:              stateActive,
		Etag:               e.Info.Version,
		Value:              e.Value,
		ID:                 id,
		Users:              users,
		Attributes:         attrs,
	}
}

// v2ListParams reads the query parameters the v2 data store and entry
// listings share: maxPageSize (clamped to max), an id.startsWith filter,
// showDeleted and the page token.
func (rq *request) v2ListParams(max int) (n int, prefix string, showDeleted bool, token string, err error) {
	if n, err = rq.pageSize(v2DefaultPageSize, max, "maxPageSize"); err != nil {
		return
	}
	filter, _ := rq.param("filter")
	if prefix, err = parseIDFilter(filter); err != nil {
		return
	}
	if showDeleted, err = rq.boolParam("showDeleted"); err != nil {
		return
	}
	token, _ = rq.param("pageToken")
	return
}

func (rq *request) v2ListStores() error {
	n, prefix, showDeleted, token, err := rq.v2ListParams(v2MaxStoresPage)
	if err != nil {
		return err
	}
	ctx := newTokenContext("v2-data-stores", rq.universe).int(int64(n)).str(prefix).flag(showDeleted)
	cursor, err := decodeToken(ctx, token, errPageToken)
	if err != nil {
		return err
	}
	var items []engine.StoreInfo
	var deleted map[string]engine.DeletedStore
	c := &dispatch.Call{Op: "ListDataStoresAsync", Store: engine.StoreRef{Universe: rq.universe}, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		var err error
		if deleted, err = rq.deletedStores(); err != nil {
			return 0, err
		}
		keep := func(si engine.StoreInfo) bool { _, gone := deleted[si.DataStoreName]; return showDeleted || !gone }
		items, cursor, err = rq.collectStores(prefix, n, cursor, keep)
		return 0, err
	})
	if err != nil {
		return err
	}
	out := v2ListStoresResponse{DataStores: make([]v2DataStore, 0, len(items)), NextPageToken: encodeToken(ctx, cursor)}
	for _, si := range items {
		ds := v2DataStore{Path: "universes/" + strconv.FormatInt(rq.universe, 10) + "/data-stores/" + si.DataStoreName,
			CreateTime: v2Time(si.CreatedTime), State: stateActive, ID: si.DataStoreName}
		if d, gone := deleted[si.DataStoreName]; gone {
			ds.State, ds.ExpireTime = stateDeleted, v2Time(d.ExpireTime)
		}
		out.DataStores = append(out.DataStores, ds)
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

func (rq *request) deletedStores() (map[string]engine.DeletedStore, error) {
	list, err := rq.h.eng.DeletedDataStores(rq.universe)
	if err != nil {
		return nil, err
	}
	m := make(map[string]engine.DeletedStore, len(list))
	for _, d := range list {
		m[d.Name] = d
	}
	return m, nil
}

// maxEngineCalls bounds the engine pages one listing request reads while
// it filters (each page reads at most MaxListScan keys): a request costs
// O(page size), and a page may come back short, with a token.
const maxEngineCalls = 16

// collectStores reads up to n data stores that keep accepts, from cursor
// on, and returns them with the cursor to go on from ("" at the end).
func (rq *request) collectStores(prefix string, n int, cursor string, keep func(engine.StoreInfo) bool) ([]engine.StoreInfo, string, error) {
	var out []engine.StoreInfo
	for calls := 0; len(out) < n && calls < maxEngineCalls; calls++ {
		page, err := rq.h.eng.ListDataStores(rq.universe, engine.ListStoresOptions{Prefix: prefix, PageSize: min(n-len(out), engine.MaxListStoresPageSize), Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		for _, si := range page.Items {
			if keep == nil || keep(si) {
				out = append(out, si)
			}
		}
		cursor = page.Cursor
		if page.IsFinished {
			return out, "", nil
		}
	}
	return out, cursor, nil
}

// collectKeys is collectStores for keys.
func (rq *request) collectKeys(ref engine.StoreRef, prefix string, excludeDeleted bool, n int, cursor string, keep func(engine.KeyItem) bool) ([]engine.KeyItem, string, error) {
	var out []engine.KeyItem
	for calls := 0; len(out) < n && calls < maxEngineCalls; calls++ {
		page, err := rq.h.eng.ListKeys(ref, engine.ListKeysOptions{Prefix: prefix, PageSize: min(n-len(out), engine.MaxListKeysPageSize), Cursor: cursor, ExcludeDeleted: excludeDeleted})
		if err != nil {
			return nil, "", err
		}
		for _, k := range page.Items {
			if keep == nil || keep(k) {
				out = append(out, k)
			}
		}
		cursor = page.Cursor
		if page.IsFinished {
			return out, "", nil
		}
	}
	return out, cursor, nil
}

func (rq *request) v2Snapshot() error {
	var taken bool
	var latest int64
	c := &dispatch.Call{Op: "SnapshotDataStores", Store: engine.StoreRef{Universe: rq.universe}}
	err := rq.call(c, func() (int, error) {
		var err error
		taken, latest, err = rq.h.eng.SnapshotDataStores(rq.universe)
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, v2SnapshotResponse{NewSnapshotTaken: taken, LatestSnapshotTime: v2Time(latest)})
	return nil
}

func (rq *request) v2DeleteStore(ds string) error {
	var d *engine.DeletedStore
	c := &dispatch.Call{Op: "DeleteDataStore", Store: engine.StoreRef{Universe: rq.universe, Name: ds}, RequestTypes: []string{"StandardRemove"}}
	err := rq.call(c, func() (int, error) {
		var err error
		d, err = rq.h.eng.DeleteDataStore(rq.universe, ds)
		return 0, err
	})
	if err != nil {
		return err
	}
	w := v2Where{universe: rq.universe, store: ds}
	writeJSON(rq.w, http.StatusOK, v2DataStore{Path: w.storePath(), CreateTime: v2Time(d.CreatedTime),
		ExpireTime: v2Time(d.ExpireTime), State: stateDeleted, ID: ds})
	return nil
}

func (rq *request) v2UndeleteStore(ds string) error {
	if err := rq.requireObjectBody(); err != nil {
		return err
	}
	var si *engine.StoreInfo
	c := &dispatch.Call{Op: "UndeleteDataStore", Store: engine.StoreRef{Universe: rq.universe, Name: ds}, RequestTypes: []string{"StandardRemove"}}
	err := rq.call(c, func() (int, error) {
		var err error
		si, err = rq.h.eng.UndeleteDataStore(rq.universe, ds)
		return 0, err
	})
	if err != nil {
		return err
	}
	w := v2Where{universe: rq.universe, store: ds}
	writeJSON(rq.w, http.StatusOK, v2DataStore{Path: w.storePath(), CreateTime: v2Time(si.CreatedTime), State: stateActive, ID: ds})
	return nil
}

// requireObjectBody accepts an empty body or a JSON object (undelete and
// snapshot take {}).
func (rq *request) requireObjectBody() error {
	b, err := rq.readBody(maxV2Body, errBodyTooLarge)
	if err != nil {
		return err
	}
	if t := strings.TrimSpace(string(b)); t != "" {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(t), &m) != nil {
			return errBody("expected a JSON object.")
		}
	}
	return nil
}

func (rq *request) v2ListEntries(w v2Where) error {
	n, prefix, showDeleted, token, err := rq.v2ListParams(v2MaxEntriesPage)
	if err != nil {
		return err
	}
	ctx := w.tokenContext("v2-entries").int(int64(n)).str(prefix).flag(showDeleted)
	cursor, err := decodeToken(ctx, token, errPageToken)
	if err != nil {
		return err
	}
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	ref := engine.StoreRef{Universe: w.universe, Name: w.store, Scope: w.scope}
	enginePrefix := prefix
	var keep func(engine.KeyItem) bool
	wildcard := w.scoped && w.scope == wildcardScope
	switch {
	case !w.scoped:
		ref.Scope, ref.AllScopes = "", true
	case wildcard:
		// Every scope; the filter is on the key alone, so it is applied
		// here rather than as the engine's "scope/key" prefix.
		ref.Scope, ref.AllScopes = "", true
		enginePrefix = ""
		keep = func(k engine.KeyItem) bool {
			_, key, _ := strings.Cut(k.KeyName, "/")
			return strings.HasPrefix(key, prefix)
		}
	}
	var items []engine.KeyItem
	c := &dispatch.Call{Op: "ListKeysAsync", Store: ref, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		var err error
		items, cursor, err = rq.collectKeys(ref, enginePrefix, !showDeleted, n, cursor, keep)
		return 0, err
	})
	if err != nil {
		return err
	}
	out := v2ListEntriesResponse{DataStoreEntries: make([]v2EntryName, 0, len(items)), NextPageToken: encodeToken(ctx, cursor)}
	for _, k := range items {
		switch {
		case wildcard:
			scope, key, _ := strings.Cut(k.KeyName, "/")
			out.DataStoreEntries = append(out.DataStoreEntries, v2EntryName{Path: w.entryPath(scope, key), ID: key})
		default:
			out.DataStoreEntries = append(out.DataStoreEntries, v2EntryName{Path: w.entryPath(w.scope, k.KeyName), ID: k.KeyName})
		}
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

// revisionRef is what follows "@" in a GET entry id.
type revisionRef struct {
	latest bool   // @latest, or no suffix
	at     string // @latest:<time>
	id     string // @<revision>
}

// splitRevision splits "id@suffix" at the last "@" (reference §5.1).
func splitRevision(raw string) (string, revisionRef, error) {
	i := strings.LastIndexByte(raw, '@')
	if i < 0 {
		return raw, revisionRef{latest: true}, nil
	}
	id, suffix := raw[:i], raw[i+1:]
	switch {
	case suffix == "latest":
		return id, revisionRef{latest: true}, nil
	case strings.HasPrefix(suffix, "latest:"):
		return id, revisionRef{at: strings.TrimPrefix(suffix, "latest:")}, nil
	case suffix == "":
		return id, revisionRef{}, errRevision(`"@" must be followed by a revision ID, "latest" or "latest:<time>".`)
	}
	return id, revisionRef{id: suffix}, nil
}

func (rq *request) v2GetEntry(w v2Where, raw string) error {
	id, rev, err := splitRevision(raw)
	if err != nil {
		return err
	}
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	var atMs int64
	if rev.at != "" {
		var ok bool
		if atMs, ok = parseTime(rev.at); !ok {
			return errRevision(strconv.Quote(rev.at) + " is not an RFC 3339 date-time.")
		}
	}
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	c := &dispatch.Call{Op: "GetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRead"}}
	switch {
	case rev.id != "":
		c.Op = "GetVersionAsync"
	case rev.at != "":
		c.Op = "GetVersionAtTimeAsync"
	}
	e, err := rq.callRead(c, func() (*engine.Entry, error) {
		switch {
		case rev.id != "":
			return rq.h.eng.GetVersion(ref, key, rev.id)
		case rev.at != "":
			return rq.h.eng.GetVersionAtTime(ref, key, atMs)
		}
		return rq.h.eng.Get(ref, key)
	})
	switch {
	case err != nil:
		return err
	case e == nil && rev.latest:
		return errEntryNotFound
	case e == nil:
		return errRevisionNotFound
	}
	if !rev.latest {
		id += "@" + e.Info.Version
	}
	writeJSON(rq.w, http.StatusOK, v2EntryOf(w.entryPath(ref.Scope, id), id, e))
	return nil
}

// usersOf turns v2 user paths ("users/123") into the engine's user id list.
func usersOf(raw json.RawMessage) (json.RawMessage, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return nil, nil
	}
	var paths []string
	if err := json.Unmarshal([]byte(t), &paths); err != nil {
		return nil, errUsers
	}
	ids := make([]int64, 0, len(paths))
	for _, p := range paths {
		n, err := strconv.ParseInt(strings.TrimPrefix(p, "users/"), 10, 64)
		if !strings.HasPrefix(p, "users/") || err != nil {
			return nil, errUsers
		}
		ids = append(ids, n)
	}
	b, _ := json.Marshal(ids)
	return b, nil
}

func (in v2EntryInput) options() (engine.WriteOptions, error) {
	ids, err := usersOf(in.Users)
	if err != nil {
		return engine.WriteOptions{}, err
	}
	return engine.WriteOptions{UserIDs: ids, Metadata: in.Attributes}, nil
}

func (rq *request) v2CreateEntry(w v2Where) error {
	id, _ := rq.param("id")
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	return rq.v2WriteEntry(w, ref, key, id, func(_ *v2EntryInput, cur *engine.Entry) error {
		if cur != nil {
			return errEntryExists
		}
		return nil
	})
}

// v2WriteEntry is the write of Create Entry and Update Entry: it decodes
// the entry from the body, writes it (as SetAsync) if check, given the
// input and the entry as it is now (nil when missing or deleted), allows
// it, and replies with the entry written.
func (rq *request) v2WriteEntry(w v2Where, ref engine.StoreRef, key, id string, check func(in *v2EntryInput, cur *engine.Entry) error) error {
	var in v2EntryInput
	if err := rq.decodeBody(&in); err != nil {
		return err
	}
	opts, err := in.options()
	if err != nil {
		return err
	}
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "SetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: len(in.Value)}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.conditionalWrite(ref, key, in.Value, opts, func(cur *engine.Entry, _ string) error {
			return check(&in, cur)
		})
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, v2EntryOf(w.entryPath(ref.Scope, id), id, out))
	return nil
}

// conditionalWrite writes value if check, given the entry as it is now (nil
// when missing or deleted) and its version token, allows it; a write that
// loses a race with another writer is checked again against the new state.
func (rq *request) conditionalWrite(ref engine.StoreRef, key string, value json.RawMessage, opts engine.WriteOptions, check func(cur *engine.Entry, token string) error) (*engine.Entry, error) {
	eng := rq.h.eng
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, token, err := eng.ReadForUpdate(ref, key)
		if err != nil {
			return nil, err
		}
		if err := check(cur, token); err != nil {
			return nil, err
		}
		out, err := eng.CommitUpdate(ref, key, token, value, opts)
		var conflict *engine.Conflict
		if errors.As(err, &conflict) {
			continue
		}
		return out, err
	}
	return nil, errContention
}

func (rq *request) v2UpdateEntry(w v2Where, id string) error {
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	allowMissing, err := rq.boolParam("allowMissing")
	if err != nil {
		return err
	}
	return rq.v2WriteEntry(w, ref, key, id, func(in *v2EntryInput, cur *engine.Entry) error {
		switch {
		case cur == nil && !allowMissing:
			return errEntryNotFound
		case in.Etag != "" && (cur == nil || cur.Info.Version != in.Etag):
			return errEtag
		}
		return nil
	})
}

func (rq *request) v2DeleteEntry(w v2Where, id string) error {
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	etag, _ := rq.param("etag")
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	c := &dispatch.Call{Op: "RemoveAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRemove"}, WriteBytes: 1}
	err = rq.call(c, func() (int, error) {
		if etag != "" {
			cur, err := rq.h.eng.Get(ref, key)
			switch {
			case err != nil:
				return 0, err
			case cur == nil:
				return 0, errEntryNotFound
			case cur.Info.Version != etag:
				return 0, errEtag
			}
		}
		old, err := rq.h.eng.Remove(ref, key)
		if err == nil && old == nil {
			return 0, errEntryNotFound
		}
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, struct{}{})
	return nil
}

func (rq *request) v2IncrementEntry(w v2Where, id string) error {
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	var in v2IncrementInput
	if err := rq.decodeBody(&in); err != nil {
		return err
	}
	amount := in.Amount
	if t := strings.TrimSpace(string(amount)); t == "" || t == "null" {
		amount = json.RawMessage("0") // proto3: an absent number is 0
	}
	ids, err := usersOf(in.Users)
	if err != nil {
		return err
	}
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "IncrementAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: 8}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.increment(ref, key, amount, engine.WriteOptions{UserIDs: ids, Metadata: in.Attributes})
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, v2EntryOf(w.entryPath(ref.Scope, id), id, out))
	return nil
}

// increment runs IncrementAsync and tells apart the engine's two reasons
// for refusing a stored value: not an integer, or a sum out of range.
func (rq *request) increment(ref engine.StoreRef, key string, amount json.RawMessage, opts engine.WriteOptions) (*engine.Entry, error) {
	out, err := rq.h.eng.Increment(ref, key, amount, opts)
	de, ok := dserr.As(err)
	if !ok || de.ID != dserr.IncrementNonNumeric {
		return out, err
	}
	cur, gerr := rq.h.eng.Get(ref, key)
	if gerr != nil || cur == nil {
		return nil, errNotNumeric
	}
	if _, ierr := strconv.ParseInt(string(cur.Value), 10, 64); ierr != nil {
		return nil, errNotNumeric
	}
	if strings.HasPrefix(strings.TrimSpace(string(amount)), "-") {
		return nil, errIncrementTooSmall
	}
	return nil, errIncrementTooLarge
}

func (rq *request) v2ListRevisions(w v2Where, id string) error {
	ref, key, err := w.target(id)
	if err != nil {
		return err
	}
	n, err := rq.pageSize(v2DefaultPageSize, v2MaxRevisionsPage, "maxPageSize")
	if err != nil {
		return err
	}
	filter, _ := rq.param("filter")
	tr, err := parseRevisionFilter(filter)
	if err != nil {
		return err
	}
	token, _ := rq.param("pageToken")
	ctx := w.tokenContext("v2-revisions").str(id).int(int64(n)).int(tr.min).int(tr.max)
	cursor, err := decodeToken(ctx, token, errPageToken)
	if err != nil {
		return err
	}
	if err := rq.checkStore(w.store); err != nil {
		return err
	}
	var page *engine.Page[engine.VersionInfo]
	c := &dispatch.Call{Op: "ListVersionsAsync", Store: ref, Key: key, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		var err error
		// Newest first, as AIP-162 lists revisions.
		page, err = rq.h.eng.ListVersions(ref, key, engine.ListVersionsOptions{Descending: true, MinDate: tr.min, MaxDate: tr.max, PageSize: n, Cursor: cursor})
		return 0, err
	})
	if err != nil {
		return err
	}
	out := v2ListRevisionsResponse{DataStoreEntries: make([]v2Revision, 0, len(page.Items)), NextPageToken: encodeToken(ctx, page.Cursor)}
	for _, v := range page.Items {
		rid := id + "@" + v.Version
		created, ok := engine.VersionCreatedTime(v.Version)
		if !ok {
			created = v.CreatedTime
		}
		state := stateActive
		if v.IsDeleted {
			state = stateDeleted
		}
		out.DataStoreEntries = append(out.DataStoreEntries, v2Revision{Path: w.entryPath(ref.Scope, rid), CreateTime: v2Time(created),
			RevisionID: v.Version, RevisionCreateTime: v2Time(v.CreatedTime), State: state, Etag: v.Version, ID: rid})
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

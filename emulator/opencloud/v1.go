package opencloud

// Open Cloud v1 standard data stores (reference §5.3), under
// /datastores/v1/universes/{u}/standard-datastores:
//
//	GET    /standard-datastores                                  List data stores
//	GET    /standard-datastores/datastore/entries                List entries
//	GET    /standard-datastores/datastore/entries/entry          Get entry
//	POST   /standard-datastores/datastore/entries/entry          Set entry
//	DELETE /standard-datastores/datastore/entries/entry          Delete entry (204)
//	POST   /standard-datastores/datastore/entries/entry/increment
//	GET    /standard-datastores/datastore/entries/entry/versions
//	GET    /standard-datastores/datastore/entries/entry/versions/version
//
// Parameters are in the query (datastoreName, entryKey, scope, ...); an
// entry's value is the raw body, its metadata travels in roblox-entry-*
// headers. A deleted entry reads 404 (design decision 11).

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// Page sizes of [OC-V1]. The maxima are the emulator's (the reference
// gives none): the engine's own maxima.
const (
	v1DefaultStoresLimit   = 1
	v1DefaultEntriesLimit  = 16
	v1DefaultVersionsLimit = 16
)

// Headers of reference §5.3.
const (
	HeaderAttributes       = "roblox-entry-attributes"
	HeaderUserIDs          = "roblox-entry-userids"
	HeaderVersion          = "roblox-entry-version"
	HeaderCreatedTime      = "roblox-entry-created-time"
	HeaderVersionCreatedAt = "roblox-entry-version-created-time"
	HeaderContentMD5       = "content-md5"
)

type v1DataStore struct {
	Name        string `json:"name"`
	CreatedTime string `json:"createdTime"`
}

type v1ListStoresResponse struct {
	Datastores     []v1DataStore `json:"datastores"`
	NextPageCursor string        `json:"nextPageCursor"`
}

type v1Key struct {
	Scope string `json:"scope"`
	Key   string `json:"key"`
}

type v1ListEntriesResponse struct {
	Keys           []v1Key `json:"keys"`
	NextPageCursor string  `json:"nextPageCursor"`
}

// v1EntryVersion is EntryVersion: Set entry's answer and a listed version.
type v1EntryVersion struct {
	Version           string `json:"version"`
	Deleted           bool   `json:"deleted"`
	ContentLength     int    `json:"contentLength"`
	CreatedTime       string `json:"createdTime"`
	ObjectCreatedTime string `json:"objectCreatedTime"`
}

type v1ListVersionsResponse struct {
	Versions       []v1EntryVersion `json:"versions"`
	NextPageCursor string           `json:"nextPageCursor"`
}

func (rq *request) routeV1() error {
	s, m := rq.segs, rq.r.Method
	if len(s) == 0 || s[0] != "standard-datastores" {
		return rq.noRoute()
	}
	path := strings.Join(s[1:], "/")
	switch {
	case path == "" && m == http.MethodGet:
		return rq.v1ListStores()
	case path == "datastore/entries" && m == http.MethodGet:
		return rq.v1ListEntries()
	case path == "datastore/entries/entry" && m == http.MethodGet:
		return rq.v1GetEntry()
	case path == "datastore/entries/entry" && m == http.MethodPost:
		return rq.v1SetEntry()
	case path == "datastore/entries/entry" && m == http.MethodDelete:
		return rq.v1DeleteEntry()
	case path == "datastore/entries/entry/increment" && m == http.MethodPost:
		return rq.v1IncrementEntry()
	case path == "datastore/entries/entry/versions" && m == http.MethodGet:
		return rq.v1ListVersions()
	case path == "datastore/entries/entry/versions/version" && m == http.MethodGet:
		return rq.v1GetVersion()
	}
	return rq.noRoute()
}

// v1Store reads datastoreName and scope (default "global").
func (rq *request) v1Store() engine.StoreRef {
	scope := rq.q.Get("scope")
	if scope == "" {
		scope = engine.DefaultScope
	}
	return engine.StoreRef{Universe: rq.universe, Name: rq.q.Get("datastoreName"), Scope: scope}
}

// v1Entry reads the store and entryKey.
func (rq *request) v1Entry() (engine.StoreRef, string) {
	return rq.v1Store(), rq.q.Get("entryKey")
}

// v1Headers sets the roblox-entry-* headers of an entry.
func v1Headers(h http.Header, e *engine.Entry) {
	sum := md5.Sum(e.Value)
	h.Set(HeaderContentMD5, base64.StdEncoding.EncodeToString(sum[:]))
	h.Set(HeaderVersion, e.Info.Version)
	h.Set(HeaderCreatedTime, v1HeaderTime(e.Info.CreatedTime))
	h.Set(HeaderVersionCreatedAt, v1HeaderTime(e.Info.UpdatedTime))
	attrs := string(e.Info.Metadata)
	if attrs == "" {
		attrs = "{}"
	}
	h.Set(HeaderAttributes, attrs)
	ids := make([]string, len(e.Info.UserIDs))
	for i, id := range e.Info.UserIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	h.Set(HeaderUserIDs, "["+strings.Join(ids, ", ")+"]")
}

// v1WriteOptions reads the attribute and user id headers of a write.
// roblox-entry-userids takes a JSON array ([1,2]) or a bare comma-separated
// list (1,2); either may be empty.
func (rq *request) v1WriteOptions() (engine.WriteOptions, error) {
	var o engine.WriteOptions
	if a := strings.TrimSpace(rq.r.Header.Get(HeaderAttributes)); a != "" {
		o.Metadata = json.RawMessage(a)
	}
	t := strings.TrimSpace(rq.r.Header.Get(HeaderUserIDs))
	if t == "" {
		return o, nil
	}
	if strings.HasPrefix(t, "[") {
		if !strings.HasSuffix(t, "]") {
			return o, errUserIDs
		}
		t = strings.TrimSpace(t[1 : len(t)-1])
	}
	ids := []int64{}
	if t != "" {
		for _, p := range strings.Split(t, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return o, errUserIDs
			}
			ids = append(ids, n)
		}
	}
	o.UserIDs, _ = json.Marshal(ids)
	return o, nil
}

func (rq *request) v1ListStores() error {
	n, err := rq.pageSize(v1DefaultStoresLimit, engine.MaxListStoresPageSize, "limit")
	if err != nil {
		return err
	}
	prefix := rq.q.Get("prefix")
	ctx := newTokenContext("v1-data-stores", rq.universe).str(prefix)
	cursor, err := decodeToken(ctx, rq.q.Get("cursor"), errCursor)
	if err != nil {
		return err
	}
	var items []engine.StoreInfo
	c := &dispatch.Call{Op: "ListDataStoresAsync", Store: engine.StoreRef{Universe: rq.universe}, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		deleted, err := rq.deletedStores()
		if err != nil {
			return 0, err
		}
		keep := func(si engine.StoreInfo) bool { _, gone := deleted[si.DataStoreName]; return !gone }
		items, cursor, err = rq.collectStores(prefix, n, cursor, keep)
		return 0, err
	})
	if err != nil {
		return err
	}
	out := v1ListStoresResponse{Datastores: make([]v1DataStore, 0, len(items)), NextPageCursor: encodeToken(ctx, cursor)}
	for _, si := range items {
		out.Datastores = append(out.Datastores, v1DataStore{Name: si.DataStoreName, CreatedTime: v1Time(si.CreatedTime)})
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

func (rq *request) v1ListEntries() error {
	n, err := rq.pageSize(v1DefaultEntriesLimit, engine.MaxListKeysPageSize, "limit")
	if err != nil {
		return err
	}
	allScopes, err := rq.boolParam("allScopes")
	if err != nil {
		return err
	}
	ref := rq.v1Store()
	if allScopes {
		if rq.q.Get("scope") != "" {
			return errScopeAndAllScopes
		}
		ref.Scope, ref.AllScopes = "", true
	}
	prefix := rq.q.Get("prefix")
	ctx := newTokenContext("v1-entries", rq.universe).str(ref.Name).str(ref.Scope).flag(allScopes).str(prefix)
	cursor, err := decodeToken(ctx, rq.q.Get("cursor"), errCursor)
	if err != nil {
		return err
	}
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	var items []engine.KeyItem
	c := &dispatch.Call{Op: "ListKeysAsync", Store: ref, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		var err error
		items, cursor, err = rq.collectKeys(ref, prefix, false, n, cursor, nil)
		return 0, err
	})
	if err != nil {
		return err
	}
	out := v1ListEntriesResponse{Keys: make([]v1Key, 0, len(items)), NextPageCursor: encodeToken(ctx, cursor)}
	for _, k := range items {
		if allScopes {
			scope, key, _ := strings.Cut(k.KeyName, "/")
			out.Keys = append(out.Keys, v1Key{Scope: scope, Key: key})
		} else {
			out.Keys = append(out.Keys, v1Key{Scope: ref.Scope, Key: k.KeyName})
		}
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

func (rq *request) v1GetEntry() error {
	ref, key := rq.v1Entry()
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	c := &dispatch.Call{Op: "GetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRead"}}
	return rq.v1ReadEntry(c, errEntryNotFound, func() (*engine.Entry, error) {
		return rq.h.eng.Get(ref, key)
	})
}

// v1ReadEntry runs the read c (get returns the entry, nil when there is
// none) and replies with the entry's headers and value, or notFound.
func (rq *request) v1ReadEntry(c *dispatch.Call, notFound error, get func() (*engine.Entry, error)) error {
	e, err := rq.callRead(c, get)
	switch {
	case err != nil:
		return err
	case e == nil:
		return notFound
	}
	v1Headers(rq.w.Header(), e)
	writeRaw(rq.w, http.StatusOK, e.Value)
	return nil
}

// checkMD5 compares a content-md5 header, when given, with the body.
func checkMD5(header string, body []byte) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil
	}
	want, err := base64.StdEncoding.DecodeString(header)
	sum := md5.Sum(body)
	if err != nil || !bytes.Equal(want, sum[:]) {
		return errChecksum
	}
	return nil
}

// compactLen is the length of the stored form of a value the engine took.
func compactLen(body []byte) int {
	var buf bytes.Buffer
	if json.Compact(&buf, body) != nil {
		return len(body)
	}
	return buf.Len()
}

func (rq *request) v1SetEntry() error {
	ref, key := rq.v1Entry()
	matchVersion := rq.q.Get("matchVersion")
	exclusive, err := rq.boolParam("exclusiveCreate")
	if err != nil {
		return err
	}
	if exclusive && matchVersion != "" {
		return errExclusiveAndMatch
	}
	body, err := rq.readBody(maxV1Body, errContentTooBig)
	if err != nil {
		return err
	}
	if err := checkMD5(rq.r.Header.Get(HeaderContentMD5), body); err != nil {
		return err
	}
	opts, err := rq.v1WriteOptions()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errContentNotJSON
	}
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	var out v1EntryVersion
	c := &dispatch.Call{Op: "SetAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: len(body)}
	err = rq.call(c, func() (int, error) {
		if !exclusive && matchVersion == "" {
			info, err := rq.h.eng.Set(ref, key, body, opts)
			if err != nil {
				return 0, err
			}
			out = v1EntryVersion{Version: info.Version, ContentLength: compactLen(body),
				CreatedTime: v1Time(info.UpdatedTime), ObjectCreatedTime: v1Time(info.CreatedTime)}
			return 0, nil
		}
		e, err := rq.conditionalWrite(ref, key, body, opts, func(cur *engine.Entry, token string) error {
			switch {
			case exclusive && cur != nil:
				return errExclusiveExists
			case matchVersion != "" && (cur == nil || token != matchVersion):
				return errVersionMismatch
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		out = v1EntryVersion{Version: e.Info.Version, ContentLength: len(e.Value),
			CreatedTime: v1Time(e.Info.UpdatedTime), ObjectCreatedTime: v1Time(e.Info.CreatedTime)}
		return 0, nil
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

func (rq *request) v1DeleteEntry() error {
	ref, key := rq.v1Entry()
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	c := &dispatch.Call{Op: "RemoveAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRemove"}, WriteBytes: 1}
	err := rq.call(c, func() (int, error) {
		old, err := rq.h.eng.Remove(ref, key)
		if err == nil && old == nil {
			return 0, errEntryNotFound
		}
		return 0, err
	})
	if err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rq *request) v1IncrementEntry() error {
	ref, key := rq.v1Entry()
	by := int64(1)
	if v := rq.q.Get("incrementBy"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return validation("incrementBy", v)
		}
		by = n
	}
	switch {
	case by > maxExactIntegerJSON:
		return errIncrementTooLarge
	case by < -maxExactIntegerJSON:
		return errIncrementTooSmall
	}
	opts, err := rq.v1WriteOptions()
	if err != nil {
		return err
	}
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "IncrementAsync", Store: ref, Key: key, RequestTypes: []string{"StandardWrite"}, WriteBytes: 8}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.increment(ref, key, json.RawMessage(strconv.FormatInt(by, 10)), opts)
		return 0, err
	})
	if err != nil {
		return err
	}
	v1Headers(rq.w.Header(), out)
	writeRaw(rq.w, http.StatusOK, out.Value)
	return nil
}

func (rq *request) v1ListVersions() error {
	ref, key := rq.v1Entry()
	n, err := rq.pageSize(v1DefaultVersionsLimit, engine.MaxListVersionsPageSize, "limit")
	if err != nil {
		return err
	}
	opt := engine.ListVersionsOptions{PageSize: n}
	switch strings.ToLower(rq.q.Get("sortOrder")) {
	case "", "ascending":
	case "descending":
		opt.Descending = true
	default:
		return errSortOrder
	}
	if v := rq.q.Get("startTime"); v != "" {
		ms, ok := parseTime(v)
		if !ok {
			return errStartTime
		}
		opt.MinDate = max(ms, 1)
	}
	if v := rq.q.Get("endTime"); v != "" {
		ms, ok := parseTime(v)
		if !ok {
			return errEndTime
		}
		opt.MaxDate = ms
		if ms <= 0 {
			opt.MaxDate, opt.MinDate = 1, 2 // nothing is written before 1970: an empty range
		}
	}
	ctx := newTokenContext("v1-versions", rq.universe).str(ref.Name).str(ref.Scope).str(key).
		flag(opt.Descending).int(opt.MinDate).int(opt.MaxDate)
	if opt.Cursor, err = decodeToken(ctx, rq.q.Get("cursor"), errCursor); err != nil {
		return err
	}
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	var out v1ListVersionsResponse
	c := &dispatch.Call{Op: "ListVersionsAsync", Store: ref, Key: key, RequestTypes: []string{"StandardList"}}
	err = rq.call(c, func() (int, error) {
		page, err := rq.h.eng.ListVersions(ref, key, opt)
		if err != nil {
			return 0, err
		}
		out = v1ListVersionsResponse{Versions: make([]v1EntryVersion, 0, len(page.Items)), NextPageCursor: encodeToken(ctx, page.Cursor)}
		read := 0
		for _, v := range page.Items {
			ev := v1EntryVersion{Version: v.Version, Deleted: v.IsDeleted, CreatedTime: v1Time(v.CreatedTime)}
			created, ok := engine.VersionCreatedTime(v.Version)
			if !v.IsDeleted {
				// The listing carries no sizes; the version itself does.
				e, err := rq.h.eng.GetVersion(ref, key, v.Version)
				if err != nil {
					return read, err
				}
				if e != nil {
					ev.ContentLength, created, ok = len(e.Value), e.Info.CreatedTime, true
					read += len(e.Value)
				}
			}
			if !ok {
				created = v.CreatedTime
			}
			ev.ObjectCreatedTime = v1Time(created)
			out.Versions = append(out.Versions, ev)
		}
		return read, nil
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, out)
	return nil
}

func (rq *request) v1GetVersion() error {
	ref, key := rq.v1Entry()
	version := rq.q.Get("versionId")
	if version == "" {
		return errVersionID
	}
	if err := rq.checkStore(ref.Name); err != nil {
		return err
	}
	c := &dispatch.Call{Op: "GetVersionAsync", Store: ref, Key: key, RequestTypes: []string{"StandardRead"}}
	return rq.v1ReadEntry(c, errVersionNotFound, func() (*engine.Entry, error) {
		return rq.h.eng.GetVersion(ref, key, version)
	})
}

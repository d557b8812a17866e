package opencloud

// Ordered data stores, v2 (reference §5.2) and v1 (§5.4), on the engine's
// ordered family:
//
//	v2: /cloud/v2/universes/{u}/ordered-data-stores/{ods}/scopes/{scope}/entries[/{id}[:increment]]
//	v1: /ordered-data-stores/v1/universes/{u}/orderedDataStores/{ods}/scopes/{scope}/entries[/{id}[:increment]]
//
// Both: GET list (orderBy/order_by, filter), POST create (?id=), GET,
// PATCH (?allowMissing / allow_missing), DELETE, POST :increment. They
// differ in parameter spelling, in the list's field names, in v1's 200 on
// deleting a missing entry, and in values: v2 takes any number and rounds
// it to the nearest integer, v1 takes an int64.

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// orderedEntry is OrderedDataStoreEntry (v2) and the v1 entry alike.
type orderedEntry struct {
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
	ID    string          `json:"id"`
}

type v2OrderedListResponse struct {
	OrderedDataStoreEntries []orderedEntry `json:"orderedDataStoreEntries"`
	NextPageToken           string         `json:"nextPageToken"`
}

type v1OrderedListResponse struct {
	Entries       []orderedEntry `json:"entries"`
	NextPageToken string         `json:"nextPageToken"`
}

type orderedValueInput struct {
	Value json.RawMessage `json:"value"`
}

type orderedIncrementInput struct {
	Amount json.RawMessage `json:"amount"`
}

// orderedWhere is the scope of an ordered data store a request addresses.
type orderedWhere struct {
	ref  engine.StoreRef
	base string // the entries collection's resource path, with a trailing "/"
	v1   bool
}

func (rq *request) orderedWhere(store, scope string) orderedWhere {
	u := strconv.FormatInt(rq.universe, 10)
	w := orderedWhere{ref: engine.StoreRef{Universe: rq.universe, Name: store, Scope: scope}, v1: rq.fl == flavourV1Ordered}
	if w.v1 {
		w.base = "universes/" + u + "/orderedDataStores/" + store + "/scopes/" + scope + "/entries/"
	} else {
		w.base = "universes/" + u + "/ordered-data-stores/" + store + "/scopes/" + scope + "/entries/"
	}
	return w
}

func (w orderedWhere) entry(id string, e *engine.Entry) orderedEntry {
	return orderedEntry{Path: w.base + id, Value: e.Value, ID: id}
}

func (rq *request) routeV2Ordered(store, scope string, rest []string) error {
	return rq.routeOrdered(rq.orderedWhere(store, scope), rest)
}

func (rq *request) routeV1Ordered() error {
	s := rq.segs
	if len(s) < 5 || s[0] != "orderedDataStores" || s[2] != "scopes" || s[4] != "entries" {
		return rq.noRoute()
	}
	return rq.routeOrdered(rq.orderedWhere(s[1], s[3]), s[5:])
}

func (rq *request) routeOrdered(w orderedWhere, rest []string) error {
	m := rq.r.Method
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return rq.orderedList(w)
	case len(rest) == 0 && m == http.MethodPost:
		return rq.orderedCreate(w)
	case len(rest) != 1:
		return rq.noRoute()
	}
	id := rest[0]
	switch {
	case m == http.MethodGet:
		return rq.orderedGet(w, id)
	case m == http.MethodPatch:
		return rq.orderedUpdate(w, id)
	case m == http.MethodDelete:
		return rq.orderedDelete(w, id)
	case m == http.MethodPost && strings.HasSuffix(id, ":increment"):
		return rq.orderedIncrement(w, strings.TrimSuffix(id, ":increment"))
	}
	return rq.noRoute()
}

// orderedNumber reads a value or an amount: v1 passes it to the engine,
// which takes integers in int64 range; v2 rounds any number to the nearest
// integer first. Absent or null is missing (def, or errValueRequired when
// def is "").
func (w orderedWhere) number(raw json.RawMessage, def string) (json.RawMessage, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		if def == "" {
			return nil, errValueRequired
		}
		return json.RawMessage(def), nil
	}
	if w.v1 {
		return json.RawMessage(t), nil
	}
	if _, err := strconv.ParseInt(t, 10, 64); err == nil {
		return json.RawMessage(t), nil
	}
	if t[0] != '-' && (t[0] < '0' || t[0] > '9') {
		return nil, errOrderedValue
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errOrderedValue
	}
	r := math.Round(f)
	if r < math.MinInt64 || r >= math.MaxInt64 {
		return nil, errOrderedValue
	}
	return json.RawMessage(strconv.FormatInt(int64(r), 10)), nil
}

// descending reads orderBy: "value" (or nothing) ascending, "value desc"
// descending; v1 also takes a bare "desc" and "asc".
func (rq *request) descending(w orderedWhere) (bool, error) {
	v, _ := rq.param("orderBy", "order_by")
	switch strings.Join(strings.Fields(v), " ") {
	case "", "value", "value asc":
		return false, nil
	case "value desc":
		return true, nil
	case "asc":
		if w.v1 {
			return false, nil
		}
	case "desc":
		if w.v1 {
			return true, nil
		}
	}
	return false, errOrderBy
}

func (rq *request) orderedList(w orderedWhere) error {
	n, err := rq.pageSize(v2DefaultPageSize, v2MaxOrderedPage, "maxPageSize", "max_page_size")
	if err != nil {
		return err
	}
	desc, err := rq.descending(w)
	if err != nil {
		return err
	}
	filter, _ := rq.param("filter")
	vr, err := parseEntryFilter(filter)
	if err != nil {
		return err
	}
	token, _ := rq.param("pageToken", "page_token")
	ctx := newTokenContext("ordered", rq.universe).str(w.ref.Name).str(w.ref.Scope).int(int64(n)).flag(desc).
		flag(vr.hasMin).int(vr.min).flag(vr.hasMax).int(vr.max)
	bad := errPageToken
	if w.v1 {
		bad = errCursor
	}
	cursor, err := decodeToken(ctx, token, bad)
	if err != nil {
		return err
	}
	opt := engine.SortedOptions{Ascending: !desc, PageSize: n, Cursor: cursor}
	if vr.hasMin {
		opt.MinValue = json.RawMessage(strconv.FormatInt(vr.min, 10))
	}
	if vr.hasMax {
		opt.MaxValue = json.RawMessage(strconv.FormatInt(vr.max, 10))
	}
	var page *engine.Page[engine.SortedItem]
	c := &dispatch.Call{Op: "GetSortedAsync", Store: w.ref, Ordered: true, RequestTypes: []string{"OrderedList"}}
	err = rq.call(c, func() (int, error) {
		var err error
		page, err = rq.h.eng.GetSorted(w.ref, opt)
		return 0, err
	})
	if err != nil {
		return err
	}
	entries := make([]orderedEntry, 0, len(page.Items))
	for _, it := range page.Items {
		entries = append(entries, orderedEntry{Path: w.base + it.Key, Value: json.RawMessage(strconv.FormatInt(it.Value, 10)), ID: it.Key})
	}
	next := encodeToken(ctx, page.Cursor)
	if w.v1 {
		writeJSON(rq.w, http.StatusOK, v1OrderedListResponse{Entries: entries, NextPageToken: next})
	} else {
		writeJSON(rq.w, http.StatusOK, v2OrderedListResponse{OrderedDataStoreEntries: entries, NextPageToken: next})
	}
	return nil
}

func (rq *request) orderedCreate(w orderedWhere) error {
	id, _ := rq.param("id")
	var in orderedValueInput
	if err := rq.decodeBody(&in); err != nil {
		return err
	}
	value, err := w.number(in.Value, "")
	if err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "SetAsync", Store: w.ref, Ordered: true, Key: id, RequestTypes: []string{"OrderedWrite"}, WriteBytes: len(value)}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.orderedWrite(w.ref, id, value, func(cur *engine.Entry) error {
			if cur != nil {
				return errEntryExists
			}
			return nil
		})
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, w.entry(id, out))
	return nil
}

// orderedWrite is conditionalWrite for ordered entries.
func (rq *request) orderedWrite(ref engine.StoreRef, key string, value json.RawMessage, check func(cur *engine.Entry) error) (*engine.Entry, error) {
	eng := rq.h.eng
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, token, err := eng.OrderedReadForUpdate(ref, key)
		if err != nil {
			return nil, err
		}
		if err := check(cur); err != nil {
			return nil, err
		}
		out, err := eng.OrderedCommitUpdate(ref, key, token, value, engine.WriteOptions{})
		var conflict *engine.Conflict
		if errors.As(err, &conflict) {
			continue
		}
		return out, err
	}
	return nil, errContention
}

func (rq *request) orderedGet(w orderedWhere, id string) error {
	c := &dispatch.Call{Op: "GetAsync", Store: w.ref, Ordered: true, Key: id, RequestTypes: []string{"OrderedRead"}}
	e, err := rq.callRead(c, func() (*engine.Entry, error) {
		return rq.h.eng.OrderedGet(w.ref, id)
	})
	switch {
	case err != nil:
		return err
	case e == nil:
		return errEntryNotFound
	}
	writeJSON(rq.w, http.StatusOK, w.entry(id, e))
	return nil
}

func (rq *request) orderedUpdate(w orderedWhere, id string) error {
	allowMissing, err := rq.boolParam("allowMissing", "allow_missing")
	if err != nil {
		return err
	}
	var in orderedValueInput
	if err := rq.decodeBody(&in); err != nil {
		return err
	}
	value, err := w.number(in.Value, "")
	if err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "SetAsync", Store: w.ref, Ordered: true, Key: id, RequestTypes: []string{"OrderedWrite"}, WriteBytes: len(value)}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.orderedWrite(w.ref, id, value, func(cur *engine.Entry) error {
			if cur == nil && !allowMissing {
				return errEntryNotFound
			}
			return nil
		})
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, w.entry(id, out))
	return nil
}

func (rq *request) orderedDelete(w orderedWhere, id string) error {
	c := &dispatch.Call{Op: "RemoveAsync", Store: w.ref, Ordered: true, Key: id, RequestTypes: []string{"OrderedRemove"}, WriteBytes: 1}
	err := rq.call(c, func() (int, error) {
		old, err := rq.h.eng.OrderedRemove(w.ref, id)
		if err == nil && old == nil && !w.v1 {
			return 0, errEntryNotFound // v1 answers 200 for a missing entry
		}
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, struct{}{})
	return nil
}

func (rq *request) orderedIncrement(w orderedWhere, id string) error {
	var in orderedIncrementInput
	if err := rq.decodeBody(&in); err != nil {
		return err
	}
	amount, err := w.number(in.Amount, "0")
	if err != nil {
		return err
	}
	var out *engine.Entry
	c := &dispatch.Call{Op: "IncrementAsync", Store: w.ref, Ordered: true, Key: id, RequestTypes: []string{"OrderedWrite"}, WriteBytes: 8}
	err = rq.call(c, func() (int, error) {
		var err error
		out, err = rq.h.eng.OrderedIncrement(w.ref, id, amount, engine.WriteOptions{})
		return 0, err
	})
	if err != nil {
		return err
	}
	writeJSON(rq.w, http.StatusOK, w.entry(id, out))
	return nil
}

package engine

// Ordered data stores of reference §4.4 and design decision 8:
// GetOrderedDataStore's GetAsync, SetAsync, IncrementAsync, RemoveAsync, the
// UpdateAsync pair, BatchGetAsync and GetSortedAsync.
//
// An entry is its value in the `o` space and one key in the sorted index
// (`s`: value, then key name), changed together in one transaction under
// the key's lock. Values are integers in int64 range; there are no
// versions, metadata or user ids, and RemoveAsync deletes at once.
//
// GetSortedAsync walks the index: ascending is one forward scan; descending
// walks it backwards a value at a time and reads each value's keys forward,
// so that equal values are always ordered by key name ascending.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"sync"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// Limits of the ordered family.
const (
	MaxSortedPageSize = 100 // GetSortedAsync pageSize is 1..100 (error 106)
	MaxBatchGetKeys   = 100 // BatchGetAsync takes 1..100 keys
)

// ordRecord is a stored ordered entry: the value and a stamp that changes on
// every write. The stamp comes from the store-wide version sequence, so it
// never repeats, even after the entry is removed and written again: it is
// the token of the UpdateAsync pair.
type ordRecord struct {
	value int64
	stamp uint64
}

// The `o` value is 16 bytes: the value (big-endian int64), then the stamp.
func (r ordRecord) marshal() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(r.value))
	return binary.BigEndian.AppendUint64(b, r.stamp)
}

func unmarshalOrd(b []byte) (ordRecord, error) {
	if len(b) != 16 {
		return ordRecord{}, errors.New("engine: corrupt ordered entry")
	}
	return ordRecord{value: int64(binary.BigEndian.Uint64(b)), stamp: binary.BigEndian.Uint64(b[8:])}, nil
}

func (r ordRecord) token() string { return strconv.FormatUint(r.stamp, 10) }

// numberJSON is an ordered value as it travels: a JSON integer.
func numberJSON(v int64) json.RawMessage { return json.RawMessage(strconv.FormatInt(v, 10)) }

// ordEntry is the Entry form of an ordered value: no key info, ever.
func ordEntry(r *ordRecord) *Entry {
	if r == nil {
		return nil
	}
	return &Entry{Value: numberJSON(r.value)}
}

// orderedObject resolves a key of an ordered store. GetOrderedDataStore
// takes no options, so AllScopes has no meaning here.
func (r StoreRef) orderedObject(key string) (storage.ObjectKey, error) {
	if err := r.orderedCheck(); err != nil {
		return storage.ObjectKey{}, err
	}
	return r.object(key)
}

func (r StoreRef) orderedCheck() error {
	if r.AllScopes {
		return dserr.New(dserr.ProtocolBadArgument, "GetOrderedDataStore", "an OrderedDataStore has no AllScopes option")
	}
	return r.Check()
}

// errOutOfRange is what an integer outside int64 gives: the backend refuses
// it as Roblox's does (reference §1.5, infinite numbers).
func errOutOfRange() error { return dserr.New(dserr.RequestRejected, "HTTP 400 (Bad Request)") }

// jsonInteger reads a JSON number holding an integer (1, 1.0, 1e3; not
// 1.5). inRange is false for an integer outside int64.
func jsonInteger(raw []byte) (v int64, isInt, inRange bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false, false
	}
	if math.IsNaN(f) || f != math.Trunc(f) {
		return 0, false, false
	}
	if math.IsInf(f, 0) || f < -(1<<63) || f >= 1<<63 {
		return 0, true, false
	}
	return int64(f), true, true
}

// orderedValue checks a value written to an ordered store: an integer in
// int64 range. Anything else is 103 naming its type (double, string,
// boolean, Array, Dictionary); an integer beyond int64 is refused as the
// backend refuses it.
func orderedValue(raw json.RawMessage, argPos int) (int64, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return 0, dserr.New(dserr.ArgumentMissing, argPos)
	}
	if !json.Valid(t) {
		return 0, dserr.New(dserr.ValueNotAllowed, jsonKind(t))
	}
	v, isInt, inRange := jsonInteger(t)
	switch {
	case !isInt:
		return 0, dserr.New(dserr.ValueNotAllowed, jsonKind(t))
	case !inRange:
		return 0, errOutOfRange()
	}
	return v, nil
}

// orderedExtras refuses what ordered writes do not take, in the order of
// design decision 3: options (metadata) first, then user ids. Any metadata
// given, even {}, means an options object was passed; an empty user id list
// is what Luau passes by default and is allowed.
func orderedExtras(opts WriteOptions) error {
	if present(opts.Metadata) {
		return dserr.New(dserr.OptionsNotAllowed)
	}
	if t := bytes.TrimSpace(opts.UserIDs); present(t) {
		var ids []json.RawMessage
		if json.Unmarshal(t, &ids) != nil || len(ids) > 0 {
			return dserr.New(dserr.UserIdsNotAllowed)
		}
	}
	return nil
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// readOrdered loads an ordered entry; nil when it does not exist.
func readOrdered(txn *badger.Txn, o storage.ObjectKey) (*ordRecord, error) {
	item, err := txn.Get(storage.OrderedKey(o))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r ordRecord
	err = item.Value(func(v []byte) error {
		var uerr error
		r, uerr = unmarshalOrd(v)
		return uerr
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// putOrdered writes value as the entry's new state, moving its index key.
// Caller holds the key lock.
func (e *Engine) putOrdered(txn *badger.Txn, o storage.ObjectKey, prev *ordRecord, value int64) (*ordRecord, error) {
	stamp, err := e.db.NextSeq()
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.value != value {
		if err := txn.Delete(storage.OrderedIndexKey(o, prev.value)); err != nil {
			return nil, err
		}
	}
	next := &ordRecord{value: value, stamp: stamp}
	if err := txn.Set(storage.OrderedKey(o), next.marshal()); err != nil {
		return nil, err
	}
	if err := txn.Set(storage.OrderedIndexKey(o, value), nil); err != nil {
		return nil, err
	}
	return next, e.touchOrderedStore(txn, storage.StoreKey{Universe: o.Universe, Name: o.Name}, e.now())
}

// ordStoreCache caches ordered data store records as Engine.stores does
// standard ones, so that the record is written blind (see touchStore).
type ordStoreCache struct {
	mu sync.Mutex
	m  map[storage.StoreKey]storage.StoreRecord
}

// touchOrderedStore records that an ordered store was written at ms.
func (e *Engine) touchOrderedStore(txn *badger.Txn, s storage.StoreKey, ms int64) error {
	c := &e.ordStores
	c.mu.Lock()
	rec, ok := c.m[s]
	c.mu.Unlock()
	if !ok {
		var err error
		if rec, err = storeRecordOrNew(txn, storage.OrderedStoreRecordKey(s), ms); err != nil {
			return err
		}
	}
	if ms > rec.UpdatedTime {
		rec.UpdatedTime = ms
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[storage.StoreKey]storage.StoreRecord{}
	}
	if cur, ok := c.m[s]; ok && cur.UpdatedTime > rec.UpdatedTime {
		rec.UpdatedTime = cur.UpdatedTime
	}
	c.m[s] = rec
	c.mu.Unlock()
	return txn.Set(storage.OrderedStoreRecordKey(s), rec.Marshal())
}

// forgetOrderedStores drops the ordered store-record cache; whatever resets
// or imports data must call it beside forgetStores.
func (e *Engine) forgetOrderedStores() {
	e.ordStores.mu.Lock()
	e.ordStores.m = nil
	e.ordStores.mu.Unlock()
}

// orderedSetArgs checks the arguments of an ordered SetAsync or UpdateAsync
// commit: the key, then the value (returned as the integer it is), then
// the options (refused, 517).
func (r StoreRef) orderedSetArgs(key string, value json.RawMessage, opts WriteOptions) (storage.ObjectKey, int64, error) {
	o, err := r.orderedObject(key)
	if err != nil {
		return o, 0, err
	}
	v, err := orderedValue(value, 2)
	if err != nil {
		return o, 0, err
	}
	return o, v, orderedExtras(opts)
}

// OrderedGet is GetAsync on an OrderedDataStore: the value, or nil when the
// key has none. Ordered stores return no key info.
func (e *Engine) OrderedGet(ref StoreRef, key string) (*Entry, error) {
	o, err := ref.orderedObject(key)
	if err != nil {
		return nil, err
	}
	var out *Entry
	err = e.db.View(func(txn *badger.Txn) error {
		r, err := readOrdered(txn, o)
		out = ordEntry(r)
		return err
	})
	return out, e.internal("ordered-get", err)
}

// OrderedSet is SetAsync on an OrderedDataStore: value must be an integer
// in int64 range; user ids and options are refused (517). It returns the
// entry as written.
func (e *Engine) OrderedSet(ref StoreRef, key string, value json.RawMessage, opts WriteOptions) (*Entry, error) {
	o, v, err := ref.orderedSetArgs(key, value, opts)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := readOrdered(txn, o)
		if err != nil {
			return err
		}
		next, err := e.putOrdered(txn, o, prev, v)
		out = ordEntry(next)
		return err
	})
	return out, e.internal("ordered-set", err)
}

// OrderedIncrement is IncrementAsync on an OrderedDataStore: the value plus
// delta (default 1; a missing key starts at 0). A sum outside int64 is
// refused and nothing is written.
func (e *Engine) OrderedIncrement(ref StoreRef, key string, delta json.RawMessage, opts WriteOptions) (*Entry, error) {
	o, err := ref.orderedObject(key)
	if err != nil {
		return nil, err
	}
	d := int64(1)
	if present(delta) {
		v, isInt, inRange := jsonInteger(delta)
		switch {
		case !isInt:
			return nil, dserr.New(dserr.IncrementDeltaInvalid)
		case !inRange:
			return nil, errOutOfRange()
		}
		d = v
	}
	if err := orderedExtras(opts); err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := readOrdered(txn, o)
		if err != nil {
			return err
		}
		var cur int64
		if prev != nil {
			cur = prev.value
		}
		sum := cur + d
		if (d > 0 && sum < cur) || (d < 0 && sum > cur) {
			return errOutOfRange()
		}
		next, err := e.putOrdered(txn, o, prev, sum)
		out = ordEntry(next)
		return err
	})
	return out, e.internal("ordered-increment", err)
}

// OrderedRemove is RemoveAsync on an OrderedDataStore: it deletes the entry
// at once (no tombstone) and returns the value it held, or nil.
func (e *Engine) OrderedRemove(ref StoreRef, key string) (*Entry, error) {
	o, err := ref.orderedObject(key)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := readOrdered(txn, o)
		if err != nil || prev == nil {
			return err
		}
		out = ordEntry(prev)
		if err := txn.Delete(storage.OrderedKey(o)); err != nil {
			return err
		}
		return txn.Delete(storage.OrderedIndexKey(o, prev.value))
	})
	return out, e.internal("ordered-remove", err)
}

// OrderedReadForUpdate is the read half of UpdateAsync on an ordered store:
// the value (nil when missing) and the token to commit against ("" for a
// missing key).
func (e *Engine) OrderedReadForUpdate(ref StoreRef, key string) (*Entry, string, error) {
	o, err := ref.orderedObject(key)
	if err != nil {
		return nil, "", err
	}
	var out *Entry
	var token string
	err = e.db.View(func(txn *badger.Txn) error {
		r, err := readOrdered(txn, o)
		if r != nil {
			token = r.token()
		}
		out = ordEntry(r)
		return err
	})
	return out, token, e.internal("ordered-read-for-update", err)
}

// OrderedCommitUpdate is the write half of UpdateAsync on an ordered store:
// it writes value only if the entry is still at token, and otherwise
// returns a *Conflict with the fresh value and token. The value is checked
// as SetAsync checks it; user ids and metadata are refused (517).
func (e *Engine) OrderedCommitUpdate(ref StoreRef, key, token string, value json.RawMessage, opts WriteOptions) (*Entry, error) {
	o, v, err := ref.orderedSetArgs(key, value, opts)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := readOrdered(txn, o)
		if err != nil {
			return err
		}
		cur := ""
		if prev != nil {
			cur = prev.token()
		}
		if cur != token {
			return &Conflict{Current: ordEntry(prev), Token: cur}
		}
		next, err := e.putOrdered(txn, o, prev, v)
		out = ordEntry(next)
		return err
	})
	var c *Conflict
	if errors.As(err, &c) {
		return nil, c
	}
	return out, e.internal("ordered-commit-update", err)
}

// BatchItem is one value of BatchGetAsync's result.
type BatchItem struct {
	Value int64 `json:"value"`
}

// CheckBatchGet checks BatchGetAsync's arguments as BatchGet does, without
// reading anything: for a door that spends budget per key first.
func (e *Engine) CheckBatchGet(ref StoreRef, keys []string) error {
	_, err := batchObjects(ref, keys)
	return err
}

func batchObjects(ref StoreRef, keys []string) ([]storage.ObjectKey, error) {
	if err := ref.orderedCheck(); err != nil {
		return nil, err
	}
	if len(keys) == 0 || len(keys) > MaxBatchGetKeys {
		return nil, dserr.New(dserr.BatchGetKeyCount)
	}
	objs := make([]storage.ObjectKey, len(keys))
	for i, k := range keys {
		o, err := ref.object(k)
		if err != nil {
			return nil, err
		}
		objs[i] = o
	}
	return objs, nil
}

// BatchGet is BatchGetAsync on an OrderedDataStore: the values of 1..100
// keys, each key checked as GetAsync checks it; keys without a value are
// left out of the result.
func (e *Engine) BatchGet(ref StoreRef, keys []string) (map[string]BatchItem, error) {
	objs, err := batchObjects(ref, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]BatchItem, len(keys))
	err = e.db.View(func(txn *badger.Txn) error {
		for i, o := range objs {
			r, err := readOrdered(txn, o)
			if err != nil {
				return err
			}
			if r != nil {
				out[keys[i]] = BatchItem{Value: r.value}
			}
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("batch-get", err)
	}
	return out, nil
}

// SortedItem is one entry of a GetSortedAsync page.
type SortedItem struct {
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// SortedOptions are GetSortedAsync's arguments.
type SortedOptions struct {
	Ascending bool
	// PageSize must be within 1..100 (106).
	PageSize int
	// MinValue and MaxValue are inclusive bounds: JSON integers, or absent
	// (or null) for none. Anything else is 106; MaxValue < MinValue is 107.
	MinValue, MaxValue json.RawMessage
	Cursor             string
}

// sortedBound reads one GetSortedAsync bound. An integer beyond int64 is a
// bound no value passes, so it is clamped to int64's end.
func sortedBound(raw json.RawMessage, errID string) (v int64, given bool, err error) {
	if !present(raw) {
		return 0, false, nil
	}
	t := bytes.TrimSpace(raw)
	v, isInt, inRange := jsonInteger(t)
	switch {
	case !isInt || !json.Valid(t):
		return 0, false, dserr.New(errID)
	case !inRange && t[0] == '-':
		return math.MinInt64, true, nil
	case !inRange:
		return math.MaxInt64, true, nil
	}
	return v, true, nil
}

// groupBuffer is how many keys of one value the descending walk collects
// backwards before it reads that value's keys forward instead.
const groupBuffer = 2 * MaxSortedPageSize

// GetSorted is GetSortedAsync: one page of the entries whose values lie in
// [MinValue, MaxValue], by value (ascending or descending) and, for equal
// values, by key name ascending in both directions (design decision 8).
func (e *Engine) GetSorted(ref StoreRef, opt SortedOptions) (*Page[SortedItem], error) {
	if err := ref.orderedCheck(); err != nil {
		return nil, err
	}
	switch {
	case opt.PageSize < 1:
		return nil, dserr.New(dserr.PageSizeGreater)
	case opt.PageSize > MaxSortedPageSize:
		return nil, dserr.New(dserr.PageSizeLesser)
	}
	lo, hasLo, err := sortedBound(opt.MinValue, dserr.MinValueInvalid)
	if err != nil {
		return nil, err
	}
	hi, hasHi, err := sortedBound(opt.MaxValue, dserr.MaxValueInvalid)
	if err != nil {
		return nil, err
	}
	if hasLo && hasHi && hi < lo {
		return nil, dserr.New(dserr.MinMaxOrderInvalid)
	}
	if !hasLo {
		lo = math.MinInt64
	}
	if !hasHi {
		hi = math.MaxInt64
	}
	n := opt.PageSize
	ctx := fields(nil).i64(ref.Universe).str(ref.Name).str(ref.Scope).flag(opt.Ascending).i64(lo).i64(hi)
	var resume *SortedItem // the entry the previous page ended with
	if opt.Cursor != "" {
		r, err := decodeCursor(opt.Cursor, cursorSorted, ctx)
		if err != nil {
			return nil, err
		}
		it := SortedItem{Value: r.i64(), Key: r.str()}
		if !r.done() || it.Key == "" || it.Value < lo || it.Value > hi {
			return nil, errBadCursor()
		}
		resume = &it
	}
	prefix := storage.OrderedIndexPrefix(ref.Universe, ref.Name, ref.Scope)
	indexKey := func(v int64, k string) []byte {
		return append(storage.OrderedIndexValueKey(ref.Universe, ref.Name, ref.Scope, v), k...)
	}
	var items []SortedItem
	collect := func(v int64, k string) bool {
		items = append(items, SortedItem{Key: k, Value: v})
		return len(items) > n
	}
	err = e.db.View(func(txn *badger.Txn) error {
		fwd := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer fwd.Close()
		// forward collects the entries of value group v (or, with v's
		// group left out, of every value up to hi) from seek on.
		forward := func(seek []byte, only bool, v int64) bool {
			for fwd.Seek(seek); fwd.Valid(); fwd.Next() {
				val, key := storage.DecodeOrderedIndex(prefix, fwd.Item().Key())
				if val > hi || (only && val != v) {
					return false
				}
				if collect(val, key) {
					return true
				}
			}
			return false
		}
		if opt.Ascending {
			seek := storage.OrderedIndexValueKey(ref.Universe, ref.Name, ref.Scope, lo)
			if resume != nil {
				seek = after(indexKey(resume.Value, resume.Key))
			}
			forward(seek, false, 0)
			return nil
		}
		top := hi // the highest value still to visit
		if resume != nil {
			// First the rest of the value the last page ended in.
			if forward(after(indexKey(resume.Value, resume.Key)), true, resume.Value) || resume.Value == math.MinInt64 {
				return nil
			}
			top = resume.Value - 1
		}
		if top < lo {
			return nil
		}
		rev := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer rev.Close()
		if top == math.MaxInt64 {
			rev.Seek(storage.PrefixEnd(prefix))
		} else {
			// Every key of value top+1 sorts after the bare value prefix.
			rev.Seek(storage.OrderedIndexValueKey(ref.Universe, ref.Name, ref.Scope, top+1))
		}
		group := make([]string, 0, groupBuffer)
		for rev.Valid() {
			v, _ := storage.DecodeOrderedIndex(prefix, rev.Item().Key())
			if v < lo {
				return nil
			}
			// Gather value v's keys backwards; a large group is read
			// forwards instead, from its first key.
			group = group[:0]
			big := false
			for ; rev.Valid(); rev.Next() {
				val, key := storage.DecodeOrderedIndex(prefix, rev.Item().Key())
				if val != v {
					break
				}
				if len(group) == groupBuffer {
					big = true
					break
				}
				group = append(group, key)
			}
			if big {
				if forward(storage.OrderedIndexValueKey(ref.Universe, ref.Name, ref.Scope, v), true, v) || v == math.MinInt64 {
					return nil
				}
				// Past the group: the bare value prefix sorts before its keys.
				rev.Seek(storage.OrderedIndexValueKey(ref.Universe, ref.Name, ref.Scope, v))
				continue
			}
			for i := len(group) - 1; i >= 0; i-- {
				if collect(v, group[i]) {
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("get-sorted", err)
	}
	return pageOf(items, n, func(i int) string {
		return encodeCursor(cursorSorted, ctx, fields(nil).i64(items[i].Value).str(items[i].Key))
	}, nil), nil
}

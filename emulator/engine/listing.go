package engine

// Listing of reference §4.1 and §4.3: DataStoreService:ListDataStoresAsync
// and DataStore:ListKeysAsync, plus the page and cursor machinery that
// ListVersionsAsync (versions.go) and GetSortedAsync (ordered.go) share.
//
// Every listing reads one page with a badger iterator that seeks to the
// cursor and walks forward: the cost is O(page size), never O(store size).

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// Page sizes of design decision 7. A page size of 0 (or less) asks for the
// default; a larger one than the maximum is clamped to it.
const (
	DefaultListKeysPageSize     = 50
	MaxListKeysPageSize         = 100
	DefaultListStoresPageSize   = 32
	MaxListStoresPageSize       = 100
	DefaultListVersionsPageSize = 1024
	MaxListVersionsPageSize     = 1024

	// MaxListScan is how many keys (or data stores) one listing call examines
	// at most when it skips some (ListKeysAsync with excludeDeleted, expired
	// tombstones, empty data stores). A call that reaches it returns what it
	// found, possibly nothing, with a cursor to go on from (reference §2).
	MaxListScan = 512
)

// Page is one page of a listing: the items, the cursor that fetches the next
// page ("" when there is none) and whether this is the last page. A page may
// be empty and still not the last (see MaxListScan).
type Page[T any] struct {
	Items      []T    `json:"items"`
	Cursor     string `json:"cursor"`
	IsFinished bool   `json:"isFinished"`
}

// pageOf turns up to n+1 collected items into a page: an (n+1)th item
// proves that more follow, and the page ends at the nth (cursorAt(n-1) is
// where the next page starts). resume, when not nil, is the cursor of a scan
// that stopped at MaxListScan before finding n+1 items: the page is not the
// last, whatever it holds.
func pageOf[T any](items []T, n int, cursorAt func(i int) string, resume func() string) *Page[T] {
	if items == nil {
		items = []T{}
	}
	switch {
	case len(items) > n:
		return &Page[T]{Items: items[:n], Cursor: cursorAt(n - 1)}
	case resume != nil:
		return &Page[T]{Items: items, Cursor: resume()}
	}
	return &Page[T]{Items: items, IsFinished: true}
}

// clampPageSize applies design decision 7 to a requested page size.
func clampPageSize(n, def, limit int) int {
	switch {
	case n <= 0:
		return def
	case n > limit:
		return limit
	}
	return n
}

// Cursors are opaque to clients: base64url of
//
//	format byte | kind byte | payload | check (8 bytes)
//
// where the payload holds the position (the last key returned) and check is
// the first 8 bytes of SHA-256 over the kind, the listing's parameters (its
// "context": universe, store, scope, prefix, bounds, direction) and the
// payload. A string the emulator did not issue for this very listing, or one
// altered in any byte, fails the check and is refused with
// InvalidExclusiveStartKey. The page size is not part of the context: a
// caller may change it between pages.
const (
	cursorFormat   byte = 1
	cursorKeys     byte = 'k'
	cursorStores   byte = 'd'
	cursorVersions byte = 'v'
	cursorSorted   byte = 's'
	cursorCheckLen      = 8
	maxCursorLen        = 1024
)

// fields builds a cursor payload or context: length-prefixed strings and
// varints, so that no two different field lists encode alike.
type fields []byte

func (f fields) str(s string) fields {
	f = binary.AppendUvarint(f, uint64(len(s)))
	return append(f, s...)
}

func (f fields) i64(v int64) fields { return binary.AppendVarint(f, v) }

func (f fields) flag(b bool) fields {
	if b {
		return append(f, 1)
	}
	return append(f, 0)
}

// fieldReader reads what fields wrote; any misstep marks it bad.
type fieldReader struct {
	b   []byte
	bad bool
}

func (r *fieldReader) str() string {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || uint64(len(r.b)-k) < n {
		r.bad = true
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *fieldReader) i64() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[k:]
	return v
}

// done reports whether the payload was read exactly, with nothing left over.
func (r *fieldReader) done() bool { return !r.bad && len(r.b) == 0 }

func cursorCheck(kind byte, ctx, payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte{cursorFormat, kind})
	h.Write(binary.AppendUvarint(nil, uint64(len(ctx))))
	h.Write(ctx)
	h.Write(payload)
	return h.Sum(nil)[:cursorCheckLen]
}

func encodeCursor(kind byte, ctx, payload fields) string {
	b := make([]byte, 0, 2+len(payload)+cursorCheckLen)
	b = append(b, cursorFormat, kind)
	b = append(b, payload...)
	b = append(b, cursorCheck(kind, ctx, payload)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errBadCursor is what every malformed or foreign cursor gives.
func errBadCursor() error { return dserr.New(dserr.InvalidExclusiveStartKey) }

// decodeCursor returns a cursor's payload, or InvalidExclusiveStartKey when
// the string is not a cursor issued for this kind of listing and context.
func decodeCursor(s string, kind byte, ctx fields) (*fieldReader, error) {
	if len(s) > maxCursorLen {
		return nil, errBadCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2+cursorCheckLen || b[0] != cursorFormat || b[1] != kind {
		return nil, errBadCursor()
	}
	payload := b[2 : len(b)-cursorCheckLen]
	if !bytes.Equal(b[len(b)-cursorCheckLen:], cursorCheck(kind, ctx, payload)) {
		return nil, errBadCursor()
	}
	return &fieldReader{b: payload}, nil
}

// after returns the smallest badger key greater than k: the seek target that
// resumes a forward scan just past k.
func after(k []byte) []byte {
	out := make([]byte, len(k)+1)
	copy(out, k)
	return out
}

// headState reads what a listing needs from a head record without copying
// the value out: whether it is a tombstone, and whether that tombstone has
// outlived its 30 days (then the key reads as absent, as readHead does).
func headState(item *badger.Item, now int64) (deleted, expired bool, err error) {
	err = item.Value(func(v []byte) error {
		r, err := storage.UnmarshalRecord(v)
		if err != nil {
			return err
		}
		deleted = r.Deleted
		expired = r.Deleted && r.UpdatedTime+BackupRetention.Milliseconds() <= now
		return nil
	})
	return deleted, expired, err
}

// KeyItem is DataStoreKey: the key's name, "scope/key" under AllScopes.
type KeyItem struct {
	KeyName string `json:"keyName"`
}

// ListKeysOptions are ListKeysAsync's arguments.
type ListKeysOptions struct {
	Prefix   string
	PageSize int // 0: 50; at most 100
	Cursor   string
	// ExcludeDeleted leaves out keys whose latest version is a tombstone.
	ExcludeDeleted bool
}

// ListKeys is ListKeysAsync: the keys of a scope (or of every scope, named
// "scope/key", with AllScopes) whose name starts with Prefix, in byte order.
// Keys removed with RemoveAsync are listed until their tombstone expires,
// unless ExcludeDeleted. One call examines at most MaxListScan keys, so with
// ExcludeDeleted a page may come back short, or empty, with a cursor.
//
// Under AllScopes the prefix applies to "scope/key": a prefix without "/"
// selects the scopes that start with it; one with "/" selects the scope
// before its first "/" and the keys starting with the rest. Keys are
// ordered by scope, then key.
func (e *Engine) ListKeys(ref StoreRef, opt ListKeysOptions) (*Page[KeyItem], error) {
	if err := ref.Check(); err != nil {
		return nil, err
	}
	n := clampPageSize(opt.PageSize, DefaultListKeysPageSize, MaxListKeysPageSize)
	var prefix []byte
	switch {
	case !ref.AllScopes:
		prefix = storage.EntryPrefix(ref.Universe, ref.Name, ref.Scope, false, opt.Prefix)
	case strings.Contains(opt.Prefix, "/"):
		i := strings.IndexByte(opt.Prefix, '/')
		prefix = storage.EntryPrefix(ref.Universe, ref.Name, opt.Prefix[:i], false, opt.Prefix[i+1:])
	default:
		// The scopes that start with the prefix.
		prefix = storage.EntryScopesPrefix(ref.Universe, ref.Name, opt.Prefix)
	}
	ctx := fields(nil).i64(ref.Universe).str(ref.Name).str(ref.Scope).flag(ref.AllScopes).str(opt.Prefix)
	start := prefix
	if opt.Cursor != "" {
		r, err := decodeCursor(opt.Cursor, cursorKeys, ctx)
		if err != nil {
			return nil, err
		}
		scope, key := r.str(), r.str()
		if !r.done() {
			return nil, errBadCursor()
		}
		start = after(storage.EntryKey(storage.ObjectKey{Universe: ref.Universe, Name: ref.Name, Scope: scope, Key: key}))
	}
	var items []KeyItem
	var pos []storage.ObjectKey // where each item is, for its cursor
	var last storage.ObjectKey  // the last key examined
	capped := false
	now := e.now()
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		scanned := 0
		for it.Seek(start); it.Valid(); it.Next() {
			if scanned == MaxListScan {
				capped = true
				return nil
			}
			scanned++
			item := it.Item()
			o, err := storage.ObjectFromEntryKey(item.Key())
			if err != nil {
				return err
			}
			last = o
			deleted, expired, err := headState(item, now)
			if err != nil {
				return err
			}
			if expired || (deleted && opt.ExcludeDeleted) {
				continue
			}
			name := o.Key
			if ref.AllScopes {
				name = o.Scope + "/" + o.Key
			}
			items = append(items, KeyItem{KeyName: name})
			pos = append(pos, o)
			if len(items) > n {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("list-keys", err)
	}
	cursorOf := func(o storage.ObjectKey) string {
		return encodeCursor(cursorKeys, ctx, fields(nil).str(o.Scope).str(o.Key))
	}
	var resume func() string
	if capped {
		resume = func() string { return cursorOf(last) }
	}
	return pageOf(items, n, func(i int) string { return cursorOf(pos[i]) }, resume), nil
}

// StoreInfo is DataStoreInfo: a data store's name and the times (Unix ms) of
// its first and latest write.
type StoreInfo struct {
	CreatedTime   int64  `json:"createdTime"`
	UpdatedTime   int64  `json:"updatedTime"`
	DataStoreName string `json:"dataStoreName"`
}

// ListStoresOptions are ListDataStoresAsync's arguments.
type ListStoresOptions struct {
	Prefix   string
	PageSize int // 0: 32; at most 100
	Cursor   string
}

// ListDataStores is ListDataStoresAsync: the standard data stores of a
// universe whose name starts with Prefix, in byte order, that hold at least
// one object (a key, live or deleted, whose tombstone has not expired).
// Ordered data stores are not listed, as in Roblox.
func (e *Engine) ListDataStores(universe int64, opt ListStoresOptions) (*Page[StoreInfo], error) {
	n := clampPageSize(opt.PageSize, DefaultListStoresPageSize, MaxListStoresPageSize)
	prefix := storage.StoreRecordPrefix(universe, opt.Prefix)
	ctx := fields(nil).i64(universe).str(opt.Prefix)
	start := prefix
	if opt.Cursor != "" {
		r, err := decodeCursor(opt.Cursor, cursorStores, ctx)
		if err != nil {
			return nil, err
		}
		name := r.str()
		if !r.done() {
			return nil, errBadCursor()
		}
		start = after(storage.StoreRecordKey(storage.StoreKey{Universe: universe, Name: name}))
	}
	var items []StoreInfo
	var lastName string
	capped := false
	now := e.now()
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		scanned := 0
		for it.Seek(start); it.Valid(); it.Next() {
			if scanned == MaxListScan {
				capped = true
				return nil
			}
			scanned++
			item := it.Item()
			sk := storage.StoreFromRecordKey(item.KeyCopy(nil))
			lastName = sk.Name
			has, err := e.storeHasObject(txn, sk, now)
			if err != nil {
				return err
			}
			if !has {
				continue
			}
			var rec storage.StoreRecord
			if err := item.Value(func(v []byte) error {
				var uerr error
				rec, uerr = storage.UnmarshalStoreRecord(v)
				return uerr
			}); err != nil {
				return err
			}
			items = append(items, StoreInfo{CreatedTime: rec.CreatedTime, UpdatedTime: rec.UpdatedTime, DataStoreName: sk.Name})
			if len(items) > n {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("list-data-stores", err)
	}
	cursorOf := func(name string) string {
		return encodeCursor(cursorStores, ctx, fields(nil).str(name))
	}
	var resume func() string
	if capped {
		resume = func() string { return cursorOf(lastName) }
	}
	return pageOf(items, n, func(i int) string { return cursorOf(items[i].DataStoreName) }, resume), nil
}

// storeHasObject reports whether a data store holds at least one key that
// reads as existing or deleted (not an expired tombstone). It looks at
// MaxListScan keys at most; a store whose first MaxListScan keys are all
// expired tombstones awaiting the sweeper counts as holding objects.
func (e *Engine) storeHasObject(txn *badger.Txn, sk storage.StoreKey, now int64) (bool, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: storage.StoreEntriesPrefix(sk.Universe, sk.Name)})
	defer it.Close()
	checked := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if checked == MaxListScan {
			return true, nil
		}
		checked++
		_, expired, err := headState(it.Item(), now)
		if err != nil {
			return false, err
		}
		if !expired {
			return true, nil
		}
	}
	return false, nil
}

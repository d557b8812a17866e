package engine

// The standard data store read and write family of reference §4.2:
// GetAsync, SetAsync, IncrementAsync, RemoveAsync, and UpdateAsync as the
// pair ReadForUpdate / CommitUpdate.

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// KeyInfo is DataStoreKeyInfo: times in Unix ms, the version id, and the
// user ids and metadata of the latest version.
type KeyInfo struct {
	CreatedTime int64           `json:"createdTime"`
	UpdatedTime int64           `json:"updatedTime"`
	Version     string          `json:"version"`
	UserIDs     []int64         `json:"userIds"`
	Metadata    json.RawMessage `json:"metadata"`
}

// Entry is a value with its key info.
type Entry struct {
	Value json.RawMessage `json:"value"`
	Info  *KeyInfo        `json:"keyInfo"`
}

// WriteOptions carry what SetAsync, IncrementAsync and UpdateAsync write
// beside the value. Both are raw JSON as the client sent them (absent or
// null: none); every write replaces both, so omitting them clears them.
type WriteOptions struct {
	UserIDs  json.RawMessage
	Metadata json.RawMessage
}

type writeExtras struct {
	userIDs  []int64
	metadata []byte
}

// parse validates metadata, then user ids (design decision 3).
func (w WriteOptions) parse() (writeExtras, error) {
	md, err := compactMetadata(w.Metadata)
	if err != nil {
		return writeExtras{}, err
	}
	ids, err := parseUserIDs(w.UserIDs)
	if err != nil {
		return writeExtras{}, err
	}
	return writeExtras{userIDs: ids, metadata: md}, nil
}

func infoOf(r *storage.Record) *KeyInfo {
	ids := r.UserIDs
	if ids == nil {
		ids = []int64{}
	}
	md := json.RawMessage(r.Metadata)
	if len(md) == 0 {
		md = json.RawMessage("{}")
	}
	return &KeyInfo{CreatedTime: r.CreatedTime, UpdatedTime: r.UpdatedTime, Version: r.Version, UserIDs: ids, Metadata: md}
}

func entryOf(r *storage.Record) *Entry {
	if r == nil || r.Deleted {
		return nil
	}
	return &Entry{Value: json.RawMessage(r.Value), Info: infoOf(r)}
}

// readHead loads a key's head record; nil when the key does not exist or was
// purged. The record is copied out of the transaction.
func (e *Engine) readHead(txn *badger.Txn, o storage.ObjectKey) (*storage.Record, error) {
	item, err := txn.Get(storage.EntryKey(o))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	r, err := storage.UnmarshalRecord(raw)
	if err != nil {
		return nil, err
	}
	if r.Deleted && r.UpdatedTime+BackupRetention.Milliseconds() <= e.now() {
		return nil, nil // a tombstone past its 30 days: the key is gone
	}
	return r, nil
}

// writeHead makes next the key's latest version. Design decision 4: if the
// previous head was written in an earlier UTC hour, it is sealed as a backup
// (kept 30 days from now); otherwise it is overwritten. Caller holds the key
// lock.
func (e *Engine) writeHead(txn *badger.Txn, o storage.ObjectKey, prev, next *storage.Record) error {
	// Open Cloud state (datastore_state.go): a deleted data store refuses
	// the write; a snapshot since prev was written seals prev whatever the hour.
	snapshot, err := e.beforeWrite(txn, o, prev)
	if err != nil {
		return err
	}
	if prev != nil && (snapshot || hour(prev.UpdatedTime) != hour(next.UpdatedTime)) {
		sealed := *prev
		sealed.SupersededTime = next.UpdatedTime
		vk := storage.VersionKey(o, prev.Version)
		if err := txn.Set(vk, sealed.Marshal()); err != nil {
			return err
		}
		exp := storage.ExpiryKey(next.UpdatedTime+BackupRetention.Milliseconds(), storage.ExpireVersion, vk)
		if err := txn.Set(exp, nil); err != nil {
			return err
		}
	}
	ek := storage.EntryKey(o)
	if err := txn.Set(ek, next.Marshal()); err != nil {
		return err
	}
	if next.Deleted {
		exp := storage.ExpiryKey(next.UpdatedTime+BackupRetention.Milliseconds(), storage.ExpireTombstone, ek)
		if err := txn.Set(exp, nil); err != nil {
			return err
		}
	}
	return e.touchStore(txn, storage.StoreKey{Universe: o.Universe, Name: o.Name}, next.UpdatedTime)
}

// touchStore records that a store was written at ms. The write is blind (the
// record is not read in the transaction) so that writers of different keys
// of one store do not conflict; the cache keeps the created time.
func (e *Engine) touchStore(txn *badger.Txn, s storage.StoreKey, ms int64) error {
	e.storesMu.Lock()
	rec, ok := e.stores[s]
	e.storesMu.Unlock()
	if !ok {
		var err error
		if rec, err = storeRecordOrNew(txn, storage.StoreRecordKey(s), ms); err != nil {
			return err
		}
	}
	if ms > rec.UpdatedTime {
		rec.UpdatedTime = ms
	}
	e.storesMu.Lock()
	if cur, ok := e.stores[s]; ok && cur.UpdatedTime > rec.UpdatedTime {
		rec.UpdatedTime = cur.UpdatedTime
	}
	e.stores[s] = rec
	e.storesMu.Unlock()
	return txn.Set(storage.StoreRecordKey(s), rec.Marshal())
}

// storeRecordOrNew reads the data store record (standard or ordered) at k,
// or returns a new one created at ms when there is none.
func storeRecordOrNew(txn *badger.Txn, k []byte, ms int64) (storage.StoreRecord, error) {
	rec, ok, err := readStoreRecordAt(txn, k)
	if err == nil && !ok {
		rec = storage.StoreRecord{CreatedTime: ms}
	}
	return rec, err
}

// forgetStores drops the store-record cache (after a reset or an import).
func (e *Engine) forgetStores() {
	e.storesMu.Lock()
	e.stores = map[storage.StoreKey]storage.StoreRecord{}
	e.storesMu.Unlock()
}

// newRecord builds the next head of a key written at now.
func (e *Engine) newRecord(prev *storage.Record, now int64, value []byte, x writeExtras) (*storage.Record, error) {
	created := now
	if prev != nil {
		created = prev.CreatedTime
	}
	v, err := e.newVersion(now, created)
	if err != nil {
		return nil, err
	}
	return &storage.Record{Version: v, CreatedTime: created, UpdatedTime: now, UserIDs: x.userIDs, Metadata: x.metadata, Value: value}, nil
}

// setArgs checks the arguments of a standard SetAsync or UpdateAsync
// commit in the order of design decision 3: the key, then the value
// (returned compacted), then the write options.
func (r StoreRef) setArgs(key string, value json.RawMessage, opts WriteOptions) (storage.ObjectKey, []byte, writeExtras, error) {
	o, err := r.object(key)
	if err != nil {
		return o, nil, writeExtras{}, err
	}
	v, err := compactValue(value, 2)
	if err != nil {
		return o, nil, writeExtras{}, err
	}
	x, err := opts.parse()
	if err != nil {
		return o, nil, writeExtras{}, err
	}
	return o, v, x, nil
}

// Get is GetAsync: the latest value and key info, or nil when the key does
// not exist or its latest version is a tombstone.
func (e *Engine) Get(ref StoreRef, key string) (*Entry, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	var out *Entry
	err = e.db.View(func(txn *badger.Txn) error {
		r, err := e.readHead(txn, o)
		out = entryOf(r)
		return err
	})
	return out, e.internal("get", err)
}

// Set is SetAsync: it validates (design decision 3), writes a new version
// and returns its key info (Info.Version is SetAsync's return value).
func (e *Engine) Set(ref StoreRef, key string, value json.RawMessage, opts WriteOptions) (*KeyInfo, error) {
	o, v, x, err := ref.setArgs(key, value, opts)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *KeyInfo
	err = e.update(func(txn *badger.Txn) error {
		prev, err := e.readHead(txn, o)
		if err != nil {
			return err
		}
		next, err := e.newRecord(prev, e.now(), v, x)
		if err != nil {
			return err
		}
		out = infoOf(next)
		return e.writeHead(txn, o, prev, next)
	})
	return out, e.internal("set", err)
}

// Increment is IncrementAsync: the stored integer plus delta (a missing or
// deleted key counts as 0). delta must be an integer; so must the stored
// value. It returns the new value and key info.
func (e *Engine) Increment(ref StoreRef, key string, delta json.RawMessage, opts WriteOptions) (*Entry, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	d := int64(1)
	if t := bytes.TrimSpace(delta); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		var ok bool
		if d, ok = parseInteger(t); !ok {
			return nil, dserr.New(dserr.IncrementDeltaInvalid)
		}
	}
	x, err := opts.parse()
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := e.readHead(txn, o)
		if err != nil {
			return err
		}
		var cur int64
		if prev != nil && !prev.Deleted {
			var ok bool
			if cur, ok = parseInteger(prev.Value); !ok {
				return dserr.New(dserr.IncrementNonNumeric)
			}
		}
		sum := cur + d
		if sum > maxExactInteger || sum < -maxExactInteger {
			return dserr.New(dserr.IncrementNonNumeric)
		}
		next, err := e.newRecord(prev, e.now(), []byte(strconv.FormatInt(sum, 10)), x)
		if err != nil {
			return err
		}
		out = entryOf(next)
		return e.writeHead(txn, o, prev, next)
	})
	return out, e.internal("increment", err)
}

// Remove is RemoveAsync: it writes a tombstone version and returns the value
// and key info it replaced; on a key that does not exist or is already
// deleted it writes nothing and returns nil.
func (e *Engine) Remove(ref StoreRef, key string) (*Entry, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := e.readHead(txn, o)
		if err != nil || prev == nil || prev.Deleted {
			return err
		}
		out = entryOf(prev)
		next, err := e.newRecord(prev, e.now(), nil, writeExtras{})
		if err != nil {
			return err
		}
		next.Deleted = true
		return e.writeHead(txn, o, prev, next)
	})
	return out, e.internal("remove", err)
}

// Conflict is CommitUpdate's answer when another writer changed the key after
// ReadForUpdate: the client runs its transform again on Current.
type Conflict struct {
	Current *Entry // nil when the key is now absent or deleted
	Token   string // the token to commit against next
}

func (c *Conflict) Error() string { return "update conflict: the key changed since it was read" }

// ReadForUpdate is the read half of UpdateAsync: the current value and key
// info (nil for a missing or deleted key) and the token CommitUpdate checks.
func (e *Engine) ReadForUpdate(ref StoreRef, key string) (*Entry, string, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, "", err
	}
	var out *Entry
	var token string
	err = e.db.View(func(txn *badger.Txn) error {
		r, err := e.readHead(txn, o)
		if r != nil {
			token = r.Version
		}
		out = entryOf(r)
		return err
	})
	return out, token, e.internal("read-for-update", err)
}

// CommitUpdate is the write half of UpdateAsync: it writes value (with user
// ids and metadata, replacing the old ones) only if the key's latest version
// is still token ("" for a key that did not exist). Otherwise it writes
// nothing and returns a *Conflict with the fresh state.
func (e *Engine) CommitUpdate(ref StoreRef, key, token string, value json.RawMessage, opts WriteOptions) (*Entry, error) {
	o, v, x, err := ref.setArgs(key, value, opts)
	if err != nil {
		return nil, err
	}
	defer e.lockKey(o)()
	var out *Entry
	err = e.update(func(txn *badger.Txn) error {
		prev, err := e.readHead(txn, o)
		if err != nil {
			return err
		}
		cur := ""
		if prev != nil {
			cur = prev.Version
		}
		if cur != token {
			return &Conflict{Current: entryOf(prev), Token: cur}
		}
		next, err := e.newRecord(prev, e.now(), v, x)
		if err != nil {
			return err
		}
		out = entryOf(next)
		return e.writeHead(txn, o, prev, next)
	})
	var c *Conflict
	if errors.As(err, &c) {
		return nil, c
	}
	return out, e.internal("commit-update", err)
}

package engine

// Experience-level state that only Open Cloud changes (reference §4.9.1,
// §4.9.7, §5.1): deleted data stores (DeleteDataStore / UndeleteDataStore)
// and the latest snapshot (SnapshotDataStores).
//
// Both live in one record per universe in the meta space,
// m "dsstate:" u64 universe, so that they survive a restart. Every standard
// write reads that record in its own transaction (writeHead calls
// beforeWrite): a write to a deleted data store fails with DatastoreDeleted,
// and the first write to a key after a snapshot seals the previous value as
// a backup whatever its hour. Because the record is in each write's read
// set, a delete or a snapshot committed while a write is in flight makes
// that write retry and see it: no write slips past either.
//
// A deletion remembers the data store record's creation time. A deletion
// whose data store record has gone, or has been created again since (a
// reset, the sweeper purging the last key, an import), is stale: it is
// ignored and dropped. A deletion older than 30 days is due: the data store
// is purged (its keys and versions go) the next time one of the methods
// below looks at the universe; until then writes to it still fail.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// DataStoreRetention is how long a deleted data store can be undeleted
// before it is purged (reference §4.9.7).
const DataStoreRetention = 30 * 24 * time.Hour

// Errors of the data store state operations. Roblox gives them no engine
// text (they exist only in Open Cloud); a door maps them to its own shape.
var (
	// ErrDataStoreNotFound: the data store holds no object (or was purged).
	ErrDataStoreNotFound = errors.New("engine: data store not found")
	// ErrDataStoreNotDeleted: UndeleteDataStore on a live data store.
	ErrDataStoreNotDeleted = errors.New("engine: data store is not deleted")
	// ErrDataStoreAlreadyDeleted: DeleteDataStore on a deleted data store.
	ErrDataStoreAlreadyDeleted = errors.New("engine: data store is already deleted")
)

// DeletedStore is a data store deleted through Open Cloud: when, and until
// when it can be undeleted (Unix ms).
type DeletedStore struct {
	Name        string `json:"name"`
	CreatedTime int64  `json:"createdTime"`
	DeletedTime int64  `json:"deletedTime"`
	ExpireTime  int64  `json:"expireTime"`
}

// universeState is the stored record.
type universeState struct {
	SnapshotTime int64                   `json:"snapshotTime,omitempty"`
	SnapshotSeq  uint64                  `json:"snapshotSeq,omitempty"`
	Deleted      map[string]deletedState `json:"deleted,omitempty"`
}

type deletedState struct {
	// StoreCreated is the data store record's CreatedTime when it was
	// deleted: a record with another creation time is a new data store.
	StoreCreated int64 `json:"storeCreated"`
	DeletedTime  int64 `json:"deletedTime"`
}

func (d deletedState) due(now int64) bool {
	return d.DeletedTime+DataStoreRetention.Milliseconds() <= now
}

func universeStateKey(universe int64) []byte {
	return storage.MetaKey("dsstate:" + string(binary.BigEndian.AppendUint64(nil, uint64(universe))))
}

// readUniverseState reads the record (the zero state when there is none).
func readUniverseState(txn *badger.Txn, universe int64) (universeState, bool, error) {
	var st universeState
	item, err := txn.Get(universeStateKey(universe))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &st) })
	return st, err == nil, err
}

func writeUniverseState(txn *badger.Txn, universe int64, st universeState) error {
	if st.SnapshotTime == 0 && st.SnapshotSeq == 0 && len(st.Deleted) == 0 {
		return txn.Delete(universeStateKey(universe))
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return txn.Set(universeStateKey(universe), b)
}

// readStoreRecord reads a standard data store record; ok false when absent.
func readStoreRecord(txn *badger.Txn, sk storage.StoreKey) (storage.StoreRecord, bool, error) {
	return readStoreRecordAt(txn, storage.StoreRecordKey(sk))
}

// readStoreRecordAt reads the data store record (standard or ordered) at
// k; ok false when absent.
func readStoreRecordAt(txn *badger.Txn, k []byte) (storage.StoreRecord, bool, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return storage.StoreRecord{}, false, nil
	}
	if err != nil {
		return storage.StoreRecord{}, false, err
	}
	var rec storage.StoreRecord
	err = item.Value(func(v []byte) error {
		var uerr error
		rec, uerr = storage.UnmarshalStoreRecord(v)
		return uerr
	})
	return rec, err == nil, err
}

// live reports whether a recorded deletion still applies: the data store
// record it was made for is still there.
func liveDeletion(txn *badger.Txn, sk storage.StoreKey, d deletedState) (bool, error) {
	rec, ok, err := readStoreRecord(txn, sk)
	if err != nil || !ok {
		return false, err
	}
	return rec.CreatedTime == d.StoreCreated, nil
}

// beforeWrite is writeHead's hook, run in the write's transaction before
// anything is written: it refuses a write to a deleted data store, drops a
// stale deletion, and says whether a snapshot taken since prev was written
// requires prev to be sealed as a backup.
func (e *Engine) beforeWrite(txn *badger.Txn, o storage.ObjectKey, prev *storage.Record) (seal bool, err error) {
	st, found, err := readUniverseState(txn, o.Universe)
	if err != nil || !found {
		return false, err
	}
	if d, ok := st.Deleted[o.Name]; ok {
		live, err := liveDeletion(txn, storage.StoreKey{Universe: o.Universe, Name: o.Name}, d)
		if err != nil {
			return false, err
		}
		if live {
			return false, dserr.New(dserr.DatastoreDeleted)
		}
		delete(st.Deleted, o.Name)
		if err := writeUniverseState(txn, o.Universe, st); err != nil {
			return false, err
		}
	}
	if prev == nil || st.SnapshotSeq == 0 {
		return false, nil
	}
	if seq, ok := sequenceOfVersion(prev.Version); ok {
		return seq < st.SnapshotSeq, nil
	}
	return prev.UpdatedTime < st.SnapshotTime, nil
}

// sequenceOfVersion reads the sequence number of a version id issued by an engine
// ("TTTTTTTTTTTTTTTT.SSSSSSSSSS.CCCCCCCCCCCCCCCC.01").
func sequenceOfVersion(v string) (uint64, bool) {
	if _, ok := VersionTime(v); !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v[17:27], 10, 64)
	return n, err == nil
}

// VersionCreatedTime returns the key creation time (ms) carried by a version
// id issued by an engine, and false for a string that is not one.
func VersionCreatedTime(v string) (int64, bool) {
	if _, ok := VersionTime(v); !ok {
		return 0, false
	}
	t, err := strconv.ParseUint(v[28:44], 16, 64)
	if err != nil || t < dotnetEpochTicks {
		return 0, false
	}
	return int64((t - dotnetEpochTicks) / 10_000), true
}

// SnapshotDataStores is Open Cloud's SnapshotDataStores: after it, the next
// write to every key of the universe first seals the previous value as a
// backup, whatever the hour. At most one snapshot is taken per UTC day; a
// second call that day changes nothing. It returns whether a snapshot was
// taken and the time (ms) of the latest one.
func (e *Engine) SnapshotDataStores(universe int64) (taken bool, latest int64, err error) {
	err = e.update(func(txn *badger.Txn) error {
		taken, latest = false, 0
		st, _, err := readUniverseState(txn, universe)
		if err != nil {
			return err
		}
		now := e.now()
		const day = int64(24 * time.Hour / time.Millisecond)
		if st.SnapshotSeq != 0 && floorDiv(st.SnapshotTime, day) == floorDiv(now, day) {
			latest = st.SnapshotTime
			return nil
		}
		seq, err := e.db.NextSeq()
		if err != nil {
			return err
		}
		// Version ids carry the sequence modulo 10^10 (newVersion); keep the
		// snapshot comparable with them.
		st.SnapshotTime, st.SnapshotSeq = now, seq%10_000_000_000
		if st.SnapshotSeq == 0 {
			st.SnapshotSeq = 1
		}
		taken, latest = true, now
		return writeUniverseState(txn, universe, st)
	})
	return taken, latest, e.internal("snapshot", err)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// DataStoreInfo returns a standard data store's info if it holds at least
// one object (as ListDataStoresAsync would list it), deleted or not, and
// ErrDataStoreNotFound otherwise.
func (e *Engine) DataStoreInfo(universe int64, name string) (*StoreInfo, error) {
	if err := checkStoreName(name); err != nil {
		return nil, err
	}
	if err := e.purgeDue(universe); err != nil {
		return nil, err
	}
	var out *StoreInfo
	sk := storage.StoreKey{Universe: universe, Name: name}
	err := e.db.View(func(txn *badger.Txn) error {
		rec, ok, err := readStoreRecord(txn, sk)
		if err != nil || !ok {
			return err
		}
		has, err := e.storeHasObject(txn, sk, e.now())
		if err != nil || !has {
			return err
		}
		out = &StoreInfo{CreatedTime: rec.CreatedTime, UpdatedTime: rec.UpdatedTime, DataStoreName: name}
		return nil
	})
	if err != nil {
		return nil, e.internal("data-store-info", err)
	}
	if out == nil {
		return nil, ErrDataStoreNotFound
	}
	return out, nil
}

// DataStoreDeleted returns the deletion of a data store, or nil when it is
// not deleted.
func (e *Engine) DataStoreDeleted(universe int64, name string) (*DeletedStore, error) {
	all, err := e.DeletedDataStores(universe)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, nil
}

// DeletedDataStores lists the universe's deleted data stores that can still
// be undeleted, by name. Deletions past their 30 days are purged first.
func (e *Engine) DeletedDataStores(universe int64) ([]DeletedStore, error) {
	if err := e.purgeDue(universe); err != nil {
		return nil, err
	}
	var out []DeletedStore
	err := e.db.View(func(txn *badger.Txn) error {
		st, found, err := readUniverseState(txn, universe)
		if err != nil || !found {
			return err
		}
		for name, d := range st.Deleted {
			live, err := liveDeletion(txn, storage.StoreKey{Universe: universe, Name: name}, d)
			if err != nil {
				return err
			}
			if live {
				out = append(out, DeletedStore{Name: name, CreatedTime: d.StoreCreated, DeletedTime: d.DeletedTime,
					ExpireTime: d.DeletedTime + DataStoreRetention.Milliseconds()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("deleted-data-stores", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteDataStore is Open Cloud's DeleteDataStore: the data store becomes
// inaccessible at once (reads and writes fail with DatastoreDeleted) and is
// purged 30 days later unless undeleted. It returns the deletion.
func (e *Engine) DeleteDataStore(universe int64, name string) (*DeletedStore, error) {
	if err := checkStoreName(name); err != nil {
		return nil, err
	}
	if err := e.purgeDue(universe); err != nil {
		return nil, err
	}
	sk := storage.StoreKey{Universe: universe, Name: name}
	var out *DeletedStore
	var refusal error
	err := e.update(func(txn *badger.Txn) error {
		out, refusal = nil, nil
		st, _, err := readUniverseState(txn, universe)
		if err != nil {
			return err
		}
		if d, ok := st.Deleted[name]; ok {
			live, err := liveDeletion(txn, sk, d)
			if err != nil {
				return err
			}
			if live {
				refusal = ErrDataStoreAlreadyDeleted
				return nil
			}
		}
		rec, ok, err := readStoreRecord(txn, sk)
		if err != nil {
			return err
		}
		now := e.now()
		has := false
		if ok {
			if has, err = e.storeHasObject(txn, sk, now); err != nil {
				return err
			}
		}
		if !has {
			refusal = ErrDataStoreNotFound
			return nil
		}
		if st.Deleted == nil {
			st.Deleted = map[string]deletedState{}
		}
		st.Deleted[name] = deletedState{StoreCreated: rec.CreatedTime, DeletedTime: now}
		out = &DeletedStore{Name: name, CreatedTime: rec.CreatedTime, DeletedTime: now, ExpireTime: now + DataStoreRetention.Milliseconds()}
		return writeUniverseState(txn, universe, st)
	})
	if err != nil {
		return nil, e.internal("delete-data-store", err)
	}
	return out, refusal
}

// UndeleteDataStore is Open Cloud's UndeleteDataStore: a data store deleted
// less than 30 days ago becomes accessible again, as it was.
func (e *Engine) UndeleteDataStore(universe int64, name string) (*StoreInfo, error) {
	if err := checkStoreName(name); err != nil {
		return nil, err
	}
	if err := e.purgeDue(universe); err != nil {
		return nil, err
	}
	sk := storage.StoreKey{Universe: universe, Name: name}
	var out *StoreInfo
	var refusal error
	err := e.update(func(txn *badger.Txn) error {
		out, refusal = nil, nil
		st, _, err := readUniverseState(txn, universe)
		if err != nil {
			return err
		}
		d, deleted := st.Deleted[name]
		live := false
		if deleted {
			if live, err = liveDeletion(txn, sk, d); err != nil {
				return err
			}
		}
		if !live {
			_, ok, err := readStoreRecord(txn, sk)
			if err != nil {
				return err
			}
			has := false
			if ok {
				if has, err = e.storeHasObject(txn, sk, e.now()); err != nil {
					return err
				}
			}
			refusal = ErrDataStoreNotFound
			if has {
				refusal = ErrDataStoreNotDeleted
			}
			if deleted { // stale: drop it on the way
				delete(st.Deleted, name)
				return writeUniverseState(txn, universe, st)
			}
			return nil
		}
		rec, _, err := readStoreRecord(txn, sk)
		if err != nil {
			return err
		}
		delete(st.Deleted, name)
		out = &StoreInfo{CreatedTime: rec.CreatedTime, UpdatedTime: rec.UpdatedTime, DataStoreName: name}
		return writeUniverseState(txn, universe, st)
	})
	if err != nil {
		return nil, e.internal("undelete-data-store", err)
	}
	return out, refusal
}

// purgeDue purges the universe's data stores deleted more than 30 days ago.
func (e *Engine) purgeDue(universe int64) error {
	var due []string
	err := e.db.View(func(txn *badger.Txn) error {
		st, found, err := readUniverseState(txn, universe)
		if err != nil || !found {
			return err
		}
		now := e.now()
		for name, d := range st.Deleted {
			if d.due(now) {
				due = append(due, name)
			}
		}
		return nil
	})
	if err != nil {
		return e.internal("purge-data-store", err)
	}
	for _, name := range due {
		if err := e.purgeDataStore(universe, name); err != nil {
			return e.internal("purge-data-store", err)
		}
	}
	return nil
}

// purgeBatch is how many keys one purge transaction deletes (with their
// versions, each key's in the same transaction).
const purgeBatch = 256

// purgeDataStore deletes a due data store for good: every key with its
// versions, the data store record, and last the deletion itself. Writes to
// the data store are refused throughout, since the deletion stays recorded
// until the end. Expiry records of what is deleted are left for the
// sweeper, which skips targets that are gone.
func (e *Engine) purgeDataStore(universe int64, name string) error {
	sk := storage.StoreKey{Universe: universe, Name: name}
	prefix := storage.StoreEntriesPrefix(universe, name)
	for {
		var heads []storage.ObjectKey
		err := e.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(heads) < purgeBatch; it.Next() {
				o, err := storage.ObjectFromEntryKey(it.Item().Key())
				if err != nil {
					return err
				}
				heads = append(heads, o)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(heads) == 0 {
			break
		}
		err = e.update(func(txn *badger.Txn) error {
			for _, o := range heads {
				var doomed [][]byte
				it := txn.NewIterator(badger.IteratorOptions{Prefix: storage.VersionPrefix(o)})
				for it.Rewind(); it.Valid(); it.Next() {
					doomed = append(doomed, it.Item().KeyCopy(nil))
				}
				it.Close()
				for _, k := range doomed {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
				if err := txn.Delete(storage.EntryKey(o)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	err := e.update(func(txn *badger.Txn) error {
		if err := txn.Delete(storage.StoreRecordKey(sk)); err != nil {
			return err
		}
		st, _, err := readUniverseState(txn, universe)
		if err != nil {
			return err
		}
		delete(st.Deleted, name)
		return writeUniverseState(txn, universe, st)
	})
	if err != nil {
		return err
	}
	e.storesMu.Lock()
	delete(e.stores, sk)
	e.storesMu.Unlock()
	return nil
}

package engine

// The harness's engine-level controls (docs/harness.md): Reset empties the
// store or one universe; Dump walks everything stored, in the order of the
// export format, for emulator/admin to encode; a Loader validates and
// writes what emulator/admin decodes from an import.
//
// These work below the data store ops, on whole records (version ids,
// times, sealed history), which is why they live here and not in a door:
// nothing else may write records the ops did not make. They take every key
// lock while they write (always in the same order, so two of them never
// deadlock), so no game write interleaves with a reset or an import chunk.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/storage"
)

// Key space bytes, read off the exported key builders rather than written
// here a second time (storage/DESIGN.md has the layout).
var (
	spaceStoreByte    = storage.StoreRecordKey(storage.StoreKey{})[0]
	spaceEntryByte    = storage.EntryKey(storage.ObjectKey{})[0]
	spaceVersionByte  = storage.VersionKey(storage.ObjectKey{}, "")[0]
	spaceOrdStoreByte = storage.OrderedStoreRecordKey(storage.StoreKey{})[0]
	spaceOrderedByte  = storage.OrderedKey(storage.ObjectKey{})[0]
	spaceOrdIndexByte = storage.OrderedIndexPrefix(0, "", "")[0]
)

// lockAll takes every key lock, in index order; the caller must call the
// result. A writer of one key waits meanwhile.
func (e *Engine) lockAll() func() {
	for i := range e.keyLocks {
		e.keyLocks[i].Lock()
	}
	return func() {
		for i := len(e.keyLocks) - 1; i >= 0; i-- {
			e.keyLocks[i].Unlock()
		}
	}
}

// Reset empties the store: every universe when universe is nil, else that
// universe only (its data stores, keys, versions, ordered stores and their
// expiry records); other universes are left exactly as they were. The
// version sequence is kept, so version ids never repeat across a reset.
func (e *Engine) Reset(universe *int64) error {
	defer e.lockAll()()
	defer func() {
		e.forgetStores()
		e.forgetOrderedStores()
	}()
	if universe == nil {
		return e.internal("reset", e.db.DropPrefix(storage.DataSpaces()...))
	}
	if err := e.db.DropPrefix(storage.UniversePrefixes(*universe)...); err != nil {
		return e.internal("reset", err)
	}
	return e.internal("reset", e.dropExpiries(*universe))
}

// dropExpiries deletes the expiry records whose target lies in universe
// (the `x` space is ordered by time, not by universe, so it is scanned).
func (e *Engine) dropExpiries(universe int64) error {
	var doomed [][]byte
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: storage.ExpiryPrefix()})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			_, _, target := storage.DecodeExpiry(it.Item().Key())
			if len(target) >= 9 && int64(be64(target[1:9])) == universe {
				doomed = append(doomed, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := e.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range doomed {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

func be64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

func appendBE64(b []byte, v uint64) []byte {
	for i := 7; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// DumpOptions choose what Dump walks.
type DumpOptions struct {
	// Universe, when not 0, walks that universe only.
	Universe int64
	// Store, when not "", walks the data stores (standard and ordered)
	// of that name only.
	Store string
	// History adds each key's sealed versions, and keys whose latest
	// version is a tombstone (without it, deleted keys are left out: they
	// hold no value).
	History bool
}

// DumpStore is a data store as Dump reports it, before its first key.
type DumpStore struct {
	Universe    int64
	Name        string
	Ordered     bool
	CreatedTime int64
	UpdatedTime int64
}

// DumpKey is one standard key: its latest version and, with
// DumpOptions.History, its sealed versions oldest first (by version id).
// The records are copies: the visitor may keep them.
type DumpKey struct {
	Scope   string
	Key     string
	Head    *storage.Record
	History []*storage.Record
}

// DumpEntry is one entry of an ordered data store.
type DumpEntry struct {
	Scope string
	Key   string
	Value int64
}

// DumpVisitor receives what Dump walks, in this order: universes
// ascending; in each, the standard data stores by name, each announced by
// Store before its keys (by scope, then key, in byte order); then the
// ordered data stores the same way with their entries. A data store with
// nothing to report is not announced. An error from the visitor stops the
// walk and is returned.
type DumpVisitor interface {
	Store(s DumpStore) error
	Key(k DumpKey) error
	Entry(e DumpEntry) error
}

// Dump walks the store in one consistent snapshot. Expired versions and
// tombstones (which reads already treat as gone) are left out.
func (e *Engine) Dump(opt DumpOptions, v DumpVisitor) error {
	now := e.now()
	err := e.db.View(func(txn *badger.Txn) error {
		for _, u := range e.dumpUniverses(txn, opt.Universe) {
			if err := e.dumpStandard(txn, u, opt, now, v); err != nil {
				return err
			}
			if err := e.dumpOrdered(txn, u, opt, v); err != nil {
				return err
			}
		}
		return nil
	})
	// A visitor's own error (a closed connection, say) is returned as it
	// is: the caller knows what it means.
	return err
}

// dumpUniverses lists the universes holding standard keys or ordered
// entries, ascending.
func (e *Engine) dumpUniverses(txn *badger.Txn, only int64) []int64 {
	if only != 0 {
		return []int64{only}
	}
	seen := map[int64]bool{}
	for _, space := range []byte{spaceEntryByte, spaceOrderedByte} {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{space}})
		seek := []byte{space}
		for it.Seek(seek); it.Valid(); it.Seek(seek) {
			k := it.Item().Key()
			if len(k) < 9 {
				break
			}
			u := be64(k[1:9])
			seen[int64(u)] = true
			if u == ^uint64(0) {
				break
			}
			seek = appendBE64([]byte{space}, u+1)
		}
		it.Close()
	}
	out := make([]int64, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return uint64(out[i]) < uint64(out[j]) })
	return out
}

func (e *Engine) dumpStandard(txn *badger.Txn, u int64, opt DumpOptions, now int64, v DumpVisitor) error {
	prefix := appendBE64([]byte{spaceEntryByte}, uint64(u))
	if opt.Store != "" {
		prefix = storage.StoreEntriesPrefix(u, opt.Store)
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	announced := ""
	first := true
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		o, err := storage.ObjectFromEntryKey(item.KeyCopy(nil))
		if err != nil {
			return err
		}
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		head, err := storage.UnmarshalRecord(raw)
		if err != nil {
			return err
		}
		if head.Deleted && (!opt.History || head.UpdatedTime+BackupRetention.Milliseconds() <= now) {
			continue
		}
		k := DumpKey{Scope: o.Scope, Key: o.Key, Head: head}
		if opt.History {
			if k.History, err = sealedHistory(txn, o, now); err != nil {
				return err
			}
		}
		if first || o.Name != announced {
			rec, err := storeRecord(txn, storage.StoreRecordKey(storage.StoreKey{Universe: u, Name: o.Name}), head)
			if err != nil {
				return err
			}
			if err := v.Store(DumpStore{Universe: u, Name: o.Name, CreatedTime: rec.CreatedTime, UpdatedTime: rec.UpdatedTime}); err != nil {
				return err
			}
			announced, first = o.Name, false
		}
		if err := v.Key(k); err != nil {
			return err
		}
	}
	return nil
}

// storeRecord reads a data store record; a missing one (which the engine
// never leaves) is made up from the first key's times.
func storeRecord(txn *badger.Txn, key []byte, head *storage.Record) (storage.StoreRecord, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		rec := storage.StoreRecord{}
		if head != nil {
			rec = storage.StoreRecord{CreatedTime: head.CreatedTime, UpdatedTime: head.UpdatedTime}
		}
		return rec, nil
	}
	if err != nil {
		return storage.StoreRecord{}, err
	}
	var rec storage.StoreRecord
	err = item.Value(func(b []byte) error {
		var uerr error
		rec, uerr = storage.UnmarshalStoreRecord(b)
		return uerr
	})
	return rec, err
}

// sealedHistory reads a key's sealed versions still kept at now, oldest
// first.
func sealedHistory(txn *badger.Txn, o storage.ObjectKey, now int64) ([]*storage.Record, error) {
	var out []*storage.Record
	it := txn.NewIterator(badger.IteratorOptions{Prefix: storage.VersionPrefix(o)})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		raw, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		r, err := storage.UnmarshalRecord(raw)
		if err != nil {
			return nil, err
		}
		if sealedVisible(r, now) {
			out = append(out, r)
		}
	}
	return out, nil
}

// orderedStorePrefix is the prefix of every ordered entry of one store:
// what the scope prefixes of two scopes that differ in their first byte
// share (storage encodes the name the same way before any scope).
func orderedStorePrefix(u int64, name string) []byte {
	return storage.OrderedStorePrefix(u, name)
}

// orderedObjectFromKey decodes an ordered entry's key: the `o` space lays
// out (universe, name, scope, key) exactly as the `k` space does, so the
// entry decoder reads it once the space byte is swapped.
func orderedObjectFromKey(k []byte) (storage.ObjectKey, error) {
	return storage.ObjectFromOrderedKey(k)
}

func (e *Engine) dumpOrdered(txn *badger.Txn, u int64, opt DumpOptions, v DumpVisitor) error {
	prefix := storage.OrderedUniversePrefix(u)
	if opt.Store != "" {
		prefix = orderedStorePrefix(u, opt.Store)
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	announced := ""
	first := true
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		o, err := orderedObjectFromKey(item.Key())
		if err != nil {
			return err
		}
		var r ordRecord
		if err := item.Value(func(b []byte) error {
			var uerr error
			r, uerr = unmarshalOrd(b)
			return uerr
		}); err != nil {
			return err
		}
		if first || o.Name != announced {
			rec, err := storeRecord(txn, storage.OrderedStoreRecordKey(storage.StoreKey{Universe: u, Name: o.Name}), nil)
			if err != nil {
				return err
			}
			if err := v.Store(DumpStore{Universe: u, Name: o.Name, Ordered: true, CreatedTime: rec.CreatedTime, UpdatedTime: rec.UpdatedTime}); err != nil {
				return err
			}
			announced, first = o.Name, false
		}
		if err := v.Entry(DumpEntry{Scope: o.Scope, Key: o.Key, Value: r.value}); err != nil {
			return err
		}
	}
	return nil
}

// RecordIn is one version of a standard key as an import gives it: JSON as
// the document holds it, times in Unix ms. Missing times and version ids
// are filled in (see Loader).
type RecordIn struct {
	Version        string
	CreatedTime    *int64
	UpdatedTime    *int64
	SupersededTime *int64 // sealed versions only
	Deleted        bool
	Value          json.RawMessage
	UserIDs        json.RawMessage
	Metadata       json.RawMessage
}

// KeyIn is one standard key of an import: its latest version and its
// sealed history (any order).
type KeyIn struct {
	Universe int64
	Store    string
	Scope    string
	Key      string
	Head     RecordIn
	History  []RecordIn
}

// EntryIn is one ordered entry of an import.
type EntryIn struct {
	Universe int64
	Store    string
	Scope    string
	Key      string
	Value    json.RawMessage
}

// StoreIn is a data store record of an import; nil times are the import's
// time (or, when merging into a store that exists, its own times).
type StoreIn struct {
	Universe    int64
	Name        string
	Ordered     bool
	CreatedTime *int64
	UpdatedTime *int64
}

// Loader validates and writes what an import holds. Check* validate only
// (the first pass over a document); Put* validate and write, in chunks of
// one transaction each, and Close writes the last chunk. A Loader is not
// safe for concurrent use.
//
// Every value is checked as SetAsync checks it (design decision 3: store
// name, scope, key, value type and size, metadata, user ids), every ordered
// value as the ordered SetAsync does. A version id must be one this
// emulator issues ("TTTTTTTTTTTTTTTT.SSSSSSSSSS.CCCCCCCCCCCCCCCC.01", hex
// ticks of the version's and the key's creation time) and agree with the
// times given; without one a new id is made. A key of the import replaces
// the key in the store entirely, history included.
type Loader struct {
	e   *Engine
	now int64

	pending []loadOp
	size    int
	stats   LoadStats
	stores  map[storeID]bool // stores whose record the import wrote
	used    map[storeID]bool // stores the import wrote keys or entries to
}

type storeID struct {
	universe int64
	name     string
	ordered  bool
}

// LoadStats counts what a Loader wrote.
type LoadStats struct {
	Stores   int `json:"stores"`
	Keys     int `json:"keys"`
	Versions int `json:"versions"` // sealed versions, beside the keys' latest
	Entries  int `json:"orderedEntries"`
}

// loadOp is one prepared write.
type loadOp struct {
	store *StoreIn
	key   *preparedKey
	entry *preparedEntry
}

type preparedKey struct {
	o       storage.ObjectKey
	head    *storage.Record
	history []*storage.Record
}

type preparedEntry struct {
	o     storage.ObjectKey
	value int64
}

// Chunk bounds: one transaction holds this many writes or bytes at most.
const (
	loadChunkOps   = 512
	loadChunkBytes = 8 << 20
)

// NewLoader starts an import. Missing times are the engine clock's now.
func (e *Engine) NewLoader() *Loader {
	return &Loader{e: e, now: e.now(), stores: map[storeID]bool{}, used: map[storeID]bool{}}
}

// Stats is what the Loader has written so far.
func (l *Loader) Stats() LoadStats { return l.stats }

// CheckStore validates a data store record.
func (l *Loader) CheckStore(s StoreIn) error {
	if s.Universe <= 0 {
		return fmt.Errorf("universeId %d: a universe id is a positive integer", s.Universe)
	}
	if err := checkStoreName(s.Name); err != nil {
		return err
	}
	for _, t := range []*int64{s.CreatedTime, s.UpdatedTime} {
		if t != nil && (*t < 0 || *t > maxTicksMs) {
			return fmt.Errorf("time %d is out of range (Unix milliseconds from 0 to %d)", *t, int64(maxTicksMs))
		}
	}
	return nil
}

// PutStore validates and writes a data store record. It may come before or
// after the store's keys.
func (l *Loader) PutStore(s StoreIn) error {
	if err := l.CheckStore(s); err != nil {
		return err
	}
	l.stores[storeID{s.Universe, s.Name, s.Ordered}] = true
	l.stats.Stores++
	return l.add(loadOp{store: &s}, 32)
}

// CheckKey validates a standard key and its history.
func (l *Loader) CheckKey(k KeyIn) error {
	_, err := l.prepareKey(k, false)
	return err
}

// PutKey validates a standard key and queues it for writing.
func (l *Loader) PutKey(k KeyIn) error {
	pk, err := l.prepareKey(k, true)
	if err != nil {
		return err
	}
	l.used[storeID{k.Universe, k.Store, false}] = true
	size := len(pk.head.Value) + len(pk.head.Metadata) + 128
	for _, r := range pk.history {
		size += len(r.Value) + len(r.Metadata) + 128
	}
	l.stats.Keys++
	l.stats.Versions += len(pk.history)
	return l.add(loadOp{key: pk}, size)
}

// CheckEntry validates an ordered entry.
func (l *Loader) CheckEntry(en EntryIn) error {
	_, err := l.prepareEntry(en)
	return err
}

// PutEntry validates an ordered entry and queues it for writing.
func (l *Loader) PutEntry(en EntryIn) error {
	pe, err := l.prepareEntry(en)
	if err != nil {
		return err
	}
	l.used[storeID{en.Universe, en.Store, true}] = true
	l.stats.Entries++
	return l.add(loadOp{entry: pe}, 64)
}

func (l *Loader) add(op loadOp, size int) error {
	l.pending = append(l.pending, op)
	l.size += size
	if len(l.pending) >= loadChunkOps || l.size >= loadChunkBytes {
		return l.flush()
	}
	return nil
}

// Close writes what is still queued, and a record for every store that got
// keys or entries but no PutStore (with the import's time, or its own
// times if it exists), and makes the engine forget its cached store
// records, which the import may have changed.
func (l *Loader) Close() error {
	var missing []storeID
	for id := range l.used {
		if !l.stores[id] {
			missing = append(missing, id)
		}
	}
	sort.Slice(missing, func(i, j int) bool {
		a, b := missing[i], missing[j]
		if a.universe != b.universe {
			return a.universe < b.universe
		}
		if a.ordered != b.ordered {
			return !a.ordered
		}
		return a.name < b.name
	})
	var err error
	for _, id := range missing {
		if err = l.PutStore(StoreIn{Universe: id.universe, Name: id.name, Ordered: id.ordered}); err != nil {
			break
		}
	}
	if err == nil {
		err = l.flush()
	}
	l.e.forgetStores()
	l.e.forgetOrderedStores()
	return err
}

// flush writes the queued ops in one transaction (splitting it when badger
// finds it too big), holding every key lock meanwhile.
func (l *Loader) flush() error {
	if len(l.pending) == 0 {
		return nil
	}
	ops := l.pending
	l.pending, l.size = nil, 0
	unlock := l.e.lockAll()
	defer unlock()
	return l.e.internal("import", l.write(ops))
}

func (l *Loader) write(ops []loadOp) error {
	err := l.e.update(func(txn *badger.Txn) error {
		// Old versions are found in a read-only snapshot: an iterator of
		// the write transaction would sort its pending writes every time.
		// Versions this chunk wrote itself are tracked beside it.
		snap := l.e.db.NewTransaction(false)
		defer snap.Discard()
		written := map[string][][]byte{}
		for _, op := range ops {
			var err error
			switch {
			case op.store != nil:
				err = l.writeStore(txn, op.store)
			case op.key != nil:
				err = l.writeKey(txn, snap, written, op.key)
			default:
				err = l.writeEntry(txn, op.entry)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, badger.ErrTxnTooBig) && len(ops) > 1 {
		// Every op is idempotent (it replaces what it writes), so the
		// halves can simply go one after the other.
		if err := l.write(ops[:len(ops)/2]); err != nil {
			return err
		}
		return l.write(ops[len(ops)/2:])
	}
	if errors.Is(err, badger.ErrTxnTooBig) && ops[0].key != nil {
		// One key whose history alone does not fit a transaction: a
		// document that passed validation must not fail here, after the
		// chunks before it were written.
		return l.writeBigKey(ops[0].key)
	}
	return err
}

// writeBigKey writes a key too large for one transaction, as writeKey does
// but in batches: its old sealed versions go first, then the history, and
// the head last, so that GetAsync reads the old head until the history is
// in. The caller holds every key lock. Like a storage failure between two
// chunks, a storage failure in the middle leaves part of it written.
func (l *Loader) writeBigKey(k *preparedKey) error {
	prefix := storage.VersionPrefix(k.o)
	var old [][]byte
	err := l.e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			old = append(old, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil {
		return err
	}
	del := l.e.db.NewWriteBatch()
	defer del.Cancel()
	for _, vk := range old {
		if err := del.Delete(vk); err != nil {
			return err
		}
	}
	if err := del.Flush(); err != nil {
		return err
	}
	wb := l.e.db.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range k.history {
		vk := storage.VersionKey(k.o, r.Version)
		if err := wb.Set(vk, r.Marshal()); err != nil {
			return err
		}
		if err := wb.Set(storage.ExpiryKey(r.SupersededTime+BackupRetention.Milliseconds(), storage.ExpireVersion, vk), nil); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	ek := storage.EntryKey(k.o)
	return l.e.update(func(txn *badger.Txn) error {
		if err := txn.Set(ek, k.head.Marshal()); err != nil {
			return err
		}
		if k.head.Deleted {
			return txn.Set(storage.ExpiryKey(k.head.UpdatedTime+BackupRetention.Milliseconds(), storage.ExpireTombstone, ek), nil)
		}
		return nil
	})
}

func (l *Loader) writeStore(txn *badger.Txn, s *StoreIn) error {
	key := storage.StoreRecordKey(storage.StoreKey{Universe: s.Universe, Name: s.Name})
	if s.Ordered {
		key = storage.OrderedStoreRecordKey(storage.StoreKey{Universe: s.Universe, Name: s.Name})
	}
	rec := storage.StoreRecord{CreatedTime: l.now, UpdatedTime: l.now}
	if s.CreatedTime == nil || s.UpdatedTime == nil {
		// Merging into a store that exists keeps its creation time.
		if old, err := storeRecord(txn, key, nil); err != nil {
			return err
		} else if old.CreatedTime != 0 {
			rec.CreatedTime = old.CreatedTime
			rec.UpdatedTime = max(old.UpdatedTime, l.now)
		}
	}
	if s.CreatedTime != nil {
		rec.CreatedTime = *s.CreatedTime
	}
	if s.UpdatedTime != nil {
		rec.UpdatedTime = *s.UpdatedTime
	}
	return txn.Set(key, rec.Marshal())
}

// writeKey replaces a key: its old sealed versions go, then the head and
// the history of the import are written with their expiry records. Stale
// expiry records of the old key are left: the sweeper checks the record a
// time points at before deleting anything.
func (l *Loader) writeKey(txn, snap *badger.Txn, written map[string][][]byte, k *preparedKey) error {
	prefix := storage.VersionPrefix(k.o)
	old := written[string(prefix)]
	it := snap.NewIterator(badger.IteratorOptions{Prefix: prefix})
	for it.Rewind(); it.Valid(); it.Next() {
		old = append(old, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, vk := range old {
		if err := txn.Delete(vk); err != nil {
			return err
		}
	}
	var mine [][]byte
	for _, r := range k.history {
		vk := storage.VersionKey(k.o, r.Version)
		mine = append(mine, vk)
		if err := txn.Set(vk, r.Marshal()); err != nil {
			return err
		}
		exp := storage.ExpiryKey(r.SupersededTime+BackupRetention.Milliseconds(), storage.ExpireVersion, vk)
		if err := txn.Set(exp, nil); err != nil {
			return err
		}
	}
	written[string(prefix)] = mine
	ek := storage.EntryKey(k.o)
	if err := txn.Set(ek, k.head.Marshal()); err != nil {
		return err
	}
	if k.head.Deleted {
		exp := storage.ExpiryKey(k.head.UpdatedTime+BackupRetention.Milliseconds(), storage.ExpireTombstone, ek)
		return txn.Set(exp, nil)
	}
	return nil
}

func (l *Loader) writeEntry(txn *badger.Txn, p *preparedEntry) error {
	prev, err := readOrdered(txn, p.o)
	if err != nil {
		return err
	}
	if prev != nil && prev.value != p.value {
		if err := txn.Delete(storage.OrderedIndexKey(p.o, prev.value)); err != nil {
			return err
		}
	}
	stamp, err := l.e.db.NextSeq()
	if err != nil {
		return err
	}
	if err := txn.Set(storage.OrderedKey(p.o), ordRecord{value: p.value, stamp: stamp}.marshal()); err != nil {
		return err
	}
	return txn.Set(storage.OrderedIndexKey(p.o, p.value), nil)
}

// object checks universe, store, scope and key, in the order of design
// decision 3.
func importObject(u int64, store, scope, key string) (storage.ObjectKey, error) {
	if u <= 0 {
		return storage.ObjectKey{}, fmt.Errorf("universeId %d: a universe id is a positive integer", u)
	}
	ref := StoreRef{Universe: u, Name: store, Scope: scope}
	return ref.object(key)
}

func (l *Loader) prepareEntry(en EntryIn) (*preparedEntry, error) {
	o, err := importObject(en.Universe, en.Store, en.Scope, en.Key)
	if err != nil {
		return nil, err
	}
	v, err := orderedValue(en.Value, 2)
	if err != nil {
		return nil, err
	}
	return &preparedEntry{o: o, value: v}, nil
}

// prepareKey validates a key and builds its records. With issue false no
// version id is made (nothing of the sequence is spent on a check).
func (l *Loader) prepareKey(k KeyIn, issue bool) (*preparedKey, error) {
	o, err := importObject(k.Universe, k.Store, k.Scope, k.Key)
	if err != nil {
		return nil, err
	}
	head, err := l.record(k.Head, issue)
	if err != nil {
		return nil, err
	}
	pk := &preparedKey{o: o, head: head}
	seen := map[string]bool{head.Version: true}
	for i, in := range k.History {
		r, err := l.record(in, issue)
		if err != nil {
			return nil, fmt.Errorf("versions[%d]: %w", i, err)
		}
		if r.Version != "" && seen[r.Version] {
			return nil, fmt.Errorf("versions[%d]: version %s appears twice in the key's history", i, r.Version)
		}
		seen[r.Version] = true
		pk.history = append(pk.history, r)
	}
	// A sealed version without its supersededTime was superseded when the
	// next version (by time) was written.
	order := make([]int, len(pk.history))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := pk.history[order[a]], pk.history[order[b]]
		if ra.UpdatedTime != rb.UpdatedTime {
			return ra.UpdatedTime < rb.UpdatedTime
		}
		return ra.Version < rb.Version
	})
	for n, i := range order {
		if k.History[i].SupersededTime != nil {
			continue
		}
		next := head.UpdatedTime
		if n+1 < len(order) {
			next = pk.history[order[n+1]].UpdatedTime
		}
		pk.history[i].SupersededTime = next
	}
	return pk, nil
}

// record validates one version and builds its record.
func (l *Loader) record(in RecordIn, issue bool) (*storage.Record, error) {
	r := &storage.Record{Deleted: in.Deleted}
	if in.Version != "" {
		vt, ct, ok := parseVersionID(in.Version)
		if !ok {
			return nil, fmt.Errorf("version %q is not a version id this emulator issues (leave it out to have one made)", in.Version)
		}
		if in.UpdatedTime != nil && *in.UpdatedTime != vt {
			return nil, fmt.Errorf("version %s was written at %d, not at updatedTime %d", in.Version, vt, *in.UpdatedTime)
		}
		if in.CreatedTime != nil && *in.CreatedTime != ct {
			return nil, fmt.Errorf("version %s belongs to a key created at %d, not at createdTime %d", in.Version, ct, *in.CreatedTime)
		}
		r.Version, r.UpdatedTime, r.CreatedTime = in.Version, vt, ct
	} else {
		r.UpdatedTime = l.now
		if in.UpdatedTime != nil {
			r.UpdatedTime = *in.UpdatedTime
		}
		r.CreatedTime = r.UpdatedTime
		if in.CreatedTime != nil {
			r.CreatedTime = *in.CreatedTime
		}
	}
	for _, t := range []int64{r.UpdatedTime, r.CreatedTime} {
		if t < 0 || t > maxTicksMs {
			return nil, fmt.Errorf("time %d is out of range (Unix milliseconds from 0 to %d)", t, int64(maxTicksMs))
		}
	}
	if in.SupersededTime != nil {
		if *in.SupersededTime < 0 || *in.SupersededTime > maxTicksMs {
			return nil, fmt.Errorf("supersededTime %d is out of range", *in.SupersededTime)
		}
		r.SupersededTime = *in.SupersededTime
	}
	if in.Deleted {
		if present(in.Value) {
			return nil, errors.New("a deleted version holds no value")
		}
	} else {
		v, err := compactValue(in.Value, 2)
		if err != nil {
			return nil, err
		}
		r.Value = v
	}
	x, err := WriteOptions{UserIDs: in.UserIDs, Metadata: in.Metadata}.parse()
	if err != nil {
		return nil, err
	}
	if len(x.userIDs) > 0 {
		r.UserIDs = x.userIDs
	}
	r.Metadata = x.metadata
	if r.Version == "" && issue {
		v, err := l.e.newVersion(r.UpdatedTime, r.CreatedTime)
		if err != nil {
			return nil, err
		}
		r.Version = v
	}
	return r, nil
}

// parseVersionID reads the times out of a version id in the shape
// newVersion makes: "%016X.%010d.%016X.01".
func parseVersionID(v string) (updated, created int64, ok bool) {
	if len(v) != 47 || v[16] != '.' || v[27] != '.' || v[44:] != ".01" {
		return 0, 0, false
	}
	for _, c := range []byte(v[:16] + v[28:44]) {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return 0, 0, false
		}
	}
	for _, c := range []byte(v[17:27]) {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	ut, err1 := strconv.ParseUint(v[:16], 16, 64)
	cu, err2 := strconv.ParseUint(v[28:44], 16, 64)
	if err1 != nil || err2 != nil || ut < dotnetEpochTicks || cu < dotnetEpochTicks {
		return 0, 0, false
	}
	updated, created = int64((ut-dotnetEpochTicks)/10_000), int64((cu-dotnetEpochTicks)/10_000)
	// Only ids whose times are whole milliseconds come from newVersion.
	if ticks(updated) != ut || ticks(created) != cu {
		return 0, 0, false
	}
	return updated, created, true
}

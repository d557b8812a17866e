// Package engine is the semantics of Roblox DataStores: every door (the
// WebSocket and HTTP protocol, Open Cloud, the CLI, in-process tests) turns
// its input into a call here and formats what comes back. Nothing about
// Roblox semantics lives anywhere else.
//
// Usage:
//
//	e, _ := engine.Open(engine.Options{InMemory: true})
//	defer e.Close()
//	ref := engine.StoreRef{Universe: 1, Name: "PlayerData", Scope: "global"}
//	info, _ := e.Set(ref, "Player_1", json.RawMessage(`{"coins":10}`), engine.WriteOptions{})
//	entry, _ := e.Get(ref, "Player_1") // entry.Value is {"coins":10}, entry.Info.Version == info.Version
//
// Errors are *dserr.Error values with Roblox's exact code, name and text.
// UpdateAsync is two calls so that the transform can run in the client:
// ReadForUpdate returns the value and a token; CommitUpdate writes only if
// the key is still at that token and otherwise returns a *Conflict holding
// the fresh state.
package engine

import (
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// Options configures an Engine.
type Options struct {
	// Dir is the badger directory; ignored with InMemory.
	Dir string
	// InMemory keeps all data in memory.
	InMemory bool
	// SyncWrites fsyncs every commit.
	SyncWrites bool
	// Clock is the time source (nil: the real clock).
	Clock clock.Clock
	// Logger receives storage warnings (nil: discarded).
	Logger *slog.Logger
	// SweepInterval, when positive, runs the expiry sweeper (expiry.go) in
	// the background: every interval, and whenever a virtual clock moves.
	// Zero leaves sweeping to explicit Sweep calls; reads hide what has
	// expired either way.
	SweepInterval time.Duration
}

// Engine is an open emulator store. Its methods are safe for concurrent use.
type Engine struct {
	db    *storage.DB
	clock clock.Clock
	log   *slog.Logger

	// keyLocks serialise read-modify-write on the same key (striped by hash):
	// two writers of one key never interleave, so no write is lost and
	// version ids follow commit order.
	keyLocks [256]sync.Mutex
	seed     maphash.Seed

	storesMu sync.Mutex
	stores   map[storage.StoreKey]storage.StoreRecord // cache of store records

	ordStores ordStoreCache // cache of ordered store records (ordered.go)
	sweeper   sweeperState  // the background sweeper (expiry.go)

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store and returns the engine.
func Open(o Options) (*Engine, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := storage.Open(storage.Options{Dir: o.Dir, InMemory: o.InMemory, SyncWrites: o.SyncWrites, Logger: log})
	if err != nil {
		return nil, err
	}
	e := &Engine{db: db, clock: o.Clock, log: log, seed: maphash.MakeSeed(), stores: map[storage.StoreKey]storage.StoreRecord{}}
	e.startSweeper(o.SweepInterval)
	return e, nil
}

// Close closes the store. Safe to call twice.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.stopSweeper() // before the store it sweeps closes
		e.closeErr = e.db.Close()
	})
	return e.closeErr
}

// Clock is the engine's clock.
func (e *Engine) Clock() clock.Clock { return e.clock }

// DB is the underlying store, for packages that export, import and reset.
func (e *Engine) DB() *storage.DB { return e.db }

// Where says where the data lives, for the start-up line.
func (e *Engine) Where() string { return e.db.Describe() }

// StoreRef names a data store object as GetDataStore does: a universe
// (experience), a name, and a scope, or AllScopes with an empty scope.
type StoreRef struct {
	Universe  int64
	Name      string
	Scope     string
	AllScopes bool
}

// DefaultScope is the scope of GetDataStore(name) without a scope.
const DefaultScope = "global"

// GlobalStoreName and GlobalStoreScope name the store GetGlobalDataStore
// returns. Roblox documents only its scope ("u"); the name is the
// emulator's choice (docs/decisions.md).
const (
	GlobalStoreName  = "GlobalDataStore"
	GlobalStoreScope = "u"
)

// Check validates the reference as GetDataStore does.
func (r StoreRef) Check() error {
	if err := checkStoreName(r.Name); err != nil {
		return err
	}
	if r.AllScopes {
		if r.Scope != "" {
			return dserr.New(dserr.AllScopesWithScope)
		}
		return nil
	}
	return checkScope(r.Scope)
}

// object resolves a key of the store to its (scope, key) identity, checking
// the store, the scope and the key in the order of design decision 3.
func (r StoreRef) object(key string) (storage.ObjectKey, error) {
	if err := r.Check(); err != nil {
		return storage.ObjectKey{}, err
	}
	scope := r.Scope
	if r.AllScopes {
		// With AllScopes the key is "scope/key"; the scope ends at the first
		// slash. Check the key's length as given (the scope is part of it).
		if err := checkKey(key); err != nil {
			return storage.ObjectKey{}, err
		}
		i := strings.IndexByte(key, '/')
		if i < 0 {
			return storage.ObjectKey{}, dserr.New(dserr.AllScopesKeyInvalid)
		}
		scope, key = key[:i], key[i+1:]
		if scope == "" || key == "" {
			return storage.ObjectKey{}, dserr.New(dserr.AllScopesKeyInvalid)
		}
	}
	if err := checkKey(key); err != nil {
		return storage.ObjectKey{}, err
	}
	return storage.ObjectKey{Universe: r.Universe, Name: r.Name, Scope: scope, Key: key}, nil
}

// lockKey takes the stripe lock of a key; the caller must call the result.
func (e *Engine) lockKey(o storage.ObjectKey) func() {
	var h maphash.Hash
	h.SetSeed(e.seed)
	h.WriteString(o.Name)
	h.WriteByte(0)
	h.WriteString(o.Scope)
	h.WriteByte(0)
	h.WriteString(o.Key)
	m := &e.keyLocks[h.Sum64()%uint64(len(e.keyLocks))]
	m.Lock()
	return m.Unlock
}

// update runs fn in a read-write transaction, retrying on badger conflicts
// (which only arise between writers of different keys touching the same
// store record; same-key writers are already serialised by lockKey).
func (e *Engine) update(fn func(txn *badger.Txn) error) error {
	for attempt := 0; ; attempt++ {
		err := e.db.Update(fn)
		if errors.Is(err, badger.ErrConflict) && attempt < 16 {
			continue
		}
		return err
	}
}

// internal wraps a storage failure as the Roblox error a game would see.
func (e *Engine) internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *dserr.Error
	if errors.As(err, &de) {
		return err
	}
	e.log.Error("storage failure", "op", op, "err", err)
	return dserr.New(dserr.InternalServerError)
}

// now is the engine clock in ms.
func (e *Engine) now() int64 { return e.clock.Now().UnixMilli() }

// dotnetEpochTicks is 0001-01-01 to 1970-01-01 in 100 ns ticks: version ids
// carry .NET ticks as Roblox's do.
const dotnetEpochTicks = 621_355_968_000_000_000

func ticks(ms int64) uint64 { return uint64(ms*10_000 + dotnetEpochTicks) }

// newVersion makes a version id in Roblox's shape
// ("08D9E6A3F2188CFF.0000000001.08D9E6A3F2188CFF.01"): the version's time in
// ticks, a store-wide sequence number, the key's creation time in ticks.
// Ids sort by time, then by sequence: unique even on a frozen virtual clock.
func (e *Engine) newVersion(nowMs, createdMs int64) (string, error) {
	seq, err := e.db.NextSeq()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%016X.%010d.%016X.01", ticks(nowMs), seq%10_000_000_000, ticks(createdMs)), nil
}

// VersionTime returns the time (ms) encoded in a version id issued by this
// engine, and false for a string that is not one.
func VersionTime(v string) (int64, bool) {
	if len(v) != 16+1+10+1+16+3 || v[16] != '.' || v[27] != '.' {
		return 0, false
	}
	var t uint64
	if _, err := fmt.Sscanf(v[:16], "%016X", &t); err != nil || t < dotnetEpochTicks {
		return 0, false
	}
	return int64((t - dotnetEpochTicks) / 10_000), true
}

// hour is the UTC hour bucket of a time in ms (design decision 4).
func hour(ms int64) int64 { return ms / int64(time.Hour/time.Millisecond) }

// BackupRetention is how long a superseded version (or a tombstone) is kept.
const BackupRetention = 30 * 24 * time.Hour

// Package storage keeps the emulator's data in badger: on disk by default, in
// memory on request. It owns the key layout (DESIGN.md beside this file) and
// the record codecs; the engine owns the semantics.
package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
)

// Options says where and how to open the store.
type Options struct {
	// Dir is the data directory (created if missing). Ignored when InMemory.
	Dir string
	// InMemory keeps everything in memory; nothing survives Close. badger's
	// own in-memory mode cannot hold values over 1 MB (and crashes on a value
	// exactly at its threshold), so an in-memory store is badger on a private
	// directory in RAM (/dev/shm where there is one, else the temp dir),
	// removed at Close.
	InMemory bool
	// SyncWrites fsyncs every commit (power-loss durability). Without it an
	// acknowledged write still survives a killed process: badger has written
	// it to its log before the commit returns.
	SyncWrites bool
	// Logger receives badger's warnings and errors (nil: discarded).
	Logger *slog.Logger
}

// DB is an open store.
type DB struct {
	*badger.DB
	seq       *badger.Sequence
	closeOnce sync.Once
	closeErr  error
	dir       string
	inMemory  bool
	scratch   string // the in-memory store's directory, removed at Close
}

// DefaultDir is the per-user data directory: %LocalAppData%\rbxemu on
// Windows, ~/Library/Application Support/rbxemu on macOS, and
// $XDG_DATA_HOME/rbxemu (default ~/.local/share/rbxemu) elsewhere.
func DefaultDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "rbxemu"), nil
		}
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "rbxemu"), nil
	case "darwin":
		d, err := os.UserConfigDir() // ~/Library/Application Support
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "rbxemu"), nil
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "rbxemu"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "share", "rbxemu"), nil
	}
}

// Open opens (or creates) the store.
func Open(o Options) (*DB, error) {
	dir, scratch := o.Dir, ""
	if o.InMemory {
		d, err := os.MkdirTemp(memoryDir(), "rbxemu-mem-")
		if err != nil {
			return nil, fmt.Errorf("storage: in-memory store: %w", err)
		}
		dir, scratch = d, d
	} else {
		if o.Dir == "" {
			return nil, errors.New("storage: no data directory given")
		}
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("storage: create data directory: %w", err)
		}
	}
	bo := badger.DefaultOptions(dir)
	bo = bo.WithSyncWrites(o.SyncWrites).
		WithLogger(badgerLogger{o.Logger}).
		// The emulator's working set is small; keep badger's caches and
		// memtables modest so several daemons (one per CI job) fit a machine.
		WithMemTableSize(16 << 20).
		WithBlockCacheSize(32 << 20).
		WithIndexCacheSize(16 << 20).
		WithNumCompactors(2).
		WithValueThreshold(1 << 10).
		WithMetricsEnabled(false).
		WithDetectConflicts(true)
	bdb, err := badger.Open(bo)
	if err != nil {
		removeScratch(scratch)
		return nil, fmt.Errorf("storage: open %s: %w", describe(o), err)
	}
	if err := checkSchema(bdb); err != nil {
		bdb.Close()
		removeScratch(scratch)
		return nil, fmt.Errorf("storage: %s: %w", describe(o), err)
	}
	seq, err := bdb.GetSequence(MetaKey("version-seq"), 1000)
	if err != nil {
		bdb.Close()
		removeScratch(scratch)
		return nil, fmt.Errorf("storage: version sequence: %w", err)
	}
	return &DB{DB: bdb, seq: seq, dir: o.Dir, inMemory: o.InMemory, scratch: scratch}, nil
}

// SchemaVersion is the version of the key layout in DESIGN.md. A store
// written with another layout is refused rather than misread.
const SchemaVersion = "1"

func checkSchema(db *badger.DB) error {
	return db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(MetaKey("schema"))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(MetaKey("schema"), []byte(SchemaVersion))
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if string(v) != SchemaVersion {
			return fmt.Errorf("data written by an incompatible rbxemu (layout %q, this build reads %q): use another --data-dir or export with the other build", v, SchemaVersion)
		}
		return nil
	})
}

// memoryDir is where an in-memory store keeps its files: a RAM-backed
// file system where the OS has one at a known place.
func memoryDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "rbxemu-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

func removeScratch(dir string) {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

func describe(o Options) string {
	if o.InMemory {
		return "in-memory store"
	}
	return o.Dir
}

// Describe says where the data lives, for the start-up line.
func (db *DB) Describe() string {
	if db.inMemory {
		return "in memory (nothing is kept after exit)"
	}
	return db.dir
}

// NextSeq returns the next number of the store-wide version sequence. It
// never repeats, across restarts too.
func (db *DB) NextSeq() (uint64, error) { return db.seq.Next() }

// Close releases the sequence and closes badger. It is safe to call twice.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		err1 := db.seq.Release()
		err2 := db.DB.Close()
		removeScratch(db.scratch)
		db.closeErr = errors.Join(err1, err2)
	})
	return db.closeErr
}

// badgerLogger routes badger's log to slog, keeping warnings and errors.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	if b.l != nil {
		b.l.Error(fmt.Sprintf(f, a...), "component", "badger")
	}
}
func (b badgerLogger) Warningf(f string, a ...any) {
	if b.l != nil {
		b.l.Warn(fmt.Sprintf(f, a...), "component", "badger")
	}
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

package engine

// Versions of reference §4.3 and §4.9.1 for standard data stores:
// ListVersionsAsync, GetVersionAsync, GetVersionAtTimeAsync and
// RemoveVersionAsync.
//
// A key's history is its head record (the latest version, in the `k` space)
// and the sealed backups in the `v` space, one per UTC hour that saw writes
// (design decision 4; writeHead in standard.go does the sealing). A sealed
// version is visible until 30 days after it was superseded; reads check that
// against the clock, so it vanishes at once, before the sweeper (expiry.go)
// deletes it. A tombstone head hides the whole key 30 days after it was
// written.

import (
	"errors"
	"fmt"
	"math"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/storage"
)

// VersionInfo is DataStoreObjectVersionInfo: when the version was written
// (Unix ms), whether it is a tombstone, and its id.
type VersionInfo struct {
	CreatedTime int64  `json:"createdTime"`
	IsDeleted   bool   `json:"isDeleted"`
	Version     string `json:"version"`
}

// ListVersionsOptions are ListVersionsAsync's arguments.
type ListVersionsOptions struct {
	// Descending lists the newest version first (Enum.SortDirection.Descending).
	Descending bool
	// MinDate and MaxDate bound the versions' times in Unix ms, both
	// inclusive; 0 (or less) leaves that end open.
	MinDate, MaxDate int64
	PageSize         int // 0: 1024; at most 1024
	Cursor           string
}

// FutureTimestampSlack is how far ahead of the clock GetVersionAtTimeAsync
// accepts a timestamp (reference §2).
const FutureTimestampSlack = 10 * time.Minute

// maxTicksMs is the last millisecond (9999-12-31T23:59:59.999Z) whose .NET
// tick count fits the 16 hex digits of a version id; later bounds are
// treated as open.
const maxTicksMs = 253402300799999

// sealedVisible reports whether a sealed version is still kept at now.
func sealedVisible(r *storage.Record, now int64) bool {
	return r.SupersededTime+BackupRetention.Milliseconds() > now
}

// timePrefix is the start of every version id written at ms: the ids
// begin with the time in ticks as 16 upper-case hex digits, which sort as
// the times do.
func timePrefix(o storage.ObjectKey, ms int64) []byte {
	return append(storage.VersionPrefix(o), fmt.Sprintf("%016X", ticks(ms))...)
}

func versionInfo(r *storage.Record) VersionInfo {
	return VersionInfo{CreatedTime: r.UpdatedTime, IsDeleted: r.Deleted, Version: r.Version}
}

// ListVersions is ListVersionsAsync: the key's versions (the sealed backups
// still kept and the latest version, tombstones included) whose time lies
// in [MinDate, MaxDate], oldest first or newest first, paged. A key that
// does not exist, or whose tombstone has expired, has no versions.
func (e *Engine) ListVersions(ref StoreRef, key string, opt ListVersionsOptions) (*Page[VersionInfo], error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	n := clampPageSize(opt.PageSize, DefaultListVersionsPageSize, MaxListVersionsPageSize)
	lo, hi := opt.MinDate, opt.MaxDate
	if lo < 0 {
		lo = 0
	}
	if hi <= 0 || hi > maxTicksMs {
		hi = math.MaxInt64
	}
	ctx := fields(nil).i64(o.Universe).str(o.Name).str(o.Scope).str(o.Key).flag(opt.Descending).i64(lo).i64(hi)
	last := "" // the version the previous page ended with
	if opt.Cursor != "" {
		r, err := decodeCursor(opt.Cursor, cursorVersions, ctx)
		if err != nil {
			return nil, err
		}
		last = r.str()
		if !r.done() || last == "" {
			return nil, errBadCursor()
		}
	}
	if lo > hi || lo > maxTicksMs {
		return &Page[VersionInfo]{Items: []VersionInfo{}, IsFinished: true}, nil
	}
	now := e.now()
	var items []VersionInfo
	err = e.db.View(func(txn *badger.Txn) error {
		head, err := e.readHead(txn, o)
		if err != nil || head == nil {
			return err
		}
		// The head takes its place among the sealed versions by id: it is
		// normally the newest, but a virtual clock set back can make a
		// later write carry an earlier time.
		pending := head
		if head.UpdatedTime < lo || head.UpdatedTime > hi ||
			(last != "" && !opt.Descending && head.Version <= last) ||
			(last != "" && opt.Descending && head.Version >= last) {
			pending = nil
		}
		emit := func(r *storage.Record) bool {
			items = append(items, versionInfo(r))
			return len(items) > n
		}
		prefix := storage.VersionPrefix(o)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: opt.Descending})
		defer it.Close()
		var start []byte
		switch {
		case !opt.Descending && last != "":
			start = after(storage.VersionKey(o, last))
		case !opt.Descending:
			start = prefix
			if lo > 0 {
				start = timePrefix(o, lo)
			}
		case last != "":
			start = storage.VersionKey(o, last) // skipped below: the page ended on it
		case hi != math.MaxInt64:
			start = append(timePrefix(o, hi), 0xFF)
		default:
			start = storage.PrefixEnd(prefix)
		}
		for it.Seek(start); it.Valid(); it.Next() {
			item := it.Item()
			id := string(item.Key()[len(prefix):])
			if last != "" && opt.Descending && id >= last {
				continue
			}
			if pending != nil && ((!opt.Descending && pending.Version < id) || (opt.Descending && pending.Version > id)) {
				if emit(pending) {
					return nil
				}
				pending = nil
			}
			var r *storage.Record
			if err := item.Value(func(v []byte) error {
				var uerr error
				r, uerr = storage.UnmarshalRecord(v)
				if uerr == nil {
					r.Value, r.Metadata, r.UserIDs = nil, nil, nil // not kept past this callback
				}
				return uerr
			}); err != nil {
				return err
			}
			if !sealedVisible(r, now) {
				continue
			}
			if r.UpdatedTime < lo || r.UpdatedTime > hi {
				if (!opt.Descending && r.UpdatedTime > hi) || (opt.Descending && r.UpdatedTime < lo) {
					break
				}
				continue
			}
			if emit(r) {
				return nil
			}
		}
		if pending != nil {
			emit(pending)
		}
		return nil
	})
	if err != nil {
		return nil, e.internal("list-versions", err)
	}
	return pageOf(items, n, func(i int) string {
		return encodeCursor(cursorVersions, ctx, fields(nil).str(items[i].Version))
	}, nil), nil
}

// readSealed loads a sealed version still kept at now; nil otherwise.
func readSealed(txn *badger.Txn, o storage.ObjectKey, version string, now int64) (*storage.Record, error) {
	item, err := txn.Get(storage.VersionKey(o, version))
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
	if err != nil || !sealedVisible(r, now) {
		return nil, err
	}
	return r, nil
}

// GetVersion is GetVersionAsync: the value and key info (user ids and
// metadata of that version) of one version of the key. It returns nil, not
// an error, for a tombstone version and for a version that does not exist:
// never issued, overwritten later in its hour, expired, or removed with
// RemoveVersionAsync (docs/decisions.md).
func (e *Engine) GetVersion(ref StoreRef, key, version string) (*Entry, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	var out *Entry
	err = e.db.View(func(txn *badger.Txn) error {
		head, err := e.readHead(txn, o)
		if err != nil || head == nil {
			return err
		}
		if head.Version == version {
			out = entryOf(head)
			return nil
		}
		r, err := readSealed(txn, o, version, e.now())
		out = entryOf(r)
		return err
	})
	return out, e.internal("get-version", err)
}

// GetVersionAtTime is GetVersionAtTimeAsync: the version that was the
// latest at ms (the newest kept version written at or before ms), or nil if
// there was none, if it was a tombstone, or if it has expired. ms must be
// positive and at most ten minutes ahead of the clock (InvalidTimestamp).
func (e *Engine) GetVersionAtTime(ref StoreRef, key string, ms int64) (*Entry, error) {
	o, err := ref.object(key)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if ms <= 0 || ms > now+FutureTimestampSlack.Milliseconds() {
		return nil, dserr.New(dserr.InvalidTimestamp)
	}
	var out *Entry
	err = e.db.View(func(txn *badger.Txn) error {
		head, err := e.readHead(txn, o)
		if err != nil || head == nil {
			return err
		}
		if head.UpdatedTime <= ms {
			out = entryOf(head)
			return nil
		}
		prefix := storage.VersionPrefix(o)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(append(timePrefix(o, ms), 0xFF)); it.Valid(); it.Next() {
			raw, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			r, err := storage.UnmarshalRecord(raw)
			if err != nil {
				return err
			}
			if r.UpdatedTime > ms {
				continue
			}
			if sealedVisible(r, now) {
				out = entryOf(r)
			}
			return nil
		}
		return nil
	})
	return out, e.internal("get-version-at-time", err)
}

// RemoveVersion is RemoveVersionAsync: it deletes one version for good
// (with no tombstone in its place, unlike RemoveAsync). Removing the latest
// version of a live key leaves the key deleted: a tombstone version becomes
// the latest, so that GetAsync reads nil and the key is purged 30 days
// later, while the older backups stay reachable until they expire. A
// version that does not exist, and the tombstone that is already the
// latest version, are left alone without an error (docs/decisions.md).
func (e *Engine) RemoveVersion(ref StoreRef, key, version string) error {
	o, err := ref.object(key)
	if err != nil {
		return err
	}
	defer e.lockKey(o)()
	err = e.update(func(txn *badger.Txn) error {
		head, err := e.readHead(txn, o)
		if err != nil || head == nil {
			return err
		}
		if head.Version == version {
			if head.Deleted {
				return nil
			}
			next, err := e.newRecord(head, e.now(), nil, writeExtras{})
			if err != nil {
				return err
			}
			next.Deleted = true
			// No previous head: the removed version is not sealed.
			return e.writeHead(txn, o, nil, next)
		}
		r, err := readSealed(txn, o, version, e.now())
		if err != nil || r == nil {
			return err
		}
		vk := storage.VersionKey(o, version)
		if err := txn.Delete(vk); err != nil {
			return err
		}
		return txn.Delete(storage.ExpiryKey(r.SupersededTime+BackupRetention.Milliseconds(), storage.ExpireVersion, vk))
	})
	return e.internal("remove-version", err)
}

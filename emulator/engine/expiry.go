package engine

// Expiry of superseded versions and tombstones (design decision 4): 30 days
// after a version is superseded, or after a key is removed, it is gone.
//
// Reads already hide what has expired, by comparing times with the clock;
// the sweeper only reclaims the space. Every write that makes something
// expire also writes an `x` record keyed by the expiry time, so Sweep reads
// the `x` space in time order up to now and touches nothing else: its cost
// is O(expired), whatever the size of the store.

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/rbxemu/rbxemu/emulator/storage"
)

// SweepStats says what one Sweep removed.
type SweepStats struct {
	Expired  int `json:"expired"`  // expiry records handled
	Versions int `json:"versions"` // sealed versions deleted
	Keys     int `json:"keys"`     // keys purged (expired tombstones, with their versions)
	Stores   int `json:"stores"`   // data store records deleted because no key was left
}

// sweepBatch is how many expiry records one transaction handles.
const sweepBatch = 256

// sweeperState is the background sweeper's: the lock that keeps sweeps one
// at a time, and the channels that stop the goroutine.
type sweeperState struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Sweep deletes every version and key whose expiry time is at or before now:
// sealed versions 30 days after they were superseded, and keys whose latest
// version is a tombstone 30 days old, with all their versions. A data store
// left without keys loses its record (ListDataStoresAsync stops listing it
// at once anyway). Sweeps run one at a time.
func (e *Engine) Sweep(now time.Time) (SweepStats, error) {
	return e.sweep(context.Background(), now)
}

// sweep is Sweep, stopping between batches when ctx ends.
func (e *Engine) sweep(ctx context.Context, now time.Time) (SweepStats, error) {
	e.sweeper.mu.Lock()
	defer e.sweeper.mu.Unlock()
	nowMs := now.UnixMilli()
	var st SweepStats
	from := storage.ExpiryPrefix()
	for ctx.Err() == nil {
		batch, err := e.expiredBatch(from, nowMs)
		if err != nil || len(batch) == 0 {
			return st, e.internal("sweep", err)
		}
		var versions [][]byte
		for _, x := range batch {
			_, kind, target := storage.DecodeExpiry(x)
			if kind == storage.ExpireTombstone {
				if err := e.purgeKey(x, target, nowMs, &st); err != nil {
					return st, e.internal("sweep", err)
				}
				continue
			}
			versions = append(versions, x)
		}
		if err := e.purgeVersions(versions, nowMs, &st); err != nil {
			return st, e.internal("sweep", err)
		}
		st.Expired += len(batch)
		from = after(batch[len(batch)-1])
	}
	return st, nil
}

// expiredBatch returns up to sweepBatch expiry records due at nowMs, from
// the seek position on.
func (e *Engine) expiredBatch(from []byte, nowMs int64) ([][]byte, error) {
	var out [][]byte
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: storage.ExpiryPrefix()})
		defer it.Close()
		for it.Seek(from); it.Valid() && len(out) < sweepBatch; it.Next() {
			k := it.Item().Key()
			if ms, _, _ := storage.DecodeExpiry(k); ms > nowMs {
				break
			}
			out = append(out, it.Item().KeyCopy(nil))
		}
		return nil
	})
	return out, err
}

// purgeVersions deletes the sealed versions named by expiry records, and
// the records. A version already gone (RemoveVersionAsync, a purged key) is
// skipped.
func (e *Engine) purgeVersions(xs [][]byte, nowMs int64, st *SweepStats) error {
	if len(xs) == 0 {
		return nil
	}
	deleted := 0
	err := e.update(func(txn *badger.Txn) error {
		deleted = 0
		for _, x := range xs {
			_, _, vk := storage.DecodeExpiry(x)
			item, err := txn.Get(vk)
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
			case err != nil:
				return err
			default:
				var expired bool
				if err := item.Value(func(v []byte) error {
					r, err := storage.UnmarshalRecord(v)
					if err == nil {
						expired = !sealedVisible(r, nowMs)
					}
					return err
				}); err != nil {
					return err
				}
				if expired {
					if err := txn.Delete(vk); err != nil {
						return err
					}
					deleted++
				}
			}
			if err := txn.Delete(x); err != nil {
				return err
			}
		}
		return nil
	})
	st.Versions += deleted
	return err
}

// purgeKey handles a tombstone's expiry record: if the key's latest version
// is still a tombstone past its 30 days, the key and all its versions go;
// if the key was written again since, only the record goes.
func (e *Engine) purgeKey(x, entryKey []byte, nowMs int64, st *SweepStats) error {
	o, err := storage.ObjectFromEntryKey(entryKey)
	if err != nil {
		// Not a key this engine wrote: drop the record rather than stall.
		return e.update(func(txn *badger.Txn) error { return txn.Delete(x) })
	}
	defer e.lockKey(o)()
	var purged bool
	var versions int
	sk := storage.StoreKey{Universe: o.Universe, Name: o.Name}
	storeGone := false
	err = e.update(func(txn *badger.Txn) error {
		purged, versions, storeGone = false, 0, false
		if err := txn.Delete(x); err != nil {
			return err
		}
		item, err := txn.Get(entryKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
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
		if !head.Deleted || head.UpdatedTime+BackupRetention.Milliseconds() > nowMs {
			return nil
		}
		if err := txn.Delete(entryKey); err != nil {
			return err
		}
		purged = true
		// Its versions were superseded no later than the tombstone was
		// written, so they have normally been swept already; whatever is
		// left goes now, with its expiry record.
		prefix := storage.VersionPrefix(o)
		var doomed [][]byte
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		for it.Rewind(); it.Valid(); it.Next() {
			vk := it.Item().KeyCopy(nil)
			err := it.Item().Value(func(v []byte) error {
				r, err := storage.UnmarshalRecord(v)
				if err == nil {
					doomed = append(doomed, vk, storage.ExpiryKey(r.SupersededTime+BackupRetention.Milliseconds(), storage.ExpireVersion, vk))
				}
				return err
			})
			if err != nil {
				it.Close()
				return err
			}
		}
		it.Close()
		for _, k := range doomed {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		versions = len(doomed) / 2
		// Was it the store's last key? The store record is read so that a
		// concurrent first write to the store makes this transaction retry.
		if _, err := txn.Get(storage.StoreRecordKey(sk)); errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		it = txn.NewIterator(badger.IteratorOptions{Prefix: storage.StoreEntriesPrefix(o.Universe, o.Name)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			// The transaction's own delete hides the purged key; the
			// name check only guards against a badger that shows it.
			if !bytes.Equal(it.Item().Key(), entryKey) {
				return nil
			}
		}
		storeGone = true
		return txn.Delete(storage.StoreRecordKey(sk))
	})
	if err != nil {
		return err
	}
	if purged {
		st.Keys++
		st.Versions += versions
	}
	if storeGone {
		st.Stores++
		e.storesMu.Lock()
		delete(e.stores, sk)
		e.storesMu.Unlock()
	}
	return nil
}

// startSweeper starts the background sweeper when every > 0: it sweeps
// every interval of real time and, on a virtual clock, whenever the clock
// moves.
func (e *Engine) startSweeper(every time.Duration) {
	if every <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.sweeper.cancel = cancel
	e.sweeper.done = make(chan struct{})
	go e.sweepLoop(ctx, every)
}

// clockMover is a clock that says when it moves (clock.Manual).
type clockMover interface {
	Changed() <-chan struct{}
}

func (e *Engine) sweepLoop(ctx context.Context, every time.Duration) {
	defer close(e.sweeper.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	changed := func() <-chan struct{} {
		if m, ok := e.clock.(clockMover); ok {
			return m.Changed()
		}
		return nil // a nil channel: never ready
	}
	moved := changed()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-moved:
		}
		// Taken before sweeping, so that a move during the sweep wakes the
		// next round.
		moved = changed()
		if st, err := e.sweep(ctx, e.clock.Now()); err != nil {
			e.log.Error("sweep failed", "err", err)
		} else if st.Expired > 0 {
			e.log.Debug("swept", "versions", st.Versions, "keys", st.Keys, "stores", st.Stores)
		}
	}
}

// stopSweeper stops the background sweeper and waits for it, if it runs.
func (e *Engine) stopSweeper() {
	if e.sweeper.cancel == nil {
		return
	}
	e.sweeper.cancel()
	<-e.sweeper.done
}

package throttle

// The path of one call: the session's budget and queue (the game server's
// own limiter), then the limits the backend enforces across every session
// of the universe: the per-key windows and the experience quota.

import (
	"context"
	"strings"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// QueueWarning is the text of the warning pushed when a call is queued, up
// to the key (reference §1.5: no space before "Key").
const QueueWarning = "DataStore request was added to queue. If request queue fills, further requests will be dropped. Try sending fewer requests.Key = "

// Per-key limits (reference §3.6), in kilobytes of 1024 bytes.
const (
	kilobyte     = 1024
	readLimitKB  = 25 * 1024 // 25 MB read per key per 60 s
	writeLimitKB = 4 * 1024  // 4 MB written per key per 60 s
	sweepEveryMs = windowMs  // how often idle windows are dropped
)

// keyID names a key across every session of a universe. An AllScopes key
// "scope/key" is split so that it shares its windows with the scoped form.
type keyID struct {
	universe          int64
	ordered           bool
	store, scope, key string
}

type keyWindows struct{ read, write window }

func keyOf(universe int64, c *dispatch.Call) keyID {
	scope, key := c.Store.Scope, c.Key
	if c.Store.AllScopes {
		if i := strings.IndexByte(key, '/'); i >= 0 {
			scope, key = key[:i], key[i+1:]
		}
	}
	return keyID{universe: universe, ordered: c.Ordered, store: c.Store.Name, scope: scope, key: key}
}

// kilobytes rounds a request's size up to whole kilobytes; every request
// counts at least 1 KB, an empty one included.
func kilobytes(n int) int64 {
	if n <= kilobyte {
		return 1
	}
	return (int64(n) + kilobyte - 1) / kilobyte
}

// readOps count against a key's read window beside the calls that take a
// read budget (reference §3.6 lists ListVersionsAsync, a list, as a read).
var readOps = map[string]bool{"GetVersionAsync": true, "GetVersionAtTimeAsync": true, "ListVersionsAsync": true}

// writeOps count against a key's write window even with WriteBytes 0.
var writeOps = map[string]bool{"SetAsync": true, "IncrementAsync": true, "RemoveAsync": true}

func isRead(c *dispatch.Call, types []RequestType) bool {
	if readOps[c.Op] {
		return true
	}
	for _, t := range types {
		if t == StandardRead || t == OrderedRead {
			return true
		}
	}
	return false
}

func isWrite(c *dispatch.Call) bool { return c.WriteBytes > 0 || writeOps[c.Op] }

// resolve turns the call's request type names into the budgets it takes,
// without repeats, in order.
func resolve(c *dispatch.Call) ([]RequestType, error) {
	if len(c.RequestTypes) == 0 {
		return nil, nil
	}
	out := make([]RequestType, 0, len(c.RequestTypes))
	for _, name := range c.RequestTypes {
		t, ok := ParseRequestType(name)
		if !ok {
			return nil, dserr.New(dserr.ProtocolBadArgument, c.Op, "unknown request type "+name)
		}
		for _, u := range consumes[t] {
			if !contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

func contains(ts []RequestType, t RequestType) bool {
	for _, u := range ts {
		if u == t {
			return true
		}
	}
	return false
}

// Admit lets c run once its session has the budget for it, then checks the
// per-key and experience limits. It blocks while the call waits in its
// queue; it fails at once with 301..306 (or the op's *Throttle error) when
// the queue is full, with KeyThrottled or <Type>ExperienceThrottled when a
// shared limit is reached, and with ctx's error if ctx ends first. A call
// with no RequestTypes (CommitUpdate) takes no budget and waits in no queue.
func (l *Limiter) Admit(ctx context.Context, s *dispatch.Session, c *dispatch.Call) error {
	if l == nil || s == nil || c == nil {
		return nil
	}
	types, err := resolve(c)
	if err != nil {
		return err
	}
	st := l.state(s)
	l.register(st)
	select {
	case <-l.closing:
		return shuttingDown()
	default:
	}
	if len(types) > 0 && !st.unmetered {
		if err := l.acquire(ctx, st, c, types); err != nil {
			return err
		}
	}
	return l.backend(st, c, types)
}

// readyLocked reports whether every budget in types has a request. Caller
// holds st.mu.
func (st *session) readyLocked(types []RequestType) bool {
	for _, t := range types {
		if !st.buckets[t].ready() {
			return false
		}
	}
	return true
}

func (st *session) takeLocked(types []RequestType) {
	for _, t := range types {
		st.buckets[t].take()
	}
}

// readyAtLocked is when every budget in types will have a request, or -1.
func (st *session) readyAtLocked(types []RequestType) int64 {
	var at int64
	for _, t := range types {
		a := st.buckets[t].readyAt(st.players)
		if a < 0 {
			return -1
		}
		at = max(at, a)
	}
	return at
}

// acquire takes one request of every budget in types, waiting in the
// call's queue if it must. Calls leave a queue strictly in arrival order: a
// call arriving while its queue is not empty queues too, even if its own
// budget would allow it.
func (l *Limiter) acquire(ctx context.Context, st *session, c *dispatch.Call, types []RequestType) error {
	q := queueFor(types)
	st.mu.Lock()
	st.refillLocked(l.nowMs())
	if len(st.queues[q]) == 0 && st.readyLocked(types) {
		st.takeLocked(types)
		st.mu.Unlock()
		return nil
	}
	if len(st.queues[q]) >= l.queueSize {
		st.mu.Unlock()
		return dropError(c, types)
	}
	w := &waiter{types: types, wake: make(chan struct{}, 1)}
	st.queues[q] = append(st.queues[q], w)
	st.mu.Unlock()

	st.s.Push(dispatch.Notice{Kind: "warning", Data: map[string]any{"message": QueueWarning + c.Key}})

	for {
		var changed <-chan struct{}
		if l.changed != nil {
			changed = l.changed() // before reading the time: no move is missed
		}
		st.mu.Lock()
		if err := l.abandoned(ctx); err != nil {
			st.leaveLocked(q, w)
			st.mu.Unlock()
			return err
		}
		st.refillLocked(l.nowMs())
		head := st.queues[q][0] == w
		if head && st.readyLocked(types) {
			st.takeLocked(types)
			st.leaveLocked(q, w)
			st.mu.Unlock()
			return nil
		}
		until := int64(-1)
		if head {
			until = st.readyAtLocked(types)
		}
		st.mu.Unlock()
		l.sleep(ctx, w, head, until, changed)
	}
}

// abandoned is the error of a waiter that must give up, if any.
func (l *Limiter) abandoned(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-l.closing:
		return shuttingDown()
	default:
		return nil
	}
}

// leaveLocked takes w out of queue q and wakes the new head. Caller holds
// st.mu.
func (st *session) leaveLocked(q Queue, w *waiter) {
	ws := st.queues[q]
	for i, x := range ws {
		if x == w {
			copy(ws[i:], ws[i+1:])
			ws[len(ws)-1] = nil
			st.queues[q] = ws[:len(ws)-1]
			if i == 0 {
				st.wakeHeadLocked(q)
			}
			return
		}
	}
}

// sleep waits until something may have changed for w: it was woken, ctx or
// the Limiter ended, or (for the head of its queue) the clock moved. On a
// clock that signals its moves (the virtual clock) the head wakes on every
// move; on another clock it waits for the moment its budget fills, with a
// helper goroutine that ends before sleep returns.
func (l *Limiter) sleep(ctx context.Context, w *waiter, head bool, until int64, changed <-chan struct{}) {
	var tick <-chan struct{}
	if head {
		switch {
		case changed != nil:
			tick = changed
		case until >= 0:
			wctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				_ = l.clock.WaitUntil(wctx, time.UnixMilli(until))
				close(done)
			}()
			defer func() { cancel(); <-done }()
			tick = done
		}
	}
	select {
	case <-tick:
	case <-w.wake:
	case <-ctx.Done():
	case <-l.closing:
	}
}

// backend applies the limits shared by every session of the universe: the
// per-key windows first, then the experience quota. A refused call leaves no
// trace in any window (its session budget stays spent, as the request was
// sent). A read is checked for 1 KB here; its real size is recorded by Done.
func (l *Limiter) backend(st *session, c *dispatch.Call, types []RequestType) error {
	read, write := false, false
	if c.Key != "" {
		read, write = isRead(c, types), isWrite(c)
	}
	var exp []RequestType
	for _, t := range types {
		if experiencePerCCU[t] > 0 {
			exp = append(exp, t)
		}
	}
	if !read && !write && len(exp) == 0 {
		return nil
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.nowMs()
	l.sweepLocked(now)

	var kw *keyWindows
	var kid keyID
	var writeKB int64
	if read || write {
		kid = keyOf(st.s.Universe, c)
		if kw = l.keys[kid]; kw != nil {
			kw.read.prune(now)
			kw.write.prune(now)
		}
		if write {
			writeKB = kilobytes(c.WriteBytes)
			if kw != nil && kw.write.total()+writeKB > writeLimitKB || kw == nil && writeKB > writeLimitKB {
				return named(dserr.New(dserr.KeyThrottled), c)
			}
		}
		if read && kw != nil && kw.read.total()+1 > readLimitKB {
			return named(dserr.New(dserr.KeyThrottled), c)
		}
	}

	var u *universe
	if len(exp) > 0 {
		u = l.universeLocked(st.s.Universe)
		ccu := u.ccu()
		for _, t := range exp {
			if u.windows[t] == nil {
				u.windows[t] = &window{}
			}
			u.windows[t].prune(now)
			if u.windows[t].total()+1 > experienceBase+ccu*experiencePerCCU[t] {
				return named(dserr.New(t.String()+"ExperienceThrottled"), c)
			}
		}
	}

	if write {
		if kw == nil {
			kw = &keyWindows{}
			l.keys[kid] = kw
		}
		kw.write.add(now, writeKB)
	}
	for _, t := range exp {
		u.windows[t].add(now, 1)
	}
	return nil
}

// Done records the bytes a read returned in its key's read window. A read
// cannot be refused after the fact: a read that carries the window over
// 25 MB succeeds, and the key's later reads are refused until the window
// has room again.
func (l *Limiter) Done(s *dispatch.Session, c *dispatch.Call, readBytes int) {
	if l == nil || s == nil || c == nil || c.Key == "" {
		return
	}
	types, err := resolve(c)
	if err != nil || !isRead(c, types) {
		return
	}
	kid := keyOf(s.Universe, c)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.nowMs()
	kw := l.keys[kid]
	if kw == nil {
		kw = &keyWindows{}
		l.keys[kid] = kw
	}
	kw.read.prune(now)
	kw.read.add(now, kilobytes(readBytes))
}

// sweepLocked drops, once a minute of clock time, the windows that have
// emptied: keys nobody touched for a minute, and universes with no session
// and no recent call. Caller holds mu.
func (l *Limiter) sweepLocked(now int64) {
	if now-l.lastSweep < sweepEveryMs && now >= l.lastSweep {
		return
	}
	l.lastSweep = now
	for id, kw := range l.keys {
		kw.read.prune(now)
		kw.write.prune(now)
		if kw.read.empty() && kw.write.empty() {
			delete(l.keys, id)
		}
	}
	for id, u := range l.universes {
		idle := len(u.sessions) == 0
		for t, w := range u.windows {
			if w == nil {
				continue
			}
			w.prune(now)
			if w.empty() {
				u.windows[t] = nil
			} else {
				idle = false
			}
		}
		if idle {
			delete(l.universes, id)
		}
	}
}

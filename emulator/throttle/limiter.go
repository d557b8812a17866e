package throttle

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// DefaultQueueSize is how many calls each throttle queue holds (reference
// §3.5); the next one is dropped.
const DefaultQueueSize = 30

// Options configures a Limiter. The zero value is the engine's behaviour.
type Options struct {
	// QueueSize is the length of each of a session's four queues
	// (0: DefaultQueueSize).
	QueueSize int
}

// Limiter is the throttle model. It implements dispatch.Gate,
// dispatch.BudgetReporter, dispatch.SessionObserver and the optional
// interfaces of dispatch's admin ops. Its methods are safe for concurrent
// use, and safe on a nil *Limiter (which lets everything through).
type Limiter struct {
	clock     clock.Clock
	changed   func() <-chan struct{} // the clock's move signal, if it has one
	queueSize int

	// mu guards everything below. Lock order: mu before a session's mu;
	// nothing holds a session's mu while taking mu.
	mu        sync.Mutex
	seq       int64
	sessions  map[*session]struct{}
	universes map[int64]*universe
	keys      map[keyID]*keyWindows
	lastSweep int64
	closed    bool
	closing   chan struct{} // closed by Close: every waiter gives up
}

var (
	_ dispatch.Gate            = (*Limiter)(nil)
	_ dispatch.BudgetReporter  = (*Limiter)(nil)
	_ dispatch.SessionObserver = (*Limiter)(nil)
	_ dispatch.SessionLister   = (*Limiter)(nil)
	_ dispatch.QueueReporter   = (*Limiter)(nil)
	_ dispatch.RateReporter    = (*Limiter)(nil)
	_ dispatch.RateLimiter     = (*Limiter)(nil)
)

// New returns a Limiter that reads time from c (nil: the real clock). It
// starts no goroutine: waiting calls wait on the clock themselves.
func New(c clock.Clock, o Options) *Limiter {
	if c == nil {
		c = clock.Real{}
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	l := &Limiter{
		clock:     c,
		queueSize: o.QueueSize,
		sessions:  map[*session]struct{}{},
		universes: map[int64]*universe{},
		keys:      map[keyID]*keyWindows{},
		closing:   make(chan struct{}),
	}
	if ch, ok := c.(interface{ Changed() <-chan struct{} }); ok {
		l.changed = ch.Changed
	}
	l.lastSweep = l.nowMs()
	return l
}

// Close makes every waiting call and every later Admit fail with the
// ShuttingDown protocol error. Safe to call twice.
func (l *Limiter) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.closing)
	}
	return nil
}

func (l *Limiter) nowMs() int64 { return l.clock.Now().UnixMilli() }

// session is the throttle state of one dispatch.Session, kept in its State
// under the Limiter's pointer.
type session struct {
	s *dispatch.Session
	// unmetered sessions (Open Cloud) have no per-server budgets or queues;
	// per-key and experience limits still apply to them.
	unmetered bool
	// known is set once the session was registered or closed: Admit then
	// skips the registry.
	known atomic.Bool

	// guarded by Limiter.mu
	seq        int64
	registered bool
	closed     bool

	mu      sync.Mutex
	players int64 // the count the budgets were last refilled at
	buckets [numRequestTypes]*bucket
	queues  [numQueues][]*waiter
}

// waiter is one queued call.
type waiter struct {
	types []RequestType
	wake  chan struct{} // buffered 1: "look again"
}

// universe holds what the sessions of one experience share.
type universe struct {
	sessions map[*session]struct{}
	windows  [numRequestTypes]*window // experience limits, requests per 60 s
}

// ccu is the players over every session of the universe. Caller holds
// Limiter.mu.
func (u *universe) ccu() int64 {
	var n int64
	for st := range u.sessions {
		if p := st.s.Players(); p > 0 {
			n += p
		}
	}
	return n
}

// state returns the throttle state of s, creating it (with its startup
// burst, at the current clock) on first sight.
func (l *Limiter) state(s *dispatch.Session) *session {
	if v, ok := s.State.Load(l); ok {
		return v.(*session)
	}
	now := l.nowMs()
	st := &session{s: s, unmetered: unmeteredKind(s.ClientKind), players: max(s.Players(), 0)}
	for _, t := range budgetTypes {
		st.buckets[t] = newBucket(defaults[t], now)
	}
	v, _ := s.State.LoadOrStore(l, st)
	return v.(*session)
}

// register adds st to the registry (CCU, listing) unless it was closed.
func (l *Limiter) register(st *session) {
	if st.known.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.registered || st.closed {
		return
	}
	l.seq++
	st.seq, st.registered = l.seq, true
	st.known.Store(true)
	l.sessions[st] = struct{}{}
	l.universeLocked(st.s.Universe).sessions[st] = struct{}{}
}

// universeLocked returns the universe's shared state, creating it. Caller
// holds mu.
func (l *Limiter) universeLocked(id int64) *universe {
	u, ok := l.universes[id]
	if !ok {
		u = &universe{sessions: map[*session]struct{}{}}
		l.universes[id] = u
	}
	return u
}

// SessionOpened registers s: its players count towards its universe's CCU
// and _emulator.budgets lists it. Admit registers a session it has not seen
// too; doors call SessionClosed for every session either way.
func (l *Limiter) SessionOpened(s *dispatch.Session) {
	if l == nil || s == nil {
		return
	}
	l.register(l.state(s))
}

// SessionClosed forgets s for CCU and listing; its state goes with the
// Session. Calls still in flight finish under their budgets.
func (l *Limiter) SessionClosed(s *dispatch.Session) {
	if l == nil || s == nil {
		return
	}
	st := l.state(s)
	l.mu.Lock()
	defer l.mu.Unlock()
	st.closed = true
	st.known.Store(true)
	if st.registered {
		st.registered = false
		delete(l.sessions, st)
		if u := l.universes[s.Universe]; u != nil {
			delete(u.sessions, st)
		}
	}
}

// PlayersChanged settles the budgets at the old player count up to now;
// from now on they refill at the new rate, under the new cap. The new
// count also moves the universe's CCU.
func (l *Limiter) PlayersChanged(s *dispatch.Session) {
	if l == nil || s == nil {
		return
	}
	st := l.state(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refillLocked(l.nowMs())
	st.wakeHeadsLocked()
}

// refillLocked credits every budget up to nowMs at the player count it
// was refilling at, then adopts the session's current count (a count set
// without PlayersChanged is picked up here). Caller holds st.mu.
func (st *session) refillLocked(nowMs int64) {
	for _, t := range budgetTypes {
		st.buckets[t].refill(nowMs, st.players)
	}
	if p := max(st.s.Players(), 0); p != st.players {
		st.players = p
		for _, t := range budgetTypes {
			st.buckets[t].clamp(p)
		}
	}
}

// wakeHeadsLocked asks the first waiter of every queue to look again (a
// limit or the player count changed). Caller holds st.mu.
func (st *session) wakeHeadsLocked() {
	for q := range st.queues {
		st.wakeHeadLocked(Queue(q))
	}
}

func (st *session) wakeHeadLocked(q Queue) {
	if len(st.queues[q]) > 0 {
		select {
		case st.queues[q][0].wake <- struct{}{}:
		default:
		}
	}
}

// budgetLocked is GetRequestBudgetForRequestType(t). Caller holds st.mu and
// refilled.
func (st *session) budgetLocked(t RequestType) int64 {
	from := reads[t]
	if len(from) == 0 {
		b := bucket{limit: onUpdateLimit}
		return b.perMinute(st.players)
	}
	n := st.buckets[from[0]].requests()
	for _, u := range from[1:] {
		n = min(n, st.buckets[u].requests())
	}
	return n
}

// Budgets returns GetRequestBudgetForRequestType for every enum item, by
// name: what every reply carries. Open Cloud sessions have none (nil).
func (l *Limiter) Budgets(s *dispatch.Session) map[string]int64 {
	if l == nil || s == nil {
		return nil
	}
	st := l.state(s)
	if st.unmetered {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refillLocked(l.nowMs())
	out := make(map[string]int64, numRequestTypes)
	for _, t := range RequestTypes() {
		out[t.String()] = st.budgetLocked(t)
	}
	return out
}

// Budget is GetRequestBudgetForRequestType(t) for session s.
func (l *Limiter) Budget(s *dispatch.Session, t RequestType) int64 {
	if l == nil || s == nil || t < 0 || t >= numRequestTypes {
		return 0
	}
	st := l.state(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refillLocked(l.nowMs())
	return st.budgetLocked(t)
}

// RequestBudget is the GetRequestBudgetForRequestType op: requestType is a
// name, an Enum path or a value.
func (l *Limiter) RequestBudget(s *dispatch.Session, requestType string) (int64, error) {
	t, ok := ParseRequestType(requestType)
	if !ok {
		return 0, newError(BudgetUnknownType, requestType)
	}
	return l.Budget(s, t), nil
}

// Sessions lists the registered sessions in the order they were first seen.
func (l *Limiter) Sessions() []*dispatch.Session {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	sts := make([]*session, 0, len(l.sessions))
	for st := range l.sessions {
		sts = append(sts, st)
	}
	l.mu.Unlock()
	slices.SortFunc(sts, func(a, b *session) int { return int(a.seq - b.seq) })
	out := make([]*dispatch.Session, len(sts))
	for i, st := range sts {
		out[i] = st.s
	}
	return out
}

// QueueLengths is how many calls wait in each of the session's queues, by
// queue name (Set, OrderedSet, Get, OrderedGet).
func (l *Limiter) QueueLengths(s *dispatch.Session) map[string]int {
	if l == nil || s == nil {
		return nil
	}
	st := l.state(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]int, numQueues)
	for q := range st.queues {
		out[Queue(q).String()] = len(st.queues[q])
	}
	return out
}

// Rates is the limit of every budget the session owns, by type name.
func (l *Limiter) Rates(s *dispatch.Session) map[string]dispatch.Rate {
	if l == nil || s == nil {
		return nil
	}
	st := l.state(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refillLocked(l.nowMs())
	out := make(map[string]dispatch.Rate, len(budgetTypes))
	for _, t := range budgetTypes {
		b := st.buckets[t]
		out[t.String()] = dispatch.Rate{Base: b.base, PerPlayer: b.perPlayer, PerMinute: b.perMinute(st.players)}
	}
	return out
}

// shuttingDown is the error of a call that meets a closed Limiter.
func shuttingDown() error { return dserr.New(dserr.ProtocolShuttingDown) }

// unmeteredKind reports whether sessions of a client kind are tools rather
// than game servers: Open Cloud requests and the Studio plugin get no
// per-server budgets or queues (a game server's 5 list requests a minute
// would stall a person browsing keys), but still count against per-key
// windows and experience quotas, as Open Cloud does on Roblox.
func unmeteredKind(kind string) bool { return kind == "opencloud" || kind == "plugin" }

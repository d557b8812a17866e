// Package dispatch is the command table of the emulator: one entry per
// DataStore operation, named as Roblox names the method, each turning a JSON
// argument object into one engine call and the engine's answer into a JSON
// result. The WebSocket and HTTP doors, the Go client's in-process path and
// the conformance tests all go through Handle, so they cannot disagree.
//
// A handler has one shape: decode and check its arguments, pass the gate
// (throttling, when on), call the engine, shape the result.
package dispatch

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

// Session is one game server (one connection, or one HTTP hello): the unit
// that owns budgets, queues and a job id.
type Session struct {
	ID         string
	Universe   int64
	PlaceID    int64
	JobID      string
	ClientKind string // studio, lune, cli, test, opencloud
	Transport  string // websocket, http, inprocess
	players    atomic.Int64

	// State is where other packages (throttling, monitoring) keep their
	// per-session data, keyed by a name of their own.
	State sync.Map

	// Notify pushes a notice to the session's client (a queue warning, a
	// budget update). Set by the door that owns the session; nil drops them.
	Notify func(n Notice)
}

// Notice is a message the daemon pushes without a request: on the wire
// {"notice": Kind, ...Fields}.
type Notice struct {
	Kind string         `json:"notice"`
	Data map[string]any `json:"data,omitempty"`
}

// Push sends n to the session's client, if it has a way to receive it.
func (s *Session) Push(n Notice) {
	if s != nil && s.Notify != nil {
		s.Notify(n)
	}
}

// Players is the session's current player count.
func (s *Session) Players() int64 { return s.players.Load() }

// SetPlayers changes the player count (the "players" message).
func (s *Session) SetPlayers(n int64) { s.players.Store(n) }

// Call describes one request to the gate before it runs.
type Call struct {
	Op      string
	Store   engine.StoreRef
	Ordered bool
	Key     string
	// RequestTypes are the DataStoreRequestType budgets the call consumes
	// (UpdateAsync's read consumes StandardRead; its commit StandardWrite).
	RequestTypes []string
	// WriteBytes is the size of the value written, if any (per-key limits).
	WriteBytes int
	// Check validates the call's arguments before the gate, as Roblox does
	// in the game server before queueing a request: an empty key is 101 and
	// an oversize value 105 however throttled the server is. It may return a
	// better WriteBytes (the compact size of the value); 0 keeps the old one.
	Check func() (int, error)
}

// Gate decides whether a call may run now (throttling). Admit may block until
// budget allows, and returns a Roblox error when the call is dropped. Done
// reports how many bytes the call read, for per-key read windows.
type Gate interface {
	Admit(ctx context.Context, s *Session, c *Call) error
	Done(s *Session, c *Call, readBytes int)
}

// BudgetReporter is implemented by a gate that keeps budgets: every reply
// carries the session's budgets by DataStoreRequestType name.
type BudgetReporter interface {
	Budgets(s *Session) map[string]int64
}

// SessionObserver is implemented by a gate that tracks sessions (experience
// quotas count players over every session of a universe). Doors call these
// when a session opens, closes, or changes its player count.
type SessionObserver interface {
	SessionOpened(s *Session)
	SessionClosed(s *Session)
	PlayersChanged(s *Session)
}

// Handler runs one op.
type Handler func(ctx context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error)

// Op is one row of the command table.
type Op struct {
	Name   string
	Doc    string
	Handle Handler
}

var (
	tableMu sync.RWMutex
	table   = map[string]Op{}
)

// Register adds ops to the table; files register their family in init.
func Register(ops ...Op) {
	tableMu.Lock()
	defer tableMu.Unlock()
	for _, op := range ops {
		if _, dup := table[op.Name]; dup {
			panic("dispatch: op registered twice: " + op.Name)
		}
		table[op.Name] = op
	}
}

// Ops lists the registered op names, sorted.
func Ops() []string {
	tableMu.RLock()
	defer tableMu.RUnlock()
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Dispatcher runs ops against one engine.
type Dispatcher struct {
	Engine *engine.Engine
	// Gate is consulted before every budgeted call; nil lets all through.
	Gate Gate
	// Clock is the daemon's clock, read and moved by the _emulator.clock ops
	// (nil: the engine's).
	Clock clock.Clock
	// Faults, when set, may fail, delay or drop the reply of any DataStore
	// call (cmd_harness.go); Observer, when set, sees every call after it
	// ran and every session open and close (the monitor).
	Faults   *faults.Set
	Observer Observer
}

// Handle runs op with args for session s. Errors are *dserr.Error values
// (Roblox's, or the emulator's protocol errors), ready for a door to format.
func (d *Dispatcher) Handle(ctx context.Context, s *Session, op string, args json.RawMessage) (any, error) {
	tableMu.RLock()
	o, ok := table[op]
	tableMu.RUnlock()
	if !ok {
		return nil, dserr.New(dserr.ProtocolUnknownOp, op)
	}
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	if d.Faults != nil || d.Observer != nil {
		return d.harnessed(ctx, o, s, op, args)
	}
	return o.Handle(ctx, d, s, args)
}

// Budgets returns the session's budgets for a reply (nil without a gate that
// keeps them).
func (d *Dispatcher) Budgets(s *Session) map[string]int64 {
	if br, ok := d.Gate.(BudgetReporter); ok {
		return br.Budgets(s)
	}
	return nil
}

// Opened, Closed and Players tell a session-observing gate about a session.
func (d *Dispatcher) Opened(s *Session) {
	if o, ok := d.Gate.(SessionObserver); ok {
		o.SessionOpened(s)
	}
	d.observeOpened(s)
}

// Closed: see Opened.
func (d *Dispatcher) Closed(s *Session) {
	if o, ok := d.Gate.(SessionObserver); ok {
		o.SessionClosed(s)
	}
	d.observeClosed(s)
}

// Players sets the session's player count and tells the gate.
func (d *Dispatcher) Players(s *Session, n int64) {
	s.SetPlayers(n)
	if o, ok := d.Gate.(SessionObserver); ok {
		o.PlayersChanged(s)
	}
}

// admit passes a call through the gate, if any.
func (d *Dispatcher) admit(ctx context.Context, s *Session, c *Call) error {
	if c.Check != nil {
		n, err := c.Check()
		if err != nil {
			return err
		}
		if n > 0 {
			c.WriteBytes = n
		}
	}
	defer traceAdmit(ctx, c)() // the monitor's view of the call
	if d.Gate == nil {
		return nil
	}
	return d.Gate.Admit(ctx, s, c)
}

func (d *Dispatcher) done(s *Session, c *Call, readBytes int) {
	if d.Gate != nil {
		d.Gate.Done(s, c, readBytes)
	}
}

// run admits c, runs fn (which returns the result and the bytes read) and
// tells the gate the call is done. An error from the gate or from fn has
// the call's API (c.Op) and store named on it by withContext.
func (d *Dispatcher) run(ctx context.Context, s *Session, c *Call, fn func() (any, int, error)) (any, error) {
	api, store := c.Op, c.Store.Name
	if err := d.admit(ctx, s, c); err != nil {
		return nil, withContext(err, api, store)
	}
	res, readBytes, err := fn()
	d.done(s, c, readBytes)
	if err != nil {
		return nil, withContext(err, api, store)
	}
	return res, nil
}

// withContext names the API and store on Named errors (KeyThrottled, ...).
func withContext(err error, api string, store string) error {
	if de, ok := dserr.As(err); ok && de.Kind == dserr.Named {
		return de.WithContext(api, store)
	}
	return err
}

package dispatch

// The CI harness controls of docs/harness.md, under the reserved
// "_emulator." prefix (no Roblox method starts with an underscore): reset,
// export and import of the store, fault rules, the session list and the
// request monitor. Also the two hooks that make faults and the monitor work
// for every DataStore op at once: Dispatcher.Faults decides before an op
// runs (and after, for a dropped reply), Dispatcher.Observer sees each op
// when it is done and each session open and close.
//
// The _emulator ops themselves are never faulted nor observed, so that a
// rule can always be cleared and a monitor does not watch itself.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/faults"
)

func init() {
	Register(
		Op{Name: "_emulator.reset", Doc: "empties the store, or one universe: {universeId?}", Handle: adminReset},
		Op{Name: "_emulator.export", Doc: "the store as an export document, inline: {universeId?, store?, versions?} (large stores: GET /_emulator/export)", Handle: adminExport},
		Op{Name: "_emulator.import", Doc: "loads an export document (rbxemu or MockDataStoreService format): {document, replace?, universeId?}", Handle: adminImport},
		Op{Name: "_emulator.faults.add", Doc: "adds a fault rule (docs/harness.md, \"Faults\"); returns it with its id and seed", Handle: adminFaultsAdd},
		Op{Name: "_emulator.faults.list", Doc: "the fault rules with their counters", Handle: adminFaultsList},
		Op{Name: "_emulator.faults.clear", Doc: "removes fault rules: {ids?} (none: all)", Handle: adminFaultsClear},
		Op{Name: "_emulator.sessions", Doc: "the connected game servers, with budgets and queues", Handle: adminSessions},
		Op{Name: OpMonitorSubscribe, Doc: "pushes a monitor notice for every DataStore call (WebSocket only)", Handle: monitorElsewhere},
		Op{Name: OpMonitorUnsubscribe, Doc: "stops the monitor notices of this connection (WebSocket only)", Handle: monitorElsewhere},
	)
}

// Monitor ops: the WebSocket door answers them itself (it owns the
// connection the notices go to); the dispatcher only explains that.
const (
	OpMonitorSubscribe   = "_emulator.monitor.subscribe"
	OpMonitorUnsubscribe = "_emulator.monitor.unsubscribe"
)

// ControlPrefix starts the name of every control op.
const ControlPrefix = "_emulator."

// MaxInlineExport bounds the document _emulator.export returns inline; a
// larger store is exported with GET /_emulator/export, which streams.
const MaxInlineExport = 32 << 20

// CallEvent is one DataStore call as the Observer sees it after it ran.
// Durations are real time.
type CallEvent struct {
	Session *Session
	Op      string
	Store   string
	Scope   string
	Key     string
	Ordered bool
	// Start is when the call arrived (real time); Latency how long it took
	// in all, fault delays included; Wait how much of that it spent in the
	// gate (budget queues).
	Start   time.Time
	Latency time.Duration
	Wait    time.Duration
	// RequestTypes are the budgets the call consumed (none for ops that
	// take none).
	RequestTypes []string
	// Err is the call's error (nil: it succeeded).
	Err error
	// Faults names the fault rules that fired on the call ("f1:drop").
	Faults []string
}

// Observer sees every DataStore call after it ran, and every session open
// and close. Observe runs on the caller's goroutine: it must not block.
// Watching lets the dispatcher skip building events nobody reads.
type Observer interface {
	Watching() bool
	Observe(ev *CallEvent)
	SessionOpened(s *Session)
	SessionClosed(s *Session)
}

// StateOpened is the Session.State key of when the session opened (a
// time.Time, real time), kept for _emulator.sessions.
const StateOpened = "harness.opened"

func (d *Dispatcher) observeOpened(s *Session) {
	s.State.LoadOrStore(StateOpened, time.Now())
	if d.Observer != nil {
		d.Observer.SessionOpened(s)
	}
}

func (d *Dispatcher) observeClosed(s *Session) {
	if d.Observer != nil {
		d.Observer.SessionClosed(s)
	}
}

// trace collects what the gate saw of a call, for the monitor.
type trace struct {
	mu   sync.Mutex
	wait time.Duration
	call *Call
}

type traceKey struct{}

func noTrace() {}

// traceAdmit starts timing a call's passage through the gate; the result
// ends it. Without a trace in ctx (nobody watches) it costs nothing.
func traceAdmit(ctx context.Context, c *Call) func() {
	tr, _ := ctx.Value(traceKey{}).(*trace)
	if tr == nil {
		return noTrace
	}
	start := time.Now()
	return func() {
		tr.mu.Lock()
		tr.wait += time.Since(start)
		if tr.call == nil {
			tr.call = c
		}
		tr.mu.Unlock()
	}
}

// callProbe reads the store arguments of any op without judging them (the
// handler does that): enough to match fault rules and label events.
type callProbe struct {
	Store     string  `json:"store"`
	Scope     *string `json:"scope"`
	Key       string  `json:"key"`
	AllScopes bool    `json:"allScopes"`
	Ordered   bool    `json:"ordered"`
}

func (p callProbe) scope() string {
	switch {
	case p.Scope != nil:
		return *p.Scope
	case p.AllScopes:
		return ""
	}
	return "global"
}

// apiName is the Roblox method an op belongs to.
func apiName(op string) string {
	switch op {
	case "ReadForUpdate", "CommitUpdate":
		return "UpdateAsync"
	}
	return op
}

// harnessed runs a DataStore op under the fault rules and the observer.
func (d *Dispatcher) harnessed(ctx context.Context, o Op, s *Session, op string, args json.RawMessage) (any, error) {
	faulting := d.Faults.Active() && s != nil
	watching := d.Observer != nil && d.Observer.Watching()
	if strings.HasPrefix(op, ControlPrefix) || (!faulting && !watching) {
		return o.Handle(ctx, d, s, args)
	}
	start := time.Now()
	var probe callProbe
	_ = json.Unmarshal(args, &probe) // the handler reports bad arguments
	var dec faults.Decision
	if faulting {
		dec = d.Faults.Decide(faults.Call{Op: op, API: apiName(op), Store: probe.Store, Scope: probe.scope(), Key: probe.Key,
			Session: s.ID, JobID: s.JobID, Universe: s.Universe})
	}
	var tr *trace
	if watching {
		tr = &trace{}
		ctx = context.WithValue(ctx, traceKey{}, tr)
	}
	res, err := d.faulted(ctx, o, s, op, args, dec, probe.Store)
	if watching {
		ev := &CallEvent{Session: s, Op: op, Store: probe.Store, Scope: probe.scope(), Key: probe.Key, Ordered: probe.Ordered,
			Start: start, Latency: time.Since(start), Err: err, Faults: dec.Applied}
		tr.mu.Lock()
		ev.Wait = tr.wait
		if c := tr.call; c != nil {
			ev.Store, ev.Scope, ev.Key, ev.RequestTypes = c.Store.Name, c.Store.Scope, c.Key, c.RequestTypes
		}
		tr.mu.Unlock()
		d.Observer.Observe(ev)
	}
	return res, err
}

// faulted runs an op as the fault decision says: wait, fail before it
// runs, or run it and then fail as if its reply had been lost.
func (d *Dispatcher) faulted(ctx context.Context, o Op, s *Session, op string, args json.RawMessage, dec faults.Decision, store string) (any, error) {
	if dec.Delay > 0 {
		t := time.NewTimer(dec.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	if dec.Err != nil {
		return nil, withContext(dec.Err, apiName(op), store)
	}
	res, err := o.Handle(ctx, d, s, args)
	if dec.Drop && err == nil {
		return nil, withContext(dec.DropErr, apiName(op), store)
	}
	return res, err
}

// ResetResult is the answer of _emulator.reset.
type ResetResult struct {
	// Universe is the universe emptied; nil when everything was.
	Universe *int64 `json:"universeId"`
}

type universeArgs struct {
	Universe *int64 `json:"universeId"`
}

func (a universeArgs) check(op string) error {
	if a.Universe != nil && *a.Universe <= 0 {
		return dserr.New(dserr.ProtocolBadArgument, op, "universeId must be a positive integer")
	}
	return nil
}

func adminReset(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.reset"
	var a universeArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if err := a.check(op); err != nil {
		return nil, err
	}
	if err := d.Engine.Reset(a.Universe); err != nil {
		return nil, err
	}
	return ResetResult{Universe: a.Universe}, nil
}

type exportArgs struct {
	universeArgs
	Store    string `json:"store"`
	Versions bool   `json:"versions"`
}

// ExportResult is the answer of _emulator.export: the export document (as
// a JSON value) and what it holds.
type ExportResult struct {
	Document json.RawMessage   `json:"document"`
	Stats    admin.ExportStats `json:"stats"`
}

// errInlineTooLarge stops an inline export that outgrows MaxInlineExport.
var errInlineTooLarge = errors.New("inline export too large")

type cappedBuffer struct {
	bytes.Buffer
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.Len()+len(p) > MaxInlineExport {
		return 0, errInlineTooLarge
	}
	return c.Buffer.Write(p)
}

func adminExport(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.export"
	var a exportArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if err := a.check(op); err != nil {
		return nil, err
	}
	opt := admin.ExportOptions{Store: a.Store, Versions: a.Versions}
	if a.Universe != nil {
		opt.Universe = *a.Universe
	}
	var buf cappedBuffer
	st, err := admin.Export(d.Engine, &buf, opt)
	if errors.Is(err, errInlineTooLarge) {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, "the document is larger than the inline limit; stream it with GET /_emulator/export (rbxemu export)")
	}
	if err != nil {
		return nil, err
	}
	return ExportResult{Document: buf.Bytes(), Stats: st}, nil
}

type importArgs struct {
	universeArgs
	Document json.RawMessage `json:"document"`
	Replace  bool            `json:"replace"`
}

func adminImport(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.import"
	var a importArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if err := a.check(op); err != nil {
		return nil, err
	}
	if !present(a.Document) {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "document")
	}
	opt := admin.ImportOptions{Replace: a.Replace}
	if a.Universe != nil {
		opt.Universe = *a.Universe
	}
	st, err := admin.ImportBytes(d.Engine, a.Document, opt)
	if err != nil {
		return nil, ImportFailure(op, err)
	}
	return st, nil
}

// ImportFailure turns an import's error into what a door reports: a
// document that is not valid is BadArgument with the entry's path and
// error; a storage failure stays what it is.
func ImportFailure(op string, err error) error {
	var ie *admin.ImportError
	if errors.As(err, &ie) {
		return dserr.New(dserr.ProtocolBadArgument, op, err.Error())
	}
	if _, ok := dserr.As(err); ok {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) {
		return dserr.New(dserr.ProtocolBadArgument, op, "the document was cut short: "+err.Error())
	}
	return err
}

// FaultsResult is the answer of _emulator.faults.list.
type FaultsResult struct {
	Rules []faults.Status `json:"rules"`
}

// ClearResult is the answer of _emulator.faults.clear.
type ClearResult struct {
	Cleared int `json:"cleared"`
}

func (d *Dispatcher) faultSet(op string) (*faults.Set, error) {
	if d.Faults == nil {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, "this daemon runs without fault injection")
	}
	return d.Faults, nil
}

func adminFaultsAdd(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.faults.add"
	var r faults.Rule
	if err := decodeArgs(op, args, &r); err != nil {
		return nil, err
	}
	set, err := d.faultSet(op)
	if err != nil {
		return nil, err
	}
	added, err := set.Add(r)
	if err != nil {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, err.Error())
	}
	return added, nil
}

func adminFaultsList(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.faults.list"
	var a struct{}
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	return FaultsResult{Rules: d.Faults.List()}, nil
}

func adminFaultsClear(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.faults.clear"
	var a struct {
		IDs []string `json:"ids"`
	}
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	set, err := d.faultSet(op)
	if err != nil {
		return nil, err
	}
	n, err := set.Clear(a.IDs...)
	if err != nil {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, err.Error())
	}
	return ClearResult{Cleared: n}, nil
}

// SessionInfo is one connected game server, as _emulator.sessions lists it.
type SessionInfo struct {
	Session   string           `json:"session"`
	JobID     string           `json:"jobId"`
	PlaceID   int64            `json:"placeId"`
	Universe  int64            `json:"universeId"`
	Players   int64            `json:"players"`
	Client    string           `json:"client"`
	Transport string           `json:"transport"`
	Opened    string           `json:"opened"` // RFC 3339, real time
	Budgets   map[string]int64 `json:"budgets"`
	Queues    map[string]int   `json:"queues"`
	Queued    int              `json:"queued"` // calls waiting in all queues
}

// SessionsResult is the answer of _emulator.sessions.
type SessionsResult struct {
	Sessions []SessionInfo `json:"sessions"`
}

// Sessions lists the open sessions, oldest first: those the Observer
// tracks (the daemon's registry), else those the gate knows.
func (d *Dispatcher) Sessions() []SessionInfo {
	var list []*Session
	if sl, ok := d.Observer.(SessionLister); ok {
		list = sl.Sessions()
	} else if sl, ok := d.Gate.(SessionLister); ok {
		list = sl.Sessions()
	}
	out := make([]SessionInfo, 0, len(list))
	opened := map[string]time.Time{}
	for _, s := range list {
		var at time.Time
		if v, ok := s.State.Load(StateOpened); ok {
			at, _ = v.(time.Time)
		}
		opened[s.ID] = at
		row := SessionInfo{Session: s.ID, JobID: s.JobID, PlaceID: s.PlaceID, Universe: s.Universe, Players: s.Players(),
			Client: s.ClientKind, Transport: s.Transport, Budgets: d.Budgets(s), Queues: map[string]int{}}
		if !at.IsZero() {
			row.Opened = at.UTC().Format(time.RFC3339Nano)
		}
		if row.Budgets == nil {
			row.Budgets = map[string]int64{}
		}
		if qr, ok := d.Gate.(QueueReporter); ok {
			if q := qr.QueueLengths(s); q != nil {
				row.Queues = q
			}
		}
		for _, n := range row.Queues {
			row.Queued += n
		}
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := opened[out[i].Session], opened[out[j].Session]
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].Session < out[j].Session
	})
	return out
}

func adminSessions(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	var a struct{}
	if err := decodeArgs("_emulator.sessions", args, &a); err != nil {
		return nil, err
	}
	return SessionsResult{Sessions: d.Sessions()}, nil
}

func monitorElsewhere(_ context.Context, _ *Dispatcher, _ *Session, _ json.RawMessage) (any, error) {
	return nil, dserr.New(dserr.ProtocolBadArgument, OpMonitorSubscribe,
		"monitor events are pushed on a WebSocket: send it on /v1/ws, or stream GET /_emulator/monitor")
}

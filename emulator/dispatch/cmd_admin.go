package dispatch

// The control plane under the reserved "_emulator." prefix (no Roblox name
// starts with an underscore, so these can never collide with the real API):
// the clock (design decision 10) and the throttle state (decision 6). Also
// the two DataStoreService methods that are not data store calls,
// SetRateLimitForRequestType and GetRequestBudgetForRequestType (reference
// §3.3, §3.4). docs/throttling.md describes the model behind them.

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

func init() {
	Register(
		Op{Name: "_emulator.clock", Doc: "the daemon's clock: {now, virtual, time}", Handle: adminClock},
		Op{Name: "_emulator.clock.advance", Doc: `moves the virtual clock forward: {duration: "90s" (Go duration) or milliseconds}`, Handle: adminClockAdvance},
		Op{Name: "_emulator.clock.set", Doc: "sets the virtual clock: {time: RFC 3339 text or Unix milliseconds}", Handle: adminClockSet},
		Op{Name: "_emulator.budgets", Doc: "every session's budgets, rate limits and queue lengths", Handle: adminBudgets},
		Op{Name: "SetRateLimitForRequestType", Doc: "DataStoreService:SetRateLimitForRequestType(requestType, baseLimit, perPlayerLimit)", Handle: setRateLimit},
		Op{Name: "GetRequestBudgetForRequestType", Doc: "DataStoreService:GetRequestBudgetForRequestType(requestType)", Handle: getRequestBudget},
	)
}

// SessionLister is implemented by a gate that knows the open sessions
// (_emulator.budgets lists them).
type SessionLister interface {
	Sessions() []*Session
}

// QueueReporter is implemented by a gate with throttle queues: how many
// calls wait in each of a session's queues, by queue name.
type QueueReporter interface {
	QueueLengths(s *Session) map[string]int
}

// Rate is one budget's limit: perMinute = base + perPlayer * players.
type Rate struct {
	Base      int64 `json:"base"`
	PerPlayer int64 `json:"perPlayer"`
	PerMinute int64 `json:"perMinute"`
}

// RateReporter is implemented by a gate that keeps per-session limits.
type RateReporter interface {
	Rates(s *Session) map[string]Rate
}

// RateLimiter is implemented by a gate that serves the two budget methods
// of DataStoreService. requestType is an Enum.DataStoreRequestType name,
// "Enum.DataStoreRequestType.<Name>", or its value in decimal.
type RateLimiter interface {
	SetRateLimitForRequestType(s *Session, requestType string, baseLimit, perPlayerLimit float64) error
	RequestBudget(s *Session, requestType string) (int64, error)
}

// MovableClock is a clock that the admin ops can move (clock.Manual).
type MovableClock interface {
	Advance(d time.Duration) (time.Time, error)
	Set(t time.Time) time.Time
}

// UnthrottledBudget is what GetRequestBudgetForRequestType answers when
// throttling is off: more than any script will spend.
const UnthrottledBudget = math.MaxInt32

// clock is the daemon's clock: Dispatcher.Clock, else the engine's, else
// the real one.
func (d *Dispatcher) clock() clock.Clock {
	switch {
	case d.Clock != nil:
		return d.Clock
	case d.Engine != nil:
		return d.Engine.Clock()
	}
	return clock.Real{}
}

// ClockResult is the answer of the _emulator.clock ops.
type ClockResult struct {
	Now     int64  `json:"now"`     // Unix ms
	Virtual bool   `json:"virtual"` // only moves when told
	Time    string `json:"time"`    // the same instant, RFC 3339 UTC
}

func clockResult(c clock.Clock) ClockResult {
	now := c.Now()
	return ClockResult{Now: now.UnixMilli(), Virtual: c.Virtual(), Time: now.UTC().Format(time.RFC3339Nano)}
}

func adminClock(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	var a struct{}
	if err := decodeArgs("_emulator.clock", args, &a); err != nil {
		return nil, err
	}
	return clockResult(d.clock()), nil
}

// movable returns the clock if it can be moved, else the error that says so.
func (d *Dispatcher) movable(op string) (MovableClock, error) {
	if m, ok := d.clock().(MovableClock); ok && d.clock().Virtual() {
		return m, nil
	}
	return nil, dserr.New(dserr.ProtocolBadArgument, op, "the clock is real and cannot be moved; start the daemon with --clock virtual")
}

type advanceArgs struct {
	Duration json.RawMessage `json:"duration"`
}

func adminClockAdvance(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.clock.advance"
	var a advanceArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if !present(a.Duration) {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "duration")
	}
	dur, err := parseDuration(op, a.Duration)
	if err != nil {
		return nil, err
	}
	if dur < 0 {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, "duration must not be negative")
	}
	m, err := d.movable(op)
	if err != nil {
		return nil, err
	}
	if err := clockInRange(op, d.clock().Now().Add(dur)); err != nil {
		return nil, err
	}
	if _, err := m.Advance(dur); err != nil {
		return nil, dserr.New(dserr.ProtocolBadArgument, op, err.Error())
	}
	return clockResult(d.clock()), nil
}

// parseDuration reads a Go duration string ("90s", "1h30m") or a number of
// milliseconds.
func parseDuration(op string, raw json.RawMessage) (time.Duration, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		dur, err := time.ParseDuration(s)
		if err != nil {
			return 0, dserr.New(dserr.ProtocolBadArgument, op, `duration "`+s+`" is not a Go duration like "90s" or "1h30m"`)
		}
		return dur, nil
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, dserr.New(dserr.ProtocolWrongType, op, "duration", "a string or a number")
	}
	if math.IsNaN(ms) || math.Abs(ms) > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, dserr.New(dserr.ProtocolBadArgument, op, "duration is out of range")
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

type setClockArgs struct {
	Time json.RawMessage `json:"time"`
}

func adminClockSet(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	const op = "_emulator.clock.set"
	var a setClockArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	if !present(a.Time) {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "time")
	}
	t, err := parseTime(op, a.Time)
	if err != nil {
		return nil, err
	}
	m, err := d.movable(op)
	if err != nil {
		return nil, err
	}
	if err := clockInRange(op, t); err != nil {
		return nil, err
	}
	m.Set(t)
	return clockResult(d.clock()), nil
}

// The range of the virtual clock. Version ids carry the time in .NET ticks
// and an import refuses times outside these years, so a store written at
// another time (a key created in the year -249, say) could be exported but
// not imported back.
var (
	minClock = time.UnixMilli(0).UTC()
	maxClock = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
)

// clockInRange refuses a clock time outside [minClock, maxClock].
func clockInRange(op string, t time.Time) error {
	if t.Before(minClock) || t.After(maxClock) {
		return dserr.New(dserr.ProtocolBadArgument, op, "the clock must stay between "+minClock.Format(time.RFC3339)+" and "+maxClock.Format(time.RFC3339Nano)+", not "+t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// parseTime reads an RFC 3339 time or a number of Unix milliseconds.
func parseTime(op string, raw json.RawMessage) (time.Time, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, dserr.New(dserr.ProtocolBadArgument, op, `time "`+s+`" is not RFC 3339 text like "2026-11-20T12:00:00Z"`)
		}
		return t, nil
	}
	var ms json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&ms); err != nil {
		return time.Time{}, dserr.New(dserr.ProtocolWrongType, op, "time", "a string or a number")
	}
	n, err := ms.Int64()
	if err != nil {
		return time.Time{}, dserr.New(dserr.ProtocolBadArgument, op, "time must be a whole number of Unix milliseconds")
	}
	return time.UnixMilli(n), nil
}

// SessionBudgets is one session's row in _emulator.budgets.
type SessionBudgets struct {
	Session  string           `json:"session"`
	Universe int64            `json:"universeId"`
	PlaceID  int64            `json:"placeId"`
	JobID    string           `json:"jobId"`
	Client   string           `json:"client"`
	Players  int64            `json:"players"`
	Budgets  map[string]int64 `json:"budgets"`
	Rates    map[string]Rate  `json:"rates,omitempty"`
	Queues   map[string]int   `json:"queues"`
}

// BudgetsResult is the answer of _emulator.budgets. Throttle is false when
// the daemon runs without a gate that keeps budgets (--throttle off).
type BudgetsResult struct {
	Throttle bool             `json:"throttle"`
	Sessions []SessionBudgets `json:"sessions"`
}

func adminBudgets(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	var a struct{}
	if err := decodeArgs("_emulator.budgets", args, &a); err != nil {
		return nil, err
	}
	res := BudgetsResult{Sessions: []SessionBudgets{}}
	lister, ok := d.Gate.(SessionLister)
	if !ok {
		return res, nil
	}
	res.Throttle = true
	for _, s := range lister.Sessions() {
		row := SessionBudgets{Session: s.ID, Universe: s.Universe, PlaceID: s.PlaceID, JobID: s.JobID,
			Client: s.ClientKind, Players: s.Players(), Budgets: d.Budgets(s)}
		if qr, ok := d.Gate.(QueueReporter); ok {
			row.Queues = qr.QueueLengths(s)
		}
		if rr, ok := d.Gate.(RateReporter); ok {
			row.Rates = rr.Rates(s)
		}
		res.Sessions = append(res.Sessions, row)
	}
	return res, nil
}

type rateLimitArgs struct {
	RequestType    json.RawMessage `json:"requestType"`
	BaseLimit      *float64        `json:"baseLimit"`
	PerPlayerLimit *float64        `json:"perPlayerLimit"`
}

// requestTypeArg reads requestType as a name (string) or an enum value
// (number) and hands it on as text.
func requestTypeArg(op string, raw json.RawMessage) (string, error) {
	if !present(raw) {
		return "", dserr.New(dserr.ProtocolMissingField, op, "requestType")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) != nil {
		return "", dserr.New(dserr.ProtocolWrongType, op, "requestType", "a string or a number")
	}
	return n.String(), nil
}

func setRateLimit(_ context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "SetRateLimitForRequestType"
	var a rateLimitArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	rt, err := requestTypeArg(op, a.RequestType)
	if err != nil {
		return nil, err
	}
	if a.BaseLimit == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "baseLimit")
	}
	if a.PerPlayerLimit == nil {
		return nil, dserr.New(dserr.ProtocolMissingField, op, "perPlayerLimit")
	}
	// Without throttling there is nothing to limit: the call succeeds and
	// changes nothing.
	if rl, ok := d.Gate.(RateLimiter); ok {
		if err := rl.SetRateLimitForRequestType(s, rt, *a.BaseLimit, *a.PerPlayerLimit); err != nil {
			return nil, err
		}
	}
	return struct{}{}, nil
}

type requestBudgetArgs struct {
	RequestType json.RawMessage `json:"requestType"`
}

// BudgetResult is GetRequestBudgetForRequestType's answer.
type BudgetResult struct {
	Budget int64 `json:"budget"`
}

func getRequestBudget(_ context.Context, d *Dispatcher, s *Session, args json.RawMessage) (any, error) {
	const op = "GetRequestBudgetForRequestType"
	var a requestBudgetArgs
	if err := decodeArgs(op, args, &a); err != nil {
		return nil, err
	}
	rt, err := requestTypeArg(op, a.RequestType)
	if err != nil {
		return nil, err
	}
	rl, ok := d.Gate.(RateLimiter)
	if !ok {
		return BudgetResult{Budget: UnthrottledBudget}, nil
	}
	n, err := rl.RequestBudget(s, rt)
	if err != nil {
		return nil, err
	}
	return BudgetResult{Budget: n}, nil
}

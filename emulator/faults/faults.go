// Package faults is the emulator's fault injection: rules that make chosen
// DataStore calls fail with Roblox's exact errors, wait longer, or succeed
// and then lose their reply, so that a game's retry and recovery paths can
// be tested on purpose (design, "Beyond the real service").
//
// A rule matches calls by op, store, scope, key (globs, as path.Match reads
// them), session id, job id and universe. Among its matching calls it fires
// from the nth one on, for a number of calls, each with a probability drawn
// from the rule's own seeded generator, so that a rule given the same seed
// fires on exactly the same calls again. A rule that fires does one or more
// of:
//
//   - error: the call fails without running, with a catalogue error named by
//     its code (502) or name ("KeyThrottled", "InternalError503");
//   - latency: the call waits that long first (real time, also under a
//     virtual clock, which moves only when told and would hold the call for
//     ever);
//   - drop: the call runs (a write is committed) and then fails as if its
//     reply had been lost, by default with
//     "502: API Services rejected request with error. HTTP 500 (Internal Server Error)".
//
// Usage:
//
//	set := faults.New()
//	rule, err := set.Add(faults.Rule{Op: "SetAsync", Key: "Player_*", Nth: 2, Times: 1, Error: json.RawMessage(`502`)})
//	d := set.Decide(faults.Call{Op: "SetAsync", Store: "PlayerData", Key: "Player_1", ...})
//	// d.Err, d.Drop, d.Delay say what to do with the call
//
// The dispatcher consults a Set before every DataStore call (never for the
// _emulator control ops, so a rule can always be cleared); docs/harness.md
// describes the rules as the protocol, HTTP and the CLI take them.
package faults

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// DefaultDropDetail fills RequestRejected (502) when a drop rule names no
// error, or names 502 without a detail: the text a game sees when the
// backend failed after it may have written.
const DefaultDropDetail = "HTTP 500 (Internal Server Error)"

// MaxRules bounds the rules of one Set: rules are checked on every call.
const MaxRules = 1000

// maxLatency bounds a rule's latency: long enough for any test, short
// enough that a typo cannot hang a daemon for a day.
const maxLatency = 10 * time.Minute

// Rule is one fault rule. The zero value of a match field matches every
// call; Nth, Times and Probability default to "from the first matching
// call, every one of them, always".
type Rule struct {
	// ID names the rule in lists and monitor events; Add assigns it
	// ("f1", "f2", ...).
	ID string `json:"id,omitempty"`

	// Op is a glob over the op name (SetAsync, GetSortedAsync, ...).
	// "UpdateAsync" names the UpdateAsync pair: its read half
	// (ReadForUpdate) for error and latency rules, its commit half
	// (CommitUpdate) for drop rules, so that a dropped UpdateAsync has
	// written.
	Op string `json:"op,omitempty"`
	// Store, Scope and Key are globs over the call's store name, scope and
	// key as the client gave them.
	Store string `json:"store,omitempty"`
	Scope string `json:"scope,omitempty"`
	Key   string `json:"key,omitempty"`
	// Session and JobID are globs over the calling session's id and job id.
	Session string `json:"session,omitempty"`
	JobID   string `json:"jobId,omitempty"`
	// Universe, when not 0, matches only that universe.
	Universe int64 `json:"universeId,omitempty"`

	// Nth is the first matching call that may fire, counting from 1
	// (0 means 1).
	Nth int64 `json:"nth,omitempty"`
	// Times is how many calls fire before the rule is spent (0: no limit).
	Times int64 `json:"times,omitempty"`
	// Probability is the chance that an eligible call fires, in (0, 1]
	// (0 means 1).
	Probability float64 `json:"probability,omitempty"`
	// Seed seeds the rule's generator. Without one, Add draws a seed and
	// List shows it, so that a run can be repeated exactly.
	Seed *uint64 `json:"seed,omitempty"`

	// Error is the error a firing call gets: a catalogue code (502) or name
	// or id ("KeyThrottled", "InternalError503"), as JSON.
	Error json.RawMessage `json:"error,omitempty"`
	// Detail fills the placeholder of errors whose message has one (502's
	// "HTTP 500 (Internal Server Error)", 103's type name, ...).
	Detail string `json:"detail,omitempty"`
	// Latency delays a firing call: a Go duration ("250ms") or a number of
	// milliseconds, as JSON.
	Latency json.RawMessage `json:"latency,omitempty"`
	// Drop runs the call and then fails it (with Error, or 502).
	Drop bool `json:"drop,omitempty"`
}

// Status is a rule with its counters, as List reports it.
type Status struct {
	Rule
	// Matched counts the calls the rule matched; Fired those it fired on.
	Matched int64 `json:"matched"`
	Fired   int64 `json:"fired"`
	// Spent is true once the rule has fired Times times.
	Spent bool `json:"spent"`
	// Effect describes what the rule does, for people ("error 502",
	// "latency 250ms", "drop").
	Effect string `json:"effect"`
}

// Call describes a DataStore call to Decide.
type Call struct {
	// Op is the op name; API is the Roblox method it belongs to (the
	// UpdateAsync pair's ops are ReadForUpdate and CommitUpdate, API
	// UpdateAsync). An empty API is Op.
	Op, API  string
	Store    string
	Scope    string
	Key      string
	Session  string
	JobID    string
	Universe int64
}

// Decision is what the fired rules ask of a call.
type Decision struct {
	// Err fails the call without running it.
	Err *dserr.Error
	// Drop runs the call and then fails it with DropErr, whatever it
	// returned (unless it failed on its own).
	Drop    bool
	DropErr *dserr.Error
	// Delay is how long to wait before anything else.
	Delay time.Duration
	// Applied names the rules that fired and what each did ("f1:error"),
	// in rule order; empty when none fired.
	Applied []string
}

// Fired reports whether any rule fired.
func (d Decision) Fired() bool { return len(d.Applied) > 0 }

// rule is a rule as the Set keeps it: parsed, with its counters.
type rule struct {
	Rule
	err     *dserr.Error // nil: no error effect (a drop uses the default)
	latency time.Duration
	rng     *mrand.Rand
	matched int64
	fired   int64
}

// Set is a list of rules, checked in the order they were added. It is safe
// for concurrent use; a nil *Set has no rules.
type Set struct {
	mu     sync.Mutex
	rules  []*rule
	nextID int64
	count  atomic.Int64 // len(rules), read without the lock
}

// New returns an empty Set.
func New() *Set { return &Set{} }

// Active reports whether the Set has any rule (cheap; nil-safe).
func (s *Set) Active() bool { return s != nil && s.count.Load() > 0 }

// Add checks r, gives it an id and a seed if it has none, and appends it.
// It returns the rule as stored.
func (s *Set) Add(r Rule) (Rule, error) {
	pr, err := parse(r)
	if err != nil {
		return Rule{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rules) >= MaxRules {
		return Rule{}, fmt.Errorf("at most %d fault rules; clear some first", MaxRules)
	}
	s.nextID++
	pr.ID = "f" + strconv.FormatInt(s.nextID, 10)
	s.rules = append(s.rules, pr)
	s.count.Store(int64(len(s.rules)))
	return pr.Rule, nil
}

// List returns every rule with its counters, in order.
func (s *Set) List() []Status {
	if s == nil {
		return []Status{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, Status{
			Rule:    r.Rule,
			Matched: r.matched,
			Fired:   r.fired,
			Spent:   r.Times > 0 && r.fired >= r.Times,
			Effect:  r.effect(),
		})
	}
	return out
}

// Clear removes the rules with the given ids, or every rule when none is
// given, and returns how many went. An id that names no rule is an error
// and removes nothing.
func (s *Set) Clear(ids ...string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ids) == 0 {
		n := len(s.rules)
		s.rules = nil
		s.count.Store(0)
		return n, nil
	}
	drop := map[string]bool{}
	for _, id := range ids {
		found := false
		for _, r := range s.rules {
			if r.ID == id {
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("no fault rule %q", id)
		}
		drop[id] = true
	}
	kept := s.rules[:0]
	for _, r := range s.rules {
		if !drop[r.ID] {
			kept = append(kept, r)
		}
	}
	for i := len(kept); i < len(s.rules); i++ {
		s.rules[i] = nil
	}
	n := len(s.rules) - len(kept)
	s.rules = kept
	s.count.Store(int64(len(s.rules)))
	return n, nil
}

// Decide counts c against every rule and returns what the rules that fire
// ask for. Every rule sees every call, independently of the others: each
// counts its own matches, draws from its own generator and spends its own
// Times. Delays add up; the first firing rule (in order) that has an error
// or a drop decides how the call fails.
func (s *Set) Decide(c Call) Decision {
	var d Decision
	if !s.Active() {
		return d
	}
	if c.API == "" {
		c.API = c.Op
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	decided := false
	for _, r := range s.rules {
		if !r.matches(c) {
			continue
		}
		r.matched++
		if r.matched < max(r.Nth, 1) || (r.Times > 0 && r.fired >= r.Times) {
			continue
		}
		if p := r.Probability; p > 0 && p < 1 && r.rng.Float64() >= p {
			continue
		}
		r.fired++
		d.Delay += r.latency
		what := "latency"
		if r.Drop || r.err != nil {
			what = "error"
			if r.Drop {
				what = "drop"
			}
			if !decided {
				decided = true
				if r.Drop {
					d.Drop = true
					d.DropErr = r.err
					if d.DropErr == nil {
						d.DropErr = dserr.New(dserr.RequestRejected, DefaultDropDetail)
					}
				} else {
					d.Err = r.err
				}
			}
		}
		d.Applied = append(d.Applied, r.ID+":"+what)
	}
	return d
}

// matches reports whether c is a call of the rule's (counters aside).
func (r *rule) matches(c Call) bool {
	if r.Universe != 0 && r.Universe != c.Universe {
		return false
	}
	if !r.opMatches(c) {
		return false
	}
	return glob(r.Store, c.Store) && glob(r.Scope, c.Scope) && glob(r.Key, c.Key) &&
		glob(r.Session, c.Session) && glob(r.JobID, c.JobID)
}

// opMatches matches the op, or the Roblox method of a split op: an error
// or latency rule on UpdateAsync fails its read half, a drop rule its
// commit half (see Rule.Op).
func (r *rule) opMatches(c Call) bool {
	if glob(r.Op, c.Op) {
		return true
	}
	if c.API == c.Op || !glob(r.Op, c.API) {
		return false
	}
	switch c.Op {
	case "ReadForUpdate":
		return !r.Drop
	case "CommitUpdate":
		return r.Drop
	}
	return true
}

// glob matches s against pattern; an empty pattern matches everything.
// Patterns are checked when the rule is added, so an error cannot happen.
func glob(pattern, s string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func (r *rule) effect() string {
	var parts []string
	if r.latency > 0 {
		parts = append(parts, "latency "+r.latency.String())
	}
	switch {
	case r.Drop && r.err != nil:
		parts = append(parts, "drop ("+r.err.Error()+")")
	case r.Drop:
		parts = append(parts, "drop")
	case r.err != nil:
		parts = append(parts, "error ("+r.err.Error()+")")
	}
	return strings.Join(parts, ", ")
}

// parse checks a rule and prepares its error, latency and generator.
func parse(r Rule) (*rule, error) {
	r.ID = ""
	for _, g := range []struct{ name, pattern string }{
		{"op", r.Op}, {"store", r.Store}, {"scope", r.Scope}, {"key", r.Key}, {"session", r.Session}, {"jobId", r.JobID},
	} {
		if _, err := path.Match(g.pattern, ""); err != nil {
			return nil, fmt.Errorf("%s %q is not a valid glob pattern", g.name, g.pattern)
		}
	}
	if r.Universe < 0 {
		return nil, errors.New("universeId must be positive (or 0 for every universe)")
	}
	if r.Nth < 0 {
		return nil, errors.New("nth must be 1 or more (0 means 1)")
	}
	if r.Times < 0 {
		return nil, errors.New("times must not be negative (0 means no limit)")
	}
	if math.IsNaN(r.Probability) || r.Probability < 0 || r.Probability > 1 {
		return nil, errors.New("probability must be in (0, 1] (0 means 1)")
	}
	pr := &rule{Rule: r}
	if present(r.Error) {
		e, err := ResolveError(r.Error, r.Detail)
		if err != nil {
			return nil, err
		}
		pr.err = e
	} else {
		pr.Error = nil
		if r.Detail != "" {
			return nil, errors.New("detail fills an error's message: give error too")
		}
	}
	if present(r.Latency) {
		d, err := parseLatency(r.Latency)
		if err != nil {
			return nil, err
		}
		pr.latency = d
	} else {
		pr.Latency = nil
	}
	if pr.err == nil && pr.latency == 0 && !r.Drop {
		return nil, errors.New("a rule needs an effect: error, latency or drop")
	}
	if r.Seed == nil {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed := binary.LittleEndian.Uint64(b[:])
		pr.Seed = &seed
	} else {
		seed := *r.Seed
		pr.Seed = &seed
	}
	pr.rng = mrand.New(mrand.NewPCG(*pr.Seed, *pr.Seed^0x9E3779B97F4A7C15))
	return pr, nil
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// parseLatency reads a Go duration string or a number of milliseconds.
func parseLatency(raw json.RawMessage) (time.Duration, error) {
	var d time.Duration
	var s string
	if json.Unmarshal(raw, &s) == nil {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("latency %q is not a duration like \"250ms\" or \"2s\"", s)
		}
	} else {
		var ms float64
		if err := json.Unmarshal(raw, &ms); err != nil {
			return 0, errors.New("latency must be a duration string (\"250ms\") or a number of milliseconds")
		}
		if math.IsNaN(ms) || ms > float64(maxLatency/time.Millisecond) {
			return 0, fmt.Errorf("latency must be at most %s", maxLatency)
		}
		d = time.Duration(ms * float64(time.Millisecond))
	}
	if d < 0 || d > maxLatency {
		return 0, fmt.Errorf("latency must be between 0 and %s", maxLatency)
	}
	return d, nil
}

// defaultDetails fill the placeholder of catalogue errors a rule names
// without a detail.
var defaultDetails = map[string]string{
	dserr.RequestRejected: DefaultDropDetail,
	dserr.ValueNotAllowed: "double",
	dserr.CantStoreValue:  "Dictionary",
}

// ResolveError finds the catalogue error a rule names: a JSON number is a
// code (the first row with that code: 502 is RequestRejected, 301
// GetAsyncThrottle); a JSON string is a catalogue id ("InternalError503",
// "StandardWriteGameServerThrottled"), a Roblox name (the first row with
// it: "KeyThrottled"), or a code in decimal. detail fills the message's
// placeholder, if it has one.
func ResolveError(raw json.RawMessage, detail string) (*dserr.Error, error) {
	var entry dserr.Entry
	var found bool
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		if code, err := strconv.Atoi(s); err == nil {
			entry, found = dserr.LookupCode(code)
		} else if entry, found = dserr.Lookup(s); !found {
			for _, e := range dserr.Catalogue {
				if e.Name == s {
					entry, found = e, true
					break
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("error %q is not in the catalogue (give a code such as 502 or a name such as KeyThrottled; testdata/errors.json lists them)", s)
		}
	} else {
		var code int
		if err := json.Unmarshal(raw, &code); err != nil {
			return nil, errors.New("error must be a catalogue code (502) or name (\"KeyThrottled\")")
		}
		if entry, found = dserr.LookupCode(code); !found {
			return nil, fmt.Errorf("no catalogue error has code %d", code)
		}
	}
	return fill(entry, detail), nil
}

// fill builds the error of a catalogue row, filling each placeholder of its
// message with detail (or the row's default).
func fill(e dserr.Entry, detail string) *dserr.Error {
	var args []any
	msg := e.Message
	for i := 0; i < len(msg)-1; i++ {
		if msg[i] != '%' {
			continue
		}
		i++
		switch msg[i] {
		case '%':
		case 'd':
			n, err := strconv.Atoi(detail)
			if err != nil {
				n = 1
			}
			args = append(args, n)
		default:
			d := detail
			if d == "" {
				d = defaultDetails[e.ID]
			}
			args = append(args, d)
		}
	}
	return dserr.New(e.ID, args...)
}

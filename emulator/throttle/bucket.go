package throttle

// A per-server budget (design decision 6): it refills continuously at
// perMinute/60 per second, starts at ceil(5/3 * base) and is capped at
// 3 * perMinute. Budgets are integers in units of 1/60000 of a request, so
// that a refill over dt milliseconds at perMinute per minute is exactly
// perMinute * dt units: no floating point, no drift, exact numbers in tests.

const (
	// unitsPerRequest is one request's worth of budget.
	unitsPerRequest = 60_000
	// capMinutes: a budget holds at most capMinutes * perMinute requests.
	capMinutes = 3
	// fullRefillMs is the longest refill that can matter: from empty to the
	// cap. Longer gaps are clamped to it, which also keeps the arithmetic
	// far from overflow.
	fullRefillMs = capMinutes * 60_000
	// maxPerMinute bounds perMinute, whatever player count a client claims.
	maxPerMinute = 1 << 31
)

// bucket is one budget of one session. The session's mutex guards it.
type bucket struct {
	limit
	units int64 // current budget, in units
	at    int64 // clock time (Unix ms) up to which refill has been credited
}

// newBucket starts a budget with the startup burst ceil(5/3 * base).
func newBucket(l limit, nowMs int64) *bucket {
	return &bucket{limit: l, units: (5*l.base + 2) / 3 * unitsPerRequest, at: nowMs}
}

// perMinute is base + perPlayer * players.
func (b *bucket) perMinute(players int64) int64 {
	if players < 0 {
		players = 0
	}
	if b.perPlayer > 0 && players > (maxPerMinute-b.base)/b.perPlayer {
		return maxPerMinute
	}
	return b.base + b.perPlayer*players
}

// refill credits the time from b.at to nowMs at the rate for players and
// clamps to the cap. A clock set backwards credits nothing and restarts
// the count from its new reading.
func (b *bucket) refill(nowMs, players int64) {
	dt := nowMs - b.at
	b.at = nowMs
	if dt > fullRefillMs {
		dt = fullRefillMs
	}
	if dt > 0 {
		b.units += b.perMinute(players) * dt
	}
	b.clamp(players)
}

// clamp holds the budget at or under its cap (the cap shrinks when the
// limit is lowered or players leave).
func (b *bucket) clamp(players int64) {
	if c := capMinutes * b.perMinute(players) * unitsPerRequest; b.units > c {
		b.units = c
	}
}

// requests is the budget as GetRequestBudgetForRequestType reports it:
// whole requests, rounded down.
func (b *bucket) requests() int64 { return b.units / unitsPerRequest }

// ready reports whether one request fits.
func (b *bucket) ready() bool { return b.units >= unitsPerRequest }

// take consumes one request; the caller checked ready.
func (b *bucket) take() { b.units -= unitsPerRequest }

// readyAt is the clock time (Unix ms) at which one request will fit, or -1
// if it never will at the current rate (perMinute 0). It assumes refill
// was just called.
func (b *bucket) readyAt(players int64) int64 {
	if b.ready() {
		return b.at
	}
	pm := b.perMinute(players)
	if pm == 0 {
		return -1
	}
	need := unitsPerRequest - b.units
	return b.at + (need+pm-1)/pm
}

package throttle

import (
	"math"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

// SetRateLimit is DataStoreService:SetRateLimitForRequestType for session
// s: the budgets t sets (a legacy item sets the modern budgets it covers)
// refill from now on at base + perPlayer * players per minute, under the new
// cap. The budget itself is not reset (the startup burst happens once); a
// budget above the new cap drops to it. UpdateAsync and OnUpdate are
// refused, and so is a value outside the inclusive range of reference §3.3.
func (l *Limiter) SetRateLimit(s *dispatch.Session, t RequestType, base, perPlayer int64) error {
	if t < 0 || t >= numRequestTypes {
		return newError(RateLimitUnknownType, t.String())
	}
	rr := rateRanges[t]
	if rr.sets == nil {
		return newError(RateLimitNotAllowed, t.String())
	}
	if base < 0 || base > rr.maxBase {
		return newError(RateLimitOutOfRange, "baseLimit", rr.maxBase, t.String())
	}
	if perPlayer < 0 || perPlayer > rr.maxPerPlayer {
		return newError(RateLimitOutOfRange, "perPlayerLimit", rr.maxPerPlayer, t.String())
	}
	if l == nil || s == nil {
		return nil
	}
	st := l.state(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refillLocked(l.nowMs())
	for _, u := range rr.sets {
		b := st.buckets[u]
		b.limit = limit{base, perPlayer}
		b.clamp(st.players)
	}
	st.wakeHeadsLocked()
	return nil
}

// SetRateLimitForRequestType is the op of the same name: requestType is a
// name, an Enum path or a value; the limits are JSON numbers and must be
// integers in range.
func (l *Limiter) SetRateLimitForRequestType(s *dispatch.Session, requestType string, baseLimit, perPlayerLimit float64) error {
	t, ok := ParseRequestType(requestType)
	if !ok {
		return newError(RateLimitUnknownType, requestType)
	}
	rr := rateRanges[t]
	if rr.sets == nil {
		return newError(RateLimitNotAllowed, t.String())
	}
	base, ok := integer(baseLimit, rr.maxBase)
	if !ok {
		return newError(RateLimitOutOfRange, "baseLimit", rr.maxBase, t.String())
	}
	perPlayer, ok := integer(perPlayerLimit, rr.maxPerPlayer)
	if !ok {
		return newError(RateLimitOutOfRange, "perPlayerLimit", rr.maxPerPlayer, t.String())
	}
	return l.SetRateLimit(s, t, base, perPlayer)
}

// integer converts f if it is a whole number in [0, hi].
func integer(f float64, hi int64) (int64, bool) {
	if math.IsNaN(f) || f != math.Trunc(f) || f < 0 || f > float64(hi) {
		return 0, false
	}
	return int64(f), true
}

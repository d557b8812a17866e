// Package clock is the one source of time for the emulator. Every read of the
// current time (key info timestamps, version ids, budget refill, per-key
// windows, backup expiry) goes through a Clock, so that a test can run on a
// Virtual clock and move a minute, an hour or thirty days in a millisecond.
package clock

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Clock tells the time and lets a caller wait for a moment of that clock.
type Clock interface {
	// Now is the current time of this clock.
	Now() time.Time
	// WaitUntil blocks until the clock reads t or later, or ctx ends.
	WaitUntil(ctx context.Context, t time.Time) error
	// Virtual reports whether the clock only moves when told.
	Virtual() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now.
func (Real) Now() time.Time { return time.Now() }

// Virtual is false.
func (Real) Virtual() bool { return false }

// WaitUntil sleeps until t.
func (Real) WaitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Manual is a virtual clock: it reads the time it was last set to and moves
// only through Advance and Set. Waiters wake when a move reaches their time.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	changed chan struct{} // closed and replaced on every move
}

// NewManual starts a virtual clock at start (UTC, millisecond precision: the
// precision of every timestamp the emulator hands out).
func NewManual(start time.Time) *Manual {
	return &Manual{now: start.UTC().Truncate(time.Millisecond), changed: make(chan struct{})}
}

// Now returns the clock's current reading.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Virtual is true.
func (m *Manual) Virtual() bool { return true }

// Advance moves the clock forward by d; a negative d is refused.
func (m *Manual) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return m.Now(), fmt.Errorf("clock: cannot advance by a negative duration (%s)", d)
	}
	m.mu.Lock()
	m.now = m.now.Add(d)
	now := m.now
	m.wakeLocked()
	m.mu.Unlock()
	return now, nil
}

// Set moves the clock to t. Moving backwards is allowed (a test may want it),
// though version ids stay unique and ordered by their sequence number.
func (m *Manual) Set(t time.Time) time.Time {
	m.mu.Lock()
	m.now = t.UTC().Truncate(time.Millisecond)
	now := m.now
	m.wakeLocked()
	m.mu.Unlock()
	return now
}

// wakeLocked wakes every waiter; they re-check their deadline. Caller holds mu.
func (m *Manual) wakeLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Changed returns a channel closed at the next move of the clock.
func (m *Manual) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// WaitUntil blocks until the clock has been moved to t or later.
func (m *Manual) WaitUntil(ctx context.Context, t time.Time) error {
	for {
		m.mu.Lock()
		if !m.now.Before(t) {
			m.mu.Unlock()
			return nil
		}
		ch := m.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// UnixMilli is the clock's time in Unix milliseconds.
func UnixMilli(c Clock) int64 { return c.Now().UnixMilli() }

package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

var start = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func TestManualMovesOnlyWhenTold(t *testing.T) {
	m := NewManual(start.Add(123456 * time.Nanosecond)) // truncated to ms
	if got := m.Now(); !got.Equal(start) {
		t.Fatalf("start: %v, want %v", got, start)
	}
	time.Sleep(2 * time.Millisecond)
	if got := m.Now(); !got.Equal(start) {
		t.Fatalf("the clock moved by itself: %v", got)
	}
	if now, err := m.Advance(90 * time.Second); err != nil || !now.Equal(start.Add(90*time.Second)) {
		t.Fatalf("advance: %v %v", now, err)
	}
	if _, err := m.Advance(-time.Second); err == nil || err.Error() != "clock: cannot advance by a negative duration (-1s)" {
		t.Fatalf("negative advance: %v", err)
	}
	if got := m.Set(start.Add(-time.Hour)); !got.Equal(start.Add(-time.Hour)) {
		t.Fatalf("set backwards: %v", got)
	}
	if !m.Virtual() || (Real{}).Virtual() {
		t.Fatal("Virtual() is wrong")
	}
	if got := UnixMilli(m); got != start.Add(-time.Hour).UnixMilli() {
		t.Fatalf("UnixMilli: %d", got)
	}
}

// A waiter wakes exactly when a move reaches its time, not before.
func TestManualWaitUntil(t *testing.T) {
	m := NewManual(start)
	done := make(chan error, 1)
	go func() { done <- m.WaitUntil(context.Background(), start.Add(time.Minute)) }()
	m.Advance(59 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("woke at 59 s: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	m.Advance(time.Second)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not wake at 60 s")
	}
	// A time already reached returns at once; a cancelled wait returns its error.
	if err := m.WaitUntil(context.Background(), start); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.WaitUntil(ctx, start.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

func TestRealWaitUntil(t *testing.T) {
	r := Real{}
	t0 := time.Now()
	if err := r.WaitUntil(context.Background(), t0.Add(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) < 10*time.Millisecond {
		t.Fatal("returned early")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.WaitUntil(ctx, time.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

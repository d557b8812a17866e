package throttle

// A sliding 60-second window of amounts (kilobytes for per-key limits,
// requests for experience limits). It holds at most one entry per clock
// millisecond, so its memory is bounded by min(requests, 60000) entries
// whatever the traffic, and it empties itself as the clock moves on.

// windowMs is the length of every sliding window: "the last 60 seconds".
const windowMs = 60_000

type windowEntry struct{ at, n int64 }

type window struct {
	entries []windowEntry // in clock order from head on
	head    int
	sum     int64
}

// prune drops the entries that left the window (now-60s, now].
func (w *window) prune(nowMs int64) {
	edge := nowMs - windowMs
	for w.head < len(w.entries) && w.entries[w.head].at <= edge {
		w.sum -= w.entries[w.head].n
		w.head++
	}
	switch {
	case w.head == len(w.entries):
		w.entries, w.head = w.entries[:0], 0
	case w.head > 64 && w.head*2 > len(w.entries):
		n := copy(w.entries, w.entries[w.head:])
		w.entries, w.head = w.entries[:n], 0
	}
}

// total is the amount inside the window; prune first.
func (w *window) total() int64 { return w.sum }

// add records n at nowMs, merging with an entry of the same millisecond.
func (w *window) add(nowMs, n int64) {
	w.sum += n
	if last := len(w.entries) - 1; last >= w.head && w.entries[last].at == nowMs {
		w.entries[last].n += n
		return
	}
	w.entries = append(w.entries, windowEntry{nowMs, n})
}

// empty reports whether the window holds nothing; prune first.
func (w *window) empty() bool { return w.head == len(w.entries) }

// len is the number of entries held (tests check the memory bound).
func (w *window) len() int { return len(w.entries) - w.head }

package main

// Output helpers of the client commands: aligned tables for people, JSON
// for scripts, pretty-printed values and human times. Times are shown in
// UTC, as the emulator keeps its version history by UTC hour.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// writeJSON prints v as indented JSON, without HTML escaping (a value
// holding "<" shows "<"), followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// prettyValue indents a stored JSON value for people; "null" for none.
func prettyValue(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "null"
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// compactValue is a JSON value on one line (metadata in a key's info).
func compactValue(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

// textTable collects rows and prints them aligned, two spaces between columns.
// The last column is not padded, so no line ends in spaces.
type textTable struct {
	rows [][]string
}

func newTextTable(header ...string) *textTable { return &textTable{rows: [][]string{header}} }

func (t *textTable) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *textTable) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range t.rows {
		if _, err := io.WriteString(tw, strings.Join(r, "\t")+"\n"); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// humanTime shows a Unix-ms time of the daemon's clock: "2026-01-01 00:00:00 UTC".
func humanTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05 MST")
}

// humanTimeSince adds how long ago the time was by the daemon's clock now:
// "2026-01-01 00:00:00 UTC (5m ago)".
func humanTimeSince(ms int64, now time.Time) string {
	return humanTime(ms) + " (" + ago(now.Sub(time.UnixMilli(ms))) + ")"
}

// ago says a duration the way people read it: "just now", "42s ago",
// "5m ago", "3h ago", "12d ago", or "in 5m" for a time ahead.
func ago(d time.Duration) string {
	suffix, prefix := " ago", ""
	if d < 0 {
		d, suffix, prefix = -d, "", "in "
	}
	var s string
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		s = strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		s = strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return prefix + s + suffix
}

// parseTimeArg reads a time given on the command line: RFC 3339
// ("2026-01-01T00:00:00Z"), a date ("2026-01-01", midnight UTC) or Unix
// milliseconds. It returns Unix milliseconds.
func parseTimeArg(flag, s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, usagef("%s %q: give RFC 3339 (2026-01-01T00:00:00Z), a date (2026-01-01) or Unix milliseconds", flag, s)
}

// parseDurationArg reads a duration: a Go duration ("90s", "1h30m") or
// days ("30d", "1d12h"), which Go's syntax lacks and the version history
// (30 days) makes common.
func parseDurationArg(s string) (time.Duration, error) {
	bad := usagef("duration %q: give a Go duration like 90s or 1h30m, or days like 30d", s)
	if s == "" {
		return 0, bad
	}
	var days int64
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64/int64(24*time.Hour) {
			return 0, bad
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, bad
		}
	}
	total := time.Duration(days) * 24 * time.Hour
	if d > 0 && total > math.MaxInt64-d {
		return 0, bad
	}
	return total + d, nil
}

// userIDsText lists user ids for people: "1, 2", or "none".
func userIDsText(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// printCursorHint tells people on stderr how to fetch the next page, so
// that stdout holds only the listing.
func printCursorHint(w io.Writer, cursor string) {
	fmt.Fprintf(w, "more: next page with --cursor %s (or --all for every page)\n", cursor)
}

package opencloud

// The filter parameters of reference §5.1, §5.2 and §5.4: each a very small
// language, parsed exactly; anything else is 400.
//
//	id.startsWith("foo")                                     list data stores / entries
//	revision_create_time >= 2000-01-01T00:00:00Z && revision_create_time <= 2001-01-01T00:00:00Z
//	entry >= 10 && entry <= 30                               ordered entries

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseIDFilter reads `id.startsWith("prefix")` and returns the prefix;
// an empty filter is no prefix. The string literal takes double or single
// quotes and the escapes \\, \", \' (CEL's).
func parseIDFilter(f string) (string, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return "", nil
	}
	const open = "id.startsWith("
	if !strings.HasPrefix(f, open) || !strings.HasSuffix(f, ")") {
		return "", errFilter(`only id.startsWith("<prefix>") is supported.`)
	}
	lit := strings.TrimSpace(f[len(open) : len(f)-1])
	s, ok := unquote(lit)
	if !ok {
		return "", errFilter(`the argument of id.startsWith must be one quoted string.`)
	}
	return s, nil
}

// unquote reads one CEL-style string literal that spans all of lit.
func unquote(lit string) (string, bool) {
	if len(lit) < 2 {
		return "", false
	}
	q := lit[0]
	if (q != '"' && q != '\'') || lit[len(lit)-1] != q {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == q:
			return "", false // an unescaped quote ends the literal early
		case c == '\\':
			if i+1 >= len(body) {
				return "", false
			}
			i++
			switch body[i] {
			case '\\', '"', '\'':
				b.WriteByte(body[i])
			default:
				return "", false
			}
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	return s, utf8.ValidString(s)
}

// timeRange is a revision filter: inclusive bounds in Unix ms, 0 for none.
type timeRange struct{ min, max int64 }

// parseRevisionFilter reads up to two clauses joined by &&, each
// `revision_create_time >= <RFC 3339>` or `<= <RFC 3339>`, at most one of
// each.
func parseRevisionFilter(f string) (timeRange, error) {
	var r timeRange
	f = strings.TrimSpace(f)
	if f == "" {
		return r, nil
	}
	clauses := strings.Split(f, "&&")
	if len(clauses) > 2 {
		return r, errFilter("at most two comparisons joined by && are supported.")
	}
	for _, c := range clauses {
		fields := strings.Fields(c)
		if len(fields) != 3 || fields[0] != "revision_create_time" {
			return r, errFilter("each comparison must read revision_create_time >= <time> or revision_create_time <= <time>.")
		}
		ms, ok := parseTime(fields[2])
		if !ok {
			return r, errFilter(strconv.Quote(fields[2]) + " is not an RFC 3339 date-time.")
		}
		if ms <= 0 {
			ms = 1 // the engine reads 0 as "no bound"; nothing is written before 1970
		}
		switch fields[1] {
		case ">=":
			if r.min != 0 {
				return r, errFilter("give at most one >= comparison.")
			}
			r.min = ms
		case "<=":
			if r.max != 0 {
				return r, errFilter("give at most one <= comparison.")
			}
			r.max = ms
		default:
			return r, errFilter("only >= and <= are supported.")
		}
	}
	return r, nil
}

// valueRange is an ordered entry filter: inclusive bounds.
type valueRange struct {
	min, max       int64
	hasMin, hasMax bool
}

// parseEntryFilter reads `entry >= n`, `entry <= n`, or both joined by
// " && " (a minimum and a maximum, in either order). Tokens are separated
// by single spaces and are case-sensitive (reference §5.2, §5.4).
func parseEntryFilter(f string) (valueRange, error) {
	var r valueRange
	if f == "" {
		return r, nil
	}
	clauses := strings.Split(f, " && ")
	if len(clauses) > 2 {
		return r, errFilter("&& can only join a minimum and a maximum.")
	}
	for _, c := range clauses {
		parts := strings.Split(c, " ")
		if len(parts) != 3 || parts[0] != "entry" {
			return r, errFilter(`each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`)
		}
		v, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(parts[2], 64)
			if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
				return r, errFilter(strconv.Quote(parts[2]) + " is not an integer.")
			}
			v = clampInt64(f)
		}
		switch parts[1] {
		case ">=":
			if r.hasMin {
				return r, errFilter("&& can only join a minimum and a maximum.")
			}
			r.min, r.hasMin = v, true
		case "<=":
			if r.hasMax {
				return r, errFilter("&& can only join a minimum and a maximum.")
			}
			r.max, r.hasMax = v, true
		default:
			return r, errFilter("only >= and <= are supported.")
		}
	}
	if r.hasMin && r.hasMax && r.max < r.min {
		return r, errFilter("the minimum must not be above the maximum.")
	}
	return r, nil
}

func clampInt64(f float64) int64 {
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

package opencloud

import (
	"math"
	"net/http"
	"strings"
	"testing"
)

func TestParseIDFilter(t *testing.T) {
	cases := []struct {
		in, prefix string
		err        string
	}{
		{in: "", prefix: ""},
		{in: `id.startsWith("foo")`, prefix: "foo"},
		{in: `  id.startsWith( "foo" )  `, prefix: "foo"},
		{in: `id.startsWith('a"b')`, prefix: `a"b`},
		{in: `id.startsWith("a\"b\\c")`, prefix: `a"b\c`},
		{in: `id.startsWith("")`, prefix: ""},
		{in: `id.startsWith("global/x")`, prefix: "global/x"},
		{in: `id.startsWith(foo)`, err: "the argument of id.startsWith must be one quoted string."},
		{in: `id.startsWith("a" + "b")`, err: "the argument of id.startsWith must be one quoted string."},
		{in: `id.startsWith("a\n")`, err: "the argument of id.startsWith must be one quoted string."},
		{in: `id.startsWith("a")&&true`, err: `only id.startsWith("<prefix>") is supported.`},
		{in: `id == "a"`, err: `only id.startsWith("<prefix>") is supported.`},
		{in: `ID.startsWith("a")`, err: `only id.startsWith("<prefix>") is supported.`},
	}
	for _, c := range cases {
		got, err := parseIDFilter(c.in)
		if c.err != "" {
			if e, ok := err.(*Error); !ok || e.Message != "Invalid filter: "+c.err {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.prefix {
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.prefix)
		}
	}
}

func TestParseRevisionFilter(t *testing.T) {
	const a, b = "2000-01-01T00:00:00Z", "2001-01-01T00:00:00.5Z"
	const aMs, bMs = 946684800000, 978307200500
	cases := []struct {
		in       string
		min, max int64
		err      string
	}{
		{in: ""},
		{in: "revision_create_time >= " + a, min: aMs},
		{in: "revision_create_time <= " + b, max: bMs},
		{in: "revision_create_time >= " + a + " && revision_create_time <= " + b, min: aMs, max: bMs},
		{in: "revision_create_time <= " + b + "&&revision_create_time >= " + a, min: aMs, max: bMs},
		{in: "revision_create_time <= " + b + " && revision_create_time >= " + a, min: aMs, max: bMs},
		{in: "revision_create_time >= 1970-01-01T00:00:00Z", min: 1},
		{in: "revision_create_time > " + a, err: "only >= and <= are supported."},
		{in: "revision_create_time >= " + a + " && revision_create_time >= " + a, err: "give at most one >= comparison."},
		{in: "revision_create_time <= " + a + " && revision_create_time <= " + a, err: "give at most one <= comparison."},
		{in: "create_time >= " + a, err: "each comparison must read revision_create_time >= <time> or revision_create_time <= <time>."},
		{in: "revision_create_time >= 2000-01-01", err: `"2000-01-01" is not an RFC 3339 date-time.`},
		{in: "a && b && c", err: "at most two comparisons joined by && are supported."},
	}
	for _, c := range cases {
		got, err := parseRevisionFilter(c.in)
		if c.err != "" {
			if e, ok := err.(*Error); !ok || e.Message != "Invalid filter: "+c.err {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got.min != c.min || got.max != c.max {
			t.Errorf("%q: %+v, %v; want %d..%d", c.in, got, err, c.min, c.max)
		}
	}
}

func TestParseEntryFilter(t *testing.T) {
	cases := []struct {
		in   string
		want valueRange
		err  string
	}{
		{in: ""},
		{in: "entry >= 10", want: valueRange{min: 10, hasMin: true}},
		{in: "entry <= -3", want: valueRange{max: -3, hasMax: true}},
		{in: "entry >= 10 && entry <= 30", want: valueRange{min: 10, max: 30, hasMin: true, hasMax: true}},
		{in: "entry <= 50 && entry >= 10", want: valueRange{min: 10, max: 50, hasMin: true, hasMax: true}},
		{in: "entry >= 1e3", want: valueRange{min: 1000, hasMin: true}},
		{in: "entry <= 1e30", want: valueRange{max: math.MaxInt64, hasMax: true}},
		{in: "entry <= 10 && entry <= 50", err: "&& can only join a minimum and a maximum."},
		{in: "entry >= 1 && entry <= 2 && entry <= 3", err: "&& can only join a minimum and a maximum."},
		{in: "entry<=10", err: `each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`},
		{in: "entry  <= 10", err: `each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`},
		{in: "10 <= entry", err: `each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`},
		{in: "Entry <= 10", err: `each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`},
		{in: "entry < 10", err: "only >= and <= are supported."},
		{in: "entry <= 1.5", err: `"1.5" is not an integer.`},
		{in: "entry >= 5 && entry <= 1", err: "the minimum must not be above the maximum."},
	}
	for _, c := range cases {
		got, err := parseEntryFilter(c.in)
		if c.err != "" {
			if e, ok := err.(*Error); !ok || e.Message != "Invalid filter: "+c.err {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestPageTokens(t *testing.T) {
	ctx := newTokenContext("k", 1).str("store").int(10).flag(true)
	tok := encodeToken(ctx, "engine-cursor")
	if got, err := decodeToken(ctx, tok, errPageToken); err != nil || got != "engine-cursor" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	if encodeToken(ctx, "") != "" {
		t.Fatal("the last page has a token")
	}
	if got, err := decodeToken(ctx, "", errPageToken); err != nil || got != "" {
		t.Fatalf("no token: %q %v", got, err)
	}
	others := []tokenContext{
		newTokenContext("k", 2).str("store").int(10).flag(true),
		newTokenContext("k", 1).str("store").int(11).flag(true),
		newTokenContext("k", 1).str("store").int(10).flag(false),
		newTokenContext("j", 1).str("store").int(10).flag(true),
		newTokenContext("k", 1).str("stor").str("e").int(10).flag(true),
	}
	for i, o := range others {
		if _, err := decodeToken(o, tok, errPageToken); err != errPageToken {
			t.Errorf("context %d accepted the token", i)
		}
	}
	for _, bad := range []string{"x", tok + "!", tok[:len(tok)-20], strings.Repeat("A", 3000)} {
		if _, err := decodeToken(ctx, bad, errCursor); err != errCursor {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSplitRevision(t *testing.T) {
	cases := []struct {
		in, id string
		rev    revisionRef
		bad    bool
	}{
		{in: "k", id: "k", rev: revisionRef{latest: true}},
		{in: "k@latest", id: "k", rev: revisionRef{latest: true}},
		{in: "k@V1", id: "k", rev: revisionRef{id: "V1"}},
		{in: "a@b@V1", id: "a@b", rev: revisionRef{id: "V1"}},
		{in: "a@b@latest", id: "a@b", rev: revisionRef{latest: true}},
		{in: "k@latest:2020-01-01T00:00:00Z", id: "k", rev: revisionRef{at: "2020-01-01T00:00:00Z"}},
		{in: "k@", bad: true},
	}
	for _, c := range cases {
		id, rev, err := splitRevision(c.in)
		if (err != nil) != c.bad || (!c.bad && (id != c.id || rev != c.rev)) {
			t.Errorf("%q: %q %+v %v", c.in, id, rev, err)
		}
	}
}

func TestForFlavour(t *testing.T) {
	if forFlavour(flavourV2, errCursor) != errPageToken || forFlavour(flavourV1Standard, errCursor) != errCursor {
		t.Fatal("cursor wording")
	}
	if forFlavour(flavourV2, errUserIDs) != errUsers || forFlavour(flavourV1Ordered, errUserIDs) != errUserIDs {
		t.Fatal("user id wording")
	}
	if errVersionMismatch.Status != http.StatusPreconditionFailed {
		t.Fatal("matchVersion status")
	}
}

package opencloud_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestV2Ordered: every ordered endpoint of v2, with its list order, filter,
// pages and errors.
func TestV2Ordered(t *testing.T) {
	c := startOC(t)
	const base = "/cloud/v2/universes/1/ordered-data-stores/Scores/scopes/global/entries"
	e := func(id string, value int64) string {
		return fmt.Sprintf(`{"path":"universes/1/ordered-data-stores/Scores/scopes/global/entries/%s","value":%d,"id":%q}`, id, value, id)
	}
	list := func(next string, items ...string) string {
		return `{"orderedDataStoreEntries":[` + strings.Join(items, ",") + `],"nextPageToken":"` + next + `"}`
	}
	v := vars{}
	c.run(t, v, []step{
		{name: "create", method: "POST", path: base + "?id=a", body: `{"value":10}`, status: 200, want: e("a", 10)},
		{name: "create existing", method: "POST", path: base + "?id=a", body: `{"value":11}`, status: 400, want: v2Err("INVALID_ARGUMENT", "The entry already exists.")},
		{name: "create rounds", method: "POST", path: base + "?id=b", body: `{"value":20.6}`, status: 200, want: e("b", 21)},
		{name: "create c", method: "POST", path: base + "?id=c", body: `{"value":30}`, status: 200, want: e("c", 30)},
		{name: "create d", method: "POST", path: base + "?id=d", body: `{"value":-5}`, status: 200, want: e("d", -5)},
		{name: "create with a string", method: "POST", path: base + "?id=x", body: `{"value":"10"}`, status: 400,
			want: v2Err("INVALID_ARGUMENT", "The value must be an integer in the 64-bit range.")},
		{name: "create beyond int64", method: "POST", path: base + "?id=x", body: `{"value":1e19}`, status: 400,
			want: v2Err("INVALID_ARGUMENT", "The value must be an integer in the 64-bit range.")},
		{name: "create without a value", method: "POST", path: base + "?id=x", body: `{}`, status: 400,
			want: v2Err("INVALID_ARGUMENT", "value is required: a JSON value other than null.")},
		{name: "get", method: "GET", path: base + "/a", status: 200, want: e("a", 10)},
		{name: "get missing", method: "GET", path: base + "/zz", status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "list ascending", method: "GET", path: base, status: 200, want: list("", e("d", -5), e("a", 10), e("b", 21), e("c", 30))},
		{name: "list descending", method: "GET", path: base + "?orderBy=" + url.QueryEscape("value desc"), status: 200,
			want: list("", e("c", 30), e("b", 21), e("a", 10), e("d", -5))},
		{name: "filter", method: "GET", path: base + "?filter=" + url.QueryEscape("entry >= 10 && entry <= 30"), status: 200,
			want: list("", e("a", 10), e("b", 21), e("c", 30))},
		{name: "filter, max only", method: "GET", path: base + "?filter=" + url.QueryEscape("entry <= 10"), status: 200,
			want: list("", e("d", -5), e("a", 10))},
		{name: "filter without spaces", method: "GET", path: base + "?filter=" + url.QueryEscape("entry>=10"), status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid filter: each comparison must read "entry >= <integer>" or "entry <= <integer>", with single spaces.`)},
		{name: "filter with two minima", method: "GET", path: base + "?filter=" + url.QueryEscape("entry >= 1 && entry >= 2"), status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid filter: && can only join a minimum and a maximum.")},
		{name: "filter min above max", method: "GET", path: base + "?filter=" + url.QueryEscape("entry >= 5 && entry <= 1"), status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid filter: the minimum must not be above the maximum.")},
		{name: "bad orderBy", method: "GET", path: base + "?orderBy=key", status: 400, want: v2Err("INVALID_ARGUMENT", `orderBy must be "value" or "value desc".`)},
		{name: "page", method: "GET", path: base + "?maxPageSize=3&orderBy=" + url.QueryEscape("value desc"), status: 200, want: "-",
			after: func(t testing.TB, r resp) {
				var p struct {
					Entries []struct{ ID string } `json:"orderedDataStoreEntries"`
					Next    string                `json:"nextPageToken"`
				}
				r.decode(t, 200, &p)
				if len(p.Entries) != 3 || p.Entries[0].ID != "c" || p.Next == "" {
					t.Fatalf("page %+v", p)
				}
				v["T"] = url.QueryEscape(p.Next)
			}},
		{name: "next page", method: "GET", path: base + "?maxPageSize=3&orderBy=" + url.QueryEscape("value desc") + "&pageToken=$T", status: 200,
			want: list("", e("d", -5))},
		{name: "token with the order changed", method: "GET", path: base + "?maxPageSize=3&pageToken=$T", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "update", method: "PATCH", path: base + "/a", body: `{"value":15}`, status: 200, want: e("a", 15)},
		{name: "update missing", method: "PATCH", path: base + "/zz", body: `{"value":1}`, status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "update allowMissing", method: "PATCH", path: base + "/zz?allowMissing=true", body: `{"value":1}`, status: 200, want: e("zz", 1)},
		{name: "increment", method: "POST", path: base + "/a:increment", body: `{"amount":5}`, status: 200, want: e("a", 20)},
		{name: "increment creates", method: "POST", path: base + "/n:increment", body: `{"amount":-3.4}`, status: 200, want: e("n", -3)},
		{name: "increment past int64", method: "POST", path: base + "/a:increment", body: `{"amount":9223372036854775807}`, status: 400,
			want: v2Err("INVALID_ARGUMENT", "The value must be an integer in the 64-bit range.")},
		{name: "delete", method: "DELETE", path: base + "/a", status: 200, want: `{}`},
		{name: "delete missing", method: "DELETE", path: base + "/a", status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "key too long", method: "GET", path: base + "/" + strings.Repeat("k", 51), status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid entry key: it must be 1 to 50 bytes long.")},
	})
}

// TestV1Ordered: the legacy ordered API: its paths, snake_case parameters,
// int64 values, list shape and {"code","message"} errors.
func TestV1Ordered(t *testing.T) {
	c := startOC(t)
	const base = "/ordered-data-stores/v1/universes/1/orderedDataStores/Scores/scopes/global/entries"
	e := func(id string, value int64) string {
		return fmt.Sprintf(`{"path":"universes/1/orderedDataStores/Scores/scopes/global/entries/%s","value":%d,"id":%q}`, id, value, id)
	}
	list := func(next string, items ...string) string {
		return `{"entries":[` + strings.Join(items, ",") + `],"nextPageToken":"` + next + `"}`
	}
	v := vars{}
	c.run(t, v, []step{
		{name: "create", method: "POST", path: base + "?id=a", body: `{"value":10}`, status: 200, want: e("a", 10)},
		{name: "create b", method: "POST", path: base + "?id=b", body: `{"value":9223372036854775807}`, status: 200, want: e("b", 9223372036854775807)},
		{name: "create existing", method: "POST", path: base + "?id=a", body: `{"value":1}`, status: 400, want: v1OrdErr("INVALID_ARGUMENT", "The entry already exists.")},
		{name: "a fraction", method: "POST", path: base + "?id=x", body: `{"value":1.5}`, status: 400,
			want: v1OrdErr("INVALID_ARGUMENT", "The value must be an integer in the 64-bit range.")},
		{name: "above int64", method: "POST", path: base + "?id=x", body: `{"value":9223372036854775808}`, status: 400,
			want: v1OrdErr("INVALID_ARGUMENT", "The value must be an integer in the 64-bit range.")},
		{name: "get", method: "GET", path: base + "/a", status: 200, want: e("a", 10)},
		{name: "get missing", method: "GET", path: base + "/zz", status: 404, want: v1OrdErr("NOT_FOUND", "The entry was not found.")},
		{name: "list", method: "GET", path: base, status: 200, want: list("", e("a", 10), e("b", 9223372036854775807))},
		{name: "list desc", method: "GET", path: base + "?order_by=desc", status: 200, want: list("", e("b", 9223372036854775807), e("a", 10))},
		{name: "list filtered", method: "GET", path: base + "?filter=" + url.QueryEscape("entry <= 50"), status: 200, want: list("", e("a", 10))},
		{name: "page", method: "GET", path: base + "?max_page_size=1", status: 200, want: "-", after: func(t testing.TB, r resp) {
			var p struct {
				Entries []struct{ ID string } `json:"entries"`
				Next    string                `json:"nextPageToken"`
			}
			r.decode(t, 200, &p)
			if len(p.Entries) != 1 || p.Entries[0].ID != "a" || p.Next == "" {
				t.Fatalf("page %+v", p)
			}
			v["T"] = url.QueryEscape(p.Next)
		}},
		{name: "next page", method: "GET", path: base + "?max_page_size=1&page_token=$T", status: 200, want: list("", e("b", 9223372036854775807))},
		{name: "bad token", method: "GET", path: base + "?page_token=abc", status: 400, want: v1OrdErr("INVALID_ARGUMENT", "Invalid cursor.")},
		{name: "update", method: "PATCH", path: base + "/a", body: `{"value":12}`, status: 200, want: e("a", 12)},
		{name: "update missing", method: "PATCH", path: base + "/m", body: `{"value":12}`, status: 404, want: v1OrdErr("NOT_FOUND", "The entry was not found.")},
		{name: "update allow_missing", method: "PATCH", path: base + "/m?allow_missing=true", body: `{"value":12}`, status: 200, want: e("m", 12)},
		{name: "bad allow_missing", method: "PATCH", path: base + "/m?allow_missing=yes", body: `{"value":12}`, status: 400,
			want: v1OrdErr("INVALID_ARGUMENT", "allow_missing must be true or false.")},
		{name: "increment", method: "POST", path: base + "/a:increment", body: `{"amount":3}`, status: 200, want: e("a", 15)},
		{name: "delete", method: "DELETE", path: base + "/a", status: 200, want: `{}`},
		{name: "delete missing is fine", method: "DELETE", path: base + "/a", status: 200, want: `{}`},
		{name: "bad universe", method: "GET", path: "/ordered-data-stores/v1/universes/0/orderedDataStores/Scores/scopes/global/entries", status: 400,
			want: v1OrdErr("INVALID_ARGUMENT", "Invalid universe ID: it must be a positive integer.")},
		{name: "unknown path", method: "GET", path: "/ordered-data-stores/v1/universes/1/orderedDataStores/Scores", status: 404,
			want: v1OrdErr("NOT_FOUND", "No GET endpoint at /ordered-data-stores/v1/universes/1/orderedDataStores/Scores.")},
	})
}

package opencloud_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	v2Entries = "/cloud/v2/universes/1/data-stores/Inventory/scopes/global/entries"
	v2Path    = "universes/1/data-stores/Inventory/scopes/global/entries/"
)

// entryJSON is a DataStoreEntry as the API returns it.
func entryJSON(path, id, created, revision, revCreated, value, users, attrs string) string {
	return fmt.Sprintf(`{"path":%q,"createTime":%q,"revisionId":%q,"revisionCreateTime":%q,"state":"ACTIVE","etag":%q,"value":%s,"id":%q,"users":%s,"attributes":%s}`,
		path, created, revision, revCreated, revision, value, id, users, attrs)
}

// TestV2EntryLifecycle: create, get, update, increment and delete, each
// answer compared field by field with the DataStoreEntry schema, and every
// documented failure of those calls.
func TestV2EntryLifecycle(t *testing.T) {
	c := startOC(t)
	v := vars{}
	version := func(name, key string) func() {
		return func() {
			if e := c.get("Inventory", "global", key); e != nil {
				v[name] = e.Info.Version
			}
		}
	}
	t1 := v2Time(t0.Add(time.Second))
	c.run(t, v, []step{
		{name: "create", method: "POST", path: v2Entries + "?id=Player_1",
			body:   `{"value":{"coins":10},"users":["users/7","users/8"],"attributes":{"tier":"gold"}}`,
			status: 200, capture: version("V1", "Player_1"),
			want: entryJSON(v2Path+"Player_1", "Player_1", t0v2, "$V1", t0v2, `{"coins":10}`, `["users/7","users/8"]`, `{"tier":"gold"}`)},
		{name: "create existing", method: "POST", path: v2Entries + "?id=Player_1", body: `{"value":1}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "The entry already exists.")},
		{name: "get", method: "GET", path: v2Entries + "/Player_1", status: 200,
			want: entryJSON(v2Path+"Player_1", "Player_1", t0v2, "$V1", t0v2, `{"coins":10}`, `["users/7","users/8"]`, `{"tier":"gold"}`)},
		{name: "get @latest", method: "GET", path: v2Entries + "/Player_1@latest", status: 200,
			want: entryJSON(v2Path+"Player_1", "Player_1", t0v2, "$V1", t0v2, `{"coins":10}`, `["users/7","users/8"]`, `{"tier":"gold"}`)},
		{name: "update clears users and attributes", advance: time.Second, method: "PATCH", path: v2Entries + "/Player_1",
			body: `{"value":{"coins":11}}`, status: 200, capture: version("V2", "Player_1"),
			want: entryJSON(v2Path+"Player_1", "Player_1", t0v2, "$V2", t1, `{"coins":11}`, `[]`, `{}`)},
		{name: "update missing", method: "PATCH", path: v2Entries + "/Player_2", body: `{"value":"x"}`,
			status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "update allowMissing creates", method: "PATCH", path: v2Entries + "/Player_2?allowMissing=true", body: `{"value":"x"}`,
			status: 200, capture: version("V3", "Player_2"),
			want: entryJSON(v2Path+"Player_2", "Player_2", t1, "$V3", t1, `"x"`, `[]`, `{}`)},
		{name: "update stale etag", method: "PATCH", path: v2Entries + "/Player_1", body: `{"value":1,"etag":"$V1"}`,
			status: 409, want: v2Err("ABORTED", "The etag does not match the entry's current etag.")},
		{name: "update current etag", method: "PATCH", path: v2Entries + "/Player_1", body: `{"value":{"coins":12},"etag":"$V2","users":["users/9"]}`,
			status: 200, capture: version("V4", "Player_1"),
			want: entryJSON(v2Path+"Player_1", "Player_1", t0v2, "$V4", t1, `{"coins":12}`, `["users/9"]`, `{}`)},
		{name: "increment creates", method: "POST", path: v2Entries + "/Gold:increment", body: `{"amount":5,"users":["users/1"],"attributes":{"a":1}}`,
			status: 200, capture: version("V5", "Gold"),
			want: entryJSON(v2Path+"Gold", "Gold", t1, "$V5", t1, `5`, `["users/1"]`, `{"a":1}`)},
		{name: "increment adds", method: "POST", path: v2Entries + "/Gold:increment", body: `{"amount":-2}`,
			status: 200, capture: version("V6", "Gold"),
			want: entryJSON(v2Path+"Gold", "Gold", t1, "$V6", t1, `3`, `[]`, `{}`)},
		{name: "increment non-numeric", method: "POST", path: v2Entries + "/Player_1:increment", body: `{"amount":1}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "The entry's current value is not an integer, so it cannot be incremented.")},
		{name: "increment by a fraction", method: "POST", path: v2Entries + "/Gold:increment", body: `{"amount":1.5}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "The amount must be an integer.")},
		{name: "increment past 2^53", method: "POST", path: v2Entries + "/Gold:increment", body: `{"amount":9007199254740990}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "The result would be above 9007199254740992, the largest integer a data store number holds exactly.")},
		{name: "delete with stale etag", method: "DELETE", path: v2Entries + "/Gold?etag=$V5",
			status: 409, want: v2Err("ABORTED", "The etag does not match the entry's current etag.")},
		{name: "delete", method: "DELETE", path: v2Entries + "/Gold?etag=$V6", status: 200, want: `{}`},
		{name: "delete again", method: "DELETE", path: v2Entries + "/Gold", status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "get deleted", method: "GET", path: v2Entries + "/Gold", status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "get missing", method: "GET", path: v2Entries + "/Nobody", status: 404, want: v2Err("NOT_FOUND", "The entry was not found.")},
		{name: "users not paths", method: "POST", path: v2Entries + "?id=U", body: `{"value":1,"users":["7"]}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", `Invalid users: give at most 4 user paths, each "users/<id>" with an integer id.`)},
		{name: "five users", method: "POST", path: v2Entries + "?id=U", body: `{"value":1,"users":["users/1","users/2","users/3","users/4","users/5"]}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", `Invalid users: give at most 4 user paths, each "users/<id>" with an integer id.`)},
		{name: "attributes not an object", method: "POST", path: v2Entries + "?id=U", body: `{"value":1,"attributes":[1]}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid attributes: they must be a JSON object of at most 300 bytes.")},
		{name: "attributes over 300 bytes", method: "POST", path: v2Entries + "?id=U", body: `{"value":1,"attributes":{"a":"` + strings.Repeat("x", 300) + `"}}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid attributes: they must be a JSON object of at most 300 bytes.")},
		{name: "value missing", method: "POST", path: v2Entries + "?id=U", body: `{"users":[]}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "value is required: a JSON value other than null.")},
		{name: "body not an object", method: "POST", path: v2Entries + "?id=U", body: `[1]`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid request body: expected a JSON object.")},
		{name: "body not JSON", method: "PATCH", path: v2Entries + "/U", body: `{"value":`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid request body: it is not valid JSON.")},
		{name: "key too long", method: "POST", path: v2Entries + "?id=" + strings.Repeat("k", 51), body: `{"value":1}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid entry key: it must be 1 to 50 bytes long.")},
		{name: "no id", method: "POST", path: v2Entries, body: `{"value":1}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid entry key: it must be 1 to 50 bytes long.")},
		{name: "store name too long", method: "GET", path: "/cloud/v2/universes/1/data-stores/" + strings.Repeat("s", 51) + "/scopes/global/entries/k",
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid data store name: it must be 1 to 50 bytes long.")},
		{name: "scope too long", method: "GET", path: "/cloud/v2/universes/1/data-stores/Inventory/scopes/" + strings.Repeat("s", 51) + "/entries/k",
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid scope: it must be 1 to 50 bytes long.")},
		{name: "wildcard scope on an entry", method: "GET", path: "/cloud/v2/universes/1/data-stores/Inventory/scopes/-/entries/k",
			status: 400, want: v2Err("INVALID_ARGUMENT", `The wildcard scope "-" can only be used to list entries.`)},
		{name: "value over 4 MB", method: "POST", path: v2Entries + "?id=Big", body: `{"value":"` + strings.Repeat("x", 4_194_303) + `"}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "The content exceeds the 4,194,304 byte limit.")},
		{name: "invalid universe", method: "GET", path: "/cloud/v2/universes/abc/data-stores",
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid universe ID: it must be a positive integer.")},
		{name: "unknown route", method: "GET", path: "/cloud/v2/universes/1/nothing-here",
			status: 404, want: v2Err("NOT_FOUND", "No GET endpoint at /cloud/v2/universes/1/nothing-here.")},
		{name: "wrong method", method: "PUT", path: v2Entries + "/Player_1",
			status: 404, want: v2Err("NOT_FOUND", "No PUT endpoint at /cloud/v2/universes/1/data-stores/Inventory/scopes/global/entries/Player_1.")},
		{name: "bad allowMissing", method: "PATCH", path: v2Entries + "/Player_1?allowMissing=maybe", body: `{"value":1}`,
			status: 400, want: v2Err("INVALID_ARGUMENT", "allowMissing must be true or false.")},
	})
}

// TestV2Unscoped: an entry path without a scope addresses "global", or the
// scope before the first "/" of the id.
func TestV2Unscoped(t *testing.T) {
	c := startOC(t)
	v := vars{}
	const unscoped = "/cloud/v2/universes/1/data-stores/Inventory/entries"
	const unscopedPath = "universes/1/data-stores/Inventory/entries/"
	c.run(t, v, []step{
		{name: "create in global", method: "POST", path: unscoped + "?id=Player_1", body: `{"value":1}`, status: 200,
			capture: func() { v["V1"] = c.get("Inventory", "global", "Player_1").Info.Version },
			want:    entryJSON(unscopedPath+"Player_1", "Player_1", t0v2, "$V1", t0v2, `1`, `[]`, `{}`)},
		{name: "create in a scope", method: "POST", path: unscoped + "?id=" + url.QueryEscape("houses/Player_1"), body: `{"value":2}`, status: 200,
			capture: func() { v["V2"] = c.get("Inventory", "houses", "Player_1").Info.Version },
			want:    entryJSON(unscopedPath+"houses/Player_1", "houses/Player_1", t0v2, "$V2", t0v2, `2`, `[]`, `{}`)},
		{name: "scoped read of the unscoped write", method: "GET", path: "/cloud/v2/universes/1/data-stores/Inventory/scopes/houses/entries/Player_1", status: 200,
			want: entryJSON("universes/1/data-stores/Inventory/scopes/houses/entries/Player_1", "Player_1", t0v2, "$V2", t0v2, `2`, `[]`, `{}`)},
		{name: "get scope/key (slash escaped)", method: "GET", path: unscoped + "/global%2FPlayer_1", status: 200,
			want: entryJSON(unscopedPath+"global/Player_1", "global/Player_1", t0v2, "$V1", t0v2, `1`, `[]`, `{}`)},
		{name: "empty scope", method: "GET", path: unscoped + "/%2FPlayer_1", status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid entry ID: an ID with "/" names "scope/key", and neither part may be empty.`)},
	})
}

// TestV2Revisions: GET with @revision, @latest and @latest:<time>, and
// :listRevisions with its filter and pages.
func TestV2Revisions(t *testing.T) {
	c := startOC(t)
	v := vars{}
	capture := func(name string) func() {
		return func() { v[name] = c.get("Inventory", "global", "K").Info.Version }
	}
	rev := func(id, revCreated, state string) string {
		return fmt.Sprintf(`{"path":%q,"createTime":%q,"revisionId":%q,"revisionCreateTime":%q,"state":%q,"etag":%q,"id":%q}`,
			v2Path+"K@"+id, t0v2, id, revCreated, state, id, "K@"+id)
	}
	h1, h2, h3 := v2Time(t0.Add(time.Hour)), v2Time(t0.Add(2*time.Hour)), v2Time(t0.Add(3*time.Hour))
	c.run(t, v, []step{
		{name: "v1", method: "POST", path: v2Entries + "?id=K", body: `{"value":1}`, status: 200, want: "-", capture: capture("V1")},
		{name: "v2 an hour later", advance: time.Hour, method: "PATCH", path: v2Entries + "/K", body: `{"value":2}`, status: 200, want: "-", capture: capture("V2")},
		{name: "v3 an hour later", advance: time.Hour, method: "PATCH", path: v2Entries + "/K", body: `{"value":3,"attributes":{"n":3}}`, status: 200, want: "-", capture: capture("V3")},
		{name: "list, newest first", method: "GET", path: v2Entries + "/K:listRevisions", status: 200,
			want: `{"dataStoreEntries":[` + rev("$V3", h2, "ACTIVE") + `,` + rev("$V2", h1, "ACTIVE") + `,` + rev("$V1", t0v2, "ACTIVE") + `],"nextPageToken":""}`},
		{name: "first page", method: "GET", path: v2Entries + "/K:listRevisions?maxPageSize=2", status: 200, want: "-",
			after: func(t testing.TB, r resp) {
				var p struct {
					Entries []struct{ RevisionID string } `json:"dataStoreEntries"`
					Next    string                        `json:"nextPageToken"`
				}
				r.decode(t, 200, &p)
				if len(p.Entries) != 2 || p.Entries[0].RevisionID != v["V3"] || p.Entries[1].RevisionID != v["V2"] || p.Next == "" {
					t.Fatalf("first page %+v", p)
				}
				v["TOKEN"] = url.QueryEscape(p.Next)
			}},
		{name: "second page", method: "GET", path: v2Entries + "/K:listRevisions?maxPageSize=2&pageToken=$TOKEN", status: 200,
			want: `{"dataStoreEntries":[` + rev("$V1", t0v2, "ACTIVE") + `],"nextPageToken":""}`},
		{name: "token with another page size", method: "GET", path: v2Entries + "/K:listRevisions?maxPageSize=3&pageToken=$TOKEN", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "token of another key", method: "GET", path: v2Entries + "/L:listRevisions?maxPageSize=2&pageToken=$TOKEN", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "made-up token", method: "GET", path: v2Entries + "/K:listRevisions?pageToken=bm9wZQ", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "filter", method: "GET", path: v2Entries + "/K:listRevisions?filter=" + url.QueryEscape("revision_create_time >= "+v2Time(t0.Add(30*time.Minute))+" && revision_create_time <= "+v2Time(t0.Add(90*time.Minute))),
			status: 200, want: `{"dataStoreEntries":[` + rev("$V2", h1, "ACTIVE") + `],"nextPageToken":""}`},
		{name: "filter with one bound", method: "GET", path: v2Entries + "/K:listRevisions?filter=" + url.QueryEscape("revision_create_time <= "+t0v2),
			status: 200, want: `{"dataStoreEntries":[` + rev("$V1", t0v2, "ACTIVE") + `],"nextPageToken":""}`},
		{name: "bad filter", method: "GET", path: v2Entries + "/K:listRevisions?filter=" + url.QueryEscape("revision_create_time > 2000-01-01T00:00:00Z"),
			status: 400, want: v2Err("INVALID_ARGUMENT", "Invalid filter: only >= and <= are supported.")},
		{name: "get a revision", method: "GET", path: v2Entries + "/K@$V1", status: 200,
			want: entryJSON(v2Path+"K@$V1", "K@$V1", t0v2, "$V1", t0v2, `1`, `[]`, `{}`)},
		{name: "get the revision at a time", method: "GET", path: v2Entries + "/K@latest:" + v2Time(t0.Add(90*time.Minute)), status: 200,
			want: entryJSON(v2Path+"K@$V2", "K@$V2", t0v2, "$V2", h1, `2`, `[]`, `{}`)},
		{name: "get latest", method: "GET", path: v2Entries + "/K@latest", status: 200,
			want: entryJSON(v2Path+"K", "K", t0v2, "$V3", h2, `3`, `[]`, `{"n":3}`)},
		{name: "unknown revision", method: "GET", path: v2Entries + "/K@08D9E6A3F2188CFF.0000000001.08D9E6A3F2188CFF.01", status: 404,
			want: v2Err("NOT_FOUND", "The revision was not found.")},
		{name: "before the first revision", method: "GET", path: v2Entries + "/K@latest:2020-01-01T00:00:00Z", status: 404,
			want: v2Err("NOT_FOUND", "The revision was not found.")},
		{name: "time not RFC 3339", method: "GET", path: v2Entries + "/K@latest:yesterday", status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid revision: "yesterday" is not an RFC 3339 date-time.`)},
		{name: "time too far ahead", method: "GET", path: v2Entries + "/K@latest:" + v2Time(t0.Add(4*time.Hour)), status: 400,
			want: v2Err("INVALID_ARGUMENT", "The time must be after the Unix epoch and not more than ten minutes in the future.")},
		{name: "empty revision", method: "GET", path: v2Entries + "/K@", status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid revision: "@" must be followed by a revision ID, "latest" or "latest:<time>".`)},
		{name: "delete", advance: time.Hour, method: "DELETE", path: v2Entries + "/K", status: 200, want: `{}`, capture: func() {
			vs, _ := c.engine().ListVersions(refOf("Inventory", "global"), "K", listNewest)
			v["V4"] = vs.Items[0].Version
		}},
		{name: "the tombstone is a revision", method: "GET", path: v2Entries + "/K:listRevisions?maxPageSize=1", status: 200, want: "-",
			after: func(t testing.TB, r resp) {
				var p struct {
					Entries []map[string]any `json:"dataStoreEntries"`
				}
				r.decode(t, 200, &p)
				if len(p.Entries) != 1 || p.Entries[0]["state"] != "DELETED" || p.Entries[0]["revisionId"] != v["V4"] || p.Entries[0]["revisionCreateTime"] != h3 {
					t.Fatalf("tombstone %+v", p.Entries)
				}
			}},
	})
}

// TestV2ListEntries: scoped, wildcard and unscoped listings, the id filter,
// showDeleted, page sizes and tokens.
func TestV2ListEntries(t *testing.T) {
	c := startOC(t)
	for _, k := range []struct{ scope, key string }{{"global", "a1"}, {"global", "a2"}, {"global", "b1"}, {"special", "a3"}} {
		c.seed("Inventory", k.scope, k.key, `1`)
	}
	if _, err := c.engine().Remove(refOf("Inventory", "global"), "a2"); err != nil {
		t.Fatal(err)
	}
	name := func(path, id string) string { return fmt.Sprintf(`{"path":%q,"id":%q}`, path, id) }
	g := func(k string) string { return name(v2Path+k, k) }
	const wild = "/cloud/v2/universes/1/data-stores/Inventory/scopes/-/entries"
	const unscoped = "/cloud/v2/universes/1/data-stores/Inventory/entries"
	list := func(items ...string) string {
		return `{"dataStoreEntries":[` + strings.Join(items, ",") + `],"nextPageToken":""}`
	}
	v := vars{}
	c.run(t, v, []step{
		{name: "scoped", method: "GET", path: v2Entries, status: 200, want: list(g("a1"), g("b1"))},
		{name: "showDeleted", method: "GET", path: v2Entries + "?showDeleted=true", status: 200, want: list(g("a1"), g("a2"), g("b1"))},
		{name: "filter", method: "GET", path: v2Entries + "?filter=" + url.QueryEscape(`id.startsWith("a")`), status: 200, want: list(g("a1"))},
		{name: "filter with single quotes", method: "GET", path: v2Entries + "?filter=" + url.QueryEscape(`id.startsWith('b')`), status: 200, want: list(g("b1"))},
		{name: "page of one", method: "GET", path: v2Entries + "?maxPageSize=1", status: 200, want: "-",
			after: func(t testing.TB, r resp) {
				var p struct {
					Entries []struct{ ID string } `json:"dataStoreEntries"`
					Next    string                `json:"nextPageToken"`
				}
				r.decode(t, 200, &p)
				if len(p.Entries) != 1 || p.Entries[0].ID != "a1" || p.Next == "" {
					t.Fatalf("page %+v", p)
				}
				v["T"] = url.QueryEscape(p.Next)
			}},
		{name: "next page", method: "GET", path: v2Entries + "?maxPageSize=1&pageToken=$T", status: 200, want: list(g("b1"))},
		{name: "token with showDeleted changed", method: "GET", path: v2Entries + "?maxPageSize=1&showDeleted=true&pageToken=$T", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "wildcard scope", method: "GET", path: wild, status: 200,
			want: list(g("a1"), g("b1"), name("universes/1/data-stores/Inventory/scopes/special/entries/a3", "a3"))},
		{name: "wildcard scope, filtered on the key", method: "GET", path: wild + "?filter=" + url.QueryEscape(`id.startsWith("a")`), status: 200,
			want: list(g("a1"), name("universes/1/data-stores/Inventory/scopes/special/entries/a3", "a3"))},
		{name: "unscoped", method: "GET", path: unscoped, status: 200,
			want: list(name("universes/1/data-stores/Inventory/entries/global/a1", "global/a1"), name("universes/1/data-stores/Inventory/entries/global/b1", "global/b1"),
				name("universes/1/data-stores/Inventory/entries/special/a3", "special/a3"))},
		{name: "unscoped, filtered on scope/key", method: "GET", path: unscoped + "?filter=" + url.QueryEscape(`id.startsWith("global/b")`), status: 200,
			want: list(name("universes/1/data-stores/Inventory/entries/global/b1", "global/b1"))},
		{name: "other filters", method: "GET", path: v2Entries + "?filter=" + url.QueryEscape(`id == "a"`), status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid filter: only id.startsWith("<prefix>") is supported.`)},
		{name: "unterminated string", method: "GET", path: v2Entries + "?filter=" + url.QueryEscape(`id.startsWith("a)`), status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid filter: the argument of id.startsWith must be one quoted string.`)},
		{name: "negative page size", method: "GET", path: v2Entries + "?maxPageSize=-1", status: 400,
			want: v2Err("INVALID_ARGUMENT", "The page size must be a non-negative integer.")},
		{name: "bad showDeleted", method: "GET", path: v2Entries + "?showDeleted=2", status: 400,
			want: v2Err("INVALID_ARGUMENT", "showDeleted must be true or false.")},
		{name: "empty store", method: "GET", path: "/cloud/v2/universes/1/data-stores/Nothing/scopes/global/entries", status: 200, want: list()},
	})
}

// TestV2ListDataStores: shape, page size default and clamp, filter, tokens
// and showDeleted.
func TestV2ListDataStores(t *testing.T) {
	c := startOC(t)
	for _, s := range []string{"A1", "A2", "B1", "C1"} {
		c.seed(s, "global", "k", `1`)
	}
	ds := func(name string) string {
		return fmt.Sprintf(`{"path":"universes/1/data-stores/%s","createTime":%q,"state":"ACTIVE","id":%q}`, name, t0v2, name)
	}
	expire := v2Time(t0.Add(30 * 24 * time.Hour))
	deleted := fmt.Sprintf(`{"path":"universes/1/data-stores/A2","createTime":%q,"expireTime":%q,"state":"DELETED","id":"A2"}`, t0v2, expire)
	list := func(next string, items ...string) string {
		return `{"dataStores":[` + strings.Join(items, ",") + `],"nextPageToken":"` + next + `"}`
	}
	const stores = "/cloud/v2/universes/1/data-stores"
	v := vars{}
	c.run(t, v, []step{
		{name: "all", method: "GET", path: stores, status: 200, want: list("", ds("A1"), ds("A2"), ds("B1"), ds("C1"))},
		{name: "clamped page size", method: "GET", path: stores + "?maxPageSize=1000", status: 200, want: list("", ds("A1"), ds("A2"), ds("B1"), ds("C1"))},
		{name: "filter", method: "GET", path: stores + "?filter=" + url.QueryEscape(`id.startsWith("A")`), status: 200, want: list("", ds("A1"), ds("A2"))},
		{name: "page", method: "GET", path: stores + "?maxPageSize=3", status: 200, want: "-", after: func(t testing.TB, r resp) {
			var p struct {
				Stores []struct{ ID string } `json:"dataStores"`
				Next   string                `json:"nextPageToken"`
			}
			r.decode(t, 200, &p)
			if len(p.Stores) != 3 || p.Next == "" {
				t.Fatalf("page %+v", p)
			}
			v["T"] = url.QueryEscape(p.Next)
		}},
		{name: "next page", method: "GET", path: stores + "?maxPageSize=3&pageToken=$T", status: 200, want: list("", ds("C1"))},
		{name: "token with another filter", method: "GET", path: stores + "?maxPageSize=3&filter=" + url.QueryEscape(`id.startsWith("A")`) + "&pageToken=$T", status: 400,
			want: v2Err("INVALID_ARGUMENT", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")},
		{name: "delete A2", method: "DELETE", path: stores + "/A2", status: 200, want: deleted},
		{name: "deleted stores are hidden", method: "GET", path: stores, status: 200, want: list("", ds("A1"), ds("B1"), ds("C1"))},
		{name: "showDeleted", method: "GET", path: stores + "?showDeleted=true", status: 200, want: list("", ds("A1"), deleted, ds("B1"), ds("C1"))},
		{name: "bad filter", method: "GET", path: stores + "?filter=" + url.QueryEscape(`name.startsWith("A")`), status: 400,
			want: v2Err("INVALID_ARGUMENT", `Invalid filter: only id.startsWith("<prefix>") is supported.`)},
	})
}

// TestV2Snapshot: the next write to every key after a snapshot keeps the
// previous value as a revision, whatever its hour; one snapshot per UTC day.
func TestV2Snapshot(t *testing.T) {
	c := startOC(t)
	v := vars{}
	capture := func(name string) func() {
		return func() { v[name] = c.get("Inventory", "global", "K").Info.Version }
	}
	revisions := func(ids ...string) func(testing.TB, resp) {
		return func(t testing.TB, r resp) {
			var p struct {
				Entries []struct{ RevisionID string } `json:"dataStoreEntries"`
			}
			r.decode(t, 200, &p)
			var got []string
			for _, e := range p.Entries {
				got = append(got, e.RevisionID)
			}
			var want []string
			for _, id := range ids {
				want = append(want, v[id])
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("revisions %v, want %v (%v)", got, want, ids)
			}
		}
	}
	const snapshot = "/cloud/v2/universes/1/data-stores:snapshot"
	t1 := t0.Add(time.Minute)
	c.run(t, v, []step{
		{name: "write", method: "POST", path: v2Entries + "?id=K", body: `{"value":1}`, status: 200, want: "-", capture: capture("V1")},
		{name: "same hour overwrites", advance: time.Minute, method: "PATCH", path: v2Entries + "/K", body: `{"value":2}`, status: 200, want: "-", capture: capture("V2")},
		{name: "one revision", method: "GET", path: v2Entries + "/K:listRevisions", status: 200, want: "-", after: revisions("V2")},
		{name: "snapshot", method: "POST", path: snapshot, body: `{}`, status: 200,
			want: fmt.Sprintf(`{"newSnapshotTaken":true,"latestSnapshotTime":%q}`, v2Time(t1))},
		{name: "next write keeps a backup", advance: time.Minute, method: "PATCH", path: v2Entries + "/K", body: `{"value":3}`, status: 200, want: "-", capture: capture("V3")},
		{name: "two revisions", method: "GET", path: v2Entries + "/K:listRevisions", status: 200, want: "-", after: revisions("V3", "V2")},
		{name: "later writes that hour overwrite", advance: time.Minute, method: "PATCH", path: v2Entries + "/K", body: `{"value":4}`, status: 200, want: "-", capture: capture("V4")},
		{name: "still two", method: "GET", path: v2Entries + "/K:listRevisions", status: 200, want: "-", after: revisions("V4", "V2")},
		{name: "second snapshot that day", method: "POST", path: snapshot, body: `{}`, status: 200,
			want: fmt.Sprintf(`{"newSnapshotTaken":false,"latestSnapshotTime":%q}`, v2Time(t1))},
		{name: "next day", advance: 24 * time.Hour, method: "POST", path: snapshot, status: 200,
			want: fmt.Sprintf(`{"newSnapshotTaken":true,"latestSnapshotTime":%q}`, v2Time(t0.Add(24*time.Hour+3*time.Minute)))},
	})
}

func TestV2SnapshotBodyIgnored(t *testing.T) {
	// The snapshot takes no parameters: any body is accepted, as {} is.
	c := startOC(t)
	r := c.do(http.MethodPost, "/cloud/v2/universes/1/data-stores:snapshot", `{"ignored":true}`)
	r.want(t, 200, fmt.Sprintf(`{"newSnapshotTaken":true,"latestSnapshotTime":%q}`, t0v2))
}

package opencloud_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	v1Base  = "/datastores/v1/universes/1/standard-datastores"
	v1Entry = v1Base + "/datastore/entries/entry"
)

// headers checks response headers exactly.
func headers(v vars, want map[string]string) func(testing.TB, resp) {
	return func(t testing.TB, r resp) {
		t.Helper()
		for k, w := range want {
			if w = v.expand(w); r.header.Get(k) != w {
				got := r.header.Get(k)
				t.Fatalf("header %s = %q, want %q", k, got, w)
			}
		}
	}
}

func entryVersion(version string, deleted bool, length int, created, objectCreated string) string {
	return fmt.Sprintf(`{"version":%q,"deleted":%t,"contentLength":%d,"createdTime":%q,"objectCreatedTime":%q}`, version, deleted, length, created, objectCreated)
}

// TestV1Entries: set, get, increment and delete entries, with the
// roblox-entry-* headers, content-md5, matchVersion and exclusiveCreate,
// and each documented failure.
func TestV1Entries(t *testing.T) {
	c := startOC(t)
	v := vars{}
	version := func(name, key string) func() {
		return func() {
			if e := c.get("Coins", "global", key); e != nil {
				v[name] = e.Info.Version
			}
		}
	}
	const q = "?datastoreName=Coins&entryKey=269323"
	t0h := "2026-03-04T05:06:07.8900000+00:00"
	t1 := t0.Add(time.Second)
	t1h := "2026-03-04T05:06:08.8900000+00:00"
	c.run(t, v, []step{
		// The reference's Content-MD5 example: the body 750 hashes to sTf90fedVsft8zZf6nUg8g==.
		{name: "set", method: "POST", path: v1Entry + q, body: `750`,
			hdr:    []string{"content-md5", "sTf90fedVsft8zZf6nUg8g==", "roblox-entry-userids", "[269323]", "roblox-entry-attributes", "{}"},
			status: 200, capture: version("V1", "269323"), want: entryVersion("$V1", false, 3, t0v1, t0v1)},
		{name: "get", method: "GET", path: v1Entry + q, status: 200, want: `750`,
			after: headers(v, map[string]string{"content-md5": "sTf90fedVsft8zZf6nUg8g==", "roblox-entry-version": "$V1",
				"roblox-entry-created-time": t0h, "roblox-entry-version-created-time": t0h,
				"roblox-entry-attributes": "{}", "roblox-entry-userids": "[269323]"})},
		{name: "checksum mismatch", method: "POST", path: v1Entry + q, body: `751`, hdr: []string{"content-md5", "sTf90fedVsft8zZf6nUg8g=="},
			status: 400, want: v1Err("INVALID_ARGUMENT", "ChecksumMismatch", "The content-md5 header does not match the content.")},
		{name: "checksum not base64", method: "POST", path: v1Entry + q, body: `750`, hdr: []string{"content-md5", "???"},
			status: 400, want: v1Err("INVALID_ARGUMENT", "ChecksumMismatch", "The content-md5 header does not match the content.")},
		{name: "user ids as a bare list", advance: time.Second, method: "POST", path: v1Entry + q, body: `{"gold": 5}`,
			hdr: []string{"roblox-entry-userids", "1, 2", "roblox-entry-attributes", `{"a": 1}`}, status: 200,
			capture: version("V2", "269323"), want: entryVersion("$V2", false, 10, v1Time(t1), t0v1)},
		{name: "get with metadata", method: "GET", path: v1Entry + q, status: 200, want: `{"gold":5}`,
			after: headers(v, map[string]string{"roblox-entry-version": "$V2", "roblox-entry-created-time": t0h, "roblox-entry-version-created-time": t1h,
				"roblox-entry-attributes": `{"a":1}`, "roblox-entry-userids": "[1, 2]"})},
		{name: "matchVersion stale", method: "POST", path: v1Entry + q + "&matchVersion=$V1", body: `1`, status: 412,
			want: v1Err("FAILED_PRECONDITION", "PreconditionFailed", "The entry's current version does not match matchVersion.")},
		{name: "matchVersion current", method: "POST", path: v1Entry + q + "&matchVersion=$V2", body: `2`, status: 200,
			capture: version("V3", "269323"), want: entryVersion("$V3", false, 1, v1Time(t1), t0v1)},
		{name: "exclusiveCreate on an existing entry", method: "POST", path: v1Entry + q + "&exclusiveCreate=true", body: `1`, status: 412,
			want: v1Err("FAILED_PRECONDITION", "PreconditionFailed", "The entry already exists and exclusiveCreate is set.")},
		{name: "exclusiveCreate", method: "POST", path: v1Entry + "?datastoreName=Coins&entryKey=new&exclusiveCreate=true", body: `"n"`, status: 200,
			capture: version("V4", "new"), want: entryVersion("$V4", false, 3, v1Time(t1), v1Time(t1))},
		{name: "exclusiveCreate not a boolean", method: "POST", path: v1Entry + q + "&exclusiveCreate=maybe", body: `1`, status: 400, want: "-",
			after: func(t testing.TB, r resp) {
				if !strings.Contains(string(r.body), `"errors":{"exclusiveCreate":["The value 'maybe' is not valid."]}`) {
					t.Fatalf("body %s", r.body)
				}
			}},
		{name: "both", method: "POST", path: v1Entry + q + "&exclusiveCreate=true&matchVersion=$V3", body: `1`, status: 400,
			want: v1Err("INVALID_ARGUMENT", "ExclusiveCreateAndMatchVersionCannotBeSet", "exclusiveCreate and matchVersion cannot both be set.")},
		{name: "not JSON", method: "POST", path: v1Entry + q, body: `{gold}`, status: 400,
			want: v1Err("INVALID_ARGUMENT", "ContentNotJson", "The content is not a valid JSON value in UTF-8.")},
		{name: "empty body", method: "POST", path: v1Entry + q, status: 400,
			want: v1Err("INVALID_ARGUMENT", "ContentNotJson", "The content is not a valid JSON value in UTF-8.")},
		{name: "too big", method: "POST", path: v1Entry + q, body: `"` + strings.Repeat("x", 4_194_303) + `"`, status: 400,
			want: v1Err("INVALID_ARGUMENT", "ContentTooBig", "The content exceeds the 4,194,304 byte limit.")},
		{name: "five user ids", method: "POST", path: v1Entry + q, body: `1`, hdr: []string{"roblox-entry-userids", "[1,2,3,4,5]"}, status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidUserIds", "Invalid user IDs: give at most 4 integer user IDs.")},
		{name: "user ids not numbers", method: "POST", path: v1Entry + q, body: `1`, hdr: []string{"roblox-entry-userids", "alice"}, status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidUserIds", "Invalid user IDs: give at most 4 integer user IDs.")},
		{name: "attributes not an object", method: "POST", path: v1Entry + q, body: `1`, hdr: []string{"roblox-entry-attributes", `"a"`}, status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidAttributes", "Invalid attributes: they must be a JSON object of at most 300 bytes.")},
		{name: "no data store name", method: "GET", path: v1Entry + "?entryKey=k", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidDataStoreName", "Invalid data store name: it must be 1 to 50 bytes long.")},
		{name: "no entry key", method: "GET", path: v1Entry + "?datastoreName=Coins", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidEntryKey", "Invalid entry key: it must be 1 to 50 bytes long.")},
		{name: "scope too long", method: "GET", path: v1Entry + q + "&scope=" + strings.Repeat("s", 51), status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidDataStoreScope", "Invalid scope: it must be 1 to 50 bytes long.")},
		{name: "bad universe", method: "GET", path: "/datastores/v1/universes/x/standard-datastores", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidUniverseId", "Invalid universe ID: it must be a positive integer.")},
		{name: "increment creates", method: "POST", path: v1Entry + "/increment?datastoreName=Coins&entryKey=gems&incrementBy=3", status: 200,
			capture: version("V5", "gems"), want: `3`,
			after: headers(v, map[string]string{"roblox-entry-version": "$V5", "roblox-entry-created-time": t1h, "roblox-entry-userids": "[]", "roblox-entry-attributes": "{}"})},
		{name: "increment by the default 1", method: "POST", path: v1Entry + "/increment?datastoreName=Coins&entryKey=gems", status: 200, want: `4`},
		{name: "increment non-numeric", method: "POST", path: v1Entry + "/increment?datastoreName=Coins&entryKey=new", status: 400,
			want: v1Err("INVALID_ARGUMENT", "ExistingValueNotNumeric", "The entry's current value is not an integer, so it cannot be incremented.")},
		{name: "increment beyond 2^53", method: "POST", path: v1Entry + "/increment?datastoreName=Coins&entryKey=gems&incrementBy=-9007199254740993", status: 400,
			want: v1Err("INVALID_ARGUMENT", "IncrementValueTooSmall", "The result would be below -9007199254740992, the smallest integer a data store number holds exactly.")},
		{name: "incrementBy not an integer", method: "POST", path: v1Entry + "/increment?datastoreName=Coins&entryKey=gems&incrementBy=abc", status: 400, want: "-",
			after: func(t testing.TB, r resp) {
				var p map[string]any
				r.decode(t, 400, &p)
				ext, _ := p["extensions"].(map[string]any)
				trace, _ := ext["traceId"].(string)
				delete(p, "extensions")
				want := map[string]any{"errors": map[string]any{"incrementBy": []any{"The value 'abc' is not valid."}},
					"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.", "status": 400.0}
				if fmt.Sprint(p) != fmt.Sprint(want) || !regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-00$`).MatchString(trace) {
					t.Fatalf("validation problem %s", r.body)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/problem+json; charset=utf-8" {
					t.Fatalf("Content-Type %q", ct)
				}
			}},
		{name: "delete", method: "DELETE", path: v1Entry + q, status: 204, want: ""},
		{name: "get deleted", method: "GET", path: v1Entry + q, status: 404, want: v1Err("NOT_FOUND", "EntryNotFound", "The entry was not found.")},
		{name: "delete deleted", method: "DELETE", path: v1Entry + q, status: 404, want: v1Err("NOT_FOUND", "EntryNotFound", "The entry was not found.")},
		{name: "exclusiveCreate on a deleted entry", method: "POST", path: v1Entry + q + "&exclusiveCreate=true", body: `7`, status: 200, want: "-"},
	})
}

// TestV1Listings: List data stores, List entries (with the reference's
// examples), List entry versions and Get entry version.
func TestV1Listings(t *testing.T) {
	c := startOC(t)
	c.seed("PlayerInventory", "global", "User_2", `{"x":1}`)
	c.seed("PlayerInventory", "special", "User_6", `1`)
	c.seed("PlayerInventory", "special", "User_7", `1`)
	c.seed("PlayerArmor", "global", "a", `1`)
	v := vars{}
	c.run(t, v, []step{
		{name: "list data stores (limit default 1)", method: "GET", path: v1Base, status: 200, want: "-", after: func(t testing.TB, r resp) {
			var p map[string]any
			r.decode(t, 200, &p)
			next, _ := p["nextPageCursor"].(string)
			delete(p, "nextPageCursor")
			if compact(mustJSON(p)) != `{"datastores":[{"createdTime":"`+t0v1+`","name":"PlayerArmor"}]}` || next == "" {
				t.Fatalf("page %s", r.body)
			}
			v["C"] = url.QueryEscape(next)
		}},
		{name: "next data store", method: "GET", path: v1Base + "?cursor=$C", status: 200,
			want: `{"datastores":[{"name":"PlayerInventory","createdTime":"` + t0v1 + `"}],"nextPageCursor":""}`},
		{name: "prefix", method: "GET", path: v1Base + "?prefix=PlayerI&limit=10", status: 200,
			want: `{"datastores":[{"name":"PlayerInventory","createdTime":"` + t0v1 + `"}],"nextPageCursor":""}`},
		{name: "cursor for another prefix", method: "GET", path: v1Base + "?prefix=Q&cursor=$C", status: 400,
			want: `{"error":"INVALID_ARGUMENT","message":"Invalid cursor.","errorDetails":[{"errorDetailType":"DatastoreErrorInfo","datastoreErrorCode":"InvalidCursor"}]}`},
		{name: "limit not a number", method: "GET", path: v1Base + "?limit=ten", status: 400, want: "-"},
		// The reference's examples of List entries.
		{name: "list entries, global", method: "GET", path: v1Base + "/datastore/entries?datastoreName=PlayerInventory", status: 200,
			want: `{"keys":[{"scope":"global","key":"User_2"}],"nextPageCursor":""}`},
		{name: "list entries, special", method: "GET", path: v1Base + "/datastore/entries?datastoreName=PlayerInventory&scope=special", status: 200,
			want: `{"keys":[{"scope":"special","key":"User_6"},{"scope":"special","key":"User_7"}],"nextPageCursor":""}`},
		{name: "list entries, all scopes", method: "GET", path: v1Base + "/datastore/entries?datastoreName=PlayerInventory&allScopes=true", status: 200,
			want: `{"keys":[{"scope":"global","key":"User_2"},{"scope":"special","key":"User_6"},{"scope":"special","key":"User_7"}],"nextPageCursor":""}`},
		{name: "scope and allScopes", method: "GET", path: v1Base + "/datastore/entries?datastoreName=PlayerInventory&allScopes=true&scope=global", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidDataStoreScope", "scope and allScopes cannot both be set.")},
		{name: "bad cursor", method: "GET", path: v1Base + "/datastore/entries?datastoreName=PlayerInventory&cursor=eyJ2ZXJzaW9uIjoxfQ", status: 400,
			want: `{"error":"INVALID_ARGUMENT","message":"Invalid cursor.","errorDetails":[{"errorDetailType":"DatastoreErrorInfo","datastoreErrorCode":"InvalidCursor"}]}`},
	})

	// Versions: one an hour, so that each is kept.
	ref := refOf("PlayerInventory", "global")
	var ids []string
	for i := 0; i < 3; i++ {
		if i > 0 {
			c.clock.Advance(time.Hour)
		}
		info, err := c.engine().Set(ref, "User_9", json.RawMessage(strings.Repeat("7", i+1)), engineNoOpts)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.Version)
	}
	for i, id := range ids {
		v[fmt.Sprint("V", i)] = id
	}
	ev := func(i int) string {
		return entryVersion(fmt.Sprintf("$V%d", i), false, i+1, v1Time(t0.Add(time.Duration(i)*time.Hour)), t0v1)
	}
	versions := func(next string, evs ...string) string {
		return `{"versions":[` + strings.Join(evs, ",") + `],"nextPageCursor":"` + next + `"}`
	}
	const vq = v1Entry + "/versions?datastoreName=PlayerInventory&entryKey=User_9"
	c.run(t, v, []step{
		{name: "versions", method: "GET", path: vq, status: 200, want: versions("", ev(0), ev(1), ev(2))},
		{name: "versions descending", method: "GET", path: vq + "&sortOrder=Descending", status: 200, want: versions("", ev(2), ev(1), ev(0))},
		{name: "versions in a window", method: "GET", path: vq + "&startTime=" + url.QueryEscape(v1Time(t0.Add(time.Minute))) + "&endTime=" + url.QueryEscape(v1Time(t0.Add(90*time.Minute))),
			status: 200, want: versions("", ev(1))},
		{name: "a page", method: "GET", path: vq + "&limit=2", status: 200, want: "-", after: func(t testing.TB, r resp) {
			var p struct {
				Versions []struct{ Version string }
				Next     string `json:"nextPageCursor"`
			}
			r.decode(t, 200, &p)
			if len(p.Versions) != 2 || p.Next == "" {
				t.Fatalf("page %s", r.body)
			}
			v["VC"] = url.QueryEscape(p.Next)
		}},
		{name: "the rest", method: "GET", path: vq + "&limit=2&cursor=$VC", status: 200, want: versions("", ev(2))},
		{name: "bad sortOrder", method: "GET", path: vq + "&sortOrder=Sideways", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidSortOrder", "sortOrder must be Ascending or Descending.")},
		{name: "bad startTime", method: "GET", path: vq + "&startTime=today", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidStartTime", "startTime must be an RFC 3339 date-time.")},
		{name: "bad endTime", method: "GET", path: vq + "&endTime=today", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidEndTime", "endTime must be an RFC 3339 date-time.")},
		{name: "get version", method: "GET", path: v1Entry + "/versions/version?datastoreName=PlayerInventory&entryKey=User_9&versionId=$V1", status: 200, want: `77`,
			after: headers(v, map[string]string{"roblox-entry-version": "$V1", "roblox-entry-created-time": "2026-03-04T05:06:07.8900000+00:00",
				"roblox-entry-version-created-time": "2026-03-04T06:06:07.8900000+00:00", "content-md5": "KN0seVXOkmRWJAsv8BAL3g=="})},
		{name: "get unknown version", method: "GET", path: v1Entry + "/versions/version?datastoreName=PlayerInventory&entryKey=User_9&versionId=nope", status: 404,
			want: v1Err("NOT_FOUND", "VersionNotFound", "The version was not found.")},
		{name: "get version without versionId", method: "GET", path: v1Entry + "/versions/version?datastoreName=PlayerInventory&entryKey=User_9", status: 400,
			want: v1Err("INVALID_ARGUMENT", "InvalidVersionId", "versionId is required.")},
		{name: "delete", advance: time.Hour, method: "DELETE", path: v1Entry + "?datastoreName=PlayerInventory&entryKey=User_9", status: 204, want: ""},
		{name: "the tombstone is listed", method: "GET", path: vq + "&sortOrder=Descending&limit=1", status: 200, want: "-", after: func(t testing.TB, r resp) {
			var p struct {
				Versions []map[string]any
			}
			r.decode(t, 200, &p)
			if len(p.Versions) != 1 || p.Versions[0]["deleted"] != true || p.Versions[0]["contentLength"] != 0.0 ||
				p.Versions[0]["objectCreatedTime"] != t0v1 || p.Versions[0]["createdTime"] != v1Time(t0.Add(3*time.Hour)) {
				t.Fatalf("tombstone %s", r.body)
			}
		}},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

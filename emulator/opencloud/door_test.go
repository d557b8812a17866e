package opencloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
	"github.com/rbxemu/rbxemu/emulator/throttle"
)

const gatewayUnauthorized = `{"errors":[{"code":0,"message":"Invalid API Key"}]}`

// TestAPIKey: any key (or none) without --api-key; with it, only that key,
// else 401 with the gateway's body on every API. Without --api-key, the
// daemon's --token guards the door, as x-api-key or a bearer token.
func TestAPIKey(t *testing.T) {
	paths := []string{
		"/cloud/v2/universes/1/data-stores",
		"/datastores/v1/universes/1/standard-datastores",
		"/ordered-data-stores/v1/universes/1/orderedDataStores/S/scopes/global/entries",
	}
	cases := []struct {
		name   string
		opts   []servertest.Option
		hdr    []string
		status int
	}{
		{name: "open, no key", status: 200},
		{name: "open, any key", hdr: []string{"x-api-key", "whatever"}, status: 200},
		{name: "key set, none sent", opts: []servertest.Option{apiKey("s3cret")}, status: 401},
		{name: "key set, wrong key", opts: []servertest.Option{apiKey("s3cret")}, hdr: []string{"x-api-key", "s3cre"}, status: 401},
		{name: "key set, right key", opts: []servertest.Option{apiKey("s3cret")}, hdr: []string{"x-api-key", "s3cret"}, status: 200},
		{name: "key set, token is not the key", opts: []servertest.Option{apiKey("s3cret"), servertest.Token("tok")}, hdr: []string{"x-api-key", "tok"}, status: 401},
		{name: "token, none sent", opts: []servertest.Option{servertest.Token("tok")}, status: 401},
		{name: "token as x-api-key", opts: []servertest.Option{servertest.Token("tok")}, hdr: []string{"x-api-key", "tok"}, status: 200},
		{name: "token as bearer", opts: []servertest.Option{servertest.Token("tok")}, hdr: []string{"Authorization", "Bearer tok"}, status: 200},
		{name: "token, wrong", opts: []servertest.Option{servertest.Token("tok")}, hdr: []string{"x-api-key", "nope"}, status: 401},
		{name: "a web page", hdr: []string{"Origin", "https://evil.example"}, status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := startOC(t, tc.opts...)
			for _, p := range paths {
				r := c.do("GET", p, "", tc.hdr...)
				switch tc.status {
				case 401:
					r.want(t, 401, gatewayUnauthorized)
				case 403:
					if r.status != 403 {
						t.Fatalf("%s: status %d", p, r.status)
					}
					var b struct {
						Errors []struct {
							Code    int
							Message string
						}
					}
					r.decode(t, 403, &b)
					if len(b.Errors) != 1 || b.Errors[0].Code != 0 || b.Errors[0].Message == "" {
						t.Fatalf("%s: body %s", p, r.body)
					}
				default:
					if r.status != tc.status {
						t.Fatalf("%s: status %d, body %s", p, r.status, r.body)
					}
				}
			}
		})
	}
}

func apiKey(k string) servertest.Option {
	return servertest.Options(func(o *server.Options) { o.APIKey = k })
}

// TestGameAndOpenCloudShareTheEngine: a game server's write reads back over
// Open Cloud at once, and the reverse, for standard and ordered stores.
func TestGameAndOpenCloudShareTheEngine(t *testing.T) {
	c := startOC(t)
	ctx := context.Background()
	game, err := client.Dial(ctx, c.base, client.HelloOptions{Universe: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	store := client.Store{Name: "Inventory"}

	info, err := game.Set(ctx, store, "Player_1", map[string]int{"coins": 10}, &client.WriteOptions{UserIDs: []int64{7}, Metadata: map[string]string{"t": "g"}})
	if err != nil {
		t.Fatal(err)
	}
	c.do("GET", v2Entries+"/Player_1", "").want(t, 200,
		entryJSON(v2Path+"Player_1", "Player_1", t0v2, info.Version, t0v2, `{"coins":10}`, `["users/7"]`, `{"t":"g"}`))
	r := c.do("GET", v1Entry+"?datastoreName=Inventory&entryKey=Player_1", "")
	r.want(t, 200, `{"coins":10}`)
	if r.header.Get("roblox-entry-version") != info.Version || r.header.Get("roblox-entry-userids") != "[7]" {
		t.Fatalf("v1 headers %v", r.header)
	}

	// Open Cloud writes; the game reads (no cache in the Go client).
	c.do("PATCH", v2Entries+"/Player_1", `{"value":{"coins":11},"users":["users/8"]}`).want(t, 200, "-")
	value, ki, err := game.Get(ctx, store, "Player_1")
	if err != nil || string(value) != `{"coins":11}` || len(ki.UserIDs) != 1 || ki.UserIDs[0] != 8 {
		t.Fatalf("game read of an Open Cloud write: %s %+v %v", value, ki, err)
	}
	c.do("POST", v1Entry+"?datastoreName=Inventory&entryKey=Player_2", `"v1"`).want(t, 200, "-")
	if value, _, err := game.Get(ctx, store, "Player_2"); err != nil || string(value) != `"v1"` {
		t.Fatalf("game read of a v1 write: %s %v", value, err)
	}
	// A game UpdateAsync over an Open Cloud increment.
	c.do("POST", v2Entries+"/Gold:increment", `{"amount":5}`).want(t, 200, "-")
	got, _, err := game.Update(ctx, store, "Gold", func(old json.RawMessage, _ *client.KeyInfo) (json.RawMessage, bool) {
		var n int
		_ = json.Unmarshal(old, &n)
		return json.RawMessage(fmt.Sprint(n * 2)), true
	})
	if err != nil || string(got) != "10" {
		t.Fatalf("update: %s %v", got, err)
	}
	c.do("GET", v2Entries+"/Gold", "").want(t, 200, "-")

	// Ordered: the game sets, v2 and v1 list; v2 increments, the game reads.
	scores := client.Store{Name: "Scores", Ordered: true}
	if _, err := game.Set(ctx, scores, "a", 5, nil); err != nil {
		t.Fatal(err)
	}
	c.do("GET", "/cloud/v2/universes/1/ordered-data-stores/Scores/scopes/global/entries", "").want(t, 200,
		`{"orderedDataStoreEntries":[{"path":"universes/1/ordered-data-stores/Scores/scopes/global/entries/a","value":5,"id":"a"}],"nextPageToken":""}`)
	c.do("POST", "/ordered-data-stores/v1/universes/1/orderedDataStores/Scores/scopes/global/entries/a:increment", `{"amount":2}`).want(t, 200,
		`{"path":"universes/1/orderedDataStores/Scores/scopes/global/entries/a","value":7,"id":"a"}`)
	if value, _, err := game.Get(ctx, scores, "a"); err != nil || string(value) != "7" {
		t.Fatalf("game read of an ordered increment: %s %v", value, err)
	}
}

// TestPaginateThousand walks 1,000 entries through v2 (pages of 256) and
// v1 (pages of 100, the emulator's maximum): every key once, in order.
func TestPaginateThousand(t *testing.T) {
	c := startOC(t)
	want := make([]string, 1000)
	for i := range want {
		want[i] = fmt.Sprintf("key%04d", i)
		c.seed("Big", "global", want[i], `1`)
	}
	check := func(name string, got []string, pages, wantPages int) {
		t.Helper()
		if pages != wantPages || len(got) != len(want) {
			t.Fatalf("%s: %d keys in %d pages, want %d in %d", name, len(got), pages, len(want), wantPages)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: key %d is %q, want %q", name, i, got[i], want[i])
			}
		}
	}

	var got []string
	pages, token := 0, ""
	for {
		var p struct {
			Entries []struct{ ID string } `json:"dataStoreEntries"`
			Next    string                `json:"nextPageToken"`
		}
		c.do("GET", "/cloud/v2/universes/1/data-stores/Big/scopes/global/entries?maxPageSize=256&pageToken="+url.QueryEscape(token), "").decode(t, 200, &p)
		pages++
		for _, e := range p.Entries {
			got = append(got, e.ID)
		}
		if token = p.Next; token == "" {
			break
		}
	}
	check("v2", got, pages, 4)

	got, pages, token = nil, 0, ""
	for {
		var p struct {
			Keys []struct{ Scope, Key string }
			Next string `json:"nextPageCursor"`
		}
		c.do("GET", v1Base+"/datastore/entries?datastoreName=Big&limit=1000&cursor="+url.QueryEscape(token), "").decode(t, 200, &p)
		pages++
		for _, k := range p.Keys {
			got = append(got, k.Key)
		}
		if token = p.Next; token == "" {
			break
		}
	}
	check("v1", got, pages, 10)
}

// TestThrottled: Open Cloud and game servers share the experience quota
// (300 + CCU × 2 list requests a minute with no players): once it is used
// up, Open Cloud gets 429 and the game server its ExperienceThrottled error,
// until the minute has passed.
func TestThrottled(t *testing.T) {
	clk := clock.NewManual(t0)
	c := startOCOn(t, clk, servertest.Gate(throttle.New(clk, throttle.Options{})))
	ctx := context.Background()
	game, err := client.Dial(ctx, c.base, client.HelloOptions{Universe: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	const list = "/cloud/v2/universes/1/data-stores"
	for i := 0; i < 299; i++ {
		if r := c.do("GET", list, ""); r.status != 200 {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
	}
	if _, err := game.Call(ctx, "ListDataStoresAsync", map[string]any{}); err != nil {
		t.Fatalf("the game's request, the 300th of the minute: %v", err)
	}
	c.do("GET", list, "").want(t, 429, v2Err("RESOURCE_EXHAUSTED", "StandardList request was throttled by experience limits."))
	c.do("GET", "/datastores/v1/universes/1/standard-datastores", "").want(t, 429,
		v1Err("RESOURCE_EXHAUSTED", "TooManyRequests", "StandardList request was throttled by experience limits."))
	_, err = game.Call(ctx, "ListDataStoresAsync", map[string]any{})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Name != "StandardListExperienceThrottled" {
		t.Fatalf("the game's 301st request: %v", err)
	}
	// Other request types have their own quota.
	c.do("GET", v2Entries+"/missing", "").want(t, 404, v2Err("NOT_FOUND", "The entry was not found."))
	// A minute later the window has room again.
	clk.Advance(time.Minute)
	c.do("GET", list, "").want(t, 200, `{"dataStores":[],"nextPageToken":""}`)
}

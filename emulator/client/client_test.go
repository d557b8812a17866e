package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/server"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// doors are the two ways to reach the daemon; every test runs on both.
var doors = []struct {
	name string
	open func(context.Context, string, client.HelloOptions) (*client.Client, error)
}{
	{"websocket", client.Dial},
	{"http", client.NewHTTP},
}

func eachDoor(t *testing.T, f func(t *testing.T, open func(context.Context, string, client.HelloOptions) (*client.Client, error))) {
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) { f(t, d.open) })
	}
}

func TestTypedHelpers(t *testing.T) {
	eachDoor(t, func(t *testing.T, open func(context.Context, string, client.HelloOptions) (*client.Client, error)) {
		manual := clock.NewManual(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
		url, _ := servertest.Start(t, servertest.Clock(manual))
		ctx := ctxT(t)
		c, err := open(ctx, url, client.HelloOptions{Universe: 9, JobID: "j", Client: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if h := c.Hello(); h.Session == "" || h.JobID != "j" || h.Clock != "virtual" || c.Session() != h.Session {
			t.Fatalf("hello %+v", h)
		}
		st := client.Store{Name: "PlayerData", Scope: "s1"}

		info, err := c.Set(ctx, st, "p1", map[string]any{"coins": 10, "tag": "<b>"}, &client.WriteOptions{UserIDs: []int64{1}, Metadata: map[string]int{"m": 1}})
		if err != nil || info.Version == "" || info.CreatedTime != manual.Now().UnixMilli() {
			t.Fatalf("Set: %+v %v", info, err)
		}
		v, got, err := c.Get(ctx, st, "p1")
		if err != nil || string(v) != `{"coins":10,"tag":"<b>"}` || got.Version != info.Version || len(got.UserIDs) != 1 || string(got.Metadata) != `{"m":1}` {
			t.Fatalf("Get: %s %+v %v", v, got, err)
		}
		// Another scope is another store.
		if v, info, err := c.Get(ctx, client.Store{Name: "PlayerData"}, "p1"); err != nil || v != nil || info != nil {
			t.Fatalf("Get other scope: %s %+v %v", v, info, err)
		}
		if !c.Now().Equal(manual.Now()) {
			t.Errorf("Now %v, want %v", c.Now(), manual.Now())
		}

		n, _, err := c.Increment(ctx, st, "count", 5, nil)
		if err != nil || n != 5 {
			t.Fatalf("Increment: %d %v", n, err)
		}
		n, _, err = c.Increment(ctx, st, "count", -2, nil)
		if err != nil || n != 3 {
			t.Fatalf("Increment: %d %v", n, err)
		}

		// Update: the transform sees the value; false cancels.
		nv, ninfo, err := c.Update(ctx, st, "count", func(old json.RawMessage, info *client.KeyInfo) (json.RawMessage, bool) {
			if string(old) != "3" || info == nil {
				t.Errorf("transform got %s %+v", old, info)
			}
			return json.RawMessage("30"), true
		})
		if err != nil || string(nv) != "30" || ninfo == nil {
			t.Fatalf("Update: %s %v", nv, err)
		}
		nv, ninfo, err = c.Update(ctx, st, "count", func(json.RawMessage, *client.KeyInfo) (json.RawMessage, bool) { return nil, false })
		if err != nil || nv != nil || ninfo != nil {
			t.Fatalf("cancelled Update: %s %+v %v", nv, ninfo, err)
		}
		// UpdateWith on a missing key, writing metadata.
		nv, ninfo, err = c.UpdateWith(ctx, st, "fresh", func(old json.RawMessage, info *client.KeyInfo) (json.RawMessage, *client.WriteOptions, bool) {
			if old != nil || info != nil {
				t.Errorf("missing key: %s %+v", old, info)
			}
			return json.RawMessage(`"new"`), &client.WriteOptions{Metadata: map[string]string{"by": "update"}}, true
		})
		if err != nil || string(nv) != `"new"` || string(ninfo.Metadata) != `{"by":"update"}` {
			t.Fatalf("UpdateWith: %s %+v %v", nv, ninfo, err)
		}

		old, oinfo, err := c.Remove(ctx, st, "count")
		if err != nil || string(old) != "30" || oinfo == nil {
			t.Fatalf("Remove: %s %v", old, err)
		}
		if v, _, err := c.Get(ctx, st, "count"); err != nil || v != nil {
			t.Fatalf("Get after Remove: %s %v", v, err)
		}
		if old, _, err := c.Remove(ctx, st, "count"); err != nil || old != nil {
			t.Fatalf("second Remove: %s %v", old, err)
		}

		if err := c.Players(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := c.Call(ctx, "GetAsync", map[string]string{"store": "PlayerData", "scope": "s1", "key": "p1"})
		if err != nil || !strings.Contains(string(raw), `"coins":10`) {
			t.Fatalf("Call: %s %v", raw, err)
		}
	})
}

func TestErrorsAreTyped(t *testing.T) {
	eachDoor(t, func(t *testing.T, open func(context.Context, string, client.HelloOptions) (*client.Client, error)) {
		url, _ := servertest.Start(t)
		ctx := ctxT(t)
		c, err := open(ctx, url, client.HelloOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _, err = c.Get(ctx, client.Store{Name: "s"}, "")
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != 101 || ce.Name != "KeyNameEmpty" || ce.Message != "Key name can't be empty." || err.Error() != "101: Key name can't be empty." {
			t.Fatalf("%#v", err)
		}
		if !errors.Is(err, &client.Error{Name: "KeyNameEmpty"}) || errors.Is(err, &client.Error{Name: "KeyNameLimit"}) {
			t.Error("errors.Is by name")
		}
		_, err = c.Call(ctx, "NoSuchOp", nil)
		if !errors.As(err, &ce) || ce.Name != "UnknownOp" {
			t.Fatalf("unknown op: %v", err)
		}
		if _, err := c.Set(ctx, client.Store{Name: "s"}, "k", func() {}, nil); err == nil {
			t.Fatal("a value that does not encode was sent")
		}
	})
}

func TestUpdateRetriesOnConflict(t *testing.T) {
	eachDoor(t, func(t *testing.T, open func(context.Context, string, client.HelloOptions) (*client.Client, error)) {
		url, _ := servertest.Start(t)
		ctx := ctxT(t)
		st := client.Store{Name: "Counters"}
		const clients, each = 4, 15
		var wg sync.WaitGroup
		for range clients {
			c, err := open(ctx, url, client.HelloOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					_, _, err := c.Update(ctx, st, "n", func(old json.RawMessage, _ *client.KeyInfo) (json.RawMessage, bool) {
						var n int
						_ = json.Unmarshal(old, &n)
						return json.RawMessage(strings.TrimSpace(string(mustJSON(n + 1)))), true
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		c, err := open(ctx, url, client.HelloOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		v, _, err := c.Get(ctx, st, "n")
		if err != nil || string(v) != "60" {
			t.Fatalf("n = %s %v, want 60 (an update was lost)", v, err)
		}
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// holdGate makes GetAsync of the key "held" wait until released or its
// request is cancelled.
type holdGate struct{ release chan struct{} }

func (g *holdGate) Admit(ctx context.Context, _ *dispatch.Session, c *dispatch.Call) error {
	if c.Key != "held" {
		return nil
	}
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (g *holdGate) Done(*dispatch.Session, *dispatch.Call, int) {}

func TestCallContextAndClose(t *testing.T) {
	g := &holdGate{release: make(chan struct{})}
	defer close(g.release)
	url, srv := servertest.Start(t, servertest.Gate(g))
	ctx := ctxT(t)
	c, err := client.Dial(ctx, url, client.HelloOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := client.Store{Name: "s"}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Get(short, st, "held"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("held call: %v", err)
	}
	// The connection is still good; a late reply to the abandoned call is
	// dropped.
	if _, _, err := c.Get(ctx, st, "other"); err != nil {
		t.Fatal(err)
	}
	// A call waiting when the connection closes fails with ErrClosed.
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Get(ctx, st, "held")
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, client.ErrClosed) {
		t.Fatalf("pending call after Close: %v", err)
	}
	if _, _, err := c.Get(ctx, st, "k"); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_ = srv
}

func TestDialErrors(t *testing.T) {
	url, srv := servertest.Start(t, servertest.Token("secret"))
	ctx := ctxT(t)
	_, err := client.Dial(ctx, url, client.HelloOptions{Token: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	_, err = client.Dial(ctx, url, client.HelloOptions{})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Name != "Unauthorized" {
		t.Fatalf("no token: %v", err)
	}
	// The WebSocket URL and a bare host:port work as well as the base URL.
	for _, u := range []string{url, strings.Replace(url, "http://", "ws://", 1) + server.PathWS, strings.TrimPrefix(url, "http://")} {
		c, err := client.Dial(ctx, u, client.HelloOptions{Token: "secret"})
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		c.Close()
	}
	_ = srv
}

// Package client is a Go client of the rbxemu protocol (docs/protocol.md),
// over WebSocket (Dial) or the HTTP mirror (NewHTTP). Both give a *Client
// with the same methods: Call for any op, and typed helpers for the
// standard ones.
//
//	c, err := client.Dial(ctx, "http://127.0.0.1:34890", client.HelloOptions{Client: "cli"})
//	if err != nil { ... }
//	defer c.Close()
//	store := client.Store{Name: "PlayerData"}
//	info, err := c.Set(ctx, store, "Player_1", map[string]int{"coins": 10}, nil)
//	value, info, err := c.Get(ctx, store, "Player_1") // {"coins":10}
//	_, err = c.Get(ctx, store, "")                    // *client.Error, Text "101: Key name can't be empty."
//
// Over WebSocket, calls from many goroutines share the connection: each
// request carries its own id and its reply may come back in any order. Every
// reply carries the daemon's clock and the session's budgets; Now and
// Budgets return those of the latest reply.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ProtocolVersion is the protocol version this client speaks.
const ProtocolVersion = 1

// HelloOptions describe the game server a client stands for (hello's
// arguments) and how to reach the daemon.
type HelloOptions struct {
	// Universe is the experience (universeId); 0 lets the daemon choose (1).
	Universe int64
	// PlaceID is the place; 0 lets the daemon choose (1).
	PlaceID int64
	// JobID is the game server's job id; "" lets the daemon make one.
	JobID string
	// Players is the player count, which drives budgets.
	Players int64
	// Client is the client kind (studio, lune, cli, test, plugin, bench);
	// "" means test.
	Client string
	// Token is sent as "Authorization: Bearer <token>" when set.
	Token string
	// Header holds extra headers for the WebSocket handshake or every HTTP
	// request.
	Header http.Header
	// OnNotice, when set, receives the notices the daemon pushes (over
	// HTTP, those that come with replies). It runs on the client's reader
	// goroutine: it must not block, nor call the client.
	OnNotice func(Notice)
	// HTTPClient is used by NewHTTP (nil: a client of its own, whose idle
	// connections Close closes).
	HTTPClient *http.Client
}

// HelloResult is the daemon's answer to hello.
type HelloResult struct {
	Session  string `json:"session"`
	Protocol int    `json:"protocol"`
	Server   string `json:"server"`
	Clock    string `json:"clock"`
	JobID    string `json:"jobId"`
	Throttle bool   `json:"throttle"`
}

// Notice is a message the daemon pushed without a request.
type Notice struct {
	Kind string         `json:"notice"`
	Data map[string]any `json:"data"`
	Now  int64          `json:"now"`
}

// Error is an error reply: a Roblox DataStore error or one of the
// emulator's protocol errors. Error() is Text, exactly what Roblox raises.
type Error struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

func (e *Error) Error() string { return e.Text }

// Is matches errors by name: errors.Is(err, &client.Error{Name: "KeyNameEmpty"}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Name == e.Name
}

// ErrClosed is returned (wrapped with the cause) by calls on a client whose
// connection has ended.
var ErrClosed = errors.New("rbxemu client: connection closed")

// reply is a reply or notice frame as it arrives.
type reply struct {
	ID      json.RawMessage  `json:"id"`
	OK      bool             `json:"ok"`
	Result  json.RawMessage  `json:"result"`
	Error   *Error           `json:"error"`
	Now     int64            `json:"now"`
	Budgets map[string]int64 `json:"budgets"`
	Notices []Notice         `json:"notices"`
	// Notice is set on notice frames only.
	Notice string         `json:"notice"`
	Data   map[string]any `json:"data"`
}

// envelope is a request as it leaves.
type envelope struct {
	ID   json.RawMessage `json:"id,omitempty"`
	Op   string          `json:"op"`
	Args any             `json:"args,omitempty"`
}

// transport carries one request and returns its reply.
type transport interface {
	roundTrip(ctx context.Context, op string, args any) (*reply, error)
	close() error
}

// Client talks to one daemon as one session. Its methods are safe for
// concurrent use.
type Client struct {
	t        transport
	hello    HelloResult
	onNotice func(Notice)

	mu      sync.Mutex
	now     int64
	budgets map[string]int64
}

// Call sends op with args (any JSON-encodable value; nil for none) and
// returns the reply's result. An error reply is a *Error.
func (c *Client) Call(ctx context.Context, op string, args any) (json.RawMessage, error) {
	r, err := c.t.roundTrip(ctx, op, args)
	if err != nil {
		return nil, err
	}
	c.observe(r)
	if !r.OK {
		if r.Error == nil {
			return nil, errors.New("rbxemu client: error reply without an error object")
		}
		return nil, r.Error
	}
	return r.Result, nil
}

// observe keeps the clock and budgets of a reply and hands on its notices.
func (c *Client) observe(r *reply) {
	c.mu.Lock()
	c.now = r.Now
	c.budgets = r.Budgets
	c.mu.Unlock()
	if c.onNotice != nil {
		for _, n := range r.Notices {
			c.onNotice(n)
		}
	}
}

// Now is the daemon's clock as of the latest reply.
func (c *Client) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.UnixMilli(c.now).UTC()
}

// Budgets are the session's budgets as of the latest reply, by
// DataStoreRequestType name (empty without throttling).
func (c *Client) Budgets() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.budgets))
	for k, v := range c.budgets {
		out[k] = v
	}
	return out
}

// Hello is the daemon's answer to hello.
func (c *Client) Hello() HelloResult { return c.hello }

// Session is the session id.
func (c *Client) Session() string { return c.hello.Session }

// Close ends the session and the connection. Safe to call twice.
func (c *Client) Close() error { return c.t.close() }

// sayHello opens the session.
func (c *Client) sayHello(ctx context.Context, h HelloOptions) error {
	args := map[string]any{"protocol": ProtocolVersion, "players": h.Players}
	if h.Universe != 0 {
		args["universeId"] = h.Universe
	}
	if h.PlaceID != 0 {
		args["placeId"] = h.PlaceID
	}
	if h.JobID != "" {
		args["jobId"] = h.JobID
	}
	if h.Client != "" {
		args["client"] = h.Client
	}
	raw, err := c.Call(ctx, "hello", args)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, &c.hello)
}

// headers builds the headers every request or handshake carries.
func headers(h HelloOptions) http.Header {
	out := http.Header{}
	for k, vs := range h.Header {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	if h.Token != "" {
		out.Set("Authorization", "Bearer "+h.Token)
	}
	return out
}

// endpoint turns a daemon address into the URL of a door: a base URL
// (http://127.0.0.1:34890) gets the door's path; ws and http schemes are
// swapped as the door needs; a URL with a path is kept as given.
func endpoint(raw, path string, websocket bool) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	switch {
	case websocket && u.Scheme == "http":
		u.Scheme = "ws"
	case websocket && u.Scheme == "https":
		u.Scheme = "wss"
	case !websocket && u.Scheme == "ws":
		u.Scheme = "http"
	case !websocket && u.Scheme == "wss":
		u.Scheme = "https"
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = path
	}
	return u.String(), nil
}

// encode encodes a request without HTML escaping: the daemon measures a
// value by its compact JSON, in which "<" is one byte, not six.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

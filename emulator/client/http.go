package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// SessionHeader names the HTTP session after hello.
const SessionHeader = "X-Rbxemu-Session"

// maxReplyBytes bounds a reply body: a 4 MiB value with JSON escapes, key
// info and the envelope fit easily.
const maxReplyBytes = 64 << 20

// NewHTTP says hello over the HTTP mirror and returns a client whose calls
// are POSTs to /v1/rpc naming the session in the X-Rbxemu-Session header.
// url may be the daemon's base URL or the /v1/rpc URL.
func NewHTTP(ctx context.Context, url string, h HelloOptions) (*Client, error) {
	u, err := endpoint(url, "/v1/rpc", false)
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %w", err)
	}
	t := &httpTransport{url: u, client: h.HTTPClient, header: headers(h)}
	if t.client == nil {
		t.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		t.ownsClient = true
	}
	c := &Client{t: t, onNotice: h.OnNotice}
	if err := c.sayHello(ctx, h); err != nil {
		t.closeIdle()
		return nil, err
	}
	t.session = c.hello.Session
	return c, nil
}

// httpTransport posts each request on its own.
type httpTransport struct {
	url        string
	client     *http.Client
	ownsClient bool
	header     http.Header
	session    string // set once, after hello
	nextID     atomic.Uint64
	closeOnce  sync.Once
}

func (t *httpTransport) roundTrip(ctx context.Context, op string, args any) (*reply, error) {
	id := strconv.FormatUint(t.nextID.Add(1), 10)
	body, err := encode(envelope{ID: json.RawMessage(id), Op: op, Args: args})
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %w", err)
	}
	for k, vs := range t.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	if t.session != "" {
		req.Header.Set(SessionHeader, t.session)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %s: %w", op, err)
	}
	var r reply
	if err := json.Unmarshal(b, &r); err != nil || (!r.OK && r.Error == nil) {
		return nil, fmt.Errorf("rbxemu client: %s: HTTP %s: %s", op, resp.Status, bytes.TrimSpace(b))
	}
	return &r, nil
}

// close ends the session (bye) and, for a client of its own, drops its
// idle connections.
func (t *httpTransport) close() error {
	t.closeOnce.Do(func() {
		if t.session != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, _ = t.roundTrip(ctx, "bye", nil)
			cancel()
		}
		t.closeIdle()
	})
	return nil
}

func (t *httpTransport) closeIdle() {
	if t.ownsClient {
		t.client.CloseIdleConnections()
	}
}

package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// writeWait bounds the write of one request frame.
	writeWait = 10 * time.Second
	// closeWait is how long Close waits for the daemon to answer its close
	// frame before cutting the connection.
	closeWait = time.Second
	// handshakeTimeout bounds the WebSocket handshake.
	handshakeTimeout = 10 * time.Second
)

// Dial connects to the daemon over WebSocket and says hello. url may be the
// daemon's base URL (http://127.0.0.1:34890) or its WebSocket URL
// (ws://127.0.0.1:34890/v1/ws).
func Dial(ctx context.Context, url string, h HelloOptions) (*Client, error) {
	u, err := endpoint(url, "/v1/ws", true)
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %w", err)
	}
	d := websocket.Dialer{HandshakeTimeout: handshakeTimeout, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(ctx, u, headers(h))
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			resp.Body.Close()
			return nil, fmt.Errorf("rbxemu client: dial %s: %s: %s", u, resp.Status, body)
		}
		return nil, fmt.Errorf("rbxemu client: dial %s: %w", u, err)
	}
	t := &wsTransport{conn: conn, pending: map[string]chan *reply{}, onNotice: h.OnNotice, readerDone: make(chan struct{})}
	go t.readLoop()
	c := &Client{t: t, onNotice: h.OnNotice}
	if err := c.sayHello(ctx, h); err != nil {
		_ = t.close()
		return nil, err
	}
	return c, nil
}

// wsTransport multiplexes calls over one connection: a reader goroutine
// hands each reply to the call waiting for its id.
type wsTransport struct {
	conn     *websocket.Conn
	onNotice func(Notice)
	nextID   atomic.Uint64
	writeMu  sync.Mutex // one writer at a time (gorilla's rule)

	mu      sync.Mutex
	pending map[string]chan *reply
	err     error // why the connection ended; set once

	closeOnce  sync.Once
	readerDone chan struct{}
}

func (t *wsTransport) roundTrip(ctx context.Context, op string, args any) (*reply, error) {
	id := strconv.FormatUint(t.nextID.Add(1), 10)
	frame, err := encode(envelope{ID: json.RawMessage(id), Op: op, Args: args})
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: %s: %w", op, err)
	}
	ch := make(chan *reply, 1)
	t.mu.Lock()
	if t.err != nil {
		err := t.err
		t.mu.Unlock()
		return nil, err
	}
	t.pending[id] = ch
	t.mu.Unlock()

	deadline := time.Now().Add(writeWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	t.writeMu.Lock()
	_ = t.conn.SetWriteDeadline(deadline)
	err = t.conn.WriteMessage(websocket.TextMessage, frame)
	t.writeMu.Unlock()
	if err != nil {
		t.forget(id)
		return nil, fmt.Errorf("%w: %w", ErrClosed, err)
	}

	select {
	case r, ok := <-ch:
		if !ok {
			t.mu.Lock()
			defer t.mu.Unlock()
			return nil, t.err
		}
		return r, nil
	case <-ctx.Done():
		t.forget(id)
		return nil, ctx.Err()
	}
}

func (t *wsTransport) forget(id string) {
	t.mu.Lock()
	delete(t.pending, id)
	t.mu.Unlock()
}

// readLoop delivers replies and notices until the connection ends, then
// fails every call still waiting.
func (t *wsTransport) readLoop() {
	defer close(t.readerDone)
	var cause error
	for {
		_, b, err := t.conn.ReadMessage()
		if err != nil {
			cause = err
			break
		}
		var r reply
		if err := json.Unmarshal(b, &r); err != nil {
			continue // not ours to judge; the call times out by its ctx
		}
		if r.Notice != "" {
			if t.onNotice != nil {
				t.onNotice(Notice{Kind: r.Notice, Data: r.Data, Now: r.Now})
			}
			continue
		}
		id := string(r.ID)
		t.mu.Lock()
		ch := t.pending[id]
		delete(t.pending, id)
		t.mu.Unlock()
		if ch != nil {
			ch <- &r
		}
	}
	t.mu.Lock()
	t.err = fmt.Errorf("%w: %w", ErrClosed, cause)
	for id, ch := range t.pending {
		close(ch)
		delete(t.pending, id)
	}
	t.mu.Unlock()
}

// close sends a close frame, waits a moment for the daemon's answer, and
// cuts the connection; it returns once the reader has stopped.
func (t *wsTransport) close() error {
	t.closeOnce.Do(func() {
		_ = t.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWait))
		timer := time.NewTimer(closeWait)
		select {
		case <-t.readerDone:
		case <-timer.C:
		}
		timer.Stop()
		_ = t.conn.Close()
		<-t.readerDone
	})
	return nil
}

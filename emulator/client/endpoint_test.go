package client

import "testing"

func TestEndpoint(t *testing.T) {
	for _, c := range []struct {
		in        string
		websocket bool
		want      string
	}{
		{"http://127.0.0.1:34890", true, "ws://127.0.0.1:34890/v1/ws"},
		{"http://127.0.0.1:34890/", false, "http://127.0.0.1:34890/v1/rpc"},
		{"127.0.0.1:34890", true, "ws://127.0.0.1:34890/v1/ws"},
		{"ws://127.0.0.1:34890/v1/ws", true, "ws://127.0.0.1:34890/v1/ws"},
		{"ws://127.0.0.1:34890", false, "http://127.0.0.1:34890/v1/rpc"},
		{"https://emu.example", true, "wss://emu.example/v1/ws"},
		{"http://127.0.0.1:34890/custom/rpc", false, "http://127.0.0.1:34890/custom/rpc"},
	} {
		path := "/v1/rpc"
		if c.websocket {
			path = "/v1/ws"
		}
		if got, err := endpoint(c.in, path, c.websocket); err != nil || got != c.want {
			t.Errorf("endpoint(%q, ws=%v) = %q, %v; want %q", c.in, c.websocket, got, err, c.want)
		}
	}
}

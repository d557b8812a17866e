package server

// Benchmarks of the WebSocket hot path (docs/performance.md): the envelope
// reader, the reply writer, and whole GetAsync round trips over a real
// socket with a raw client, one connection at a time and fifty at once.

import (
	"encoding/json"
	"log/slog"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

var (
	benchGetFrame = []byte(`{"id":123456,"op":"GetAsync","args":{"store":"rbxemu-bench","key":"key:0"}}`)
	benchSetFrame = []byte(`{"id":123456,"op":"SetAsync","args":{"store":"rbxemu-bench","key":"key:0","value":"` + string(make100()) + `"}}`)
)

func make100() []byte {
	b := make([]byte, 98)
	for i := range b {
		b[i] = 'x'
	}
	return b
}

func BenchmarkParseRequest(b *testing.B) {
	for name, frame := range map[string][]byte{"GetAsync": benchGetFrame, "SetAsync": benchSetFrame} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseRequest(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReplyEncode(b *testing.B) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	r := reply{
		ID: json.RawMessage("123456"), OK: true, Now: 1795758935194, Budgets: map[string]int64{},
		Result: dispatch.EntryResult{Value: json.RawMessage(`"` + string(make100()) + `"`), KeyInfo: &engine.KeyInfo{
			CreatedTime: 1795758935194, UpdatedTime: 1795758935194, Version: "08DE2D7C1B8A4C00.0000000001.08DE2D7C1B8A4C00.01",
			UserIDs: []int64{}, Metadata: json.RawMessage("{}"),
		}},
	}
	b.ReportAllocs()
	for b.Loop() {
		replySink = s.encodeReply(r, "GetAsync")
	}
}

// replySink keeps the benchmark's replies on the heap, as a real reply is.
var replySink []byte

// BenchmarkWSGetAsync is GetAsync through the daemon (throttling off) and
// back, client included: "sequential" on one connection, "50conns" with
// fifty connections each keeping one request in flight, as rbxemu bench -c 50.
func BenchmarkWSGetAsync(b *testing.B) {
	s, err := New(Options{Addr: "127.0.0.1:0", InMemory: true, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	dial := func() *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(s.WSURL(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":0,"op":"hello","args":{"protocol":1,"client":"bench"}}`)); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		return ws
	}
	roundTrip := func(ws *websocket.Conn, frame []byte) {
		if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
		_, r, err := ws.ReadMessage()
		if err != nil || len(r) < 20 || string(r[len(`{"id":123456`):len(`{"id":123456,"ok":true`)]) != `,"ok":true` {
			b.Fatalf("%s %v", r, err)
		}
	}
	first := dial()
	defer first.Close()
	roundTrip(first, benchSetFrame)

	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			roundTrip(first, benchGetFrame)
		}
	})
	b.Run("50conns", func(b *testing.B) {
		conns := make(chan *websocket.Conn, 50)
		for range 50 {
			conns <- dial()
		}
		var next atomic.Int64
		b.SetParallelism((50 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)) // about 50 goroutines
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ws := <-conns
			defer func() { conns <- ws }()
			frame := []byte(`{"id":` + strconv.FormatInt(100000+next.Add(1), 10) + `,"op":"GetAsync","args":{"store":"rbxemu-bench","key":"key:0"}}`)
			for pb.Next() {
				roundTrip(ws, frame)
			}
		})
		b.StopTimer()
		for range 50 {
			(<-conns).Close()
		}
	})
}

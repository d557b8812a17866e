package server

import "time"

// Limits the external tests check against.
const (
	MaxInFlight    = maxInFlight
	MaxMessageSize = maxMessageSize
)

// SetLimitsForTest shortens a server's WebSocket timing (writeWait,
// pongWait, and the ping period, pongWait*9/10), the HTTP header timeout
// and the bytes a connection may leave unread (maxQueuedBytes), so that the
// tests of hostile clients run in seconds and little memory. Call it before
// Start.
func (s *Server) SetLimitsForTest(write, pong, readHeader time.Duration, queuedBytes int64) {
	s.lim.writeWait, s.lim.pongWait, s.lim.pingPeriod = write, pong, pong*9/10
	s.lim.maxQueuedBytes = queuedBytes
	s.http.ReadHeaderTimeout = readHeader
}

// MaxQueuedBytes is the default bound of unread replies per connection.
const MaxQueuedBytes = maxQueuedBytes

// SetMaxHTTPSessionsForTest lowers maxHTTPSessions on one server.
func (s *Server) SetMaxHTTPSessionsForTest(n int) { s.sessions.max = n }

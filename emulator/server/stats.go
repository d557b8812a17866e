package server

// The server's part of _emulator.stats (dispatch/cmd_stats.go): its
// WebSocket connections and sessions, as the monitor (the dispatcher's
// Observer) reports them.

import "github.com/rbxemu/rbxemu/emulator/dispatch"

// ConnStats implements dispatch.ConnReporter.
func (m *monitor) ConnStats() dispatch.ConnStats {
	s := m.srv
	s.mu.Lock()
	ws := len(s.conns)
	s.mu.Unlock()
	s.sessions.mu.Lock()
	hs := len(s.sessions.byID)
	s.sessions.mu.Unlock()
	m.mu.RLock()
	all := len(m.sessions)
	m.mu.RUnlock()
	return dispatch.ConnStats{WebSockets: ws, HTTPSessions: hs, Sessions: all}
}

// Stats is what _emulator.stats answers: the process's goroutines, open
// files and memory, and the server's connections.
func (s *Server) Stats() dispatch.Stats {
	st := dispatch.ReadStats()
	c := s.mon().ConnStats()
	st.Connections = &c
	return st
}

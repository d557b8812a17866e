package server

// Limits the external tests check against.
const (
	MaxInFlight    = maxInFlight
	MaxMessageSize = maxMessageSize
)

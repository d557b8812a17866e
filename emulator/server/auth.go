package server

// Safety (design, "Safety"): a web page must not be able to reach the
// daemon through a developer's browser, and with --token every door wants
// the token.

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// originAllowed accepts requests without an Origin header (Studio, Lune, the
// CLI, other programs: non-browser clients send none) and requests from the
// daemon's own pages. Anything else came from a web page on another origin,
// which must not be able to reach the store. The host is compared with a
// fixed list, never with the Host header, which a DNS-rebinding page
// controls. It returns the reason for a refusal.
func (s *Server) originAllowed(r *http.Request) (bool, string) {
	values := r.Header.Values("Origin")
	if len(values) == 0 {
		return true, ""
	}
	refuse := "Origin " + strings.Join(values, ", ") + " is not this daemon's own (" + s.ownOrigin() + "); requests from web pages are refused"
	if len(values) > 1 {
		return false, refuse
	}
	u, err := url.Parse(values[0])
	if err != nil || u.Scheme != "http" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return false, refuse
	}
	if u.Port() != s.port() {
		return false, refuse
	}
	host := strings.ToLower(u.Hostname())
	for _, own := range s.ownHosts() {
		if host == own {
			return true, ""
		}
	}
	return false, refuse
}

// ownHosts are the host names of the daemon's own origin: the loopback
// names, and the bound address when it is a specific one.
func (s *Server) ownHosts() []string {
	hosts := []string{"127.0.0.1", "localhost", "::1"}
	if h, _, err := net.SplitHostPort(s.Addr()); err == nil {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, strings.ToLower(h))
		}
	}
	return hosts
}

func (s *Server) ownOrigin() string { return "http://127.0.0.1:" + s.port() }

// tokenMatches compares a given token with the daemon's in constant time:
// both are hashed first, so neither the content nor the length of the
// expected token shows in the time taken.
func tokenMatches(given, want string) bool {
	g := sha256.Sum256([]byte(given))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// bearer returns the token of an "Authorization: Bearer <t>" header;
// present reports whether an Authorization header was sent at all.
func bearer(r *http.Request) (token string, present bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, t, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(t), true
}

// httpAuthorized checks the Authorization header of an HTTP request.
func (s *Server) httpAuthorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	t, present := bearer(r)
	return present && tokenMatches(t, s.opts.Token)
}

// wsToken checks the token of a WebSocket upgrade. A token in the
// Authorization header or the "token" query parameter must be right (ok
// false: refuse the upgrade); authed says the connection needs no token in
// hello. Without either, hello must carry it.
func (s *Server) wsToken(r *http.Request) (authed, ok bool) {
	if s.opts.Token == "" {
		return true, true
	}
	if t, present := bearer(r); present {
		if !tokenMatches(t, s.opts.Token) {
			return false, false
		}
		authed = true
	}
	if q := r.URL.Query(); q.Has("token") {
		if !tokenMatches(q.Get("token"), s.opts.Token) {
			return false, false
		}
		authed = true
	}
	return authed, true
}

// unauthorized answers 401 with an Unauthorized error reply.
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="rbxemu"`)
	s.writeHTTP(w, http.StatusUnauthorized, s.errReply(nil, nil, dserr.New(dserr.ProtocolUnauthorized)))
}

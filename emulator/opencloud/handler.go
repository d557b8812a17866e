package opencloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// Path prefixes the door serves: the real paths after https://apis.roblox.com.
const (
	PrefixV2        = "/cloud/v2/"
	PrefixV1        = "/datastores/v1/"
	PrefixV1Ordered = "/ordered-data-stores/v1/"
)

// Prefixes lists the prefixes to mount the handler on.
var Prefixes = []string{PrefixV2, PrefixV1, PrefixV1Ordered}

// APIKeyHeader is where Open Cloud clients send their key.
const APIKeyHeader = "x-api-key"

// ClientKind is the dispatch.Session client kind of Open Cloud sessions:
// the throttle gate gives them no per-server budgets, but counts them
// against per-key windows and the experience quotas.
const ClientKind = "opencloud"

// Body limits. A v1 entry body is the value itself, at most 4,194,304 bytes
// ([OC-V1] maxLength); a v2 body wraps the value with users and attributes.
const (
	maxV1Body = engine.MaxValueBytes
	maxV2Body = engine.MaxValueBytes + 64<<10
)

// Options configures a Handler.
type Options struct {
	// Dispatcher supplies the engine, the throttling gate and the request
	// monitor (Observer) that every other door uses.
	Dispatcher *dispatch.Dispatcher
	// APIKey, when set, must be the x-api-key of every request; otherwise
	// any key (or none) is accepted.
	APIKey string
	// Token is the daemon's --token. Without an APIKey it guards this door
	// too: the token must come as the x-api-key or as a bearer token.
	Token string
	// Origin, when set, vets a request's Origin header (the daemon refuses
	// requests from web pages); it returns the reason for a refusal.
	Origin func(r *http.Request) (bool, string)
	// Logger receives internal errors (nil: discarded).
	Logger *slog.Logger
}

// Handler serves the Open Cloud data store API. It is an http.Handler to
// mount on every path of Prefixes.
type Handler struct {
	opts Options
	disp *dispatch.Dispatcher
	eng  *engine.Engine
	log  *slog.Logger

	mu       sync.Mutex
	sessions map[int64]*dispatch.Session
	closed   bool
}

// New returns a Handler.
func New(o Options) *Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: o, disp: o.Dispatcher, eng: o.Dispatcher.Engine, log: log, sessions: map[int64]*dispatch.Session{}}
}

// Close ends the door's sessions (one per universe), telling the gate and
// the monitor. Requests after Close still work, on fresh sessions that are
// not closed again; the daemon calls it while shutting down.
func (h *Handler) Close() {
	h.mu.Lock()
	sessions := h.sessions
	h.sessions, h.closed = map[int64]*dispatch.Session{}, true
	h.mu.Unlock()
	for _, s := range sessions {
		h.disp.Closed(s)
	}
}

// session is the universe's Open Cloud session: every Open Cloud request
// to one experience is one client for throttling, as its shared quotas
// count requests, not callers.
func (h *Handler) session(universe int64) *dispatch.Session {
	h.mu.Lock()
	s, ok := h.sessions[universe]
	if !ok {
		s = &dispatch.Session{
			ID:         "opencloud-" + strconv.FormatInt(universe, 10),
			Universe:   universe,
			JobID:      "opencloud",
			ClientKind: ClientKind,
			Transport:  "http",
		}
		if !h.closed {
			h.sessions[universe] = s
		}
	}
	h.mu.Unlock()
	if !ok {
		h.disp.Opened(s)
	}
	return s
}

// flavour is which API a request came through; errors take its shape.
type flavour int

const (
	flavourV2 flavour = iota
	flavourV1Standard
	flavourV1Ordered
)

// request is one request being served.
type request struct {
	h        *Handler
	w        http.ResponseWriter
	r        *http.Request
	fl       flavour
	universe int64
	sess     *dispatch.Session
	q        url.Values
	segs     []string // path segments after the universe id, unescaped
}

func (rq *request) ctx() context.Context { return rq.r.Context() }

// ServeHTTP authenticates, routes and answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fl, rest := flavourOf(r.URL.EscapedPath())
	if h.opts.Origin != nil {
		if ok, why := h.opts.Origin(r); !ok {
			h.log.Warn("open cloud request refused", "reason", why, "remote", r.RemoteAddr)
			render(w, fl, errOrigin(why))
			return
		}
	}
	if !h.authorized(r) {
		render(w, fl, errUnauthorized)
		return
	}
	rq := &request{h: h, w: w, r: r, fl: fl, q: r.URL.Query()}
	err := rq.route(rest)
	if err != nil {
		e := forFlavour(fl, fromEngine(err))
		if e.cause != nil {
			h.log.Error("open cloud request failed", "method", r.Method, "path", r.URL.Path, "err", e.cause)
		}
		render(w, fl, e)
	}
}

// flavourOf splits a path into its API and the rest after the prefix.
func flavourOf(escapedPath string) (flavour, string) {
	switch {
	case strings.HasPrefix(escapedPath, PrefixV1Ordered):
		return flavourV1Ordered, escapedPath[len(PrefixV1Ordered):]
	case strings.HasPrefix(escapedPath, PrefixV1):
		return flavourV1Standard, escapedPath[len(PrefixV1):]
	case strings.HasPrefix(escapedPath, PrefixV2):
		return flavourV2, escapedPath[len(PrefixV2):]
	}
	return flavourV2, ""
}

// authorized applies --api-key (or, without it, --token) in constant time.
func (h *Handler) authorized(r *http.Request) bool {
	key := r.Header.Get(APIKeyHeader)
	switch {
	case h.opts.APIKey != "":
		return key != "" && secretMatches(key, h.opts.APIKey)
	case h.opts.Token != "":
		if key != "" && secretMatches(key, h.opts.Token) {
			return true
		}
		scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		return ok && strings.EqualFold(scheme, "Bearer") && secretMatches(strings.TrimSpace(t), h.opts.Token)
	}
	return true
}

// secretMatches compares hashes, so that neither the content nor the
// length of the secret shows in the time taken.
func secretMatches(given, want string) bool {
	g := sha256.Sum256([]byte(given))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// route reads "universes/{u}/..." and hands the rest to the API's router.
func (rq *request) route(rest string) error {
	segs, err := splitPath(rest)
	if err != nil || len(segs) < 3 || segs[0] != "universes" {
		return rq.noRoute()
	}
	u, perr := strconv.ParseInt(segs[1], 10, 64)
	if perr != nil || u <= 0 {
		return errInvalidUniverse
	}
	rq.universe = u
	rq.segs = segs[2:]
	rq.sess = rq.h.session(u)
	switch rq.fl {
	case flavourV1Standard:
		return rq.routeV1()
	case flavourV1Ordered:
		return rq.routeV1Ordered()
	}
	return rq.routeV2()
}

func (rq *request) noRoute() error { return errNoRoute(rq.r.Method, rq.r.URL.Path) }

// splitPath splits an escaped path into unescaped segments, so that an
// entry id may hold "/" as %2F.
func splitPath(escaped string) ([]string, error) {
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		s, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		parts[i] = s
	}
	return parts, nil
}

// call runs fn as one budgeted request: through the gate (which may refuse
// it: 429), then fn, whose result size counts against the key's read
// window; the monitor sees it afterwards.
func (rq *request) call(c *dispatch.Call, fn func() (readBytes int, err error)) error {
	d := rq.h.disp
	start := time.Now()
	var err error
	if d.Gate != nil {
		err = d.Gate.Admit(rq.ctx(), rq.sess, c)
	}
	wait := time.Since(start)
	if err == nil {
		var n int
		n, err = fn()
		if d.Gate != nil {
			d.Gate.Done(rq.sess, c, n)
		}
	}
	if o := d.Observer; o != nil && o.Watching() {
		o.Observe(&dispatch.CallEvent{
			Session: rq.sess, Op: c.Op, Store: c.Store.Name, Scope: c.Store.Scope, Key: c.Key, Ordered: c.Ordered,
			Start: start, Latency: time.Since(start), Wait: wait, RequestTypes: c.RequestTypes, Err: err,
		})
	}
	return err
}

// callRead is call for a read: get returns the entry (nil when there is
// none), and the bytes read are the size of its value.
func (rq *request) callRead(c *dispatch.Call, get func() (*engine.Entry, error)) (*engine.Entry, error) {
	var e *engine.Entry
	err := rq.call(c, func() (int, error) {
		var err error
		e, err = get()
		if e == nil {
			return 0, err
		}
		return len(e.Value), err
	})
	return e, err
}

// checkStore refuses a request to a deleted data store (reference §4.9.7).
func (rq *request) checkStore(name string) error {
	d, err := rq.h.eng.DataStoreDeleted(rq.universe, name)
	if err != nil {
		return err
	}
	if d != nil {
		return errStoreDeleted
	}
	return nil
}

// JSON output.

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	writeJSONRaw(w, status, v)
}

// writeJSONRaw writes v with the Content-Type already set.
func writeJSONRaw(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"code":"INTERNAL","message":"An internal error occurred.","details":[]}`, http.StatusInternalServerError)
		return
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeRaw writes a body of raw JSON (a stored value).
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads the whole body, refusing one over limit with tooBig.
func (rq *request) readBody(limit int, tooBig *Error) ([]byte, error) {
	if rq.r.ContentLength > int64(limit) {
		return nil, tooBig
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(rq.r.Body, int64(limit)+1))
	if err != nil {
		return nil, errBody("it could not be read.")
	}
	if n > int64(limit) {
		return nil, tooBig
	}
	return buf.Bytes(), nil
}

// decodeBody decodes a JSON object body into v (unknown fields ignored, as
// output-only fields of a resource may be sent back).
func (rq *request) decodeBody(v any) error {
	b, err := rq.readBody(maxV2Body, errBodyTooLarge)
	if err != nil {
		return err
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return errBody("expected a JSON object.")
	}
	if t[0] != '{' {
		return errBody("expected a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errBody("field " + te.Field + " has the wrong type.")
		}
		return errBody("it is not valid JSON.")
	}
	if dec.More() {
		return errBody("it holds more than one JSON value.")
	}
	return nil
}

// Query parameters.

// param returns the first of the names that is present (v1 ordered takes
// both snake_case and camelCase spellings).
func (rq *request) param(names ...string) (string, bool) {
	_, v, ok := rq.namedParam(names...)
	return v, ok
}

// namedParam is param, also returning the name that was found.
func (rq *request) namedParam(names ...string) (name, value string, ok bool) {
	for _, n := range names {
		if vs, ok := rq.q[n]; ok {
			return n, vs[0], true
		}
	}
	return "", "", false
}

// boolParam reads a boolean parameter ("true"/"false", any case; absent
// or empty: false).
func (rq *request) boolParam(names ...string) (bool, error) {
	name, v, ok := rq.namedParam(names...)
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		if rq.fl == flavourV1Standard {
			return false, validation(name, v)
		}
		return false, errBadParam(name, "true or false")
	}
	return b, nil
}

// pageSize reads a page size: absent, empty or 0 gives def; above max is
// clamped to max; negative or not an integer is refused.
func (rq *request) pageSize(def, max int, names ...string) (int, error) {
	name, v, ok := rq.namedParam(names...)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		if rq.fl == flavourV1Standard && err != nil {
			return 0, validation(name, v)
		}
		return 0, errPageSize
	}
	switch {
	case n == 0:
		return def, nil
	case n > int64(max):
		return max, nil
	}
	return int(n), nil
}

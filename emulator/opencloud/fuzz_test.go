package opencloud

// Fuzz targets of the Open Cloud door's parsers (issue 9): the three filter
// languages and, through the whole handler, the path, query and body of a
// request. Seed corpora: testdata/fuzz/FuzzFilter, testdata/fuzz/FuzzRoute;
// plain `go test` runs them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// FuzzFilter: a filter is either refused with a 400 InvalidFilter error or
// parsed into a range that makes sense.
func FuzzFilter(f *testing.F) {
	f.Add(uint8(0), `id.startsWith("Player_")`)
	f.Fuzz(func(t *testing.T, which uint8, filter string) {
		var err error
		switch which % 3 {
		case 0:
			var prefix string
			prefix, err = parseIDFilter(filter)
			if err == nil && !utf8.ValidString(prefix) {
				t.Fatalf("%q: prefix %q is not UTF-8", filter, prefix)
			}
		case 1:
			var r timeRange
			r, err = parseRevisionFilter(filter)
			if err == nil && (r.min < 0 || r.max < 0) {
				t.Fatalf("%q: range %+v", filter, r)
			}
		case 2:
			var r valueRange
			r, err = parseEntryFilter(filter)
			if err == nil && r.hasMin && r.hasMax && r.min > r.max {
				t.Fatalf("%q: range %+v", filter, r)
			}
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				t.Fatalf("%q: %v", filter, err)
			}
		}
	})
}

// FuzzRoute sends any method, path, query and body to the handler on an
// in-memory engine: no panic, a status of the HTTP range, and a JSON body
// on every error.
func FuzzRoute(f *testing.F) {
	f.Add("GET", "/cloud/v2/universes/1/data-stores/s/entries/k", []byte(nil))
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clock.NewManual(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	h := New(Options{Dispatcher: &dispatch.Dispatcher{Engine: e}})
	f.Cleanup(h.Close)
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		r, err := http.NewRequest(method, "http://127.0.0.1"+target, bytes.NewReader(body))
		if err != nil {
			return // not a request net/http would hand to a handler
		}
		r.RequestURI = target
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("%s %s: status %d", method, target, w.Code)
		}
		if w.Code >= 400 && w.Body.Len() > 0 && w.Header().Get("Content-Type") != "" &&
			strings.Contains(w.Header().Get("Content-Type"), "json") && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a body that is not JSON: %q", method, target, w.Code, w.Body.Bytes())
		}
	})
}

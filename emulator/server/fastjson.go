package server

// The hot path's JSON: a one-pass reader of the request envelope and an
// append-style writer of the reply envelope, next to the general code
// (encoding/json) in protocol.go. Both give up rather than guess, so that
// what they return is what the general code returns:
//
//   - parseRequestFast accepts only envelopes it understands completely:
//     the keys "id", "op" and "args" spelt plainly, each at most once, id
//     and op present; an id that is a number or a string; an op without
//     escapes; args an object that is valid JSON throughout. For those it
//     returns exactly what the general path of parseRequest returns.
//     Anything else (an error to report, an escape in a key, a duplicate
//     key, deep nesting) makes it give up, and the general path decides,
//     with its own error messages.
//   - appendReply writes the bytes encodeJSON writes for a reply: the
//     envelope and its strings itself (wirejson), the hot ops' results
//     (dispatch.EntryResult, ReadResult, SetResult) by their AppendJSON
//     methods, and any other result by encodeJSON, once.
//
// fastjson_test.go checks both against the general code.

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/internal/wirejson"
)

// parseRequestFast reads a well-formed envelope in one pass. ok is false
// when it gives up: the caller then runs the general parser. The id and
// args alias b.
func parseRequestFast(b []byte) (req request, ok bool) {
	i := wirejson.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return request{}, false
	}
	i = wirejson.SkipSpace(b, i+1)
	var hasID, hasOp, hasArgs bool
	for {
		// A key: only the three envelope names, without escapes.
		end := wirejson.PlainStringEnd(b, i)
		if end < 0 {
			return request{}, false
		}
		key := b[i+1 : end-1]
		i = wirejson.SkipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return request{}, false
		}
		i = wirejson.SkipSpace(b, i+1)
		if i >= len(b) {
			return request{}, false
		}
		switch string(key) {
		case "id": // a number or a string, echoed byte for byte
			if hasID {
				return request{}, false
			}
			hasID = true
			if b[i] == '"' {
				end = wirejson.StringEnd(b, i)
			} else {
				end = wirejson.NumberEnd(b, i)
			}
			if end < 0 {
				return request{}, false
			}
			req.ID = json.RawMessage(b[i:end:end])
		case "op": // printable ASCII without escapes: its bytes are its value
			if hasOp {
				return request{}, false
			}
			hasOp = true
			if end = wirejson.PlainStringEnd(b, i); end < 0 {
				return request{}, false
			}
			for _, c := range b[i+1 : end-1] {
				if c >= 0x7f {
					return request{}, false
				}
			}
			req.Op = string(b[i+1 : end-1])
		case "args": // an object, valid JSON throughout
			if hasArgs || b[i] != '{' {
				return request{}, false
			}
			hasArgs = true
			if end = wirejson.ValueEnd(b, i); end < 0 {
				return request{}, false
			}
			req.Args = json.RawMessage(b[i:end:end])
		default:
			return request{}, false
		}
		i = wirejson.SkipSpace(b, end)
		if i >= len(b) {
			return request{}, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return request{}, false
		}
		i = wirejson.SkipSpace(b, i+1)
	}
	if wirejson.SkipSpace(b, i+1) != len(b) || !hasID || !hasOp {
		return request{}, false
	}
	return req, true
}

// appendReply appends the encoding of r, byte for byte what encodeJSON(r)
// writes. ok is false when it does not try (a reply with notices, an id
// that is not one compact JSON number or string): the caller then uses
// encodeJSON. An error is a result that does not encode.
func appendReply(dst []byte, r *reply) (out []byte, ok bool, err error) {
	if len(r.Notices) > 0 {
		return dst, false, nil
	}
	dst = append(dst, `{"id":`...)
	switch {
	case r.ID == nil:
		dst = append(dst, "null"...)
	case isIDJSON(r.ID):
		dst = append(dst, r.ID...)
	default:
		return dst, false, nil
	}
	if r.OK {
		dst = append(dst, `,"ok":true`...)
	} else {
		dst = append(dst, `,"ok":false`...)
	}
	if r.Result != nil {
		dst = append(dst, `,"result":`...)
		// The hot ops' results encode themselves, by their exact type (a
		// type embedding one of them must not be taken for it).
		switch res := r.Result.(type) {
		case dispatch.EntryResult:
			dst, err = res.AppendJSON(dst)
		case dispatch.ReadResult:
			dst, err = res.AppendJSON(dst)
		case dispatch.SetResult:
			dst, err = res.AppendJSON(dst)
		case struct{}:
			dst = append(dst, "{}"...)
		default:
			b, err := encodeJSON(res)
			if err != nil {
				return dst, false, err
			}
			dst = append(dst, b...)
		}
		if err != nil {
			return dst, false, err
		}
	}
	if e := r.Error; e != nil {
		dst = append(dst, `,"error":{"code":`...)
		dst = strconv.AppendInt(dst, int64(e.Code), 10)
		dst = append(dst, `,"name":`...)
		dst = wirejson.AppendString(dst, e.Name)
		dst = append(dst, `,"message":`...)
		dst = wirejson.AppendString(dst, e.Message)
		dst = append(dst, `,"text":`...)
		dst = wirejson.AppendString(dst, e.Text)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"now":`...)
	dst = strconv.AppendInt(dst, r.Now, 10)
	dst = append(dst, `,"budgets":`...)
	dst = appendBudgets(dst, r.Budgets)
	return append(dst, '}'), true, nil
}

// isIDJSON reports whether id is one JSON number or string with nothing
// around it, as parseRequest and peekID give it (encoding/json would copy
// it unchanged).
func isIDJSON(id []byte) bool {
	if len(id) > 0 && id[0] == '"' {
		return wirejson.StringEnd(id, 0) == len(id)
	}
	return len(id) > 0 && wirejson.NumberEnd(id, 0) == len(id)
}

// appendBudgets appends a budget map as encoding/json does: keys sorted.
func appendBudgets(dst []byte, m map[string]int64) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	if len(m) == 0 {
		return append(dst, "{}"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = wirejson.AppendString(dst, k)
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, m[k], 10)
	}
	return append(dst, '}')
}

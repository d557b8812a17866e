package dispatch

// The hot path of the point ops: a one-pass reader for the arguments of the
// key-only ops and a writer for EntryResult. Both are shortcuts with the
// general code behind them (decodeArgs, encoding/json), and give up rather
// than guess; fastpath_test.go checks them against it.

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/rbxemu/rbxemu/emulator/engine"
	"github.com/rbxemu/rbxemu/emulator/internal/wirejson"
)

// decodeKeyOnlyArgs is decodeArgs(op, args, a) for the key-only ops
// (GetAsync, RemoveAsync, ReadForUpdate): arguments made only of the fields
// of KeyArgs, named exactly, each at most once, with plain string values
// (no escapes, valid UTF-8) and true or false for the flags, are read in one
// pass; anything else (null, an unknown or misspelt field, an error to
// report) goes to decodeArgs, which decides.
func decodeKeyOnlyArgs(op string, args json.RawMessage, a *keyOnlyArgs) error {
	if readPlainArgs(args, &a.KeyArgs, nil) {
		return nil
	}
	*a = keyOnlyArgs{}
	return decodeArgs(op, args, a)
}

// decodeSetArgs is decodeArgs(op, args, a) for SetAsync, as
// decodeKeyOnlyArgs is for the key-only ops; value, userIds and metadata
// are taken as the JSON they are (valid JSON, not null), aliasing args.
func decodeSetArgs(op string, args json.RawMessage, a *setArgs) error {
	raws := [...]rawField{{"value", &a.Value}, {"userIds", &a.UserIDs}, {"metadata", &a.Metadata}}
	if readPlainArgs(args, &a.KeyArgs, raws[:]) {
		return nil
	}
	*a = setArgs{}
	return decodeArgs(op, args, a)
}

// rawField is a field read as raw JSON.
type rawField struct {
	name string
	dst  *json.RawMessage
}

// readPlainArgs is the one-pass reader of decodeKeyOnlyArgs and
// decodeSetArgs: the fields of a, and those of raws. False when it gives
// up (a and raws may then be partly filled).
func readPlainArgs(b []byte, a *KeyArgs, raws []rawField) bool {
	i := wirejson.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = wirejson.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return wirejson.SkipSpace(b, i+1) == len(b)
	}
	var seen [5]bool
	var seenRaw uint
	// The strings are cut from one copy of the arguments, and the fields
	// point into one array: two allocations for any number of fields.
	var whole string
	var strs *[3]string
	for {
		end := wirejson.PlainStringEnd(b, i)
		if end < 0 {
			return false
		}
		key := b[i+1 : end-1]
		i = wirejson.SkipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = wirejson.SkipSpace(b, i+1)
		field := -1
		var str **string
		var flag *bool
		switch string(key) {
		case "store":
			field, str = 0, &a.Store
		case "key":
			field, str = 1, &a.Key
		case "scope":
			field, str = 2, &a.Scope
		case "allScopes":
			field, flag = 3, &a.AllScopes
		case "ordered":
			field, flag = 4, &a.Ordered
		}
		if field >= 0 {
			if seen[field] {
				return false
			}
			seen[field] = true
		}
		switch {
		case field < 0:
			r := -1
			for j := range raws {
				if string(key) == raws[j].name {
					r = j
				}
			}
			if r < 0 || seenRaw&(1<<r) != 0 || (len(b)-i >= 4 && string(b[i:i+4]) == "null") {
				return false
			}
			seenRaw |= 1 << r
			if end = wirejson.ValueEnd(b, i); end < 0 {
				return false
			}
			*raws[r].dst = json.RawMessage(b[i:end:end])
		case str != nil:
			if end = wirejson.PlainStringEnd(b, i); end < 0 || !utf8.Valid(b[i+1:end-1]) {
				return false
			}
			if strs == nil {
				whole, strs = string(b), new([3]string)
			}
			strs[field] = whole[i+1 : end-1]
			*str = &strs[field]
		default:
			switch {
			case len(b)-i >= 4 && string(b[i:i+4]) == "true":
				*flag, end = true, i+4
			case len(b)-i >= 5 && string(b[i:i+5]) == "false":
				*flag, end = false, i+5
			default:
				return false
			}
		}
		i = wirejson.SkipSpace(b, end)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return wirejson.SkipSpace(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return false
		}
		i = wirejson.SkipSpace(b, i+1)
	}
}

// AppendJSON appends r as encoding/json (without HTML escaping) writes it:
// the server's reply writer uses it instead of reflection (for these
// result types by name: a type embedding one of them must not be taken for
// it). The value and
// metadata are copied as they are when compact (as the engine stores them)
// and compacted otherwise, as encoding/json does.
func (r EntryResult) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"value":`...)
	dst, err := wirejson.AppendRaw(dst, r.Value)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `,"keyInfo":`...)
	if dst, err = appendKeyInfo(dst, r.KeyInfo); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// AppendJSON appends r as encoding/json writes it (see EntryResult's).
func (r SetResult) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"version":`...)
	dst = wirejson.AppendString(dst, r.Version)
	dst = append(dst, `,"keyInfo":`...)
	dst, err := appendKeyInfo(dst, r.KeyInfo)
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// AppendJSON appends r as encoding/json writes it (see EntryResult's; this
// one is needed: the method promoted from EntryResult would drop Token).
func (r ReadResult) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := r.EntryResult.AppendJSON(dst)
	if err != nil {
		return dst, err
	}
	dst = append(dst[:len(dst)-1], `,"token":`...) // reopen the object
	dst = wirejson.AppendString(dst, r.Token)
	return append(dst, '}'), nil
}

// appendKeyInfo appends k as encoding/json writes it.
func appendKeyInfo(dst []byte, k *engine.KeyInfo) ([]byte, error) {
	if k == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, `{"createdTime":`...)
	dst = strconv.AppendInt(dst, k.CreatedTime, 10)
	dst = append(dst, `,"updatedTime":`...)
	dst = strconv.AppendInt(dst, k.UpdatedTime, 10)
	dst = append(dst, `,"version":`...)
	dst = wirejson.AppendString(dst, k.Version)
	dst = append(dst, `,"userIds":`...)
	if k.UserIDs == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, id := range k.UserIDs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, id, 10)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"metadata":`...)
	dst, err := wirejson.AppendRaw(dst, k.Metadata)
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

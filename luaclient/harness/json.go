package harness

// HttpService:JSONEncode and JSONDecode as Roblox does them, for game code
// under test (the shim has its own JSON and does not use these).

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// robloxJSONEncode encodes a Lua value: tables with a length are arrays (and
// may hold nothing else), other tables are objects with string keys, the
// empty table is [].
func robloxJSONEncode(v lua.LValue) (string, error) {
	var buf bytes.Buffer
	if err := encodeLua(&buf, v, 0); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func encodeLua(buf *bytes.Buffer, v lua.LValue, depth int) error {
	if depth > 200 {
		return errors.New("Cannot convert a table nested this deeply")
	}
	switch x := v.(type) {
	case *lua.LNilType:
		buf.WriteString("null")
	case lua.LBool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case lua.LNumber:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("Cannot convert NaN or infinity to JSON")
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			buf.WriteString(strconv.FormatInt(int64(f), 10))
		} else {
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case lua.LString:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(string(x)); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	case *lua.LTable:
		n := x.Len()
		count := 0
		x.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if n > 0 {
			if count != n {
				return errors.New("Cannot convert mixed or non-array tables: keys must be strings")
			}
			buf.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					buf.WriteByte(',')
				}
				if err := encodeLua(buf, x.RawGetInt(i), depth+1); err != nil {
					return err
				}
			}
			buf.WriteByte(']')
			return nil
		}
		if count == 0 {
			buf.WriteString("[]")
			return nil
		}
		var keys []string
		var err error
		x.ForEach(func(k, _ lua.LValue) {
			s, ok := k.(lua.LString)
			if !ok {
				err = errors.New("Cannot convert mixed or non-array tables: keys must be strings")
				return
			}
			keys = append(keys, string(s))
		})
		if err != nil {
			return err
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeLua(buf, lua.LString(k), depth+1); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := encodeLua(buf, x.RawGetString(k), depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return errors.New("Cannot convert " + v.Type().String() + " to JSON")
	}
	return nil
}

// robloxJSONDecode decodes JSON text into Lua values (null becomes nil).
func robloxJSONDecode(L *lua.LState, s string) (lua.LValue, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return lua.LNil, errors.New("Can't parse JSON")
	}
	return toLua(L, v), nil
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return lua.LNumber(f)
	case string:
		return lua.LString(x)
	case []any:
		t := L.NewTable()
		for i, item := range x {
			t.RawSetInt(i+1, toLua(L, item))
		}
		return t
	case map[string]any:
		t := L.NewTable()
		for k, item := range x {
			t.RawSetString(k, toLua(L, item))
		}
		return t
	}
	return lua.LNil
}

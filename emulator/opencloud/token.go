package opencloud

// Page tokens and times.
//
// A page token (v2 pageToken, v1 cursor and page_token) is opaque to
// clients: base64url of
//
//	format byte | check (12 bytes) | engine cursor
//
// where check is the start of SHA-256 over the listing's kind and every
// parameter of the request except the token itself (OC-PAT: "every
// parameter except pageToken must match the first call"), in a fixed order
// and after defaults are applied. The engine cursor inside carries its own
// check over the store, scope and bounds, so a token altered in any byte,
// or replayed with another parameter, is refused with 400.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

const (
	tokenFormat   byte = 1
	tokenCheckLen      = 12
	maxTokenLen        = 2048
)

// tokenContext is what a token is bound to: the kind of listing and its
// parameters.
type tokenContext []byte

func newTokenContext(kind string, universe int64) tokenContext {
	return tokenContext(nil).str(kind).int(universe)
}

func (c tokenContext) str(s string) tokenContext {
	c = binary.AppendUvarint(c, uint64(len(s)))
	return append(c, s...)
}

func (c tokenContext) int(v int64) tokenContext { return binary.AppendVarint(c, v) }

func (c tokenContext) flag(b bool) tokenContext {
	if b {
		return append(c, 1)
	}
	return append(c, 0)
}

func (c tokenContext) check() []byte {
	sum := sha256.Sum256(c)
	return sum[:tokenCheckLen]
}

// encodeToken wraps an engine cursor ("" stays "": the last page).
func encodeToken(ctx tokenContext, cursor string) string {
	if cursor == "" {
		return ""
	}
	b := make([]byte, 0, 1+tokenCheckLen+len(cursor))
	b = append(b, tokenFormat)
	b = append(b, ctx.check()...)
	b = append(b, cursor...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns the engine cursor of a token, or bad when the token
// was not issued for this very listing.
func decodeToken(ctx tokenContext, token string, bad *Error) (string, error) {
	if token == "" {
		return "", nil
	}
	if len(token) > maxTokenLen {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 2+tokenCheckLen || b[0] != tokenFormat || !bytes.Equal(b[1:1+tokenCheckLen], ctx.check()) {
		return "", bad
	}
	return string(b[1+tokenCheckLen:]), nil
}

// Times. v2 uses RFC 3339 in UTC with as many fraction digits as needed;
// v1 bodies use seven fraction digits and "Z", v1 headers seven digits and
// "+00:00", as the reference's examples show.

func v2Time(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

func v1Time(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func v1HeaderTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.0000000+00:00")
}

// parseTime reads an RFC 3339 date-time as Unix ms.
func parseTime(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// Key spaces. One byte opens every badger key; see DESIGN.md for the layout.
const (
	spaceMeta      byte = 'm' // m|name                                  -> engine metadata (schema, sequence)
	spaceStore     byte = 'd' // d|u64 universe|name                    -> standard data store record
	spaceEntry     byte = 'k' // k|u64|name\0|scope\0|key               -> head record (latest state of a key)
	spaceVersion   byte = 'v' // v|u64|name\0|scope\0|key\0|version     -> sealed backup version
	spaceExpiry    byte = 'x' // x|i64 ms|kind|<entry or version key>    -> nothing; what expires when
	spaceOrdStore  byte = 'q' // q|u64|name                             -> ordered data store record
	spaceOrdered   byte = 'o' // o|u64|name\0|scope\0|key               -> ordered value and change stamp (16 bytes)
	spaceOrdIndex  byte = 's' // s|u64|name\0|scope\0|i64 value|key     -> nothing; sorted index
	escapeByte     byte = 0x00
	escapedZero    byte = 0xFF // 0x00 0xFF stands for a 0x00 in the string
	terminatorByte byte = 0x01 // 0x00 0x01 ends the string
)

// appendString appends s escaped (0x00 -> 0x00 0xFF) and terminated by
// 0x00 0x01, so that encoded strings sort exactly as the raw strings do, no
// string's encoding is a prefix of another's, and the end of a string is
// never confused with what follows it (even a raw key starting with 0xFF).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		b = append(b, c)
		if c == escapeByte {
			b = append(b, escapedZero)
		}
	}
	return append(b, escapeByte, terminatorByte)
}

// readString decodes one appendString component and returns the rest.
func readString(b []byte) (string, []byte, error) {
	var out []byte
	for i := 0; i+1 < len(b); i++ {
		if b[i] != escapeByte {
			continue
		}
		switch b[i+1] {
		case escapedZero:
			out = append(out, b[:i+1]...)
			b = b[i+2:]
			i = -1
		case terminatorByte:
			out = append(out, b[:i]...)
			return string(out), b[i+2:], nil
		default:
			return "", nil, errors.New("storage: bad escape in key")
		}
	}
	return "", nil, errors.New("storage: unterminated string in key")
}

func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// appendI64 appends v so that byte order equals numeric order (sign bit flipped).
func appendI64(b []byte, v int64) []byte { return appendU64(b, uint64(v)^(1<<63)) }

func readI64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// StoreKey names one data store in one universe.
type StoreKey struct {
	Universe int64
	Name     string
}

// StoreRecordKey is the badger key of a standard data store record.
func StoreRecordKey(s StoreKey) []byte {
	b := appendU64([]byte{spaceStore}, uint64(s.Universe))
	return append(b, s.Name...)
}

// OrderedStoreRecordKey is the badger key of an ordered data store record.
func OrderedStoreRecordKey(s StoreKey) []byte {
	b := appendU64([]byte{spaceOrdStore}, uint64(s.Universe))
	return append(b, s.Name...)
}

// StoreRecordPrefix is the prefix of every standard data store record of a
// universe whose name starts with prefix.
func StoreRecordPrefix(universe int64, prefix string) []byte {
	b := appendU64([]byte{spaceStore}, uint64(universe))
	return append(b, prefix...)
}

// StoreFromRecordKey decodes a StoreRecordKey.
func StoreFromRecordKey(k []byte) StoreKey {
	return StoreKey{Universe: int64(binary.BigEndian.Uint64(k[1:9])), Name: string(k[9:])}
}

// scopePrefix is space|u64|name\0|scope\0.
func scopePrefix(space byte, universe int64, name, scope string) []byte {
	b := make([]byte, 0, 1+8+len(name)+len(scope)+4)
	b = append(b, space)
	b = appendU64(b, uint64(universe))
	b = appendString(b, name)
	return appendString(b, scope)
}

// storePrefix is space|u64|name\0: every scope of one store.
func storePrefix(space byte, universe int64, name string) []byte {
	b := appendU64([]byte{space}, uint64(universe))
	return appendString(b, name)
}

// universePrefix is space|u64.
func universePrefix(space byte, universe int64) []byte {
	return appendU64([]byte{space}, uint64(universe))
}

// ObjectKey names one key of one scope of one store.
type ObjectKey struct {
	Universe int64
	Name     string
	Scope    string
	Key      string
}

// EntryKey is the badger key of a standard key's head record.
func EntryKey(o ObjectKey) []byte {
	return append(scopePrefix(spaceEntry, o.Universe, o.Name, o.Scope), o.Key...)
}

// EntryPrefix is the prefix of every head record in (store, scope) whose key
// starts with keyPrefix. An empty scope with allScopes lists every scope.
func EntryPrefix(universe int64, name, scope string, allScopes bool, keyPrefix string) []byte {
	if allScopes {
		return storePrefix(spaceEntry, universe, name)
	}
	return append(scopePrefix(spaceEntry, universe, name, scope), keyPrefix...)
}

// EntryScopesPrefix is the prefix of every head record of a store whose
// scope starts with scopePrefix (AllScopes listing by "scope" prefix): the
// encoded scope without its terminator, since an escaped string's encoding
// starts with the encoding of each of its prefixes.
func EntryScopesPrefix(universe int64, name, scopeStart string) []byte {
	p := scopePrefix(spaceEntry, universe, name, scopeStart)
	return p[:len(p)-2]
}

// StoreEntriesPrefix is the prefix of every head record of one store.
func StoreEntriesPrefix(universe int64, name string) []byte {
	return storePrefix(spaceEntry, universe, name)
}

// ObjectFromEntryKey decodes an EntryKey.
func ObjectFromEntryKey(k []byte) (ObjectKey, error) {
	return decodeObject(k, spaceEntry)
}

func decodeObject(k []byte, space byte) (ObjectKey, error) {
	if len(k) < 9 || k[0] != space {
		return ObjectKey{}, errors.New("storage: not an object key")
	}
	o := ObjectKey{Universe: int64(binary.BigEndian.Uint64(k[1:9]))}
	rest := k[9:]
	var err error
	if o.Name, rest, err = readString(rest); err != nil {
		return o, err
	}
	if o.Scope, rest, err = readString(rest); err != nil {
		return o, err
	}
	o.Key = string(rest)
	return o, nil
}

// VersionPrefix is the prefix of every sealed version of one key.
func VersionPrefix(o ObjectKey) []byte {
	return appendString(scopePrefix(spaceVersion, o.Universe, o.Name, o.Scope), o.Key)
}

// VersionKey is the badger key of one sealed version.
func VersionKey(o ObjectKey, version string) []byte {
	return append(VersionPrefix(o), version...)
}

// Expiry kinds.
const (
	ExpireVersion   byte = 'v' // a sealed backup version
	ExpireTombstone byte = 't' // a deleted key (head tombstone and all its versions)
)

// ExpiryKey records that target (an EntryKey or VersionKey) expires at ms.
func ExpiryKey(ms int64, kind byte, target []byte) []byte {
	b := appendI64([]byte{spaceExpiry}, ms)
	b = append(b, kind)
	return append(b, target...)
}

// ExpiryPrefix is the prefix of every expiry record.
func ExpiryPrefix() []byte { return []byte{spaceExpiry} }

// DecodeExpiry splits an ExpiryKey.
func DecodeExpiry(k []byte) (ms int64, kind byte, target []byte) {
	return readI64(k[1:9]), k[9], k[10:]
}

// OrderedKey is the badger key of an ordered entry's value.
func OrderedKey(o ObjectKey) []byte {
	return append(scopePrefix(spaceOrdered, o.Universe, o.Name, o.Scope), o.Key...)
}

// OrderedIndexPrefix is the prefix of the sorted index of one ordered scope.
func OrderedIndexPrefix(universe int64, name, scope string) []byte {
	return scopePrefix(spaceOrdIndex, universe, name, scope)
}

// OrderedIndexKey is the sorted-index key of (value, key).
func OrderedIndexKey(o ObjectKey, value int64) []byte {
	b := appendI64(OrderedIndexPrefix(o.Universe, o.Name, o.Scope), value)
	return append(b, o.Key...)
}

// OrderedIndexValueKey is the start of every index key with this value.
func OrderedIndexValueKey(universe int64, name, scope string, value int64) []byte {
	return appendI64(OrderedIndexPrefix(universe, name, scope), value)
}

// DecodeOrderedIndex returns (value, key) from an index key of prefix p.
func DecodeOrderedIndex(p, k []byte) (int64, string) {
	rest := k[len(p):]
	return readI64(rest[:8]), string(rest[8:])
}

// OrderedStorePrefix is the prefix of the ordered values of every scope of
// one store.
func OrderedStorePrefix(universe int64, name string) []byte {
	return storePrefix(spaceOrdered, universe, name)
}

// OrderedUniversePrefix is the prefix of every ordered value of a universe.
func OrderedUniversePrefix(universe int64) []byte {
	return universePrefix(spaceOrdered, universe)
}

// ObjectFromOrderedKey decodes an OrderedKey.
func ObjectFromOrderedKey(k []byte) (ObjectKey, error) {
	return decodeObject(k, spaceOrdered)
}

// DataSpaces lists the first byte of every key space that holds user data
// (everything but engine metadata): what a full reset drops.
func DataSpaces() [][]byte {
	return [][]byte{{spaceStore}, {spaceEntry}, {spaceVersion}, {spaceExpiry}, {spaceOrdStore}, {spaceOrdered}, {spaceOrdIndex}}
}

// OrderedPrefix is the prefix of the ordered values of one scope.
func OrderedPrefix(universe int64, name, scope string) []byte {
	return scopePrefix(spaceOrdered, universe, name, scope)
}

// UniversePrefixes lists every key space prefix holding data of a universe
// (used by reset and export).
func UniversePrefixes(universe int64) [][]byte {
	var out [][]byte
	for _, s := range []byte{spaceStore, spaceEntry, spaceVersion, spaceOrdStore, spaceOrdered, spaceOrdIndex} {
		out = append(out, universePrefix(s, universe))
	}
	return out
}

// MetaKey is the key of an engine metadata record.
func MetaKey(name string) []byte { return append([]byte{spaceMeta}, name...) }

// PrefixEnd returns the first key after every key with prefix p (nil: none).
func PrefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

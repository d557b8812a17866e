package storage

import (
	"encoding/binary"
	"errors"
)

// Record is the stored state of one version of a standard key: the head
// record (latest) and every sealed backup share this shape.
type Record struct {
	Version     string // opaque version id, sortable by time
	CreatedTime int64  // ms: when the key was first written
	UpdatedTime int64  // ms: when this version was written
	Deleted     bool   // a tombstone
	// SupersededTime is when a sealed backup was replaced (ms); its expiry
	// is 30 days later. Zero on the head record.
	SupersededTime int64
	UserIDs        []int64
	Metadata       []byte // compact JSON object, empty for none
	Value          []byte // compact JSON, empty for a tombstone
}

const recordFormat byte = 1

// Marshal encodes r. Layout: format byte, then uvarint-length-prefixed
// version, varint times, a flag byte, user ids, metadata and value.
func (r *Record) Marshal() []byte {
	b := make([]byte, 0, 48+len(r.Version)+len(r.Metadata)+len(r.Value)+8*len(r.UserIDs))
	b = append(b, recordFormat)
	b = appendBytes(b, []byte(r.Version))
	b = binary.AppendVarint(b, r.CreatedTime)
	b = binary.AppendVarint(b, r.UpdatedTime)
	b = binary.AppendVarint(b, r.SupersededTime)
	var flags byte
	if r.Deleted {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(r.UserIDs)))
	for _, id := range r.UserIDs {
		b = binary.AppendVarint(b, id)
	}
	b = appendBytes(b, r.Metadata)
	return appendBytes(b, r.Value)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

var errCorrupt = errors.New("storage: corrupt record")

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errCorrupt
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// UnmarshalRecord decodes b. The returned record aliases b: copy b first if
// it comes from a badger value that is only valid inside a transaction.
func UnmarshalRecord(b []byte) (*Record, error) {
	rd := &reader{b: b}
	if rd.byte1() != recordFormat {
		return nil, errCorrupt
	}
	r := &Record{}
	r.Version = string(rd.bytes())
	r.CreatedTime = rd.varint()
	r.UpdatedTime = rd.varint()
	r.SupersededTime = rd.varint()
	r.Deleted = rd.byte1()&1 != 0
	n := rd.uvarint()
	if n > 64 {
		return nil, errCorrupt
	}
	for i := uint64(0); i < n; i++ {
		r.UserIDs = append(r.UserIDs, rd.varint())
	}
	r.Metadata = rd.bytes()
	r.Value = rd.bytes()
	if rd.err != nil {
		return nil, rd.err
	}
	return r, nil
}

// StoreRecord is a data store's own record: when it was created and last
// written (ListDataStoresAsync's DataStoreInfo).
type StoreRecord struct {
	CreatedTime int64
	UpdatedTime int64
}

// Marshal encodes s.
func (s StoreRecord) Marshal() []byte {
	b := binary.AppendVarint(nil, s.CreatedTime)
	return binary.AppendVarint(b, s.UpdatedTime)
}

// UnmarshalStoreRecord decodes b.
func UnmarshalStoreRecord(b []byte) (StoreRecord, error) {
	rd := &reader{b: b}
	s := StoreRecord{CreatedTime: rd.varint(), UpdatedTime: rd.varint()}
	return s, rd.err
}

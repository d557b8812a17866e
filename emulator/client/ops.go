package client

// Typed helpers for the standard ops (docs/protocol.md, "Operations").

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Store names a data store object, as GetDataStore and GetOrderedDataStore
// take it. An empty Scope means the default ("global").
type Store struct {
	Name      string
	Scope     string
	AllScopes bool
	Ordered   bool
}

// KeyInfo is DataStoreKeyInfo: times in Unix ms, version, user ids and
// metadata.
type KeyInfo struct {
	CreatedTime int64           `json:"createdTime"`
	UpdatedTime int64           `json:"updatedTime"`
	Version     string          `json:"version"`
	UserIDs     []int64         `json:"userIds"`
	Metadata    json.RawMessage `json:"metadata"`
}

// WriteOptions are the user ids and metadata of a write (nil: none; a write
// replaces both).
type WriteOptions struct {
	UserIDs  []int64
	Metadata any
}

type storeArgs struct {
	Store     string `json:"store"`
	Scope     string `json:"scope,omitempty"`
	AllScopes bool   `json:"allScopes,omitempty"`
	Ordered   bool   `json:"ordered,omitempty"`
}

type keyArgs struct {
	storeArgs
	Key string `json:"key"`
}

type writeArgs struct {
	keyArgs
	Value    json.RawMessage `json:"value,omitempty"`
	Delta    *int64          `json:"delta,omitempty"`
	Token    *string         `json:"token,omitempty"`
	UserIDs  []int64         `json:"userIds,omitempty"`
	Metadata any             `json:"metadata,omitempty"`
}

func (s Store) key(key string) keyArgs {
	return keyArgs{storeArgs{Store: s.Name, Scope: s.Scope, AllScopes: s.AllScopes, Ordered: s.Ordered}, key}
}

func (s Store) write(key string, opts *WriteOptions) writeArgs {
	w := writeArgs{keyArgs: s.key(key)}
	if opts != nil {
		w.UserIDs, w.Metadata = opts.UserIDs, opts.Metadata
	}
	return w
}

// entry is the result of GetAsync, IncrementAsync, RemoveAsync and the
// UpdateAsync pair.
type entry struct {
	Value     json.RawMessage `json:"value"`
	KeyInfo   *KeyInfo        `json:"keyInfo"`
	Token     string          `json:"token"`
	Committed bool            `json:"committed"`
}

// value is nil for a JSON null (no value).
func (e *entry) value() json.RawMessage {
	if len(e.Value) == 0 || string(e.Value) == "null" {
		return nil
	}
	return e.Value
}

func (c *Client) callEntry(ctx context.Context, op string, args any) (*entry, error) {
	raw, err := c.Call(ctx, op, args)
	if err != nil {
		return nil, err
	}
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("rbxemu client: %s: bad result: %w", op, err)
	}
	return &e, nil
}

// rawValue encodes a value to write (a json.RawMessage is sent as is).
func rawValue(v any) (json.RawMessage, error) {
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	b, err := encode(v)
	if err != nil {
		return nil, fmt.Errorf("rbxemu client: value: %w", err)
	}
	return b, nil
}

// Get is GetAsync: the value (nil when the key has none) and its key info.
func (c *Client) Get(ctx context.Context, s Store, key string) (json.RawMessage, *KeyInfo, error) {
	e, err := c.callEntry(ctx, "GetAsync", s.key(key))
	if err != nil {
		return nil, nil, err
	}
	return e.value(), e.KeyInfo, nil
}

// Set is SetAsync: it writes value (any JSON-encodable value) and returns
// the key info of the new version (KeyInfo.Version is SetAsync's result).
func (c *Client) Set(ctx context.Context, s Store, key string, value any, opts *WriteOptions) (*KeyInfo, error) {
	w := s.write(key, opts)
	v, err := rawValue(value)
	if err != nil {
		return nil, err
	}
	w.Value = v
	raw, err := c.Call(ctx, "SetAsync", w)
	if err != nil {
		return nil, err
	}
	var r struct {
		KeyInfo *KeyInfo `json:"keyInfo"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("rbxemu client: SetAsync: bad result: %w", err)
	}
	return r.KeyInfo, nil
}

// Increment is IncrementAsync: it adds delta and returns the new value.
func (c *Client) Increment(ctx context.Context, s Store, key string, delta int64, opts *WriteOptions) (int64, *KeyInfo, error) {
	w := s.write(key, opts)
	w.Delta = &delta
	e, err := c.callEntry(ctx, "IncrementAsync", w)
	if err != nil {
		return 0, nil, err
	}
	n, err := strconv.ParseInt(string(e.Value), 10, 64)
	if err != nil {
		return 0, e.KeyInfo, fmt.Errorf("rbxemu client: IncrementAsync: value %s is not an integer", e.Value)
	}
	return n, e.KeyInfo, nil
}

// Remove is RemoveAsync: it deletes the key and returns the value it had
// (nil when it had none).
func (c *Client) Remove(ctx context.Context, s Store, key string) (json.RawMessage, *KeyInfo, error) {
	e, err := c.callEntry(ctx, "RemoveAsync", s.key(key))
	if err != nil {
		return nil, nil, err
	}
	return e.value(), e.KeyInfo, nil
}

// Update is UpdateAsync: transform receives the current value (nil when
// none) and key info and returns the new value, or false to cancel (no
// write; Update returns nil values). When another writer gets in between,
// transform runs again on the fresh value. The write keeps no user ids or
// metadata; UpdateWith sets them.
func (c *Client) Update(ctx context.Context, s Store, key string, transform func(old json.RawMessage, info *KeyInfo) (json.RawMessage, bool)) (json.RawMessage, *KeyInfo, error) {
	return c.UpdateWith(ctx, s, key, func(old json.RawMessage, info *KeyInfo) (json.RawMessage, *WriteOptions, bool) {
		v, ok := transform(old, info)
		return v, nil, ok
	})
}

// UpdateWith is Update whose transform also returns the user ids and
// metadata to write, as a Luau transform's second and third results.
func (c *Client) UpdateWith(ctx context.Context, s Store, key string, transform func(old json.RawMessage, info *KeyInfo) (json.RawMessage, *WriteOptions, bool)) (json.RawMessage, *KeyInfo, error) {
	cur, err := c.callEntry(ctx, "ReadForUpdate", s.key(key))
	if err != nil {
		return nil, nil, err
	}
	for {
		v, opts, ok := transform(cur.value(), cur.KeyInfo)
		if !ok {
			return nil, nil, nil
		}
		w := s.write(key, opts)
		w.Value = v
		token := cur.Token
		w.Token = &token
		next, err := c.callEntry(ctx, "CommitUpdate", w)
		if err != nil {
			return nil, nil, err
		}
		if next.Committed {
			return next.value(), next.KeyInfo, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		cur = next
	}
}

// Players changes the session's player count.
func (c *Client) Players(ctx context.Context, n int64) error {
	_, err := c.Call(ctx, "players", map[string]int64{"players": n})
	return err
}

// Ping asks for nothing: the reply refreshes Now and Budgets.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Call(ctx, "ping", nil)
	return err
}

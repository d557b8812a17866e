package engine

import (
	"encoding/json"

	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// Argument checks without side effects. Roblox validates a call's arguments
// in the game server before the request is queued or sent, so an empty key
// is 101 and an oversize value 105 however throttled the server is. The
// dispatcher runs these before the throttle gate; the write methods run the
// same checks again (they are cheap next to a write) so that every entry
// point stays safe on its own.

// CheckKey validates the store reference and key of a standard (ordered:
// false) or ordered store call.
func (e *Engine) CheckKey(ref StoreRef, key string, ordered bool) error {
	if ordered {
		_, err := ref.orderedObject(key)
		return err
	}
	_, err := ref.object(key)
	return err
}

// CheckSet validates a standard SetAsync or UpdateAsync commit in the order
// of design decision 3 and returns the compact size of the value (what the
// per-key write window counts).
func (e *Engine) CheckSet(ref StoreRef, key string, value json.RawMessage, opts WriteOptions) (int, error) {
	_, v, _, err := ref.setArgs(key, value, opts)
	if err != nil {
		return 0, err
	}
	return len(v), nil
}

// CheckIncrement validates a standard IncrementAsync (the stored value is
// checked when the increment runs).
func (e *Engine) CheckIncrement(ref StoreRef, key string, delta json.RawMessage, opts WriteOptions) error {
	if _, err := ref.object(key); err != nil {
		return err
	}
	if present(delta) {
		if _, ok := parseInteger(delta); !ok {
			return dserr.New(dserr.IncrementDeltaInvalid)
		}
	}
	_, err := opts.parse()
	return err
}

// CheckOrderedSet validates an ordered SetAsync or UpdateAsync commit.
func (e *Engine) CheckOrderedSet(ref StoreRef, key string, value json.RawMessage, opts WriteOptions) error {
	_, _, err := ref.orderedSetArgs(key, value, opts)
	return err
}

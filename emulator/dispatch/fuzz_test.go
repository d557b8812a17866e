package dispatch_test

// FuzzArgs runs registered ops with arbitrary argument bytes on an
// in-memory engine with a virtual clock: the strict argument decoding of
// every op and the engine behind it. Whatever the bytes, Handle must not
// panic; it returns a result that encodes as JSON, or an error of the
// catalogue other than InternalServerError (which means a bug). Seed
// corpus: testdata/fuzz/FuzzArgs; plain `go test` runs it.

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

func FuzzArgs(f *testing.F) {
	f.Add("SetAsync", []byte(`{"store":"s","key":"k","value":{"a":1}}`))
	clk := clock.NewManual(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	e, err := engine.Open(engine.Options{InMemory: true, Clock: clk})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	// No gate (a throttled call on a virtual clock would wait for ever)
	// and no fault rules (a latency rule would hold later inputs).
	d := &dispatch.Dispatcher{Engine: e, Clock: clk}
	s := &dispatch.Session{ID: "fuzz", Universe: 1, PlaceID: 1, JobID: "fuzz", ClientKind: "test", Transport: "inprocess"}
	d.Opened(s)
	ops := dispatch.Ops()
	known := map[string]bool{}
	for _, op := range ops {
		known[op] = true
	}
	names := map[string]bool{}
	for _, en := range dserr.Catalogue {
		names[en.Name] = true
	}
	f.Fuzz(func(t *testing.T, op string, args []byte) {
		if !known[op] {
			// A mutated name still reaches an op, so that every input
			// explores some op's arguments.
			h := fnv.New32a()
			h.Write([]byte(op))
			op = ops[h.Sum32()%uint32(len(ops))]
		}
		res, err := d.Handle(context.Background(), s, op, json.RawMessage(args))
		if err != nil {
			de, ok := dserr.As(err)
			switch {
			case !ok:
				t.Fatalf("%s %q: error outside the catalogue: %T %v", op, args, err, err)
			case !names[de.Name]:
				t.Fatalf("%s %q: error name %q", op, args, de.Name)
			case de.ID == dserr.InternalServerError:
				t.Fatalf("%s %q: InternalServerError (a bug)", op, args)
			}
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("%s %q: the result does not encode: %v", op, args, err)
		}
	})
}

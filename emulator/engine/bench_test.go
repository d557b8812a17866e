package engine

// Benchmarks of the standard read and write paths, each on disk and in
// memory, serial and parallel:
//
//	go test -run '^$' -bench . -benchtime 2000x ./emulator/engine/
//
// They use the real clock, as the daemon does by default.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// benchValue is a player profile of 902 bytes of compact JSON. Its record
// (value plus about 75 bytes of key info) stays under storage's 1 KB value
// threshold, so that badger keeps it in its LSM tree on disk and in memory
// alike and the two backends are compared on the same path.
var benchValue = func() json.RawMessage {
	var items []string
	for i := 0; i < 18; i++ {
		items = append(items, fmt.Sprintf(`{"id":"item_%02d","count":%d,"equipped":%t}`, i, i*3, i%5 == 0))
	}
	v := `{"coins":125000,"level":42,"name":"Player_123456","settings":{"music":true,"sfx":0.8},"inventory":[` + strings.Join(items, ",") + `]}`
	return json.RawMessage(v)
}()

// benchKeys is how many keys the benchmarks spread over.
const benchKeys = 1000

var benchKeyNames = func() []string {
	k := make([]string, benchKeys)
	for i := range k {
		k[i] = fmt.Sprintf("Player_%d", i)
	}
	return k
}()

// benchBackends opens a fresh engine per backend, preloaded with every key.
func benchBackends(b *testing.B, run func(b *testing.B, e *Engine)) {
	for _, backend := range []string{"memory", "disk"} {
		b.Run(backend, func(b *testing.B) {
			dir := ""
			if backend == "disk" {
				dir = b.TempDir()
			}
			e, err := Open(Options{Dir: dir, InMemory: dir == ""})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			for _, k := range benchKeyNames {
				if _, err := e.Set(engRef, k, benchValue, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(benchValue)))
			b.ReportAllocs()
			run(b, e)
		})
	}
}

// benchWorker numbers the goroutines of a parallel benchmark so that each
// works on keys of its own (as separate players would).
func benchWorker(n *atomic.Int64) int { return int(n.Add(1)-1) * 97 }

func BenchmarkGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		for i := 0; b.Loop(); i++ {
			if _, err := e.Get(engRef, benchKeyNames[i%benchKeys]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetParallel(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		var workers atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := benchWorker(&workers); pb.Next(); i++ {
				if _, err := e.Get(engRef, benchKeyNames[i%benchKeys]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkSet(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		for i := 0; b.Loop(); i++ {
			if _, err := e.Set(engRef, benchKeyNames[i%benchKeys], benchValue, WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSetParallel(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		var workers atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := benchWorker(&workers); pb.Next(); i++ {
				if _, err := e.Set(engRef, benchKeyNames[i%benchKeys], benchValue, WriteOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// benchUpdate is one UpdateAsync as the client runs it: read, transform
// (here: write the same profile back), commit, again on a conflict.
func benchUpdate(e *Engine, key string) error {
	_, token, err := e.ReadForUpdate(engRef, key)
	if err != nil {
		return err
	}
	for {
		_, err := e.CommitUpdate(engRef, key, token, benchValue, WriteOptions{})
		var c *Conflict
		if !errors.As(err, &c) {
			return err
		}
		token = c.Token
	}
}

func BenchmarkUpdate(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		for i := 0; b.Loop(); i++ {
			if err := benchUpdate(e, benchKeyNames[i%benchKeys]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUpdateParallel(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *Engine) {
		var workers atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := benchWorker(&workers); pb.Next(); i++ {
				if err := benchUpdate(e, benchKeyNames[i%benchKeys]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

package server_test

import (
	"context"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/server/servertest"
)

// The round trip of one GetAsync through the whole daemon (client
// included), one call at a time and many at once on one connection.
func BenchmarkGetAsyncOverWebSocket(b *testing.B) {
	url, _ := servertest.Start(b)
	ctx := context.Background()
	c, err := client.Dial(ctx, url, client.HelloOptions{Client: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	st := client.Store{Name: "Bench"}
	if _, err := c.Set(ctx, st, "k", map[string]int{"coins": 10}, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := c.Get(ctx, st, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := c.Get(ctx, st, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkGetAsyncOverHTTP(b *testing.B) {
	url, _ := servertest.Start(b)
	ctx := context.Background()
	c, err := client.NewHTTP(ctx, url, client.HelloOptions{Client: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	st := client.Store{Name: "Bench"}
	for b.Loop() {
		if _, _, err := c.Get(ctx, st, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

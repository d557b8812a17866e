package main

// A few seconds of scripts/soak.sh, so that `go test ./...` keeps the
// driver working: the real binary, every op, throttling on. Skipped with
// -short.

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestShortSoak(t *testing.T) {
	defer goleak.VerifyNone(t)
	if testing.Short() {
		t.Skip("builds and runs the daemon: skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rbxemu")
	build := exec.Command("go", "build", "-o", bin, "github.com/rbxemu/rbxemu/cmd/rbxemu")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := run(ctx, config{bin: bin, dir: filepath.Join(dir, "data"), duration: 4 * time.Second, sessions: 3, rate: 30})
	t.Log("\n" + rep.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.requests == 0 || len(rep.byOp) < 10 {
		t.Fatalf("the load did not run: %+v", rep.byOp)
	}
}

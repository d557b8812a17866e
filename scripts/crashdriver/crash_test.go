package main

// The short form of scripts/crash-test.sh, run by `go test ./...` (and so
// by `make test`): the real binary, built into a temporary directory,
// killed with SIGKILL three times mid-write. Skipped with -short.

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	defer goleak.VerifyNone(t)
	if testing.Short() {
		t.Skip("builds and kills the daemon: skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics: POSIX only")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rbxemu")
	build := exec.Command("go", "build", "-o", bin, "github.com/rbxemu/rbxemu/cmd/rbxemu")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	res, err := run(ctx, config{
		bin: bin, dir: filepath.Join(dir, "data"), rounds: 3,
		sessions: 3, workers: 3, keys: 6,
		minRun: 200 * time.Millisecond, maxRun: 800 * time.Millisecond,
		log: &log,
	})
	t.Log(log.String())
	t.Log(res.summary())
	if err != nil {
		t.Fatal(err)
	}
	if res.Kills != 3 || res.Acked == 0 || res.Checks == 0 {
		t.Fatalf("nothing checked: %+v", res)
	}
}

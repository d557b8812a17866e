// Package lunetest finds the real Lune binary for the tests that run on it
// and counts their cases, so that `make test` can say how many ran.
//
// The binary is RBXEMU_LUNE, else the copy scripts/install-lune.sh puts in
// .tools/lune/lune of the repository. A test that needs it and finds none
// fails; it never skips (`make test` installs Lune first).
package lunetest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

// Binary returns the path of the real Lune binary or fails t.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("RBXEMU_LUNE"); p != "" {
		return p
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("lunetest: no caller")
	}
	p := filepath.Join(filepath.Dir(file), "..", "..", ".tools", "lune", "lune")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("real Lune 0.10.1 is not installed (%v): run `make lune` (scripts/install-lune.sh); `make test` does it first", err)
	}
	return p
}

// Counter counts the real-Lune cases of one test package.
type Counter struct {
	Label          string
	passed, failed atomic.Int64
}

// Count records t's outcome when it ends (a skipped test is not counted).
func (c *Counter) Count(t *testing.T) {
	t.Cleanup(func() {
		switch {
		case t.Failed():
			c.failed.Add(1)
		case !t.Skipped():
			c.passed.Add(1)
		}
	})
}

// Report writes the count to w, and appends it to the file RBXEMU_LUNE_REPORT
// names; it writes nothing when no case ran.
func (c *Counter) Report(w io.Writer) {
	if c.passed.Load()+c.failed.Load() == 0 {
		return
	}
	line := fmt.Sprintf("real Lune (%s): %d passed, %d failed", c.Label, c.passed.Load(), c.failed.Load())
	fmt.Fprintln(w, line)
	if path := os.Getenv("RBXEMU_LUNE_REPORT"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}

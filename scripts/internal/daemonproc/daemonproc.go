// Package daemonproc starts an rbxemu daemon (`rbxemu serve`) for the
// drivers under scripts/ and reads its ready line.
package daemonproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// ErrNoReadyLine is wrapped by Ready's error when the daemon's first line
// of output is not its ready line (or there was none).
var ErrNoReadyLine = errors.New("no ready line")

// ErrNotReady is Ready's error when no line came in 60 s.
var ErrNotReady = errors.New("the daemon did not get ready in 60 s")

var bannerRE = regexp.MustCompile(`listening on ws://\S+ and (http://\S+) `)

// Command is bin with args and this process's environment, less RBXEMU_*:
// the daemon reads RBXEMU_* from the environment, and none of the caller's
// may change what is tested.
func Command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RBXEMU_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// Proc is a started daemon.
type Proc struct {
	Cmd *exec.Cmd
	// Done receives the daemon's exit (cmd.Wait's error), once.
	Done  chan error
	lines chan string
}

// Start starts cmd (its Stderr set as the caller wants), reads its first
// line of output in the background, discarding the rest, and waits for
// its exit in the background.
func Start(cmd *exec.Cmd) (*Proc, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, Done: make(chan error, 1), lines: make(chan string, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { p.Done <- cmd.Wait() }()
	return p, nil
}

// Ready waits for the daemon's first line of output and returns the HTTP
// base URL its ready line names. The error wraps ErrNoReadyLine when that
// line is not the ready line; it is ErrNotReady when no line came in 60 s,
// and ctx's error when ctx ends first. Ready leaves the daemon running.
func (p *Proc) Ready(ctx context.Context) (string, error) {
	select {
	case line := <-p.lines:
		m := bannerRE.FindStringSubmatch(line)
		if m == nil {
			return "", fmt.Errorf("%w (got %q)", ErrNoReadyLine, line)
		}
		return m[1], nil
	case <-time.After(60 * time.Second):
		return "", ErrNotReady
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	<-p.Done
}

// Stop sends SIGTERM and waits for the exit, and returns its error; after
// 30 s it kills the daemon (SIGKILL) and says so.
func (p *Proc) Stop() error {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.Done:
		return err
	case <-time.After(30 * time.Second):
		p.Kill()
		return errors.New("no exit 30 s after SIGTERM")
	}
}

package main

// Regression test of issue 9: the warning about a daemon exposed without a
// token used to go through the logger only, so --log-level error hid it.

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestExposedWithoutTokenWarnsWhateverTheLogLevel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, stderr, sigs, done := startServe(t, nil, "--port", "0", "--bind", "0.0.0.0", "--in-memory", "--log-level", "error")
	sigs <- os.Interrupt
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := stderr.String(); strings.Count(got, "WITHOUT --token") != 1 || !strings.Contains(got, "WARNING: !!! rbxemu is listening on ") {
		t.Fatalf("no loud warning with --log-level error:\n%s", got)
	}
	// On loopback, nothing to warn about at any level.
	_, stderr, sigs, done = startServe(t, nil, "--port", "0", "--in-memory", "--log-level", "debug")
	sigs <- os.Interrupt
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "WITHOUT --token") {
		t.Fatalf("warned on loopback:\n%s", stderr)
	}
}

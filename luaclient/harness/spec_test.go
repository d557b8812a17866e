package harness_test

// Every spec under luaclient/spec runs through both transports (WebSocket
// and the HTTP mirror), each against a fresh daemon, in Studio mode; the
// production DataStoreService must never be touched.

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func specFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(luaclientDir(t), "spec", "*.lua"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no specs under luaclient/spec")
	}
	return files
}

func TestSpecs(t *testing.T) {
	for _, file := range specFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// The third run has Studio's default signal behaviour (Deferred).
		for _, mode := range []string{"websocket", "http", "websocket-deferred"} {
			transport := strings.TrimSuffix(mode, "-deferred")
			t.Run(name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				d := startDaemon(t, daemonOpt{noThrottle: strings.Contains(string(src), "-- harness: no-throttle")})
				env := newEnv(t, d, envOpt{transport: transport, deferred: mode != transport})
				runLua(t, env, name, string(src))
				if calls := productionCalls(env); len(calls) > 0 {
					t.Fatalf("the production DataStoreService was called in Studio: %v", calls)
				}
				clients := webStreamClients(env)
				if transport == "websocket" && clients == 0 {
					t.Fatal("no WebStreamClient was opened")
				}
				if transport == "http" && clients != 0 {
					t.Fatalf("%d WebStreamClients were opened over HTTP", clients)
				}
			})
		}
	}
}

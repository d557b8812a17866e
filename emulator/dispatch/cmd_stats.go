package dispatch

// _emulator.stats: what the daemon process holds (goroutines, open files,
// memory) and, from a door that knows them, its connections. The soak test
// (scripts/soak.sh) reads it at the start and the end of a run to show that
// nothing grows; docs/reliability.md gives the tolerances.

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Op{Name: "_emulator.stats", Doc: "the daemon process's goroutines, open files and memory, and its connections: {gc?}", Handle: adminStats})
}

// Stats is the answer of _emulator.stats.
type Stats struct {
	Goroutines int `json:"goroutines"`
	// OpenFiles counts the process's open file descriptors (sockets, the
	// store's files); -1 where the system does not tell (not Linux).
	OpenFiles int `json:"openFiles"`
	// RSSBytes is the resident memory of the process; -1 where unknown.
	RSSBytes int64 `json:"rssBytes"`
	// Go heap: live objects, spans in use, and everything the runtime has
	// taken from the system.
	HeapAllocBytes uint64 `json:"heapAllocBytes"`
	HeapInuseBytes uint64 `json:"heapInuseBytes"`
	SysBytes       uint64 `json:"sysBytes"`
	NumGC          uint32 `json:"numGC"`
	// Connections is filled by a door that knows them (the server).
	Connections *ConnStats `json:"connections,omitempty"`
	// Uptime is real time since the process started, in ms.
	UptimeMs int64 `json:"uptimeMs"`
}

// ConnStats counts a daemon's connections and sessions.
type ConnStats struct {
	WebSockets   int `json:"webSockets"`
	HTTPSessions int `json:"httpSessions"`
	Sessions     int `json:"sessions"` // every open session, all doors
}

// ConnReporter is implemented by an Observer that knows the daemon's
// connections (the server's monitor).
type ConnReporter interface {
	ConnStats() ConnStats
}

var processStart = time.Now()

func adminStats(_ context.Context, d *Dispatcher, _ *Session, args json.RawMessage) (any, error) {
	var a struct {
		// GC collects garbage first, so that the heap figures are the
		// live heap (what a soak compares).
		GC bool `json:"gc"`
	}
	if err := decodeArgs("_emulator.stats", args, &a); err != nil {
		return nil, err
	}
	if a.GC {
		runtime.GC()
	}
	st := ReadStats()
	if r, ok := d.Observer.(ConnReporter); ok {
		c := r.ConnStats()
		st.Connections = &c
	}
	return st, nil
}

// ReadStats reads the process's figures (without Connections).
func ReadStats() Stats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Stats{
		Goroutines:     runtime.NumGoroutine(),
		OpenFiles:      openFiles(),
		RSSBytes:       rss(),
		HeapAllocBytes: ms.HeapAlloc,
		HeapInuseBytes: ms.HeapInuse,
		SysBytes:       ms.Sys,
		NumGC:          ms.NumGC,
		UptimeMs:       time.Since(processStart).Milliseconds(),
	}
}

// openFiles counts /proc/self/fd (less the descriptor that reads it).
func openFiles() int {
	f, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names) - 1
}

// rss reads the resident set size from /proc/self/statm (in pages).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return pages * int64(os.Getpagesize())
}

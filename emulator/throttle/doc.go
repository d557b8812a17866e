// Package throttle is the emulator's model of DataStore throttling (design
// decision 6, reference §3): per-server budgets and queues, per-key
// throughput windows, and experience-wide quotas.
//
// Usage (the daemon, with throttling on):
//
//	lim := throttle.New(clk, throttle.Options{})
//	defer lim.Close()
//	d := &dispatch.Dispatcher{Engine: e, Gate: lim, Clock: clk}
//
// With --throttle off the daemon passes a nil Gate and nothing here runs.
//
// Each session (one game server) has a budget per request type that starts
// at ceil(5/3 * base), refills at (base + perPlayer * players) per minute
// and holds at most three minutes of it. A call without budget waits in one
// of four FIFO queues (Set, Ordered set, Get, Ordered get) and a warning
// notice is pushed to its session; a call that finds its queue holding 30
// fails at once with 301..306 or its op's *Throttle error. Once a call has
// its budget, the limits shared by every session of the universe apply:
// 4 MB written and 25 MB read per key per sliding minute (sizes rounded up
// to whole kilobytes) and 300 + CCU * n requests per minute per type across
// the experience.
//
// Every reading of time goes through the injected clock.Clock, so on a
// virtual clock budgets refill and windows slide only when the clock is
// moved. The Limiter starts no goroutine: a queued call waits on the clock
// itself and is released, strictly in arrival order, when the clock moves
// far enough. docs/throttling.md explains the whole model with a worked
// example; DESIGN.md beside this file holds the invariants.
package throttle

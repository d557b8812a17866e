// Package harness runs the Lua shim in a fake Roblox on gopher-lua (Lua 5.1 in
// pure Go), so that `go test` exercises the shim against a real daemon.
//
// The fake is written mostly in Lua (lua/roblox.lua): game:GetService,
// Instances and the Rojo layout of luaclient/src (so modules load through
// require(script.Parent.X) as in Studio), Enum, typeof, task and a scheduler,
// signals, Players, RunService, HttpService and a recording stand-in for the
// production DataStoreService. This file gives it what Lua cannot do:
// real HTTP requests and real WebSockets (gorilla/websocket) to the daemon,
// Roblox's JSONEncode/JSONDecode, userdata, files, and a poll for events.
//
// The scheduler runs on a virtual clock (task.wait, os.clock): while a
// request is in flight it follows real time; when every thread waits on a
// timer and nothing is in flight, it jumps to the next timer, so a game's
// task.wait(100) costs nothing. gopher-lua cannot yield across pcall, so the
// prelude replaces pcall with one built on coroutines, as Luau's can yield.
//
// A Lune mode (Options.Lune) leaves out the Roblox globals and offers fakes
// of @lune/net, @lune/task, @lune/fs, @lune/luau, @lune/process and
// @lune/serde instead, to run the shim's Lune runner.
//
// A plugin mode (Options.Plugin, lua/plugin.lua) adds a fake Studio plugin
// environment to the Roblox one, for the Studio plugin's tests: the plugin
// object (toolbars, dock widgets, settings), GUI Instances with their data
// types and enums, and helpers to click, type and look around.
package harness

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	lua "github.com/yuin/gopher-lua"
)

//go:embed lua/*.lua
var preludes embed.FS

// Options configures an Env.
type Options struct {
	// Root is the luaclient directory (default.project.json and src/).
	Root string
	// Studio is what RunService:IsStudio() answers (Roblox mode).
	Studio bool
	// NoWebStream hides HttpService:CreateWebStreamClient, as in a runtime
	// without WebStreamClient, so that "auto" must pick HTTP.
	NoWebStream bool
	// DeferredSignals makes the fake's signals run their handlers deferred,
	// as Studio's default Workspace.SignalBehavior (Deferred) does.
	DeferredSignals bool
	// Lune runs in the Lune mode instead of the Roblox one.
	Lune bool
	// Plugin adds a fake Studio plugin environment to the Roblox mode
	// (lua/plugin.lua): the plugin object, toolbars, dock widgets, GUI
	// Instances and their data types, for the Studio plugin's tests.
	Plugin bool
	// LuneOld gives @lune/net the shape of Lune 0.9 (net.socket and
	// net.request only); by default it has 0.10's (net.ws, net.http too).
	LuneOld bool
	// Args are Lune's process.args.
	Args []string
	// LuneEnv is Lune's process.env.
	LuneEnv map[string]string
	// Timeout bounds one Run in real time (default 60 s).
	Timeout time.Duration
	// Log receives every line the Lua side prints, as it is printed.
	Log func(kind, text string)
}

// Line is one printed line: kind is "print", "warn" or "error" (an error in
// a thread that nobody caught).
type Line struct {
	Kind string
	Text string
}

type event struct {
	kind   string // ws_open, ws_error, ws_message, ws_close, http_done
	handle int
	text   string
	status int
	err    string
	header map[string]string
	conn   *websocket.Conn // ws_open: the new connection
}

type wsConn struct {
	conn        *websocket.Conn
	outstanding map[string]int
	closed      bool
}

// Env is one fake runtime: a Lua state and its connections. It is not safe
// for concurrent use: one goroutine runs Lua, others only feed events.
type Env struct {
	L      *lua.LState
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	events  chan event
	pending int // requests in flight, counted on the Lua goroutine
	conns   map[int]*wsConn
	httpIn  map[int]bool
	nextID  int
	start   time.Time
	wg      sync.WaitGroup
	output  []Line
	httpCli *http.Client

	deadline time.Time
}

// New builds an Env with the prelude loaded.
func New(opts Options) (*Env, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Env{
		L: lua.NewState(lua.Options{
			RegistrySize:     1024,
			RegistryMaxSize:  1024 * 1024,
			RegistryGrowStep: 256,
			CallStackSize:    512,
		}),
		opts:    opts,
		ctx:     ctx,
		cancel:  cancel,
		events:  make(chan event, 4096),
		conns:   map[int]*wsConn{},
		httpIn:  map[int]bool{},
		start:   time.Now(),
		httpCli: &http.Client{Timeout: 120 * time.Second},
	}
	e.L.SetGlobal("__go", e.goTable())
	cfg := e.L.NewTable()
	cfg.RawSetString("root", lua.LString(opts.Root))
	cfg.RawSetString("studio", lua.LBool(opts.Studio))
	cfg.RawSetString("webstream", lua.LBool(!opts.NoWebStream))
	cfg.RawSetString("deferredSignals", lua.LBool(opts.DeferredSignals))
	cfg.RawSetString("lune", lua.LBool(opts.Lune))
	cfg.RawSetString("luneOld", lua.LBool(opts.LuneOld))
	args := e.L.NewTable()
	for _, a := range opts.Args {
		args.Append(lua.LString(a))
	}
	cfg.RawSetString("args", args)
	envT := e.L.NewTable()
	for k, v := range opts.LuneEnv {
		envT.RawSetString(k, lua.LString(v))
	}
	cfg.RawSetString("env", envT)
	e.L.SetGlobal("__config", cfg)
	for _, name := range []string{"lua/core.lua", "lua/expect.lua", "lua/roblox.lua", "lua/plugin.lua", "lua/lune.lua"} {
		if name == "lua/roblox.lua" && opts.Lune || name == "lua/lune.lua" && !opts.Lune ||
			name == "lua/plugin.lua" && (opts.Lune || !opts.Plugin) {
			continue
		}
		src, err := preludes.ReadFile(name)
		if err != nil {
			e.Close()
			return nil, err
		}
		fn, err := e.L.Load(strings.NewReader(string(src)), "="+filepath.Base(name))
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("harness: %s: %w", name, err)
		}
		e.L.Push(fn)
		if err := e.L.PCall(0, 0, nil); err != nil {
			e.Close()
			return nil, fmt.Errorf("harness: %s: %w", name, err)
		}
	}
	return e, nil
}

// Close ends every connection and the Lua state. Safe to call twice.
func (e *Env) Close() {
	e.cancel()
	for _, c := range e.conns {
		_ = c.conn.Close()
	}
	e.conns = map[int]*wsConn{}
	for done := false; !done; {
		select {
		case ev := <-e.events:
			if ev.conn != nil {
				_ = ev.conn.Close()
			}
		default:
			done = true
		}
	}
	e.wg.Wait()
	if e.L != nil {
		e.L.Close()
		e.L = nil
	}
}

// Output returns every line printed so far.
func (e *Env) Output() []Line { return append([]Line(nil), e.output...) }

// Errors returns the lines of uncaught errors in spawned threads.
func (e *Env) Errors() []string {
	var out []string
	for _, l := range e.output {
		if l.Kind == "error" {
			out = append(out, l.Text)
		}
	}
	return out
}

// Expose makes fn callable from Lua as __harness.<name>.
func (e *Env) Expose(name string, fn func(L *lua.LState) int) {
	h, ok := e.L.GetGlobal("__harness").(*lua.LTable)
	if !ok {
		panic("harness: no __harness table")
	}
	h.RawSetString(name, e.L.NewFunction(fn))
}

// RunString runs src as a server Script named name (the main thread of the
// scheduler) until it ends, and returns its error, if any.
func (e *Env) RunString(name, src string) error {
	e.deadline = time.Now().Add(e.opts.Timeout)
	fn, err := e.L.Load(strings.NewReader(src), "="+name)
	if err != nil {
		return err
	}
	run, ok := e.L.GetGlobal("__run").(*lua.LFunction)
	if !ok {
		return errors.New("harness: the prelude defines no __run")
	}
	if err := e.L.CallByParam(lua.P{Fn: run, NRet: 1, Protect: true}, fn, lua.LString(name)); err != nil {
		return err
	}
	ret := e.L.Get(-1)
	e.L.Pop(1)
	if ret == lua.LNil {
		return nil
	}
	return errors.New(ret.String())
}

// ExitCode is the status a Lune script passed to process.exit (-1 if it
// did not call it).
func (e *Env) ExitCode() int {
	h, ok := e.L.GetGlobal("__harness").(*lua.LTable)
	if !ok {
		return -1
	}
	if n, ok := h.RawGetString("exitCode").(lua.LNumber); ok {
		return int(n)
	}
	return -1
}

// RunFile runs a Lua file as RunString does.
func (e *Env) RunFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return e.RunString(strings.TrimSuffix(filepath.Base(path), ".lua"), string(src))
}

func (e *Env) print(kind, text string) {
	e.output = append(e.output, Line{kind, text})
	if e.opts.Log != nil {
		e.opts.Log(kind, text)
	}
}

// emit hands an event to the Lua goroutine; false once the Env is closing.
func (e *Env) emit(ev event) bool {
	select {
	case e.events <- ev:
		return true
	case <-e.ctx.Done():
		return false
	}
}

func (e *Env) newHandle() int {
	e.nextID++
	return e.nextID
}

// goTable builds the primitives the prelude calls as __go.<name>.
func (e *Env) goTable() *lua.LTable {
	t := e.L.NewTable()
	reg := func(name string, fn lua.LGFunction) { t.RawSetString(name, e.L.NewFunction(fn)) }

	reg("output", func(L *lua.LState) int {
		e.print(L.CheckString(1), L.CheckString(2))
		return 0
	})
	reg("lines", func(L *lua.LState) int {
		kind := L.CheckString(1)
		out := L.NewTable()
		for _, l := range e.output {
			if l.Kind == kind {
				out.Append(lua.LString(l.Text))
			}
		}
		L.Push(out)
		return 1
	})
	reg("now", func(L *lua.LState) int {
		L.Push(lua.LNumber(time.Since(e.start).Seconds()))
		return 1
	})
	reg("unix", func(L *lua.LState) int {
		L.Push(lua.LNumber(float64(time.Now().UnixMilli()) / 1000))
		return 1
	})
	reg("expired", func(L *lua.LState) int {
		L.Push(lua.LBool(time.Now().After(e.deadline)))
		return 1
	})
	reg("pending", func(L *lua.LState) int {
		L.Push(lua.LNumber(e.pending))
		return 1
	})
	reg("poll", e.luaPoll)
	reg("newproxy", func(L *lua.LState) int {
		ud := L.NewUserData()
		if mt, ok := L.Get(1).(*lua.LTable); ok {
			ud.Metatable = mt
		}
		L.Push(ud)
		return 1
	})
	reg("ws_connect", func(L *lua.LState) int {
		url := L.CheckString(1)
		h := e.newHandle()
		e.pending++
		e.wg.Add(1)
		go e.dial(h, url)
		L.Push(lua.LNumber(h))
		return 1
	})
	reg("ws_send", func(L *lua.LState) int {
		h := int(L.CheckNumber(1))
		text := L.CheckString(2)
		c := e.conns[h]
		if c == nil || c.closed {
			L.RaiseError("the WebSocket is not open")
		}
		if id := frameID(text); id != "" {
			c.outstanding[id]++
			e.pending++
		}
		if err := c.conn.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
			L.RaiseError("send failed: %v", err)
		}
		return 0
	})
	reg("ws_close", func(L *lua.LState) int {
		h := int(L.CheckNumber(1))
		if c := e.conns[h]; c != nil && !c.closed {
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			_ = c.conn.Close()
		}
		return 0
	})
	reg("http_request", func(L *lua.LState) int {
		method := L.CheckString(1)
		url := L.CheckString(2)
		headers := map[string]string{}
		if ht, ok := L.Get(3).(*lua.LTable); ok {
			ht.ForEach(func(k, v lua.LValue) { headers[k.String()] = v.String() })
		}
		body := L.OptString(4, "")
		h := e.newHandle()
		e.pending++
		e.httpIn[h] = true
		e.wg.Add(1)
		go e.doHTTP(h, method, url, headers, body)
		L.Push(lua.LNumber(h))
		return 1
	})
	reg("json_encode", func(L *lua.LState) int {
		s, err := robloxJSONEncode(L.Get(1))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(lua.LString(s))
		return 1
	})
	reg("json_decode", func(L *lua.LState) int {
		v, err := robloxJSONDecode(L, L.CheckString(1))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(v)
		return 1
	})
	reg("read_file", func(L *lua.LState) int {
		b, err := os.ReadFile(L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(lua.LString(string(b)))
		return 1
	})
	reg("list_dir", func(L *lua.LState) int {
		entries, err := os.ReadDir(L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		out := L.NewTable()
		for _, en := range entries {
			item := L.NewTable()
			item.RawSetString("name", lua.LString(en.Name()))
			item.RawSetString("isDir", lua.LBool(en.IsDir()))
			out.Append(item)
		}
		L.Push(out)
		return 1
	})
	reg("is_dir", func(L *lua.LState) int {
		st, err := os.Stat(L.CheckString(1))
		L.Push(lua.LBool(err == nil && st.IsDir()))
		return 1
	})
	reg("is_file", func(L *lua.LState) int {
		st, err := os.Stat(L.CheckString(1))
		L.Push(lua.LBool(err == nil && !st.IsDir()))
		return 1
	})
	return t
}

// frameID returns the id of a request frame the shim sends (as text), or "".
func frameID(text string) string {
	var probe struct {
		ID any `json:"id"`
	}
	if err := jsonUnmarshal([]byte(text), &probe); err != nil || probe.ID == nil {
		return ""
	}
	return fmt.Sprint(probe.ID)
}

// replyID returns the id of a reply (not of a notice), or "".
func replyID(text string) string {
	var probe struct {
		ID     any `json:"id"`
		Notice any `json:"notice"`
	}
	if err := jsonUnmarshal([]byte(text), &probe); err != nil || probe.ID == nil || probe.Notice != nil {
		return ""
	}
	return fmt.Sprint(probe.ID)
}

func (e *Env) dial(h int, url string) {
	defer e.wg.Done()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.DialContext(e.ctx, url, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
			_ = resp.Body.Close()
		}
		e.emit(event{kind: "ws_error", handle: h, status: status, err: err.Error()})
		return
	}
	if !e.emit(event{kind: "ws_open", handle: h, conn: conn}) {
		_ = conn.Close()
	}
}

// LunePingPanic is what Lune 0.10.1 does when its WebSocket client gets a
// Ping frame (lune-std-net, shared/websocket.rs): it panics. The fake
// records it as an uncaught error and drops the connection, so a daemon that
// pings a Lune session fails the test as it would kill real Lune.
const LunePingPanic = "lune panicked: internal error: entered unreachable code: Unhandled message: Some(Ping(b\"\"))"

func (e *Env) readLoop(h int, conn *websocket.Conn) {
	defer e.wg.Done()
	if e.opts.Lune {
		conn.SetPingHandler(func(string) error {
			return errors.New(LunePingPanic)
		})
	}
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			code := 0
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			}
			e.emit(event{kind: "ws_close", handle: h, err: err.Error(), status: code})
			return
		}
		e.emit(event{kind: "ws_message", handle: h, text: string(msg)})
	}
}

func (e *Env) doHTTP(h int, method, url string, headers map[string]string, body string) {
	defer e.wg.Done()
	req, err := http.NewRequestWithContext(e.ctx, method, url, strings.NewReader(body))
	if err != nil {
		e.emit(event{kind: "http_done", handle: h, err: err.Error()})
		return
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.httpCli.Do(req)
	if err != nil {
		e.emit(event{kind: "http_done", handle: h, err: err.Error()})
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.emit(event{kind: "http_done", handle: h, err: err.Error()})
		return
	}
	hdr := map[string]string{}
	for k := range resp.Header {
		hdr[k] = resp.Header.Get(k)
	}
	e.emit(event{kind: "http_done", handle: h, status: resp.StatusCode, text: string(b), header: hdr})
}

// luaPoll waits up to timeout seconds (0: do not wait) for an event and
// returns it as a table, or nil.
func (e *Env) luaPoll(L *lua.LState) int {
	timeout := time.Duration(float64(L.OptNumber(1, 0)) * float64(time.Second))
	var ev event
	if timeout <= 0 {
		select {
		case ev = <-e.events:
		default:
			L.Push(lua.LNil)
			return 1
		}
	} else {
		if until := time.Until(e.deadline); timeout > until {
			timeout = until
		}
		if timeout < time.Millisecond {
			timeout = time.Millisecond
		}
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		select {
		case ev = <-e.events:
		case <-tm.C:
			L.Push(lua.LNil)
			return 1
		}
	}
	L.Push(e.deliver(L, ev))
	return 1
}

// deliver does the bookkeeping of an event on the Lua goroutine and turns it
// into a table.
func (e *Env) deliver(L *lua.LState, ev event) lua.LValue {
	t := L.NewTable()
	t.RawSetString("kind", lua.LString(ev.kind))
	t.RawSetString("handle", lua.LNumber(ev.handle))
	switch ev.kind {
	case "ws_open":
		e.pending--
		e.conns[ev.handle] = &wsConn{conn: ev.conn, outstanding: map[string]int{}}
		e.wg.Add(1)
		go e.readLoop(ev.handle, ev.conn)
		t.RawSetString("status", lua.LNumber(101))
	case "ws_error":
		e.pending--
		t.RawSetString("status", lua.LNumber(ev.status))
		t.RawSetString("message", lua.LString(ev.err))
	case "ws_message":
		if c := e.conns[ev.handle]; c != nil {
			if id := replyID(ev.text); id != "" && c.outstanding[id] > 0 {
				c.outstanding[id]--
				e.pending--
			}
		}
		t.RawSetString("text", lua.LString(ev.text))
	case "ws_close":
		if c := e.conns[ev.handle]; c != nil && !c.closed {
			c.closed = true
			for _, n := range c.outstanding {
				e.pending -= n
			}
			c.outstanding = map[string]int{}
		}
		if strings.Contains(ev.err, LunePingPanic) {
			e.print("error", LunePingPanic)
		}
		t.RawSetString("message", lua.LString(ev.err))
		t.RawSetString("code", lua.LNumber(ev.status))
	case "http_done":
		if e.httpIn[ev.handle] {
			delete(e.httpIn, ev.handle)
			e.pending--
		}
		if ev.err != "" {
			t.RawSetString("error", lua.LString(ev.err))
		} else {
			t.RawSetString("status", lua.LNumber(ev.status))
			t.RawSetString("body", lua.LString(ev.text))
			h := L.NewTable()
			for k, v := range ev.header {
				h.RawSetString(k, lua.LString(v))
			}
			t.RawSetString("headers", h)
		}
	}
	return t
}

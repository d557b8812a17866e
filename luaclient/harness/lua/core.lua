-- core.lua: what every harness mode shares: a pcall that can yield, a task
-- scheduler on a virtual clock, typeof, printing, Luau's library extras, and
-- the assertions specs use. Loaded before roblox.lua or lune.lua.

local go = __go
local H = {}
__harness = H
H.config = __config

local rawcreate, rawresume, rawstatus = coroutine.create, coroutine.resume, coroutine.status
local rawyield, rawrunning = coroutine.yield, coroutine.running
local unpack = unpack

local function pack(...)
	return { n = select("#", ...), ... }
end
H.pack = pack

-- Luau's pcall can yield; gopher-lua's cannot. This one runs f in a
-- coroutine and passes its yields up, and coroutine.running answers the
-- thread that called pcall, so a thread that yields inside pcall is resumed
-- as a whole, as in Luau.
local parentOf = setmetatable({}, { __mode = "k" })

function pcall(f, ...)
	if type(f) ~= "function" then
		local mt = getmetatable(f)
		if not (mt and mt.__call) then
			return false, "attempt to call a " .. type(f) .. " value"
		end
	end
	local co = rawcreate(function(...)
		return f(...)
	end)
	parentOf[co] = rawrunning()
	local r = pack(rawresume(co, ...))
	while true do
		if not r[1] then
			parentOf[co] = nil
			return false, r[2]
		end
		if rawstatus(co) == "dead" then
			parentOf[co] = nil
			return true, unpack(r, 2, r.n)
		end
		r = pack(rawresume(co, rawyield(unpack(r, 2, r.n))))
	end
end

function xpcall(f, handler, ...)
	local r = pack(pcall(f, ...))
	if r[1] then
		return unpack(r, 1, r.n)
	end
	return false, handler(r[2])
end

function coroutine.running()
	local co = rawrunning()
	while co ~= nil and parentOf[co] ~= nil do
		co = parentOf[co]
	end
	return co
end

function coroutine.isyieldable()
	return rawrunning() ~= nil
end

-- typeof: userdata made by the harness carry their Roblox type in __type.
function typeof(v)
	local t = type(v)
	if t == "userdata" then
		local mt = getmetatable(v)
		if type(mt) == "table" and mt.__type ~= nil then
			return mt.__type
		end
	end
	return t
end

-- Printing, as Roblox joins arguments.
local function joined(...)
	local parts = {}
	for i = 1, select("#", ...) do
		parts[i] = tostring((select(i, ...)))
	end
	return table.concat(parts, " ")
end

function print(...)
	go.output("print", joined(...))
end

function warn(...)
	go.output("warn", joined(...))
end

-- gopher-lua's math.huge is the largest double; Luau's is infinity.
math.huge = 1 / 0

-- Luau library extras that game code uses.
function table.clone(t)
	local out = {}
	for k, v in pairs(t) do
		out[k] = v
	end
	return setmetatable(out, getmetatable(t))
end

function table.find(t, value, init)
	for i = init or 1, #t do
		if t[i] == value then
			return i
		end
	end
	return nil
end

function table.freeze(t)
	return t
end

function table.isfrozen()
	return false
end

function math.clamp(x, lo, hi)
	return math.max(lo, math.min(hi, x))
end

function math.round(x)
	return math.floor(x + 0.5)
end

function string.split(s, sep)
	sep = sep or ","
	local out = {}
	local start = 1
	while true do
		local a, b = string.find(s, sep, start, true)
		if not a then
			out[#out + 1] = string.sub(s, start)
			return out
		end
		out[#out + 1] = string.sub(s, start, a - 1)
		start = b + 1
	end
end

---------------------------------------------------------------------------
-- The scheduler: threads ready to run, timers on a virtual clock, and
-- events from Go (replies, connections).

local S = { now = 0, ready = {}, timers = {}, waiting = {}, handlers = {} }
H.scheduler = S

local function reportError(co, err)
	local text = tostring(err)
	go.output("error", text)
end

-- resume runs a suspended thread with args; errors are reported, as Roblox
-- prints errors of threads nobody waits for.
local function resume(co, ...)
	if rawstatus(co) ~= "suspended" then
		return
	end
	local ok, err = rawresume(co, ...)
	if not ok then
		reportError(co, err)
	end
end
S.resume = resume

local function addTimer(at, co, args, token)
	S.timers[#S.timers + 1] = { at = at, co = co, args = args, token = token }
end

task = {}

function task.spawn(f, ...)
	local co = f
	if type(f) == "function" then
		co = rawcreate(f)
	end
	resume(co, ...)
	return co
end

function task.defer(f, ...)
	local co = f
	if type(f) == "function" then
		co = rawcreate(f)
	end
	S.ready[#S.ready + 1] = { co = co, args = pack(...) }
	return co
end

function task.delay(seconds, f, ...)
	local co = f
	if type(f) == "function" then
		co = rawcreate(f)
	end
	addTimer(S.now + math.max(seconds or 0, 0), co, pack(...), nil)
	return co
end

function task.wait(seconds)
	seconds = math.max(seconds or 0, 1 / 60)
	local co = coroutine.running()
	local started = S.now
	local token = {}
	S.waiting[co] = token
	addTimer(S.now + seconds, co, pack(), token)
	while S.waiting[co] == token do
		rawyield()
	end
	return S.now - started
end

function task.cancel(co)
	S.waiting[co] = nil
	for i = #S.timers, 1, -1 do
		if S.timers[i].co == co then
			table.remove(S.timers, i)
		end
	end
	for i = #S.ready, 1, -1 do
		if S.ready[i].co == co then
			table.remove(S.ready, i)
		end
	end
end

wait = task.wait
delay = task.delay
spawn = task.defer

-- os.clock follows the scheduler's clock, so that waits cost no real time.
function os.clock()
	return S.now
end

local unixStart = go.unix()
function os.time(t)
	if t ~= nil then
		return 0
	end
	return math.floor(unixStart + S.now)
end

-- onEvent registers the handler of one kind of Go event.
function S.onEvent(kind, f)
	S.handlers[kind] = f
end

local function dispatch(ev)
	local f = S.handlers[ev.kind]
	if f ~= nil then
		f(ev)
	end
end

local function runReady()
	local q = S.ready
	S.ready = {}
	for _, item in ipairs(q) do
		resume(item.co, unpack(item.args, 1, item.args.n))
	end
end

local function nextTimer()
	local best = nil
	for _, t in ipairs(S.timers) do
		if best == nil or t.at < best.at then
			best = t
		end
	end
	return best
end

local function fireTimers()
	local due = {}
	local rest = {}
	for _, t in ipairs(S.timers) do
		if t.at <= S.now then
			due[#due + 1] = t
		else
			rest[#rest + 1] = t
		end
	end
	S.timers = rest
	table.sort(due, function(a, b)
		return a.at < b.at
	end)
	for _, t in ipairs(due) do
		if t.token == nil then
			resume(t.co, unpack(t.args, 1, t.args.n))
		elseif S.waiting[t.co] == t.token then
			S.waiting[t.co] = nil
			resume(t.co)
		end
	end
end

-- __run runs main as the main thread until it ends; it returns nil, or the
-- main thread's error.
function __run(main, name)
	H.scriptName = name
	local failure = nil
	local co = rawcreate(function()
		local ok, err = pcall(main)
		if not ok and (H.EXIT == nil or err ~= H.EXIT) then
			failure = tostring(err)
		end
	end)
	resume(co)
	while rawstatus(co) ~= "dead" do
		if go.expired() then
			return "harness: the script did not finish in time (a thread waits for something that never comes)"
		end
		if #S.ready > 0 then
			runReady()
		else
			local ev = go.poll(0)
			if ev ~= nil then
				dispatch(ev)
			else
				local t = nextTimer()
				if t ~= nil and t.at <= S.now then
					fireTimers()
				elseif go.pending() > 0 then
					local wait = 1
					if t ~= nil then
						wait = math.min(wait, t.at - S.now)
					end
					local before = go.now()
					ev = go.poll(wait)
					S.now = S.now + (go.now() - before)
					if ev ~= nil then
						dispatch(ev)
					end
				elseif t ~= nil then
					S.now = t.at
				else
					-- Nothing can happen any more, but connections may still
					-- push something: wait a little before giving up.
					ev = go.poll(0.2)
					if ev ~= nil then
						dispatch(ev)
					else
						return "harness: deadlock: the script waits, and nothing is in flight or scheduled"
					end
				end
			end
		end
	end
	-- Let deferred work finish (it may report errors) without waiting on I/O.
	runReady()
	return failure
end

-- lines returns the lines printed so far of one kind ("print", "warn",
-- "error").
function H.lines(kind)
	return go.lines(kind)
end

return H

-- Env: what the shim needs from the runtime it finds itself in, Roblox
-- (Studio or a live server) or Lune, behind one small surface: the task
-- scheduler, services, a local clock, and Waiter, the one way a calling
-- thread yields until something (a reply, a connection) resolves it.

local Env = {}

local function lunePackage(name)
	local ok, lib = pcall(require, "@lune/" .. name)
	if ok then
		return lib
	end
	return nil
end

-- runtime is "roblox" where a DataModel exists (Studio, a server, the Go
-- harness), else "lune" when Lune's libraries load, else "unknown". It is
-- decided once, when the shim loads (the Lune runner adds a `game` for the
-- scripts it runs afterwards).
if game ~= nil then
	Env.runtime = "roblox"
elseif lunePackage("process") ~= nil then
	Env.runtime = "lune"
else
	Env.runtime = "unknown"
end

Env.task = task
if Env.task == nil and Env.runtime == "lune" then
	Env.task = lunePackage("task")
end

Env.typeof = typeof or type

-- lune returns one of Lune's built-in libraries ("net", "serde", ...), or nil
-- outside Lune.
function Env.lune(name)
	if Env.runtime ~= "lune" then
		return nil
	end
	return lunePackage(name)
end

-- service returns game:GetService(name), or nil where there is no such
-- service (Lune).
function Env.service(name)
	if game == nil then
		return nil
	end
	local ok, svc = pcall(function()
		return game:GetService(name)
	end)
	if ok then
		return svc
	end
	return nil
end

-- isLiveGame reports a running experience outside Studio: there the shim
-- hands out the real DataStoreService unless told otherwise.
function Env.isLiveGame()
	local rs = Env.service("RunService")
	if rs == nil then
		return false
	end
	local ok, studio = pcall(function()
		return rs:IsStudio()
	end)
	return ok and studio == false
end

-- clockMs is a local monotonic clock in milliseconds (os.clock is a high
-- resolution wall clock in Roblox and Lune).
function Env.clockMs()
	return os.clock() * 1000
end

function Env.spawn(f, ...)
	return Env.task.spawn(f, ...)
end

function Env.defer(f, ...)
	return Env.task.defer(f, ...)
end

function Env.delay(seconds, f, ...)
	return Env.task.delay(seconds, f, ...)
end

function Env.wait(seconds)
	return Env.task.wait(seconds)
end

-- warn prints a warning exactly as given.
function Env.warn(message)
	if warn then
		warn(message)
	else
		print(message)
	end
end

local unpackFn = unpack or table.unpack

-- Waiter: a one-shot result that threads can wait for. wait() yields the
-- running thread until resolve(...) is called (from any other thread), then
-- returns what resolve was given; if it was already resolved, wait returns at
-- once.
local Waiter = {}
Waiter.__index = Waiter

function Env.newWaiter()
	return setmetatable({ done = false, threads = {} }, Waiter)
end

function Waiter:resolve(...)
	if self.done then
		return
	end
	self.done = true
	self.values = { n = select("#", ...), ... }
	local threads = self.threads
	self.threads = {}
	for _, thread in ipairs(threads) do
		Env.spawn(thread)
	end
end

function Waiter:wait()
	if not self.done then
		local thread = coroutine.running()
		self.threads[#self.threads + 1] = thread
		-- A thread may be resumed by someone else (a coroutine.resume of its
		-- owner); keep waiting until the result is really there.
		while not self.done do
			coroutine.yield()
		end
	end
	return unpackFn(self.values, 1, self.values.n)
end

return Env

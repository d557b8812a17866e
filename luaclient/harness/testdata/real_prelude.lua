-- real_prelude.lua: what a spec finds under real Lune (realune_test.go puts
-- lua/expect.lua, then this file, ahead of the spec, and runs the whole as
-- one server script with `rbxemu run`'s runner). It gives the names the
-- gopher-lua harness gives, over the runner's API: __harness.setup returns
-- the shim the runner configured, the clock moves through the daemon's
-- _emulator.clock ops, players join and leave through the runner.

local H = __harness
local RbxEmu = rbxemu.RbxEmu
H.rbxemu = RbxEmu

local printed = { print = {}, warn = {}, error = {} }
rbxemu.onOutput(function(kind, text)
	local list = printed[kind]
	if list ~= nil then
		list[#list + 1] = text
	end
end)

function H.setup(extra)
	if extra ~= nil then
		RbxEmu.configure(extra)
	end
	return RbxEmu
end

function H.advance(ms)
	RbxEmu.call("_emulator.clock.advance", { duration = ms })
end

function H.setClock(ms)
	RbxEmu.call("_emulator.clock.set", { time = ms })
end

function H.lines(kind)
	local out = {}
	for k, v in ipairs(printed[kind] or {}) do
		out[k] = v
	end
	return out
end

function H.addPlayer(name, userId)
	return rbxemu.addPlayer(name, userId)
end

function H.removePlayer(player)
	rbxemu.removePlayer(player)
end

-- The runner's game:GetService("DataStoreService") is the emulated service
-- already.
function H.useEmulatedService() end

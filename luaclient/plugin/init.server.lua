-- rbxemu Studio plugin: the rbxemu DataStore emulator made visible inside
-- Studio. A toolbar button opens a dock widget showing the daemon's data
-- stores, keys, values and versions, ordered stores, a live request monitor,
-- each game server's budgets, the clock and the fault rules, and lets you
-- edit, delete and restore values. It talks to the daemon only (HTTP to
-- localhost); it never uses the real DataStoreService. See docs/plugin.md.
--
-- Install: `rbxemu plugin install` (or `rbxemu plugin build FILE`).

-- The plugin runs in Studio's edit session only, not again inside each Play
-- session's server and client, so there is one button and one widget.
local RunService = game:GetService("RunService")
if plugin == nil or not RunService:IsEdit() then
	return
end

local App = require(script:WaitForChild("App"))
App.start(plugin)

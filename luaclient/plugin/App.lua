-- App: the plugin put together. It makes the toolbar button and the dock
-- widget, the models (plain data, in Model/) and the panels (Instances, in
-- Ui/), and runs every action on a thread of its own so that Studio never
-- waits for the daemon. The models know nothing of Instances; the panels
-- know nothing of HTTP.
--
--   local app = App.start(plugin)            -- what the plugin Script does
--   App.start(plugin, { http = fakeHttp, poll = false, stream = false })
--
-- Options: http (HttpService by default), poll (false: no periodic refresh
-- of the shown tab), stream (force the monitor's source: true WebSocket,
-- false polling; default: the WebSocket where Studio has one).
--
-- app.busy counts actions in flight (tests wait for it to reach 0).

local Settings = require(script.Parent:WaitForChild("Settings"))
local Model = script.Parent:WaitForChild("Model")
local Ui = script.Parent:WaitForChild("Ui")
local Connection = require(Model:WaitForChild("Connection"))
local Stores = require(Model:WaitForChild("Stores"))
local Keys = require(Model:WaitForChild("Keys"))
local Entry = require(Model:WaitForChild("Entry"))
local Sorted = require(Model:WaitForChild("Sorted"))
local Monitor = require(Model:WaitForChild("Monitor"))
local Budgets = require(Model:WaitForChild("Budgets"))
local Clock = require(Model:WaitForChild("Clock"))
local Faults = require(Model:WaitForChild("Faults"))
local Window = require(Ui:WaitForChild("Window"))

local PANELS = {
	Stores = require(Ui:WaitForChild("StoresPanel")),
	Keys = require(Ui:WaitForChild("KeysPanel")),
	Value = require(Ui:WaitForChild("ValuePanel")),
	Sorted = require(Ui:WaitForChild("SortedPanel")),
	Monitor = require(Ui:WaitForChild("MonitorPanel")),
	Budgets = require(Ui:WaitForChild("BudgetsPanel")),
	Clock = require(Ui:WaitForChild("ClockPanel")),
	Faults = require(Ui:WaitForChild("FaultsPanel")),
}

local App = {}
App.__index = App

App.WIDGET_ID = "RbxEmuDataStores"
App.POLL_INTERVAL = 2

local function placeOf()
	local place = {}
	pcall(function()
		place.gameId = game.GameId
		place.placeId = game.PlaceId
	end)
	return place
end

function App.start(plugin, options)
	options = options or {}
	local http = options.http or game:GetService("HttpService")
	local settings = Settings.new(plugin)
	local connection = Connection.new(settings, http, placeOf())
	local self = setmetatable({ plugin = plugin, settings = settings, connection = connection, busy = 0, stopped = false }, App)
	self.models = {
		stores = Stores.new(connection),
		keys = Keys.new(connection),
		entry = Entry.new(connection),
		sorted = Sorted.new(connection),
		monitor = Monitor.new(connection, http, options.stream),
		budgets = Budgets.new(connection),
		clock = Clock.new(connection),
		faults = Faults.new(connection),
	}

	self.toolbar = plugin:CreateToolbar("rbxemu")
	self.button = self.toolbar:CreateButton("RbxEmuDataStores", "Show the DataStore emulator (rbxemu): stores, keys, "
		.. "values, monitor, budgets, clock, faults", options.icon or "", "DataStores")
	self.button.ClickableWhenViewportHidden = true
	local info = DockWidgetPluginGuiInfo.new(Enum.InitialDockState.Float, false, false, 900, 560, 560, 360)
	self.widget = plugin:CreateDockWidgetPluginGui(App.WIDGET_ID, info)
	self.widget.Title = "rbxemu DataStores"
	self.widget.Name = "RbxEmu"

	self.window = Window.build(self.widget, {
		connect = function(url, token, universe)
			self:Reconnect(url, token, universe)
		end,
		select = function(name)
			self:Select(name)
		end,
	})
	self.panels = {}
	for _, name in ipairs(Window.TABS) do
		local panel = PANELS[name].build(self.window.body, self)
		self.panels[name] = panel
		self.window.panels[name] = panel
	end
	self.window.renderStatus(connection:View())
	self.window.show("Stores")

	self.button.Click:Connect(function()
		self:SetOpen(not self.widget.Enabled)
	end)
	self.widget:BindToClose(function()
		self:SetOpen(false)
	end)
	plugin.Unloading:Connect(function()
		self:Stop()
	end)
	if self.widget.Enabled then
		-- Studio restored the widget from the last session
		self:SetOpen(true)
	end
	if options.poll ~= false then
		task.spawn(function()
			self:_tick()
		end)
	end
	App.running = self
	return self
end

-- Run performs f on a thread of its own, counted in busy; the status bar
-- is redrawn after it.
function App:Run(f)
	self.busy = self.busy + 1
	task.spawn(function()
		local ok, err = pcall(f)
		self.busy = self.busy - 1
		if not ok then
			warn("rbxemu plugin: " .. tostring(err))
		end
		self.window.renderStatus(self.connection:View())
	end)
end

-- SetOpen shows or hides the widget; showing it connects (when not yet)
-- and refreshes the tab shown.
function App:SetOpen(open)
	self.widget.Enabled = open
	self.button:SetActive(open)
	if not open then
		self.panels.Monitor.stop()
		return
	end
	if self.connection.state ~= "connected" then
		self:Run(function()
			self.connection:Connect()
			self:_showPanel()
		end)
	else
		self:_showPanel()
	end
end

function App:_showPanel()
	local panel = self.panels[self.window.selected]
	if panel ~= nil and panel.onShow ~= nil then
		panel.onShow()
	end
end

-- Select shows a tab.
function App:Select(name)
	self.window.show(name)
	if self.widget.Enabled then
		self:_showPanel()
	end
end

-- Reconnect applies the connection bar (saving its fields) and follows it
-- everywhere: the monitor reconnects, the shown tab reloads.
function App:Reconnect(url, token, universe)
	self:Run(function()
		local view = self.connection:Apply({ url = url, token = token, universe = universe })
		self.window.renderStatus(view)
		self.models.monitor:Restart()
		if view.state == "connected" then
			self:_showPanel()
		end
	end)
end

-- OpenKeys shows the keys of a store (a click in the Stores tab).
function App:OpenKeys(storeName)
	self.window.show("Keys")
	self.panels.Keys.open(storeName)
end

-- OpenValue shows one key (a click in the Keys tab).
function App:OpenValue(target)
	self.window.show("Value")
	self.panels.Value.open(target)
end

-- tick refreshes the tab shown (budgets, the monitor's fallback) while the
-- widget is open.
function App:_tick()
	while not self.stopped do
		task.wait(App.POLL_INTERVAL)
		if not self.stopped and self.widget.Enabled and self.busy == 0 then
			local panel = self.panels[self.window.selected]
			if panel ~= nil and panel.tick ~= nil then
				self:Run(panel.tick)
			end
		end
	end
end

-- Stop ends everything (the plugin is unloading).
function App:Stop()
	self.stopped = true
	self.models.monitor:Stop()
	self.connection.client:Close()
end

return App

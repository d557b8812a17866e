-- Window: the frame of the widget: the connection bar on top (status line;
-- URL, token and universe boxes; Connect), the tab bar, and the body where
-- the selected tab's panel shows. It calls back into the app for every
-- action; it holds no state of its own beyond which tab is selected.
--
--   +-----------------------------------------------------------------+
--   | Connected to rbxemu 1.0 at http://127.0.0.1:34890: universe 1...  |
--   | URL [http://127.0.0.1:34890] Token [....] Universe [ ] [Connect] |
--   | [Stores][Keys][Value][Sorted][Monitor][Budgets][Clock][Faults]   |
--   | (the selected panel)                                             |
--   +-----------------------------------------------------------------+

local Theme = require(script.Parent:WaitForChild("Theme"))
local Widgets = require(script.Parent:WaitForChild("Widgets"))

local Window = {}

Window.TABS = { "Stores", "Keys", "Value", "Sorted", "Monitor", "Budgets", "Clock", "Faults" }

-- build fills widget (a DockWidgetPluginGui). actions: connect(url, token,
-- universe), select(tabName).
function Window.build(widget, actions)
	local root = Widgets.frame(widget, "Root", { BackgroundColor3 = Theme.colors.background })

	local bar = Widgets.frame(root, "ConnectionBar", { BackgroundColor3 = Theme.colors.panel })
	local status = Widgets.label(bar, "Status", "Not connected yet", nil, {
		Font = Theme.bold,
		TextTruncate = Enum.TextTruncate.AtEnd,
		Position = UDim2.new(0, 6, 0, 2),
		Size = UDim2.new(1, -12, 0, 20),
	})
	local fields = Widgets.row(bar, "Fields")
	fields.Position = UDim2.new(0, 6, 0, 24)
	fields.Size = UDim2.new(1, -12, 0, Theme.controlHeight)
	Widgets.label(fields, "UrlLabel", "URL", 30)
	local url = Widgets.box(fields, "UrlBox", "http://127.0.0.1:34890", 210)
	Widgets.label(fields, "TokenLabel", "Token", 42)
	local token = Widgets.box(fields, "TokenBox", "none", 90)
	Widgets.label(fields, "UniverseLabel", "Universe", 58)
	local universe = Widgets.box(fields, "UniverseBox", "this place's", 90)
	local connect = Widgets.button(fields, "ConnectButton", "Connect", 80)

	local tabBar = Widgets.row(root, "TabBar", 26)
	local body = Widgets.frame(root, "Body", { BackgroundColor3 = Theme.colors.panel })
	Widgets.stack({ { bar, 54 }, { tabBar, 28 }, { body } })

	local window = { root = root, body = body, tabs = {}, panels = {}, selected = nil }

	local function submit()
		actions.connect(url.Text, token.Text, universe.Text)
	end
	connect.Activated:Connect(submit)
	Widgets.onEnter({ url, token, universe }, submit)

	for _, name in ipairs(Window.TABS) do
		local tab = Widgets.button(tabBar, "Tab_" .. name, name, 76, function()
			actions.select(name)
		end, { BackgroundColor3 = Theme.colors.tab })
		window.tabs[name] = tab
	end

	-- renderStatus shows a Connection view.
	function window.renderStatus(view)
		status.Text = view.text
		if view.state == "connected" then
			status.TextColor3 = Theme.colors.good
		elseif view.state == "failed" then
			status.TextColor3 = Theme.colors.bad
		else
			status.TextColor3 = Theme.colors.muted
		end
		-- the boxes follow the saved settings, but only when those changed, so
		-- a status redraw never overwrites what is being typed
		local shown = window.shownSettings or {}
		for _, f in ipairs({ { url, "url" }, { token, "token" }, { universe, "universe" } }) do
			local value = view[f[2]] or ""
			if shown[f[2]] ~= value then
				f[1].Text = value
				shown[f[2]] = value
			end
		end
		window.shownSettings = shown
	end

	-- show makes one panel visible and marks its tab.
	function window.show(name)
		window.selected = name
		for tabName, tab in pairs(window.tabs) do
			tab.BackgroundColor3 = tabName == name and Theme.colors.tabActive or Theme.colors.tab
		end
		for panelName, panel in pairs(window.panels) do
			panel.root.Visible = panelName == name
		end
	end

	return window
end

return Window

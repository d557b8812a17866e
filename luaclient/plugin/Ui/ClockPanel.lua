-- ClockPanel: the "Clock" tab: the daemon's time and kind of clock, and
-- "Advance" by a typed duration (virtual clocks only).

local Theme = require(script.Parent:WaitForChild("Theme"))
local Widgets = require(script.Parent:WaitForChild("Widgets"))

local ClockPanel = {}

function ClockPanel.build(parent, app)
	local model = app.models.clock
	local root = Widgets.frame(parent, "ClockPanel", { Visible = false })
	local now = Widgets.label(root, "Now", "", nil, { Font = Theme.bold, TextSize = Theme.textSize + 4 })
	local kind = Widgets.label(root, "Kind", "", nil, { TextColor3 = Theme.colors.muted, TextWrapped = true })
	local controls = Widgets.row(root, "Controls")
	local refresh = Widgets.button(controls, "RefreshButton", "Refresh", 70)
	Widgets.label(controls, "DurationLabel", "Advance by", 76)
	local duration = Widgets.box(controls, "DurationBox", "90s, 5m, 1h30m, 30d", 150)
	local advance = Widgets.button(controls, "AdvanceButton", "Advance", 70)
	local message = Widgets.message(root, "Message")
	local spacer = Widgets.frame(root, "Spacer", { BackgroundTransparency = 1 })
	Widgets.stack({ { now, 30 }, { kind, 24 }, { controls, 28 }, { message, 36 }, { spacer } })

	local panel = { root = root }

	function panel.render(view)
		now.Text = view.now and ("Now: " .. view.time .. "   (" .. string.format("%.0f", view.now) .. " ms)") or "Now: -"
		kind.Text = "Clock: " .. view.kind
		advance.Visible = view.virtual ~= false
		Widgets.say(message, view.message, view.ok)
	end

	local run = Widgets.runner(app, panel)
	local function doAdvance()
		local text = duration.Text
		run(function()
			return model:Advance(text)
		end)
	end
	local function update()
		run(function()
			return model:Refresh()
		end)
	end
	refresh.Activated:Connect(update)
	advance.Activated:Connect(doAdvance)
	Widgets.onEnter({ duration }, doAdvance)

	panel.onShow = update

	panel.render(model:View())
	return panel
end

return ClockPanel

-- FaultsPanel: the "Faults" tab: a form for a new rule (which calls, when,
-- what happens), the rules with their counters, each with a Clear button,
-- and Clear all.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local FaultsPanel = {}

function FaultsPanel.build(parent, app)
	local model = app.models.faults
	local root = Widgets.frame(parent, "FaultsPanel", { Visible = false })

	local match = Widgets.row(root, "Match")
	local boxes = {}
	local function field(row, name, caption, placeholder, width, labelWidth)
		Widgets.label(row, name .. "Label", caption, labelWidth)
		boxes[name] = Widgets.box(row, name .. "Box", placeholder, width)
	end
	field(match, "op", "Op", "any (glob: *Async)", 120, 22)
	field(match, "store", "Store", "any", 100, 38)
	field(match, "scope", "Scope", "any", 70, 40)
	field(match, "key", "Key", "any (Player_*)", 100, 28)

	local when = Widgets.row(root, "When")
	field(when, "nth", "From call", "1", 40, 62)
	field(when, "times", "Times", "no limit", 60, 38)
	field(when, "probability", "Probability", "1", 50, 72)
	field(when, "latency", "Latency", "none (250ms)", 90, 50)

	local effect = Widgets.row(root, "Effect")
	field(effect, "error", "Error", "502, KeyThrottled...", 130, 36)
	field(effect, "detail", "Detail", "optional", 110, 42)
	local _, drop = Widgets.toggle(effect, "DropButton", "Drop: yes", "Drop: no", 80, false)
	local add = Widgets.button(effect, "AddButton", "Add rule", 76)

	local controls = Widgets.row(root, "Controls")
	local refresh = Widgets.button(controls, "RefreshButton", "Refresh", 70)
	local clearAll = Widgets.button(controls, "ClearAllButton", "Clear all", 76)
	local message = Widgets.message(root, "Message")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { match, 28 }, { when, 28 }, { effect, 28 }, { controls, 28 }, { message, 36 }, { rows } })

	local panel = { root = root, boxes = boxes }

	local run = Widgets.runner(app, panel)

	function panel.render(view)
		Widgets.say(message, view.message, view.ok)
		Widgets.clear(rows)
		for i, r in ipairs(view.rows) do
			local text = string.format("%-4s %-40s %-28s %-22s matched %d fired %d%s", r.id, r.match, r.when, r.effect,
				r.matched, r.fired, r.spent and " (spent)" or "")
			local row = Widgets.listRow(rows, i, text, r.spent and "deleted" or "row")
			local id = r.id
			Widgets.button(row, "ClearButton", "Clear", 50, function()
				run(function()
					return model:Clear({ id })
				end)
			end, { Position = UDim2.new(1, -54, 0, 0), Size = UDim2.new(0, 50, 1, 0) })
		end
	end

	add.Activated:Connect(function()
		local form = { drop = drop() }
		for name, box in pairs(boxes) do
			form[name] = box.Text
		end
		run(function()
			return model:Add(form)
		end)
	end)
	local function update()
		run(function()
			return model:Refresh()
		end)
	end
	refresh.Activated:Connect(update)
	clearAll.Activated:Connect(function()
		run(function()
			return model:Clear(nil)
		end)
	end)

	panel.onShow = update

	panel.render(model:View())
	return panel
end

return FaultsPanel

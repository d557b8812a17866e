-- BudgetsPanel: the "Budgets" tab: each session (game server) with its
-- budgets per request type and rate, and its throttle queues; a session
-- with calls waiting is highlighted. Refreshed while the tab is shown.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local BudgetsPanel = {}

function BudgetsPanel.build(parent, app)
	local model = app.models.budgets
	local root = Widgets.frame(parent, "BudgetsPanel", { Visible = false })
	local controls = Widgets.row(root, "Controls")
	local refresh = Widgets.button(controls, "RefreshButton", "Refresh", 70)
	Widgets.label(controls, "Hint", "What GetRequestBudgetForRequestType answers each game server now.", 420)
	local message = Widgets.message(root, "Message")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { controls, 28 }, { message, 36 }, { rows } })

	local panel = { root = root }

	function panel.render(view)
		Widgets.say(message, view.message, view.ok)
		Widgets.clear(rows)
		local n = 0
		for _, s in ipairs(view.rows) do
			n = n + 1
			local head = string.format("%s  %-7s job %s  universe %s  players %d  queued %d%s%s", s.session, s.client,
				s.jobId, tostring(s.universe), s.players, s.queued, s.queues ~= "" and (" (" .. s.queues .. ")") or "",
				s.own and "  (this plugin)" or "")
			local kind = s.kind
			if kind == "ok" and s.own then
				kind = "own"
			end
			Widgets.listRow(rows, n, head, kind)
			for _, b in ipairs(s.budgets) do
				n = n + 1
				local text = string.format("    %-20s %6d", b.name, b.value)
				if b.perMinute ~= nil then
					text = text .. string.format("   (+%d a minute)", b.perMinute)
				end
				Widgets.listRow(rows, n, text, "row")
			end
		end
	end

	local function update()
		app:Run(function()
			panel.render(model:Refresh())
		end)
	end
	refresh.Activated:Connect(update)

	panel.onShow = update
	function panel.tick()
		panel.render(model:Refresh())
	end

	panel.render(model:View())
	return panel
end

return BudgetsPanel

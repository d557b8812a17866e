-- SortedPanel: the "Sorted" tab: an ordered data store's entries by value
-- (GetSortedAsync), with direction, bounds, page size and paging.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local SortedPanel = {}

function SortedPanel.build(parent, app)
	local model = app.models.sorted
	local root = Widgets.frame(parent, "SortedPanel", { Visible = false })
	local controls = Widgets.row(root, "Controls")
	Widgets.label(controls, "StoreLabel", "Ordered store", 86)
	local store = Widgets.box(controls, "StoreBox", "name", 130)
	Widgets.label(controls, "ScopeLabel", "Scope", 40)
	local scope = Widgets.box(controls, "ScopeBox", "global", 70)
	local _, ascending = Widgets.toggle(controls, "DirectionButton", "Ascending", "Descending", 90, false)
	local query = Widgets.button(controls, "QueryButton", "Show", 56)

	local bounds = Widgets.row(root, "Bounds")
	Widgets.label(bounds, "MinLabel", "Min", 28)
	local minValue = Widgets.box(bounds, "MinBox", "(none)", 90)
	Widgets.label(bounds, "MaxLabel", "Max", 28)
	local maxValue = Widgets.box(bounds, "MaxBox", "(none)", 90)
	Widgets.label(bounds, "PageSizeLabel", "Page size", 62)
	local pageSize = Widgets.box(bounds, "PageSizeBox", "50", 44)
	local prev = Widgets.button(bounds, "PrevButton", "< Prev", 64)
	local nextButton = Widgets.button(bounds, "NextButton", "Next >", 64)
	local page = Widgets.label(bounds, "PageLabel", "", 80)

	local message = Widgets.message(root, "Message")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { controls, 28 }, { bounds, 28 }, { message, 36 }, { rows } })

	local panel = { root = root }

	function panel.render(view)
		Widgets.say(message, view.message, view.ok)
		page.Text = view.page > 0 and ("page " .. view.page) or ""
		prev.Visible = view.hasPrev
		nextButton.Visible = view.hasNext
		Widgets.clear(rows)
		for i, row in ipairs(view.rows) do
			Widgets.listRow(rows, i, string.format("%5d  %-50s  %s", row.rank, row.key, row.value),
				i % 2 == 0 and "rowAlt" or "row")
		end
	end

	local run = Widgets.runner(app, panel)

	local function show()
		run(function()
			return model:Query({
				store = store.Text,
				scope = scope.Text,
				ascending = ascending(),
				minValue = minValue.Text,
				maxValue = maxValue.Text,
				pageSize = pageSize.Text,
			})
		end)
	end
	query.Activated:Connect(show)
	Widgets.onEnter({ store, scope, minValue, maxValue, pageSize }, show)
	Widgets.paging(run, model, prev, nextButton)

	function panel.onShow() end

	panel.render(model:View())
	return panel
end

return SortedPanel

-- StoresPanel: the "Stores" tab: a prefix box, List / Prev / Next, and the
-- data stores of the universe (listed again each time the tab is shown);
-- clicking one opens its keys.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local StoresPanel = {}

function StoresPanel.build(parent, app)
	local model = app.models.stores
	local root = Widgets.frame(parent, "StoresPanel", { Visible = false })
	local controls = Widgets.row(root, "Controls")
	Widgets.label(controls, "PrefixLabel", "Name prefix", 80)
	local prefix = Widgets.box(controls, "PrefixBox", "(all stores)", 180)
	local list = Widgets.button(controls, "ListButton", "List", 60)
	local prev = Widgets.button(controls, "PrevButton", "< Prev", 64)
	local nextButton = Widgets.button(controls, "NextButton", "Next >", 64)
	local page = Widgets.label(controls, "PageLabel", "", 80)
	local message = Widgets.message(root, "Message")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { controls, 28 }, { message, 36 }, { rows } })

	local panel = { root = root }

	function panel.render(view)
		Widgets.say(message, view.message, view.ok)
		page.Text = view.page > 0 and ("page " .. view.page) or ""
		prev.Visible = view.hasPrev
		nextButton.Visible = view.hasNext
		Widgets.clear(rows)
		for i, row in ipairs(view.rows) do
			local text = string.format("%-50s  updated %s  created %s", row.name, row.updated, row.created)
			Widgets.listRow(rows, i, text, i % 2 == 0 and "rowAlt" or "row", function()
				app:OpenKeys(row.name)
			end)
		end
	end

	local run = Widgets.runner(app, panel)

	local function search()
		run(function()
			return model:Search(prefix.Text)
		end)
	end
	list.Activated:Connect(search)
	Widgets.onEnter({ prefix }, search)
	Widgets.paging(run, model, prev, nextButton)

	-- onShow lists the stores afresh each time the tab is shown
	panel.onShow = search

	panel.render(model:View())
	return panel
end

return StoresPanel

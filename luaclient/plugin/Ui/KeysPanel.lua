-- KeysPanel: the "Keys" tab: store, scope (or all scopes), key prefix,
-- List / Prev / Next, and the keys; clicking one opens it in the Value tab.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local KeysPanel = {}

function KeysPanel.build(parent, app)
	local model = app.models.keys
	local root = Widgets.frame(parent, "KeysPanel", { Visible = false })
	local controls = Widgets.row(root, "Controls")
	Widgets.label(controls, "StoreLabel", "Store", 38)
	local store = Widgets.box(controls, "StoreBox", "data store name", 140)
	Widgets.label(controls, "ScopeLabel", "Scope", 40)
	local scope = Widgets.box(controls, "ScopeBox", "global", 80)
	local _, allScopes = Widgets.toggle(controls, "AllScopesButton", "All scopes: on", "All scopes: off", 104, false)
	Widgets.label(controls, "PrefixLabel", "Prefix", 40)
	local prefix = Widgets.box(controls, "PrefixBox", "(all keys)", 120)
	local list = Widgets.button(controls, "ListButton", "List", 50)

	local paging = Widgets.row(root, "Paging")
	local prev = Widgets.button(paging, "PrevButton", "< Prev", 64)
	local nextButton = Widgets.button(paging, "NextButton", "Next >", 64)
	local _, excludeDeleted = Widgets.toggle(paging, "DeletedButton", "Deleted keys: hidden", "Deleted keys: shown", 140,
		false)
	local page = Widgets.label(paging, "PageLabel", "", 200)
	local message = Widgets.message(root, "Message")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { controls, 28 }, { paging, 28 }, { message, 36 }, { rows } })

	local panel = { root = root }

	function panel.render(view)
		Widgets.say(message, view.message, view.ok)
		local q = view.query
		page.Text = ""
		if q ~= nil and view.page > 0 then
			page.Text = string.format("%s / %s, page %d", q.store, q.allScopes and "(all scopes)" or q.scope, view.page)
		end
		prev.Visible = view.hasPrev
		nextButton.Visible = view.hasNext
		Widgets.clear(rows)
		for i, row in ipairs(view.rows) do
			Widgets.listRow(rows, i, row.key, i % 2 == 0 and "rowAlt" or "row", function()
				app:OpenValue(model:Target(row.key))
			end)
		end
	end

	local run = Widgets.runner(app, panel)

	local function search()
		run(function()
			return model:Search({
				store = store.Text,
				scope = scope.Text,
				allScopes = allScopes(),
				prefix = prefix.Text,
				excludeDeleted = excludeDeleted(),
			})
		end)
	end
	panel.search = search

	list.Activated:Connect(search)
	Widgets.onEnter({ store, scope, prefix }, search)
	Widgets.paging(run, model, prev, nextButton)

	-- open lists the keys of a store (from the Stores tab).
	function panel.open(storeName)
		store.Text = storeName
		prefix.Text = ""
		search()
	end

	function panel.onShow() end

	panel.render(model:View())
	return panel
end

return KeysPanel

-- ValuePanel: the "Value" tab. Left: the key's value as pretty JSON in an
-- editable box, its key info, and Save / Format / Undo edits / Delete.
-- Right: the key's versions, newest first; clicking one shows its value
-- below with "Restore as latest". Delete and Restore ask for a second click.

local Theme = require(script.Parent:WaitForChild("Theme"))
local Widgets = require(script.Parent:WaitForChild("Widgets"))
local Json = require(script.Parent.Parent:WaitForChild("Json"))

local ValuePanel = {}

-- confirmable makes a button that acts on its second click.
local function confirmable(parent, name, text, confirmText, width, action)
	local armed = false
	local b
	b = Widgets.button(parent, name, text, width, function()
		if not armed then
			armed = true
			b.Text = confirmText
			return
		end
		armed = false
		b.Text = text
		action()
	end)
	local function disarm()
		armed = false
		b.Text = text
	end
	return b, disarm
end

local function codeBox(parent, name, className)
	local scroll = Widgets.list(parent, name .. "Scroll")
	local props = {
		Name = name,
		Text = "",
		Font = Theme.mono,
		TextSize = Theme.textSize - 1,
		TextColor3 = Theme.colors.text,
		TextXAlignment = Enum.TextXAlignment.Left,
		TextYAlignment = Enum.TextYAlignment.Top,
		BackgroundColor3 = Theme.colors.input,
		BorderSizePixel = 0,
		Size = UDim2.new(1, -10, 0, 40),
		AutomaticSize = Enum.AutomaticSize.Y,
		TextWrapped = false,
	}
	if className == "TextBox" then
		props.MultiLine = true
		props.ClearTextOnFocus = false
		props.TextEditable = true
	end
	return Widgets.make(className, props, scroll), scroll
end

function ValuePanel.build(parent, app)
	local model = app.models.entry
	local root = Widgets.frame(parent, "ValuePanel", { Visible = false })
	local panel = { root = root, loadedText = "" }

	local controls = Widgets.row(root, "Controls")
	Widgets.label(controls, "StoreLabel", "Store", 38)
	local store = Widgets.box(controls, "StoreBox", "data store", 120)
	Widgets.label(controls, "ScopeLabel", "Scope", 40)
	local scope = Widgets.box(controls, "ScopeBox", "global", 70)
	local _, allScopes, setAllScopes = Widgets.toggle(controls, "AllScopesButton", "All scopes: on", "All scopes: off", 104, false)
	Widgets.label(controls, "KeyLabel", "Key", 28)
	local key = Widgets.box(controls, "KeyBox", "key name", 130)
	local open = Widgets.button(controls, "OpenButton", "Open", 50)
	local reload = Widgets.button(controls, "ReloadButton", "Reload", 60)

	local title = Widgets.label(root, "Title", "", nil, { Font = Theme.bold })
	local message = Widgets.message(root, "Message")
	local main = Widgets.frame(root, "Main", { BackgroundTransparency = 1 })
	Widgets.stack({ { controls, 28 }, { title, 22 }, { message, 36 }, { main } })

	-- left: the value
	local left = Widgets.frame(main, "ValueArea", { BackgroundTransparency = 1, Size = UDim2.new(0.6, -4, 1, 0) })
	local info = Widgets.label(left, "Info", "", nil, {
		TextWrapped = true,
		TextYAlignment = Enum.TextYAlignment.Top,
		Font = Theme.mono,
		TextSize = Theme.textSize - 2,
	})
	local actions = Widgets.row(left, "Actions")
	local save = Widgets.button(actions, "SaveButton", "Save", 60)
	local format = Widgets.button(actions, "FormatButton", "Format", 60)
	local undo = Widgets.button(actions, "UndoButton", "Undo edits", 80)
	local _, disarmDelete = confirmable(actions, "DeleteButton", "Delete key", "Click again to delete", 150, function()
		app:Run(function()
			panel.render(model:Delete())
		end)
	end)
	local valueBox, valueScroll = codeBox(left, "ValueBox", "TextBox")
	Widgets.stack({ { info, 58 }, { actions, 28 }, { valueScroll } })

	-- right: the versions
	local right = Widgets.frame(main, "VersionsArea", {
		BackgroundTransparency = 1,
		Position = UDim2.new(0.6, 4, 0, 0),
		Size = UDim2.new(0.4, -4, 1, 0),
	})
	local versionsTitle = Widgets.row(right, "VersionsBar")
	Widgets.label(versionsTitle, "VersionsLabel", "Versions, newest first", 150)
	local prev = Widgets.button(versionsTitle, "PrevButton", "<", 24)
	local nextButton = Widgets.button(versionsTitle, "NextButton", ">", 24)
	local versions = Widgets.list(right, "Versions")
	local selectedInfo = Widgets.label(right, "SelectedInfo", "Click a version to see its value.", nil, {
		TextWrapped = true,
		TextYAlignment = Enum.TextYAlignment.Top,
		Font = Theme.mono,
		TextSize = Theme.textSize - 2,
	})
	local restoreBar = Widgets.row(right, "RestoreBar")
	local restore, disarmRestore = confirmable(restoreBar, "RestoreButton", "Restore as latest",
		"Click again to restore", 160, function()
			local version = panel.selectedVersion
			if version ~= nil then
				app:Run(function()
					panel.render(model:Restore(version))
				end)
			end
		end)
	local selectedValue, selectedScroll = codeBox(right, "SelectedValue", "TextLabel")
	Widgets.stack({ { versionsTitle, 28 }, { versions, 150 }, { selectedInfo, 46 }, { restoreBar, 28 }, { selectedScroll } })


	function panel.render(view)
		disarmDelete()
		disarmRestore()
		title.Text = view.title or ""
		Widgets.say(message, view.message, view.ok)
		local t = view.target
		if t ~= nil then
			store.Text = t.store
			scope.Text = t.allScopes and "" or t.scope
			key.Text = t.key
			setAllScopes(t.allScopes == true)
		end
		-- the box keeps what the person typed unless another value arrived
		-- (a failed save must not throw the edit away)
		local shownKey = view.title or ""
		if view.valueText ~= panel.loadedText or shownKey ~= panel.loadedKey then
			panel.loadedText = view.valueText or ""
			panel.loadedKey = shownKey
			valueBox.Text = panel.loadedText
		end
		valueBox.TextEditable = view.editable == true
		save.Visible = view.editable == true
		if view.exists and view.info ~= nil then
			local i = view.info
			info.Text = string.format("version %s\ncreated %s   updated %s\nuser ids %s   metadata %s   size %d B",
				tostring(i.version), i.created, i.updated, i.userIds, i.metadata, view.size or 0)
		else
			info.Text = ""
		end
		prev.Visible = view.versions.hasPrev
		nextButton.Visible = view.versions.hasNext
		Widgets.clear(versions)
		for n, row in ipairs(view.versions.rows) do
			local kind = "row"
			local text = row.version .. "  " .. row.created
			if row.deleted then
				kind = "deleted"
				text = text .. "  (deleted)"
			elseif row.latest then
				text = text .. "  (latest)"
			end
			if view.selected ~= nil and view.selected.version == row.version then
				kind = "selected"
			end
			Widgets.listRow(versions, n, text, kind, function()
				app:Run(function()
					panel.render(model:Select(row.version))
				end)
			end)
		end
		local s = view.selected
		if s ~= nil then
			panel.selectedVersion = s.version
			selectedInfo.Text = string.format("version %s\nwritten %s\nuser ids %s   metadata %s", s.version, s.created,
				s.userIds, s.metadata)
			selectedValue.Text = s.valueText
			restore.Visible = not s.deleted
		else
			panel.selectedVersion = nil
			selectedInfo.Text = "Click a version to see its value."
			selectedValue.Text = ""
			restore.Visible = false
		end
	end

	local run = Widgets.runner(app, panel)

	local function openTyped()
		run(function()
			return model:Load({ store = store.Text, scope = scope.Text, allScopes = allScopes(), key = key.Text })
		end)
	end
	open.Activated:Connect(openTyped)
	Widgets.onEnter({ key }, openTyped)
	reload.Activated:Connect(function()
		run(function()
			return model:Reload()
		end)
	end)
	save.Activated:Connect(function()
		local text = valueBox.Text
		run(function()
			return model:Save(text)
		end)
	end)
	format.Activated:Connect(function()
		local node, why = Json.parse(valueBox.Text)
		if node == nil then
			Widgets.say(message, "Not valid JSON: " .. why, false)
		else
			valueBox.Text = Json.pretty(node)
			Widgets.say(message, "", true)
		end
	end)
	undo.Activated:Connect(function()
		valueBox.Text = panel.loadedText
		Widgets.say(message, "", true)
	end)
	Widgets.paging(run, model, prev, nextButton, "VersionsPrev", "VersionsNext")

	-- open shows a key (from the Keys tab).
	function panel.open(target)
		run(function()
			return model:Load(target)
		end)
	end

	function panel.onShow() end

	panel.render(model:View())
	return panel
end

return ValuePanel

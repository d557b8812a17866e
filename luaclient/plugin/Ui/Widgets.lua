-- Widgets: small builders of the Instances every panel uses (labels, text
-- boxes, buttons, rows of controls, scrolling lists), styled by Theme. They
-- only build and style; what happens on a click is the caller's.

local Theme = require(script.Parent:WaitForChild("Theme"))

local Widgets = {}

local order = 0
local function nextOrder()
	order = order + 1
	return order
end

-- make creates an Instance with properties and a parent (set last, as
-- Roblox recommends).
function Widgets.make(className, props, parent)
	local inst = Instance.new(className)
	for k, v in pairs(props or {}) do
		inst[k] = v
	end
	inst.Parent = parent
	return inst
end
local make = Widgets.make

-- frame is a plain container.
function Widgets.frame(parent, name, props)
	local p = {
		Name = name,
		BackgroundColor3 = Theme.colors.panel,
		BorderSizePixel = 0,
		Size = UDim2.new(1, 0, 1, 0),
		LayoutOrder = nextOrder(),
	}
	for k, v in pairs(props or {}) do
		p[k] = v
	end
	return make("Frame", p, parent)
end

-- row is a strip of controls laid out left to right.
function Widgets.row(parent, name, height)
	local f = Widgets.frame(parent, name, {
		Size = UDim2.new(1, 0, 0, height or Theme.controlHeight),
		BackgroundTransparency = 1,
	})
	make("UIListLayout", {
		FillDirection = Enum.FillDirection.Horizontal,
		SortOrder = Enum.SortOrder.LayoutOrder,
		Padding = UDim.new(0, Theme.padding),
		VerticalAlignment = Enum.VerticalAlignment.Center,
	}, f)
	return f
end

local function textProps(name, text, width, props)
	local p = {
		Name = name,
		Text = text or "",
		Font = Theme.font,
		TextSize = Theme.textSize,
		TextColor3 = Theme.colors.text,
		TextXAlignment = Enum.TextXAlignment.Left,
		BorderSizePixel = 0,
		LayoutOrder = nextOrder(),
		Size = width and UDim2.new(0, width, 0, Theme.controlHeight) or UDim2.new(1, 0, 0, Theme.controlHeight),
	}
	for k, v in pairs(props or {}) do
		p[k] = v
	end
	return p
end

-- label is text; width nil spans the parent.
function Widgets.label(parent, name, text, width, props)
	local p = textProps(name, text, width, props)
	p.BackgroundTransparency = 1
	return make("TextLabel", p, parent)
end

-- message is a wrapping label for what a panel has to say (errors in
-- Theme.colors.bad).
function Widgets.message(parent, name)
	return Widgets.label(parent, name, "", nil, {
		TextWrapped = true,
		TextColor3 = Theme.colors.muted,
		Size = UDim2.new(1, 0, 0, 36),
		TextYAlignment = Enum.TextYAlignment.Top,
	})
end

-- say shows a message (ok false: in the error colour).
function Widgets.say(label, text, ok)
	label.Text = text or ""
	label.TextColor3 = ok == false and Theme.colors.bad or Theme.colors.muted
end

-- box is a one-line text input.
function Widgets.box(parent, name, placeholder, width, props)
	local p = textProps(name, "", width, props)
	p.PlaceholderText = placeholder or ""
	p.PlaceholderColor3 = Theme.colors.muted
	p.BackgroundColor3 = Theme.colors.input
	p.ClearTextOnFocus = false
	return make("TextBox", p, parent)
end

-- button calls onClick (with no arguments) when activated.
function Widgets.button(parent, name, text, width, onClick, props)
	local p = textProps(name, text, width, props)
	p.BackgroundColor3 = Theme.colors.button
	p.TextXAlignment = Enum.TextXAlignment.Center
	p.AutoButtonColor = true
	local b = make("TextButton", p, parent)
	if onClick ~= nil then
		b.Activated:Connect(function()
			onClick()
		end)
	end
	return b
end

-- toggle is a button that flips between two captions; it returns the
-- button, get() and set(state).
function Widgets.toggle(parent, name, onText, offText, width, initial, onChange)
	local state = initial == true
	local b
	b = Widgets.button(parent, name, state and onText or offText, width, function()
		state = not state
		b.Text = state and onText or offText
		if onChange ~= nil then
			onChange(state)
		end
	end)
	local function get()
		return state
	end
	local function set(v)
		state = v == true
		b.Text = state and onText or offText
	end
	return b, get, set
end

-- list is a scrolling column of rows.
function Widgets.list(parent, name, props)
	local p = {
		Name = name,
		BackgroundColor3 = Theme.colors.background,
		BorderSizePixel = 0,
		Size = UDim2.new(1, 0, 1, 0),
		CanvasSize = UDim2.new(0, 0, 0, 0),
		AutomaticCanvasSize = Enum.AutomaticSize.Y,
		ScrollBarThickness = 8,
		LayoutOrder = nextOrder(),
	}
	for k, v in pairs(props or {}) do
		p[k] = v
	end
	local s = make("ScrollingFrame", p, parent)
	make("UIListLayout", { SortOrder = Enum.SortOrder.LayoutOrder, Padding = UDim.new(0, 1) }, s)
	return s
end

-- clear removes a list's rows (its layout stays).
function Widgets.clear(list)
	for _, child in ipairs(list:GetChildren()) do
		if not child:IsA("UIListLayout") then
			child:Destroy()
		end
	end
end

-- listRow adds one line to a list: a button when onClick is given, else a
-- label; kind picks its background (Theme.kindColor) and is kept in the
-- row's Kind attribute.
function Widgets.listRow(list, index, text, kind, onClick, props)
	local p = {
		Name = "Row" .. index,
		Text = text,
		Font = Theme.mono,
		TextSize = Theme.textSize - 1,
		TextColor3 = Theme.colors.text,
		TextXAlignment = Enum.TextXAlignment.Left,
		BackgroundColor3 = Theme.kindColor(kind or "row"),
		BorderSizePixel = 0,
		Size = UDim2.new(1, -10, 0, Theme.rowHeight),
		LayoutOrder = index,
	}
	for k, v in pairs(props or {}) do
		p[k] = v
	end
	local row
	if onClick ~= nil then
		p.AutoButtonColor = true
		row = make("TextButton", p, list)
		row.Activated:Connect(function()
			onClick()
		end)
	else
		row = make("TextLabel", p, list)
	end
	row:SetAttribute("Kind", kind or "row")
	return row
end

-- runner makes a panel's run(f): through app:Run, f returns a view and
-- panel.render shows it.
function Widgets.runner(app, panel)
	return function(f)
		app:Run(function()
			panel.render(f())
		end)
	end
end

-- onEnter calls f (with no arguments) when the editing of any of boxes ends
-- with Enter.
function Widgets.onEnter(boxes, f)
	for _, box in ipairs(boxes) do
		box.FocusLost:Connect(function(enterPressed)
			if enterPressed then
				f()
			end
		end)
	end
end

-- paging makes a panel's Prev and Next buttons show, through run (see
-- runner), the view that model:Prev() and model:Next() return, or the
-- methods named prevMethod and nextMethod.
function Widgets.paging(run, model, prev, nextButton, prevMethod, nextMethod)
	prev.Activated:Connect(function()
		run(function()
			return model[prevMethod or "Prev"](model)
		end)
	end)
	nextButton.Activated:Connect(function()
		run(function()
			return model[nextMethod or "Next"](model)
		end)
	end)
end

-- stack lays children of a panel out from top to bottom: items are
-- { instance, height }; the last may have height nil to take what is left.
function Widgets.stack(items)
	local fixed = 0
	for _, item in ipairs(items) do
		fixed = fixed + (item[2] or 0)
	end
	local y = 0
	for _, item in ipairs(items) do
		local inst, height = item[1], item[2]
		inst.Position = UDim2.new(0, 0, 0, y)
		if height == nil then
			inst.Size = UDim2.new(1, 0, 1, -fixed)
		else
			inst.Size = UDim2.new(1, 0, 0, height)
			y = y + height
		end
	end
end

return Widgets

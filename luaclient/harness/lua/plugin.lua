-- plugin.lua: a fake Studio plugin environment for the plugin's tests,
-- loaded after roblox.lua when Options.Plugin is set: the plugin object
-- (toolbars and buttons, dock widgets, settings, Unloading),
-- DockWidgetPluginGuiInfo, the GUI Instances the plugin builds (Frame,
-- ScrollingFrame, TextLabel, TextButton, TextBox, UIListLayout, UIPadding)
-- as plain Instances with properties, children and events, the data types
-- and enums they use, attributes, and helpers for tests to click, type and
-- look around. game:GetService("DataStoreService") is recorded as a
-- production call: the plugin must never ask for it.

local go = __go
local H = __harness
local class = H.class
local classes = H.classes
local data = H.instanceData

---------------------------------------------------------------------------
-- Data types with value fields (UDim, UDim2, Color3).

local function valueType(name, fields, constructors)
	local meta = { __type = name }
	local store = setmetatable({}, { __mode = "k" })
	meta.__index = function(v, key)
		local d = store[v]
		if d[key] ~= nil then
			return d[key]
		end
		error(tostring(key) .. " is not a valid member of " .. name, 2)
	end
	meta.__tostring = function(v)
		local d = store[v]
		local parts = {}
		for _, f in ipairs(fields) do
			parts[#parts + 1] = tostring(d[f])
		end
		return table.concat(parts, ", ")
	end
	local function make(d)
		local v = go.newproxy(meta)
		store[v] = d
		return v
	end
	local t = {}
	for cname, f in pairs(constructors) do
		t[cname] = function(...)
			return make(f(...))
		end
	end
	return t
end

UDim = valueType("UDim", { "Scale", "Offset" }, {
	new = function(scale, offset)
		return { Scale = scale or 0, Offset = offset or 0 }
	end,
})

UDim2 = valueType("UDim2", { "X", "Y" }, {
	new = function(xs, xo, ys, yo)
		return { X = UDim.new(xs, xo), Y = UDim.new(ys, yo) }
	end,
	fromScale = function(xs, ys)
		return { X = UDim.new(xs, 0), Y = UDim.new(ys, 0) }
	end,
	fromOffset = function(xo, yo)
		return { X = UDim.new(0, xo), Y = UDim.new(0, yo) }
	end,
})

Color3 = valueType("Color3", { "R", "G", "B" }, {
	new = function(r, g, b)
		return { R = r or 0, G = g or 0, B = b or 0 }
	end,
	fromRGB = function(r, g, b)
		return { R = (r or 0) / 255, G = (g or 0) / 255, B = (b or 0) / 255 }
	end,
})

Vector2 = valueType("Vector2", { "X", "Y" }, {
	new = function(x, y)
		return { X = x or 0, Y = y or 0 }
	end,
})

---------------------------------------------------------------------------
-- Enums the widget uses.

local function addEnum(name, items)
	local list = {}
	for i, item in ipairs(items) do
		list[i - 1] = item
	end
	rawset(Enum, name, H.enum(name, list))
end

addEnum("InitialDockState", { "Top", "Bottom", "Left", "Right", "Float" })
addEnum("FillDirection", { "Horizontal", "Vertical" })
addEnum("SortOrder", { "Name", "Custom", "LayoutOrder" })
addEnum("HorizontalAlignment", { "Center", "Left", "Right" })
addEnum("VerticalAlignment", { "Center", "Top", "Bottom" })
addEnum("TextXAlignment", { "Left", "Right", "Center" })
addEnum("TextYAlignment", { "Top", "Center", "Bottom" })
addEnum("TextTruncate", { "None", "AtEnd", "SplitWord" })
addEnum("AutomaticSize", { "None", "X", "Y", "XY" })
addEnum("ScrollingDirection", { "X", "Y", "XY" })
addEnum("Font", { "Legacy", "Arial", "ArialBold", "SourceSans", "SourceSansBold", "SourceSansLight",
	"SourceSansItalic", "Bodoni", "Garamond", "Cartoon", "Code", "Highway", "SciFi", "Arcade", "Fantasy", "Antique",
	"SourceSansSemibold", "Gotham", "GothamMedium", "GothamBold", "GothamBlack", "BuilderSans" })

---------------------------------------------------------------------------
-- Attributes on every Instance.

classes.Instance.methods.SetAttribute = function(self, name, value)
	local d = data(self)
	d.attributes = d.attributes or {}
	d.attributes[name] = value
end
classes.Instance.methods.GetAttribute = function(self, name)
	local d = data(self)
	return d.attributes and d.attributes[name]
end
classes.Instance.methods.GetDescendants = function(self)
	local out = {}
	local function walk(inst)
		for _, c in ipairs(inst:GetChildren()) do
			out[#out + 1] = c
			walk(c)
		end
	end
	walk(self)
	return out
end
classes.Instance.methods.FindFirstChildWhichIsA = function(self, className)
	for _, c in ipairs(self:GetChildren()) do
		if c:IsA(className) then
			return c
		end
	end
	return nil
end

-- RunService:IsEdit: the plugin runs in Studio's edit session.
classes.RunService.methods.IsEdit = function()
	return true
end

-- game:GetService("DataStoreService") is a production call for the plugin.
local rawGetService = classes.DataModel.methods.GetService
classes.DataModel.methods.GetService = function(self, name)
	if name == "DataStoreService" then
		H.productionCalls[#H.productionCalls + 1] = "GetService(DataStoreService)"
	end
	return rawGetService(self, name)
end

---------------------------------------------------------------------------
-- GUI classes.

local guiObject = {
	Size = { default = nil },
	Position = { default = nil },
	AnchorPoint = { default = nil },
	BackgroundColor3 = { default = nil },
	BackgroundTransparency = 0,
	BorderSizePixel = 1,
	LayoutOrder = 0,
	Visible = true,
	ZIndex = 1,
	AutomaticSize = { default = nil },
	ClipsDescendants = false,
	InputBegan = "signal",
	InputEnded = "signal",
	MouseEnter = "signal",
	MouseLeave = "signal",
}
class("GuiObject", "Instance", guiObject)
class("Frame", "GuiObject")
class("ScrollingFrame", "GuiObject", {
	CanvasSize = { default = nil },
	CanvasPosition = { default = nil },
	AutomaticCanvasSize = { default = nil },
	ScrollBarThickness = 12,
	ScrollingDirection = { default = nil },
	ScrollingEnabled = true,
})
local textProps = {
	Text = "",
	TextColor3 = { default = nil },
	TextSize = 14,
	Font = { default = nil },
	TextXAlignment = { default = nil },
	TextYAlignment = { default = nil },
	TextWrapped = false,
	TextTruncate = { default = nil },
	TextScaled = false,
	RichText = false,
	TextTransparency = 0,
}
class("TextLabel", "GuiObject", textProps)
class("TextButton", "GuiObject", textProps)
class("TextBox", "GuiObject", textProps)
for k, v in pairs({
	AutoButtonColor = true,
	Modal = false,
	Selected = false,
	Activated = "signal",
	MouseButton1Click = "signal",
	MouseButton1Down = "signal",
	MouseButton1Up = "signal",
}) do
	classes.TextButton.props[k] = v
end
for k, v in pairs({
	PlaceholderText = "",
	PlaceholderColor3 = { default = nil },
	ClearTextOnFocus = true,
	MultiLine = false,
	TextEditable = true,
	FocusLost = "signal",
	Focused = "signal",
}) do
	classes.TextBox.props[k] = v
end
classes.TextBox.methods.CaptureFocus = function() end
classes.TextBox.methods.ReleaseFocus = function() end
classes.TextBox.methods.IsFocused = function()
	return false
end
class("UIComponent", "Instance")
class("UIListLayout", "UIComponent", {
	FillDirection = { default = nil },
	SortOrder = { default = nil },
	Padding = { default = nil },
	HorizontalAlignment = { default = nil },
	VerticalAlignment = { default = nil },
})
class("UIPadding", "UIComponent", {
	PaddingLeft = { default = nil },
	PaddingRight = { default = nil },
	PaddingTop = { default = nil },
	PaddingBottom = { default = nil },
})
for _, name in ipairs({ "Frame", "ScrollingFrame", "TextLabel", "TextButton", "TextBox", "UIListLayout", "UIPadding" }) do
	H.creatable[name] = true
end

---------------------------------------------------------------------------
-- The plugin object.

DockWidgetPluginGuiInfo = {
	new = function(initDockState, initEnabled, overrideEnabledRestore, floatX, floatY, minWidth, minHeight)
		return {
			InitialDockState = initDockState,
			InitialEnabled = initEnabled == true,
			InitialEnabledShouldOverrideRestore = overrideEnabledRestore == true,
			FloatingXSize = floatX or 0,
			FloatingYSize = floatY or 0,
			MinWidth = minWidth or 0,
			MinHeight = minHeight or 0,
		}
	end,
}

class("PluginGui", "Instance", { Title = "", Enabled = false }, {
	BindToClose = function(self, f)
		data(self).onClose = f
	end,
})
class("DockWidgetPluginGui", "PluginGui", { HostWidgetWasRestored = false })

class("PluginToolbarButton", "Instance", {
	ClickableWhenViewportHidden = false,
	Enabled = true,
	Icon = "",
	Click = "signal",
}, {
	SetActive = function(self, active)
		data(self).active = active == true
	end,
})

class("PluginToolbar", "Instance", {}, {
	CreateButton = function(self, id, tooltip, icon, text)
		local b = H.newInstance("PluginToolbarButton", id)
		b.Icon = icon or ""
		data(b).tooltip = tooltip
		data(b).text = text
		b.Parent = self
		return b
	end,
})

class("Plugin", "Instance", { Unloading = "signal" }, {
	CreateToolbar = function(self, name)
		local t = H.newInstance("PluginToolbar", name)
		t.Parent = self
		return t
	end,
	CreateDockWidgetPluginGui = function(self, id, info)
		local d = data(self)
		if d.widgetIds[id] then
			error("A PluginGui with id \"" .. id .. "\" already exists", 2)
		end
		d.widgetIds[id] = true
		local w = H.newInstance("DockWidgetPluginGui", id)
		w.Enabled = info ~= nil and info.InitialEnabled or d.restoreEnabled == true
		data(w).info = info
		w.Parent = self
		return w
	end,
	GetSetting = function(self, key)
		return data(self).settings[key]
	end,
	SetSetting = function(self, key, value)
		data(self).settings[key] = value
	end,
})

-- newPlugin makes a plugin object whose settings live in settings (a table
-- the test keeps, to make a second plugin object, as after a restart of
-- Studio, that reads them back).
function H.newPlugin(settings)
	local p = H.newInstance("Plugin", "RbxEmuPlugin")
	local d = data(p)
	d.settings = settings or {}
	d.widgetIds = {}
	return p
end

-- pluginSettings returns a plugin object's settings table.
function H.pluginSettings(p)
	return data(p).settings
end

-- loadPlugin builds the plugin's Instances as plugin.project.json lays them
-- out: luaclient/plugin (a Script with ModuleScripts under it, by Rojo's
-- conventions), with the shim (luaclient/src) under it as RbxEmu, whose
-- client core the plugin uses.
function H.loadPlugin()
	local tree = H.buildTree(H.config.root .. "/plugin", "RbxEmuPlugin")
	H.buildTree(H.config.root .. "/src", "RbxEmu").Parent = tree
	return tree
end

-- runPlugin runs the plugin's Script as Studio does, with the global plugin
-- (p) and script; it returns the plugin's tree.
function H.runPlugin(p, tree)
	tree = tree or H.loadPlugin()
	local fn, err = loadstring(tree.Source, "=" .. tree.Name)
	if not fn then
		error(err, 0)
	end
	setfenv(fn, setmetatable({ script = tree, plugin = p }, { __index = _G }))
	fn()
	return tree
end

---------------------------------------------------------------------------
-- Helpers for tests.

-- find returns the first descendant of root named name (depth first), or
-- raises.
function H.find(root, name)
	local function walk(inst)
		for _, c in ipairs(inst:GetChildren()) do
			if c.Name == name then
				return c
			end
			local found = walk(c)
			if found ~= nil then
				return found
			end
		end
		return nil
	end
	local found = walk(root)
	if found == nil then
		error("no " .. name .. " under " .. root:GetFullName(), 2)
	end
	return found
end

-- path follows names from root: H.path(widget, "Root", "Body", "KeysPanel").
function H.path(root, ...)
	local inst = root
	for i = 1, select("#", ...) do
		local name = select(i, ...)
		local child = inst:FindFirstChild(name)
		if child == nil then
			error("no " .. name .. " under " .. inst:GetFullName(), 2)
		end
		inst = child
	end
	return inst
end

-- click activates a button as a mouse click does.
function H.click(button)
	if not button.Visible then
		error(button.Name .. " is hidden", 2)
	end
	local d = data(button)
	d.signals.MouseButton1Click:Fire()
	d.signals.Activated:Fire(nil, 1)
end

-- press clicks a toolbar button.
function H.press(toolbarButton)
	data(toolbarButton).signals.Click:Fire()
end

-- type puts text in a box and leaves it (enter: by pressing Enter).
function H.type(box, text, enter)
	local d = data(box)
	d.signals.Focused:Fire()
	box.Text = text
	d.signals.FocusLost:Fire(enter == true, nil)
end

-- closeWidget presses a dock widget's close button.
function H.closeWidget(widget)
	local f = data(widget).onClose
	if f ~= nil then
		f()
	else
		widget.Enabled = false
	end
end

-- buttonActive reports a toolbar button's SetActive state.
function H.buttonActive(button)
	return data(button).active == true
end

-- rows returns the rows of a list (its children but the layout), in order.
function H.rows(list)
	local out = {}
	for _, c in ipairs(list:GetChildren()) do
		if not c:IsA("UIListLayout") then
			out[#out + 1] = c
		end
	end
	table.sort(out, function(a, b)
		return a.LayoutOrder < b.LayoutOrder
	end)
	return out
end

-- settle waits until the app has no action in flight and no request is
-- pending, a few times over (an action may start another).
function H.settle(app, timeout)
	local waited = 0
	local calm = 0
	timeout = timeout or 30
	while calm < 3 do
		task.wait(0.05)
		waited = waited + 0.05
		if app.busy == 0 and go.pending() == 0 then
			calm = calm + 1
		else
			calm = 0
		end
		if waited > timeout then
			error("the plugin did not settle within " .. timeout .. " s (busy " .. app.busy .. ")", 2)
		end
	end
end

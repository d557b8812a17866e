-- Theme: the widget's colours, fonts and sizes in one place. Row kinds of
-- the monitor, budgets and versions map to a background here, so tests (and
-- people) can tell a failed call from a throttled one by colour.

local Theme = {}

Theme.colors = {
	background = Color3.fromRGB(46, 46, 46),
	panel = Color3.fromRGB(37, 37, 37),
	input = Color3.fromRGB(30, 30, 30),
	button = Color3.fromRGB(64, 64, 64),
	tab = Color3.fromRGB(53, 53, 53),
	tabActive = Color3.fromRGB(0, 120, 215),
	text = Color3.fromRGB(225, 225, 225),
	muted = Color3.fromRGB(150, 150, 150),
	good = Color3.fromRGB(90, 200, 120),
	bad = Color3.fromRGB(255, 110, 110),
	row = Color3.fromRGB(42, 42, 42),
	rowAlt = Color3.fromRGB(48, 48, 48),
	-- row kinds
	ok = Color3.fromRGB(42, 42, 42),
	failed = Color3.fromRGB(120, 35, 35),
	throttled = Color3.fromRGB(130, 85, 10),
	queued = Color3.fromRGB(95, 90, 25),
	deleted = Color3.fromRGB(70, 50, 60),
	selected = Color3.fromRGB(30, 70, 110),
	own = Color3.fromRGB(35, 55, 45),
}

Theme.font = Enum.Font.SourceSans
Theme.bold = Enum.Font.SourceSansBold
Theme.mono = Enum.Font.Code
Theme.textSize = 15
Theme.rowHeight = 20
Theme.controlHeight = 24
Theme.padding = 4

-- kindColor is the background of a row of the given kind.
function Theme.kindColor(kind)
	return Theme.colors[kind] or Theme.colors.row
end

return Theme

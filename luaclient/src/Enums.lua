-- Enums: Enum.DataStoreRequestType and Enum.SortDirection as the shim reads
-- them. A caller may pass the real EnumItem (matched by .Name), the item's
-- number, or its name as a string; anything else is refused as the engine
-- refuses a value it cannot cast.
--
-- The startup budgets are the values GetRequestBudgetForRequestType returns
-- before the daemon has answered anything: the daemon's documented start,
-- ceil(5/3 * base) for a server with no players (design decision 6, reference
-- §3.2). Once any reply has arrived, its `budgets` are used instead.

local Errors = require(script.Parent:WaitForChild("Errors"))

local Enums = {}

-- RequestTypes lists Enum.DataStoreRequestType by value (reference §3.1).
Enums.RequestTypes = {
	[0] = "GetAsync",
	[1] = "SetIncrementAsync",
	[2] = "UpdateAsync",
	[3] = "GetSortedAsync",
	[4] = "SetIncrementSortedAsync",
	[5] = "OnUpdate",
	[6] = "ListAsync",
	[7] = "GetVersionAsync",
	[8] = "RemoveVersionAsync",
	[9] = "StandardRead",
	[10] = "StandardWrite",
	[11] = "StandardList",
	[12] = "StandardRemove",
	[13] = "OrderedRead",
	[14] = "OrderedWrite",
	[15] = "OrderedList",
	[16] = "OrderedRemove",
}

-- SortDirections lists Enum.SortDirection by value.
Enums.SortDirections = {
	[0] = "Ascending",
	[1] = "Descending",
}

local function valueOf(list, name)
	for value, n in pairs(list) do
		if n == name then
			return value
		end
	end
	return nil
end

-- itemName reads the name of an EnumItem without tripping over values that
-- cannot be indexed.
local function itemName(item)
	local t = type(item)
	if t == "userdata" or t == "table" then
		local ok, name = pcall(function()
			return item.Name
		end)
		if ok and type(name) == "string" then
			return name
		end
	end
	return nil
end

local function describe(v)
	local t = (typeof or type)(v)
	if t == "string" or t == "number" then
		return tostring(v)
	end
	return t
end

local function normalize(list, enumName, item)
	local name = itemName(item)
	if name == nil then
		if type(item) == "number" then
			name = list[item]
		elseif type(item) == "string" then
			name = item
		end
	end
	if name == nil or valueOf(list, name) == nil then
		Errors.raise(Errors.BAD_ENUM, describe(item), enumName)
	end
	return name
end

-- requestType returns the name of a DataStoreRequestType given as an item,
-- number or name; it raises on anything else.
function Enums.requestType(item)
	return normalize(Enums.RequestTypes, "DataStoreRequestType", item)
end

-- sortDirection returns "Ascending" or "Descending"; nil means Ascending.
function Enums.sortDirection(item)
	if item == nil then
		return "Ascending"
	end
	return normalize(Enums.SortDirections, "SortDirection", item)
end

-- Base requests per minute of the budgets a server keeps, for a server with
-- no players (the 2026 defaults of reference §3.2).
local base = {
	StandardRead = 60,
	StandardWrite = 60,
	StandardList = 5,
	StandardRemove = 60,
	OrderedRead = 60,
	OrderedWrite = 30,
	OrderedList = 5,
	OrderedRemove = 30,
	RemoveVersionAsync = 5,
}

-- The legacy types draw on the budgets of the modern ones they stand for; a
-- type that needs several has the smallest of them.
local legacy = {
	GetAsync = { "StandardRead" },
	SetIncrementAsync = { "StandardWrite" },
	UpdateAsync = { "StandardRead", "StandardWrite" },
	GetSortedAsync = { "OrderedList" },
	SetIncrementSortedAsync = { "OrderedWrite" },
	ListAsync = { "StandardList" },
	GetVersionAsync = { "StandardRead" },
}

-- startupBudgets returns a fresh table of every type's starting budget.
function Enums.startupBudgets()
	local out = {}
	for name, b in pairs(base) do
		out[name] = math.ceil(5 * b / 3)
	end
	-- OnUpdate keeps its old row, 30 a minute, with no startup burst.
	out.OnUpdate = 30
	for name, uses in pairs(legacy) do
		local least = nil
		for _, modern in ipairs(uses) do
			if least == nil or out[modern] < least then
				least = out[modern]
			end
		end
		out[name] = least
	end
	return out
end

-- Items builds a stand-in for Roblox's Enum global (used by the Lune runner,
-- where there is no Enum): Enum.DataStoreRequestType.GetAsync has .Name,
-- .Value and .EnumType as real items do.
function Enums.items()
	local function build(enumName, list)
		local enum = {}
		local itemMeta = {
			__type = "EnumItem",
			__tostring = function(item)
				return "Enum." .. enumName .. "." .. item.Name
			end,
		}
		for value, name in pairs(list) do
			enum[name] = setmetatable({ Name = name, Value = value, EnumType = enumName }, itemMeta)
		end
		function enum.GetEnumItems()
			local items = {}
			for value = 0, #list do
				items[#items + 1] = enum[list[value]]
			end
			return items
		end
		return setmetatable(enum, {
			__index = function(_, key)
				error(tostring(key) .. " is not a valid member of \"Enum." .. enumName .. "\"", 2)
			end,
		})
	end
	return {
		DataStoreRequestType = build("DataStoreRequestType", Enums.RequestTypes),
		SortDirection = build("SortDirection", Enums.SortDirections),
	}
end

return Enums

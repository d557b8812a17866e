-- DataStoreService: the emulated service of one client (reference §4.1).
--
-- GetDataStore and GetOrderedDataStore check names and scopes at once, as the
-- engine does, and return the same object for the same name, scope and
-- AllScopes, so store objects made in different places share one GetAsync
-- cache. GetRequestBudgetForRequestType answers synchronously from the
-- budgets of the latest reply (the startup values before any).

local GlobalDataStore = require(script.Parent:WaitForChild("GlobalDataStore"))
local DataStore = require(script.Parent:WaitForChild("DataStore"))
local OrderedDataStore = require(script.Parent:WaitForChild("OrderedDataStore"))
local Errors = require(script.Parent:WaitForChild("Errors"))
local Enums = require(script.Parent:WaitForChild("Enums"))
local Options = require(script.Parent:WaitForChild("Options"))
local Info = require(script.Parent:WaitForChild("Info"))
local Pages = require(script.Parent:WaitForChild("Pages"))
local Env = require(script.Parent:WaitForChild("Env"))

local DataStoreService = {}
DataStoreService.__index = DataStoreService
DataStoreService.ClassName = "DataStoreService"
DataStoreService.Name = "DataStoreService"
DataStoreService.__tostring = function()
	return "DataStoreService"
end

-- MAX_NAME is the byte limit of store names and scopes.
local MAX_NAME = 50

function DataStoreService.new(session)
	return setmetatable({
		_isService = true,
		_session = session,
		_stores = {},
		_updates = {},
	}, DataStoreService)
end

local function checkSelf(self, method)
	if type(self) ~= "table" or rawget(self, "_isService") ~= true then
		Errors.raise(Errors.DOT_CALL, method)
	end
end

local stringArg = GlobalDataStore.stringArg

local function checkName(name)
	if name == "" then
		Errors.raise(Errors.STORE_NAME_EMPTY)
	elseif #name > MAX_NAME then
		Errors.raise(Errors.STORE_NAME_TOO_LONG)
	end
end

local function checkScope(scope, allScopes)
	if allScopes then
		if scope ~= "" then
			Errors.raise(Errors.ALL_SCOPES_WITH_SCOPE)
		end
		return
	end
	if scope == "" then
		Errors.raise(Errors.SCOPE_EMPTY)
	elseif #scope > MAX_NAME then
		Errors.raise(Errors.SCOPE_TOO_LONG)
	end
end

local function storeId(kind, name, scope, allScopes)
	return kind .. "\0" .. name .. "\0" .. scope .. "\0" .. tostring(allScopes)
end

function DataStoreService:GetDataStore(name, scope, options)
	checkSelf(self, "GetDataStore")
	if name == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	name = stringArg(name, 1, "GetDataStore")
	local allScopes = Options.allScopes(options, 3, "GetDataStore")
	if scope == nil then
		scope = allScopes and "" or "global"
	end
	scope = stringArg(scope, 2, "GetDataStore")
	checkName(name)
	checkScope(scope, allScopes)
	local id = storeId("standard", name, scope, allScopes)
	local store = self._stores[id]
	if store == nil then
		store = DataStore.new(self, name, scope, allScopes)
		self._stores[id] = store
	end
	return store
end

-- GetGlobalDataStore returns the store named GlobalDataStore in scope "u"
-- (the emulator's name for it; Roblox documents only the scope).
function DataStoreService:GetGlobalDataStore()
	checkSelf(self, "GetGlobalDataStore")
	local id = storeId("global", "GlobalDataStore", "u", false)
	local store = self._stores[id]
	if store == nil then
		store = DataStore.new(self, "GlobalDataStore", "u", false, "GlobalDataStore")
		self._stores[id] = store
	end
	return store
end

function DataStoreService:GetOrderedDataStore(name, scope)
	checkSelf(self, "GetOrderedDataStore")
	if name == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	name = stringArg(name, 1, "GetOrderedDataStore")
	if scope == nil then
		scope = "global"
	end
	scope = stringArg(scope, 2, "GetOrderedDataStore")
	checkName(name)
	checkScope(scope, false)
	local id = storeId("ordered", name, scope, false)
	local store = self._stores[id]
	if store == nil then
		store = OrderedDataStore.new(self, name, scope)
		self._stores[id] = store
	end
	return store
end

-- GetRequestBudgetForRequestType returns the budget of the latest reply (the
-- daemon's startup value before the first one). It never yields.
function DataStoreService:GetRequestBudgetForRequestType(requestType)
	checkSelf(self, "GetRequestBudgetForRequestType")
	if requestType == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	local name = Enums.requestType(requestType)
	local budget = self._session.budgets[name]
	if type(budget) ~= "number" then
		return 0
	end
	return math.floor(budget)
end

-- SetRateLimitForRequestType sets this server's per-minute limit for a
-- request type (base + perPlayer * players) on the daemon.
function DataStoreService:SetRateLimitForRequestType(requestType, baseLimit, perPlayerLimit)
	checkSelf(self, "SetRateLimitForRequestType")
	if requestType == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	local name = Enums.requestType(requestType)
	if baseLimit == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	if perPlayerLimit == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 3)
	end
	baseLimit = GlobalDataStore.numberArg(baseLimit, 2, "SetRateLimitForRequestType")
	perPlayerLimit = GlobalDataStore.numberArg(perPlayerLimit, 3, "SetRateLimitForRequestType")
	self._session:call("SetRateLimitForRequestType", {
		requestType = name,
		baseLimit = baseLimit,
		perPlayerLimit = perPlayerLimit,
	})
end

function DataStoreService:ListDataStoresAsync(prefix, pageSize, cursor)
	checkSelf(self, "ListDataStoresAsync")
	local args = {
		prefix = stringArg(prefix, 1, "ListDataStoresAsync"),
		pageSize = GlobalDataStore.numberArg(pageSize, 2, "ListDataStoresAsync"),
	}
	local first = stringArg(cursor, 3, "ListDataStoresAsync")
	return Pages.new("DataStoreListingPages", function(next)
		local a = { prefix = args.prefix, pageSize = args.pageSize, cursor = next or first }
		if a.cursor == "" then
			a.cursor = nil
		end
		return DataStore.pageOf(self._session:call("ListDataStoresAsync", a), Info.storeInfo)
	end)
end

function DataStoreService:IsA(className)
	return className == "DataStoreService" or className == "Instance"
end

function DataStoreService:GetFullName()
	return "DataStoreService"
end

-- OnUpdate support: callbacks by store identity and key.

local function updateId(store)
	return storeId(store._ordered and "ordered" or "standard", store._name, store._scope, store._allScopes)
end

function DataStoreService:_listenUpdate(store, key, callback)
	local id = updateId(store)
	local byKey = self._updates[id]
	if byKey == nil then
		byKey = {}
		self._updates[id] = byKey
	end
	local list = byKey[key]
	if list == nil then
		list = {}
		byKey[key] = list
	end
	local entry = { callback = callback }
	list[#list + 1] = entry
	local connection = { Connected = true }
	function connection:Disconnect()
		self.Connected = false
		for i, e in ipairs(list) do
			if e == entry then
				table.remove(list, i)
				break
			end
		end
	end
	return connection
end

function DataStoreService:_fireUpdate(store, key, value, rawInfo)
	local byKey = self._updates[updateId(store)]
	local list = byKey and byKey[key]
	if list == nil then
		return
	end
	local snapshot = {}
	for i, entry in ipairs(list) do
		snapshot[i] = entry
	end
	for _, entry in ipairs(snapshot) do
		Env.spawn(entry.callback, Info.deepCopy(value), store:_info(rawInfo))
	end
end

return DataStoreService

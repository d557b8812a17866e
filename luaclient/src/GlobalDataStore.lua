-- GlobalDataStore: the methods DataStore and OrderedDataStore share
-- (reference §4.2): GetAsync, SetAsync, UpdateAsync, IncrementAsync,
-- RemoveAsync, BatchGetAsync and the deprecated OnUpdate, with Roblox's
-- argument order, defaults and return values.
--
-- The GetAsync cache lives here, one per store object, as in the engine
-- (design decision 9): a value read or written is served for 4 seconds
-- without a request and without budget; local writes refresh it;
-- DataStoreGetOptions.UseCache = false bypasses it. Its age is measured on
-- the daemon's clock (the `now` of the reply that filled it), so a test that
-- moves a virtual clock ages the cache too.
--
-- UpdateAsync runs the transform here (design decision 5): ReadForUpdate,
-- transform, CommitUpdate; on a conflict the transform runs again with the
-- fresh value. The transform may not yield: it runs in a coroutine of its
-- own and a yield raises "attempt to yield across metamethod/C-call
-- boundary", the engine's text for a callback that yields.

local Errors = require(script.Parent:WaitForChild("Errors"))
local Json = require(script.Parent:WaitForChild("Json"))
local Options = require(script.Parent:WaitForChild("Options"))
local Info = require(script.Parent:WaitForChild("Info"))
local Env = require(script.Parent:WaitForChild("Env"))

local GlobalDataStore = {}
GlobalDataStore.__index = GlobalDataStore

-- CACHE_MS is how long a GetAsync result is served from the cache.
GlobalDataStore.CACHE_MS = 4000
-- MAX_KEY_BYTES and MAX_VALUE_BYTES are the engine's limits on a key (50
-- bytes) and on a value's compact JSON (4 MB, inclusive).
GlobalDataStore.MAX_KEY_BYTES = 50
GlobalDataStore.MAX_VALUE_BYTES = 4194304
-- MAX_METADATA_BYTES and MAX_USER_IDS bound a write's metadata (its compact
-- JSON) and user ids.
GlobalDataStore.MAX_METADATA_BYTES = 300
GlobalDataStore.MAX_USER_IDS = 4

-- init fills a store object; class is DataStore or OrderedDataStore.
function GlobalDataStore.init(self, service, name, scope, allScopes, ordered)
	self._isStore = true
	self._service = service
	self._session = service._session
	self._name = name
	self._scope = scope
	self._allScopes = allScopes
	self._ordered = ordered
	self._cache = {}
	self.Name = name
	return self
end

-- checkSelf catches store.Method(...) written with a dot.
local function checkSelf(self, method)
	if type(self) ~= "table" or rawget(self, "_isStore") ~= true then
		Errors.raise(Errors.DOT_CALL, method)
	end
end
GlobalDataStore.checkSelf = checkSelf

-- keyArg reads a key argument: numbers are accepted and turned into their
-- decimal spelling, as the engine casts them.
local function keyArg(key, index, method)
	if key == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, index)
	end
	local t = type(key)
	if t == "number" then
		return Json.formatNumber(key) or tostring(key)
	elseif t ~= "string" then
		Errors.raise(Errors.BAD_ARGUMENT, index, method, "string", Env.typeof(key))
	end
	return key
end
GlobalDataStore.keyArg = keyArg

-- checkKey checks a key (already cast by keyArg) as the engine does, first
-- of a request's checks (the order is store name, scope, key, value type,
-- value size, metadata, user ids; docs/decisions.md), so that a request
-- with a bad key and a bad value reports the key, as the daemon would.
local function checkKey(key)
	if key == "" then
		Errors.raise(Errors.KEY_EMPTY)
	elseif #key > GlobalDataStore.MAX_KEY_BYTES then
		Errors.raise(Errors.KEY_TOO_LONG)
	end
	return key
end
GlobalDataStore.checkKey = checkKey

-- encodeChecked is the value's compact JSON, after the value-type (104) and
-- size (105) checks.
local function encodeChecked(value)
	local encoded = Json.encodeValue(value)
	if #encoded > GlobalDataStore.MAX_VALUE_BYTES then
		Errors.raise(Errors.VALUE_TOO_LARGE)
	end
	return encoded
end

-- numberArg reads an optional number argument (numeric strings are cast).
local function numberArg(v, index, method)
	if v == nil then
		return nil
	end
	if type(v) == "string" and tonumber(v) ~= nil then
		return tonumber(v)
	end
	if type(v) ~= "number" then
		Errors.raise(Errors.BAD_ARGUMENT, index, method, "number", Env.typeof(v))
	end
	return v
end
GlobalDataStore.numberArg = numberArg

-- stringArg reads an optional string argument (numbers are cast).
local function stringArg(v, index, method)
	if v == nil then
		return nil
	end
	if type(v) == "number" then
		return Json.formatNumber(v) or tostring(v)
	end
	if type(v) ~= "string" then
		Errors.raise(Errors.BAD_ARGUMENT, index, method, "string", Env.typeof(v))
	end
	return v
end
GlobalDataStore.stringArg = stringArg

-- args builds a request's arguments: the store fields plus extra.
function GlobalDataStore:_args(extra)
	local a = { store = self._name, scope = self._scope }
	if self._allScopes then
		a.allScopes = true
	end
	if self._ordered then
		a.ordered = true
	end
	for k, v in pairs(extra or {}) do
		a[k] = v
	end
	return a
end

function GlobalDataStore:_call(op, extra)
	return self._session:call(op, self:_args(extra))
end

-- info turns a protocol keyInfo into a DataStoreKeyInfo (nil on ordered
-- stores, which have none).
function GlobalDataStore:_info(raw)
	if self._ordered then
		return nil
	end
	return Info.keyInfo(raw)
end

function GlobalDataStore:_remember(key, value, rawInfo)
	local at = self._session.now
	if at == nil then
		return
	end
	self._cache[key] = { value = Info.deepCopy(value), info = rawInfo, at = at }
end

function GlobalDataStore:_cached(key)
	local entry = self._cache[key]
	if entry == nil then
		return nil
	end
	local now = self._session:daemonNow()
	if now == nil or now - entry.at >= GlobalDataStore.CACHE_MS then
		self._cache[key] = nil
		return nil
	end
	return entry
end

-- changed tells OnUpdate listeners of this store (on this client) about a
-- local write.
function GlobalDataStore:_changed(key, value, rawInfo)
	self._service:_fireUpdate(self, key, value, rawInfo)
end

-- userIdsArg casts the userIds argument (an array of numbers, or nil).
local function userIdsArg(userIds, index, method)
	if userIds ~= nil and type(userIds) ~= "table" then
		Errors.raise(Errors.BAD_ARGUMENT, index, method, "Array", Env.typeof(userIds))
	end
	return userIds
end

-- writeExtras adds metadata and userIds to a write's arguments, checked in
-- that order. Ordered stores take neither: they are sent only when given
-- (non-empty userIds, any options), so that the daemon answers with
-- Roblox's 517.
function GlobalDataStore:_writeExtras(args, userIds, metadata, index, method)
	if metadata ~= nil then
		local encoded = Json.encodeObject(metadata)
		if #encoded > GlobalDataStore.MAX_METADATA_BYTES then
			Errors.raise(Errors.METADATA_TOO_LARGE)
		end
		args.metadata = Json.raw(encoded)
	end
	userIdsArg(userIds, index, method)
	if userIds ~= nil and #userIds > GlobalDataStore.MAX_USER_IDS then
		-- the count is checked before the ids themselves
		Errors.raise(Errors.USER_IDS_TOO_MANY)
	end
	if userIds ~= nil then
		if not (self._ordered and next(userIds) == nil) then
			args.userIds = Json.raw(Json.encodeUserIds(userIds))
		end
	end
end

function GlobalDataStore:GetAsync(key, options)
	checkSelf(self, "GetAsync")
	key = keyArg(key, 1, "GetAsync")
	local useCache = Options.useCache(options, 2, "GetAsync")
	checkKey(key)
	if useCache then
		local hit = self:_cached(key)
		if hit ~= nil then
			return Info.deepCopy(hit.value), self:_info(hit.info)
		end
	end
	local result = self:_call("GetAsync", { key = key })
	self:_remember(key, result.value, result.keyInfo)
	return result.value, self:_info(result.keyInfo)
end

function GlobalDataStore:SetAsync(key, value, userIds, options)
	checkSelf(self, "SetAsync")
	key = keyArg(key, 1, "SetAsync")
	if value == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	userIdsArg(userIds, 3, "SetAsync")
	local metadata = Options.metadata(options, "DataStoreSetOptions", 4, "SetAsync")
	checkKey(key)
	local encoded = encodeChecked(value)
	local args = { key = key, value = Json.raw(encoded) }
	self:_writeExtras(args, userIds, metadata, 3, "SetAsync")
	local result = self:_call("SetAsync", args)
	local stored = Json.decode(encoded)
	self:_remember(key, stored, result.keyInfo)
	self:_changed(key, stored, result.keyInfo)
	return result.version
end

-- runTransform calls transform(value, keyInfo) where it cannot yield and
-- returns its first three results.
-- The transform's own error is caught by a pcall inside the coroutine:
-- Lune's coroutine.resume turns an error into the text "runtime error: ...
-- stack traceback: ..." (and a table error into its address), where Roblox
-- hands the error on as it was raised.
local function runTransform(transform, value, keyInfo)
	local co = coroutine.create(function(v, info)
		return { pcall(transform, v, info) }
	end)
	local resumed, results = coroutine.resume(co, value, keyInfo)
	if coroutine.status(co) ~= "dead" then
		if coroutine.close ~= nil then
			pcall(coroutine.close, co)
		end
		Errors.raise(Errors.TRANSFORM_YIELDED)
	end
	if not resumed then
		error(results, 0)
	end
	if not results[1] then
		error(results[2], 0)
	end
	return results[2], results[3], results[4]
end

function GlobalDataStore:UpdateAsync(key, transform)
	checkSelf(self, "UpdateAsync")
	key = keyArg(key, 1, "UpdateAsync")
	if transform == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	if type(transform) ~= "function" then
		Errors.raise(Errors.BAD_ARGUMENT, 2, "UpdateAsync", "function", Env.typeof(transform))
	end
	checkKey(key)
	local read = self:_call("ReadForUpdate", { key = key })
	local value, rawInfo, token = read.value, read.keyInfo, read.token
	while true do
		local newValue, userIds, metadata = runTransform(transform, value, self:_info(rawInfo))
		if newValue == nil then
			return nil
		end
		local encoded = encodeChecked(newValue)
		local args = { key = key, token = token or "", value = Json.raw(encoded) }
		self:_writeExtras(args, userIds, metadata, 2, "UpdateAsync transform")
		local result = self:_call("CommitUpdate", args)
		if result.committed then
			local stored = result.value
			if stored == nil then
				stored = Json.decode(encoded)
			end
			self:_remember(key, stored, result.keyInfo)
			self:_changed(key, stored, result.keyInfo)
			return stored, self:_info(result.keyInfo)
		end
		value, rawInfo, token = result.value, result.keyInfo, result.token
	end
end

function GlobalDataStore:IncrementAsync(key, delta, userIds, options)
	checkSelf(self, "IncrementAsync")
	key = keyArg(key, 1, "IncrementAsync")
	delta = numberArg(delta, 2, "IncrementAsync")
	if delta == nil then
		delta = 1
	end
	userIdsArg(userIds, 3, "IncrementAsync")
	local metadata = Options.metadata(options, "DataStoreIncrementOptions", 4, "IncrementAsync")
	checkKey(key)
	local args = { key = key, delta = delta }
	self:_writeExtras(args, userIds, metadata, 3, "IncrementAsync")
	local result = self:_call("IncrementAsync", args)
	self:_remember(key, result.value, result.keyInfo)
	self:_changed(key, result.value, result.keyInfo)
	return result.value, self:_info(result.keyInfo)
end

function GlobalDataStore:RemoveAsync(key)
	checkSelf(self, "RemoveAsync")
	key = checkKey(keyArg(key, 1, "RemoveAsync"))
	local result = self:_call("RemoveAsync", { key = key })
	self:_remember(key, nil, nil)
	self:_changed(key, nil, nil)
	return result.value, self:_info(result.keyInfo)
end

-- BatchGetAsync is OrderedDataStore's; on a DataStore the daemon answers
-- with the error the engine raises.
function GlobalDataStore:BatchGetAsync(keys, options)
	checkSelf(self, "BatchGetAsync")
	if keys == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 1)
	end
	if type(keys) ~= "table" then
		Errors.raise(Errors.BAD_ARGUMENT, 1, "BatchGetAsync", "Array", Env.typeof(keys))
	end
	local list = {}
	for i, k in ipairs(keys) do
		list[i] = keyArg(k, 1, "BatchGetAsync")
	end
	local result = self:_call("BatchGetAsync", { keys = Json.raw(Json.encodeValue(list)) })
	local out = {}
	for k, entry in pairs(result.values or {}) do
		out[k] = { value = entry.value }
	end
	return out
end

-- OnUpdate (deprecated) calls callback(value, keyInfo) whenever a write made
-- through this client (any store object of the same name and scope) changes
-- key, as the engine does at once for same-server writes. Writes by other
-- clients are not delivered: the engine only polls for those once a minute
-- and the shim does not poll at all. Returns a connection with Disconnect.
function GlobalDataStore:OnUpdate(key, callback)
	checkSelf(self, "OnUpdate")
	key = checkKey(keyArg(key, 1, "OnUpdate"))
	if callback == nil then
		Errors.raise(Errors.ARGUMENT_MISSING, 2)
	end
	if type(callback) ~= "function" then
		Errors.raise(Errors.BAD_ARGUMENT, 2, "OnUpdate", "function", Env.typeof(callback))
	end
	return self._service:_listenUpdate(self, key, callback)
end

-- GetRequestBudgetForRequestType belongs to DataStoreService; stores answer
-- it too so that game code that calls it on a store (a common slip, made by
-- the project's own seed guide) runs on the shim.
function GlobalDataStore:GetRequestBudgetForRequestType(requestType)
	checkSelf(self, "GetRequestBudgetForRequestType")
	return self._service:GetRequestBudgetForRequestType(requestType)
end

function GlobalDataStore:IsA(className)
	return className == self.ClassName or className == "GlobalDataStore" or className == "Instance"
end

function GlobalDataStore:GetFullName()
	return self.Name
end

return GlobalDataStore

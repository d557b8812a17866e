-- Replays one conformance case (prepared by conformance_test.go into
-- __harness.steps) through the shim. Steps marked "shim" call the
-- DataStore method a game would call; "raw" steps send the request as it is
-- written through the shim's session; "advance" and "set" move the clock.
local RbxEmu = __harness.setup()
local Json = RbxEmu.Json
local steps = Json.decode(__harness.steps)
local client = RbxEmu.new()
local svc = client.DataStoreService
local noCache = Instance.new("DataStoreGetOptions")
noCache.UseCache = false

local function typeMatches(want, v)
	if want == "any" then
		return true
	elseif want == "null" then
		return v == nil
	elseif want == "object" or want == "array" then
		return type(v) == "table"
	end
	return type(v) == want
end

-- matches compares an expected JSON value (decoded) with an actual one;
-- {"$type": t} in the expected value matches any value of that type.
local function matches(want, got)
	if type(want) == "table" and want["$type"] ~= nil then
		local n = 0
		for _ in pairs(want) do
			n = n + 1
		end
		if n == 1 then
			return typeMatches(want["$type"], got)
		end
	end
	if type(want) ~= "table" or type(got) ~= "table" then
		return want == got
	end
	for k, v in pairs(want) do
		if not matches(v, got[k]) then
			return false
		end
	end
	for k in pairs(got) do
		if want[k] == nil then
			return false
		end
	end
	return true
end

local function storeOf(args)
	if args.ordered then
		return svc:GetOrderedDataStore(args.store, args.scope)
	end
	if args.allScopes then
		local o = Instance.new("DataStoreOptions")
		o.AllScopes = true
		return svc:GetDataStore(args.store, args.scope or "", o)
	end
	return svc:GetDataStore(args.store, args.scope)
end

local function options(className, metadata)
	if metadata == nil then
		return nil
	end
	local o = Instance.new(className)
	o:SetMetadata(metadata)
	return o
end

local function infoTable(info)
	if info == nil then
		return nil
	end
	return {
		createdTime = info.CreatedTime,
		updatedTime = info.UpdatedTime,
		version = info.Version,
		userIds = info:GetUserIds(),
		metadata = info:GetMetadata(),
	}
end

-- callShim calls the method and shapes its return values like the
-- protocol's result, field by field, for comparison.
local function callShim(op, args)
	local store = storeOf(args)
	if op == "GetAsync" then
		local v, i = store:GetAsync(args.key, noCache)
		return { value = v, keyInfo = infoTable(i) }, { "value", "keyInfo" }
	elseif op == "SetAsync" then
		local version = store:SetAsync(args.key, args.value, args.userIds, options("DataStoreSetOptions", args.metadata))
		return { version = version }, { "version" }
	elseif op == "IncrementAsync" then
		local v, i = store:IncrementAsync(args.key, args.delta, args.userIds, options("DataStoreIncrementOptions", args.metadata))
		return { value = v, keyInfo = infoTable(i) }, { "value", "keyInfo" }
	elseif op == "RemoveAsync" then
		local v, i = store:RemoveAsync(args.key)
		return { value = v, keyInfo = infoTable(i) }, { "value", "keyInfo" }
	elseif op == "GetVersionAsync" then
		local v, i = store:GetVersionAsync(args.key, args.version)
		return { value = v, keyInfo = infoTable(i) }, { "value", "keyInfo" }
	end
	error("no shim call for " .. op)
end

for index, step in ipairs(steps) do
	local where = "step " .. index .. " (" .. tostring(step.op or step.via) .. ", via " .. step.via .. ")"
	if step.via == "advance" then
		__harness.advance(step.ms or 0)
	elseif step.via == "set" then
		__harness.setClock(step.ms or 0)
	else
		local expect = step.expect or {}
		local ok, got, fields
		if step.via == "shim" then
			ok, got, fields = pcall(callShim, step.op, Json.decode(step.args))
		else
			ok, got = pcall(function()
				return client:Call(step.op, Json.raw(step.args))
			end)
		end
		if expect.error ~= nil then
			if ok then
				error(where .. ": no error, want " .. __harness.show(expect.error.text), 0)
			end
			if got ~= expect.error.text then
				error(where .. ": error " .. __harness.show(got) .. ", want " .. __harness.show(expect.error.text), 0)
			end
		else
			if not ok then
				error(where .. ": unexpected error " .. __harness.show(got), 0)
			end
			local want = expect.result
			if fields ~= nil then
				for _, f in ipairs(fields) do
					if not matches(want and want[f], got[f]) then
						error(where .. ": " .. f .. " " .. __harness.show(got[f]) .. ", want " .. __harness.show(want and want[f]), 0)
					end
				end
			elseif want ~= nil and not matches(want, got) then
				error(where .. ": result " .. __harness.show(got) .. ", want " .. __harness.show(want), 0)
			end
		end
	end
end

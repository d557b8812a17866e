-- Options: reading Roblox's option Instances (DataStoreOptions,
-- DataStoreGetOptions, DataStoreSetOptions, DataStoreIncrementOptions) the
-- way the engine reads them: through their members only (AllScopes,
-- UseCache, GetMetadata), so real Instances from Instance.new and the
-- stand-ins below work alike.
--
-- Options.new(className) makes a stand-in for runtimes without Instance.new
-- (Lune); it has the same members, ClassName and IsA.

local Errors = require(script.Parent:WaitForChild("Errors"))

local Options = {}

local function member(options, name)
	local ok, value = pcall(function()
		return options[name]
	end)
	if ok then
		return value
	end
	return nil
end

local function isA(options, className)
	local ok, yes = pcall(function()
		return options:IsA(className)
	end)
	return ok and yes == true
end

local function typeName(v)
	return (typeof or type)(v)
end

-- check raises when options is neither nil nor an instance of className.
local function check(options, className, argIndex, method)
	if options == nil then
		return
	end
	local t = typeName(options)
	if (t ~= "Instance" and t ~= "table" and t ~= "userdata") or not isA(options, className) then
		Errors.raise(Errors.BAD_ARGUMENT, argIndex, method, className, t)
	end
end

-- allScopes reads DataStoreOptions.AllScopes.
function Options.allScopes(options, argIndex, method)
	check(options, "DataStoreOptions", argIndex, method)
	return options ~= nil and member(options, "AllScopes") == true
end

-- useCache reads DataStoreGetOptions.UseCache (true without options).
function Options.useCache(options, argIndex, method)
	check(options, "DataStoreGetOptions", argIndex, method)
	return options == nil or member(options, "UseCache") ~= false
end

-- metadata returns the metadata of DataStoreSetOptions or
-- DataStoreIncrementOptions, or nil without options.
function Options.metadata(options, className, argIndex, method)
	check(options, className, argIndex, method)
	if options == nil then
		return nil
	end
	local metadata = options:GetMetadata()
	if metadata == nil then
		return {}
	end
	return metadata
end

local function copy(t)
	local out = {}
	for k, v in pairs(t) do
		out[k] = v
	end
	return out
end

local classes = {
	DataStoreOptions = function(o)
		o.AllScopes = false
		o.experimental = {}
		function o:SetExperimentalFeatures(features)
			self.experimental = copy(features or {})
		end
		function o:GetExperimentalFeatures()
			return copy(self.experimental)
		end
	end,
	DataStoreGetOptions = function(o)
		o.UseCache = true
	end,
	DataStoreSetOptions = function(o)
		o.metadata = {}
		function o:SetMetadata(attributes)
			self.metadata = copy(attributes or {})
		end
		function o:GetMetadata()
			return copy(self.metadata)
		end
	end,
}
classes.DataStoreIncrementOptions = classes.DataStoreSetOptions

-- new makes a stand-in option object of className.
function Options.new(className)
	local init = classes[className]
	if init == nil then
		Errors.raise("Unable to create an Instance of type \"%s\"", tostring(className))
	end
	local o = { ClassName = className, Name = className }
	function o:IsA(name)
		return name == className or name == "Instance"
	end
	init(o)
	return o
end

return Options

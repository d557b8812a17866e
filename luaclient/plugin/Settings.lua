-- Settings: what the plugin remembers between Studio sessions, through
-- plugin:GetSetting / plugin:SetSetting (Studio keeps them per user, not per
-- place): the daemon's URL, its token, and the universe to look at.
--
-- A setting that is missing or of the wrong type reads as its default, and a
-- failing GetSetting/SetSetting (Studio refuses them in some contexts) is
-- not an error: the plugin keeps the value for this session.

local Settings = {}
Settings.__index = Settings

Settings.KEYS = {
	url = "rbxemu.url",
	token = "rbxemu.token",
	universeId = "rbxemu.universeId",
}

Settings.DEFAULTS = {
	url = "http://127.0.0.1:34890",
	token = "",
	universeId = "",
}

function Settings.new(plugin)
	return setmetatable({ plugin = plugin, cache = {} }, Settings)
end

-- Get returns a setting as a string.
function Settings:Get(name)
	if self.cache[name] ~= nil then
		return self.cache[name]
	end
	local value = nil
	local plugin = self.plugin
	if plugin ~= nil then
		local ok, stored = pcall(function()
			return plugin:GetSetting(Settings.KEYS[name])
		end)
		if ok and type(stored) == "string" then
			value = stored
		end
	end
	if value == nil then
		value = Settings.DEFAULTS[name]
	end
	self.cache[name] = value
	return value
end

-- Set stores a setting (a string) and reports whether Studio kept it.
function Settings:Set(name, value)
	self.cache[name] = value
	local plugin = self.plugin
	if plugin == nil then
		return false
	end
	local ok = pcall(function()
		plugin:SetSetting(Settings.KEYS[name], value)
	end)
	return ok
end

return Settings

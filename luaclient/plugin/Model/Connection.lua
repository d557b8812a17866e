-- Connection: the status bar's model. It owns the Client, builds it from the
-- settings (URL, token, universe), connects, and describes the state in
-- plain words. Changing a setting saves it (plugin:SetSetting) and makes a
-- new client, so the next request goes to the new daemon.
--
-- View: { state = "idle" | "connected" | "failed", text, url, token,
--         universe, session, server, clock, throttle }

local Client = require(script.Parent.Parent:WaitForChild("Client"))
local Format = require(script.Parent:WaitForChild("Format"))

local Connection = {}
Connection.__index = Connection

-- new: settings is a Settings object; http is HttpService; place is
-- { gameId, placeId } of the open place (0 when unpublished).
function Connection.new(settings, http, place)
	local self = setmetatable({ settings = settings, http = http, place = place or {}, state = "idle" }, Connection)
	self:_rebuild()
	return self
end

-- universe is the universe the plugin looks at: the setting, else the open
-- place's game id, else nil (the daemon's default, 1).
function Connection:Universe()
	local typed = Format.trim(self.settings:Get("universeId"))
	if typed ~= "" then
		return tonumber(typed)
	end
	if type(self.place.gameId) == "number" and self.place.gameId > 0 then
		return self.place.gameId
	end
	return nil
end

function Connection:_rebuild()
	if self.client ~= nil then
		self.client:Close()
	end
	local placeId = nil
	if type(self.place.placeId) == "number" and self.place.placeId > 0 then
		placeId = self.place.placeId
	end
	self.client = Client.new({
		url = self.settings:Get("url"),
		token = self.settings:Get("token"),
		universeId = self:Universe(),
		placeId = placeId,
		http = self.http,
	})
	self.state = "idle"
	self.message = nil
	self.info = nil
end

-- Apply saves the connection bar's fields (url, token, universe; text as
-- typed, nil for unchanged) and reconnects. Fields that cannot be read are
-- refused with the reason and nothing is saved.
function Connection:Apply(fields)
	local url, universe
	if fields.url ~= nil then
		local why
		url, why = Client.parseUrl(fields.url)
		if url == nil then
			self.state = "failed"
			self.message = "Not saved: " .. why
			return self:View()
		end
	end
	if fields.universe ~= nil then
		universe = Format.trim(fields.universe)
		local n = tonumber(universe)
		if universe ~= "" and (n == nil or n ~= math.floor(n) or n < 1) then
			self.state = "failed"
			self.message = "Not saved: the universe must be a positive whole number (empty: this place's)"
			return self:View()
		end
	end
	if url ~= nil then
		self.settings:Set("url", url)
	end
	if universe ~= nil then
		self.settings:Set("universeId", universe)
	end
	if fields.token ~= nil then
		self.settings:Set("token", Format.trim(fields.token))
	end
	self:_rebuild()
	return self:Connect()
end

-- Connect says hello to the daemon and returns the view.
function Connection:Connect()
	local ok, info = pcall(function()
		return self.client:Connect()
	end)
	if ok then
		self.state = "connected"
		self.info = info
		self.message = nil
	else
		self.state = "failed"
		self.info = nil
		self.message = tostring(info)
	end
	return self:View()
end

-- Noted records the outcome of any request, so the status bar follows what
-- the panels see (a daemon that went away, or came back).
function Connection:Noted(ok, err)
	if ok then
		if self.state ~= "connected" and self.client.info ~= nil then
			self.state = "connected"
			self.info = self.client.info
			self.message = nil
		end
	elseif type(err) == "string" and string.find(err, "^rbxemu: cannot reach") then
		self.state = "failed"
		self.message = err
	end
end

-- Try runs f(client) and returns true and its results, or false and the
-- error text; either way the status bar learns of it.
function Connection:Try(f)
	local client = self.client
	local r = { pcall(f, client) }
	self:Noted(r[1], r[2])
	if not r[1] then
		return false, tostring(r[2])
	end
	return true, r[2], r[3]
end

function Connection:View()
	local view = {
		state = self.state,
		url = self.settings:Get("url"),
		token = self.settings:Get("token"),
		universe = self.settings:Get("universeId"),
	}
	local universe = self:Universe()
	local universeText = universe and ("universe " .. tostring(universe)) or "universe 1 (the daemon's default)"
	if self.state == "connected" and self.info ~= nil then
		local info = self.info
		view.session = info.session
		view.server = info.server
		view.clock = info.clock
		view.throttle = info.throttle
		view.text = string.format("Connected to %s at %s: %s, session %s, %s clock, throttling %s",
			tostring(info.server), self.client.base, universeText, Format.short(info.session), tostring(info.clock),
			info.throttle and "on" or "off")
	elseif self.state == "failed" then
		view.text = "Not connected: " .. tostring(self.message)
	else
		view.text = "Not connected yet (" .. tostring(self.client.base or view.url) .. ")"
	end
	return view
end

return Connection

-- HttpTransport: the daemon's HTTP mirror (POST /v1/rpc) through
-- HttpService:RequestAsync, for Studio sessions without WebStreamClient.
-- Each request is one POST that yields until its reply; the session id from
-- hello travels in the X-Rbxemu-Session header.

local Env = require(script.Parent:WaitForChild("Env"))

local HttpTransport = {}
HttpTransport.__index = HttpTransport

function HttpTransport.available()
	return Env.service("HttpService") ~= nil
end

-- new makes a requester; http is the HttpService to use (the Studio plugin
-- passes its own), else the game's.
function HttpTransport.new(http)
	return setmetatable({ http = http }, HttpTransport)
end

-- post sends body and returns true, status code, response body; or false and
-- the reason when no HTTP answer came (connection refused, HTTP disabled).
function HttpTransport:post(url, body, headers)
	local http = self.http or Env.service("HttpService")
	local ok, response = pcall(function()
		return http:RequestAsync({
			Url = url,
			Method = "POST",
			Headers = headers,
			Body = body,
		})
	end)
	if not ok then
		return false, tostring(response)
	end
	return true, response.StatusCode, response.Body
end

return HttpTransport

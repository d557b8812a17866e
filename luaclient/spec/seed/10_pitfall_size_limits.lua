-- Bad: Might exceed 4MB limit
local hugeData = {}
for i = 1, 1000000 do
    hugeData[i] = "lots of data"
end

-- Good: Check data size
local function isDataTooLarge(data)
    local success, jsonData = pcall(function()
        return game:GetService("HttpService"):JSONEncode(data)
    end)
    return success and #jsonData > 4 * 1024 * 1024 -- 4MB
end

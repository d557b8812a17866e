local function saveData(key, data)
    local success, result = pcall(function()
        return myDataStore:SetAsync(key, data)
    end)
    
    if not success then
        warn("Failed to save data for key:", key)
        warn("Error:", result)
        return false
    end
    
    return true
end

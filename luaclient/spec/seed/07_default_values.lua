local defaultData = {
    coins = 0,
    level = 1,
    inventory = {},
    settings = {
        musicVolume = 0.5,
        sfxVolume = 0.7
    }
}

local function getPlayerData(key)
    local success, data = pcall(function()
        return myDataStore:GetAsync(key)
    end)
    
    if not success or not data then
        return table.clone(defaultData)
    end
    
    return data
end

local function saveWithBackup(key, data)
    -- Try main save
    local success = pcall(function()
        myDataStore:SetAsync(key, data)
    end)
    
    if not success then
        -- Try backup save
        local backupStore = DataStoreService:GetDataStore("Backup_" .. key)
        pcall(function()
            backupStore:SetAsync(key, data)
        end)
    end
end

local success, data = pcall(function()
    return myDataStore:UpdateAsync("key", function(oldData)
        if not oldData then
            return {
                coins = 100,
                level = 1
            }
        end
        
        -- Modify the existing data
        oldData.coins = oldData.coins + 50
        oldData.level = oldData.level + 1
        
        return oldData
    end)
end)

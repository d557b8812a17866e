game.Players.PlayerRemoving:Connect(function(player)
    local success, error = pcall(function()
        myDataStore:SetAsync(player.UserId, playerData)
    end)
    
    if not success then
        warn("Failed to save data for player:", player.Name)
        warn("Error:", error)
    end
end)

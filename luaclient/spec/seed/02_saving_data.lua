local success, error = pcall(function()
    myDataStore:SetAsync("key", {
        coins = 100,
        level = 5,
        items = {"sword", "shield"}
    })
end)

if not success then
    warn("Failed to save data:", error)
end

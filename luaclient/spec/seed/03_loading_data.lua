local success, data = pcall(function()
    return myDataStore:GetAsync("key")
end)

if success then
    print("Loaded data:", data)
else
    warn("Failed to load data:", data)
end

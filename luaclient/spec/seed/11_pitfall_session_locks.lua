-- Bad: Might conflict with other servers
myDataStore:SetAsync(key, data)

-- Good: Use UpdateAsync for modifications
myDataStore:UpdateAsync(key, function(oldData)
    if not oldData then return data end
    -- Modify oldData safely here
    return oldData
end)

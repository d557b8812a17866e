local function getData(key)
    -- Wait for any throttling
    local timeToWait = myDataStore:GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetAsync)
    if timeToWait > 0 then
        task.wait(timeToWait)
    end
    
    return myDataStore:GetAsync(key)
end

-- A request that finds no budget waits in the queue, and the daemon's
-- warning is printed with warn, exactly.
local RbxEmu = __harness.setup()
local client = RbxEmu.new()
local board = client.DataStoreService:GetOrderedDataStore("Queue")
local T = Enum.DataStoreRequestType
-- spend the whole OrderedWrite budget
local budget = client.DataStoreService:GetRequestBudgetForRequestType(T.OrderedWrite)
for _ = 1, budget do
	board:IncrementAsync("hot")
end
expectEq(client.DataStoreService:GetRequestBudgetForRequestType(T.OrderedWrite), 0, "budget spent")
local finished = false
task.spawn(function()
	board:IncrementAsync("hot")
	finished = true
end)
task.wait(0.2)
expectEq(finished, false, "the request waits in the queue")
-- time passes on the daemon: the budget refills and the request runs
__harness.advance(5000)
while not finished do
	task.wait(0.05)
end
expectEq(board:GetAsync("hot"), budget + 1, "the queued request ran")
local want = "DataStore request was added to queue. If request queue fills, further requests will be dropped. Try sending fewer requests.Key = hot"
local warned = false
for _, line in ipairs(__harness.lines("warn")) do
	if line == want then
		warned = true
	end
end
expectTrue(warned, "the queue warning was printed")

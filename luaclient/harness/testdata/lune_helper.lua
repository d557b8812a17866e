-- A module beside the Lune test script, reached with require(script.Parent.X).
local Helper = {}

function Helper.defaultData()
	return { coins = 0, level = 1 }
end

return Helper

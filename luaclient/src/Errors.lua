-- Errors: the texts the shim raises by itself, before or without asking the
-- daemon. Every DataStore error that the daemon decides arrives as
-- `error.text` in its reply and is raised unchanged; the ones here are the
-- few a game sees without a round trip (argument checks, serialisation,
-- paging) plus the shim's own connection errors. The Roblox texts are copies
-- of rows of testdata/errors.json, and the Go harness checks that they still
-- match the daemon's catalogue.
--
-- Every error is raised at level 0 so that pcall returns exactly the text,
-- with no "Script:line:" prefix, as the engine's errors have none.

local Errors = {}

Errors.ARGUMENT_MISSING = "Argument %d missing or nil"
Errors.KEY_EMPTY = "101: Key name can't be empty."
Errors.KEY_TOO_LONG = "102: Key name exceeds the 50 character limit."
Errors.VALUE_TOO_LARGE = "105: Serialized value exceeds 4MB limit."
Errors.METADATA_TOO_LARGE = "511: Metadata attribute size exceeds 300 bytes limit."
Errors.USER_IDS_TOO_MANY = "512: UserID size exceeds limit of 4"
Errors.CANT_STORE = "104: Cannot store %s in data store. Data stores can only accept valid UTF-8 characters."
Errors.USER_ID_FORMAT = "513: Attribute userId format is invalid"
Errors.METADATA_FORMAT = "513: Attribute metadata format is invalid."
Errors.NO_PAGES = "No pages to advance to."
Errors.STORE_NAME_EMPTY = "DataStore name can't be empty string"
Errors.STORE_NAME_TOO_LONG = "DataStore name is too long"
Errors.SCOPE_EMPTY = "DataStore scope can't be empty string"
Errors.SCOPE_TOO_LONG = "DataStore scope is too long"
Errors.ALL_SCOPES_WITH_SCOPE = "DataStore scope should be an empty string allScopes is set to true"

-- Texts of the shim's own choosing (the reference leaves them unknown).
Errors.TRANSFORM_YIELDED = "attempt to yield across metamethod/C-call boundary"
Errors.DOT_CALL = "Expected ':' not '.' calling member function %s"
Errors.BAD_ARGUMENT = "invalid argument #%d to '%s' (%s expected, got %s)"
Errors.BAD_ENUM = "Unable to cast %s to Enum.%s"

-- Connection errors name the daemon's address and how to start it.
Errors.UNREACHABLE = "rbxemu: cannot reach the emulator at %s (%s). Start it with `rbxemu serve`, or point the shim elsewhere with RbxEmu.configure{ url = ... }."
Errors.CONNECTION_LOST = "rbxemu: lost the connection to the emulator at %s while waiting for %s (%s); the request may or may not have been applied. Is `rbxemu serve` still running?"
Errors.HTTP_DISABLED = "rbxemu: HTTP requests are off in this place (HttpService.HttpEnabled is false), so the shim cannot reach the emulator at %s. Turn on Game Settings > Security > Allow HTTP Requests, then press Play again."
Errors.NO_TRANSPORT = "rbxemu: no way to reach the emulator from here: %s"

-- raise throws text at level 0 (no position prefix), formatting it with the
-- extra arguments when there are any.
function Errors.raise(text, ...)
	if select("#", ...) > 0 then
		text = string.format(text, ...)
	end
	error(text, 0)
end

return Errors

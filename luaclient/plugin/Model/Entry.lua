-- Entry: the "Value" tab. One key of a standard data store: its value as
-- pretty JSON, its key info (version, times, user ids, metadata) and its
-- versions (ListVersionsAsync, newest first, page by page), with a chosen old
-- version's value beside it (GetVersionAsync).
--
-- Changes:
--   Save(text)   writes an edited value. The text must be JSON: anything
--                else is refused here with the line and column of the fault
--                and nothing is sent. The write is conditional, as
--                UpdateAsync is: it reads the key (ReadForUpdate) and
--                commits (CommitUpdate) only if it is still the version that
--                was shown, so a save never overwrites a write the game made
--                meanwhile. User ids and metadata are kept.
--   Delete()     RemoveAsync (the removed value stays in the history).
--   Restore(v)   what the Creator Hub's data stores manager calls Revert:
--                read version v (value, user ids, metadata) and SetAsync
--                them, so it becomes the new latest version.
--
-- View: { ok, message, target, title, exists, valueText, editable, size,
--         info = { version, created, updated, userIds, metadata },
--         versions = { rows = { { version, created, deleted, latest } },
--                      page, hasNext, hasPrev },
--         selected = { version, created, deleted, valueText, userIds,
--                      metadata } or nil }

local Json = require(script.Parent.Parent:WaitForChild("Json"))
local Pager = require(script.Parent:WaitForChild("Pager"))
local Format = require(script.Parent:WaitForChild("Format"))
local Keys = require(script.Parent:WaitForChild("Keys"))

local Entry = {}
Entry.__index = Entry

Entry.VERSIONS_PAGE_SIZE = 20
-- MAX_EDIT is the longest pretty text the widget shows in an editable box;
-- larger values (up to 4 MB) are shown cut short and read-only (Studio's
-- text boxes grow slow long before that).
Entry.MAX_EDIT = 200000

function Entry.new(connection)
	local self = setmetatable({ connection = connection }, Entry)
	self.pager = Pager.new(function(cursor)
		local args = self:_args()
		args.sortDirection = "Descending"
		args.pageSize = Entry.VERSIONS_PAGE_SIZE
		return (self.connection.client:Call("ListVersionsAsync", Pager.withCursor(args, cursor)))
	end)
	return self
end

function Entry:_args()
	local args = Keys.storeArgs(self.target)
	args.key = self.target.key
	return args
end

-- describe turns a { value, keyInfo } result tree into what the view shows.
local function describe(resultNode)
	local valueNode = Json.member(resultNode, "value")
	local infoNode = Json.member(resultNode, "keyInfo")
	if Json.isNull(valueNode) then
		return { exists = false }
	end
	local info = Json.toLua(infoNode) or {}
	local userIdsNode = Json.member(infoNode, "userIds")
	local metadataNode = Json.member(infoNode, "metadata")
	local compact = Json.compact(valueNode)
	return {
		exists = true,
		valueNode = valueNode,
		compact = compact,
		pretty = Json.pretty(valueNode),
		version = info.version,
		createdTime = info.createdTime,
		updatedTime = info.updatedTime,
		userIds = userIdsNode and Json.compact(userIdsNode) or "[]",
		metadata = metadataNode and Json.compact(metadataNode) or "{}",
	}
end

function Entry:_fail(text)
	self.message = text
	self.failed = true
	return self:View()
end

function Entry:_note(text)
	self.message = text
	self.failed = false
end

-- Load shows a key: target { store, scope, allScopes, key }.
function Entry:Load(target)
	local q, why = Keys.normalize(target)
	if q == nil then
		return self:_fail(why)
	end
	q.key = tostring(target.key or "")
	if q.key == "" then
		return self:_fail("Type a key name (the Keys tab lists them).")
	end
	self.target = { store = q.store, scope = q.scope, allScopes = q.allScopes, key = q.key }
	self.selected = nil
	self.message = nil
	self.failed = false
	return self:_refresh()
end

-- Reload reads the key again.
function Entry:Reload()
	if self.target == nil then
		return self:View()
	end
	self.selected = nil
	self.message = nil
	self.failed = false
	return self:_refresh()
end

function Entry:_refresh()
	local ok, err = self.connection:Try(function(client)
		local _, node = client:Call("GetAsync", self:_args())
		self.current = describe(node)
		self.pager:First()
	end)
	if not ok then
		self.current = nil
		self.pager.items = {}
		self.pager.page = 0
		return self:_fail(err)
	end
	return self:View()
end

-- Select shows an old version's value beside the latest.
function Entry:Select(version)
	if self.target == nil then
		return self:View()
	end
	local ok, err = self.connection:Try(function(client)
		local args = self:_args()
		args.version = version
		local _, node = client:Call("GetVersionAsync", args)
		local d = describe(node)
		d.id = version
		for _, item in ipairs(self.pager.items) do
			if item.version == version then
				d.listedCreated = item.createdTime
				d.deleted = item.isDeleted
			end
		end
		self.selected = d
	end)
	if not ok then
		return self:_fail(err)
	end
	self.message = nil
	self.failed = false
	return self:View()
end

-- Save writes text (JSON) as the key's new value; see the file comment.
function Entry:Save(text)
	if self.target == nil then
		return self:_fail("Not saved: open a key first.")
	end
	local node, why = Json.parse(text)
	if node == nil then
		return self:_fail("Not saved: the value is not valid JSON (" .. why .. "). Nothing was sent.")
	end
	local expected = nil
	local userIds, metadata = "[]", "{}"
	if self.current ~= nil and self.current.exists then
		expected = self.current.version
		userIds, metadata = self.current.userIds, self.current.metadata
	end
	local outcome
	local ok, err = self.connection:Try(function(client)
		local read = client:Call("ReadForUpdate", self:_args())
		local now = read.keyInfo and read.value ~= nil and read.keyInfo.version or nil
		if now ~= expected then
			outcome = "conflict"
			return
		end
		local args = self:_args()
		args.token = read.token or ""
		args.value = Json.raw(Json.compact(node))
		args.userIds = Json.raw(userIds)
		args.metadata = Json.raw(metadata)
		local commit = client:Call("CommitUpdate", args)
		if commit.committed then
			outcome = commit.keyInfo and commit.keyInfo.version or "saved"
		else
			outcome = "conflict"
		end
	end)
	if not ok then
		return self:_fail("Not saved: " .. err)
	end
	if outcome == "conflict" then
		return self:_fail("Not saved: the key changed since it was loaded (the game or someone else wrote it). "
			.. "Reload to see the new value, then edit again.")
	end
	self:Reload()
	self:_note("Saved as version " .. tostring(outcome) .. ".")
	return self:View()
end

-- Delete removes the key (RemoveAsync).
function Entry:Delete()
	if self.target == nil then
		return self:_fail("Nothing to delete: open a key first.")
	end
	local ok, err = self.connection:Try(function(client)
		client:Call("RemoveAsync", self:_args())
	end)
	if not ok then
		return self:_fail("Not deleted: " .. err)
	end
	self:Reload()
	self:_note("Deleted " .. self.target.key .. ". Its last value stays in the version history (30 days).")
	return self:View()
end

-- Restore makes an old version the latest again: its value, user ids and
-- metadata are written with SetAsync.
function Entry:Restore(version)
	if self.target == nil then
		return self:_fail("Nothing to restore: open a key first.")
	end
	local written
	local ok, err = self.connection:Try(function(client)
		local args = self:_args()
		args.version = version
		local _, node = client:Call("GetVersionAsync", args)
		local old = describe(node)
		if not old.exists then
			written = false
			return
		end
		local set = self:_args()
		set.value = Json.raw(old.compact)
		set.userIds = Json.raw(old.userIds)
		set.metadata = Json.raw(old.metadata)
		local result = client:Call("SetAsync", set)
		written = result.version or (result.keyInfo and result.keyInfo.version) or "?"
	end)
	if not ok then
		return self:_fail("Not restored: " .. err)
	end
	if written == false then
		return self:_fail("Not restored: version " .. tostring(version)
			.. " holds no value (it is a deletion, or it has expired).")
	end
	self:Reload()
	self:_note("Restored version " .. tostring(version) .. " as the new latest version " .. tostring(written) .. ".")
	return self:View()
end

function Entry:VersionsNext()
	return self:_page(Pager.Next)
end

function Entry:VersionsPrev()
	return self:_page(Pager.Prev)
end

function Entry:_page(method)
	if self.target == nil then
		return self:View()
	end
	local ok, err = self.connection:Try(function()
		method(self.pager)
	end)
	if not ok then
		return self:_fail(err)
	end
	return self:View()
end

local function shown(d)
	if d.pretty == nil then
		return "", false
	end
	if #d.pretty > Entry.MAX_EDIT then
		return string.sub(d.pretty, 1, Entry.MAX_EDIT) .. "\n... (" .. Format.bytes(#d.compact)
			.. " in all: too large to show whole; read it with `rbxemu get`)", false
	end
	return d.pretty, true
end

function Entry:View()
	local view = { ok = not self.failed, message = self.message, target = self.target }
	local t = self.target
	if t == nil then
		view.title = "No key open: pick one in the Keys tab, or type a store and key."
		view.versions = { rows = {}, page = 0, hasNext = false, hasPrev = false }
		return view
	end
	if t.allScopes then
		view.title = t.store .. " (all scopes) / " .. t.key
	else
		view.title = t.store .. " / " .. t.scope .. " / " .. t.key
	end
	local c = self.current
	if c ~= nil and c.exists then
		view.exists = true
		view.valueText, view.editable = shown(c)
		view.size = #c.compact
		view.info = {
			version = c.version,
			created = Format.time(c.createdTime),
			updated = Format.time(c.updatedTime),
			userIds = c.userIds,
			metadata = c.metadata,
		}
	else
		view.exists = false
		view.valueText = ""
		view.editable = c ~= nil -- a missing key can be written
		if view.message == nil and c ~= nil then
			view.message = "This key has no value (never written, or deleted). Saving writes one."
		end
	end
	local rows = {}
	local state = self.pager:State()
	for i, item in ipairs(self.pager.items) do
		rows[i] = {
			version = item.version,
			created = Format.time(item.createdTime),
			deleted = item.isDeleted == true,
			latest = state.page == 1 and i == 1,
		}
	end
	view.versions = { rows = rows, page = state.page, hasNext = state.hasNext, hasPrev = state.hasPrev }
	local s = self.selected
	if s ~= nil then
		local text = "(no value: a deletion)"
		if s.exists then
			text = shown(s)
		end
		view.selected = {
			version = s.id,
			created = Format.time(s.listedCreated or s.updatedTime),
			deleted = not s.exists,
			valueText = text,
			userIds = s.userIds or "-",
			metadata = s.metadata or "-",
		}
	end
	return view
end

return Entry

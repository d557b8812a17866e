-- MonitorPanel: the "Monitor" tab: recent DataStore calls, newest first,
-- failed calls in red and throttled ones in orange (calls that waited in a
-- queue in yellow); Start/Stop, Pause and Clear. Without a WebSocket it
-- lists the sessions' throttle queues instead (see Model/Monitor).
-- Renders are coalesced: a burst of events redraws the list once.

local Widgets = require(script.Parent:WaitForChild("Widgets"))

local MonitorPanel = {}

MonitorPanel.REDRAW_DELAY = 0.2

function MonitorPanel.build(parent, app)
	local model = app.models.monitor
	local root = Widgets.frame(parent, "MonitorPanel", { Visible = false })
	local panel = { root = root, stopped = false }
	local controls = Widgets.row(root, "Controls")
	local startStop = Widgets.button(controls, "StartButton", "Start", 60)
	local _, paused = Widgets.toggle(controls, "PauseButton", "Resume", "Pause", 64, false, function(state)
		panel.render(model:SetPaused(state))
	end)
	local clear = Widgets.button(controls, "ClearButton", "Clear", 56)
	local counts = Widgets.label(controls, "Counts", "", 360)
	local notice = Widgets.message(root, "Notice")
	local rows = Widgets.list(root, "List")
	Widgets.stack({ { controls, 28 }, { notice, 36 }, { rows } })

	local pending = false

	function panel.render(view)
		Widgets.say(notice, view.notice, view.state ~= "failed" and view.state ~= "closed")
		local running = view.state == "live" or view.state == "connecting" or view.state == "polling"
		startStop.Text = running and "Stop" or "Start"
		startStop.Visible = view.mode == "stream"
		if view.mode == "stream" then
			counts.Text = string.format("%d shown, %d failed, %d throttled, %d dropped by the daemon",
				view.counts.shown, view.counts.failed, view.counts.throttled, view.counts.dropped)
		else
			counts.Text = string.format("%d sessions", #view.sessions)
		end
		Widgets.clear(rows)
		if view.mode == "stream" then
			for i, r in ipairs(view.rows) do
				local text = string.format("%s  %s  %-7s %-18s %-40s %s  %s", r.time, r.session, r.client, r.op, r.target,
					r.outcome, r.latency)
				if r.budget ~= "" then
					text = text .. "  " .. r.budget
				end
				if r.faults ~= "-" then
					text = text .. "  fault " .. r.faults
				end
				Widgets.listRow(rows, i, text, r.kind)
			end
		else
			for i, s in ipairs(view.sessions) do
				local text = string.format("%s  %-7s job %-24s queued %d  (%s)%s", s.session, s.client, s.jobId, s.queued,
					s.queues, s.own and "  (this plugin)" or "")
				Widgets.listRow(rows, i, text, s.kind)
			end
		end
	end

	-- redraw coalesces renders after monitor events.
	local function redraw()
		if pending then
			return
		end
		pending = true
		task.delay(MonitorPanel.REDRAW_DELAY, function()
			pending = false
			panel.render(model:View())
		end)
	end
	model.changed = redraw

	startStop.Activated:Connect(function()
		if model.state == "live" or model.state == "connecting" then
			model:Stop()
			panel.stopped = true
			panel.render(model:View())
		else
			panel.stopped = false
			app:Run(function()
				panel.render(model:Start())
			end)
		end
	end)
	clear.Activated:Connect(function()
		panel.render(model:Clear())
	end)

	-- onShow starts the monitor the first time the tab is shown, and polls
	-- in the fallback mode.
	function panel.onShow()
		if model.mode == "poll" then
			app:Run(function()
				panel.render(model:Poll())
			end)
		elseif model.state == "idle" and not panel.stopped then
			app:Run(function()
				panel.render(model:Start())
			end)
		end
	end

	-- tick is called periodically while the tab is shown: it polls in the
	-- fallback mode, and reconnects a stream the daemon dropped (restarted)
	-- unless Stop was pressed.
	function panel.tick()
		if model.mode == "poll" then
			panel.render(model:Poll())
		elseif (model.state == "failed" or model.state == "closed") and not panel.stopped then
			model:Stop()
			panel.render(model:Start())
		end
	end

	panel.paused = paused
	-- a stopped monitor (widget closed, plugin unloading) ends its stream
	function panel.stop()
		model:Stop()
		panel.render(model:View())
	end
	panel.render(model:View())
	return panel
end

return MonitorPanel

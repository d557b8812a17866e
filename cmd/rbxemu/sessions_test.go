package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/client"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
)

func TestSessionsCLI(t *testing.T) {
	url, _ := cliDaemon(t)
	cliRun(t, "", "sessions", "--url", url).want(t, "", "no sessions: no game server is connected\n", 0)
	ctx := context.Background()
	ws, err := client.Dial(ctx, url, client.HelloOptions{Universe: 3, PlaceID: 9, JobID: "server-a", Players: 12, Client: "studio"})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(2 * time.Millisecond)
	hc, err := client.NewHTTP(ctx, url, client.HelloOptions{JobID: "server-b", Client: "lune"})
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()

	r := cliRun(t, "", "sessions", "--url", url, "--json")
	var res dispatch.SessionsResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	type row struct {
		Session, JobID, Client, Transport string
		PlaceID, Universe, Players        int64
		Queued                            int
	}
	var got []row
	for _, s := range res.Sessions {
		got = append(got, row{s.Session, s.JobID, s.Client, s.Transport, s.PlaceID, s.Universe, s.Players, s.Queued})
	}
	want := []row{
		{ws.Session(), "server-a", "studio", "websocket", 9, 3, 12, 0},
		{hc.Session(), "server-b", "lune", "http", 1, 1, 0, 0},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("sessions\n got %+v\nwant %+v", got, want)
	}

	r = cliRun(t, "", "sessions", "--url", url)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 3 {
		t.Fatalf("%+v", r)
	}
	header := regexp.MustCompile(`^SESSION +JOB +PLACE +UNIVERSE +PLAYERS +CLIENT +TRANSPORT +AGE +QUEUED +BUDGETS$`)
	rowA := regexp.MustCompile(`^` + ws.Session() + ` +server-a +9 +3 +12 +studio +websocket +\d+s +0 +-$`)
	rowB := regexp.MustCompile(`^` + hc.Session() + ` +server-b +1 +1 +0 +lune +http +\d+s +0 +-$`)
	if !header.MatchString(lines[0]) || !rowA.MatchString(lines[1]) || !rowB.MatchString(lines[2]) {
		t.Fatalf("table:\n%s", r.stdout)
	}
}

func TestBudgetsText(t *testing.T) {
	if got := budgetsText(map[string]int64{"StandardWrite": 5, "OrderedRead": 9, "StandardRead": 7}); got != "OrderedRead=9 StandardRead=7 StandardWrite=5" {
		t.Fatalf("%q", got)
	}
	if got := budgetsText(nil); got != "-" {
		t.Fatalf("%q", got)
	}
}

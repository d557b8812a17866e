package throttle

import (
	"context"
	"testing"
	"time"

	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// The Studio plugin and Open Cloud are tools, not game servers: far more
// list calls than a game server's budget (9 at start, 5 a minute) pass at
// once on a frozen clock, and their replies carry no budgets. A game
// server's session is still metered.
func TestToolSessionsHaveNoServerBudgets(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(clk, Options{})
	defer l.Close()
	for _, kind := range []string{"plugin", "opencloud"} {
		s := &dispatch.Session{ID: kind, Universe: 1, ClientKind: kind}
		l.SessionOpened(s)
		for i := 0; i < 50; i++ {
			c := &dispatch.Call{Op: "ListKeysAsync", Store: engine.StoreRef{Universe: 1, Name: "S", Scope: "global"}, RequestTypes: []string{"StandardList"}}
			if err := l.Admit(context.Background(), s, c); err != nil {
				t.Fatalf("%s call %d: %v", kind, i, err)
			}
			l.Done(s, c, 0)
		}
		if b := l.Budgets(s); b != nil {
			t.Errorf("%s session reports budgets %v, want none", kind, b)
		}
		l.SessionClosed(s)
	}
	game := &dispatch.Session{ID: "game", Universe: 1, ClientKind: "studio"}
	l.SessionOpened(game)
	if got := l.Budgets(game)["StandardList"]; got != 9 {
		t.Fatalf("a game server's StandardList budget is %d, want 9 (ceil(5/3*5))", got)
	}
}

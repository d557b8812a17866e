package admin_test

// Regression tests for the import's "all or nothing" promise (issue 9).

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/clock"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// A key whose history is too large for one badger transaction used to fail
// the second pass with InternalServerError after the chunks before it were
// written: a valid document, half applied. It is now written in batches.
func TestImportKeyLargerThanATransactionIsWhole(t *testing.T) {
	clk := clock.NewManual(start)
	e := openEngine(t, clk)
	var b bytes.Buffer
	b.WriteString(`{"format":"rbxemu","version":1,"universes":[{"universeId":1,"dataStores":[{"name":"S","scopes":[{"scope":"global","keys":[`)
	for i := 0; i < 600; i++ { // more than one chunk before the big key
		fmt.Fprintf(&b, `{"key":"k%d","value":%d},`, i, i)
	}
	const versions = 3000 // about 3 MB of history: beyond badger's batch size (2.4 MB)
	val := `"` + strings.Repeat("x", 900) + `"`
	t0 := start.UnixMilli() - 2*versions // versions still kept at the clock's now
	fmt.Fprintf(&b, `{"key":"big","value":"head","updatedTime":%d,"versions":[`, start.UnixMilli())
	for i := 0; i < versions; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"updatedTime":%d,"value":%s}`, t0+int64(i), val)
	}
	b.WriteString(`]}]}]}]}]}`)
	st, err := admin.ImportBytes(e, b.Bytes(), admin.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if st.Keys != 601 || st.Versions != versions {
		t.Fatalf("stats %+v", st)
	}
	s := engine.StoreRef{Universe: 1, Name: "S", Scope: "global"}
	for _, k := range []string{"k0", "k599"} {
		if got, err := e.Get(s, k); err != nil || got == nil {
			t.Fatalf("%s: %+v %v", k, got, err)
		}
	}
	head, err := e.Get(s, "big")
	if err != nil || head == nil || string(head.Value) != `"head"` {
		t.Fatalf("big: %+v %v", head, err)
	}
	n, cursor := 0, ""
	for {
		p, err := e.ListVersions(s, "big", engine.ListVersionsOptions{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Items)
		if p.IsFinished {
			break
		}
		cursor = p.Cursor
	}
	if n != versions+1 {
		t.Fatalf("%d versions listed, want %d", n, versions+1)
	}
}

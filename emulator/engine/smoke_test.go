package engine

import (
	"encoding/json"
	"testing"
)

func TestSmoke(t *testing.T) {
	e, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ref := StoreRef{Universe: 1, Name: "PlayerData", Scope: "global"}
	info, err := e.Set(ref, "k", json.RawMessage(`{ "a" : [1, 2] }`), WriteOptions{UserIDs: json.RawMessage(`[1,2]`), Metadata: json.RawMessage(`{"x":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Get(ref, "k")
	if err != nil || string(got.Value) != `{"a":[1,2]}` || got.Info.Version != info.Version {
		t.Fatalf("%v %+v", err, got)
	}
	t.Logf("%s %+v %s", got.Value, got.Info, got.Info.Metadata)
	_, err = e.Increment(ref, "k", nil, WriteOptions{})
	t.Log(err)
	_, err = e.Set(ref, "", json.RawMessage(`1`), WriteOptions{})
	t.Log(err)
	_, err = e.Set(ref, "k", json.RawMessage(`"\ud800"`), WriteOptions{})
	t.Log(err)
	r, err := e.Remove(ref, "k")
	t.Log(string(r.Value), err)
	r, err = e.Remove(ref, "k")
	t.Log(r, err)
}

package trace

import (
	"encoding/json"
	"testing"
)

func TestEntryKnowsPresentNull(t *testing.T) {
	var with, without Entry
	if err := json.Unmarshal([]byte(`{"o":"req1","read":"x","value":null}`), &with); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"o":"req1","read":"x"}`), &without); err != nil {
		t.Fatal(err)
	}
	if !with.HasValue || without.HasValue || with.O != "req1" {
		t.Fatalf("with=%+v without=%+v", with, without)
	}
}

package nodehttp

import (
	"reflect"
	"testing"
)

// The duplicate rules of http/IncomingMessage/message.headers, per profile.
func TestHeaderRulesPerProfile(t *testing.T) {
	raw := []string{"Server", "a", "server", "b", "Cookie", "x=1", "cookie", "y=2", "Set-Cookie", "s=1", "Age", "1", "age", "2", "X-Y", "p", "x-y", "q"}
	want := map[string]map[string]any{
		"v6":     {"server": "a, b", "cookie": "x=1, y=2", "set-cookie": []any{"s=1"}, "age": "1", "x-y": "p, q"},
		"v14":    {"server": "a", "cookie": "x=1; y=2", "set-cookie": []any{"s=1"}, "age": "1", "x-y": "p, q"},
		"latest": {"server": "a", "cookie": "x=1; y=2", "set-cookie": []any{"s=1"}, "age": "1", "x-y": "p, q"},
	}
	for name, w := range want {
		m := &IncomingMessage{profile: Profiles[name]}
		if got := m.headerObject(raw); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %v, want %v", name, got, w)
		}
	}
	join := &IncomingMessage{profile: Profiles["latest"], join: true}
	if got := join.headerObject(raw)["age"]; got != "1, 2" {
		t.Errorf("joinDuplicateHeaders: age = %v, want \"1, 2\"", got)
	}
}

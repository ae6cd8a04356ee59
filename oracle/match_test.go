package oracle

import (
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

func ev(name string) trace.Entry       { return trace.Entry{Ev: name} }
func pev(name string) fixtures.Pattern { return fixtures.Pattern{Event: name} }
func rep(p fixtures.Pattern, r string) fixtures.Pattern {
	p.Repeat = r
	return p
}

func TestMatchLane(t *testing.T) {
	data, end := pev("data"), pev("end")
	cases := []struct {
		name string
		ps   []fixtures.Pattern
		es   []trace.Entry
		want bool
	}{
		{"exact", []fixtures.Pattern{data, end}, []trace.Entry{ev("data"), ev("end")}, true},
		{"extra entry fails", []fixtures.Pattern{end}, []trace.Entry{ev("data"), ev("end")}, false},
		{"missing entry fails", []fixtures.Pattern{data, end}, []trace.Entry{ev("end")}, false},
		{"star zero", []fixtures.Pattern{rep(data, "*"), end}, []trace.Entry{ev("end")}, true},
		{"star many", []fixtures.Pattern{rep(data, "*"), end}, []trace.Entry{ev("data"), ev("data"), ev("end")}, true},
		{"plus needs one", []fixtures.Pattern{rep(data, "+"), end}, []trace.Entry{ev("end")}, false},
		{"optional", []fixtures.Pattern{rep(data, "?"), end}, []trace.Entry{ev("data"), ev("end")}, true},
		{"optional once only", []fixtures.Pattern{rep(data, "?"), end}, []trace.Entry{ev("data"), ev("data"), ev("end")}, false},
		{"oneOf second", []fixtures.Pattern{{OneOf: [][]fixtures.Pattern{{end}, {data, end}}}}, []trace.Entry{ev("data"), ev("end")}, true},
		{"oneOf none", []fixtures.Pattern{{OneOf: [][]fixtures.Pattern{{end}, {data}}}}, []trace.Entry{ev("close")}, false},
		{"missing member is not a value", []fixtures.Pattern{{Read: "x", Value: nil, HasValue: true}}, []trace.Entry{{Read: "x", Missing: true}}, false},
		{"value pattern needs a value", []fixtures.Pattern{{Read: "x", Value: nil, HasValue: true}}, []trace.Entry{{Read: "x"}}, false},
		{"null value present", []fixtures.Pattern{{Read: "x", Value: nil, HasValue: true}}, []trace.Entry{{Read: "x", HasValue: true}}, true},
		{"unexpected throw fails", []fixtures.Pattern{{Call: "f"}}, []trace.Entry{{Call: "f", Threw: map[string]any{"$error": map[string]any{}}}}, false},
	}
	for _, tc := range cases {
		if got := matchLane(tc.ps, tc.es); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMatchValue(t *testing.T) {
	err := map[string]any{"$error": map[string]any{"name": "TypeError", "code": "X", "message": "m"}}
	cases := []struct {
		name      string
		want, got any
		ok        bool
	}{
		{"number kinds", Canon(map[string]any{"a": 1}), map[string]any{"a": 1.0}, true},
		{"map extra key", map[string]any{"a": "1"}, map[string]any{"a": "1", "b": "2"}, false},
		{"array order", []any{"a", "b"}, []any{"b", "a"}, false},
		{"any", map[string]any{"$any": true}, "whatever", true},
		{"includes", map[string]any{"$includes": []any{"GET"}}, []any{"POST", "GET"}, true},
		{"includes absent", map[string]any{"$includes": []any{"BREW"}}, []any{"GET"}, false},
		{"partial error", map[string]any{"$error": map[string]any{"code": "X"}}, err, true},
		{"partial error wrong", map[string]any{"$error": map[string]any{"code": "Y"}}, err, false},
		{"string vs array", "a", []any{"a"}, false},
	}
	for _, tc := range cases {
		if got := MatchValue(tc.want, tc.got); got != tc.ok {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestLanesMergeAdjacentData(t *testing.T) {
	tr := &trace.Trace{Events: []trace.Entry{
		{O: "req1", Ev: "data", Args: []any{map[string]any{"$bytes": "ab"}}},
		{O: "server", Ev: "x"},
		{O: "req1", Ev: "data", Args: []any{map[string]any{"$bytes": "c\\r"}}},
		{O: "req1", Ev: "end"},
	}}
	l := Lanes(tr)["req1"]
	if len(l) != 2 || !MatchValue(map[string]any{"$bytes": "abc\\r"}, l[0].Args[0]) {
		t.Fatalf("lane = %+v", l)
	}
}

func TestVersionLess(t *testing.T) {
	if !versionLess("6.17.1", "18.3.0") || versionLess("20.20.2", "18.3.0") || versionLess("18.3.0", "18.3.0") {
		t.Fatal("versionLess is wrong")
	}
}

package oracle

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

// matchLane reports whether a lane of entries matches a list of patterns in
// full. Patterns may repeat or branch (FORMAT.md), so this backtracks; lanes
// are short, so the simple search is fine.
func matchLane(ps []fixtures.Pattern, es []trace.Entry) bool {
	if len(ps) == 0 {
		return len(es) == 0
	}
	p, rest := ps[0], ps[1:]
	if len(p.OneOf) > 0 {
		for _, alt := range p.OneOf {
			if matchLane(append(append([]fixtures.Pattern{}, alt...), rest...), es) {
				return true
			}
		}
		return false
	}
	head := len(es) > 0 && matchEntry(p, es[0])
	switch p.Repeat {
	case "*":
		return matchLane(rest, es) || head && matchLane(ps, es[1:])
	case "+":
		star := p
		star.Repeat = "*"
		return head && matchLane(append([]fixtures.Pattern{star}, rest...), es[1:])
	case "?":
		return matchLane(rest, es) || head && matchLane(rest, es[1:])
	}
	return head && matchLane(rest, es[1:])
}

func matchEntry(p fixtures.Pattern, e trace.Entry) bool {
	if p.Event != e.Ev || p.Read != e.Read || p.Call != e.Call || p.Missing != e.Missing {
		return false
	}
	if p.HasArgs && !MatchValue(Canon(p.Args), e.Args) {
		return false
	}
	if p.HasValue && (!e.HasValue || !MatchValue(Canon(p.Value), e.Value)) {
		return false
	}
	if p.HasRet && (!e.HasReturned || e.Threw != nil || !MatchValue(Canon(p.Returned), e.Returned)) {
		return false
	}
	if p.HasThrew && !MatchValue(Canon(p.Threw), e.Threw) {
		return false
	}
	// A call entry that threw where the pattern expected a return (or nothing
	// said) must not pass silently.
	if !p.HasThrew && e.Threw != nil {
		return false
	}
	return true
}

// MatchValue compares an expected value (with the expectation-only tags
// $any, $includes and partial $error) against an actual summarised value.
func MatchValue(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		if _, ok := w["$any"]; ok && len(w) == 1 {
			return true
		}
		if inc, ok := w["$includes"].([]any); ok && len(w) == 1 {
			list, ok := got.([]any)
			if !ok {
				return false
			}
			for _, x := range inc {
				found := false
				for _, y := range list {
					if MatchValue(x, y) {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		if we, ok := w["$error"].(map[string]any); ok && len(w) == 1 {
			ge, ok := g["$error"].(map[string]any)
			if !ok {
				return false
			}
			for k, v := range we { // only the keys the fixture names
				if !MatchValue(v, ge[k]) {
					return false
				}
			}
			return true
		}
		if len(w) != len(g) {
			return false
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok || !MatchValue(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !MatchValue(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}

// Describe renders an entry on one line for diffs: "event request [req1 res1]".
func Describe(e trace.Entry) string {
	var sb strings.Builder
	switch {
	case e.Ev != "":
		sb.WriteString("event " + e.Ev)
		if len(e.Args) > 0 {
			sb.WriteString(" " + compact(e.Args))
		}
	case e.Read != "":
		sb.WriteString("read " + e.Read)
		if !e.Missing {
			sb.WriteString(" = " + compact(e.Value))
		}
	case e.Call != "":
		sb.WriteString("call " + e.Call)
		if len(e.Args) > 0 {
			sb.WriteString(" " + compact(e.Args))
		}
		if e.Threw != nil {
			sb.WriteString(" threw " + compact(e.Threw))
		} else if e.Returned != nil {
			sb.WriteString(" returned " + compact(e.Returned))
		}
	}
	if e.Missing {
		sb.WriteString(" (missing on this runtime)")
	}
	return sb.String()
}

// describePattern renders a pattern the way Describe renders an entry, so
// that a diff between them reads naturally.
func describePattern(p fixtures.Pattern) string {
	if len(p.OneOf) > 0 {
		var alts []string
		for _, alt := range p.OneOf {
			var parts []string
			for _, q := range alt {
				parts = append(parts, describePattern(q))
			}
			alts = append(alts, "["+strings.Join(parts, "; ")+"]")
		}
		return "one of " + strings.Join(alts, " | ")
	}
	e := trace.Entry{Ev: p.Event, Read: p.Read, Call: p.Call, Missing: p.Missing}
	if p.HasArgs {
		e.Args = Canon(p.Args).([]any)
	}
	e.Value, e.Returned, e.Threw = Canon(p.Value), Canon(p.Returned), Canon(p.Threw)
	s := Describe(e)
	if e.Read != "" && !p.HasValue && !p.Missing {
		s = "read " + p.Read + " = <any>"
	}
	switch p.Repeat {
	case "*":
		s += "  (any number of times)"
	case "+":
		s += "  (one or more times)"
	case "?":
		s += "  (optional)"
	}
	return s
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

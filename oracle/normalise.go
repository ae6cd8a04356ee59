// Package oracle decides whether a trace from a target is what a case
// expects: it normalises traces the same way for every target, matches them
// against the case's expected lanes, and explains a mismatch with a go-cmp
// diff that a person can act on.
package oracle

import (
	"encoding/json"
	"regexp"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

// Canon turns a decoded value (from YAML or JSON) into the one form the
// matcher compares: numbers as float64, maps as map[string]any, lists as []any.
func Canon(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Canon(e)
		}
		return out
	case map[string]any:
		if b, ok := x["$bytes"].(string); ok && len(x) == 1 {
			// One spelling per byte string: '\x41' and 'A' are the same bytes.
			if raw, err := fixtures.Unescape(b); err == nil {
				return map[string]any{"$bytes": fixtures.Escape(raw)}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Canon(e)
		}
		return out
	}
	return v
}

// Lanes splits a trace into per-object sequences, the unit cases are
// written in. Adjacent `data` events on one object merge into one: how a
// body is chunked is the transport's business, not the API's.
func Lanes(t *trace.Trace) map[string][]trace.Entry {
	lanes := map[string][]trace.Entry{}
	for _, e := range t.Events {
		e.Args, e.Value, e.Returned, e.Threw = canonList(e.Args), Canon(e.Value), Canon(e.Returned), Canon(e.Threw)
		lane := lanes[e.O]
		if n := len(lane); n > 0 && e.Ev == "data" && lane[n-1].Ev == "data" && len(e.Args) == 1 && len(lane[n-1].Args) == 1 {
			if merged, ok := concatChunks(lane[n-1].Args[0], e.Args[0]); ok {
				lane[n-1].Args = []any{merged}
				continue
			}
		}
		lanes[e.O] = append(lane, e)
	}
	return lanes
}

func canonList(xs []any) []any {
	if xs == nil {
		return nil
	}
	return Canon(xs).([]any)
}

// concatChunks joins two data chunks of the same type ($bytes or string).
func concatChunks(a, b any) (any, bool) {
	if sa, ok := a.(string); ok {
		sb, ok := b.(string)
		return sa + sb, ok
	}
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if !okA || !okB {
		return nil, false
	}
	ba, okA := ma["$bytes"].(string)
	bb, okB := mb["$bytes"].(string)
	if !okA || !okB {
		return nil, false
	}
	// Escaped forms concatenate to the escape of the concatenation.
	return map[string]any{"$bytes": ba + bb}, true
}

var dateHeader = regexp.MustCompile(`(?im)^(Date:)[^\r\n]*`)

// MaskWire hides what legitimately changes between runs (the Date header).
func MaskWire(b []byte) []byte {
	return dateHeader.ReplaceAll(b, []byte("$1 <masked>"))
}

// Package trace holds the trace every target reports after running a case:
// the ordered events on named objects, with values summarised in the tagged
// JSON form of fixtures/FORMAT.md, plus what the raw peer received.
package trace

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Entry is one line of a trace. Exactly one of Ev, Read, Call is set.
type Entry struct {
	O        string `json:"o"`                  // object name: server, req1, res1, sock1, http ...
	Ev       string `json:"ev,omitempty"`       // event name
	Args     []any  `json:"args,omitempty"`     // event or call arguments (summarised values)
	Read     string `json:"read,omitempty"`     // member path read
	Value    any    `json:"value,omitempty"`    // value read
	Call     string `json:"call,omitempty"`     // method called
	Returned any    `json:"returned,omitempty"` // value returned by a recorded call
	Threw    any    `json:"threw,omitempty"`    // {$error: ...} thrown by a call
	Missing  bool   `json:"missing,omitempty"`  // the member does not exist on this runtime

	// HasValue and HasReturned say the key was present: a read that gave
	// null is not the same as an entry that carries no value at all.
	HasValue    bool `json:"-"`
	HasReturned bool `json:"-"`
}

// UnmarshalJSON records which of value/returned were present.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type plain Entry
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	_, p.HasValue = keys["value"]
	_, p.HasReturned = keys["returned"]
	*e = Entry(p)
	return nil
}

// Wire is what the raw peer saw.
type Wire struct {
	Received []byte `json:"received"`
	End      string `json:"end"` // eof | reset | timeout | closed (we closed it: then rst) | error
	// Connections: a client-side case's every connection, in the order the
	// peer accepted them (the first is Received/End).
	Connections []Wire `json:"connections,omitempty"`
}

// Trace is the complete report of one run of one case.
type Trace struct {
	Events []Entry `json:"events"`
	Wire   *Wire   `json:"wire,omitempty"`
}

// MaskPort replaces the number port, wherever it appears in the events'
// arguments, values and returns, with {$port: <name>} (server, or peer in a
// client-side case), and host:port in a string with host:<name-port>: the
// port the server
// listens on differs from run to run (a 'listening' event that carries it,
// a read of server.address().port), so traces compare with it masked.
func (t *Trace) MaskPort(port int, name string) {
	if port <= 0 {
		return
	}
	for i := range t.Events {
		e := &t.Events[i]
		if e.Args != nil {
			e.Args = maskPort(e.Args, float64(port), name).([]any)
		}
		e.Value = maskPort(e.Value, float64(port), name)
		e.Returned = maskPort(e.Returned, float64(port), name)
		e.Threw = maskPort(e.Threw, float64(port), name)
	}
}

// MaskText replaces text (a path that differs per run) with token in every
// string value of the trace; nothing when text is "".
func (t *Trace) MaskText(text, token string) {
	if text == "" {
		return
	}
	for i := range t.Events {
		e := &t.Events[i]
		if e.Args != nil {
			e.Args = maskText(e.Args, text, token).([]any)
		}
		e.Value = maskText(e.Value, text, token)
		e.Returned = maskText(e.Returned, text, token)
		e.Threw = maskText(e.Threw, text, token)
	}
}

func maskText(v any, text, token string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, text, token)
	case []any: // copied, never changed in place (see maskPort)
		out := make([]any, len(x))
		for i := range x {
			out[i] = maskText(x[i], text, token)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = maskText(val, text, token)
		}
		return out
	}
	return v
}

func maskPort(v any, port float64, name string) any {
	switch x := v.(type) {
	case float64:
		if x == port {
			return map[string]any{"$port": name}
		}
	case string:
		// host:port in a string value (a Host header read back)
		p := ":" + strconv.Itoa(int(port))
		if i := strings.Index(x, p); i >= 0 && (i+len(p) == len(x) || x[i+len(p)] < '0' || x[i+len(p)] > '9') {
			return x[:i] + ":<" + name + "-port>" + x[i+len(p):]
		}
	// Slices and maps are copied, never changed in place: a trace's values
	// may be the fixture's own (arguments a target records as given), which
	// other runs of the case read at the same time.
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = maskPort(x[i], port, name)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			// a key naming host:port (an agent's pools) is masked too
			mk := k
			if m, ok := maskPort(k, port, name).(string); ok {
				mk = m
			}
			out[mk] = maskPort(val, port, name)
		}
		return out
	}
	return v
}

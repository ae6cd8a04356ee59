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
		for j := range e.Args {
			e.Args[j] = maskPort(e.Args[j], float64(port), name)
		}
		e.Value = maskPort(e.Value, float64(port), name)
		e.Returned = maskPort(e.Returned, float64(port), name)
		e.Threw = maskPort(e.Threw, float64(port), name)
	}
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
	case []any:
		for i := range x {
			x[i] = maskPort(x[i], port, name)
		}
	case map[string]any:
		for k, val := range x {
			val = maskPort(val, port, name)
			// a key naming host:port (an agent's pools)
			if mk, ok := maskPort(k, port, name).(string); ok && mk != k {
				delete(x, k)
				x[mk] = val
				continue
			}
			x[k] = val
		}
	}
	return v
}

// Package trace holds the trace every target reports after running a case:
// the ordered events on named objects, with values summarised in the tagged
// JSON form of fixtures/FORMAT.md, plus what the raw peer received.
package trace

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
}

// Wire is what the raw peer saw.
type Wire struct {
	Received []byte `json:"received"`
	End      string `json:"end"` // eof | timeout | reset | none
}

// Trace is the complete report of one run of one case.
type Trace struct {
	Events []Entry `json:"events"`
	Wire   *Wire   `json:"wire,omitempty"`
}

package oracle

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

// Status of one case on one target under one profile.
type Status string

const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	NotApplicable Status = "n/a"       // the case does not hold for this target's profile or version
	Divergent     Status = "divergent" // the target does what the fixture records as its divergence from the docs
)

// Target says what a trace came from; it decides applicability.
type Target struct {
	Name    string // node20, ref, bun ...
	Runtime string // node, bun, deno, ref
	Version string // Node-compatible version, "" for ref
}

// Verdict is the decision on one run.
type Verdict struct {
	Status Status
	Reason string // one line: why n/a, which divergence, what failed
	Diff   string // expected-vs-actual per lane (go-cmp), empty on pass
}

// Applicable says whether a case applies to a target under a profile, and
// why not when it does not.
func Applicable(c *fixtures.Case, profile string, t Target) (bool, string) {
	if !slices.Contains(c.Profiles, profile) {
		return false, fmt.Sprintf("the case holds for %s, not for profile %s", strings.Join(c.Profiles, ", "), profile)
	}
	if c.Since != "" && t.Version != "" && t.Runtime == "node" && versionLess(t.Version, c.Since) {
		return false, fmt.Sprintf("added in %s; %s is %s", c.Since, t.Name, t.Version)
	}
	return true, ""
}

// Judge decides a trace. The trace must come from a run where the case is
// Applicable.
func Judge(c *fixtures.Case, profile string, t Target, tr *trace.Trace) Verdict {
	exp := expectationFor(c, profile, t)
	lanes := Lanes(tr)
	docDiff := laneDiff(exp.Lanes, lanes)
	common := append(orderProblems(exp.Order, tr), unnamedLaneProblems(exp.Lanes, lanes)...)
	problems := append(responseProblems(exp.Response, tr.Wire), common...)
	problems = append(problems, harnessProblems(lanes)...)
	if t.Runtime == "ref" && wireTimedOut(tr.Wire) {
		// The oracle must end every case with its exchanges: a read that
		// ran out its deadline means the case waited one out (DESIGN.md,
		// a case ends when it is done), and could end differently on a
		// slower machine.
		problems = append(problems, "ref: the peer's read ran out its deadline; the case waited out a deadline instead of ending with its exchanges (a client that may not connect wants wire.peer [{idle: true}]; a server connection left open wants then: fin)")
	}

	if d := divergenceFor(c, t); d != nil && d.Aborts != "" {
		// The runtime was recorded dying on this case, yet it ran it.
		if docDiff == "" && len(problems) == 0 {
			return Verdict{Status: Fail, Reason: fmt.Sprintf("%s now behaves as documented; remove the recorded divergence (%s)", t.Name, d.Note)}
		}
		return Verdict{Status: Fail, Reason: "matches neither the docs nor the recorded divergence, which has the process abort (" + d.Note + ")",
			Diff: joinNonEmpty(docDiff, strings.Join(problems, "\n"))}
	} else if d != nil {
		divLanes := map[string][]fixtures.Pattern{}
		for k, v := range exp.Lanes {
			divLanes[k] = v
		}
		for k, v := range d.Lanes {
			divLanes[k] = v
		}
		resp := exp.Response
		if d.Response != nil {
			resp = d.Response
		}
		// A lane the divergence names is named: a throw it records there
		// (a constructor that throws on this runtime) is its to judge.
		divOrder := exp.Order
		if len(d.Order) > 0 {
			divOrder = d.Order
		}
		divCommon := append(orderProblems(divOrder, tr), unnamedLaneProblems(divLanes, lanes)...)
		divProblems := append(responseProblems(resp, tr.Wire), divCommon...)
		if _, named := d.Lanes["harness"]; !named {
			// A divergence may record what the harness saw (a request
			// that never finishes: finish-timeout) by naming its lane;
			// otherwise any harness entry fails the case.
			divProblems = append(divProblems, harnessProblems(lanes)...)
		}
		// The docs are checked first: a target that now does what its docs
		// say must not hide behind a divergence loose enough to accept both.
		switch divDiff := laneDiff(divLanes, lanes); {
		case docDiff == "" && len(problems) == 0 && d.Intermittent:
			return Verdict{Status: Divergent, Reason: "recorded intermittent divergence, documented behaviour this run: " + d.Note}
		case docDiff == "" && len(problems) == 0:
			return Verdict{Status: Fail, Reason: fmt.Sprintf("%s now behaves as documented; remove the recorded divergence (%s)", t.Name, d.Note)}
		case divDiff == "" && len(divProblems) == 0:
			return Verdict{Status: Divergent, Reason: "recorded divergence: " + d.Note}
		default:
			return Verdict{Status: Fail, Reason: "matches neither the docs nor the recorded divergence (" + d.Note + ")",
				Diff: joinNonEmpty(divDiff, strings.Join(divProblems, "\n"))}
		}
	}
	if docDiff == "" && len(problems) == 0 {
		return Verdict{Status: Pass}
	}
	reason := "trace differs from the documented behaviour"
	if miss := missingMembers(exp.Lanes, lanes); len(miss) > 0 {
		reason = "missing on this runtime: " + strings.Join(miss, ", ")
	}
	return Verdict{Status: Fail, Reason: reason, Diff: joinNonEmpty(docDiff, strings.Join(problems, "\n"))}
}

// wireTimedOut reports a peer read (any connection's) that ended at its
// deadline rather than at an end the exchange reached.
func wireTimedOut(w *trace.Wire) bool {
	return w != nil && (w.End == "timeout" || slices.ContainsFunc(w.Connections, func(c trace.Wire) bool { return c.End == "timeout" }))
}

// JudgeRunError decides a run the target could not finish: its process
// died or it refused the case. That is a failure, unless a divergence of
// the target records the death (aborts:) and err says what it names.
func JudgeRunError(c *fixtures.Case, t Target, err error) Verdict {
	if d := divergenceFor(c, t); d != nil && d.Aborts != "" && strings.Contains(err.Error(), d.Aborts) {
		return Verdict{Status: Divergent, Reason: "recorded divergence: " + d.Note}
	}
	return Verdict{Status: Fail, Reason: "the target could not run the case: " + err.Error()}
}

// expectationFor returns the first block that applies to the profile and
// the target's release; the loader guarantees there is one. A block with
// a release range holds for a Node release in it; ref, Bun and Deno are
// judged by the current docs, so for them only a range without an upper
// bound holds (fixtures.Releases.Current).
func expectationFor(c *fixtures.Case, profile string, t Target) *fixtures.Expect {
	for i := range c.Expect {
		e := &c.Expect[i]
		if len(e.Profiles) != 0 && !slices.Contains(e.Profiles, profile) {
			continue
		}
		if r := e.Releases; r != nil {
			if t.Runtime == "node" && t.Version != "" {
				if !r.Contains(t.Version) {
					continue
				}
			} else if !r.Current() {
				continue
			}
		}
		return e
	}
	return &fixtures.Expect{}
}

func divergenceFor(c *fixtures.Case, t Target) *fixtures.Divergence {
	for i := range c.Divergences {
		for _, sel := range c.Divergences[i].Targets {
			if selects(sel, t) {
				return &c.Divergences[i]
			}
		}
	}
	return nil
}

// selects matches a target selector: runtime, runtime@major, runtime@x.y.z.
func selects(sel string, t Target) bool {
	rt, ver, hasVer := strings.Cut(sel, "@")
	if rt != t.Runtime {
		return false
	}
	if !hasVer {
		return true
	}
	return t.Version == ver || strings.HasPrefix(t.Version, ver+".")
}

// laneDiff compares every named lane; "" when all match.
func laneDiff(want map[string][]fixtures.Pattern, got map[string][]trace.Entry) string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if matchLane(want[name], got[name]) {
			continue
		}
		var w, g []string
		for _, p := range want[name] {
			w = append(w, describePattern(p))
		}
		for _, e := range got[name] {
			g = append(g, Describe(e))
		}
		out = append(out, fmt.Sprintf("lane %s (-expected +actual):\n%s", name, cmp.Diff(w, g)))
	}
	return strings.Join(out, "\n")
}

// orderProblems checks the partial order between first occurrences.
func orderProblems(order [][2]string, tr *trace.Trace) []string {
	var out []string
	for _, pair := range order {
		a, b := firstIndex(tr, pair[0]), firstIndex(tr, pair[1])
		switch {
		case a < 0 || b < 0:
			out = append(out, fmt.Sprintf("order: %s before %s, but %s", pair[0], pair[1], absent(pair, a, b)))
		case a > b:
			out = append(out, fmt.Sprintf("order: %s must come before %s (saw #%d after #%d)", pair[0], pair[1], a, b))
		}
	}
	return out
}

func absent(pair [2]string, a, b int) string {
	if a < 0 {
		return pair[0] + " never happened"
	}
	return pair[1] + " never happened"
}

func firstIndex(tr *trace.Trace, ref string) int {
	obj, name, _ := strings.Cut(ref, ".")
	for i, e := range tr.Events {
		if e.O == obj && (e.Ev == name || e.Read == name || e.Call == name) {
			return i
		}
	}
	return -1
}

var statusLine = regexp.MustCompile(`^HTTP/\d\.\d (\d{3})`)

func responseProblems(r *fixtures.ResponseCheck, w *trace.Wire) []string {
	if r == nil {
		return nil
	}
	if w == nil {
		return []string{"response: the run has no wire record"}
	}
	var out []string
	if r.Status != 0 {
		m := statusLine.FindSubmatch(w.Received)
		if m == nil {
			out = append(out, fmt.Sprintf("response: want status %d, received no status line: %q", r.Status, fixtures.Escape(head(w.Received, 80))))
		} else if got, _ := strconv.Atoi(string(m[1])); got != r.Status {
			out = append(out, fmt.Sprintf("response: want status %d, got %d", r.Status, got))
		}
	}
	if r.Equals != nil {
		want, _ := fixtures.Unescape(*r.Equals)
		if got := MaskWire(w.Received); !bytes.Equal(MaskWire(want), got) {
			out = append(out, "response bytes (-expected +actual):\n"+cmp.Diff(splitLines(MaskWire(want)), splitLines(got)))
		}
	}
	if len(r.Connections) > 0 {
		out = append(out, connectionProblems(r.Connections, w.Connections)...)
	}
	if r.Unconnected && w.End != "unconnected" {
		out = append(out, fmt.Sprintf("request: want no connection to the peer, the client made %d (the first wrote %q)",
			max(1, len(w.Connections)), fixtures.Escape(head(w.Received, 80))))
	}
	// A server that closes while bytes are still arriving makes its kernel
	// send RST instead of FIN; either way the server closed.
	if r.Closed && w.End != "eof" && w.End != "reset" {
		out = append(out, fmt.Sprintf("response: want the server to close the connection, the read ended with %s", w.End))
	}
	return out
}

// connectionProblems compares a client-side case's connections: their
// number, what the client wrote on each, and how it ended each.
func connectionProblems(want []fixtures.ConnectionCheck, got []trace.Wire) []string {
	var out []string
	if len(want) != len(got) {
		out = append(out, fmt.Sprintf("request: want %d connections to the peer, got %d", len(want), len(got)))
	}
	for i := 0; i < len(want) && i < len(got); i++ {
		w, _ := fixtures.Unescape(want[i].Equals)
		if g := MaskWire(got[i].Received); !bytes.Equal(MaskWire(w), g) {
			out = append(out, fmt.Sprintf("request bytes on connection %d (-expected +actual):\n", i+1)+cmp.Diff(splitLines(MaskWire(w)), splitLines(g)))
		}
		if want[i].End != "" && want[i].End != got[i].End {
			out = append(out, fmt.Sprintf("request: want connection %d to end with %s, it ended with %s", i+1, want[i].End, got[i].End))
		}
	}
	return out
}

// harnessProblems turns entries of the harness's own lane (an exception that
// escaped a handler, a finish that timed out) into failures.
func harnessProblems(lanes map[string][]trace.Entry) []string {
	var out []string
	for _, e := range lanes["harness"] {
		out = append(out, "harness: "+Describe(e))
	}
	return out
}

// unnamedLaneProblems: a lane the case does not name is not compared, but a
// throw or a missing member there is never a detail to ignore.
func unnamedLaneProblems(want map[string][]fixtures.Pattern, lanes map[string][]trace.Entry) []string {
	var out []string
	for name, lane := range lanes {
		if _, named := want[name]; named || name == "harness" {
			continue
		}
		for _, e := range lane {
			if e.Threw != nil || e.Missing {
				out = append(out, fmt.Sprintf("lane %s (not named by the case): %s", name, Describe(e)))
			}
		}
	}
	sort.Strings(out)
	return out
}

// missingMembers lists the members a runtime lacks where the case did not
// expect them to be missing: a fixture that pins `missing: true` (a member a
// profile does not have) is no reason to blame the runtime.
func missingMembers(want map[string][]fixtures.Pattern, lanes map[string][]trace.Entry) []string {
	var out []string
	for name, lane := range lanes {
		for _, e := range lane {
			if e.Missing && !expectsMissing(want[name], e) {
				out = append(out, name+"."+e.Read+e.Call)
			}
		}
	}
	sort.Strings(out)
	return out
}

// expectsMissing reports whether some pattern of the lane (at any depth of
// oneOf) expects exactly this member to be missing.
func expectsMissing(ps []fixtures.Pattern, e trace.Entry) bool {
	for _, p := range ps {
		if p.Missing && p.Read == e.Read && p.Call == e.Call {
			return true
		}
		for _, alt := range p.OneOf {
			if expectsMissing(alt, e) {
				return true
			}
		}
	}
	return false
}

func splitLines(b []byte) []string {
	var out []string
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, fixtures.Escape(l))
		}
	}
	return out
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// versionLess compares dotted versions numerically ("6.17.1" < "18.3.0").
func versionLess(a, b string) bool { return fixtures.VersionLess(a, b) }

// DivergenceFor is the divergence a case records for a target (the first
// whose targets select it), nil when it records none. The fuzzer uses it to
// tell recorded behaviour from findings.
func DivergenceFor(c *fixtures.Case, t Target) *fixtures.Divergence { return divergenceFor(c, t) }

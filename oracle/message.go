package oracle

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

// Run identifies one run of a case, for messages.
type Run struct {
	Case         *fixtures.Case
	Profile      string
	Target       string
	Segmentation string
	Seed         int64 // the suite's random seed: random splits derive from it
}

// Message is what a person reads when a case fails: everything needed to act
// without rerunning — which case and doc section, which profile and target,
// the exact bytes sent, and the diff.
func (r Run) Message(v Verdict) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "case %s (%s)\n", r.Case.ID, r.Case.File)
	fmt.Fprintf(&sb, "  sections: %s\n", strings.Join(r.Case.Sections, ", "))
	fmt.Fprintf(&sb, "  profile:  %s   target: %s", r.Profile, r.Target)
	if r.Segmentation != "" {
		fmt.Fprintf(&sb, "   segmentation: %s", r.Segmentation)
	}
	if strings.HasPrefix(r.Segmentation, "random") {
		fmt.Fprintf(&sb, " (reproduce: make conformance TARGET=%s FOCUS=%s SEED=%d)", r.Target, r.Case.ID, r.Seed)
	}
	fmt.Fprintf(&sb, "\n  note:     %s\n", r.Case.Note)
	if b := caseWireBytes(r.Case); len(b) > 0 {
		fmt.Fprintf(&sb, "  sent:     '%s'\n", fixtures.Escape(b))
	}
	fmt.Fprintf(&sb, "%s: %s\n", strings.ToUpper(string(v.Status)), v.Reason)
	if v.Diff != "" {
		sb.WriteString(v.Diff)
		if !strings.HasSuffix(v.Diff, "\n") {
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// TraceDiff compares two traces lane by lane after normalisation ("" when
// equal). Segmentation invariance is checked with it: the same case sent
// whole and byte by byte must give the same trace.
func TraceDiff(a, b *trace.Trace) string {
	return joinNonEmpty(laneDiffs(a, b), wireDiff(a, b))
}

// laneDiffs compares the event lanes of two traces, not the bytes.
func laneDiffs(a, b *trace.Trace) string {
	la, lb := Lanes(a), Lanes(b)
	names := map[string]bool{}
	for k := range la {
		names[k] = true
	}
	for k := range lb {
		names[k] = true
	}
	sorted := slices.Sorted(maps.Keys(names))
	var out []string
	for _, name := range sorted {
		da, db := describeAll(la[name]), describeAll(lb[name])
		if slices.Equal(da, db) {
			continue // the usual case; cmp.Diff costs reflection even on equal lanes
		}
		if d := cmp.Diff(da, db); d != "" {
			out = append(out, fmt.Sprintf("lane %s:\n%s", name, d))
		}
	}
	return strings.Join(out, "\n")
}

// SplitDiff is TraceDiff for the segmentation check of one case: the bytes
// received are compared only where the case checks them (a response check
// in the expectation or divergence that applies), since a case that checks
// no bytes does not pin them down.
func SplitDiff(c *fixtures.Case, profile string, t Target, a, b *trace.Trace) string {
	resp := expectationFor(c, profile, t).Response
	d := divergenceFor(c, t)
	if d != nil && d.Intermittent {
		// The recorded divergence says the segmentation decides; each
		// trace was judged on its own.
		return ""
	}
	if d != nil && d.Response != nil {
		resp = d.Response
	}
	if resp != nil {
		return TraceDiff(a, b)
	}
	return laneDiffs(a, b)
}

func wireDiff(a, b *trace.Trace) string {
	if a.Wire != nil && b.Wire != nil {
		ma, mb := MaskWire(a.Wire.Received), MaskWire(b.Wire.Received)
		if bytes.Equal(ma, mb) {
			return ""
		}
		if d := cmp.Diff(splitLines(ma), splitLines(mb)); d != "" {
			return "bytes received:\n" + d
		}
	}
	return ""
}

func describeAll(es []trace.Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, Describe(e))
	}
	return out
}

// caseWireBytes is a helper for messages.
func caseWireBytes(c *fixtures.Case) []byte {
	if c.Wire == nil {
		return nil
	}
	return c.Wire.Bytes
}

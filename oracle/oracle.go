package oracle

import (
	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/ref"
)

// Expect is the canonical trace of a case under a profile: what the
// reference implementation does with it. Doc-derived fixtures carry their
// own expectations (Judge); generated cases (fuzzing, differential runs)
// take this trace as theirs and are decided with Compare.
func Expect(c *fixtures.Case, profile string) (*trace.Trace, error) {
	return targets.Run(ref.New(), c, profile, rawwire.Whole())
}

// Compare decides an actual trace against an expected one, lane by lane and
// byte by byte (Date masked), with a go-cmp diff when they differ.
func Compare(expected, actual *trace.Trace) Verdict {
	if d := TraceDiff(expected, actual); d != "" {
		return Verdict{Status: Fail, Reason: "trace differs from the oracle's", Diff: d}
	}
	return Verdict{Status: Pass}
}

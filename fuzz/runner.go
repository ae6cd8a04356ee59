package fuzz

import (
	"errors"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
)

// Runner runs inputs on ref (under the target's profile) and on the target.
// The target is used from one goroutine at a time, so a harness target
// keeps its one process for the whole run.
type Runner struct {
	target  targets.Target // nil: ref alone (the throughput baseline)
	profile string
	// newest: the newest release of the target's line (latest), if the
	// target is an older one; see NewestAgrees.
	newest targets.Target
}

// CompareNewest makes the runner check each finding on the newest release
// of the target's line too: ref follows the newest releases, so an input
// on which the newest agrees with ref shows a rule of the target's own
// release, not a fault of ref.
func (r *Runner) CompareNewest(t targets.Target) { r.newest = t }

// NewestAgrees runs input on the newest release and reports whether it
// agrees with ref, and that release's name ("" when there is none).
func (r *Runner) NewestAgrees(input []byte) (bool, string) {
	if r.newest == nil {
		return false, ""
	}
	o := (&Runner{target: r.newest, profile: r.profile}).Run(input)
	return o.Err == nil && o.Signature == "", r.newest.Info().Name
}

// NewRunner runs inputs on ref under profile and on t (nil: ref alone).
func NewRunner(t targets.Target, profile string) *Runner {
	return &Runner{target: t, profile: profile}
}

// Outcome is one input run on both sides.
type Outcome struct {
	Expected, Actual *trace.Trace
	Signature        string // "" when they agree
	Err              error  // a side failed to run the case
}

// Run runs input on ref and on the target at once: ref runs in process on
// its own goroutine while the target's process works, which is what two
// cores buy without a second harness process.
func (r *Runner) Run(input []byte) Outcome {
	c := NewCase(input, r.profile)
	var o Outcome
	var refErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Expected, refErr = oracle.Expect(c, r.profile)
	}()
	var err error
	if r.target != nil {
		o.Actual, err = targets.Run(r.target, c, r.profile, rawwire.Whole())
	}
	<-done
	switch {
	case refErr != nil:
		o.Err = errors.New("ref: " + refErr.Error())
	case err != nil:
		o.Err = err
	case r.target != nil:
		o.Signature = Signature(o.Expected, o.Actual)
	}
	return o
}

// SplitDiff runs input on the target once more, byte by byte, and says how
// the target's trace differs from its trace of the input sent whole (seen);
// "" when it does not. A disagreement whose target side changes with the
// segmentation cannot become a fixture as it is (a case must give one
// trace under every segmentation), so such findings are counted and listed
// apart (Finding.SplitDependent) rather than mixed with the others.
// Bytewise writes over TCP may still coalesce, so "" means the split did
// not show here, not that it never does.
func (r *Runner) SplitDiff(input []byte, seen *trace.Trace) string {
	if r.target == nil || seen == nil {
		return ""
	}
	c := NewCase(input, r.profile)
	c.Wire.Whole = false
	split, err := targets.Run(r.target, c, r.profile, rawwire.Bytewise())
	if err != nil {
		return "bytewise run failed: " + errorKey(err)
	}
	return oracle.TraceDiff(seen, split)
}

// Known is what the fixtures already record of the target: the inputs of
// the fixtures with a divergence for it, and the signature each gives under
// the fuzz program.
type Known struct {
	Signatures map[string]string // signature -> fixture id
	Inputs     map[string]string // wire bytes -> fixture id
}

// Known runs, under the fuzz program, every server-side fixture that
// records a divergence for the target under its profile, or pins for the
// target's release another behaviour than ref's (releaseDiffers). A generated input
// whose disagreement has one of these signatures, or that minimises to one
// of these inputs, is the recorded divergence again, not a finding.
//
// A fixture whose divergence shows only with its own program (a read the
// fuzz program does not make) gives no signature here; its inputs are
// still known.
func (r *Runner) Known(cases []*fixtures.Case) *Known {
	k := &Known{Signatures: map[string]string{}, Inputs: map[string]string{}}
	if r.target == nil {
		return k
	}
	info := r.target.Info()
	t := oracle.Target{Name: info.Name, Runtime: info.Runtime, Version: info.Version}
	for _, c := range cases {
		if c.Wire == nil || c.ClientSide() || len(c.Wire.Bytes) == 0 || !slices.Contains(c.Profiles, r.profile) ||
			oracle.DivergenceFor(c, t) == nil && !releaseDiffers(c, r.profile, t) {
			continue
		}
		k.Inputs[string(c.Wire.Bytes)] = c.ID
		if sig := r.Run(c.Wire.Bytes).Signature; sig != "" {
			if _, dup := k.Signatures[sig]; !dup {
				k.Signatures[sig] = c.ID
			}
		}
	}
	return k
}

// releaseDiffers reports a fixture whose expectation for the target's
// Node release is a block with a release range that does not hold for the
// newest releases: ref follows the newest, so the target differing from
// ref there is a recorded difference between releases (Node 20 reading an
// empty Transfer-Encoding as none), not a finding.
func releaseDiffers(c *fixtures.Case, profile string, t oracle.Target) bool {
	if t.Runtime != "node" || t.Version == "" || profile != "latest" {
		// Release ranges split the latest line, where ref follows the
		// newest; under v6 and v14 ref follows that profile's block.
		return false
	}
	for i := range c.Expect {
		e := &c.Expect[i]
		if len(e.Profiles) != 0 && !slices.Contains(e.Profiles, profile) {
			continue
		}
		if e.Releases == nil {
			return false // the first block that applies holds for every release
		}
		if e.Releases.Contains(t.Version) {
			return !e.Releases.Current()
		}
	}
	return false
}

// errorKey shortens a run error to what identifies it: harness messages
// end with a stderr tail that differs every time.
func errorKey(err error) string {
	s := err.Error()
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "; stderr"); i > 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

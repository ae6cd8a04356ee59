package fuzz

import (
	"fmt"
	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/impl/nodehttp"
	"io"
	"slices"
	"time"
)

// Config is one fuzzing run.
type Config struct {
	Seed     uint64
	Duration time.Duration // stop generating after this long (0: no limit)
	Inputs   int           // stop after this many inputs (0: no limit)
	// Budget is the number of runs one minimisation may make.
	Budget   int
	Progress io.Writer // a line now and then; nil for none
}

// Report is what a run found.
type Report struct {
	Target, Profile string
	Seed            uint64
	Inputs, Agreed  int
	Elapsed         time.Duration
	MinimiseRuns    int
	Findings        []*Finding     // in the order found, one per signature
	Known           map[string]int // fixture id -> inputs that gave its recorded divergence
	Errors          map[string]int // a side failed to run: shortened error -> inputs
	KnownSignatures int            // signatures the fixtures gave (Known)
	KnownFixtures   []string       // fixtures with a divergence for the target
	// Attributed: signatures whose minimal input starts with a recorded
	// divergence (knownPrefix), has the shape of one (docRules), or on
	// which the newest release agrees with ref (a release difference),
	// counted in Known and listed for review.
	Attributed []Attribution
}

// Attribution is a signature filtered as a recorded divergence although
// the fixture alone did not give it, and why.
type Attribution struct {
	Fixture, Signature, Why string
	Minimal                 []byte
}

// Finding is one signature of disagreement.
type Finding struct {
	Signature string
	Count     int // inputs that gave it
	First     int // number of the first input that gave it
	Input     []byte
	Minimal   []byte
	Outcome   Outcome // of Minimal
	// Flaky: the first input did not give the signature again when rerun,
	// so it was not minimised (its Minimal is the input).
	Flaky bool
	// SplitDependent: the target's trace of the minimal (or the first)
	// input changes when the bytes arrive one by one (Runner.SplitDiff);
	// SplitDiff says how. A fixture can pin only what does not change.
	SplitDependent bool
	SplitDiff      string
}

// Fuzz generates inputs and runs each on ref and on the target until the
// duration or the number of inputs is reached. Inputs run in order, so a
// run with a given seed sees the same inputs in the same order, and (as
// far as the target behaves the same from run to run) the same findings.
func Fuzz(r *Runner, g *Generator, known *Known, cfg Config) *Report {
	rep := &Report{Profile: r.profile, Seed: cfg.Seed, Known: map[string]int{}, Errors: map[string]int{},
		KnownSignatures: len(known.Signatures)}
	for _, id := range known.Inputs {
		if !slices.Contains(rep.KnownFixtures, id) {
			rep.KnownFixtures = append(rep.KnownFixtures, id)
		}
	}
	slices.Sort(rep.KnownFixtures)
	if r.target != nil {
		rep.Target = r.target.Info().Name
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 300
	}
	bySig := map[string]*Finding{}
	start := time.Now()
	lastLog := start
	for i := 0; ; i++ {
		if cfg.Inputs > 0 && i >= cfg.Inputs || cfg.Duration > 0 && time.Since(start) >= cfg.Duration {
			break
		}
		input := g.Input(i)
		o := r.Run(input)
		rep.Inputs++
		switch {
		case o.Err != nil:
			rep.Errors[errorKey(o.Err)]++
		case o.Signature == "":
			rep.Agreed++
		case known.Signatures[o.Signature] != "":
			rep.Known[known.Signatures[o.Signature]]++
		case bySig[o.Signature] != nil:
			bySig[o.Signature].Count++
		default:
			f := minimiseFinding(r, rep, input, o, cfg.Budget)
			f.First = i
			if id := known.Inputs[string(f.Minimal)]; id != "" && !f.Flaky {
				// A recorded divergence whose signature under the fuzz
				// program the fixture alone did not give.
				known.Signatures[o.Signature] = id
				rep.Known[id]++
				continue
			}
			if !f.Flaky {
				if id, why := attribute(r, rep, known, f.Minimal, cfg.Budget); id != "" {
					known.Signatures[o.Signature] = id
					rep.Known[id]++
					rep.Attributed = append(rep.Attributed, Attribution{Fixture: id, Signature: o.Signature, Minimal: f.Minimal, Why: why})
					continue
				}
			}
			bySig[o.Signature] = f
			rep.Findings = append(rep.Findings, f)
		}
		if cfg.Progress != nil && time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			fmt.Fprintf(cfg.Progress, "%s: %d inputs, %d agreed, %d findings, %d known, %d errors (%.0f inputs/s)\n",
				time.Since(start).Round(time.Second), rep.Inputs, rep.Agreed, len(rep.Findings), sum(rep.Known), sum(rep.Errors),
				float64(rep.Inputs)/time.Since(start).Seconds())
		}
	}
	rep.Elapsed = time.Since(start)
	return rep
}

// attribute says which recorded fact a new signature's minimal input
// shows, and why, or "": the shape of a documented rule runtimes are
// recorded as breaking (docRules), a prefix that gives a recorded
// divergence (knownPrefix), or, for an older release under latest, the
// newest release agreeing with ref (a rule of the older release's own).
func attribute(r *Runner, rep *Report, known *Known, minimal []byte, budget int) (id, why string) {
	if rule := docRuleFor(minimal, known); rule != nil {
		return rule.Fixture, "it has " + rule.Shape
	}
	if id, prefix := knownPrefix(r, rep, known, minimal, budget); id != "" {
		return id, "its prefix `" + cell(clip(fixtures.Escape(prefix), 100)) + "` gives the fixture's signature"
	}
	if r.newest != nil {
		rep.MinimiseRuns++
		if agrees, newest := r.NewestAgrees(minimal); agrees {
			return "release difference (" + newest + " agrees with ref)",
				newest + ", which the profile follows, agrees with ref on it: a rule of " + rep.Target + "'s own release"
		}
	}
	return "", ""
}

// knownPrefix looks for a recorded divergence at the start of a minimal
// input: a prefix ending at a line end (an LF) whose own disagreement has
// the signature a fixture gave (Runner.Known), or whose bytes are a
// fixture's. Once a runtime has parted from ref at a recorded divergence
// (it hands a CONNECT without Host over, ref answers 400), every byte after
// it is read in another state on each side, so the inputs that vary only
// after it give new signatures of the same recorded fact; a bug of its own
// in those bytes would be hidden behind the divergence anyway. A prefix
// that stops inside a message with no parse error
// (nodehttp.EndsInsideMessage) is passed over: it disagrees for being cut
// (a runtime that words the end of input otherwise than Node would match
// any such prefix). At
// most budget prefixes are run. It returns the fixture and the prefix,
// or "".
func knownPrefix(r *Runner, rep *Report, known *Known, minimal []byte, budget int) (string, []byte) {
	runs := 0
	for i := 0; i < len(minimal)-1 && runs < budget; i++ {
		if minimal[i] != '\n' {
			continue
		}
		prefix := minimal[:i+1]
		if id := known.Inputs[string(prefix)]; id != "" {
			return id, prefix
		}
		if nodehttp.EndsInsideMessage(r.profile, prefix) {
			continue
		}
		runs++
		rep.MinimiseRuns++
		if sig := r.Run(prefix).Signature; sig != "" && known.Signatures[sig] != "" {
			return known.Signatures[sig], prefix
		}
	}
	return "", nil
}

// minimiseFinding confirms a new signature on a rerun and reduces its input
// with at most budget runs.
func minimiseFinding(r *Runner, rep *Report, input []byte, o Outcome, budget int) *Finding {
	f := &Finding{Signature: o.Signature, Count: 1, Input: input, Minimal: input, Outcome: o}
	rep.MinimiseRuns++
	if r.Run(input).Signature != o.Signature {
		f.Flaky = true
		return f
	}
	f.Minimal = Minimise(input, func(b []byte) bool {
		rep.MinimiseRuns++
		return r.Run(b).Signature == o.Signature
	}, budget)
	// The traces shown are the minimal input's own, from one more run.
	rep.MinimiseRuns++
	if again := r.Run(f.Minimal); again.Signature == o.Signature {
		f.Outcome = again
	} else {
		f.Minimal, f.Flaky = input, true // it kept the signature only some of the time
		return f
	}
	rep.MinimiseRuns++
	f.SplitDiff = r.SplitDiff(f.Minimal, f.Outcome.Actual)
	if f.SplitDiff == "" && len(f.Minimal) != len(input) {
		rep.MinimiseRuns++
		f.SplitDiff = r.SplitDiff(input, o.Actual)
	}
	f.SplitDependent = f.SplitDiff != ""
	return f
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

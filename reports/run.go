// Package reports turns the results of conformance runs into what people
// and CI read. Ginkgo writes the machine formats itself (JUnit XML, JSON);
// this package reads Ginkgo's JSON report into a Run, and from a Run writes
// a Markdown summary, a recorded results file (the matrix) and a baseline,
// and compares a Run with a baseline (the regression gate).
package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"
)

// The statuses a case can have; the oracle decides them, this package only
// counts and compares them.
const (
	Pass          = "pass"
	Fail          = "fail"
	Divergent     = "divergent"
	NotApplicable = "n/a"
)

// Statuses in the order reports list them.
var Statuses = []string{Pass, Fail, Divergent, NotApplicable}

// Result is one case run on one target under one profile.
type Result struct {
	Case     string `json:"case"`
	File     string `json:"file,omitempty"`
	Sections string `json:"sections,omitempty"`
	Profile  string `json:"profile"`
	Target   string `json:"target,omitempty"`
	Status   string `json:"status"` // pass, fail, divergent, n/a
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"` // the whole failure message (bytes sent, diff), failures only
	// Provisional: the case is new and not trusted yet (fixtures'
	// `provisional: true`); it is reported but never gates.
	Provisional bool `json:"provisional,omitempty"`
}

// SuiteProfile marks a failure outside any case: the target would not
// start, the suite leaked, a spec crashed before recording its result.
const SuiteProfile = "(suite)"

// FirstLine is the first line of a message, trimmed: what fits in a list.
func FirstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Key identifies a result within one target: the case and the profile.
func (r Result) Key() string { return r.Case + " [" + r.Profile + "]" }

// Target describes what a run ran on.
type Target struct {
	Name    string `json:"name"`
	Runtime string `json:"runtime"`
	Version string `json:"version,omitempty"` // the Node version it reports (process.version)
	// RuntimeVersion is the runtime's own version where it is not Node's
	// (Bun, Deno), which report a Node version they emulate as Version.
	RuntimeVersion string   `json:"runtimeVersion,omitempty"`
	Profiles       []string `json:"profiles"` // the profiles this run checked
}

// Version is the nodespec version a binary was built from (`git describe`
// of the clone; the Makefile sets it with -ldflags). A build without it
// says "dev".
var Version = "dev"

// Provenance says how a run was made, so that a report read later, or on
// another machine, names what produced it and how to reproduce it.
type Provenance struct {
	Nodespec    string   `json:"nodespec,omitempty"`    // Version of the suite that ran
	Seed        int64    `json:"seed,omitempty"`        // Ginkgo's random seed (split points derive from it)
	LabelFilter string   `json:"labelFilter,omitempty"` // the run's label filter, if narrowed
	Focus       []string `json:"focus,omitempty"`       // the run's focus regexps, if narrowed
	Fixtures    int      `json:"fixtures,omitempty"`    // cases the suite loaded
}

// Run is one run of the suite on one target.
type Run struct {
	Target     Target
	Provenance Provenance
	Seconds    float64 // wall time of the suite
	// Partial is set when the run was narrowed (a focus or label filter), so
	// it cannot stand for the whole suite: no baseline or record is written
	// from it, and cases it did not run are not reported missing.
	Partial bool
	Results []Result // sorted by case, then profile
}

// WriteGinkgo writes a Ginkgo JSON report, as Ginkgo's --json-report
// does (a list of one suite report) but unindented: the indented encoding
// took a seventh of a ref run's CPU, and the file is for tools.
func WriteGinkgo(report types.Report, path string) error {
	data, err := marshalGinkgo(report)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// marshalGinkgo is json.Marshal([]types.Report{report}), byte for byte,
// in a third of the time: the spec reports are encoded side by side, each
// once (json.Marshal reads every spec's MarshalJSON output again to
// compact it), and put where the suite's encoding has its empty list.
func marshalGinkgo(report types.Report) ([]byte, error) {
	specs := report.SpecReports
	report.SpecReports = nil
	head, err := json.Marshal([]types.Report{report})
	if err != nil {
		return nil, err
	}
	// A key in the encoding cannot be part of a string value: quotes in
	// strings are escaped.
	const hole = `"SpecReports":null`
	at := bytes.Index(head, []byte(hole))
	if at < 0 || bytes.Count(head, []byte(hole)) != 1 {
		return nil, errors.New("reports: a Ginkgo report encodes SpecReports other than once")
	}
	parts := make([][]byte, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(specs))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(specs); i += workers {
				parts[i], errs[i] = specs[i].MarshalJSON()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := len(head)
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, head[:at]...)
	out = append(out, `"SpecReports":`...)
	if specs == nil {
		out = append(out, "null"...)
	} else {
		out = append(out, '[')
		for i, p := range parts {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, p...)
		}
		out = append(out, ']')
	}
	return append(out, head[at+len(hole):]...), nil
}

// ReadGinkgo loads a run from a Ginkgo JSON report: the "nodespec" report
// entry of every spec and the "nodespec-target" entry of the suite. A spec
// that failed without recording a result (a crash in the suite itself, a
// target that would not start, a leak found after the suite) becomes a
// failure too, so nothing is lost.
func ReadGinkgo(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var suites []types.Report
	if err := json.Unmarshal(data, &suites); err != nil {
		return nil, fmt.Errorf("%s: not a Ginkgo JSON report: %w", path, err)
	}
	run, err := FromGinkgo(suites...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// FromGinkgo is ReadGinkgo on reports in memory (the suite's own
// ReportAfterSuite writes its summary from it).
func FromGinkgo(suites ...types.Report) (*Run, error) {
	run := &Run{}
	for _, s := range suites {
		run.Seconds += s.RunTime.Seconds()
		run.Provenance.Seed = s.SuiteConfig.RandomSeed
		run.Provenance.LabelFilter = s.SuiteConfig.LabelFilter
		run.Provenance.Focus = s.SuiteConfig.FocusStrings
		if len(s.SuiteConfig.FocusStrings) > 0 || len(s.SuiteConfig.SkipStrings) > 0 || s.SuiteConfig.LabelFilter != "" ||
			len(s.SuiteConfig.FocusFiles) > 0 || len(s.SuiteConfig.SkipFiles) > 0 {
			run.Partial = true
		}
		// Programmatic focus, an interrupt or a suite timeout fail the
		// suite without failing a spec; keep them as failures too.
		for _, why := range s.SpecialSuiteFailureReasons {
			run.Results = append(run.Results, Result{Case: "suite", Profile: SuiteProfile, Status: Fail, Reason: why, Message: why})
			if strings.Contains(why, "Focus") {
				run.Partial = true
			}
		}
		for _, sp := range s.SpecReports {
			var got *Result
			for _, e := range sp.ReportEntries {
				switch e.Name {
				case "nodespec-target":
					// One entry holds both: the target's fields and how
					// the run was made.
					if err := json.Unmarshal(entryJSON(e), &run.Target); err != nil {
						return nil, fmt.Errorf("target entry: %w", err)
					}
					var p Provenance
					if err := json.Unmarshal(entryJSON(e), &p); err != nil {
						return nil, fmt.Errorf("target entry: %w", err)
					}
					run.Provenance.Nodespec, run.Provenance.Fixtures = p.Nodespec, p.Fixtures
				case "nodespec":
					var r Result
					if err := json.Unmarshal(entryJSON(e), &r); err != nil {
						return nil, fmt.Errorf("result entry of %q: %w", sp.FullText(), err)
					}
					got = &r
				}
			}
			if got == nil {
				if sp.State.Is(types.SpecStateFailureStates) {
					name := sp.FullText()
					if name == "" {
						name = sp.LeafNodeType.String()
					}
					run.Results = append(run.Results, Result{Case: name, Profile: SuiteProfile, Status: Fail,
						Reason: "failed before recording a result: " + FirstLine(sp.Failure.Message), Message: sp.Failure.Message})
				}
				continue
			}
			if got.Status == Fail {
				got.Message = sp.Failure.Message
			}
			run.Results = append(run.Results, *got)
		}
	}
	if run.Target.Name == "" {
		// The suite failed before it knew its target (BeforeSuite); name
		// it after the results, if any recorded one.
		for _, r := range run.Results {
			if r.Target != "" {
				run.Target.Name = r.Target
				break
			}
		}
	}
	run.sort()
	return run, nil
}

// entryJSON is a report entry's value as JSON: read from a file it is
// there already, in memory (the suite's ReportAfterSuite) it is the value
// itself.
func entryJSON(e types.ReportEntry) []byte {
	if e.Value.AsJSON != "" {
		return []byte(e.Value.AsJSON)
	}
	data, err := json.Marshal(e.Value.GetRawValue())
	if err != nil {
		return nil
	}
	return data
}

func (run *Run) sort() {
	slices.SortStableFunc(run.Results, func(a, b Result) int {
		if c := strings.Compare(a.Case, b.Case); c != 0 {
			return c
		}
		return strings.Compare(a.Profile, b.Profile)
	})
}

// Counts is the number of results per profile and status.
func (run *Run) Counts() map[string]map[string]int {
	counts := map[string]map[string]int{}
	for _, r := range run.Results {
		if counts[r.Profile] == nil {
			counts[r.Profile] = map[string]int{}
		}
		counts[r.Profile][r.Status]++
	}
	return counts
}

// ShownVersion is the version a reader knows the runtime by: Bun's or
// Deno's own, otherwise the Node version.
func (t Target) ShownVersion() string {
	if t.RuntimeVersion != "" {
		return t.RuntimeVersion
	}
	return t.Version
}

// Describe is the provenance in one line, for summaries and the gate:
// "nodespec v0.3-12-gabc, seed 1, 718 fixtures, label filter ..., focus ...".
func (p Provenance) Describe() string {
	if p.Nodespec == "" && p.Seed == 0 {
		return "(not recorded)"
	}
	parts := []string{"nodespec " + cmp.Or(p.Nodespec, "(version unknown)")}
	parts = append(parts, fmt.Sprintf("seed %d", p.Seed))
	if p.Fixtures > 0 {
		parts = append(parts, fmt.Sprintf("%d fixtures", p.Fixtures))
	}
	if p.LabelFilter != "" {
		parts = append(parts, "label filter "+p.LabelFilter)
	}
	if len(p.Focus) > 0 {
		parts = append(parts, "focus "+strings.Join(p.Focus, " "))
	}
	return strings.Join(parts, ", ")
}

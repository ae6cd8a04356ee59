// Package reports renders nodespec results for people. Ginkgo writes the
// machine formats itself (JUnit XML, JSON); this package reads Ginkgo's JSON
// report and writes a Markdown summary: counts per status and profile, then
// every failure with its message, every divergence and every n/a reason.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Result is one case run on one target under one profile.
type Result struct {
	Case     string `json:"case"`
	File     string `json:"file"`
	Sections string `json:"sections"`
	Profile  string `json:"profile"`
	Target   string `json:"target"`
	Status   string `json:"status"` // pass, fail, n/a, divergent
	Reason   string `json:"reason"`
	Message  string `json:"-"` // the full failure message, for failures
}

// Read loads the results recorded in a Ginkgo JSON report (the "nodespec"
// report entry of every spec). A spec that failed without recording a
// result (a crash in the suite itself) is returned as a failure too, so
// nothing is lost.
func Read(path string) (target string, results []Result, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var suites []types.Report
	if err := json.Unmarshal(data, &suites); err != nil {
		return "", nil, fmt.Errorf("%s: not a Ginkgo JSON report: %w", path, err)
	}
	for _, s := range suites {
		for _, sp := range s.SpecReports {
			var got *Result
			for _, e := range sp.ReportEntries {
				switch e.Name {
				case "target":
					target = strings.TrimSpace(e.Value.String())
				case "nodespec":
					var r Result
					if err := json.Unmarshal([]byte(e.Value.AsJSON), &r); err == nil {
						got = &r
					}
				}
			}
			if got == nil {
				if sp.State.Is(types.SpecStateFailureStates) {
					// A spec, or a suite node (BeforeSuite: the target would
					// not start; AfterSuite: a leak), failed without a result.
					name := sp.FullText()
					if name == "" {
						name = sp.LeafNodeType.String()
					}
					results = append(results, Result{Case: name, Profile: "(suite)", Status: "fail", Reason: "failed before recording a result", Message: sp.Failure.Message})
				}
				continue
			}
			if got.Status == "fail" {
				got.Message = sp.Failure.Message
			}
			results = append(results, *got)
		}
	}
	return target, results, nil
}

// WriteMarkdown renders a summary of one run.
func WriteMarkdown(w io.Writer, target string, results []Result) error {
	statuses := []string{"pass", "fail", "divergent", "n/a"}
	counts := map[string]map[string]int{} // profile -> status -> n
	var profiles []string
	for _, r := range results {
		if counts[r.Profile] == nil {
			counts[r.Profile] = map[string]int{}
			profiles = append(profiles, r.Profile)
		}
		counts[r.Profile][r.Status]++
	}
	sort.Strings(profiles)
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# nodespec results: %s\n\n", target)
	p("| profile | %s |\n|---|%s\n", strings.Join(statuses, " | "), strings.Repeat("---|", len(statuses)))
	for _, prof := range profiles {
		row := []string{}
		for _, s := range statuses {
			row = append(row, fmt.Sprint(counts[prof][s]))
		}
		p("| %s | %s |\n", prof, strings.Join(row, " | "))
	}
	section := func(title, status string, full bool) {
		var rs []Result
		for _, r := range results {
			if r.Status == status {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			return
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Case+rs[i].Profile < rs[j].Case+rs[j].Profile })
		p("\n## %s (%d)\n\n", title, len(rs))
		for _, r := range rs {
			p("- `%s` [%s] (%s): %s\n", r.Case, r.Profile, r.Sections, r.Reason)
			if full && r.Message != "" {
				p("\n```\n%s\n```\n\n", strings.TrimRight(r.Message, "\n"))
			}
		}
	}
	section("Failures", "fail", true)
	section("Recorded divergences from the docs", "divergent", false)
	section("Not applicable", "n/a", false)
	return nil
}

package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteMarkdown renders a summary of one run: counts per profile and
// status, then every failure with its whole message, every divergence and
// every n/a reason.
func WriteMarkdown(w io.Writer, run *Run) error {
	counts := run.Counts()
	profiles := slices.Sorted(maps.Keys(counts))
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	title := run.Target.Name
	if run.Target.Version != "" {
		title += fmt.Sprintf(" (%s %s)", run.Target.Runtime, run.Target.Version)
	}
	p("# nodespec results: %s\n\n", title)
	p("Profiles %s; %s.\n\n", strings.Join(run.Target.Profiles, ", "), run.Provenance.Describe())
	p("| profile | %s |\n|---|%s\n", strings.Join(Statuses, " | "), strings.Repeat("---|", len(Statuses)))
	for _, prof := range profiles {
		row := []string{}
		for _, s := range Statuses {
			row = append(row, fmt.Sprint(counts[prof][s]))
		}
		p("| %s | %s |\n", prof, strings.Join(row, " | "))
	}
	section := func(title, status string, full bool) {
		var rs []Result
		for _, r := range run.Results {
			if r.Status == status {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			return
		}
		p("\n## %s (%d)\n\n", title, len(rs))
		for _, r := range rs {
			p("- `%s` [%s] (%s): %s\n", r.Case, r.Profile, r.Sections, r.Reason)
			if full && r.Message != "" {
				p("\n```\n%s\n```\n\n", strings.TrimRight(r.Message, "\n"))
			}
		}
	}
	section("Failures", Fail, true)
	section("Recorded divergences from the docs", Divergent, false)
	section("Not applicable", NotApplicable, false)
	return nil
}

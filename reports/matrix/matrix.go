// Package matrix joins what a reader of nodespec's results needs into one
// model: the doc sections, the cases that pin them down, and the recorded
// result of every case on every target. CONFORMANCE.md and the HTML matrix
// page are both rendered from it.
package matrix

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/reports"
)

// SectionInfo is what the matrix needs to know of a doc section.
type SectionInfo struct {
	ID     string
	Module string // http, net
	Class  string // "" at module level
	Title  string // the heading, as the newest doc that has it writes it
	Order  int    // position in the index, for document order
}

// Target is one column: a runtime checked against one profile.
type Target struct {
	reports.Target
	Provenance reports.Provenance // how the recorded run was made
	Counts     map[string]int     // status -> cases
}

// Divergence is a recorded difference of some runtimes from their docs.
type Divergence struct {
	Targets []string // as the fixture names them: node@6, bun, ...
	Note    string
}

// Case is one fixture and its results.
type Case struct {
	ID          string
	File        string // relative to fixtures/
	Note        string
	Sections    []string
	Profiles    []string
	Since       string
	Divergences []Divergence
	Results     map[string]reports.Result // target name -> its result
}

// Section is a doc section with at least one case.
type Section struct {
	SectionInfo
	Cases []*Case // every case citing the section, by id
}

// Counts is how many of the section's cases have each status on target.
func (s *Section) Counts(target string) map[string]int {
	n := map[string]int{}
	for _, c := range s.Cases {
		if r, ok := c.Results[target]; ok {
			n[r.Status]++
		}
	}
	return n
}

// Matrix is sections × targets.
type Matrix struct {
	Targets  []Target
	Sections []*Section // document order
	Cases    []*Case    // by file
	// Stale lists recorded results of cases that no longer exist, and
	// cases with no recorded result on some target: the record is older
	// than the fixtures, and `make matrix` should be run again.
	Stale []string
}

// Build joins cases and recorded runs. lookup resolves a section id; a case
// citing an unknown section is an error (the fixture linter refuses those
// too). Each run must check exactly one profile: a column is one runtime
// against one profile.
func Build(cases []*fixtures.Case, runs []*reports.Run, lookup func(id string) (SectionInfo, bool)) (*Matrix, error) {
	m := &Matrix{}
	byID := map[string]*Case{}
	bySection := map[string]*Section{}
	for _, fc := range cases {
		c := &Case{ID: fc.ID, File: fc.File, Note: fc.Note, Sections: fc.Sections, Profiles: fc.Profiles,
			Since: fc.Since, Results: map[string]reports.Result{}}
		for _, d := range fc.Divergences {
			c.Divergences = append(c.Divergences, Divergence{Targets: d.Targets, Note: d.Note})
		}
		byID[c.ID] = c
		m.Cases = append(m.Cases, c)
		for _, id := range fc.Sections {
			s := bySection[id]
			if s == nil {
				info, ok := lookup(id)
				if !ok {
					return nil, fmt.Errorf("%s: section %q is not in the section index", fc.File, id)
				}
				s = &Section{SectionInfo: info}
				bySection[id] = s
				m.Sections = append(m.Sections, s)
			}
			s.Cases = append(s.Cases, c)
		}
	}
	slices.SortFunc(m.Sections, func(a, b *Section) int { return cmp.Compare(a.Order, b.Order) })
	for _, s := range m.Sections {
		slices.SortFunc(s.Cases, func(a, b *Case) int { return strings.Compare(a.ID, b.ID) })
	}
	for _, run := range runs {
		if len(run.Target.Profiles) != 1 {
			return nil, fmt.Errorf("run of %s checked profiles %v; a matrix column is one profile", run.Target.Name, run.Target.Profiles)
		}
		t := Target{Target: run.Target, Provenance: run.Provenance, Counts: map[string]int{}}
		for _, r := range run.Results {
			c := byID[r.Case]
			if c == nil {
				m.Stale = append(m.Stale, fmt.Sprintf("%s: recorded result for %s, which is no longer a case", run.Target.Name, r.Key()))
				continue
			}
			c.Results[run.Target.Name] = r
			t.Counts[r.Status]++
		}
		for _, c := range m.Cases {
			if _, ok := c.Results[run.Target.Name]; !ok {
				m.Stale = append(m.Stale, fmt.Sprintf("%s: no recorded result for %s", run.Target.Name, c.ID))
			}
		}
		m.Targets = append(m.Targets, t)
	}
	return m, nil
}

// Package coverage measures how much of the docs the fixtures pin down: per
// profile, and per module and class within it, the sections that have at
// least one case and the ones that have none.
package coverage

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/fixtures/sections"
)

// Group is the sections of one class, or of one module's module level.
type Group struct {
	Name      string // "http" for module level, "http/IncomingMessage" for a class
	Sections  []*sections.Section
	Cases     map[string]int // section id -> cases that cite it and hold for the profile
	Uncovered []*sections.Section
}

// Covered is the number of sections of the group with at least one case.
func (g *Group) Covered() int { return len(g.Sections) - len(g.Uncovered) }

// Profile is the coverage of one profile's docs.
type Profile struct {
	Name   string
	Groups []*Group // document order
}

// Totals sums the groups.
func (p *Profile) Totals() (covered, total int) {
	for _, g := range p.Groups {
		covered += g.Covered()
		total += len(g.Sections)
	}
	return covered, total
}

// GroupOf is the coverage group a section belongs to.
func GroupOf(s *sections.Section) string {
	if s.Class == "" {
		return s.Module
	}
	return s.Module + "/" + s.Class
}

// Compute measures coverage of every profile. A case covers a section in a
// profile when it cites the section and holds for that profile.
func Compute(ix *sections.Index, cases []*fixtures.Case) []*Profile {
	var out []*Profile
	for _, prof := range sections.Profiles {
		cited := map[string]int{}
		for _, c := range cases {
			if slices.Contains(c.Profiles, prof) {
				for _, id := range c.Sections {
					cited[id]++
				}
			}
		}
		p := &Profile{Name: prof}
		byName := map[string]*Group{}
		for _, s := range ix.InProfile(prof) {
			name := GroupOf(s)
			g := byName[name]
			if g == nil {
				g = &Group{Name: name, Cases: map[string]int{}}
				byName[name] = g
				p.Groups = append(p.Groups, g)
			}
			g.Sections = append(g.Sections, s)
			if n := cited[s.ID]; n > 0 {
				g.Cases[s.ID] = n
			} else {
				g.Uncovered = append(g.Uncovered, s)
			}
		}
		out = append(out, p)
	}
	return out
}

// Write prints the coverage report `make coverage` shows: a total per
// profile, then one line per group with the sections it still lacks.
func Write(w io.Writer, profiles []*Profile) {
	for i, p := range profiles {
		if i > 0 {
			fmt.Fprintln(w)
		}
		covered, total := p.Totals()
		fmt.Fprintf(w, "profile %s: %d of %d sections have at least one case (%s)\n", p.Name, covered, total, Percent(covered, total))
		for _, g := range p.Groups {
			fmt.Fprintf(w, "  %-24s %3d/%-3d", g.Name, g.Covered(), len(g.Sections))
			if len(g.Uncovered) > 0 {
				fmt.Fprintf(w, "  without: %s", strings.Join(shortIDs(g), " "))
			}
			fmt.Fprintln(w)
		}
	}
}

// shortIDs names the uncovered sections of g relative to the group, so the
// lines stay readable: "message.destroy", not the whole id.
func shortIDs(g *Group) []string {
	var out []string
	for _, s := range g.Uncovered {
		id := strings.TrimPrefix(s.ID, g.Name+"/")
		if s.ID == g.Name {
			id = "(" + s.Kind + " heading)"
		}
		out = append(out, id)
	}
	return out
}

// Percent formats covered/total as a whole percentage.
func Percent(covered, total int) string {
	if total == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d%%", covered*100/total)
}

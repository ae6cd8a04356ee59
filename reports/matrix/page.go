package matrix

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/reports"
)

//go:embed page.html.tmpl
var pageTemplate string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"join": strings.Join}).Parse(pageTemplate))

// WriteHTML renders m as one self-contained HTML page: the section × target
// matrix, every case of every section with its result on every target, and
// the whole message of every failure. CSS and JS are inline and nothing is
// loaded from elsewhere, so the page works from file://; the JS only filters
// and opens rows, and without it the whole table is shown. fixtureBase is
// the relative URL of fixtures/ from where the page is written (for example
// "../../fixtures/"); case ids link to their fixture file under it.
//
// The output depends on m alone (no clock, maps read in sorted order), so a
// committed page can be checked for staleness by rendering it again.
func WriteHTML(w io.Writer, m *Matrix, fixtureBase string) error {
	return pageTmpl.Execute(w, newPage(m, fixtureBase))
}

// statusInfo is how the page shows one status.
type statusInfo struct {
	Name    string // as recorded: pass, fail, divergent, n/a; "none" when no result
	Class   string // CSS class
	Symbol  string
	Meaning string
}

var statusInfos = map[string]statusInfo{
	reports.Pass:          {reports.Pass, "pass", "✓", "the target behaves as its docs say"},
	reports.Fail:          {reports.Fail, "fail", "✗", "the target differs from its docs and no divergence is recorded"},
	reports.Divergent:     {reports.Divergent, "divergent", "≠", "the target differs from its docs, as recorded in the fixture"},
	reports.NotApplicable: {reports.NotApplicable, "na", "–", "the case does not apply to the target's profile"},
}

var noResult = statusInfo{"none", "none", "?", "no recorded result: run `make matrix` again"}

// severity orders statuses for a section cell's colour: the worst wins.
var severity = map[string]int{reports.Fail: 5, reports.Divergent: 4, "none": 3, reports.Pass: 2, reports.NotApplicable: 1}

func infoOf(status string) statusInfo {
	if si, ok := statusInfos[status]; ok {
		return si
	}
	if status == "" || status == noResult.Name {
		return noResult
	}
	return statusInfo{status, "other", "?", "an unknown status"}
}

// statusOrder lists the statuses of counts: the known ones in report order,
// then any other, sorted.
func statusOrder(counts map[string]int) []string {
	order := slices.Clone(reports.Statuses)
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(order, s) {
			order = append(order, s)
		}
	}
	return order
}

type statusCount struct {
	statusInfo
	N int
}

type page struct {
	Statuses  []statusInfo
	Targets   []pageTarget
	Modules   []string
	Sections  []pageSection
	NSections int
	NCases    int // distinct cases in some section
	NCols     int
	Stale     []string
}

type pageTarget struct {
	Name, Runtime, Version, Profile string
	Counts                          []statusCount // every status, zeros included
}

type pageSection struct {
	ID, Module, Class, Title string
	IDParts                  []string // ID cut where a line may break: after "/", before "."
	Key                      string   // unique, for element ids
	Cells                    []sectionCell
	Cases                    []pageCase
}

type sectionCell struct {
	Target   string
	Class    string        // the worst status's class, for the colour
	Statuses string        // the statuses present, space-separated
	Counts   []statusCount // non-zero only
	Label    string        // "3 pass, 1 fail"
}

type pageCase struct {
	ID, Href, Note, Meta string
	Key                  string
	Cells                []caseCell
	Details              []caseDetail // what the cells open: every result but a pass, one per distinct result
}

// caseDetail is one result shown once for every target that had it: the
// same divergence note on node20, node22 and node24 is one block naming
// the three, and each of their cells opens it.
type caseDetail struct {
	caseCell
	Targets []string
}

type caseCell struct {
	statusInfo
	Target  string
	Key     string
	Reason  string
	Message []msgLine
}

type msgLine struct{ Class, Text string }

func newPage(m *Matrix, fixtureBase string) *page {
	p := &page{NSections: len(m.Sections), NCols: 4 + len(m.Targets), Stale: m.Stale}
	for _, s := range reports.Statuses {
		p.Statuses = append(p.Statuses, infoOf(s))
	}
	for _, t := range m.Targets {
		pt := pageTarget{Name: t.Name, Runtime: t.Runtime, Version: t.ShownVersion(),
			Profile: strings.Join(t.Profiles, ", ")}
		for _, s := range statusOrder(t.Counts) {
			pt.Counts = append(pt.Counts, statusCount{infoOf(s), t.Counts[s]})
		}
		p.Targets = append(p.Targets, pt)
	}
	modules := map[string]bool{}
	cases := map[string]bool{}
	for i, s := range m.Sections {
		modules[s.Module] = true
		ps := pageSection{ID: s.ID, Module: s.Module, Class: s.Class, Title: s.Title, Key: fmt.Sprintf("s%d", i),
			IDParts: breakPoints(s.ID)}
		for _, t := range m.Targets {
			ps.Cells = append(ps.Cells, newSectionCell(s, t.Name))
		}
		for j, c := range s.Cases {
			cases[c.ID] = true
			pc := pageCase{ID: c.ID, Note: c.Note, Key: fmt.Sprintf("%s-c%d", ps.Key, j), Meta: caseMeta(c)}
			if c.File != "" {
				pc.Href = fixtureBase + c.File
			}
			for _, t := range m.Targets {
				r, ok := c.Results[t.Name]
				cell := caseCell{statusInfo: noResult, Target: t.Name, Key: pc.Key + "-" + t.Name}
				if ok {
					cell.statusInfo, cell.Reason, cell.Message = infoOf(r.Status), r.Reason, messageLines(r.Message)
				}
				if cell.Name != reports.Pass {
					cell.Key = pc.addDetail(cell)
				}
				pc.Cells = append(pc.Cells, cell)
			}
			ps.Cases = append(ps.Cases, pc)
		}
		p.Sections = append(p.Sections, ps)
	}
	p.Modules = slices.Sorted(maps.Keys(modules))
	p.NCases = len(cases)
	return p
}

// addDetail files a cell's result under the detail block of the same
// status, reason and message, making one when it is the first, and
// returns the block's key (what the cell's button opens).
func (pc *pageCase) addDetail(cell caseCell) string {
	for i := range pc.Details {
		d := &pc.Details[i]
		if d.Name == cell.Name && d.Reason == cell.Reason && slices.Equal(d.Message, cell.Message) {
			d.Targets = append(d.Targets, cell.Target)
			return d.Key
		}
	}
	d := caseDetail{caseCell: cell, Targets: []string{cell.Target}}
	d.Key = fmt.Sprintf("%s-d%d", pc.Key, len(pc.Details))
	pc.Details = append(pc.Details, d)
	return d.Key
}

func newSectionCell(s *Section, target string) sectionCell {
	counts := s.Counts(target)
	if missing := len(s.Cases) - sum(counts); missing > 0 {
		counts["none"] = missing
	}
	cell := sectionCell{Target: target, Class: "empty"}
	var present, label []string
	worst := 0
	for _, st := range statusOrder(counts) {
		n := counts[st]
		if n == 0 {
			continue
		}
		si := infoOf(st)
		present = append(present, si.Name)
		label = append(label, fmt.Sprintf("%d %s", n, si.Name))
		cell.Counts = append(cell.Counts, statusCount{si, n})
		if sev := severity[st]; sev > worst || cell.Class == "empty" {
			worst, cell.Class = sev, si.Class
		}
	}
	cell.Statuses = strings.Join(present, " ")
	cell.Label = strings.Join(label, ", ")
	return cell
}

// breakPoints cuts a section id after each "/" and before each ".", so a
// narrow column wraps it between its parts.
func breakPoints(id string) []string {
	var parts []string
	start := 0
	for i, r := range id {
		switch {
		case r == '/' && i+1 < len(id):
			parts, start = append(parts, id[start:i+1]), i+1
		case r == '.' && i > start:
			parts, start = append(parts, id[start:i]), i
		}
	}
	return append(parts, id[start:])
}

func sum(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

func caseMeta(c *Case) string {
	var parts []string
	if len(c.Profiles) > 0 {
		parts = append(parts, "profiles "+strings.Join(c.Profiles, ", "))
	}
	if c.Since != "" {
		parts = append(parts, "since "+c.Since)
	}
	for _, d := range c.Divergences {
		parts = append(parts, "divergence recorded for "+strings.Join(d.Targets, ", "))
	}
	if len(c.Sections) > 1 {
		parts = append(parts, "sections "+strings.Join(c.Sections, ", "))
	}
	return strings.Join(parts, " · ")
}

// messageLines splits a failure message into lines, marking the ones a
// reader looks for: the bytes sent, the verdict, and the diff's removed and
// added lines (go-cmp writes "-" or "+" in the first column).
func messageLines(msg string) []msgLine {
	msg = strings.TrimRight(msg, "\n")
	if msg == "" {
		return nil
	}
	var out []msgLine
	for _, l := range strings.Split(msg, "\n") {
		class := ""
		trimmed := strings.TrimLeft(l, " ")
		switch {
		case strings.HasPrefix(l, "-"):
			class = "del"
		case strings.HasPrefix(l, "+"):
			class = "add"
		case strings.HasPrefix(trimmed, "sent:"):
			class = "sent"
		case strings.HasPrefix(l, "FAIL:"), strings.HasPrefix(l, "case "):
			class = "head"
		}
		out = append(out, msgLine{class, l})
	}
	return out
}

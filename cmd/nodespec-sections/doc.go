package main

import (
	"fmt"
	"strings"

	"github.com/nodespec/nodespec/fixtures/sections"
)

// heading is one heading as a parser read it, with the context the format
// gives it (module, enclosing class, enclosing heading).
type heading struct {
	line   int
	title  string // cleanTitle of the heading text
	module string
	class  string // enclosing class; for a class heading, the class itself
	parent int    // index of the enclosing heading in the same list; -1 for a module heading
	// adjacent: only blank lines since the previous heading, so two
	// headings deriving the same id are one section under two names.
	adjacent bool
	d        derived
	hist     *sections.History // nil where the doc gives no history
}

// baseID is the id before overloads are told apart.
func (h *heading) baseID() string {
	switch h.d.kind {
	case "module":
		return h.module
	case "class":
		return h.module + "/" + h.class
	}
	if h.class != "" {
		return h.module + "/" + h.class + "/" + h.d.member
	}
	return h.module + "/" + h.d.member
}

// docSection is a section of one doc: one heading, or a run of alias headings.
type docSection struct {
	id       string
	module   string
	class    string
	kind     string
	parentID string
	titles   []string // one per alias heading
	lines    []int
	hist     *sections.History
	first    derived // of the first heading, for telling overloads apart
}

// resolve turns one doc's headings into its sections: adjacent headings with
// the same id merge into one (aliases); non-adjacent ones are overloads and
// get their first parameter appended. A collision left after that is an
// error naming both headings, since an id must never point at two places.
func resolve(file string, hs []heading) ([]*docSection, error) {
	var secs []*docSection
	of := make([]int, len(hs)) // heading index -> section index
	for i := range hs {
		h := &hs[i]
		id := h.baseID()
		if n := len(secs); n > 0 && h.adjacent && secs[n-1].id == id {
			s := secs[n-1]
			s.titles, s.lines = append(s.titles, h.title), append(s.lines, h.line)
			if h.hist != nil {
				s.hist = h.hist
			}
			of[i] = n - 1
			continue
		}
		of[i] = len(secs)
		secs = append(secs, &docSection{id: id, module: h.module, class: h.class, kind: h.d.kind,
			titles: []string{h.title}, lines: []int{h.line}, hist: h.hist, first: h.d})
	}

	count := map[string]int{}
	for _, s := range secs {
		count[s.id]++
	}
	for _, s := range secs {
		if count[s.id] > 1 && s.first.hasParams && s.first.params != "" {
			s.id += "." + firstParam(s.first.params)
		}
	}

	seen := map[string]*docSection{}
	for _, s := range secs {
		if prev, dup := seen[s.id]; dup {
			return nil, fmt.Errorf("%s: line %d %q and line %d %q both give id %s",
				file, prev.lines[0], prev.titles[0], s.lines[0], s.titles[0], s.id)
		}
		if !sections.IDPattern.MatchString(s.id) {
			return nil, fmt.Errorf("%s: line %d %q gives malformed id %q", file, s.lines[0], s.titles[0], s.id)
		}
		seen[s.id] = s
	}
	for i := range hs {
		if p := hs[i].parent; p >= 0 && of[p] != of[i] {
			secs[of[i]].parentID = secs[of[p]].id
		}
	}
	return secs, nil
}

// title is the section's heading text as the index records it.
func (s *docSection) title() string { return strings.Join(s.titles, " | ") }

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/nodespec/nodespec/fixtures/sections"
)

// The doc files, by the number their name starts with (see
// ../shared/docs/README.md).
const (
	docRendered = "000" // latest http, rendered web page: cross-check only
	docV6       = "001" // v6 http, Markdown source
	docLatest   = "002" // latest net and http, Markdown source
	docV14      = "003" // v14 http, rendered plain text
	docOverview = "004" // overview article: not indexed
)

// docFile finds the file numbered num in dir.
func docFile(dir, num string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, num+"_*.txt"))
	if err != nil || len(m) != 1 {
		return "", fmt.Errorf("want exactly one %s_*.txt in %s, found %d", num, dir, len(m))
	}
	return m[0], nil
}

// profileDoc is one profile's source, parsed and resolved.
type profileDoc struct {
	profile, file string
	headings      []heading
	secs          []*docSection
}

// result is everything one run produces: the index and what the report needs.
type result struct {
	index    *sections.Index
	out      []byte        // index.yaml as written
	docs     []*profileDoc // latest, v14, v6
	page     []pageLine
	pageFile string
	pageAt   map[*docSection][]int // latest http section -> page line index per title (-1: absent)
	overview string
}

// build reads the docs in dir and merges them into the index.
func build(dir string) (*result, error) {
	r := &result{pageAt: map[*docSection][]int{}}
	for _, d := range []struct {
		num, profile string
		parse        func(string, []byte) ([]heading, error)
	}{{docLatest, "latest", parseMarkdown}, {docV14, "v14", parseText}, {docV6, "v6", parseMarkdown}} {
		path, err := docFile(dir, d.num)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		pd := &profileDoc{profile: d.profile, file: filepath.Base(path)}
		if pd.headings, err = d.parse(pd.file, data); err != nil {
			return nil, err
		}
		if pd.secs, err = resolve(pd.file, pd.headings); err != nil {
			return nil, err
		}
		r.docs = append(r.docs, pd)
	}
	path, err := docFile(dir, docRendered)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r.pageFile = filepath.Base(path)
	if r.page, err = parsePage(data); err != nil {
		return nil, err
	}
	if path, err = docFile(dir, docOverview); err != nil {
		return nil, err
	}
	r.overview = filepath.Base(path)
	r.crossCheckPage()
	// The index is rendered, then read back through the package's own
	// checks, so the tool can never write a file sections.Load rejects.
	if r.out, err = render(r.merge()); err != nil {
		return nil, err
	}
	if r.index, err = sections.Parse(r.out); err != nil {
		return nil, err
	}
	return r, nil
}

// crossCheckPage matches the latest http headings against the rendered page.
func (r *result) crossCheckPage() {
	var titles []string
	var owner []*docSection
	for _, s := range r.docs[0].secs {
		if s.module == "http" {
			for _, t := range s.titles {
				titles, owner = append(titles, t), append(owner, s)
			}
		}
	}
	for i, j := range matchPage(titles, r.page) {
		r.pageAt[owner[i]] = append(r.pageAt[owner[i]], j)
	}
}

// merge builds the index: http then net; within a module the latest doc's
// order, then what only v14 and then only v6 have, each placed at the end
// of its parent's block (so an old class member lands at the end of its
// class, an old module-level function at the end of the module).
func (r *result) merge() *sections.Index {
	ix := &sections.Index{Sources: map[string][]string{"latest": {r.docs[0].file, r.pageFile}}}
	byID := map[string]*sections.Section{}
	var order []*sections.Section
	add := func(pd *profileDoc, s *docSection) {
		sec := byID[s.id]
		if sec == nil {
			sec = &sections.Section{ID: s.id, Module: s.module, Class: s.class, Parent: s.parentID,
				Kind: s.kind, Titles: map[string]string{}}
			byID[s.id] = sec
			order = insertAfterBlock(order, sec, byID)
		}
		sec.Profiles = append(sec.Profiles, pd.profile)
		sec.Titles[pd.profile] = s.title()
		if s.hist != nil {
			if sec.History == nil {
				sec.History = map[string]sections.History{}
			}
			sec.History[pd.profile] = *s.hist
		}
		if at, ok := r.pageAt[s]; ok {
			sec.Rendered = !slices.Contains(at, -1)
		}
	}
	for _, mod := range []string{"http", "net"} {
		for _, pd := range r.docs {
			for _, s := range pd.secs {
				if s.module == mod {
					add(pd, s)
				}
			}
		}
	}
	for _, pd := range r.docs[1:] {
		ix.Sources[pd.profile] = []string{pd.file}
	}
	for _, s := range order {
		slices.SortFunc(s.Profiles, func(a, b string) int {
			return slices.Index(sections.Profiles, a) - slices.Index(sections.Profiles, b)
		})
	}
	ix.Sections = order
	return ix
}

// insertAfterBlock puts sec after its parent and everything below the
// parent already placed; with no parent placed yet (a module heading, or
// the first section seen) it goes at the end.
func insertAfterBlock(order []*sections.Section, sec *sections.Section, byID map[string]*sections.Section) []*sections.Section {
	p := slices.IndexFunc(order, func(s *sections.Section) bool { return s.ID == sec.Parent })
	if p < 0 {
		return append(order, sec)
	}
	end := p + 1
	for end < len(order) && below(order[end], sec.Parent, byID) {
		end++
	}
	return slices.Insert(order, end, sec)
}

// below reports whether s is a descendant of the section with id anc.
func below(s *sections.Section, anc string, byID map[string]*sections.Section) bool {
	for p := s.Parent; p != "" && byID[p] != nil; p = byID[p].Parent {
		if p == anc {
			return true
		}
	}
	return false
}

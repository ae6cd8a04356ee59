package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nodespec/nodespec/fixtures/sections"
)

// writeReport prints, per doc file, how many headings were read, how many
// found their section in another doc, and every one that did not, with a
// hint where one helps.
func writeReport(w io.Writer, r *result) {
	for _, pd := range r.docs {
		for _, mod := range []string{"http", "net"} {
			reportDoc(w, r, pd, mod)
		}
	}
	reportPage(w, r)
	fmt.Fprintf(w, "%s: overview article (HTML), not indexed: it is not one of the profiles' reference docs\n", r.overview)
	fmt.Fprintf(w, "index: %d sections;", len(r.index.Sections))
	for _, p := range sections.Profiles {
		fmt.Fprintf(w, " %s %d", p, len(r.index.InProfile(p)))
	}
	fmt.Fprintf(w, "; http %d, net %d\n", countModule(r.index, "http"), countModule(r.index, "net"))
}

func reportDoc(w io.Writer, r *result, pd *profileDoc, mod string) {
	n := 0
	for _, h := range pd.headings {
		if h.module == mod {
			n++
		}
	}
	if n == 0 {
		return
	}
	var secs, unmatched []*docSection
	for _, s := range pd.secs {
		if s.module == mod {
			secs = append(secs, s)
			if sec, _ := r.index.Lookup(s.id); len(sec.Profiles) == 1 {
				unmatched = append(unmatched, s)
			}
		}
	}
	fmt.Fprintf(w, "%s (%s %s): %d headings, %d sections", pd.file, pd.profile, mod, n, len(secs))
	if mod == "net" {
		fmt.Fprintf(w, "; no other doc has net, nothing to match\n")
		return
	}
	fmt.Fprintf(w, "; %d matched another profile, %d only here\n", len(secs)-len(unmatched), len(unmatched))
	for _, s := range unmatched {
		fmt.Fprintf(w, "  only %s: line %d %q -> %s%s\n", pd.profile, s.lines[0], s.title(), s.id, hint(r.index, s))
	}
}

// hint explains an unmatched overload: another doc documents the same
// method under one heading, so it has the bare id instead.
func hint(ix *sections.Index, s *docSection) string {
	if !s.first.hasParams || s.first.params == "" {
		return ""
	}
	bare := strings.TrimSuffix(s.id, "."+firstParam(s.first.params))
	if other, ok := ix.Lookup(bare); ok && bare != s.id {
		return fmt.Sprintf(" (an overload here; %s has %s)", strings.Join(other.Profiles, ", "), bare)
	}
	return ""
}

func reportPage(w io.Writer, r *result) {
	matched := map[int]bool{}
	var missing []*docSection
	for _, s := range r.docs[0].secs {
		at, ok := r.pageAt[s]
		if !ok {
			continue
		}
		absent := false
		for _, j := range at {
			if j >= 0 {
				matched[j] = true
			} else {
				absent = true
			}
		}
		if absent {
			missing = append(missing, s)
		}
	}
	var extra []pageLine
	n := 0
	for j, l := range r.page {
		if matched[j] || l.headingLike {
			n++
		}
		if l.headingLike && !matched[j] {
			extra = append(extra, l)
		}
	}
	fmt.Fprintf(w, "%s (latest http, rendered page): %d heading lines, %d matched %s, %d unmatched; %d %s http headings not on the page\n",
		r.pageFile, n, len(matched), r.docs[0].file, len(extra), len(missing), r.docs[0].file)
	for _, s := range missing {
		fmt.Fprintf(w, "  not on the page: %s line %d %q -> %s\n", r.docs[0].file, s.lines[0], s.title(), s.id)
	}
	for _, l := range extra {
		fmt.Fprintf(w, "  page line %d %q looks like a heading but matches no %s heading\n", l.line, l.norm, r.docs[0].file)
	}
}

func countModule(ix *sections.Index, mod string) int {
	n := 0
	for _, s := range ix.Sections {
		if s.Module == mod {
			n++
		}
	}
	return n
}

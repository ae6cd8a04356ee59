package main

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/render"
	"github.com/nodespec/nodespec/oracle/trace"
)

// representative is the Node release whose behaviour a profile's
// expectation is written from; agree lists releases that must behave alike.
var representative = map[string]string{"v6": "node6", "v14": "node14", "latest": "node20"}
var agree = map[string][]string{"latest": {"node22", "node24", "node26"}}

// emitFixture returns the draft's text with expect blocks (and divergences
// for Bun and Deno) written from the runtimes' results.
func emitFixture(c *fixtures.Case, text []byte, results []result) ([]byte, error) {
	if len(c.Expect) > 0 {
		return nil, fmt.Errorf("%s already has expect blocks; -emit writes drafts only", c.File)
	}
	byTarget := map[string]result{}
	for _, r := range results {
		byTarget[r.target] = r
	}
	usable := func(name string) (result, error) {
		r, ok := byTarget[name]
		switch {
		case !ok:
			return r, fmt.Errorf("no run on %s", name)
		case r.err != nil:
			return r, fmt.Errorf("%s: %v", name, r.err)
		case r.splitDiff != "":
			return r, fmt.Errorf("%s gives a different trace byte by byte; pin such a case by hand", name)
		case len(oracle.Lanes(r.trace)["harness"]) > 0:
			return r, fmt.Errorf("%s: the harness lane is not empty:\n%s", name, renderTrace(r.trace))
		}
		return r, nil
	}
	type block struct {
		profiles []string
		r        result
	}
	var blocks []block
	for _, prof := range fixtures.Profiles {
		if !slices.Contains(c.Profiles, prof) {
			continue
		}
		r, err := usable(representative[prof])
		if err != nil {
			return nil, err
		}
		for _, other := range agree[prof] {
			o, err := usable(other)
			if err != nil {
				return nil, err
			}
			if key(o) != key(r) {
				return nil, fmt.Errorf("%s and %s differ; this needs a release range written by hand:\n%s\n%s", r.target, other, key(r), key(o))
			}
		}
		if n := len(blocks); n > 0 && key(blocks[n-1].r) == key(r) {
			blocks[n-1].profiles = append(blocks[n-1].profiles, prof)
			continue
		}
		blocks = append(blocks, block{profiles: []string{prof}, r: r})
	}
	var sb strings.Builder
	sb.WriteString("expect:\n")
	for _, b := range blocks {
		if len(blocks) == 1 {
			sb.WriteString("  -")
		} else {
			fmt.Fprintf(&sb, "  - profiles: [%s]\n   ", strings.Join(b.profiles, ", "))
		}
		render.Expectation(&sb, b.r.trace, quietLane(c), c.ClientSide())
	}
	if slices.Contains(c.Profiles, "latest") {
		latest := byTarget["node20"]
		var divs []result
		for _, rt := range []string{"bun", "deno"} {
			r, ok := byTarget[rt]
			if !ok || r.err != nil {
				continue
			}
			if key(r) == key(latest) {
				continue
			}
			if _, err := usable(rt); err != nil {
				return nil, err
			}
			divs = append(divs, r)
		}
		// Runtimes that diverge alike share one divergence.
		type divergence struct {
			targets []string
			r       result
		}
		var alike []divergence
		for _, d := range divs {
			if n := len(alike); n > 0 && key(alike[n-1].r) == key(d) {
				alike[n-1].targets = append(alike[n-1].targets, d.target)
				continue
			}
			alike = append(alike, divergence{targets: []string{d.target}, r: d})
		}
		if len(alike) > 0 {
			sb.WriteString("divergences:\n")
		}
		for _, d := range alike {
			fmt.Fprintf(&sb, "  - targets: [%s]\n    note: %s\n   ", strings.Join(d.targets, ", "), render.Quote(divergenceNote(d.targets, d.r.trace, latest.trace)))
			render.Expectation(&sb, render.WithEmptyLanes(d.r.trace, latest.trace), quietLane(c), c.ClientSide())
		}
	}
	out := append(bytes.TrimRight(text, "\n"), '\n')
	return append(out, sb.String()...), nil
}

// withEmptyLanes adds an empty lane to got for every lane want has and got
// lacks: a divergence replaces only the lanes it names, so a lane the
// runtime left empty must be named, empty.
// quietLane is the lane an expectation names when nothing happened: the
// server, or the module a calls-only program calls.
func quietLane(c *fixtures.Case) string {
	if c.Program.Server == nil {
		return "http"
	}
	return "server"
}

// divergenceNote says, in one line, where a runtime differs from Node 20-26.
func divergenceNote(targets []string, got, want *trace.Trace) string {
	who := strings.Join(targets, " and ")
	gl, wl := oracle.Lanes(got), oracle.Lanes(want)
	names := map[string]bool{}
	for k := range gl {
		names[k] = true
	}
	for k := range wl {
		names[k] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		g, w := describeLane(gl[name]), describeLane(wl[name])
		if g != w {
			return clip(fmt.Sprintf("%s: %s gives [%s] where Node 20-26 gives [%s].", who, name, g, w))
		}
	}
	if got.Wire != nil && want.Wire != nil {
		return clip(fmt.Sprintf("%s answers '%s' where Node 20-26 answers '%s'.", who,
			firstLine(got.Wire.Received), firstLine(want.Wire.Received)))
	}
	return who + " differs from Node 20-26."
}

func describeLane(es []trace.Entry) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, oracle.Describe(e))
	}
	return strings.Join(parts, "; ")
}

func firstLine(b []byte) string {
	if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return "(nothing)"
	}
	return fixtures.Escape(b)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:297] + "..."
	}
	return s
}

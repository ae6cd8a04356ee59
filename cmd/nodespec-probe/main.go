// Command nodespec-probe runs cases on real runtimes and shows what each one
// does, so that an expectation is written from what a runtime was seen to
// produce, never guessed (and never copied from ref).
//
//	go run ./cmd/nodespec-probe [-targets node6,node14,node20] [-ref] file.yaml ...
//	go run ./cmd/nodespec-probe -emit fixtures/http/<section> draft.yaml ...
//
// A file is a fixture, or a draft: a fixture without its expect blocks
// (fixtures.ParseDraft). Each case runs whole and byte by byte on every
// target whose profile the case holds for; targets that behave alike are
// grouped, and a case whose trace changes with the segmentation is flagged.
//
// -emit writes each draft as a fixture: one expect block per profile from the
// Node release of that profile (node6 for v6, node14 for v14, node20 for
// latest, which node22, node24 and node26 must agree with), identical blocks
// merged, and a divergence for Bun or Deno where they differ from latest,
// with a note that says what they do. Review every emitted file: the notes of
// divergences are a first draft, and where the docs speak, the docs' wording
// and not a runtime's behaviour is the expectation (see DESIGN.md).
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/registry"
)

func main() {
	names := flag.String("targets", "node6,node14,node20,node22,node24,node26,bun,deno", "targets to run, comma-separated")
	withRef := flag.Bool("ref", false, "also run ref under each profile, to compare")
	emit := flag.String("emit", "", "write each case as a fixture into this directory, expectations from the runtimes")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: nodespec-probe [-targets a,b] [-ref] [-emit dir] file.yaml ...")
		os.Exit(2)
	}
	p := &prober{open: map[string]targets.Target{}}
	defer p.close()
	list := strings.Split(*names, ",")
	failed := false
	for _, file := range flag.Args() {
		c, text, err := load(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		results := p.runAll(c, list, *withRef)
		printResults(c, results)
		if *emit != "" {
			out, err := emitFixture(c, text, results)
			if err == nil {
				path := filepath.Join(*emit, c.ID+".yaml")
				err = os.WriteFile(path, out, 0o644)
				fmt.Printf("  wrote %s\n", path)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
				failed = true
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}

func load(file string) (*fixtures.Case, []byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	c, errs := fixtures.ParseDraft(filepath.Base(file), data)
	if len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return nil, nil, fmt.Errorf("%s:\n  %s", file, strings.Join(msgs, "\n  "))
	}
	return c, data, nil
}

// result is one target's run of a case under one profile.
type result struct {
	target, profile string
	info            targets.Info
	trace           *trace.Trace
	err             error
	splitDiff       string // non-empty when the bytewise run differed
}

type prober struct{ open map[string]targets.Target }

func (p *prober) target(name string) (targets.Target, error) {
	if t, ok := p.open[name]; ok {
		return t, nil
	}
	t, err := registry.Open(name)
	if err != nil {
		return nil, err
	}
	p.open[name] = t
	return t, nil
}

func (p *prober) close() {
	for _, t := range p.open {
		_ = t.Close()
	}
}

func (p *prober) runAll(c *fixtures.Case, names []string, withRef bool) []result {
	var out []result
	for _, name := range names {
		profs, err := registry.ProfilesOf(name)
		if err != nil {
			out = append(out, result{target: name, err: err})
			continue
		}
		if !slices.Contains(c.Profiles, profs[0]) {
			continue
		}
		out = append(out, p.run(c, name, profs[0]))
	}
	if withRef {
		for _, prof := range c.Profiles {
			r := p.run(c, "ref", prof)
			r.target = "ref/" + prof
			out = append(out, r)
		}
	}
	return out
}

func (p *prober) run(c *fixtures.Case, name, profile string) result {
	r := result{target: name, profile: profile}
	t, err := p.target(name)
	if err != nil {
		r.err = err
		return r
	}
	r.info = t.Info()
	r.trace, r.err = targets.Run(t, c, profile, rawwire.Whole())
	if r.err == nil && c.Wire != nil && !c.Wire.Whole {
		if b, err := targets.Run(t, c, profile, rawwire.Bytewise()); err == nil {
			r.splitDiff = oracle.TraceDiff(r.trace, b)
			if r.splitDiff == "" && flatOrder(r.trace) != flatOrder(b) {
				r.splitDiff = "order whole: " + flatOrder(r.trace) + "\norder bytewise: " + flatOrder(b)
			}
		}
	}
	return r
}

// key is what makes two results alike: the normalised lanes and bytes.
func key(r result) string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	return renderTrace(r.trace)
}

func renderTrace(tr *trace.Trace) string {
	var sb strings.Builder
	lanes := oracle.Lanes(tr)
	for _, name := range slices.Sorted(maps.Keys(lanes)) {
		fmt.Fprintf(&sb, "    %s:\n", name)
		for _, e := range lanes[name] {
			fmt.Fprintf(&sb, "      %s\n", oracle.Describe(e))
		}
	}
	fmt.Fprintf(&sb, "    ORDER: %s\n", flatOrder(tr))
	if tr.Wire != nil {
		fmt.Fprintf(&sb, "    received (%s): '%s'\n", tr.Wire.End, fixtures.Escape(oracle.MaskWire(tr.Wire.Received)))
		if len(tr.Wire.Connections) > 1 {
			for i, c := range tr.Wire.Connections {
				fmt.Fprintf(&sb, "    connection %d (%s): '%s'\n", i+1, c.End, fixtures.Escape(oracle.MaskWire(c.Received)))
			}
		}
	}
	return sb.String()
}

func printResults(c *fixtures.Case, results []result) {
	fmt.Printf("== %s: '%s'\n", c.ID, fixtures.Escape(wireBytes(c)))
	var order []string
	groups := map[string][]string{}
	for _, r := range results {
		k := key(r)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		label := r.target
		if r.splitDiff != "" {
			label += " (SPLIT-DEPENDENT)"
		}
		groups[k] = append(groups[k], label)
	}
	for _, k := range order {
		fmt.Printf("  %s:\n%s", strings.Join(groups[k], " = "), k)
	}
	for _, r := range results {
		if r.splitDiff != "" {
			fmt.Printf("  %s whole vs bytewise:\n%s\n", r.target, indent(r.splitDiff, "    "))
		}
	}
}

func wireBytes(c *fixtures.Case) []byte {
	if c.Wire == nil {
		return nil
	}
	return c.Wire.Bytes
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}

func flatOrder(tr *trace.Trace) string {
	var parts []string
	for _, e := range tr.Events {
		n := e.Ev
		if e.Read != "" {
			n = "r:" + e.Read
		} else if e.Call != "" {
			n = "c:" + e.Call
		}
		if len(parts) > 0 && parts[len(parts)-1] == e.O+"."+n && n == "data" {
			continue
		}
		parts = append(parts, e.O+"."+n)
	}
	return strings.Join(parts, " ")
}

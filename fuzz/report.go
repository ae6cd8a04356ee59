package fuzz

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/render"
	"github.com/nodespec/nodespec/oracle/trace"
)

// DraftID is the id (and file name) of a finding's draft fixture: the
// target and a hash of the signature, so the same finding keeps its file
// from run to run.
func DraftID(target string, f *Finding) string {
	h := fnv.New32a()
	h.Write([]byte(f.Signature))
	return fmt.Sprintf("fuzz-%s-%08x", target, h.Sum32())
}

// Write writes summary.md and one draft fixture per finding into dir,
// removing the drafts of an earlier run first (they are regenerated).
func (rep *Report) Write(dir, runtimeSelector string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "fuzz-*.yaml"))
	for _, p := range old {
		_ = os.Remove(p)
	}
	for _, f := range rep.Findings {
		if f.Flaky {
			continue
		}
		text := Draft(rep, f, runtimeSelector)
		if err := os.WriteFile(filepath.Join(dir, DraftID(rep.Target, f)+".yaml"), text, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "summary.md"), rep.Summary(), 0o644)
}

// Summary is the run's summary in Markdown.
func (rep *Report) Summary() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nodespec-fuzz: %s (profile %s)\n\n", rep.Target, rep.Profile)
	fmt.Fprintf(&b, "Seed %d: %d inputs in %s (%.1f inputs/s), plus %d runs to confirm and minimise findings.\n\n",
		rep.Seed, rep.Inputs, rep.Elapsed.Round(1e9), float64(rep.Inputs)/rep.Elapsed.Seconds(), rep.MinimiseRuns)
	b.WriteString("| inputs | count |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| ref and %s agree | %d |\n", rep.Target, rep.Agreed)
	fmt.Fprintf(&b, "| a recorded divergence or release difference (filtered) | %d |\n", sum(rep.Known))
	nf, nsplit, nflaky := 0, 0, 0
	for _, f := range rep.Findings {
		switch {
		case f.Flaky:
			nflaky += f.Count
		case f.SplitDependent:
			nsplit += f.Count
		default:
			nf += f.Count
		}
	}
	fmt.Fprintf(&b, "| findings | %d |\n", nf)
	fmt.Fprintf(&b, "| split-dependent findings (the target's trace changes when the bytes arrive one by one) | %d |\n", nsplit)
	fmt.Fprintf(&b, "| disagreements that did not reproduce (flaky) | %d |\n", nflaky)
	fmt.Fprintf(&b, "| a side failed to run the case | %d |\n\n", sum(rep.Errors))

	b.WriteString("## Findings\n\n")
	b.WriteString("One per signature; the draft holds the minimal input with ref's trace as the expectation and the target's as a divergence.\n\n")
	b.WriteString("Split-dependent findings are listed on their own below: a fixture can pin only the part of them that every segmentation gives.\n\n")
	rep.findingTable(&b, false)
	b.WriteString("\n## Split-dependent findings\n\n")
	b.WriteString("The target's trace of the input changed when the same bytes were sent one per write: what it does depends on how the bytes arrive, so no fixture can hold it whole (a case gives one trace under every segmentation).\n\n")
	rep.findingTable(&b, true)
	if nflaky > 0 {
		b.WriteString("\n## Did not reproduce\n\n| count | signature | first input | input |\n| --- | --- | --- | --- |\n")
		for _, f := range rep.Findings {
			if f.Flaky {
				fmt.Fprintf(&b, "| %d | %s | %d | `%s` |\n", f.Count, cell(f.Signature), f.First, cell(clip(fixtures.Escape(f.Input), 120)))
			}
		}
	}
	fmt.Fprintf(&b, "\n## Filtered: recorded divergences and release differences\n\n%d fixtures record a divergence of %s under %s, or pin its release apart from the newest, and gave %d signatures under the fuzz program.\n\n",
		len(rep.KnownFixtures), rep.Target, rep.Profile, rep.KnownSignatures)
	b.WriteString("| fixture | inputs |\n| --- | --- |\n")
	for _, id := range slices.Sorted(maps.Keys(rep.Known)) {
		fmt.Fprintf(&b, "| %s | %d |\n", id, rep.Known[id])
	}
	if len(rep.Attributed) > 0 {
		b.WriteString("\nOf these, signatures the fixtures alone did not give, attributed because their minimal input starts with a recorded divergence or has its shape (once ref applies the documented rule, the bytes after it are read in another state on each side), or because the newest release, which ref follows, agrees with ref on it (a rule of the target's own release):\n\n")
		b.WriteString("| fixture | signature | minimal input | why |\n| --- | --- | --- | --- |\n")
		for _, k := range rep.Attributed {
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", k.Fixture, cell(k.Signature), cell(clip(fixtures.Escape(k.Minimal), 120)), k.Why)
		}
	}
	if len(rep.Errors) > 0 {
		b.WriteString("\n## Errors\n\n| inputs | error |\n| --- | --- |\n")
		for _, e := range slices.Sorted(maps.Keys(rep.Errors)) {
			fmt.Fprintf(&b, "| %d | %s |\n", rep.Errors[e], cell(e))
		}
	}
	return b.Bytes()
}

// findingTable lists the reproducible findings that are (split) or are not
// split-dependent.
func (rep *Report) findingTable(b *bytes.Buffer, split bool) {
	b.WriteString("| # | count | signature | first input | bytes (minimal/original) | minimal input | draft |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	n := 0
	for _, f := range rep.Findings {
		if f.Flaky || f.SplitDependent != split {
			continue
		}
		n++
		fmt.Fprintf(b, "| %d | %d | %s | %d | %d/%d | `%s` | %s.yaml |\n", n, f.Count, cell(f.Signature), f.First,
			len(f.Minimal), len(f.Input), cell(clip(fixtures.Escape(f.Minimal), 120)), DraftID(rep.Target, f))
	}
	if n == 0 {
		b.WriteString("| - | - | none | | | | |\n")
	}
}

// printable makes a diff line fit a fixture file's comment (printable
// ASCII only): the diff's non-breaking spaces become spaces, any other
// byte outside printable ASCII a '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u00a0' || r == '\t':
			return ' '
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'").Replace(s)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// Draft is a finding as a fixture to review: the minimal input, the fuzz
// program, ref's trace as the expectation and the target's as a
// divergence, and the section the first difference points to.
func Draft(rep *Report, f *Finding, runtimeSelector string) []byte {
	section := Section(f.Outcome.Expected, f.Outcome.Actual)
	var b strings.Builder
	fmt.Fprintf(&b, "# Draft from nodespec-fuzz (%s, profile %s, seed %d, input %d; %d inputs gave this signature):\n",
		rep.Target, rep.Profile, rep.Seed, f.First, f.Count)
	fmt.Fprintf(&b, "#   %s\n", f.Signature)
	if f.SplitDependent {
		b.WriteString("# SPLIT-DEPENDENT: the target's trace changed when the bytes were sent one per write; pin only\n")
		b.WriteString("# what every segmentation gives. Whole vs bytewise on the target:\n")
		for _, line := range strings.Split(strings.TrimSpace(f.SplitDiff), "\n") {
			fmt.Fprintf(&b, "#   %s\n", printable(line))
		}
	}
	b.WriteString("# The expect block is ref's trace, the divergence the target's. Neither is an expectation yet:\n")
	fmt.Fprintf(&b, "# probe it on node6, node14 and node20 (make probe CASES=<this file>), decide from the docs which\n")
	fmt.Fprintf(&b, "# behaviour is documented, rewrite the note, and move it to fixtures/http/%s/.\n", strings.ReplaceAll(strings.TrimPrefix(section, "http/"), "/", "."))
	fmt.Fprintf(&b, "id: %s\n", DraftID(rep.Target, f))
	fmt.Fprintf(&b, "sections: [%s]\n", section)
	fmt.Fprintf(&b, "profiles: [%s]\n", rep.Profile)
	fmt.Fprintf(&b, "note: %s\n", render.Quote("Found by nodespec-fuzz: "+f.Signature))
	b.WriteString(ProgramYAML)
	b.WriteString("wire:\n  send:\n")
	for _, line := range splitLines(f.Minimal) {
		fmt.Fprintf(&b, "    - '%s'\n", strings.ReplaceAll(fixtures.Escape(line), "'", "''"))
	}
	b.WriteString("  then: fin\n  whole: true # the fuzzer sent it whole; see whether it holds split\n")
	b.WriteString("expect:\n  -")
	render.Expectation(&b, f.Outcome.Expected, "server", false)
	fmt.Fprintf(&b, "divergences:\n  - targets: [%s]\n    note: %s\n   ", runtimeSelector,
		render.Quote(fmt.Sprintf("%s: first difference %s.", rep.Target, firstOf(f.Signature))))
	render.Expectation(&b, render.WithEmptyLanes(f.Outcome.Actual, f.Outcome.Expected), "server", false)
	return []byte(b.String())
}

func firstOf(sig string) string {
	_, after, ok := strings.Cut(sig, "; first ")
	if !ok {
		return sig
	}
	s, _, _ := strings.Cut(after, "; status")
	return s
}

// Section is the doc section the first difference most likely belongs to.
func Section(exp, act *trace.Trace) string {
	le, la := oracle.Lanes(exp), oracle.Lanes(act)
	for _, name := range laneOrder(laneNames(le, la)) {
		i, ok := firstDifference(le[name], la[name])
		if !ok {
			continue
		}
		sides := [][]trace.Entry{le[name], la[name]}
		for _, lane := range sides {
			// A parse error on either side is what the case is about.
			if i < len(lane) && lane[i].Ev == "clientError" {
				return "http/Server/event.clientError"
			}
		}
		for _, lane := range sides {
			if i < len(lane) {
				if s := sectionOf(laneKind(name), lane[i]); s != "" {
					return s
				}
			}
		}
	}
	return "http/ServerResponse"
}

func sectionOf(kind string, e trace.Entry) string {
	switch {
	case e.Ev == "clientError":
		return "http/Server/event.clientError"
	case e.Ev == "request":
		return "http/Server/event.request"
	case kind == "req" && e.Ev == "aborted":
		return "http/IncomingMessage/event.aborted"
	case kind == "req" && e.Ev == "close":
		return "http/IncomingMessage/event.close"
	case kind == "req" && e.Read != "":
		switch e.Read {
		case "method", "url", "headers", "httpVersion":
			return "http/IncomingMessage/message." + e.Read
		}
	case kind == "req":
		return "http/IncomingMessage"
	case kind == "res":
		return "http/ServerResponse/response.end"
	}
	return ""
}

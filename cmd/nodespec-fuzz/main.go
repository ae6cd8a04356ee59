// Command nodespec-fuzz is the differential fuzzer (package fuzz): it runs
// generated server-side inputs on ref, under a target's profile, and on the
// target, minimises every disagreement, and writes the findings as draft
// fixtures with a summary.
//
//	go run ./cmd/nodespec-fuzz -target node20 [-duration 10m] [-seed 1] [-inputs N] [-out dir]
//	go run ./cmd/nodespec-fuzz -target node20 -replay 'GET / HTTP/1.1\r\n\r\n'
//
// -replay runs one input (in the fixtures' escape language) on both sides
// and prints its signature and the diff, for triage.
//
// Disagreements the fixtures already record as the target's divergences
// are filtered (fuzz.Known). The run is reproducible: input i depends only
// on the seed and i, and inputs run in order on one harness process.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/fuzz"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/targets/registry"
)

func main() {
	name := flag.String("target", "", "the runtime to compare with ref (node20, node14, node6 ...)")
	duration := flag.Duration("duration", time.Minute, "how long to generate inputs (0: until -inputs)")
	seed := flag.Uint64("seed", 1, "the seed of the inputs")
	inputs := flag.Int("inputs", 0, "stop after this many inputs (0: no limit)")
	budget := flag.Int("budget", 300, "runs one minimisation may make")
	replay := flag.String("replay", "", "run this one input (escaped as in fixtures) and print the signature and diff")
	out := flag.String("out", "", "where to write summary.md and the drafts (default reports/out/fuzz/<target>)")
	newest := flag.String("newest", "node26", "the newest Node release, which ref follows under latest: a finding of an older latest release on which it agrees with ref is reported as a release difference (\"\": never)")
	flag.Parse()
	if *name == "" || *name == "ref" || (*duration == 0 && *inputs == 0) {
		fmt.Fprintln(os.Stderr, "usage: nodespec-fuzz -target <runtime> [-duration 10m] [-seed N] [-inputs N] [-out dir]")
		os.Exit(2)
	}
	if *replay != "" {
		if err := replayOne(*name, *replay); err != nil {
			fmt.Fprintln(os.Stderr, "nodespec-fuzz:", err)
			os.Exit(1)
		}
		return
	}
	if *out == "" {
		*out = filepath.Join("reports", "out", "fuzz", *name)
	}
	// A case ends when the server closes after the peer's half-close; the
	// deadline only catches a server that hangs, and a hang must cost
	// little when thousands of inputs run.
	if os.Getenv("NODESPEC_WIRE_DEADLINE") == "" {
		os.Setenv("NODESPEC_WIRE_DEADLINE", "1000")
	}
	if err := run(*name, *out, *newest, fuzz.Config{Seed: *seed, Duration: *duration, Inputs: *inputs, Budget: *budget, Progress: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-fuzz:", err)
		os.Exit(1)
	}
}

func run(name, out, newest string, cfg fuzz.Config) error {
	profiles, err := registry.ProfilesOf(name)
	if err != nil {
		return err
	}
	cases, err := fixtures.All()
	if err != nil {
		return err
	}
	t, err := registry.Open(name)
	if err != nil {
		return err
	}
	defer t.Close()
	info := t.Info()
	r := fuzz.NewRunner(t, profiles[0])
	if newest != "" && newest != name && info.Runtime == "node" && profiles[0] == "latest" {
		nt, err := registry.Open(newest)
		if err != nil {
			return err
		}
		defer nt.Close()
		r.CompareNewest(nt)
		fmt.Fprintf(os.Stderr, "findings are also run on %s: where it agrees with ref, they are %s's own release rules\n", newest, name)
	}
	known := r.Known(cases)
	fmt.Fprintf(os.Stderr, "%s %s, profile %s: %d fixtures record a divergence, %d signatures under the fuzz program\n",
		name, info.Version, profiles[0], len(known.Inputs), len(known.Signatures))
	rep := fuzz.Fuzz(r, fuzz.NewGenerator(cfg.Seed, fuzz.Corpus(cases)), known, cfg)
	if rs, ok := t.(interface{ Restarts() int }); ok && rs.Restarts() > 0 {
		fmt.Fprintf(os.Stderr, "the harness process was restarted %d times\n", rs.Restarts())
	}
	major, _, _ := strings.Cut(info.Version, ".")
	if err := rep.Write(out, info.Runtime+"@"+major); err != nil {
		return err
	}
	split := 0
	for _, f := range rep.Findings {
		if f.SplitDependent {
			split++
		}
	}
	fmt.Fprintf(os.Stderr, "%d inputs in %s (%.1f/s): %d agreed, %d signatures found (%d split-dependent), %d filtered as recorded, %d errors; %s\n",
		rep.Inputs, rep.Elapsed.Round(time.Second), float64(rep.Inputs)/rep.Elapsed.Seconds(), rep.Agreed,
		len(rep.Findings), split, len(rep.Known), len(rep.Errors), filepath.Join(out, "summary.md"))
	return nil
}

func replayOne(name, escaped string) error {
	input, err := fixtures.Unescape(escaped)
	if err != nil {
		return err
	}
	profiles, err := registry.ProfilesOf(name)
	if err != nil {
		return err
	}
	t, err := registry.Open(name)
	if err != nil {
		return err
	}
	defer t.Close()
	r := fuzz.NewRunner(t, profiles[0])
	o := r.Run(input)
	if o.Err != nil {
		return o.Err
	}
	if o.Signature == "" {
		fmt.Printf("ref (%s) and %s agree\n", profiles[0], name)
		return nil
	}
	fmt.Printf("signature: %s\n%s\n", o.Signature, oracle.TraceDiff(o.Expected, o.Actual))
	if d := r.SplitDiff(input, o.Actual); d != "" {
		fmt.Printf("split-dependent: %s's trace changes when the bytes arrive one by one:\n%s\n", name, d)
	}
	return nil
}

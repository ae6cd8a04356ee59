// Command nodespec-report works on the Ginkgo JSON report of a conformance
// run (make conformance writes it to reports/out/<target>/report.json):
//
//	nodespec-report summary  -json R [-md FILE]   Markdown summary of the run
//	nodespec-report record   -json R -o FILE      the run as a committed record (make matrix)
//	nodespec-report baseline -json R -o FILE      the run as the target's baseline (make baseline)
//	nodespec-report gate     -json R -baseline B  compare with the baseline; exit 1 on a regression
//	nodespec-report lint     B ...                every expected failure or divergence in the baselines has a reason
//	nodespec-report merge    -o DIR SHARD ...     copy the records (<target>.jsonl) of matrix shards into DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nodespec/nodespec/reports"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd := os.Args[1]
	switch cmd {
	case "lint":
		lint(os.Args[2:])
		return
	case "merge":
		fs := flag.NewFlagSet(cmd, flag.ExitOnError)
		out := fs.String("o", "reports/recorded", "directory of the recorded matrix to merge into")
		fs.Parse(os.Args[2:])
		merge(*out, fs.Args())
		return
	}
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	in := fs.String("json", "", "Ginkgo JSON report to read")
	out := fs.String("o", "", "file to write (default: stdout)")
	md := fs.String("md", "", "Markdown summary to write (summary; default: stdout)")
	base := fs.String("baseline", "", "baseline to compare with (gate)")
	strict := fs.Bool("strict", true, "gate: a case that passed and now does not (n/a, divergent, not run) is a regression too")
	whole := fs.Bool("whole", false, "gate: refuse a run narrowed by a focus or label filter")
	fs.Parse(os.Args[2:])
	if *in == "" {
		usage()
	}
	run, err := reports.ReadGinkgo(*in)
	if err != nil {
		die(err)
	}
	switch cmd {
	case "summary":
		write(*md, func(w io.Writer) error { return reports.WriteMarkdown(w, run) })
	case "record":
		write(*out, func(w io.Writer) error { return reports.WriteRecord(w, run) })
		fmt.Fprintf(os.Stderr, "recorded %s: %s\n", run.Target.Name, countsLine(run))
	case "baseline":
		// The baseline it replaces gives the reasons people wrote.
		var prev *reports.Baseline
		if *out != "" {
			if p, err := reports.ReadBaselineFile(*out); err == nil {
				prev = p
			} else if !os.IsNotExist(err) {
				die(err)
			}
		}
		b, err := reports.BaselineOf(run, prev)
		if err != nil {
			die(err)
		}
		write(*out, b.Write)
		fmt.Fprintf(os.Stderr, "baseline of %s: %d cases written to %s\n", run.Target.Name, len(b.Statuses), *out)
		if *out != "" {
			// Read back, so the lint names lines of the file written.
			if b, err := reports.ReadBaselineFile(*out); err == nil {
				for _, l := range b.Lint() {
					fmt.Fprintln(os.Stderr, l)
				}
			}
		}
	case "gate":
		if *base == "" {
			usage()
		}
		if run.Target.Name == "" {
			// The suite failed before it knew its target: say why, rather
			// than comparing nothing.
			for _, r := range run.Results {
				fmt.Printf("%s: %s\n", r.Case, strings.TrimSpace(r.Message))
			}
			die(fmt.Errorf("%s: the suite failed before it identified its target; nothing to gate", *in))
		}
		b, err := reports.ReadBaselineFile(*base)
		if err != nil {
			die(fmt.Errorf("%w (record one with `make baseline TARGET=%s`)", err, run.Target.Name))
		}
		if b.Target.Name != run.Target.Name {
			die(fmt.Errorf("%s is the baseline of %s, the run is of %s", *base, b.Target.Name, run.Target.Name))
		}
		if b.Target.Version != run.Target.Version {
			fmt.Printf("warning: the baseline was recorded on %s %s, this run is on %s %s\n",
				b.Target.Runtime, b.Target.Version, run.Target.Runtime, run.Target.Version)
		}
		if run.Partial && *whole {
			die(fmt.Errorf("the run of %s was narrowed by a focus or label filter; the gate needs the whole suite", run.Target.Name))
		}
		d := reports.Compare(b, run, *strict)
		d.Write(os.Stdout, run.Target.Name)
		if len(d.Regressions) > 0 {
			fmt.Printf("gate: %s has %d regression(s) against %s\n", run.Target.Name, len(d.Regressions), *base)
			os.Exit(1)
		}
		fmt.Printf("gate: %s has no regressions against its baseline (%d results, %d baseline entries)\n", run.Target.Name, len(run.Results), len(b.Statuses))
	default:
		usage()
	}
}

// lint checks baseline files: each must read, and each line that expects a
// failure or a divergence must say why.
func lint(paths []string) {
	bad := 0
	for _, p := range paths {
		b, err := reports.ReadBaselineFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			bad++
			continue
		}
		for _, l := range b.Lint() {
			fmt.Fprintln(os.Stderr, l)
			bad++
		}
	}
	if bad > 0 {
		die(fmt.Errorf("%d problem(s) in the baselines", bad))
	}
	fmt.Printf("baselines: %d file(s) ok\n", len(paths))
}

// merge copies the records of matrix shards into the recorded matrix
// (reports.MergeRecords says what it checks).
func merge(dst string, shards []string) {
	merged, err := reports.MergeRecords(dst, shards)
	if err != nil {
		die(err)
	}
	for _, m := range merged {
		fmt.Println("merged", m)
	}
}

// write renders into memory first, so a failed render never leaves a
// truncated file behind.
func write(path string, render func(io.Writer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		die(err)
	}
	if path == "" {
		os.Stdout.Write(buf.Bytes())
		return
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		die(err)
	}
}

// countsLine is "117 results: 114 pass, 0 fail, 2 divergent, 1 n/a, 1.1 s".
func countsLine(run *reports.Run) string {
	n := map[string]int{}
	for _, r := range run.Results {
		n[r.Status]++
	}
	parts := []string{}
	for _, s := range reports.Statuses {
		parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
	}
	return fmt.Sprintf("%d results: %s, %.1f s", len(run.Results), strings.Join(parts, ", "), run.Seconds)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: nodespec-report summary|record|baseline|gate -json REPORT.json [-md FILE] [-o FILE] [-baseline FILE]")
	fmt.Fprintln(os.Stderr, "       nodespec-report lint BASELINE.tsv ...")
	fmt.Fprintln(os.Stderr, "       nodespec-report merge [-o reports/recorded] SHARD_DIR ...")
	os.Exit(2)
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "nodespec-report:", err)
	os.Exit(1)
}

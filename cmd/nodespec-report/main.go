// Command nodespec-report turns the Ginkgo JSON report of a conformance run
// into a Markdown summary (reports.WriteMarkdown).
//
//	nodespec-report -json reports/out/ref/report.json -md reports/out/ref/summary.md
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/nodespec/nodespec/reports"
)

func main() {
	in := flag.String("json", "", "Ginkgo JSON report to read")
	out := flag.String("md", "", "Markdown summary to write (default: stdout)")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "usage: nodespec-report -json REPORT.json [-md SUMMARY.md]")
		os.Exit(2)
	}
	target, results, err := reports.Read(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-report:", err)
		os.Exit(1)
	}
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nodespec-report:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := reports.WriteMarkdown(w, target, results); err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-report:", err)
		os.Exit(1)
	}
}

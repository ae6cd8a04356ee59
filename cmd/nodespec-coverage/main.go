// Command nodespec-coverage prints, per doc profile and per module and
// class, how many doc sections have at least one case and which have none
// (make coverage).
package main

import (
	"fmt"
	"os"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/fixtures/sections"
	"github.com/nodespec/nodespec/reports/coverage"
)

func main() {
	cases, err := fixtures.All()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ix, err := sections.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	coverage.Write(os.Stdout, coverage.Compute(ix, cases))
}

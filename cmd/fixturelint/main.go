// Command fixturelint checks fixture files: the embedded ones by default, or
// every *.yaml below the directories given. It prints each problem as
// file:line: message and exits 1 when there is any.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nodespec/nodespec/fixtures"
)

func main() {
	var errs []error
	n := 0
	if len(os.Args) < 2 {
		cs, err := fixtures.All()
		n, errs = len(cs), append(errs, err)
	}
	for _, dir := range os.Args[1:] {
		cs, err := fixtures.Load(os.DirFS(dir))
		n += len(cs)
		if err != nil {
			errs = append(errs, fmt.Errorf("in %s:\n%w", dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("fixturelint: %d fixtures ok\n", n)
}

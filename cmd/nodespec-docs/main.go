// Command nodespec-docs generates CONFORMANCE.md and the HTML matrix page
// (reports/recorded/matrix.html) from the committed inputs: the fixtures,
// the section index and the recorded runs under reports/recorded/. Run it
// from the repository root (make docs). With -check it writes nothing and
// exits 1 when a committed file differs from what it would generate, which
// is how CI notices a stale CONFORMANCE.md.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/nodespec/nodespec/reports/conformance"
	"github.com/nodespec/nodespec/reports/coverage"
	"github.com/nodespec/nodespec/reports/matrix"
	"github.com/nodespec/nodespec/targets/registry"
)

const (
	conformanceFile = "CONFORMANCE.md"
	recordDir       = "reports/recorded/"
	htmlFile        = recordDir + "matrix.html"
)

func main() {
	check := flag.Bool("check", false, "write nothing; exit 1 if a generated file is stale")
	flag.Parse()
	files, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-docs:", err)
		os.Exit(1)
	}
	stale := false
	for _, f := range files {
		if *check {
			old, err := os.ReadFile(f.path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintln(os.Stderr, "nodespec-docs:", err)
				os.Exit(1)
			}
			if !bytes.Equal(old, f.data) {
				stale = true
				fmt.Fprintf(os.Stderr, "%s is stale: %s\nregenerate it with `make docs` and commit it\n", f.path, firstDifference(old, f.data))
			}
			continue
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "nodespec-docs:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %s (%d bytes)\n", f.path, len(f.data))
	}
	if stale {
		os.Exit(1)
	}
}

type file struct {
	path string
	data []byte
}

func generate() ([]file, error) {
	names, err := registry.RuntimeNames()
	if err != nil {
		return nil, err
	}
	in, err := matrix.LoadInputs(recordDir, names)
	if err != nil {
		return nil, err
	}
	m, err := matrix.Build(in.Cases, in.Runs, matrix.IndexLookup(in.Index))
	if err != nil {
		return nil, err
	}
	var md, page bytes.Buffer
	err = conformance.Write(&md, conformance.Input{
		Index: in.Index, Coverage: coverage.Compute(in.Index, in.Cases), Matrix: m,
		FixtureDir: "fixtures/", RecordDir: recordDir, HTMLPage: htmlFile,
	})
	if err != nil {
		return nil, err
	}
	// The page sits two directories down from the root.
	if err := matrix.WriteHTML(&page, m, "../../fixtures/"); err != nil {
		return nil, err
	}
	return []file{{conformanceFile, md.Bytes()}, {htmlFile, page.Bytes()}}, nil
}

// firstDifference names the first line where old and new differ.
func firstDifference(old, new []byte) string {
	if old == nil {
		return "it does not exist"
	}
	a, b := strings.Split(string(old), "\n"), strings.Split(string(new), "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("first difference at line %d:\n  committed: %.160q\n  generated: %.160q", i+1, x, y)
		}
	}
	return "they differ"
}

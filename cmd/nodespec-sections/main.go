// Command nodespec-sections derives the section index fixtures cite
// (fixtures/sections/index.yaml) from the Node.js docs in ../shared/docs,
// and prints how the headings of the doc files matched one another.
//
//	go run ./cmd/nodespec-sections            # regenerate (what `make sections` runs)
//	go run ./cmd/nodespec-sections -check     # exit 1 when the committed index is stale
//
// Relative paths are taken from the repository root (the directory with
// go.mod), so the command works from any directory of the module.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	docs := flag.String("docs", "../shared/docs", "directory of the doc files")
	out := flag.String("o", "fixtures/sections/index.yaml", "index file to write (or check)")
	check := flag.Bool("check", false, "do not write: exit 1 when the index file differs from a fresh one")
	flag.Parse()
	if err := run(fromRoot(*docs), fromRoot(*out), *check); err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-sections:", err)
		os.Exit(1)
	}
}

func run(docs, out string, check bool) error {
	r, err := build(docs)
	if err != nil {
		return err
	}
	if !check {
		writeReport(os.Stdout, r) // the matching report; a check only says stale or not
		if err := os.WriteFile(out, r.out, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", out)
		return nil
	}
	old, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("%w (run make sections)", err)
	}
	if !bytes.Equal(old, r.out) {
		fmt.Fprintf(os.Stderr, "%s is stale: it differs from what %s gives now\n", out, docs)
		staleSummary(os.Stderr, old, r.out)
		return fmt.Errorf("run make sections and commit the result")
	}
	fmt.Printf("%s is up to date\n", out)
	return nil
}

// fromRoot resolves a relative path against the repository root: the
// nearest directory upwards holding go.mod, or the working directory when
// there is none.
func fromRoot(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return p
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, p)
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, p)
		}
	}
}

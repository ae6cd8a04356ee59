// Command nodespec-speed measures this tree against an earlier revision in
// one run, side by side: the cost of one case (BenchmarkCase, on ref and on
// node20) and the wall time of the whole suite on each target, with the
// runs of the two trees taking turns so that the machine's state (load,
// sockets in TIME_WAIT, caches) weighs on both alike.
//
//	go run ./cmd/nodespec-speed -base 012f561 [-targets ref,node20] [-rounds 3]
//
// The earlier revision is checked out into a temporary git worktree and
// built there; each tree runs its own fixtures, so the case counts are shown
// too. Both trees' suites run under one Ginkgo CLI, built once from this
// tree's go.mod, so the wall times are the suites' own (`go tool ginkgo`
// adds a module lookup of 0.25 s to every run, which the Makefile no longer
// pays either). Medians are printed as a Markdown table.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	base := flag.String("base", "", "the git revision to compare with (required)")
	names := flag.String("targets", "ref,node20", "targets to run the whole suite on, comma-separated")
	rounds := flag.Int("rounds", 3, "runs of each measurement per tree (the median is shown)")
	procs := flag.Int("procs", 0, "suite processes (Ginkgo --procs) for every target and tree; 0: as each tree's make conformance runs the target (procsFor)")
	flag.Parse()
	if *base == "" {
		fmt.Fprintln(os.Stderr, "nodespec-speed: give -base <git revision> (make speed BASE=<rev>)")
		os.Exit(2)
	}
	if err := run(*base, strings.Split(*names, ","), *rounds, *procs); err != nil {
		fmt.Fprintln(os.Stderr, "nodespec-speed:", err)
		os.Exit(1)
	}
}

// tree is one side of the comparison: where its source is and its binaries.
type tree struct {
	name, dir   string
	suite, reg  string // the suite binary and targets/registry's test binary
	rev         string
	specs, runs map[string][]float64 // per target: "Ran … in" seconds, wall seconds
	cases       map[string]string    // per target: "Ran N of M Specs"
	bench       map[string][]float64 // per benchmark: ns/op
}

func run(base string, targetNames []string, rounds, procs int) error {
	head, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "nodespec-speed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "base")
	if out, err := exec.Command("git", "worktree", "add", "--detach", wt, base).CombinedOutput(); err != nil {
		return fmt.Errorf("git worktree add %s: %v\n%s", base, err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", wt).Run()

	ginkgo := filepath.Join(tmp, "ginkgo")
	if out, err := exec.Command("go", "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo").CombinedOutput(); err != nil {
		return fmt.Errorf("building the Ginkgo CLI: %v\n%s", err, out)
	}
	trees := []*tree{{name: "base", dir: wt}, {name: "head", dir: head}}
	for _, t := range trees {
		t.rev = revision(t.dir)
		t.suite = filepath.Join(tmp, t.name+"-suite.test")
		t.reg = filepath.Join(tmp, t.name+"-registry.test")
		t.specs, t.runs, t.cases, t.bench = map[string][]float64{}, map[string][]float64{}, map[string]string{}, map[string][]float64{}
		fmt.Fprintf(os.Stderr, "building %s (%s)\n", t.name, t.rev)
		for _, b := range [][2]string{{t.suite, "./specs"}, {t.reg, "./targets/registry"}} {
			cmd := exec.Command("go", "test", "-c", "-o", b[0], b[1])
			cmd.Dir = t.dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("building %s in %s: %v\n%s", b[1], t.name, err, out)
			}
		}
	}
	for r := 1; r <= rounds; r++ {
		for _, t := range trees {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", r, rounds, t.name)
			if err := benchmark(t); err != nil {
				return err
			}
			for _, name := range targetNames {
				if err := suite(t, ginkgo, name, procsFor(t, name, procs), tmp); err != nil {
					return err
				}
			}
		}
	}
	report(trees, targetNames, rounds, procs)
	return nil
}

func revision(dir string) string {
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

var benchLine = regexp.MustCompile(`^(BenchmarkCase/\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

// benchmark runs BenchmarkCase once and adds its ns/op per sub-benchmark.
func benchmark(t *tree) error {
	cmd := exec.Command(t.reg, "-test.run", "^$", "-test.bench", "^BenchmarkCase$", "-test.benchtime", "1s")
	cmd.Dir = filepath.Join(t.dir, "targets", "registry")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("BenchmarkCase in %s: %v\n%s", t.name, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if m := benchLine.FindStringSubmatch(line); m != nil {
			ns, _ := strconv.ParseFloat(m[2], 64)
			t.bench[m[1]] = append(t.bench[m[1]], ns)
		}
	}
	return nil
}

var ranLine = regexp.MustCompile(`Ran (\d+ of \d+) Specs in ([\d.]+) seconds`)

// procsFor is how many suite processes a tree's make conformance runs a
// target in: one for every target from the tree on whose Makefile says so
// (its look-ahead runs a runtime's cases on a pool of harness processes),
// before that one for ref only (SUITE_PROCS: ref runs in memory on a
// skipping clock), and before that four. A positive -procs wins.
func procsFor(t *tree, target string, procs int) int {
	if procs > 0 {
		return procs
	}
	mk, _ := os.ReadFile(filepath.Join(t.dir, "Makefile"))
	switch {
	case bytes.Contains(mk, []byte("SUITE_PROCS = $(or $(PROCS),1)")):
		return 1
	case target == "ref" && bytes.Contains(mk, []byte("SUITE_PROCS")):
		return 1
	}
	return 4
}

// suite runs the whole suite on a target under the Ginkgo CLI and records
// its wall time and Ginkgo's own "Ran … in" time.
func suite(t *tree, ginkgo, target string, procs int, tmp string) error {
	outDir := filepath.Join(tmp, "out-"+t.name+"-"+target)
	// The Ginkgo flags of make conformance, the same for both trees but
	// the process count, which is each tree's own (procsFor).
	cmd := exec.Command(ginkgo, "--no-color", "--procs="+strconv.Itoa(procs), "--output-interceptor-mode=none", t.suite, "--", "-nodespec.out="+outDir)
	cmd.Env = append(os.Environ(), "NODESPEC_TARGET="+target)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	m := ranLine.FindStringSubmatch(out.String())
	if m == nil {
		return fmt.Errorf("the suite of %s on %s printed no \"Ran … Specs in\" line (err %v):\n%s", t.name, target, err, tail(out.String()))
	}
	// A failed case is still a measured run; it is only shown.
	if err != nil {
		fmt.Fprintf(os.Stderr, "note: the suite of %s on %s failed (%v); its time is kept\n", t.name, target, err)
	}
	secs, _ := strconv.ParseFloat(m[2], 64)
	t.specs[target] = append(t.specs[target], secs)
	t.runs[target] = append(t.runs[target], wall)
	t.cases[target] = m[1]
	return nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func change(before, after float64) string {
	if before == 0 {
		return ""
	}
	return fmt.Sprintf("%+.0f%%", (after-before)/before*100)
}

func report(trees []*tree, targetNames []string, rounds, procs int) {
	b, h := trees[0], trees[1]
	var how []string
	for _, name := range targetNames {
		how = append(how, fmt.Sprintf("%s --procs=%d/%d", name, procsFor(b, name, procs), procsFor(h, name, procs)))
	}
	fmt.Printf("base %s, head %s; median of %d rounds, the trees taking turns; suite processes (base/head): %s\n\n", b.rev, h.rev, rounds, strings.Join(how, ", "))
	fmt.Println("| measure | base | head | change |")
	fmt.Println("|---|---|---|---|")
	var benches []string
	for k := range h.bench {
		benches = append(benches, k)
	}
	slices.Sort(benches)
	for _, k := range benches {
		bb, hh := median(b.bench[k])/1e6, median(h.bench[k])/1e6
		fmt.Printf("| %s (ms/op) | %.2f | %.2f | %s |\n", k, bb, hh, change(bb, hh))
	}
	for _, name := range targetNames {
		bw, hw := median(b.runs[name]), median(h.runs[name])
		fmt.Printf("| suite on %s, wall (s) | %.2f | %.2f | %s |\n", name, bw, hw, change(bw, hw))
		bs, hs := median(b.specs[name]), median(h.specs[name])
		fmt.Printf("| suite on %s, Ginkgo's \"Ran … in\" (s) | %.2f | %.2f | %s |\n", name, bs, hs, change(bs, hs))
		fmt.Printf("| suite on %s, specs run | %s | %s | |\n", name, b.cases[name], h.cases[name])
	}
}

// Package specs is nodespec's Ginkgo suite. Every fixture becomes a spec
// under a Describe named for its doc section; the target and profiles come
// from the environment (NODESPEC_TARGET, default ref; NODESPEC_PROFILE,
// default every profile the target answers to).
package specs

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/reports"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/registry"
)

// The target and profile: a flag wins over the environment, which wins
// over the default (ref, every profile the target answers to).
var (
	targetFlag  = flag.String("nodespec.target", "", "target to run the suite on (default $NODESPEC_TARGET or ref)")
	profileFlag = flag.String("nodespec.profile", "", "doc profile to check (default $NODESPEC_PROFILE or all the target answers to)")
	outFlag     = flag.String("nodespec.out", "", "directory to write junit.xml, report.json and summary.md into (created if missing)")
	runtimeFlag = flag.String("nodespec.runtime", "", "run nodespec's own harness on this runtime command (e.g. /opt/bun/bin/bun): the custom target, profile from -nodespec.profile (default latest)")
	harnessFlag = flag.String("nodespec.harness", "", "run your own harness command (PROTOCOL.md): the custom target, profile from -nodespec.profile (default latest)")
	baseFlag    = flag.String("nodespec.baseline", "", "after the run, gate it on this baseline (the target's expectations, make baseline's format): the suite fails on a regression")
	writeFlag   = flag.String("nodespec.write-baseline", "", "after a whole run, write its results to this baseline file, keeping the reasons of the file it replaces")
	listFlag    = flag.String("nodespec.list", "", "write the cases that would run (case, profile, sections; after -ginkgo.label-filter and -ginkgo.focus) to this file, and run nothing")
)

func TestSpecs(t *testing.T) {
	// The suite allocates briskly and keeps little (each case's trace and
	// bytes), so the collector at its default ran often for nothing: at 400
	// the ref suite took 6.6 s instead of 8.0 s of wall time (user 5 s
	// instead of 8 s), at 250 MB for the largest process. GOGC, if set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// Suite processes side by side (PROCS=n) share the cores: each takes
	// its share (one of two with four processes) instead of all of them,
	// which had the Go schedulers of four processes contend for two cores:
	// the ref suite's Ginkgo time went 6.4-7.1 s -> 5.9-6.2 s (A/B, three
	// runs each). GOMAXPROCS, if set, wins.
	suiteCfg, _ := GinkgoConfiguration()
	parallel = max(1, suiteCfg.ParallelTotal)
	if parallel > 1 && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(max(1, runtime.NumCPU()/parallel))
	}
	// The spec tree depends on the target's profiles, so it is built here,
	// after the test binary has parsed its flags, and before RunSpecs.
	targetName = firstOf(*targetFlag, os.Getenv("NODESPEC_TARGET"), "ref")
	if err := customFromFlags(); err != nil {
		t.Fatal(err)
	}
	headers, err := fixtures.Headers()
	if err != nil {
		t.Fatalf("fixtures do not load:\n%v", err)
	}
	for _, h := range headers {
		cases = append(cases, &fixture{Header: h})
	}
	if profiles, err = selectProfiles(targetName, firstOf(*profileFlag, os.Getenv("NODESPEC_PROFILE"))); err != nil {
		t.Fatal(err)
	}
	// A bad filter leaves willRun nil: Ginkgo reports it at RunSpecs, and
	// nothing is prefetched or looked ahead.
	willRun, err = specFilter()
	if *listFlag != "" {
		if err == nil {
			err = listCases(*listFlag)
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, prefix := range groups {
		describeSections(prefix)
	}
	prefetch()
	RegisterFailHandler(Fail)
	RunSpecs(t, suiteDescription())
}

var (
	targetName string
	cases      []*fixture
	profiles   []string
	groups     []string            // section-id prefixes, in the order the group files declare them
	claimed    = map[string]bool{} // case ids placed by a section group
	// sectionCases are the cases under each section's Describe, in order.
	sectionCases = map[string][]*fixture{}

	// parallel is the number of suite processes (Ginkgo's parallel mode
	// when over one); willRun tells the specs this run runs (specFilter).
	parallel int
	willRun  func(*fixture, string) bool

	target     targets.Target
	targetInfo oracle.Target
	leakBase   goleak.Option
)

// fixture is a case in the spec tree: its header (id, sections), read at
// start-up, and the case itself, decoded when first needed (by the spec,
// the look-ahead or prefetch). A suite process used to decode every
// fixture before its first spec: most of its start-up, and in parallel
// mode four processes did it at once on two cores (0.8-1.3 s of node20's
// wall time then) though each runs a quarter.
type fixture struct {
	fixtures.Header
	once sync.Once
	c    *fixtures.Case
	err  error
}

// load is the decoded case; a fixture that does not decode fails the specs
// that run it (make lint names every such file).
func (f *fixture) load() (*fixtures.Case, error) {
	f.once.Do(func() { f.c, f.err = f.Case() })
	return f.c, f.err
}

// prefetch decodes, in one goroutine, the fixtures a run in one process
// will run, so that the decoding goes on beside the specs instead of in
// them (a ref run leaves a fifth of its two cores idle). In parallel mode
// each process decodes only what it runs, on first need. AfterSuite waits
// for it.
func prefetch() {
	if parallel > 1 || willRun == nil {
		return
	}
	prefetchWG.Add(1)
	go func() {
		defer prefetchWG.Done()
		for _, f := range cases {
			if slices.ContainsFunc(profiles, func(p string) bool { return willRun(f, p) }) {
				f.load()
			}
		}
	}()
}

var prefetchWG sync.WaitGroup

// group declares a section group: every section whose id starts with
// prefix gets a Describe. Group files call it from a package-level var; a
// section goes to the first group (in file-name order) whose prefix fits.
func group(prefix string) bool {
	groups = append(groups, prefix)
	return true
}

// customFromFlags: -nodespec.runtime and -nodespec.harness are the custom
// target (registry: NODESPEC_TARGET_RUNTIME / NODESPEC_TARGET_CMD), so the
// suite binary runs any runtime without environment variables.
func customFromFlags() error {
	if *runtimeFlag == "" && *harnessFlag == "" {
		return nil
	}
	if *runtimeFlag != "" && *harnessFlag != "" {
		return fmt.Errorf("give -nodespec.runtime or -nodespec.harness, not both")
	}
	if *targetFlag != "" && *targetFlag != "custom" {
		return fmt.Errorf("-nodespec.runtime and -nodespec.harness run the custom target, not %s", *targetFlag)
	}
	targetName = "custom"
	os.Setenv("NODESPEC_TARGET_RUNTIME", *runtimeFlag)
	os.Setenv("NODESPEC_TARGET_CMD", *harnessFlag)
	if p := firstOf(*profileFlag, os.Getenv("NODESPEC_PROFILE")); p != "" {
		os.Setenv("NODESPEC_TARGET_PROFILE", p)
	}
	return nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// selectProfiles is the target's profiles, narrowed to want when given.
func selectProfiles(target, want string) ([]string, error) {
	ps, err := registry.ProfilesOf(target)
	if err != nil {
		return nil, err
	}
	if want == "" {
		return ps, nil
	}
	if !slices.Contains(ps, want) {
		return nil, fmt.Errorf("target %s answers to %s, not %s", target, strings.Join(ps, ", "), want)
	}
	return []string{want}, nil
}

var _ = BeforeSuite(func() {
	leakBase = goleak.IgnoreCurrent()
	t, err := registry.Open(targetName)
	Expect(err).NotTo(HaveOccurred(), "opening target %s", targetName)
	target = t
	info := t.Info()
	targetInfo = oracle.Target{Name: info.Name, Runtime: info.Runtime, Version: info.Version}
	desc := info.Name
	if info.Runtime != "ref" {
		desc = fmt.Sprintf("%s (%s %s)", info.Name, info.Runtime, info.Version)
	}
	AddReportEntry("target", desc)
	// The same, structured, for the tools that record runs and gate on
	// baselines (reports.ReadGinkgo): which profiles ran tells them whether
	// the run covers a whole baseline.
	// How the run was made goes in the same entry (reports.Provenance);
	// the seed and filters come from Ginkgo's own report.
	entry := map[string]any{"name": info.Name, "runtime": info.Runtime, "version": info.Version, "profiles": profiles,
		"nodespec": reports.Version, "fixtures": len(cases)}
	if rv, ok := t.(interface{ RuntimeVersion() string }); ok && rv.RuntimeVersion() != "" {
		entry["runtimeVersion"] = rv.RuntimeVersion() // Bun's or Deno's own version
	}
	AddReportEntry("nodespec-target", ReportEntryVisibilityNever, entry)
})

var _ = AfterSuite(func() {
	stopAhead() // the look-ahead's workers, and what an interrupt or a failure left unrun
	prefetchWG.Wait()
	if target != nil {
		Expect(target.Close()).To(Succeed())
	}
	Expect(closePool()).To(Succeed())
	// Every connection, reader and loop of the run must be gone. (In
	// Ginkgo's parallel mode its own output interceptor keeps goroutines
	// that forward each process's output: they are Ginkgo's, not ours.)
	Expect(goleak.Find(leakBase,
		goleak.IgnoreAnyFunction("github.com/onsi/ginkgo/v2/internal.(*genericOutputInterceptor).ResumeIntercepting.func1"),
		goleak.IgnoreAnyFunction("github.com/onsi/ginkgo/v2/internal.(*genericOutputInterceptor).ResumeIntercepting.func1.1"),
	)).To(Succeed())
})

// With -nodespec.out, the suite writes its reports itself: Ginkgo's JSON,
// its JUnit with the run's provenance as suite properties, and the
// Markdown summary, so the suite binary (make suite) needs no other tool.
// With -nodespec.baseline / -nodespec.write-baseline it gates on, or
// writes, the target's expectations as `make gate` / `make baseline` do.
var _ = ReportAfterSuite("nodespec reports", func(r Report) {
	if *outFlag == "" && *baseFlag == "" && *writeFlag == "" {
		return
	}
	run, err := reports.FromGinkgo(r)
	Expect(err).NotTo(HaveOccurred())
	if dir := *outFlag; dir != "" {
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		// The three are written side by side: encoding them is most of
		// the time a ref run spends after its last spec.
		errs := make([]error, 3)
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); errs[0] = reports.WriteGinkgo(r, filepath.Join(dir, "report.json")) }()
		go func() { defer wg.Done(); errs[1] = reports.WriteJUnit(r, run, filepath.Join(dir, "junit.xml")) }()
		go func() {
			defer wg.Done()
			var md bytes.Buffer
			if errs[2] = reports.WriteMarkdown(&md, run); errs[2] == nil {
				errs[2] = os.WriteFile(filepath.Join(dir, "summary.md"), md.Bytes(), 0o644)
			}
		}()
		wg.Wait()
		Expect(errors.Join(errs...)).To(Succeed())
	}
	if path := *writeFlag; path != "" {
		prev, err := reports.ReadBaselineFile(path)
		if os.IsNotExist(err) {
			prev, err = nil, nil
		}
		Expect(err).NotTo(HaveOccurred())
		b, err := reports.BaselineOf(run, prev)
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		Expect(b.Write(&buf)).To(Succeed())
		Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
		fmt.Fprintf(GinkgoWriter, "baseline of %s: %d cases written to %s\n", run.Target.Name, len(b.Statuses), path)
	}
	if path := *baseFlag; path != "" {
		b, err := reports.ReadBaselineFile(path)
		Expect(err).NotTo(HaveOccurred())
		d := reports.Compare(b, run, true)
		var out strings.Builder
		d.Write(&out, run.Target.Name)
		fmt.Print(out.String())
		Expect(d.Regressions).To(BeEmpty(), "the run of %s regressed against %s:\n%s", run.Target.Name, path, out.String())
	}
})

// Every fixture must be placed by some section-group file, so a new fixture
// can never be silently left out of the suite.
var _ = Describe("suite", Label("meta"), func() {
	It("places every fixture under a section group", func() {
		var orphans []string
		for _, c := range cases {
			if !claimed[c.ID] {
				orphans = append(orphans, c.File)
			}
		}
		Expect(orphans).To(BeEmpty(), "no section group claims these fixtures; add their section prefix to a specs/*_test.go file")
	})
})

// describeSections declares one Describe per section whose id starts with
// prefix (and is not claimed yet), with one spec per case and profile.
func describeSections(prefix string) {
	bySection := map[string][]*fixture{}
	var order []string
	for _, c := range cases {
		sec := c.Sections[0]
		if claimed[c.ID] || !strings.HasPrefix(sec, prefix) {
			continue
		}
		claimed[c.ID] = true
		if _, seen := bySection[sec]; !seen {
			order = append(order, sec)
		}
		bySection[sec] = append(bySection[sec], c)
	}
	slices.Sort(order)
	for _, sec := range order {
		sectionCases[sec] = bySection[sec]
		Describe(sec, func() {
			for _, c := range bySection[sec] {
				for _, p := range profiles {
					It(specName(c, p), specLabels(c, p), func(ctx SpecContext) { runCase(ctx, c, p) })
				}
			}
		})
	}
}

// suiteDescription is the suite's text in Ginkgo: the start of every
// spec's text its focus and skip match.
func suiteDescription() string { return "nodespec (" + targetName + ")" }

func specName(c *fixture, profile string) string { return fmt.Sprintf("%s [%s]", c.ID, profile) }

// specLabels: every section the case cites is a label, so a section filter
// finds cases that live under another section too; the module of the
// first section (its Describe's label) and the profile are labels.
func specLabels(c *fixture, profile string) Labels {
	module, _, _ := strings.Cut(c.Sections[0], "/")
	labels := Labels{"module=" + module}
	for _, cited := range c.Sections {
		labels = append(labels, "section="+strings.ReplaceAll(cited, "/", "."))
	}
	return append(labels, "profile="+profile)
}

// listCases writes what a run with the same label filter and focus would
// run, without running it (make list): one line per case and profile (a
// case whose profiles lack the profile runs too, and reports n/a).
func listCases(path string) error {
	var b strings.Builder
	n := 0
	for _, c := range cases {
		for _, p := range profiles {
			if !willRun(c, p) {
				continue
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\n", c.ID, p, strings.Join(c.Sections, " "))
			n++
		}
	}
	fmt.Fprintf(&b, "# %d case run(s) of %d fixtures on %s\n", n, len(cases), targetName)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// specFilter tells which specs a run with Ginkgo's label filter, focus
// and skip runs (willRun): make list prints them, and prefetch and the
// look-ahead (aheadOf) make only those.
func specFilter() (func(*fixture, string) bool, error) {
	suiteCfg, _ := GinkgoConfiguration()
	keep := func([]string) bool { return true }
	if suiteCfg.LabelFilter != "" {
		f, err := types.ParseLabelFilter(suiteCfg.LabelFilter)
		if err != nil {
			return nil, err
		}
		keep = f
	}
	compile := func(what string, strs []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, f := range strs {
			re, err := regexp.Compile(f)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", what, f, err)
			}
			out = append(out, re)
		}
		return out, nil
	}
	focus, err := compile("focus", suiteCfg.FocusStrings)
	if err != nil {
		return nil, err
	}
	skip, err := compile("skip", suiteCfg.SkipStrings)
	if err != nil {
		return nil, err
	}
	return func(c *fixture, p string) bool {
		if !keep(specLabels(c, p)) {
			return false
		}
		// Ginkgo matches the suite's text, the Describe's, then the It's.
		text := suiteDescription() + " " + c.Sections[0] + " " + specName(c, p)
		matches := func(re *regexp.Regexp) bool { return re.MatchString(text) }
		if len(focus) > 0 && !slices.ContainsFunc(focus, matches) {
			return false
		}
		return !slices.ContainsFunc(skip, matches)
	}, nil
}

func runCase(ctx SpecContext, f *fixture, profile string) {
	c, err := f.load()
	if err != nil {
		Fail(fmt.Sprintf("fixture %s does not load:\n%v", f.File, err))
	}
	run := oracle.Run{Case: c, Profile: profile, Target: targetInfo.Name, Seed: GinkgoRandomSeed()}
	report := func(s oracle.Status, reason string) {
		AddReportEntry("nodespec", ReportEntryVisibilityNever, map[string]any{
			"case": c.ID, "file": c.File, "sections": strings.Join(c.Sections, " "),
			"profile": profile, "target": targetInfo.Name, "status": string(s), "reason": reason,
			"provisional": c.Provisional,
		})
	}
	// A provisional case's failure is reported like any other but does not
	// fail the suite: the spec is skipped with the reason.
	fail := func(v oracle.Verdict) {
		report(oracle.Fail, v.Reason)
		if c.Provisional {
			Skip("provisional case failed (not gating): " + run.Message(v))
		}
		Fail(run.Message(v))
	}
	if ok, why := oracle.Applicable(c, profile, targetInfo); !ok {
		report(oracle.NotApplicable, why)
		Skip("n/a: " + why)
	}
	var first *trace.Trace
	var verdict oracle.Verdict
	segs := segmentations(c)
	var runs []segRun
	if r := aheadOf(f, profile); r != nil {
		select {
		case <-r.done:
			runs = r.runs
		case <-ctx.Done():
			return // interrupted or timed out: Ginkgo has said so
		}
	}
	if runs == nil {
		runs = runSegmentations(c, profile, segs)
	}
	for i, seg := range segs {
		run.Segmentation = seg.Name
		tr, err := runs[i].tr, runs[i].err
		if err != nil {
			// No trace: the process died or refused the case. A recorded
			// abort is the target's divergence; the run has nothing more
			// to compare.
			v := oracle.JudgeRunError(c, targetInfo, err)
			if v.Status == oracle.Fail {
				fail(v)
			}
			report(v.Status, v.Reason)
			Skip("divergent: " + v.Reason)
		}
		v := oracle.Judge(c, profile, targetInfo, tr)
		if v.Status == oracle.Fail {
			fail(v)
		}
		if first == nil {
			first, verdict = tr, v
			continue
		}
		// Segmentation invariance: same trace, same bytes back, same verdict.
		d := oracle.SplitDiff(c, profile, targetInfo, first, tr)
		if d == "" && v.Status != verdict.Status {
			d = fmt.Sprintf("verdict %s under whole, %s under %s", verdict.Status, v.Status, seg.Name)
		}
		if d != "" {
			fail(oracle.Verdict{Status: oracle.Fail, Reason: "segmentation changed the outcome (-whole +" + seg.Name + ")", Diff: d})
		}
	}
	report(verdict.Status, verdict.Reason)
	if verdict.Status == oracle.Divergent {
		Skip("divergent: " + verdict.Reason)
	}
	Expect(verdict.Status).To(Equal(oracle.Pass))
}

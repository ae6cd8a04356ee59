// Package specs is nodespec's Ginkgo suite. Every fixture becomes a spec
// under a Describe named for its doc section; the target and profiles come
// from the environment (NODESPEC_TARGET, default ref; NODESPEC_PROFILE,
// default every profile the target answers to).
package specs

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/registry"
)

// The target and profile: a flag wins over the environment, which wins
// over the default (ref, every profile the target answers to).
var (
	targetFlag  = flag.String("nodespec.target", "", "target to run the suite on (default $NODESPEC_TARGET or ref)")
	profileFlag = flag.String("nodespec.profile", "", "doc profile to check (default $NODESPEC_PROFILE or all the target answers to)")
)

func TestSpecs(t *testing.T) {
	// The spec tree depends on the target's profiles, so it is built here,
	// after the test binary has parsed its flags, and before RunSpecs.
	targetName = firstOf(*targetFlag, os.Getenv("NODESPEC_TARGET"), "ref")
	var err error
	if cases, err = fixtures.All(); err != nil {
		t.Fatalf("fixtures do not load:\n%v", err)
	}
	if profiles, err = selectProfiles(targetName, firstOf(*profileFlag, os.Getenv("NODESPEC_PROFILE"))); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range groups {
		describeSections(prefix)
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "nodespec ("+targetName+")")
}

var (
	targetName string
	cases      []*fixtures.Case
	profiles   []string
	groups     []string            // section-id prefixes, in the order the group files declare them
	claimed    = map[string]bool{} // case ids placed by a section group

	target     targets.Target
	targetInfo oracle.Target
	leakBase   goleak.Option
)

// group declares a section group: every section whose id starts with
// prefix gets a Describe. Group files call it from a package-level var; a
// section goes to the first group (in file-name order) whose prefix fits.
func group(prefix string) bool {
	groups = append(groups, prefix)
	return true
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
	entry := map[string]any{"name": info.Name, "runtime": info.Runtime, "version": info.Version, "profiles": profiles}
	if rv, ok := t.(interface{ RuntimeVersion() string }); ok && rv.RuntimeVersion() != "" {
		entry["runtimeVersion"] = rv.RuntimeVersion() // Bun's or Deno's own version
	}
	AddReportEntry("nodespec-target", ReportEntryVisibilityNever, entry)
})

var _ = AfterSuite(func() {
	if target != nil {
		Expect(target.Close()).To(Succeed())
	}
	// Every connection, reader and loop of the run must be gone.
	Expect(goleak.Find(leakBase)).To(Succeed())
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
	bySection := map[string][]*fixtures.Case{}
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
		module, _, _ := strings.Cut(sec, "/")
		Describe(sec, Label("module="+module), func() {
			for _, c := range bySection[sec] {
				// Every section the case cites is a label, so a section
				// filter finds cases that live under another section too.
				var labels Labels
				for _, cited := range c.Sections {
					labels = append(labels, "section="+strings.ReplaceAll(cited, "/", "."))
				}
				for _, p := range profiles {
					It(fmt.Sprintf("%s [%s]", c.ID, p), append(slices.Clip(labels), "profile="+p), func() { runCase(c, p) })
				}
			}
		})
	}
}

// segmentations: a server-side case runs whole, byte by byte and split at
// random points; the random seed derives from Ginkgo's --seed and the case
// id, so a failure names a seed that reproduces it.
func segmentations(c *fixtures.Case) []rawwire.Segmentation {
	switch {
	case c.Wire == nil:
		return []rawwire.Segmentation{{Name: "none"}}
	case c.Wire.Whole:
		return []rawwire.Segmentation{rawwire.Whole()}
	}
	h := fnv.New64a()
	h.Write([]byte(c.ID))
	seed := GinkgoRandomSeed() ^ int64(h.Sum64()>>1)
	return []rawwire.Segmentation{rawwire.Whole(), rawwire.Bytewise(), rawwire.Random(seed)}
}

func runCase(c *fixtures.Case, profile string) {
	run := oracle.Run{Case: c, Profile: profile, Target: targetInfo.Name, Seed: GinkgoRandomSeed()}
	report := func(s oracle.Status, reason string) {
		AddReportEntry("nodespec", ReportEntryVisibilityNever, map[string]string{
			"case": c.ID, "file": c.File, "sections": strings.Join(c.Sections, " "),
			"profile": profile, "target": targetInfo.Name, "status": string(s), "reason": reason,
		})
	}
	if ok, why := oracle.Applicable(c, profile, targetInfo); !ok {
		report(oracle.NotApplicable, why)
		Skip("n/a: " + why)
	}
	var first *trace.Trace
	var verdict oracle.Verdict
	for _, seg := range segmentations(c) {
		run.Segmentation = seg.Name
		tr, err := targets.Run(target, c, profile, seg)
		if err != nil {
			report(oracle.Fail, err.Error())
			Fail(run.Message(oracle.Verdict{Status: oracle.Fail, Reason: "the target could not run the case: " + err.Error()}))
		}
		v := oracle.Judge(c, profile, targetInfo, tr)
		if v.Status == oracle.Fail {
			report(oracle.Fail, v.Reason)
			Fail(run.Message(v))
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
			v := oracle.Verdict{Status: oracle.Fail, Reason: "segmentation changed the outcome (-whole +" + seg.Name + ")", Diff: d}
			report(oracle.Fail, v.Reason)
			Fail(run.Message(v))
		}
	}
	report(verdict.Status, verdict.Reason)
	if verdict.Status == oracle.Divergent {
		Skip("divergent: " + verdict.Reason)
	}
	Expect(verdict.Status).To(Equal(oracle.Pass))
}

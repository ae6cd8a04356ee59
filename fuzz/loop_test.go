package fuzz

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/ref"
)

// otherProfile is ref answering to another profile than the one asked for:
// a target that disagrees with ref deterministically and in process, so
// the whole loop (confirm, minimise, dedupe, write) is tested without a
// runtime.
type otherProfile struct {
	*ref.Target
	profile string
}

func (o otherProfile) Info() targets.Info {
	return targets.Info{Name: "ref-" + o.profile, Runtime: "ref", Profiles: []string{o.profile}}
}

func (o otherProfile) Start(c *fixtures.Case, _ string, env targets.Env) (targets.Session, error) {
	return o.Target.Start(c, o.profile, env)
}

func TestFuzzLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 40 inputs and their minimisation")
	}
	run := func() *Report {
		r := NewRunner(otherProfile{ref.New(), "v6"}, "latest")
		return Fuzz(r, NewGenerator(3, nil), &Known{Signatures: map[string]string{}, Inputs: map[string]string{}},
			Config{Seed: 3, Inputs: 40, Budget: 40})
	}
	a, b := run(), run()
	if a.Inputs != 40 || len(a.Findings) == 0 {
		t.Fatalf("40 inputs of ref latest vs v6 gave %d inputs, %d findings", a.Inputs, len(a.Findings))
	}
	sigs := func(r *Report) (out [][2]string) {
		for _, f := range r.Findings {
			out = append(out, [2]string{f.Signature, string(f.Minimal)})
		}
		return out
	}
	if !reflect.DeepEqual(sigs(a), sigs(b)) {
		t.Fatalf("two runs of seed 3 differ:\n%v\n%v", sigs(a), sigs(b))
	}
	r := NewRunner(otherProfile{ref.New(), "v6"}, "latest")
	total := a.Agreed + sum(a.Known) + sum(a.Errors)
	for _, f := range a.Findings {
		total += f.Count
		if f.Flaky {
			t.Errorf("ref is deterministic, yet %q did not reproduce", f.Signature)
			continue
		}
		if f.SplitDependent {
			// ref gives one trace under every segmentation, so a split
			// seen here would be the classifier's mistake.
			t.Errorf("ref is split-invariant, yet %q was classified split-dependent:\n%s", f.Signature, f.SplitDiff)
		}
		if len(f.Minimal) > len(f.Input) {
			t.Errorf("minimal input longer than the input: %q", f.Minimal)
		}
		if got := r.Run(f.Minimal).Signature; got != f.Signature {
			t.Errorf("minimal input %q gives %q, not %q", f.Minimal, got, f.Signature)
		}
	}
	if total != a.Inputs {
		t.Errorf("outcomes add up to %d of %d inputs", total, a.Inputs)
	}
	dir := t.TempDir()
	if err := a.Write(dir, "node@6"); err != nil {
		t.Fatal(err)
	}
	drafts, _ := filepath.Glob(filepath.Join(dir, "fuzz-*.yaml"))
	if len(drafts) != len(a.Findings) {
		t.Errorf("%d drafts for %d findings", len(drafts), len(a.Findings))
	}
	for _, p := range drafts {
		data, _ := os.ReadFile(p)
		if _, errs := fixtures.Parse(filepath.Base(p), data); len(errs) > 0 {
			t.Errorf("%s does not load: %v", p, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Error(err)
	}
}

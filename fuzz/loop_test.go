package fuzz

import (
	"github.com/nodespec/nodespec/impl/nodehttp"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
		// ref does give split-dependent findings, as Node does: a complete
		// request followed in the same chunk by bytes that fail is torn down
		// before its response, while byte by byte the response goes out
		// first (TRACE / HTTP/1.1, Host, then "h": probed on node6, node14
		// and node20, all three split this way, and ref agrees with each).
		// Which inputs show it depends on how TCP coalesced the bytewise
		// writes, so only the classification's evidence is checked here;
		// TestSplitDiff checks the classifier itself deterministically.
		if f.SplitDependent && strings.HasPrefix(f.SplitDiff, "bytewise run failed") {
			t.Errorf("%q was classified split-dependent on a failed run: %s", f.Signature, f.SplitDiff)
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

// segmentationTarget is ref under one profile when a case is sent whole
// and under another when it is sent byte by byte: a target whose trace
// changes with the segmentation on every input the profiles disagree on,
// whatever TCP does with the writes.
type segmentationTarget struct {
	*ref.Target
	whole, bytewise string
}

func (s segmentationTarget) Info() targets.Info {
	return targets.Info{Name: "ref-by-segmentation", Runtime: "ref", Profiles: []string{s.whole}}
}

func (s segmentationTarget) Start(c *fixtures.Case, _ string, env targets.Env) (targets.Session, error) {
	if c.Wire.Whole {
		return s.Target.Start(c, s.whole, env)
	}
	return s.Target.Start(c, s.bytewise, env)
}

// The classifier: a target whose trace changes byte by byte is reported
// with the diff, one that gives the same trace is not.
func TestSplitDiff(t *testing.T) {
	// A second Content-Length refused at its first digit on v6 and at its
	// first byte on v14/latest (fixture cl-dup-bad-first-byte): the two
	// profiles give different clientError messages for this input.
	input := []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: x\r\n\r\n")
	split := NewRunner(segmentationTarget{ref.New(), "latest", "v6"}, "latest")
	o := split.Run(input)
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if d := split.SplitDiff(input, o.Actual); d == "" || strings.HasPrefix(d, "bytewise run failed") {
		t.Errorf("a target answering bytewise runs as v6 and whole runs as latest gave split diff %q", d)
	}
	// One request and nothing after it: ref's trace does not depend on the
	// segmentation, so nothing is reported.
	plain := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
	same := NewRunner(segmentationTarget{ref.New(), "latest", "latest"}, "latest")
	o = same.Run(plain)
	if o.Err != nil || o.Signature != "" {
		t.Fatalf("ref against itself: %v, signature %q", o.Err, o.Signature)
	}
	if d := same.SplitDiff(plain, o.Actual); d != "" {
		t.Errorf("one request with nothing after it was found split-dependent on ref:\n%s", d)
	}
}

// A minimal input that starts with a recorded divergence is that
// divergence; one whose prefixes all agree, or differ otherwise, is not.
func TestKnownPrefix(t *testing.T) {
	r := NewRunner(otherProfile{ref.New(), "v6"}, "latest")
	// v6 and latest refuse a second, bad Content-Length with different
	// messages (cl-dup-bad-first-byte).
	recorded := []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: x\r\n\r\n")
	sig := r.Run(recorded).Signature
	if sig == "" {
		t.Fatal("the profiles agree on the recorded input")
	}
	known := &Known{Signatures: map[string]string{sig: "recorded-fixture"}, Inputs: map[string]string{}}
	rep := &Report{Known: map[string]int{}}
	id, prefix := knownPrefix(r, rep, known, append(append([]byte(nil), recorded...), "GET /\nx"...), 100)
	if id != "recorded-fixture" || !strings.HasPrefix(string(recorded), string(prefix)) {
		t.Errorf("recorded input then more bytes: got %q with prefix %q", id, prefix)
	}
	if rep.MinimiseRuns == 0 {
		t.Error("the prefix runs were not counted")
	}
	// A request both profiles serve alike, then the same bytes: no prefix
	// gives the recorded signature.
	other := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /\nx")
	if id, _ := knownPrefix(r, rep, known, other, 100); id != "" {
		t.Errorf("an input with no recorded prefix was taken for %q", id)
	}
	// A fixture's bytes as a prefix count without a run.
	known.Inputs["GET / HTTP/1.1\r\nHost: a\r\n"] = "by-bytes"
	if id, _ := knownPrefix(r, rep, known, other, 100); id != "by-bytes" {
		t.Errorf("a fixture's input as a prefix gave %q", id)
	}
}

// A finding on which the newest release agrees with ref is another
// release's rule; one on which it does not is not.
func TestNewestAgrees(t *testing.T) {
	input := []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: x\r\n\r\n")
	r := NewRunner(otherProfile{ref.New(), "v6"}, "latest")
	if agrees, name := r.NewestAgrees(input); agrees || name != "" {
		t.Fatalf("without a newest release: %v %q", agrees, name)
	}
	r.CompareNewest(otherProfile{ref.New(), "latest"})
	if agrees, name := r.NewestAgrees(input); !agrees || name != "ref-latest" {
		t.Errorf("a newest release that answers as ref: %v %q", agrees, name)
	}
	r.CompareNewest(otherProfile{ref.New(), "v6"})
	if agrees, _ := r.NewestAgrees(input); agrees {
		t.Error("a newest release that answers as v6 was taken to agree with ref under latest")
	}
}

// A prefix cut inside a message is never run as a candidate: it
// disagrees only for being cut; one that ends between messages is.
func TestKnownPrefixSkipsCutMessages(t *testing.T) {
	r := NewRunner(otherProfile{ref.New(), "v6"}, "latest")
	known := &Known{Signatures: map[string]string{}, Inputs: map[string]string{}}
	rep := &Report{Known: map[string]int{}}
	// Every line end but the last falls inside the one request.
	knownPrefix(r, rep, known, []byte("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\r\n"), 100)
	if rep.MinimiseRuns != 0 {
		t.Errorf("%d prefixes cut inside the head were run", rep.MinimiseRuns)
	}
	// Two requests: the prefix that ends after the first is run.
	knownPrefix(r, rep, known, []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 100)
	if rep.MinimiseRuns != 1 {
		t.Errorf("%d prefix runs, want the one that ends between the requests", rep.MinimiseRuns)
	}
	if !nodehttp.EndsInsideMessage("latest", []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab")) ||
		nodehttp.EndsInsideMessage("latest", []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")) ||
		nodehttp.EndsInsideMessage("latest", []byte("GET / HTTP/1.1\r\nX\x01")) {
		t.Error("EndsInsideMessage: a cut body, a whole request, or a parse error is misread")
	}
}

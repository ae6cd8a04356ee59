package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/types"
)

func sampleRun() *Run {
	return &Run{
		Target:     Target{Name: "node20", Runtime: "node", Version: "20.20.2", Profiles: []string{"latest"}},
		Provenance: Provenance{Nodespec: "v1-2-gabc", Seed: 1, Fixtures: 4},
		Seconds:    1.234,
		Results: []Result{
			{Case: "a", Profile: "latest", Status: Pass},
			{Case: "b", Profile: "latest", Status: Divergent, Reason: "recorded divergence"},
			{Case: "c", Profile: "latest", Status: Fail, Reason: "trace differs", Message: "sent: 'GET / HTTP/1.1\\r\\n'\n- x\n+ y"},
			{Case: "d", Profile: "latest", Status: NotApplicable, Reason: "profile"},
		},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRecord(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header and one line per result, got %d lines:\n%s", len(lines), buf.String())
	}
	got, err := ReadRecord(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRun()
	want.Seconds = 0 // not recorded: a record changes only when a result does
	for i := range want.Results {
		want.Results[i].Target = "node20"
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestPartialRunsAreNotRecorded(t *testing.T) {
	run := sampleRun()
	run.Partial = true
	if err := WriteRecord(&bytes.Buffer{}, run); err == nil {
		t.Error("a narrowed run was recorded")
	}
	if _, err := BaselineOf(run, nil); err == nil {
		t.Error("a narrowed run became a baseline")
	}
}

func baselineFile(t *testing.T, run *Run) *Baseline {
	t.Helper()
	b, err := BaselineOf(run, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.tsv")
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBaselineFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Target.Name != "node20" || back.Target.Version != "20.20.2" || !cmp.Equal(back.Statuses, b.Statuses) {
		t.Fatalf("baseline did not survive the file: %v", cmp.Diff(b.Statuses, back.Statuses))
	}
	return back
}

func TestCompare(t *testing.T) {
	base := baselineFile(t, sampleRun())
	if d := Compare(base, sampleRun(), true); len(d.Regressions)+len(d.Updates) != 0 {
		t.Fatalf("a run equal to its baseline differs: %+v", d)
	}

	run := sampleRun()
	run.Results[0].Status, run.Results[0].Reason = Fail, "lane req1 differs" // a: pass -> fail
	run.Results[2].Status = Pass                                             // c: fail -> pass
	run.Results = append(run.Results[:3], Result{Case: "e", Profile: "latest", Status: Fail, Reason: "new and broken"})
	// d did not run at all.
	d := Compare(base, run, false)
	want := Delta{
		Regressions: []Change{
			{Key: "a [latest]", Was: Pass, Now: Fail, Reason: "lane req1 differs"},
			{Key: "e [latest]", Now: Fail, Reason: "new and broken"},
		},
		Updates: []Change{
			{Key: "c [latest]", Was: Fail, Now: Pass},
			{Key: "d [latest]", Was: NotApplicable},
		},
		Known: []Change{{Key: "b [latest]", Was: Divergent, Now: Divergent, Reason: "recorded divergence"}},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Fatalf("delta (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	d.Write(&out, "node20")
	for _, s := range []string{
		"REGRESSION a [latest]: expected pass, now fails: lane req1 differs",
		"REGRESSION e [latest]: expected not in the baseline",
		"newly passing: c [latest] was fail, now pass",
		"gone: d [latest]",
		"make baseline TARGET=node20",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the explanation lacks %q:\n%s", s, out.String())
		}
	}
}

func TestCompareStrict(t *testing.T) {
	full := sampleRun()
	full.Results = append(full.Results, Result{Case: "f", Profile: "latest", Status: Pass})
	base := baselineFile(t, full)
	run := sampleRun()                                                           // f, which passed, did not run
	run.Results[0].Status, run.Results[0].Reason = NotApplicable, "since 99.0.0" // a: pass -> n/a
	run.Results[1].Status = Pass                                                 // b: divergent -> pass
	want := Delta{
		Regressions: []Change{
			{Key: "a [latest]", Was: Pass, Now: NotApplicable, Reason: "since 99.0.0"},
			{Key: "f [latest]", Was: Pass, Reason: "it did not run"},
		},
		Updates: []Change{{Key: "b [latest]", Was: Divergent, Now: Pass}},
		Known:   []Change{{Key: "c [latest]", Was: Fail, Now: Fail}},
	}
	if diff := cmp.Diff(want, Compare(base, run, true)); diff != "" {
		t.Fatalf("strict delta (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	want.Write(&out, "node20")
	for _, s := range []string{"REGRESSION a [latest]: expected pass, now n/a: since 99.0.0", "REGRESSION f [latest]: expected pass, it did not run"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the explanation lacks %q:\n%s", s, out.String())
		}
	}
	if d := Compare(base, run, false); len(d.Regressions) != 0 {
		t.Errorf("not strict: %+v", d.Regressions)
	}
}

func TestWholeRuns(t *testing.T) {
	crashed := sampleRun()
	crashed.Results = append(crashed.Results, Result{Case: "BeforeSuite", Profile: SuiteProfile, Status: Fail, Reason: "failed before recording a result: not installed"})
	nameless := sampleRun()
	nameless.Target = Target{}
	for name, run := range map[string]*Run{"crashed": crashed, "nameless": nameless} {
		if err := WriteRecord(&bytes.Buffer{}, run); err == nil {
			t.Errorf("%s: recorded", name)
		}
		if _, err := BaselineOf(run, nil); err == nil {
			t.Errorf("%s: became a baseline", name)
		}
	}
}

func TestCompareIgnoresProfilesNotRun(t *testing.T) {
	full := sampleRun()
	full.Target.Profiles = []string{"latest", "v6"}
	full.Results = append(full.Results, Result{Case: "a", Profile: "v6", Status: Pass})
	base := baselineFile(t, full)
	if d := Compare(base, sampleRun(), true); len(d.Regressions)+len(d.Updates) != 0 {
		t.Fatalf("a run of one profile reported the other profile's cases: %+v", d)
	}
}

func TestReadGinkgo(t *testing.T) {
	entry := func(name string, v any) types.ReportEntry {
		return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
	}
	report := []types.Report{{
		SuiteConfig: types.SuiteConfig{LabelFilter: "section=http.METHODS", RandomSeed: 7},
		SpecReports: types.SpecReports{
			{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed, ReportEntries: types.ReportEntries{
				entry("nodespec-target", map[string]any{"name": "node20", "runtime": "node", "version": "20.20.2", "profiles": []string{"latest"},
					"nodespec": "v1-2-gabc", "fixtures": 3}),
			}},
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed, Failure: types.Failure{Message: "the diff"},
				ReportEntries: types.ReportEntries{entry("nodespec", map[string]string{"case": "z", "profile": "latest", "status": "fail", "reason": "r"})}},
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed,
				ReportEntries: types.ReportEntries{entry("nodespec", map[string]string{"case": "a", "profile": "latest", "status": "pass"})}},
			{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStateFailed, Failure: types.Failure{Message: "leaked goroutines"}},
		},
	}}
	data, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, data, 0o644)
	run, err := ReadGinkgo(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Run{
		Target:     Target{Name: "node20", Runtime: "node", Version: "20.20.2", Profiles: []string{"latest"}},
		Provenance: Provenance{Nodespec: "v1-2-gabc", Seed: 7, LabelFilter: "section=http.METHODS", Fixtures: 3},
		Partial:    true,
		Results: []Result{
			{Case: "AfterSuite", Profile: "(suite)", Status: Fail, Reason: "failed before recording a result: leaked goroutines", Message: "leaked goroutines"},
			{Case: "a", Profile: "latest", Status: Pass},
			{Case: "z", Profile: "latest", Status: Fail, Reason: "r", Message: "the diff"},
		},
	}
	if d := cmp.Diff(want, run); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	os.WriteFile(path, []byte("not json"), 0o644)
	if _, err := ReadGinkgo(path); err == nil || !strings.Contains(err.Error(), "not a Ginkgo JSON report") {
		t.Fatalf("got %v", err)
	}
}

func TestBaselineReasons(t *testing.T) {
	run := sampleRun() // b divergent ("recorded divergence"), c fail, d n/a ("profile")
	run.Results = append(run.Results, Result{Case: "p", Profile: "latest", Status: Fail, Provisional: true})
	first := baselineFile(t, run)
	if _, ok := first.Statuses["p [latest]"]; ok {
		t.Error("a provisional case went into the baseline")
	}
	want := map[string]string{"b [latest]": "recorded divergence", "d [latest]": "profile"}
	if d := cmp.Diff(want, first.Reasons); d != "" {
		t.Errorf("reasons of a first baseline (-want +got):\n%s", d)
	}
	lint := first.Lint()
	if len(lint) != 1 || !strings.Contains(lint[0], "c [latest] is expected to be fail on node20 but has no reason") {
		t.Errorf("lint: %q", lint)
	}

	// A person writes reasons; the next baseline keeps them where the
	// status holds, and drops one whose case changed status.
	first.Reasons["c [latest]"] = "Node 20 aborts on this input"
	first.Reasons["b [latest]"] = "written by hand"
	next := sampleRun()
	next.Results[1].Status = Pass // b now passes
	b, err := BaselineOf(next, first)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"c [latest]": "Node 20 aborts on this input", "d [latest]": "profile"}
	if d := cmp.Diff(want, b.Reasons); d != "" {
		t.Errorf("reasons kept (-want +got):\n%s", d)
	}
	if l := b.Lint(); len(l) != 0 {
		t.Errorf("lint of a baseline with every reason: %q", l)
	}

	// The gate prints the reasons of what is expected not to pass, and
	// names a failing provisional case without gating on it.
	failing := sampleRun()
	failing.Results[1].Status = Pass
	failing.Results = append(failing.Results, Result{Case: "p", Profile: "latest", Status: Fail, Reason: "new", Provisional: true})
	d := Compare(b, failing, true)
	if len(d.Regressions) != 0 || len(d.Provisional) != 1 {
		t.Fatalf("delta: %+v", d)
	}
	var out bytes.Buffer
	d.Write(&out, "node20")
	for _, s := range []string{"expected fail c [latest]: Node 20 aborts on this input", "provisional case fails (not gating) p [latest]: new"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the gate's output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestMergeRecords(t *testing.T) {
	write := func(dir string, run *Run) {
		t.Helper()
		var buf bytes.Buffer
		if err := WriteRecord(&buf, run); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, run.Target.Name+".jsonl"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	a, b, dst := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "recorded")
	os.MkdirAll(dst, 0o755)
	bun := sampleRun()
	bun.Target.Name = "bun"
	write(a, sampleRun())
	write(b, bun)
	merged, err := MergeRecords(dst, []string{a, b})
	if err != nil || len(merged) != 2 {
		t.Fatalf("merged %v, %v", merged, err)
	}
	for _, name := range []string{"node20", "bun"} {
		src, _ := os.ReadFile(filepath.Join(map[string]string{"node20": a, "bun": b}[name], name+".jsonl"))
		got, _ := os.ReadFile(filepath.Join(dst, name+".jsonl"))
		if !bytes.Equal(src, got) {
			t.Errorf("%s: the merged record is not the shard's, byte for byte", name)
		}
	}

	// The same target from two shards, and shards of different suites.
	write(b, sampleRun())
	if _, err := MergeRecords(dst, []string{a, b}); err == nil || !strings.Contains(err.Error(), "node20 comes from two shards") {
		t.Errorf("two shards of node20: %v", err)
	}
	os.Remove(filepath.Join(b, "node20.jsonl"))
	bun.Provenance.Nodespec = "v9-other"
	write(b, bun)
	if _, err := MergeRecords(dst, []string{a, b}); err == nil || !strings.Contains(err.Error(), "the same suite with the same seed") {
		t.Errorf("shards of different suites: %v", err)
	}
}

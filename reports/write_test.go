package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// syntheticReport is a suite report of n specs shaped like the suite's
// (labels, a "nodespec" entry each, a failure now and then), with text
// that JSON and XML must escape.
func syntheticReport(n int) types.Report {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r := types.Report{
		SuitePath:        "/x/specs",
		SuiteDescription: `nodespec (ref) <&> "q"`,
		SuiteSucceeded:   true,
		StartTime:        start,
		EndTime:          start.Add(time.Second),
		RunTime:          time.Second,
		SuiteConfig:      types.SuiteConfig{RandomSeed: 7, LabelFilter: "module=http && !section=x"},
	}
	for i := range n {
		s := types.SpecReport{
			ContainerHierarchyTexts: []string{"http/Server/event.request"},
			LeafNodeType:            types.NodeTypeIt,
			LeafNodeText:            fmt.Sprintf("case-%d [latest] \u2028 <tag> & 'x'", i),
			LeafNodeLabels:          []string{"module=http", "profile=latest"},
			State:                   types.SpecStatePassed,
			StartTime:               start.Add(time.Duration(i) * time.Millisecond),
			EndTime:                 start.Add(time.Duration(i+1) * time.Millisecond),
			RunTime:                 time.Millisecond,
			ParallelProcess:         1,
			NumAttempts:             1,
		}
		s.ReportEntries = types.ReportEntries{{
			Name:       "nodespec",
			Visibility: types.ReportEntryVisibilityNever,
			Time:       s.StartTime,
			Value: types.WrapEntryValue(map[string]any{
				"case": fmt.Sprintf("case-%d", i), "profile": "latest", "status": "pass", "reason": "a <b> & \"c\"",
			}),
		}}
		if i%7 == 3 {
			s.State = types.SpecStateFailed
			s.Failure = types.Failure{Message: "want <x>\ngot &y", Location: types.CodeLocation{FileName: "/x/specs/suite_test.go", LineNumber: 9}}
		}
		r.SpecReports = append(r.SpecReports, s)
	}
	return r
}

// The report.json the suite writes is json.Marshal's encoding, byte for
// byte, however it is produced.
func TestMarshalGinkgoIsJSONMarshal(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5, 40} {
		r := syntheticReport(n)
		if n == 0 {
			r.SpecReports = types.SpecReports{} // [] rather than null
		}
		want, err := json.Marshal([]types.Report{r})
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalGinkgo(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d specs: marshalGinkgo differs from json.Marshal:\n%s", n, cmp.Diff(string(want), string(got)))
		}
	}
	r := syntheticReport(3)
	r.SpecReports = nil
	want, _ := json.Marshal([]types.Report{r})
	if got, err := marshalGinkgo(r); err != nil || !bytes.Equal(got, want) {
		t.Errorf("no spec reports: %v\n%s\n%s", err, got, want)
	}
	// And it reads back as the report it was.
	r = syntheticReport(4)
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteGinkgo(r, path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var back []types.Report
	if err := json.Unmarshal(data, &back); err != nil || len(back) != 1 || len(back[0].SpecReports) != 4 || back[0].SpecReports[2].LeafNodeText != r.SpecReports[2].LeafNodeText {
		t.Errorf("read back: %v, %+v", err, back)
	}
}

// junit.xml is Ginkgo's, with the provenance added after the suite's own
// properties; every test case and its properties stay as Ginkgo wrote them.
func TestWriteJUnitAddsSuiteProperties(t *testing.T) {
	r := syntheticReport(9)
	dir := t.TempDir()
	plain := filepath.Join(dir, "ginkgo.xml")
	cfg := reporters.JunitReportConfig{OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped}
	if err := reporters.GenerateJUnitReportWithConfig(r, plain, cfg); err != nil {
		t.Fatal(err)
	}
	run := &Run{Target: Target{Name: "node20", Runtime: "node", Version: "20.1.0", Profiles: []string{"latest"}},
		Provenance: Provenance{Nodespec: `v1 <dirty> & "x"`, Seed: 7, LabelFilter: "module=http && !x", Fixtures: 990}}
	path := filepath.Join(dir, "junit.xml")
	if err := WriteJUnit(r, run, path); err != nil {
		t.Fatal(err)
	}
	decode := func(p string) reporters.JUnitTestSuites {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s reporters.JUnitTestSuites
		if err := xml.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return s
	}
	want, got := decode(plain), decode(path)
	added := []reporters.JUnitProperty{
		{Name: "nodespec.version", Value: `v1 <dirty> & "x"`},
		{Name: "nodespec.target", Value: "node20"},
		{Name: "nodespec.runtime", Value: "node 20.1.0"},
		{Name: "nodespec.profiles", Value: "latest"},
		{Name: "nodespec.seed", Value: "7"},
		{Name: "nodespec.labelFilter", Value: "module=http && !x"},
		{Name: "nodespec.focus", Value: ""},
		{Name: "nodespec.fixtures", Value: "990"},
	}
	want.TestSuites[0].Properties.Properties = append(want.TestSuites[0].Properties.Properties, added...)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("junit.xml is not Ginkgo's plus the provenance (-want +got):\n%s", d)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "\n              <property name=\"nodespec.target\" value=\"node20\"></property>\n") {
		t.Errorf("the added properties are not laid out as Ginkgo's:\n%.1500s", data)
	}
	if _, err := withSuiteProperties([]byte("<testsuites></testsuites>"), added); err == nil {
		t.Error("a document without suite properties: no error")
	}
}

func BenchmarkWriteGinkgo(b *testing.B) {
	r := syntheticReport(3000)
	path := filepath.Join(b.TempDir(), "report.json")
	for b.Loop() {
		if err := WriteGinkgo(r, path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJUnit(b *testing.B) {
	r := syntheticReport(3000)
	run := &Run{Target: Target{Name: "ref"}}
	path := filepath.Join(b.TempDir(), "junit.xml")
	for b.Loop() {
		if err := WriteJUnit(r, run, path); err != nil {
			b.Fatal(err)
		}
	}
}

package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// WriteJUnit writes Ginkgo's JUnit report of a suite run, with the run's
// target and provenance added as suite properties (nodespec.version,
// nodespec.target ...), so that a CI system that keeps only the XML still
// knows what produced it. Ginkgo writes the XML; the properties are added
// by decoding it into Ginkgo's own types and encoding it again.
func WriteJUnit(report types.Report, run *Run, path string) error {
	// A passed or skipped spec's timeline repeats its report entries,
	// which are its properties: it is kept for failures only (rendering
	// it for every spec was a sixth of a ref run's CPU).
	cfg := reporters.JunitReportConfig{OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped}
	if err := reporters.GenerateJUnitReportWithConfig(report, path, cfg); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal(data, &suites); err != nil {
		return fmt.Errorf("%s: reading back Ginkgo's JUnit report: %w", path, err)
	}
	props := []reporters.JUnitProperty{
		{Name: "nodespec.version", Value: run.Provenance.Nodespec},
		{Name: "nodespec.target", Value: run.Target.Name},
		{Name: "nodespec.runtime", Value: strings.TrimSpace(run.Target.Runtime + " " + run.Target.ShownVersion())},
		{Name: "nodespec.profiles", Value: strings.Join(run.Target.Profiles, " ")},
		{Name: "nodespec.seed", Value: fmt.Sprint(run.Provenance.Seed)},
		{Name: "nodespec.labelFilter", Value: run.Provenance.LabelFilter},
		{Name: "nodespec.focus", Value: strings.Join(run.Provenance.Focus, " ")},
		{Name: "nodespec.fixtures", Value: fmt.Sprint(run.Provenance.Fixtures)},
	}
	for i := range suites.TestSuites {
		suites.TestSuites[i].Properties.Properties = append(suites.TestSuites[i].Properties.Properties, props...)
	}
	out, err := xml.MarshalIndent(suites, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(out, '\n')...), 0o644)
}

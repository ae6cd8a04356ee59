package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// WriteJUnit writes Ginkgo's JUnit report of a suite run, with the run's
// target and provenance added as suite properties (nodespec.version,
// nodespec.target ...), so that a CI system that keeps only the XML still
// knows what produced it. Ginkgo writes the XML; the properties are put in
// after the suite's own, in its layout. (Decoding Ginkgo's XML into its
// types and encoding it again did the same in three times the time: 0.24 s
// of a ref run, the longest of the reports written side by side.)
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
	out, err := withSuiteProperties(data, props)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// withSuiteProperties puts props at the end of the first <properties>
// element of a JUnit document: the suite's, which Ginkgo writes before any
// test case (each of which may have properties of its own). Each new line
// is indented as the suite's property lines are.
func withSuiteProperties(doc []byte, props []reporters.JUnitProperty) ([]byte, error) {
	const closing = "</properties>"
	at := bytes.Index(doc, []byte(closing))
	open := bytes.LastIndex(doc[:max(at, 0)], []byte("<property "))
	if at < 0 || open < 0 {
		return nil, errors.New("Ginkgo's JUnit report has no suite properties to add to")
	}
	lineStart := bytes.LastIndexByte(doc[:open], '\n') + 1
	indent := doc[lineStart:open]
	var add bytes.Buffer
	for _, p := range props {
		add.Write(indent)
		add.WriteString(`<property name="`)
		xml.EscapeText(&add, []byte(p.Name))
		add.WriteString(`" value="`)
		xml.EscapeText(&add, []byte(p.Value))
		add.WriteString("\"></property>\n")
	}
	// The closing tag's own line: the new lines go before its indentation.
	insert := bytes.LastIndexByte(doc[:at], '\n') + 1
	out := make([]byte, 0, len(doc)+add.Len())
	out = append(out, doc[:insert]...)
	out = append(out, add.Bytes()...)
	return append(out, doc[insert:]...), nil
}

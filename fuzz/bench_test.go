package fuzz

import (
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/targets/registry"
)

// BenchmarkInputs is the fuzz loop's throughput: generated inputs (seed 1,
// grammar and mutations) run on ref alone, and on ref and node20 at once as
// `make fuzz` runs them, reported as inputs/s. node20 is skipped when the
// system node is missing.
func BenchmarkInputs(b *testing.B) {
	cases, err := fixtures.All()
	if err != nil {
		b.Fatal(err)
	}
	g := NewGenerator(1, Corpus(cases))
	for _, target := range []string{"ref", "node20"} {
		name := "ref"
		if target != "ref" {
			name = "ref-vs-" + target
		}
		b.Run(name, func(b *testing.B) {
			r := NewRunner(nil, "latest")
			if target != "ref" {
				t, err := registry.Open(target)
				if err != nil {
					b.Skipf("%s: %v", target, err)
				}
				defer t.Close()
				r = NewRunner(t, "latest")
			}
			i := 0
			for b.Loop() {
				if o := r.Run(g.Input(i)); o.Err != nil {
					b.Fatalf("input %d: %v", i, o.Err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
		})
	}
}

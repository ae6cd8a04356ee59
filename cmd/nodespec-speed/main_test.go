package main

import "testing"

// The lines the tool reads from `go test -bench` and from Ginkgo.
func TestParsesBenchAndGinkgoLines(t *testing.T) {
	m := benchLine.FindStringSubmatch("BenchmarkCase/ref/bench-close-2         \t    9394\t    380187 ns/op")
	if m == nil || m[1] != "BenchmarkCase/ref/bench-close" || m[2] != "380187" {
		t.Errorf("bench line: %q", m)
	}
	m = ranLine.FindStringSubmatch("\x1b[1mRan 2477 of 2971 Specs in 5.690 seconds\x1b[0m")
	if m == nil || m[1] != "2477 of 2971" || m[2] != "5.690" {
		t.Errorf("Ran line: %q", m)
	}
}

func TestMedianAndChange(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3, 1, 2 = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 4, 1, 3, 2 = %v", got)
	}
	if got := change(2, 1); got != "-50%" {
		t.Errorf("change(2, 1) = %q", got)
	}
	if got := change(0, 1); got != "" {
		t.Errorf("change(0, 1) = %q, want nothing (no base)", got)
	}
}

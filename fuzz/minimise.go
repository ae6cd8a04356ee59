package fuzz

import "bytes"

// Minimise reduces input while keep holds, by delta debugging (Zeller's
// ddmin, complements only): first over lines, so a header or chunk line
// goes in one test, then over bytes. keep is called at most budget times
// (each call is one run on ref and on the target); results are cached, so
// an input is never run twice. keep(input) must hold; the result is the
// smallest input found that keeps it, and the same for the same keep.
func Minimise(input []byte, keep func([]byte) bool, budget int) []byte {
	m := &minimiser{keep: keep, budget: budget, seen: map[string]bool{}}
	lines := m.ddmin(splitLines(input))
	best := bytes.Join(lines, nil)
	var single [][]byte
	for i := range best {
		single = append(single, best[i:i+1])
	}
	return bytes.Join(m.ddmin(single), nil)
}

type minimiser struct {
	keep   func([]byte) bool
	budget int
	seen   map[string]bool
}

func (m *minimiser) test(parts [][]byte) bool {
	b := bytes.Join(parts, nil)
	if ok, done := m.seen[string(b)]; done {
		return ok
	}
	if m.budget <= 0 {
		return false
	}
	m.budget--
	ok := m.keep(b)
	m.seen[string(b)] = ok
	return ok
}

// ddmin removes ever smaller runs of parts (halves, quarters ... single
// parts) while the rest keeps the property.
func (m *minimiser) ddmin(parts [][]byte) [][]byte {
	n := 2
	for len(parts) >= 2 && m.budget > 0 {
		size := (len(parts) + n - 1) / n
		reduced := false
		for start := 0; start < len(parts); start += size {
			end := min(start+size, len(parts))
			rest := append(append([][]byte{}, parts[:start]...), parts[end:]...)
			if m.test(rest) {
				parts, reduced = rest, true
				n = max(n-1, 2)
				break
			}
		}
		if !reduced {
			if n >= len(parts) {
				break
			}
			n = min(2*n, len(parts))
		}
	}
	if len(parts) == 1 && m.test(nil) {
		return nil
	}
	return parts
}

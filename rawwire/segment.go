// Package rawwire does byte-exact wire I/O for the conformance suite: it sends
// a payload cut into writes exactly as asked, records every byte the peer
// sends back, and reports how the connection ended (eof, reset or timeout).
// It knows nothing about HTTP or Node; the spec runner builds on it.
//
// Every blocking call takes a deadline or a timeout, and every goroutine the
// package starts is stopped by the Close of the object that started it, so
// tests can check for leaks with goleak.
package rawwire

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultRandomMaxSplits caps the number of split points Random chooses.
// Without a cap a large body would be cut into hundreds of thousands of
// writes; Bytewise already covers the extreme, Random is for variety.
const DefaultRandomMaxSplits = 64

// Segmentation says how a payload is cut into writes. The zero value sends
// the payload in one write, like Whole.
type Segmentation struct {
	Name  string        // for test names and reports, e.g. "random(seed=42)"
	Pause time.Duration // slept between two writes (not before the first)

	// splits returns the offsets at which a payload of length n is cut.
	// They need not be sorted, unique or in range: Chunks cleans them up,
	// so each constructor stays a one-liner.
	splits func(n int) []int
}

// Whole sends the payload in one write.
func Whole() Segmentation { return Segmentation{Name: "whole"} }

// Bytewise sends one write per byte, the harshest test of a parser's
// resumability.
func Bytewise() Segmentation {
	return Segmentation{Name: "bytewise", splits: func(n int) []int {
		offs := make([]int, 0, max(n-1, 0))
		for i := 1; i < n; i++ {
			offs = append(offs, i)
		}
		return offs
	}}
}

// Random cuts the payload at 1..min(n-1, DefaultRandomMaxSplits) distinct
// random offsets. The cut depends only on the seed and the payload length, so
// a failure is reproduced by rerunning with the seed printed in Name.
func Random(seed int64) Segmentation {
	s := RandomUpTo(seed, DefaultRandomMaxSplits)
	s.Name = fmt.Sprintf("random(seed=%d)", seed)
	return s
}

// RandomUpTo is Random with a different cap on the number of split points
// (maxSplits <= 0 means no cap).
func RandomUpTo(seed int64, maxSplits int) Segmentation {
	return Segmentation{
		Name: fmt.Sprintf("random(seed=%d,max=%d)", seed, maxSplits),
		splits: func(n int) []int {
			m := n - 1 // candidate offsets are 1..n-1
			if m < 1 {
				return nil
			}
			limit := m
			if maxSplits > 0 {
				limit = min(limit, maxSplits)
			}
			r := splitmix64(uint64(seed))
			k := 1 + r.intn(limit)
			// Floyd's algorithm: k distinct values from 0..m-1 in O(k),
			// so a huge payload does not need an m-sized permutation.
			chosen := make(map[int]bool, k)
			offs := make([]int, 0, k)
			for j := m - k; j < m; j++ {
				t := r.intn(j + 1)
				if chosen[t] {
					t = j
				}
				chosen[t] = true
				offs = append(offs, t+1)
			}
			return offs
		},
	}
}

// At cuts the payload at the given offsets. Offsets outside 1..len-1 are
// ignored (so one At can serve payloads of different lengths), as are
// duplicates; order does not matter.
func At(offsets ...int) Segmentation {
	offs := slices.Clone(offsets) // the caller may reuse its slice
	parts := make([]string, len(offs))
	for i, o := range offs {
		parts[i] = strconv.Itoa(o)
	}
	return Segmentation{
		Name:   "at(" + strings.Join(parts, ",") + ")",
		splits: func(int) []int { return offs },
	}
}

// WithPause returns a copy of s that sleeps d between writes; the pause shows
// in the name. A pause is part of what is being tested (data arriving in
// separate TCP segments, timers firing mid-request), not a synchronisation.
func (s Segmentation) WithPause(d time.Duration) Segmentation {
	s.Pause = d
	s.Name = fmt.Sprintf("%s+pause(%s)", s.Name, d)
	return s
}

// Chunks cuts b as s says. It is pure: the result depends only on s and b,
// the chunks are sub-slices of b (not copies), their concatenation is b, and
// none is empty. An empty b gives no chunks.
func (s Segmentation) Chunks(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	var offs []int
	if s.splits != nil {
		offs = slices.Clone(s.splits(len(b))) // never sort the caller's (or At's) slice in place
	}
	offs = slices.DeleteFunc(offs, func(o int) bool { return o <= 0 || o >= len(b) })
	slices.Sort(offs)
	offs = slices.Compact(offs)

	chunks := make([][]byte, 0, len(offs)+1)
	prev := 0
	for _, o := range offs {
		chunks = append(chunks, b[prev:o:o]) // capped: appending to a chunk must not overwrite the next
		prev = o
	}
	return append(chunks, b[prev:])
}

// rng is splitmix64. We carry our own generator rather than math/rand so that
// a seed printed in a report cuts payloads the same way under every Go
// release.
type rng struct{ state uint64 }

func splitmix64(seed uint64) *rng { return &rng{state: seed} }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n). The modulo bias is below 2^-40 for the
// sizes we use, which is irrelevant for choosing split points.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

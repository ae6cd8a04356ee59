package rawwire

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// payload returns n distinct-looking bytes, so a misplaced chunk shows.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// checkChunks asserts the properties every segmentation must have.
func checkChunks(t *testing.T, seg Segmentation, b []byte, chunks [][]byte) {
	t.Helper()
	if got := bytes.Join(chunks, nil); !bytes.Equal(got, b) {
		t.Errorf("%s: concatenation = %q, want %q", seg.Name, got, b)
	}
	for i, c := range chunks {
		if len(c) == 0 {
			t.Errorf("%s: chunk %d is empty", seg.Name, i)
		}
	}
}

func TestChunksProperties(t *testing.T) {
	segs := []Segmentation{
		{}, Whole(), Bytewise(), Random(1), Random(42), RandomUpTo(7, 0), RandomUpTo(7, 3),
		At(), At(1), At(3, 7), At(7, 3, 3), At(-5, 0, 2, 1000),
		Bytewise().WithPause(time.Millisecond),
	}
	for _, n := range []int{0, 1, 2, 3, 10, 100, 4096} {
		b := payload(n)
		for _, seg := range segs {
			t.Run(fmt.Sprintf("%s/len=%d", seg.Name, n), func(t *testing.T) {
				orig := bytes.Clone(b)
				chunks := seg.Chunks(b)
				checkChunks(t, seg, b, chunks)
				if !bytes.Equal(b, orig) {
					t.Fatalf("Chunks modified its input")
				}
				if n == 0 && len(chunks) != 0 {
					t.Errorf("empty payload gave %d chunks, want 0", len(chunks))
				}
				// Pure: a second call cuts the same way.
				if again := seg.Chunks(b); !slices.EqualFunc(chunks, again, bytes.Equal) {
					t.Errorf("second call differs: %q vs %q", chunks, again)
				}
			})
		}
	}
}

func TestChunksCounts(t *testing.T) {
	b := payload(10)
	tests := []struct {
		seg  Segmentation
		want []string
	}{
		{Segmentation{}, []string{"abcdefghij"}},
		{Whole(), []string{"abcdefghij"}},
		{Bytewise(), []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}},
		{At(3, 7), []string{"abc", "defg", "hij"}},
		{At(7, 3, 3), []string{"abc", "defg", "hij"}},      // unsorted, duplicate
		{At(-1, 0, 10, 99, 5), []string{"abcde", "fghij"}}, // out of range ignored
		{At(0, 10), []string{"abcdefghij"}},                // nothing in range: whole
		{At(1, 9), []string{"a", "bcdefghi", "j"}},         // first and last split point
	}
	for _, tt := range tests {
		t.Run(tt.seg.Name, func(t *testing.T) {
			var got []string
			for _, c := range tt.seg.Chunks(b) {
				got = append(got, string(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Chunks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChunksDoNotAlias(t *testing.T) {
	// Chunks are capped sub-slices: appending to one must not clobber the next.
	b := payload(6)
	chunks := At(3).Chunks(b)
	_ = append(chunks[0], 'X')
	if string(b) != "abcdef" {
		t.Fatalf("append to a chunk changed the payload: %q", b)
	}
}

func TestAtCopiesOffsets(t *testing.T) {
	offs := []int{2, 4}
	seg := At(offs...)
	offs[0] = 5
	got := len(seg.Chunks(payload(10)))
	if got != 3 {
		t.Fatalf("At kept the caller's slice: %d chunks, want 3", got)
	}
	if seg.Name != "at(2,4)" {
		t.Errorf("Name = %q, want at(2,4)", seg.Name)
	}
}

func TestRandom(t *testing.T) {
	if got := Random(42).Name; got != "random(seed=42)" {
		t.Errorf("Name = %q, want random(seed=42)", got)
	}
	b := payload(1000)
	distinct := map[string]bool{}
	for seed := range int64(50) {
		seg := Random(seed)
		chunks := seg.Chunks(b)
		checkChunks(t, seg, b, chunks)
		// 1..DefaultRandomMaxSplits split points give 2..max+1 chunks.
		if n := len(chunks); n < 2 || n > DefaultRandomMaxSplits+1 {
			t.Errorf("%s: %d chunks, want 2..%d", seg.Name, n, DefaultRandomMaxSplits+1)
		}
		// Reproducible from the seed alone: a fresh value cuts the same way.
		if again := Random(seed).Chunks(b); !slices.EqualFunc(chunks, again, bytes.Equal) {
			t.Errorf("%s is not reproducible", seg.Name)
		}
		distinct[fmt.Sprint(lens(chunks))] = true
	}
	if len(distinct) < 40 {
		t.Errorf("50 seeds gave only %d distinct cuts", len(distinct))
	}

	// Two bytes have a single possible split point: Random must use it.
	if got := len(Random(3).Chunks([]byte("ab"))); got != 2 {
		t.Errorf("Random on 2 bytes: %d chunks, want 2", got)
	}
	// Without a cap every split count up to n-1 is reachable.
	most := 0
	for seed := range int64(200) {
		most = max(most, len(RandomUpTo(seed, 0).Chunks(payload(8))))
	}
	if most != 8 {
		t.Errorf("uncapped Random on 8 bytes: at most %d chunks in 200 seeds, want 8", most)
	}
	if got := len(RandomUpTo(9, 3).Chunks(b)); got > 4 {
		t.Errorf("RandomUpTo(9, 3): %d chunks, want <= 4", got)
	}
}

// TestRandomGolden pins the cut for one seed, so a change to the generator
// (which would make printed seeds useless) is noticed.
func TestRandomGolden(t *testing.T) {
	got := lens(Random(42).Chunks(payload(40)))
	want := goldenRandom42
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Random(42) on 40 bytes changed (-want +got):\n%s", diff)
	}
}

var goldenRandom42 = []int{1, 7, 2, 1, 3, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2}

func lens(chunks [][]byte) []int {
	var ns []int
	for _, c := range chunks {
		ns = append(ns, len(c))
	}
	return ns
}

func TestWithPause(t *testing.T) {
	base := Bytewise()
	p := base.WithPause(5 * time.Millisecond)
	if p.Pause != 5*time.Millisecond || p.Name != "bytewise+pause(5ms)" {
		t.Errorf("WithPause = {%q, %s}", p.Name, p.Pause)
	}
	if base.Pause != 0 || base.Name != "bytewise" {
		t.Errorf("WithPause changed its receiver: {%q, %s}", base.Name, base.Pause)
	}
	if got := len(p.Chunks(payload(5))); got != 5 {
		t.Errorf("paused bytewise: %d chunks, want 5", got)
	}
}

func BenchmarkChunks(b *testing.B) {
	body := payload(4096)
	for _, seg := range []Segmentation{Whole(), Random(42), Bytewise()} {
		b.Run(seg.Name, func(b *testing.B) {
			for b.Loop() {
				seg.Chunks(body)
			}
		})
	}
}

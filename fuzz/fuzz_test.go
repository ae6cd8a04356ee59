package fuzz

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
)

func testCorpus(t *testing.T) [][]byte {
	t.Helper()
	cases, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	c := Corpus(cases)
	if len(c) < 100 {
		t.Fatalf("corpus has %d inputs; the fixtures have hundreds", len(c))
	}
	return c
}

// Input i is a function of the seed and i only: two generators agree, in
// any order of asking, and another seed gives other inputs.
func TestGeneratorDeterministic(t *testing.T) {
	corpus := testCorpus(t)
	a, b, other := NewGenerator(7, corpus), NewGenerator(7, corpus), NewGenerator(8, corpus)
	same := 0
	for i := 199; i >= 0; i-- {
		x := a.Input(i)
		if y := b.Input(i); !bytes.Equal(x, y) {
			t.Fatalf("input %d differs between two generators of seed 7", i)
		}
		if !bytes.Equal(x, a.Input(i)) {
			t.Fatalf("input %d differs when asked twice", i)
		}
		if bytes.Equal(x, other.Input(i)) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("seeds 7 and 8 agree on %d of 200 inputs", same)
	}
}

// The grammar reaches what it is for: pipelining, both framings, chunk
// lines, odd line ends; and no input is over the cap.
func TestGeneratorCoverage(t *testing.T) {
	g := NewGenerator(1, nil)
	seen := map[string]int{}
	for i := 0; i < 2000; i++ {
		in := g.Input(i)
		if len(in) > maxInput {
			t.Fatalf("input %d has %d bytes", i, len(in))
		}
		s := string(in)
		for _, want := range []string{"Content-Length", "chunked", "\r\n0\r\n", "HTTP/1.0", "\nX-A: a\r\n b"} {
			if strings.Contains(s, want) {
				seen[want]++
			}
		}
		if strings.Count(s, " HTTP/1.") > 1 {
			seen["pipelined"]++
		}
	}
	for _, want := range []string{"Content-Length", "chunked", "\r\n0\r\n", "HTTP/1.0", "pipelined", "\nX-A: a\r\n b"} {
		if seen[want] == 0 {
			t.Errorf("2000 inputs have no %q", want)
		}
	}
}

// ddmin finds a 1-minimal input: here the two bytes that matter, and the
// lines pass first keeps whole lines it cannot drop.
func TestMinimise(t *testing.T) {
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\nX-Bad: \x00\r\nCookie: c\r\n\r\n")
	runs := 0
	keep := func(b []byte) bool {
		runs++
		return bytes.Contains(b, []byte("\x00")) && bytes.HasPrefix(b, []byte("G"))
	}
	got := Minimise(in, keep, 1000)
	if string(got) != "G\x00" {
		t.Fatalf("minimised to %q", got)
	}
	if again := Minimise(in, keep, 1000); !bytes.Equal(again, got) {
		t.Fatalf("a second minimisation gave %q", again)
	}
	// The budget bounds the runs; what it returns still keeps the property.
	runs = 0
	small := Minimise(in, keep, 5)
	if runs > 5 || !keep(small) {
		t.Fatalf("budget 5: %d runs, result %q", runs, small)
	}
}

func TestSignature(t *testing.T) {
	clientError := func(code, msg string) trace.Entry {
		return trace.Entry{O: "server", Ev: "clientError", Args: []any{map[string]any{"$error": map[string]any{"code": code, "message": msg}}}}
	}
	a := &trace.Trace{Events: []trace.Entry{clientError("HPE_X", "Parse Error: x")}, Wire: &trace.Wire{End: "eof"}}
	b := &trace.Trace{Events: []trace.Entry{clientError("HPE_Y", "Parse Error: y")}, Wire: &trace.Wire{End: "eof"}}
	if s := Signature(a, a); s != "" {
		t.Fatalf("a trace disagrees with itself: %s", s)
	}
	s := Signature(a, b)
	for _, want := range []string{"lanes server", "ref event clientError (HPE_X)", "target event clientError (HPE_Y)", "status ref none"} {
		if !strings.Contains(s, want) {
			t.Errorf("signature %q lacks %q", s, want)
		}
	}
	// One code, two reasons: the messages tell them apart.
	c := &trace.Trace{Events: []trace.Entry{clientError("HPE_X", "Parse Error: other")}, Wire: &trace.Wire{End: "eof"}}
	if s := Signature(a, c); !strings.Contains(s, `HPE_X "Parse Error: x"`) || !strings.Contains(s, `HPE_X "Parse Error: other"`) {
		t.Errorf("same code, other message: %s", s)
	}
	// The request's number is not part of it.
	r1 := &trace.Trace{Events: []trace.Entry{{O: "req1", Read: "method", Value: "GET", HasValue: true}}}
	r1b := &trace.Trace{Events: []trace.Entry{{O: "req1", Read: "method", Value: "PUT", HasValue: true}}}
	r2 := &trace.Trace{Events: []trace.Entry{{O: "req2", Read: "method", Value: "GET", HasValue: true}}}
	r2b := &trace.Trace{Events: []trace.Entry{{O: "req2", Read: "method", Value: "PUT", HasValue: true}}}
	if Signature(r1, r1b) != Signature(r2, r2b) {
		t.Errorf("req1 and req2 give different signatures: %s / %s", Signature(r1, r1b), Signature(r2, r2b))
	}
}

// A draft is a fixture the loader takes (the reviewer's starting point).
func TestDraftLoads(t *testing.T) {
	exp := &trace.Trace{Events: []trace.Entry{
		{O: "server", Ev: "request", Args: []any{map[string]any{"$ref": "req1"}, map[string]any{"$ref": "res1"}}},
		{O: "req1", Read: "method", Value: "GET", HasValue: true},
		{O: "req1", Ev: "end"},
	}, Wire: &trace.Wire{Received: []byte("HTTP/1.1 200 OK\r\nDate: x\r\n\r\n"), End: "eof"}}
	act := &trace.Trace{Events: []trace.Entry{
		{O: "server", Ev: "clientError", Args: []any{map[string]any{"$error": map[string]any{"code": "HPE_X", "message": "it's \"bad\""}}, map[string]any{"$ref": "sock1"}}},
	}, Wire: &trace.Wire{End: "eof"}}
	f := &Finding{Signature: Signature(exp, act), Count: 3, Minimal: []byte("GET / HTTP/1.1\r\n\x00\xff'\r\n\r\n"),
		Outcome: Outcome{Expected: exp, Actual: act}}
	rep := &Report{Target: "node20", Profile: "latest", Seed: 1}
	text := Draft(rep, f, "node@20")
	c, errs := fixtures.Parse(DraftID("node20", f)+".yaml", text)
	if len(errs) > 0 {
		t.Fatalf("the draft does not load: %v\n%s", errs, text)
	}
	if !bytes.Equal(c.Wire.Bytes, f.Minimal) || len(c.Divergences) != 1 || c.Sections[0] != "http/Server/event.clientError" {
		t.Fatalf("draft reads back as %q, %d divergences, sections %v", c.Wire.Bytes, len(c.Divergences), c.Sections)
	}
}

// A split-dependent finding is listed apart in the summary, and its draft,
// which quotes the whole-vs-bytewise diff (non-breaking spaces and all), is
// still a file the loader takes.
func TestSplitDependentReported(t *testing.T) {
	exp := &trace.Trace{Events: []trace.Entry{{O: "server", Ev: "clientError"}}, Wire: &trace.Wire{End: "eof"}}
	act := &trace.Trace{Events: []trace.Entry{{O: "server", Ev: "request"}}, Wire: &trace.Wire{End: "eof"}}
	split := &Finding{Signature: Signature(exp, act), Count: 7, Minimal: []byte("GET /\n\nGET /\n\n"),
		Outcome: Outcome{Expected: exp, Actual: act}, SplitDependent: true,
		SplitDiff: "lane server:\n\u00a0 []string{\n-\t`event request`,\n\u00a0 }"}
	plain := &Finding{Signature: "other", Count: 2, Minimal: []byte("GET / HTTP/1.1\r\n\r\n"), Outcome: Outcome{Expected: exp, Actual: act}}
	rep := &Report{Target: "node20", Profile: "latest", Seed: 1, Findings: []*Finding{split, plain}, Elapsed: 1e9}
	if _, errs := fixtures.Parse(DraftID("node20", split)+".yaml", Draft(rep, split, "node@20")); len(errs) > 0 {
		t.Fatalf("the split-dependent draft does not load: %v", errs)
	}
	sum := string(rep.Summary())
	_, after, ok := strings.Cut(sum, "## Split-dependent findings")
	if !ok || !strings.Contains(after, DraftID("node20", split)) {
		t.Fatalf("the split-dependent finding is not listed under its own heading:\n%s", sum)
	}
	if strings.Contains(after, DraftID("node20", plain)) {
		t.Errorf("a split-invariant finding is listed as split-dependent:\n%s", sum)
	}
	if !strings.Contains(sum, "| split-dependent findings (the target's trace changes when the bytes arrive one by one) | 7 |") ||
		!strings.Contains(sum, "| findings | 2 |") {
		t.Errorf("the counts do not separate the split-dependent inputs:\n%s", sum)
	}
}

// A fixture whose block for the target's release is a ranged one that does
// not reach the newest releases is a known release difference; a plain
// block, or a ranged one that does, is not; nor is anything for Bun.
func TestReleaseDiffers(t *testing.T) {
	src := `id: r
sections: [http/Server/event.clientError]
profiles: [latest]
note: test
program:
  calls:
    - read: http.x
expect:
  - releases: '<22.0.0'
    trace:
      req1: []
  - trace:
      server: []
`
	c, errs := fixtures.Parse("x/r.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		t    oracle.Target
		want bool
	}{
		{oracle.Target{Name: "node20", Runtime: "node", Version: "20.20.2"}, true},
		{oracle.Target{Name: "node22", Runtime: "node", Version: "22.23.3"}, false},
		{oracle.Target{Name: "bun", Runtime: "bun", Version: "26.3.0"}, false},
	} {
		if got := releaseDiffers(c, "latest", tc.t); got != tc.want {
			t.Errorf("%s: releaseDiffers = %v, want %v", tc.t.Name, got, tc.want)
		}
	}
}

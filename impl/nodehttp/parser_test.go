package nodehttp

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type recorder struct{ events []string }

func (r *recorder) onHead(h *Head) error {
	r.events = append(r.events, fmt.Sprintf("head %s %s %d.%d %q", h.Method, h.URL, h.Major, h.Minor, h.Raw))
	return nil
}
func (r *recorder) onBody(b []byte) {
	// adjacent body chunks merge: chunking is not observable
	if n := len(r.events); n > 0 && strings.HasPrefix(r.events[n-1], "body ") {
		r.events[n-1] += string(b)
		return
	}
	r.events = append(r.events, "body "+string(b))
}
func (r *recorder) onComplete(t []string) { r.events = append(r.events, fmt.Sprintf("complete %q", t)) }
func (r *recorder) onMessageBegin()       {}
func (r *recorder) onFlush()              {}
func (r *recorder) onHandOver(rest []byte) {
	r.events = append(r.events, fmt.Sprintf("hand-over %q", rest))
}

func parseSplit(t *testing.T, input string, cuts ...int) ([]string, *ParseError) {
	t.Helper()
	r := &recorder{}
	p := newParser(EraLatest, Profiles["latest"].Methods, 16*1024, r)
	prev := 0
	for _, c := range append(cuts, len(input)) {
		if err := p.Execute([]byte(input[prev:c])); err != nil {
			return r.events, err
		}
		prev = c
	}
	return r.events, nil
}

// The parser must give the same events wherever the input is split: it is
// what makes every server-side case segmentation invariant on ref.
func TestParserSegmentationInvariance(t *testing.T) {
	inputs := []string{
		"GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:  2 \r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\nx-t: 2\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: y\r\n\r\n",
		"BREW / HTTP/1.1\r\n\r\n",
	}
	for _, in := range inputs {
		whole, werr := parseSplit(t, in)
		for cut := 1; cut < len(in); cut++ {
			got, err := parseSplit(t, in, cut)
			if !reflect.DeepEqual(got, whole) || (err == nil) != (werr == nil) {
				t.Fatalf("split at %d of %q:\n got %q (%v)\nwant %q (%v)", cut, in, got, err, whole, werr)
			}
		}
	}
}

func TestParserResults(t *testing.T) {
	ev, err := parseSplit(t, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
	want := []string{`head POST / 1.1 ["Host" "x" "Transfer-Encoding" "chunked"]`, "body abc", `complete ["X-T" "1"]`}
	if err != nil || !reflect.DeepEqual(ev, want) {
		t.Fatalf("got %q %v, want %q", ev, err, want)
	}
	for in, code := range map[string]string{
		"BREW / HTTP/1.1\r\n\r\n":                                           "HPE_INVALID_METHOD",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n":                             "HPE_INVALID_HEADER_TOKEN",
		"GET / HTTP/1.1\r\n folded\r\n\r\n":                                 "HPE_UNEXPECTED_SPACE",
		"GET / HTTX/1.1\r\n\r\n":                                            "HPE_INVALID_CONSTANT",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n": "HPE_UNEXPECTED_CONTENT_LENGTH",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n":       "HPE_INVALID_CHUNK_SIZE",
	} {
		if _, err := parseSplit(t, in); err == nil || err.Code != code {
			t.Errorf("%q: got %v, want %s", in, err, code)
		}
	}
}

func BenchmarkParseChunked(b *testing.B) {
	in := []byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
	r := &recorder{}
	for b.Loop() {
		r.events = r.events[:0]
		p := newParser(EraLatest, Profiles["latest"].Methods, 16*1024, r)
		p.Execute(in)
	}
}

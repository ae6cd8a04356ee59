package fuzz

import (
	"strings"
	"testing"
)

func TestDocRuleShapes(t *testing.T) {
	many := "GET / HTTP/1.1\r\n" + strings.Repeat("x: y\r\n", 1001) + "\r\n"
	cases := []struct {
		match func([]byte) bool
		input string
		want  bool
	}{
		{dupEqualContentLength, "POST /\nContent-Length:10\nContent-Length:10\n\n", true},
		{dupEqualContentLength, "POST /\r\nContent-Length : 5\r\ncontent-length:\t5 \r\n\r\nhello", true},
		{dupEqualContentLength, "POST /\nContent-Length:1\nContent-Length:2\n\n", false},
		{dupEqualContentLength, "GET /\nContent-Length:1\r\nContent-Length:1e", true},
		{dupEqualContentLength, "GET /\nContent-Length:12\r\nContent-Length:1", true},
		{dupEqualContentLength, "GET /\nContent-Length:12\r\nContent-Length:3", false},
		// one in each of two pipelined heads is no duplicate
		{dupEqualContentLength, "POST /\nContent-Length:1\n\nxPOST /\nContent-Length:1\n\nx", false},
		{dupEqualContentLength, "POST /\nContent-Length:\nContent-Length:\n\n", false},
		{connectWithoutHost, "CONNECT 3 HTTP/1.1\r\n\r\nt", true},
		{connectWithoutHost, "GET / HTTP/1.1\r\nHost: a\r\n\r\nCONNECT a:1 HTTP/1.1\r\n\r\n", true},
		{connectWithoutHost, "CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n", false},
		{connectWithoutHost, "GET / HTTP/1.1\r\n\r\n", false},
		{overThousandLines, many, true},
		{func(b []byte) bool { return repeated(b, "server") }, "PATCH /\nServer:\nServer:\ncontent-length:6\r\n\r\n", true},
		{func(b []byte) bool { return repeated(b, "server") }, "GET /\nServer: a\n\nGET /\nServer: b\n\n", false},
		{overThousandLines, "GET / HTTP/1.1\r\nx: y\r\n\r\n", false},
	}
	for _, c := range cases {
		if got := c.match([]byte(c.input)); got != c.want {
			t.Errorf("%q: got %v, want %v", c.input[:min(len(c.input), 60)], got, c.want)
		}
	}
	// A rule applies only to a target whose fixture records the divergence.
	k := &Known{Inputs: map[string]string{"x": "connect-no-host-no-listener"}}
	if r := docRuleFor([]byte("CONNECT 3 HTTP/1.1\r\n\r\n"), k); r == nil || r.Fixture != "connect-no-host-no-listener" {
		t.Errorf("CONNECT without Host: got %+v", r)
	}
	if r := docRuleFor([]byte("POST /\nContent-Length:1\nContent-Length:1\n\n"), k); r != nil {
		t.Errorf("a rule whose fixture is not known for the target applied: %+v", r)
	}
}

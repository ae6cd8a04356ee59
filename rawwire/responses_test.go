package rawwire

import (
	"strings"
	"testing"
)

func TestCountResponses(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"head only", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 0},
		{"length body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1},
		{"two pipelined", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", 2},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 1},
		{"chunked, no last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", 0},
		{"chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n", 1},
		{"chunked, trailers unfinished", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n", 0},
		{"interim then final", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 1},
		{"interim alone", "HTTP/1.1 100 Continue\r\n\r\n", 0},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 1},
		{"close-delimited never counts", "HTTP/1.0 200 OK\r\n\r\nbody", 0},
		{"garbage", "hello\r\n\r\n", 0},
	} {
		if got := CountResponses([]byte(tc.in), nil); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	if !Responses(1, nil)([]byte("HTTP/1.1 204 No Content\r\n\r\n")) || Responses(2, nil)([]byte("HTTP/1.1 204 No Content\r\n\r\n")) {
		t.Error("Responses(n) must hold from n complete responses on")
	}
}

// A response to HEAD announces a length it does not send; the peer knows
// which requests it sent.
func TestCountResponsesToHead(t *testing.T) {
	sent := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /3 HTTP/1.1\r\nContent-Length: 2\r\n\r\nokPUT /4 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
	methods := RequestMethods([]byte(sent))
	if got := strings.Join(methods, ","); got != "GET,HEAD,POST,PUT" {
		t.Fatalf("RequestMethods = %s", got)
	}
	got := "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	if n := CountResponses([]byte(got), methods); n != 3 {
		t.Errorf("with methods: %d responses, want 3", n)
	}
	if n := CountResponses([]byte(got), nil); n != 2 {
		t.Errorf("without methods: %d responses, want 2 (the third response is taken for the HEAD body)", n)
	}
}

func TestCountRequests(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"GET / HTTP/1.1\r\nHost: a\r\n", 0},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1},
		{"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab", 0},
		{"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n", 2},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", 0},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", 1},
	} {
		if got := CountRequests([]byte(tc.in)); got != tc.want {
			t.Errorf("CountRequests(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

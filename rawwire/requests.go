package rawwire

import (
	"bytes"
	"strings"
)

// Requests holds once n complete HTTP/1.x requests have been received: the
// scripted peer of a client-side case waits for the client's request before
// it answers. A request is a head, then a body framed by chunked encoding
// (last coding) or Content-Length; with neither it has no body.
func Requests(n int) func([]byte) bool {
	return func(b []byte) bool { return CountRequests(b) >= n }
}

// CountRequests counts the complete requests at the start of b.
func CountRequests(b []byte) int {
	count := 0
	for {
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 {
			return count
		}
		lines := strings.Split(string(b[:end]), "\r\n")
		if len(strings.Fields(lines[0])) < 2 {
			return count // not a request line
		}
		headers, rest := lines[1:], b[end+4:]
		var ok bool
		switch {
		case isChunked(headers):
			if b, ok = skipChunked(rest); !ok {
				return count
			}
		default:
			cl, _ := contentLength(headers)
			if len(rest) < cl {
				return count
			}
			b = rest[cl:]
		}
		count++
	}
}

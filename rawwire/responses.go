package rawwire

import (
	"bytes"
	"strconv"
	"strings"
)

// Responses holds once n complete final HTTP/1.x responses have been
// received. It lets a keep-alive case end when its exchanges are done rather
// than when a deadline passes.
//
// Framing is read from the bytes alone: a 1xx response is interim and not
// counted; 204 and 304 have no body; otherwise `Transfer-Encoding: chunked`
// (last coding) frames the body in chunks up to the last chunk and its
// trailers, and `Content-Length` gives its length. A response with neither
// ends only at EOF, so it never counts here. methods are the methods of
// the requests the responses answer, in order (RequestMethods): a response
// to HEAD has no body whatever its headers say.
func Responses(n int, methods []string) func([]byte) bool {
	return func(b []byte) bool { return CountResponses(b, methods) >= n }
}

// CountResponses counts the complete final responses at the start of b.
func CountResponses(b []byte, methods []string) int {
	count := 0
	for {
		status, headers, rest, ok := readHead(b)
		if !ok {
			return count
		}
		switch {
		case status >= 100 && status < 200:
			b = rest // interim: the final response follows
			continue
		case status == 204 || status == 304 || count < len(methods) && methods[count] == "HEAD":
			b = rest
		case isChunked(headers):
			if b, ok = skipChunked(rest); !ok {
				return count
			}
		default:
			cl, has := contentLength(headers)
			if !has || len(rest) < cl {
				return count
			}
			b = rest[cl:]
		}
		count++
	}
}

// readHead splits off a status line and header block.
func readHead(b []byte) (status int, headers []string, rest []byte, ok bool) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, nil, nil, false
	}
	lines := strings.Split(string(b[:end]), "\r\n")
	fields := strings.SplitN(lines[0], " ", 3)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return 0, nil, nil, false
	}
	status, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, nil, nil, false
	}
	return status, lines[1:], b[end+4:], true
}

func headerValue(headers []string, name string) (string, bool) {
	for _, h := range headers {
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

func isChunked(headers []string) bool {
	te, ok := headerValue(headers, "transfer-encoding")
	if !ok {
		return false
	}
	codings := strings.Split(te, ",")
	return strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
}

func contentLength(headers []string) (int, bool) {
	v, ok := headerValue(headers, "content-length")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// skipChunked consumes a chunked body: chunks, the last chunk, trailers and
// the blank line that ends them.
func skipChunked(b []byte) ([]byte, bool) {
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			return nil, false
		}
		sizeText, _, _ := strings.Cut(string(b[:i]), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 {
			return nil, false
		}
		b = b[i+2:]
		if size == 0 {
			// Trailer lines, then the blank line.
			for {
				j := bytes.Index(b, []byte("\r\n"))
				if j < 0 {
					return nil, false
				}
				line := b[:j]
				b = b[j+2:]
				if len(line) == 0 {
					return b, true
				}
			}
		}
		if int64(len(b)) < size+2 {
			return nil, false
		}
		b = b[size+2:]
	}
}

// RequestMethods reads the methods of the requests in sent, in order, as far
// as their framing can be followed (Content-Length or chunked bodies). It is
// best effort: bytes it cannot follow end the list.
func RequestMethods(sent []byte) []string {
	var out []string
	b := sent
	for len(b) > 0 {
		b = bytes.TrimLeft(b, "\r\n")
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 {
			return out
		}
		lines := strings.Split(string(b[:end]), "\r\n")
		method, _, _ := strings.Cut(lines[0], " ")
		out = append(out, method)
		rest := b[end+4:]
		switch {
		case isChunked(lines[1:]):
			var ok bool
			if rest, ok = skipChunked(rest); !ok {
				return out
			}
		default:
			if cl, has := contentLength(lines[1:]); has {
				if len(rest) < cl {
					return out
				}
				rest = rest[cl:]
			}
		}
		b = rest
	}
	return out
}

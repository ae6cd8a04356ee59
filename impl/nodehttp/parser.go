package nodehttp

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// ParseError is a request the parser rejects; Code is the name the error
// carries on 'clientError' (the HPE_* names Node's parser reports).
type ParseError struct {
	Code   string
	Reason string
}

func (e *ParseError) Error() string { return "Parse Error: " + e.Reason }

// Head is a parsed request line and header block.
type Head struct {
	Method       string
	URL          string
	Major, Minor int
	Raw          []string // rawHeaders: name, value, name, value ... as received
}

// parserHandler receives what the parser finds, in wire order.
type parserHandler interface {
	onHead(h *Head) error // may refuse (e.g. no Host)
	onBody(b []byte)
	onComplete(rawTrailers []string)
}

// parser is a strict HTTP/1.x request parser. It buffers until a syntactic
// unit (head, chunk-size line, trailer block) is complete and then decides
// on it whole, so its results cannot depend on how the bytes were segmented.
type parser struct {
	methods []string
	maxHead int
	h       parserHandler

	buf   []byte
	state int // stateHead, stateBody, stateChunkSize, stateChunkData, stateChunkEnd, stateTrailers, stateError
	left  int64
	err   *ParseError
}

const (
	stateHead = iota
	stateBody
	stateChunkSize
	stateChunkData
	stateChunkEnd
	stateTrailers
	stateError
)

func newParser(methods []string, maxHead int, h parserHandler) *parser {
	return &parser{methods: methods, maxHead: maxHead, h: h}
}

// Execute consumes b; it returns the first error (and then refuses all input).
func (p *parser) Execute(b []byte) *ParseError {
	if p.err != nil {
		return p.err
	}
	p.buf = append(p.buf, b...)
	for p.err == nil && p.step() {
	}
	return p.err
}

func (p *parser) fail(code, reason string) bool {
	p.err = &ParseError{Code: code, Reason: reason}
	p.state = stateError
	return false
}

// step makes one unit of progress; false when it needs more bytes.
func (p *parser) step() bool {
	switch p.state {
	case stateHead:
		end := bytes.Index(p.buf, []byte("\r\n\r\n"))
		if end < 0 {
			if len(p.buf) > p.maxHead {
				return p.fail("HPE_HEADER_OVERFLOW", "Header overflow")
			}
			return false
		}
		if end+4 > p.maxHead {
			return p.fail("HPE_HEADER_OVERFLOW", "Header overflow")
		}
		head := string(p.buf[:end])
		p.buf = p.buf[end+4:]
		return p.head(head)
	case stateBody:
		return p.body(func() { p.complete(nil) })
	case stateChunkSize:
		i := bytes.Index(p.buf, []byte("\r\n"))
		if i < 0 {
			return false
		}
		line := string(p.take(i + 2)[:i])
		sizeText, _, _ := strings.Cut(line, ";") // chunk extensions are allowed and ignored
		size, err := strconv.ParseInt(strings.TrimRight(sizeText, " \t"), 16, 64)
		if err != nil || size < 0 || sizeText == "" {
			return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size")
		}
		if size == 0 {
			p.state = stateTrailers
		} else {
			p.left, p.state = size, stateChunkData
		}
		return true
	case stateChunkData:
		return p.body(func() { p.state = stateChunkEnd })
	case stateChunkEnd:
		if len(p.buf) < 2 {
			return false
		}
		if !bytes.Equal(p.take(2), []byte("\r\n")) {
			return p.fail("HPE_STRICT", "Expected CRLF after chunk")
		}
		p.state = stateChunkSize
		return true
	case stateTrailers:
		if bytes.HasPrefix(p.buf, []byte("\r\n")) {
			p.take(2)
			p.complete([]string{})
			return true
		}
		end := bytes.Index(p.buf, []byte("\r\n\r\n"))
		if end < 0 {
			return false
		}
		block := string(p.take(end + 4)[:end])
		raw, ok := p.fields(strings.Split(block, "\r\n"))
		if !ok {
			return false
		}
		p.complete(raw)
		return true
	}
	return false
}

// body passes on what is buffered of the p.left body bytes still due (a
// Content-Length body or one chunk's data) and calls done when none are left.
func (p *parser) body(done func()) bool {
	if len(p.buf) == 0 {
		return false
	}
	n := min(int64(len(p.buf)), p.left)
	p.h.onBody(p.take(int(n)))
	p.left -= n
	if p.left == 0 {
		done()
	}
	return true
}

func (p *parser) take(n int) []byte {
	out := append([]byte(nil), p.buf[:n]...)
	p.buf = p.buf[n:]
	return out
}

func (p *parser) complete(rawTrailers []string) {
	p.state = stateHead
	p.h.onComplete(rawTrailers)
}

// head parses the request line and headers, then picks the body framing.
func (p *parser) head(text string) bool {
	lines := strings.Split(text, "\r\n")
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 {
		return p.fail("HPE_INVALID_METHOD", "Invalid method encountered")
	}
	method, target, version := parts[0], parts[1], parts[2]
	if !slices.Contains(p.methods, method) {
		return p.fail("HPE_INVALID_METHOD", "Invalid method encountered")
	}
	if target == "" {
		return p.fail("HPE_INVALID_URL", "Invalid URL")
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= 0x20 || c == 0x7f {
			return p.fail("HPE_INVALID_URL", "Invalid URL")
		}
	}
	if len(version) != 8 || !strings.HasPrefix(version, "HTTP/") || version[6] != '.' ||
		version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9' {
		return p.fail("HPE_INVALID_VERSION", "Invalid HTTP version")
	}
	h := &Head{Method: method, URL: target, Major: int(version[5] - '0'), Minor: int(version[7] - '0')}
	raw, ok := p.fields(lines[1:])
	if !ok {
		return false
	}
	h.Raw = raw

	chunked, length, hasLength := false, int64(0), false
	for i := 0; i < len(raw); i += 2 {
		switch strings.ToLower(raw[i]) {
		case "transfer-encoding":
			codings := strings.Split(strings.ToLower(raw[i+1]), ",")
			chunked = strings.TrimSpace(codings[len(codings)-1]) == "chunked"
		case "content-length":
			n, err := strconv.ParseInt(raw[i+1], 10, 64)
			if err != nil || n < 0 || raw[i+1][0] == '+' {
				return p.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length")
			}
			if hasLength && n != length {
				return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
			}
			length, hasLength = n, true
		}
	}
	if chunked && hasLength {
		return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
	}
	if err := p.h.onHead(h); err != nil {
		return false
	}
	switch {
	case chunked:
		p.state = stateChunkSize
	case length > 0:
		p.state, p.left = stateBody, length
	default:
		p.complete(nil)
	}
	return true
}

// fields parses header (or trailer) lines into name/value pairs. Values lose
// leading and trailing spaces and tabs; names must be tokens.
func (p *parser) fields(lines []string) ([]string, bool) {
	raw := make([]string, 0, 2*len(lines))
	for _, line := range lines {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char") // obsolete line folding
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			return nil, p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		}
		for i := 0; i < len(value); i++ {
			if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
				return nil, p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char")
			}
		}
		// Header bytes become a string one byte per character (latin1), as Node does.
		raw = append(raw, latin1(name), latin1(strings.Trim(value, " \t")))
	}
	return raw, true
}

func latin1(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			r := make([]rune, len(s))
			for j := 0; j < len(s); j++ {
				r[j] = rune(s[j])
			}
			return string(r)
		}
	}
	return s
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

package nodehttp

import (
	"strconv"
	"strings"
)

// responseParser reads the responses on a client's connection byte by
// byte, so the same bytes give the same events however they are split:
// status line, headers, then a body framed by chunked encoding,
// Content-Length, or the connection's end. What it accepts and the HPE_*
// code and reason it fails with are per era; the docs say nothing about
// parsing, so every rule here was observed on Node 6.17.1, 14.14.0 and
// 20-26 (fixtures/http/ClientRequest.event.response/resp-*).
//
// In short: v6 and v14 accept bare LF, obs-fold (joined with a space), a
// space before the colon (kept in the name) and any number of status
// digits; latest refuses each of those, and insecureHTTPParser
// (lenient) lets only the line endings and obs-fold through.
type responseParser struct {
	era     Era
	lenient bool // http.request({insecureHTTPParser: true}), v14 and latest
	maxHead int  // bytes of a head before HPE_HEADER_OVERFLOW
	noBody  bool // a response to HEAD
	connect bool // a response to CONNECT

	state     rpState
	matched   int // bytes of "HTTP/" matched so far
	headBytes int
	head      *responseHead
	digits    int    // status digits read
	line      []byte // the header line being read (name, then value)
	name      string
	inValue   bool
	trailers  bool
	remain    int64 // body bytes still to come (Content-Length, or this chunk)
	sizeSeen  bool  // a hex digit of the chunk size was read
	err       *ParseError
	buffered  []byte // body bytes of this feed, handed out as one event
}

type rpState int

const (
	rpVersion rpState = iota // "HTTP/"
	rpMajor
	rpDot
	rpMinor
	rpSpace // after the version
	rpStatus
	rpReason
	rpStatusLF   // CR after the status line read
	rpLineStart  // a header line (or the blank line) begins
	rpHeader     // inside a header line
	rpHeaderLF   // CR after a header line read
	rpHeadEndLF  // CR of the blank line read
	rpLength     // Content-Length body
	rpClose      // body until the connection ends
	rpChunkSize  // hex digits
	rpChunkExt   // after ';' until CR
	rpChunkLF    // CR after the size read
	rpChunkData  // chunk bytes
	rpChunkCR    // CR after the data expected
	rpChunkEndLF // LF after the data expected
	rpDone       // the response is complete; later bytes are ignored
	rpError
)

func newResponseParser(era Era, head bool, maxHead int, lenient bool) *responseParser {
	return &responseParser{era: era, noBody: head, maxHead: maxHead, lenient: lenient}
}

// strict: the latest line's parser without insecureHTTPParser.
func (p *responseParser) strict() bool { return p.era == EraLatest && !p.lenient }

func (p *responseParser) by(v6, v14, latest string) string {
	switch p.era {
	case EraV6:
		return v6
	case EraV14:
		return v14
	}
	return latest
}

func (p *responseParser) fail(code, reason string) {
	p.err = &ParseError{Code: code, Reason: reason, Era: p.era}
	p.state = rpError
}

// feed parses b and returns what it found, in order; a parse error is the
// last event (kind "error").
func (p *responseParser) feed(b []byte) []responseEvent {
	var out []responseEvent
	flush := func() {
		if len(p.buffered) > 0 {
			out = append(out, responseEvent{kind: "body", body: p.buffered})
			p.buffered = nil
		}
	}
	for i := 0; i < len(b); i++ {
		if p.state == rpDone || p.state == rpError {
			break
		}
		if p.state < rpLength || p.trailers {
			p.headBytes++
			if p.headBytes > p.maxHead {
				p.fail("HPE_HEADER_OVERFLOW", "Header overflow")
				break
			}
		}
		switch p.state {
		case rpLength:
			n := int64(len(b) - i)
			if n > p.remain {
				n = p.remain
			}
			p.buffered = append(p.buffered, b[i:i+int(n)]...)
			p.remain -= n
			i += int(n) - 1
			if p.remain == 0 {
				flush()
				out = append(out, responseEvent{kind: "complete"})
				p.state = rpDone
			}
		case rpClose:
			p.buffered = append(p.buffered, b[i:]...)
			i = len(b)
		case rpChunkData:
			n := int64(len(b) - i)
			if n > p.remain {
				n = p.remain
			}
			p.buffered = append(p.buffered, b[i:i+int(n)]...)
			p.remain -= n
			i += int(n) - 1
			if p.remain == 0 {
				p.state = rpChunkCR
			}
		default:
			if ev, ok := p.step(b[i]); ok {
				flush()
				if last := &ev[len(ev)-1]; last.handOver != "" {
					// the socket is handed over with what followed the head
					last.body = append([]byte{}, b[i+1:]...)
				}
				out = append(out, ev...)
			}
		}
	}
	flush()
	if p.err != nil {
		out = append(out, responseEvent{kind: "error", err: p.err})
		p.err = nil
	}
	return out
}

// eof: the connection ended; a body read until close is complete.
func (p *responseParser) eof() []responseEvent {
	if p.state == rpClose {
		p.state = rpDone
		return []responseEvent{{kind: "complete"}}
	}
	return nil
}

// step consumes one byte of the head, the chunk framing or the trailers;
// ok is true when it produced events.
func (p *responseParser) step(c byte) ([]responseEvent, bool) {
	switch p.state {
	case rpVersion:
		if c != "HTTP/"[p.matched] {
			p.fail("HPE_INVALID_CONSTANT", p.by("", "Expected HTTP/", "Expected HTTP/, RTSP/ or ICE/"))
			return nil, false
		}
		if p.matched++; p.matched == len("HTTP/") {
			p.head = &responseHead{}
			p.state = rpMajor
		}
	case rpMajor:
		if c < '0' || c > '9' {
			p.fail("HPE_INVALID_VERSION", "Invalid major version")
			return nil, false
		}
		p.head.major, p.state = int(c-'0'), rpDot
	case rpDot:
		if c != '.' {
			p.fail("HPE_INVALID_VERSION", "Expected dot")
			return nil, false
		}
		p.state = rpMinor
	case rpMinor:
		if c < '0' || c > '9' {
			p.fail("HPE_INVALID_VERSION", "Invalid minor version")
			return nil, false
		}
		p.head.minor, p.state = int(c-'0'), rpSpace
	case rpSpace:
		if c != ' ' {
			p.fail("HPE_INVALID_VERSION", "Expected space after version")
			return nil, false
		}
		p.state = rpStatus
	case rpStatus:
		switch {
		case c >= '0' && c <= '9':
			p.digits++
			p.head.status = p.head.status*10 + int(c-'0')
			if p.digits > 3 {
				// a fourth digit (observed): 14 overflows, 20-26 call the status invalid
				p.fail("HPE_INVALID_STATUS", p.by("", "Response overflow", "Invalid response status"))
			}
		case p.digits == 0 || p.era == EraLatest && p.digits != 3:
			// v6 and v14 take a status of one or two digits (observed).
			p.fail("HPE_INVALID_STATUS", p.by("", "Invalid response status", "Invalid status code"))
		case c == ' ':
			p.state = rpReason
		default:
			return p.endStatusLine(c)
		}
	case rpReason:
		if c == '\r' || c == '\n' {
			return p.endStatusLine(c)
		}
		p.head.reason += string(c)
	case rpStatusLF:
		if c != '\n' {
			p.fail("HPE_STRICT", "Expected LF after CR")
			return nil, false
		}
		p.state = rpLineStart
	case rpLineStart:
		return p.lineStart(c)
	case rpHeader:
		return p.headerByte(c)
	case rpHeaderLF:
		if c != '\n' {
			p.fail("HPE_STRICT", "Expected LF after CR")
			return nil, false
		}
		p.state = rpLineStart
	case rpHeadEndLF:
		if c != '\n' {
			p.fail("HPE_STRICT", "Expected LF after headers")
			return nil, false
		}
		return p.headEnd()
	case rpChunkSize:
		if v, ok := isHex(c); ok {
			p.remain, p.sizeSeen = p.remain*16+int64(v), true
			if p.remain > 1<<40 {
				// Node 6 names it a bad content length (observed)
				p.fail(p.by("HPE_INVALID_CONTENT_LENGTH", "HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE"), "Chunk size overflow")
			}
			return nil, false
		}
		switch {
		case !p.sizeSeen:
			p.fail("HPE_INVALID_CHUNK_SIZE", p.by("", "Invalid character in chunk size", "Invalid character in chunk size"))
		case c == ';':
			p.state = rpChunkExt
		case c == '\r':
			p.state = rpChunkLF
		case c == '\n' && !p.strict():
			return p.chunkSizeDone()
		default:
			p.fail("HPE_INVALID_CHUNK_SIZE", p.by("", "Invalid character in chunk size", "Invalid character in chunk size"))
		}
	case rpChunkExt:
		if c == '\r' {
			p.state = rpChunkLF
		} else if c == '\n' && !p.strict() {
			return p.chunkSizeDone()
		}
	case rpChunkLF:
		if c != '\n' {
			p.fail(p.by("HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE", "HPE_STRICT"), p.by("", "Invalid character in chunk size", "Expected LF after chunk size"))
			return nil, false
		}
		return p.chunkSizeDone()
	case rpChunkCR:
		switch {
		case c == '\r':
			p.state = rpChunkEndLF
		case c == '\n' && !p.strict():
			p.startChunk()
		default:
			// Observed: 14 words it as a bad size, 20-26 as a strict LF.
			p.fail(p.by("HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE", "HPE_STRICT"), p.by("", "Invalid character in chunk size", "Expected LF after chunk data"))
		}
	case rpChunkEndLF:
		if c != '\n' {
			p.fail(p.by("HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE", "HPE_STRICT"), p.by("", "Invalid character in chunk size", "Expected LF after chunk data"))
			return nil, false
		}
		p.startChunk()
	}
	return nil, false
}

func (p *responseParser) endStatusLine(c byte) ([]responseEvent, bool) {
	switch {
	case c == '\r':
		p.state = rpStatusLF
	case c == '\n' && p.strict():
		p.fail("HPE_CR_EXPECTED", "Missing expected CR after response line")
	case c == '\n':
		p.state = rpLineStart
	default:
		p.fail("HPE_INVALID_STATUS", p.by("", "Invalid response status", "Invalid status code"))
	}
	return nil, false
}

// lineStart: the first byte of a header line, or of the blank line.
func (p *responseParser) lineStart(c byte) ([]responseEvent, bool) {
	switch {
	case c == '\r':
		p.finishHeader()
		if p.err != nil {
			return nil, false
		}
		p.state = rpHeadEndLF
		return nil, false
	case c == '\n':
		p.finishHeader()
		if p.err != nil {
			return nil, false
		}
		if p.strict() {
			p.fail("HPE_CR_EXPECTED", "Missing expected CR after header value")
			return nil, false
		}
		return p.headEnd()
	case c == ' ' || c == '\t':
		// obs-fold: the line continues the previous header's value.
		if p.name == "" && !p.inValue {
			p.fail("HPE_INVALID_HEADER_TOKEN", p.by("", "Invalid header field char", "Unexpected space after start line"))
			return nil, false
		}
		if p.strict() {
			p.fail("HPE_INVALID_HEADER_TOKEN", "Unexpected whitespace after header value")
			return nil, false
		}
		p.line = append(p.line, ' ')
		p.state = rpHeader
		return nil, false
	}
	p.finishHeader()
	if p.err != nil {
		return nil, false
	}
	p.inValue = false
	if c == ':' && p.era != EraV14 {
		// an empty name: 14 keeps it as "" (observed), 6 and 20-26 refuse it
		p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		return nil, false
	}
	p.state = rpHeader
	return p.headerByte(c)
}

// headerByte: a byte of a header's name or value.
func (p *responseParser) headerByte(c byte) ([]responseEvent, bool) {
	if !p.inValue {
		switch {
		case c == ':':
			p.name, p.line, p.inValue = string(p.line), nil, true
		case isTokenChar(c):
			p.line = append(p.line, c)
		case c == ' ' && p.era != EraLatest:
			// 6 and 14 keep a space before the colon in the name.
			p.line = append(p.line, c)
		default:
			p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		}
		return nil, false
	}
	switch {
	case c == '\r':
		p.state = rpHeaderLF
	case c == '\n':
		if p.strict() {
			p.fail("HPE_CR_EXPECTED", "Missing expected CR after header value")
			return nil, false
		}
		p.state = rpLineStart
	case (c < 0x20 && c != '\t' || c == 0x7f) && !p.lenient:
		p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char")
	default:
		p.line = append(p.line, c)
	}
	return nil, false
}

// finishHeader adds the header read so far (its value complete once the
// next line does not fold into it).
func (p *responseParser) finishHeader() {
	if !p.inValue {
		return
	}
	value := strings.Trim(string(p.line), " \t")
	if p.era == EraV6 {
		// Node 6 keeps the spaces after a value (observed)
		value = strings.TrimLeft(string(p.line), " \t")
	}
	if p.trailers {
		p.head.trailers = append(p.head.trailers, p.name, value)
	} else {
		p.head.raw = append(p.head.raw, p.name, value)
	}
	p.name, p.line, p.inValue = "", nil, false
}

// headEnd: the blank line after the head (or the trailers) arrived.
func (p *responseParser) headEnd() ([]responseEvent, bool) {
	if p.trailers {
		p.state = rpDone
		return []responseEvent{{kind: "complete"}}, true
	}
	h := p.head
	if h.status >= 100 && h.status < 200 && h.status != 101 {
		// interim: the final response follows on the same connection
		*p = responseParser{era: p.era, lenient: p.lenient, maxHead: p.maxHead, noBody: p.noBody, connect: p.connect}
		return []responseEvent{{kind: "info", head: h}}, true
	}
	if h.status == 101 || p.connect && h.status >= 200 && h.status < 300 {
		p.state = rpDone
		ev := responseEvent{kind: "head", head: h, handOver: "upgrade"}
		if h.status != 101 {
			ev.handOver = "connect"
		}
		return []responseEvent{ev}, true
	}
	length, chunked, ok := p.framing()
	if !ok {
		return nil, false
	}
	out := []responseEvent{{kind: "head", head: h}}
	// A response without a body: to HEAD, 1xx, 204, 304. With a
	// Content-Length or chunked, 6 still reads a body of 204 and 304, and
	// 14 of 204 (observed: the response is aborted when the connection ends).
	bodyless := p.noBody || h.status == 204 || h.status == 304
	if (length >= 0 || chunked) && !p.noBody {
		switch {
		case p.era == EraV6 && (h.status == 204 || h.status == 304),
			p.era == EraV14 && h.status == 204:
			bodyless = false
		}
	}
	switch {
	case bodyless:
		p.state = rpDone
		return append(out, responseEvent{kind: "complete"}), true
	case chunked:
		p.startChunk()
	case length == 0:
		p.state = rpDone
		return append(out, responseEvent{kind: "complete"}), true
	case length > 0:
		p.state, p.remain = rpLength, length
	default:
		p.state = rpClose
	}
	return out, true
}

// framing reads Content-Length and Transfer-Encoding in the order they
// came: a bad or repeated length, or both headers, fail the response (the
// code and wording depend on the era and on which header came second).
func (p *responseParser) framing() (length int64, chunked, ok bool) {
	length = -1
	teSeen := false
	raw := p.head.raw
	for i := 0; i+1 < len(raw); i += 2 {
		switch strings.ToLower(raw[i]) {
		case "content-length":
			v := raw[i+1]
			if v == "" || strings.Trim(v, "0123456789") != "" {
				p.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length")
				return 0, false, false
			}
			if length >= 0 {
				p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
				return 0, false, false
			}
			if teSeen {
				p.fail(p.by("HPE_UNEXPECTED_CONTENT_LENGTH", "HPE_UNEXPECTED_CONTENT_LENGTH", "HPE_INVALID_CONTENT_LENGTH"), "Content-Length can't be present with Transfer-Encoding")
				return 0, false, false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow")
				return 0, false, false
			}
			length = n
		case "transfer-encoding":
			if length >= 0 {
				if p.era == EraLatest {
					p.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length")
				} else {
					p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
				}
				return 0, false, false
			}
			teSeen = true
			codings := strings.Split(strings.ToLower(raw[i+1]), ",")
			chunked = strings.TrimSpace(codings[len(codings)-1]) == "chunked"
			if p.era == EraV6 {
				// Node 6 frames chunked only when that is the whole value (observed)
				chunked = strings.EqualFold(strings.TrimSpace(raw[i+1]), "chunked")
			}
		}
	}
	return length, chunked, true
}

func (p *responseParser) startChunk() {
	p.state, p.remain, p.sizeSeen = rpChunkSize, 0, false
}

// chunkSizeDone: a chunk's size line ended; the last chunk leads to the
// trailers.
func (p *responseParser) chunkSizeDone() ([]responseEvent, bool) {
	if p.remain == 0 {
		p.trailers, p.headBytes, p.inValue = true, 0, false
		p.state = rpLineStart
		return nil, false
	}
	p.state = rpChunkData
	return nil, false
}

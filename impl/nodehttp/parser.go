package nodehttp

import (
	"bytes"
	"math"
	"slices"
	"strings"
)

// ParseError is a request the parser rejects. Code is the name the error
// carries on 'clientError' (the HPE_* names Node's parsers report) and
// Reason the text after "Parse Error: " (Node 6 gives no reason).
//
// BytesParsed and RawPacket are what Node attaches to the error
// (http/Server/event.clientError): the offset of the offending byte inside
// the chunk being parsed, and that chunk. Both depend on how the bytes
// arrived, which is why a case that reads them runs unsplit only.
type ParseError struct {
	Code        string
	Reason      string
	Era         Era
	BytesParsed int
	RawPacket   []byte
}

func (e *ParseError) Error() string {
	if e.Era == EraV6 || e.Reason == "" {
		return "Parse Error" // Node 6's parse errors carry no reason
	}
	return "Parse Error: " + e.Reason
}

// Era is which generation of Node's request parser a profile behaves like.
// The docs say almost nothing about parsing, so everything that differs by
// era here was observed on the releases (node 6.17.1, 14.14.0, 20-26).
type Era int

const (
	EraV6     Era = iota // Node 6: lenient, terse errors
	EraV14               // Node 14: lenient line endings and names, stricter framing
	EraLatest            // Node 20-26: strict everywhere
)

// Head is a parsed request line and header block.
type Head struct {
	Method       string
	URL          string
	Major, Minor int
	Raw          []string // rawHeaders: name, value, name, value ... as received
	// ConnClose, ConnKeepAlive: a Connection line listed close or
	// keep-alive, read by the parser from each value as its bytes came:
	// Node 6 and 14 keep no token followed by a tab (hasToken), a tab the
	// stored (trimmed) value no longer shows. Node 14 also reads close on
	// one physical line of a folded value ("close\r\n x", "x\r\n close"),
	// although the joined value lists no such token (observed,
	// conn-close-fold-*; found by nodespec-fuzz on node14).
	ConnClose, ConnKeepAlive bool
}

// parserHandler receives what the parser finds, in wire order.
type parserHandler interface {
	onMessageBegin()      // the first byte of a request
	onHead(h *Head) error // may refuse (e.g. no Host), or stop for a hand-over (errHandOver...)
	onBody(b []byte)
	onComplete(rawTrailers []string)
	// onHandOver runs when the parser stopped for an upgrade or CONNECT:
	// rest is what followed the message in the chunk being parsed.
	onHandOver(rest []byte)
	// onFlush runs when Node hands a batch of header fields to JavaScript
	// before the head is complete (fieldStart).
	onFlush()
}

// What onHead may return besides a refusal: the connection is handed over
// (CONNECT, upgrade) and the parser reads no further, either at once
// (the rest of the chunk, body included, is the head) or once the
// message's body is complete.
var (
	errHandOverNow       = &ParseError{Code: "hand-over"}
	errHandOverAfterBody = &ParseError{Code: "hand-over-after-body"}
	// errDropRestAfterBody: an upgrade nobody listens to is served as an
	// ordinary request, but what followed it in the same chunk is dropped
	// (observed on Node 14-26; a later chunk is parsed again).
	errDropRestAfterBody = &ParseError{Code: "drop-rest-after-body"}
)

type pstate int

const (
	sStart pstate = iota
	sMethod
	sURLStart
	sURL
	sVersion
	sMajor
	sDot
	sMinor
	sVersionEnd
	sReqLineLF
	sPreface   // latest: the rest of the HTTP/2 preface after a PRI request line
	sLineStart // start of a header (or trailer) line
	sName
	sValueStart
	sValue
	sValueLF
	sHeadEndLF
	sBody
	sChunkSize
	sChunkSizeWS
	sChunkExt
	// latest, strict: the chunk extension grammar (chunkExt1)
	sChunkExtName
	sChunkExtValueStart
	sChunkExtValue
	sChunkExtQuoted
	sChunkExtAfterQuote
	sChunkSizeLF
	sChunkData
	sChunkDataCR
	sChunkDataLF
	sBodyEOF // lenient: a body that runs to the end of the input
	sClosed  // latest: after a message that closes the connection
	sError
)

// parser is an HTTP/1.x request parser that reads byte by byte, so it
// rejects a request at the offending byte, whatever else is still to come,
// and its results do not depend on how the bytes were segmented, but for
// BytesParsed (which Node counts per chunk) and, on v6, a control byte in
// a header value, which Node 6 looks at or not by where its read starts
// (v6Looked).
type parser struct {
	era      Era
	methods  []string // complete methods the era accepts
	prefixes []string // names a method may still grow into
	maxHead  int
	h        parserHandler
	// maxHeaders: header lines a request may have (0: no limit); set per
	// message by the server (latest only).
	maxHeaders int
	// lenient: createServer({insecureHTTPParser: true}) (v14, latest). What
	// it relaxes was observed per line, vector by vector (fixtures under
	// http/createServer, insecure-*); nothing else is assumed.
	lenient bool

	state pstate
	err   *ParseError

	// the message being parsed
	method, url, version []byte
	urlPart              int // the part of the target being read (urlSchema ...)
	urlSlashes           int // the slashes of "://" read so far
	major, minor         int
	name, value          []byte
	raw                  []string
	firstLine            bool // the next header line is the first after the start line
	trailers             bool
	headBytes            int
	clSeen, teSeen       bool
	// emptyFraming: an empty Content-Length or Transfer-Encoding value
	// whose error waits for the next line's first byte, when the value
	// is complete (a blank there would continue it); nil when none.
	emptyFraming *ParseError
	// folded: the line being read continues the previous one (obs-fold);
	// cleared when a line starts anew.
	folded bool
	// valueOf: the framing header whose value is being read ("" for
	// others); a Content-Length value is checked byte by byte (clValue).
	valueOf       string
	clDigits      uint64 // the Content-Length digits read so far on this line
	clState       int    // 0 before a digit, 1 in the digits, 2 in blanks after them
	clText        string // the head's first Content-Length value, to which a duplicate must be equal
	length        uint64
	chunked       bool
	teChunkedSeen bool
	closeAfter    bool // the message asks to close the connection
	left          uint64
	chunkSize     uint64
	chunkDigits   int
	prefaceAt     int  // bytes of h2PrefaceRest matched
	extName       bool // a chunk extension's name has a byte
	rawTrailers   []string
	stopped       bool // the server refused the request and reads no more
	// after the message: hand the connection over, or drop the rest of the chunk
	handOverAfter, dropRestAfter bool
	handedOver, dropRest         bool
	priEnded                     bool // latest: an HTTP/0.9-form PRI request completed in this chunk
	upgradeCut                   bool // the input ended in the body of an upgrade request (Finish)
	fields                       int  // header fields begun since the last flush (fieldStart)
	overflowDue                  int  // the head passed its size limit inside this kind of token (overflowWaits)
	flushed                      bool // fields went to JavaScript before a head was complete, on this connection (endHead)
	// v6 Transfer-Encoding lines: chunkedLine says the line just read set
	// chunked, chunkedBefore what was set before it (a fold undoes it);
	// foldOntoEmpty says the line being read is a fold onto an empty value.
	chunkedLine, chunkedBefore, foldOntoEmpty bool
	// The last header line read, for a fold that continues it: its name
	// (lower case) and its value as the bytes came, untrimmed; physStart
	// is where the physical line being read starts in p.value.
	lastName, lastValue string
	physStart           int
	foldClose           bool     // Node 14: close on one physical line of a folded Connection value (Head.ConnClose)
	connLines           []string // the head's Connection values, untrimmed, lower case (Head.ConnClose)
	clCarry             uint64   // v14: a trailer Content-Length's number, which the next one continues
	// v6Looked: the position in the value's line, how much of chunked a
	// Transfer-Encoding spelled (-1: it stopped), whether the byte after
	// the stop is due, and whether the byte is the first of its read.
	valIdx, teMatch    int
	teAfter, readStart bool
}

func newParser(era Era, methods []string, maxHead int, h parserHandler) *parser {
	known, prefixes := methods, methods
	if era == EraLatest {
		// The HTTP/2 preface method is recognised, then refused (endHead).
		known = append(slices.Clip(methods), "PRI")
		// Node 20+ also take the RTSP method names (observed: "FOO" fails
		// at its second byte, as FLUSH begins with F): an RTSP method goes
		// on to its target, and is refused only if its protocol is HTTP
		// (version1); with RTSP/1.0 or no version at all the request is
		// served (observed, method-rtsp-*; found by nodespec-fuzz).
		known = append(known, rtspMethods...)
		prefixes = known
	}
	return &parser{era: era, methods: known, prefixes: prefixes, maxHead: maxHead, h: h}
}

// Execute consumes b; it returns the first error (and then refuses all input).
func (p *parser) Execute(b []byte) *ParseError {
	if p.err != nil {
		return p.err
	}
	i := 0
	for i < len(b) && p.err == nil && !p.stopped && !p.dropRest {
		p.readStart = i == 0
		n := p.step(b, i)
		if p.err != nil {
			p.err.BytesParsed, p.err.RawPacket = i, append([]byte(nil), b...)
			break
		}
		i += n
	}
	p.dropRest = false
	if p.overflowDue != 0 && p.err == nil && !p.stopped {
		p.fail("HPE_HEADER_OVERFLOW", "Header overflow") // the read ended in the token (overflowWaits)
		p.err.BytesParsed, p.err.RawPacket = i, append([]byte(nil), b...)
	}
	if p.priEnded {
		// Node 20+ destroy the connection once the chunk that completed
		// an HTTP/0.9-form PRI request is parsed, without an error and
		// before the request's 'end' (so an answer given at 'end' never
		// goes out, one given in 'request' does); a parse error later in
		// the same chunk still reaches clientError (observed, rl-pri-*;
		// found by nodespec-fuzz).
		p.priEnded = false
		if p.err == nil {
			p.state, p.stopped, p.handedOver = sError, true, true
		}
	}
	if p.handedOver {
		p.handedOver = false
		p.h.onHandOver(append([]byte(nil), b[i:]...))
	}
	return p.err
}

// Finish is the end of the input (the peer half-closed). A request cut off
// anywhere after its first byte is an error; nothing, or empty lines, or
// the end of a message that closed the connection, is not.
func (p *parser) Finish() *ParseError {
	if p.err != nil || p.stopped {
		return nil
	}
	if p.handOverAfter || p.dropRestAfter {
		// The body of an upgrade request cut off: no parse error; the
		// connection is torn down (upgradeCut) (observed on Node 6-26,
		// upgrade-body-cut-*; found by nodespec-fuzz).
		p.state, p.stopped, p.upgradeCut = sError, true, true
		return nil
	}
	switch p.state {
	case sStart, sClosed:
		return nil
	case sBodyEOF:
		p.complete(nil)
		return nil
	}
	p.fail("HPE_INVALID_EOF_STATE", "") // every release says just "Parse Error" here
	return p.err
}

// inUpgradeBody: the message being parsed is an upgrade request whose body
// is still due (it goes to the listener, or is dropped, once complete).
func (p *parser) inUpgradeBody() bool { return p.handOverAfter || p.dropRestAfter }

// overflowWaits: a head that passed the size limit in this state is
// refused only when the token being read ends, or the read does (Execute):
// Node counts a target, a header name or (Node 14) a value when its span
// ends, so a bad byte before that is refused first (observed, o-series:
// header-overflow-bad-byte-*; found by nodespec-fuzz on node14 and
// node20). Node 6 counts every byte; Node 20+ count a value's bytes as
// they come.
//
// It returns the kind of token that makes the overflow wait (1 target, 2
// name, 3 value), or 0.
func (p *parser) overflowWaits() int {
	switch {
	case (p.state == sURLStart || p.state == sURL) && p.era != EraV6:
		return 1
	case p.state == sName && p.era != EraV6:
		return 2
	case (p.state == sValueStart || p.state == sValue) && p.era == EraV14:
		return 3
	}
	return 0
}

// strict: Node 20+'s parser without insecureHTTPParser.
func (p *parser) strict() bool { return p.era == EraLatest && !p.lenient }

func (p *parser) fail(code, reason string) int {
	p.err = &ParseError{Code: code, Reason: reason, Era: p.era}
	p.state = sError
	return 0
}

// by era: pick the v6, v14 or latest value.
func (p *parser) by(v6, v14, latest string) string {
	switch p.era {
	case EraV6:
		return v6
	case EraV14:
		return v14
	}
	return latest
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isHex(c byte) (uint64, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

// step consumes the byte at b[i] (or a run of body bytes) and returns how
// many bytes it used; on an error it sets p.err.
func (p *parser) step(b []byte, i int) int {
	c := b[i]
	if p.state < sBody { // the head, or trailers (they reuse the header states)
		p.headBytes++
		if p.overflowDue != 0 && p.overflowWaits() != p.overflowDue {
			return p.fail("HPE_HEADER_OVERFLOW", "Header overflow") // the token ended
		}
		if p.headBytes > p.maxHead && p.overflowDue == 0 {
			if p.overflowDue = p.overflowWaits(); p.overflowDue == 0 {
				return p.fail("HPE_HEADER_OVERFLOW", "Header overflow")
			}
		}
	}
	switch p.state {
	case sStart:
		if c == '\r' || c == '\n' {
			p.headBytes = 0
			return 1 // empty lines before a request are skipped (every era)
		}
		p.reset()
		p.h.onMessageBegin()
		p.state = sMethod
		return p.method1(c)
	case sMethod:
		return p.method1(c)
	case sURLStart:
		if c == ' ' {
			return 1 // more spaces before the target are skipped
		}
		p.state = sURL
		return p.url1(c)
	case sURL:
		return p.url1(c)
	case sVersion:
		if c == ' ' && len(p.version) == 0 {
			// more spaces before the version are skipped, as before the
			// target (observed on 6, 14, 20: rl-spaces-before-version;
			// found by nodespec-fuzz)
			return 1
		}
		if c == '\t' && len(p.version) == 0 && p.era == EraLatest {
			// Node 20+ still read a tab there as the target's (observed,
			// rl-tab-before-version; found by nodespec-fuzz)
			return p.fail("HPE_INVALID_URL", "Invalid characters in url")
		}
		return p.version1(c)
	case sMajor:
		if c < '0' || c > '9' {
			return p.fail("HPE_INVALID_VERSION", "Invalid major version")
		}
		p.major, p.state = int(c-'0'), sDot
		return 1
	case sDot:
		if c != '.' {
			return p.fail("HPE_INVALID_VERSION", "Expected dot")
		}
		p.state = sMinor
		return 1
	case sMinor:
		if c < '0' || c > '9' {
			return p.fail("HPE_INVALID_VERSION", "Invalid minor version")
		}
		p.minor, p.state = int(c-'0'), sVersionEnd
		if p.strict() && !slices.Contains([]int{9, 10, 11, 20}, p.major*10+p.minor) {
			return p.fail("HPE_INVALID_VERSION", "Invalid HTTP version")
		}
		if p.era == EraLatest && string(p.method) == "PRI" {
			p.state, p.prefaceAt = sPreface, 0
		}
		return 1
	case sPreface:
		// Node 20+ take nothing after a PRI request line's version but
		// the rest of the HTTP/2 preface, byte for byte, whatever the
		// target and version (observed, rl-pri-*; found by nodespec-fuzz).
		if c != h2PrefaceRest[p.prefaceAt] {
			return p.fail("HPE_INVALID_VERSION", "Expected HTTP/2 Connection Preface")
		}
		if p.prefaceAt++; p.prefaceAt == len(h2PrefaceRest) {
			return p.fail("HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade")
		}
		return 1
	case sVersionEnd:
		switch {
		case c == '\r':
			p.state = sReqLineLF
		case c == '\n' && !p.strict():
			p.startHeaders()
		default:
			return p.fail("HPE_INVALID_VERSION", "Expected CRLF after version")
		}
		return 1
	case sReqLineLF:
		if c != '\n' && len(p.version) == 0 && p.era != EraV6 {
			// The CR ended a target with no version: it is the target's
			// line end that fails (observed on Node 14-26, rl-url-cr-no-lf;
			// found by nodespec-fuzz).
			return p.fail("HPE_INVALID_URL", "Expected CRLF")
		}
		if c != '\n' {
			return p.fail(p.by("HPE_LF_EXPECTED", "HPE_INVALID_VERSION", "HPE_STRICT"), "Expected CRLF after version")
		}
		p.startHeaders()
		return 1
	case sLineStart:
		return p.lineStart(c)
	case sName:
		return p.name1(c)
	case sValueStart:
		if c == ' ' || c == '\t' {
			return 1
		}
		if c == '\n' && p.strict() {
			// A bare LF where the value is still empty: Node 20+ refuse
			// it as a value byte, not as a missing CR (observed,
			// hd-empty-value-*; found by nodespec-fuzz).
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char")
		}
		p.state = sValue
		if p.era == EraV6 && c != '\r' && c != '\n' && p.valueOf != "content-length" {
			p.v6Looked(c) // the first byte: never looked at, but counted
			// Node 6 does not check the first byte of a value: a control
			// byte there is kept, later in the value it is refused
			// (observed, hd-value-first-control, hd-value-nul; found by
			// nodespec-fuzz).
			p.value = append(p.value, c)
			return 1
		}
		return p.value1(c)
	case sValue:
		return p.value1(c)
	case sValueLF:
		if c != '\n' && p.strict() && len(p.value) == 0 {
			// The CR of an empty value is checked as a line end of its
			// own (observed, hd-empty-value-*; found by nodespec-fuzz).
			return p.fail("HPE_STRICT", "Expected LF after CR")
		}
		if c != '\n' && p.era != EraLatest && blankOnly(p.value) {
			// Node 6 and 14 take any byte after the CR of an empty value
			// as its LF (observed, hd-empty-value-cr-any-*; found by
			// nodespec-fuzz); after a value that is not empty they do not.
			return p.endLine()
		}
		if c != '\n' {
			return p.fail("HPE_LF_EXPECTED", "Missing expected LF after header value")
		}
		return p.endLine()
	case sHeadEndLF:
		if c != '\n' && p.era == EraLatest {
			return p.fail("HPE_STRICT", "Expected LF after headers")
		}
		// Node 6 and 14 take any byte after the final CR as its LF.
		p.endHead()
		return 1
	case sBody:
		return p.bodyRun(b[i:], func() { p.complete(nil) })
	case sChunkSize:
		return p.chunkSize1(c)
	case sChunkSizeWS:
		switch c {
		case ' ':
			return 1
		case ';', '\r':
			return p.chunkSize1(c) // after the digits: an extension or the line end
		}
		if p.era != EraLatest {
			// Node 6 and 14 ignore whatever follows a blank after the
			// size up to the line end, digits too ("1 1" is 1: observed,
			// chunk-size-blank-then-text; found by nodespec-fuzz)
			p.state = sChunkExt
			return 1
		}
		return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size")
	case sChunkExt:
		switch c {
		case '\r':
			p.state = sChunkSizeLF
		case '\n':
			if p.era == EraLatest {
				return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension")
			}
			// Node 6 and 14: an LF does not end an extension, only a CR
			// does (observed, chunk-ext-bare-lf-inside; found by
			// nodespec-fuzz).
		}
		return 1
	case sChunkExtName, sChunkExtValueStart, sChunkExtValue, sChunkExtQuoted, sChunkExtAfterQuote:
		return p.chunkExt1(c)
	case sChunkSizeLF:
		if c != '\n' && p.era != EraLatest {
			// Node 6 and 14 take any byte after a chunk size's CR as its
			// LF (observed, chunk-cr-any-*; found by nodespec-fuzz).
			p.chunkLine()
			return 1
		}
		if c != '\n' {
			return p.fail(p.by("HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE", "HPE_STRICT"), p.by("", "Invalid character in chunk size", "Expected LF after chunk size"))
		}
		p.chunkLine()
		return 1
	case sChunkData:
		return p.bodyRun(b[i:], func() { p.state = sChunkDataCR })
	case sChunkDataCR:
		switch {
		case c == '\r':
			p.state = sChunkDataLF
			return 1
		case p.era != EraLatest:
			// Node 6 and 14 take any byte where the CR after chunk data
			// is due as that CR, and the next byte, whatever it is, as its
			// LF ("abcx0\r\n" leaves "\r\n" for the chunk size: refused;
			// "abc\n\n0\r\n" parses) (observed, chunk-data-lf-as-cr,
			// chunk-data-any-as-cr; found by nodespec-fuzz).
			p.state = sChunkDataLF
			return 1
		case c == '\n' && p.lenient:
			p.state, p.chunkSize, p.chunkDigits = sChunkSize, 0, 0
			return 1
		case c == '\n':
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk data")
		}
		return p.fail("HPE_STRICT", "Expected LF after chunk data")
	case sChunkDataLF:
		if c != '\n' && p.era != EraLatest {
			// the same after the CR that ends chunk data (chunk-cr-any-*)
			p.state, p.chunkSize, p.chunkDigits = sChunkSize, 0, 0
			return 1
		}
		if c != '\n' {
			return p.fail(p.by("HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE", "HPE_STRICT"), p.by("", "Invalid character in chunk size", "Expected LF after chunk data"))
		}
		p.state, p.chunkSize, p.chunkDigits = sChunkSize, 0, 0
		return 1
	case sBodyEOF:
		p.h.onBody(append([]byte(nil), b[i:]...))
		return len(b) - i
	case sClosed:
		if c == '\r' || c == '\n' {
			return 1
		}
		return p.fail("HPE_CLOSED_CONNECTION", "Data after `Connection: close`")
	}
	return p.fail("HPE_INTERNAL", "parser in a bad state")
}

// h2PrefaceRest is what follows "PRI * HTTP/2.0" in the HTTP/2 connection
// preface.
const h2PrefaceRest = "\r\n\r\nSM\r\n\r\n"

var rtspMethods = []string{"ANNOUNCE", "DESCRIBE", "FLUSH", "GET_PARAMETER", "PAUSE", "PLAY", "PLAY_NOTIFY",
	"RECORD", "REDIRECT", "SETUP", "SET_PARAMETER", "TEARDOWN"}

// bodyRun passes on as many of the p.left body bytes still due (of a
// Content-Length body or of one chunk) as b holds, and calls done when none
// are left. It returns how many bytes it used.
func (p *parser) bodyRun(b []byte, done func()) int {
	n := int(min(uint64(len(b)), p.left))
	p.h.onBody(append([]byte(nil), b[:n]...))
	p.left -= uint64(n)
	if p.left == 0 {
		done()
	}
	return n
}

func (p *parser) reset() {
	*p = parser{era: p.era, methods: p.methods, prefixes: p.prefixes, maxHead: p.maxHead, h: p.h, headBytes: p.headBytes, lenient: p.lenient, clCarry: p.clCarry, flushed: p.flushed}
}

// method1 takes a byte of the method: it must keep the method a prefix of a
// known one, and a known method must be followed by a space.
func (p *parser) method1(c byte) int {
	known := p.methods
	if c == ' ' {
		if len(p.method) > 0 && slices.Contains(known, string(p.method)) {
			p.state = sURLStart
			return 1
		}
		return p.fail("HPE_INVALID_METHOD", "Invalid method encountered")
	}
	p.method = append(p.method, c)
	for _, m := range p.prefixes {
		if strings.HasPrefix(m, string(p.method)) {
			return 1
		}
	}
	p.method = p.method[:len(p.method)-1]
	if len(p.method) > 0 && slices.Contains(known, string(p.method)) {
		return p.fail("HPE_INVALID_METHOD", "Expected space after method")
	}
	return p.fail("HPE_INVALID_METHOD", "Invalid method encountered")
}

// url1 takes a byte of the request target.
func (p *parser) url1(c byte) int {
	switch c {
	case ' ':
		if !p.urlDone() {
			return 0
		}
		p.state = sVersion
		return 1
	case '\r', '\n':
		// No version: an HTTP/0.9 request line. It has no headers and
		// closes the connection.
		if !p.urlDone() {
			return 0
		}
		// Headers still follow, as with any request line.
		p.major, p.minor = 0, 9
		if c == '\r' {
			p.state = sReqLineLF
			return 1
		}
		p.startHeaders()
		return 1
	}
	switch {
	case c == '\t':
		if p.era == EraLatest && p.urlPart == urlDelim && len(p.url) > 0 && p.url[len(p.url)-1] == '/' {
			// where the second slash of "://" is due (observed on Node
			// 20-26, url-schema-slash-tab; found by nodespec-fuzz)
			return p.fail("HPE_INVALID_URL", "Unexpected char in url schema")
		}
		if p.era == EraLatest {
			return p.fail("HPE_INVALID_URL", "Invalid characters in url")
		}
		if len(p.url) == 0 && string(p.method) != "CONNECT" {
			return p.fail("HPE_INVALID_URL", "Unexpected start char in url")
		}
		switch {
		case len(p.url) == 0 || p.urlPart == urlServer:
			// a server part (all of a CONNECT target) takes no tab on 6
			// and 14 either, where a path does (observed: CONNECT \ta:1,
			// CONNECT a\t:1, http://a\tb/)
			return p.fail("HPE_INVALID_URL", "Unexpected char in url server")
		case p.urlPart == urlSchema || p.urlPart == urlDelim:
			return p.fail("HPE_INVALID_URL", "Unexpected char in url schema")
		}
	case len(p.url) == 0 && string(p.method) != "CONNECT" && !(c == '/' || c == '*' || isLetter(c)):
		// A target is origin (/), asterisk (*) or absolute (a scheme's
		// letters): any other first byte, a digit, a quote, a control or
		// high byte, is refused as such (observed, url-start-*; found by
		// nodespec-fuzz).
		return p.fail("HPE_INVALID_URL", "Unexpected start char in url")
	default:
		if p.urlByte(c) == 0 {
			return 0
		}
	}
	p.url = append(p.url, c)
	return 1
}

// The parts of a request target, as the parser walks it (each has its
// own error): an absolute form's scheme, then "://", then the server
// (authority, the whole of a CONNECT target), then path, query and
// fragment; an origin form starts at its path.
const (
	urlSchema = iota + 1
	urlDelim
	urlServer
	urlPath
	urlQuery
	urlFragment
	urlAsterisk
)

// urlServerBad are the printable bytes no server part takes (observed on
// Node 6, 14 and 20-26: url-server-chars; found by nodespec-fuzz).
const urlServerBad = "\"<>\\^`{|}#"

// urlByte checks a byte of the target (not its first blank or line end)
// against the part it is in, and moves to the next part.
func (p *parser) urlByte(c byte) int {
	if len(p.url) == 0 {
		switch {
		case string(p.method) == "CONNECT":
			p.urlPart = urlServer
		case c == '/':
			p.urlPart = urlPath
			return 1
		case c == '*':
			p.urlPart = urlAsterisk
			return 1
		default:
			p.urlPart = urlSchema
			return 1
		}
	}
	ctl := c < 0x20 || c == 0x7f
	high := c >= 0x80
	switch p.urlPart {
	case urlSchema:
		switch {
		case isLetter(c):
		case c == ':':
			p.urlPart, p.urlSlashes = urlDelim, 0
		default:
			// Letters, then neither a letter nor the colon (a digit, a
			// dash, a slash): observed on Node 14-26, url-scheme-*.
			return p.fail("HPE_INVALID_URL", "Unexpected char in url schema")
		}
	case urlDelim:
		if c != '/' {
			return p.fail("HPE_INVALID_URL", "Unexpected char in url schema")
		}
		if p.urlSlashes++; p.urlSlashes == 2 {
			p.urlPart = urlServer
		}
	case urlServer:
		switch {
		case ctl || high || strings.IndexByte(urlServerBad, c) >= 0:
			return p.fail("HPE_INVALID_URL", "Unexpected char in url server")
		case c == '/':
			// a CONNECT target too goes on as a path after a slash
			// (observed on 6, 14 and 20+: CONNECT a/"x is taken;
			// connect-target-slash-path)
			p.urlPart = urlPath
		case c == '?':
			p.urlPart = urlQuery
		}
	case urlPath, urlAsterisk:
		switch {
		case ctl || high && p.era == EraLatest:
			return p.fail("HPE_INVALID_URL", "Invalid char in url path")
		case c == '?':
			p.urlPart = urlQuery
		case c == '#':
			p.urlPart = urlFragment
		}
	case urlQuery:
		switch {
		case ctl || high && p.era == EraLatest:
			return p.fail("HPE_INVALID_URL", "Invalid char in url query")
		case c == '#':
			p.urlPart = urlFragment
		}
	case urlFragment:
		if ctl || high && p.era == EraLatest {
			return p.fail("HPE_INVALID_URL", "Invalid char in url fragment start")
		}
	}
	return 1
}

// urlDone checks a complete target; false when it failed (p.err is set).
func (p *parser) urlDone() bool {
	if len(p.url) == 0 {
		// Only a line end can end an empty target (the spaces after the
		// method are skipped): observed on Node 14-26, url-empty-*. Node
		// 14 and later take it for CONNECT, whose target is a server
		// part: an HTTP/0.9 request with the url "" (connect-target-empty-*;
		// found by nodespec-fuzz).
		if string(p.method) == "CONNECT" && p.era != EraV6 {
			return true
		}
		p.fail("HPE_INVALID_URL", "Invalid characters in url")
		return false
	}
	if p.urlPart == urlDelim && p.url[len(p.url)-1] == ':' {
		// "t: " or "t:\n": the target ends right after its scheme's colon
		// (observed on Node 14-26, url-schema-colon-end-*; found by
		// nodespec-fuzz; Node 6 gives every URL error the same code and
		// message).
		p.fail("HPE_INVALID_URL", "Invalid characters in url")
		return false
	}
	if p.urlPart == urlDelim {
		// "p:/ ": the blank comes where "//" was due (observed on Node
		// 14-26; found by nodespec-fuzz).
		p.fail("HPE_INVALID_URL", "Unexpected char in url schema")
		return false
	}
	if p.urlPart == urlSchema {
		// an absolute target that never reached its "://"
		p.fail("HPE_INVALID_URL", "Invalid characters in url")
		return false
	}
	return true
}

// version1 takes a byte of the protocol name before the version digits.
func (p *parser) version1(c byte) int {
	p.version = append(p.version, c)
	v := string(p.version)
	if v == "HTTP" && p.era == EraLatest && slices.Contains(rtspMethods, string(p.method)) {
		return p.fail("HPE_INVALID_CONSTANT", "Invalid method for HTTP/x.x request")
	}
	names := []string{"HTTP/"}
	switch p.era {
	case EraV14:
		names = append(names, "ICE/")
	case EraLatest:
		names = append(names, "RTSP/", "ICE/")
	}
	if v == "ICE" && p.era == EraLatest && string(p.method) != "SOURCE" {
		// Node 20+ refuse ICE for any method but SOURCE as soon as the
		// name is read, before its slash (observed, rl-ice-not-source;
		// found by nodespec-fuzz)
		return p.fail("HPE_INVALID_CONSTANT", "Expected SOURCE method for ICE/x.x request")
	}
	for _, n := range names {
		if v == n {
			if n == "ICE/" && string(p.method) != "SOURCE" {
				return p.fail("HPE_INVALID_CONSTANT", "Expected SOURCE method for ICE/x.x request")
			}
			p.state = sMajor
			return 1
		}
		if strings.HasPrefix(n, v) {
			return 1
		}
	}
	if p.era == EraV6 && len(v) > 1 && v[0] == 'H' {
		// Node 6 checks only the H of "HTTP/": the next four bytes are
		// taken, whatever they are, and the version digits follow
		// (observed, rl-version-v6-any-*; found by nodespec-fuzz).
		if len(v) == 5 {
			p.state = sMajor
		}
		return 1
	}
	return p.fail("HPE_INVALID_CONSTANT", p.by("", "Expected HTTP/", "Expected HTTP/, RTSP/ or ICE/"))
}

func (p *parser) startHeaders() {
	p.state, p.firstLine = sLineStart, true
}

// lineStart takes the first byte of a header (or trailer) line.
func (p *parser) lineStart(c byte) int {
	first := p.firstLine
	p.firstLine = false
	if p.maxHeaders > 0 && !p.trailers && len(p.raw)/2 >= p.maxHeaders && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
		// Node 22+: a header line past the server's header count limit is
		// an overflow (observed), where older lines dropped it.
		return p.fail("HPE_HEADER_OVERFLOW", "Header overflow")
	}
	if e := p.emptyFraming; e != nil && c != ' ' && c != '\t' {
		// Node 14+ take a value as complete only when the next line
		// does not continue it: an empty framing value is refused here,
		// so the end of input before it is HPE_INVALID_EOF_STATE
		// (observed on Node 14-26; found by nodespec-fuzz).
		return p.fail(e.Code, e.Reason)
	}
	p.emptyFraming = nil
	p.folded = false
	switch c {
	case '\r':
		p.state = sHeadEndLF
		return 1
	case '\n':
		if p.strict() {
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header field char")
		}
		if p.lenient && p.era == EraLatest && p.trailers {
			// Lenient Node 20+ does not end the trailers on a bare LF: the
			// message stays open (observed: EOF later is HPE_INVALID_EOF_STATE).
			return 1
		}
		p.endHead()
		return 1
	case ' ', '\t':
		switch {
		case c == '\t' && first && !p.trailers && !p.lenient && p.era == EraLatest && p.major == 0 && p.minor == 9:
			// After a request line with no version, Node 20+ read a tab
			// that starts the next line as the target's (observed,
			// rl-no-version-then-tab; found by nodespec-fuzz).
			return p.fail("HPE_INVALID_URL", "Invalid characters in url")
		case c == '\t' && first && !p.trailers && !p.lenient:
			// A tab cannot start the first header line, on any release
			// (a space can on 6 and 14, and gets its own error on 20+)
			// (observed, hd-first-line-tab; found by nodespec-fuzz).
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		case p.trailers && len(p.rawTrailers) == 0 && p.era != EraLatest && c == ' ':
			// Node 6 and 14: a blank that starts the first trailer line
			// starts its name (" X: y" is a trailer " X"), as on the
			// head's first line; a line of no name then fails at its end
			// (observed, trailer-first-leading-blank, trailer-fold-first).
			p.name = append(p.name[:0], c)
			p.state = sName
			return 1
		case p.trailers && len(p.rawTrailers) == 0:
			// A blank first trailer line has nothing to continue: Node 20+
			// say invalid token, lenient or not, and so do 6 and 14 for a
			// tab (observed, trailer-fold-first, trailer-first-leading-tab;
			// found by FuzzParser, where ref crashed, and nodespec-fuzz).
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		case p.strict() && first && !p.trailers:
			return p.fail("HPE_UNEXPECTED_SPACE", "Unexpected space after start line")
		case p.strict() && lastValueEmpty(p.raw, p.rawTrailers, p.trailers):
			// Folding onto an empty value, in the head or the trailers
			// (observed, hd-empty-value-fold, trailer-fold-empty-value;
			// found by nodespec-fuzz).
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char")
		case p.strict():
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Unexpected whitespace after header value")
		case first && !p.trailers:
			// Node 6 and 14: a leading space starts a name (" X").
			p.name = append(p.name[:0], c)
			p.state = sName
			return 1
		}
		if p.era == EraV14 && p.lastName == "content-length" && strings.Trim(p.lastValue, " \t") != "" {
			// Node 14 reads a fold after a Content-Length number as a
			// second Content-Length, at its first byte (observed,
			// cl-fold-after-number-v14; found by nodespec-fuzz).
			return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
		}
		// obs-fold: the line continues the previous value; only the line
		// break goes: the previous line's trailing blanks and every blank
		// of the new line stay ("a \r\n \t b" is "a  \t b" on 6 and 14:
		// observed, hd-fold-blanks-kept; found by nodespec-fuzz).
		p.foldOntoEmpty = blankOnly([]byte(p.lastValue))
		if p.chunkedLine && p.lastName == "transfer-encoding" {
			// Node 6: a fold cancels the chunked its line set
			// (te-v6-fold-*); chunkedBefore is what earlier lines set.
			p.chunked = p.chunkedBefore
		}
		p.reopenLast()
		p.physStart = len(p.value)
		if p.trailers && p.foldOntoEmpty && p.era != EraLatest && p.lastName == "content-length" {
			// A fold onto an empty trailer Content-Length is its value,
			// checked byte by byte (observed on 6 and 14,
			// trailer-content-length-fold-empty; found by nodespec-fuzz).
			p.valueOf, p.clDigits, p.clState = "content-length", 0, 0
		}
		if p.era == EraV6 && p.foldOntoEmpty {
			// Node 6 reads a fold onto an empty value as the value's
			// start: its blanks are skipped and its first other byte is
			// the first, not looked at (observed, hd-v6-control-fold-empty).
			p.valIdx, p.teMatch, p.teAfter = 0, 0, false
			p.state = sValueStart
			return 1
		}
		p.valIdx, p.teMatch, p.teAfter = 1, -1, false // the blank is the fold's first byte
		p.value = append(p.value, c)
		p.state = sValue
		return 1
	}
	p.name = p.name[:0]
	p.state = sName
	n := p.name1(c)
	if n > 0 && p.err == nil {
		p.fieldStart()
	}
	return n
}

// fieldStart counts a header field whose name began. Node keeps 31
// fields of a message in native code and hands them to JavaScript when
// the 32nd begins, in a callback of their own: what was queued before
// (the 'end' of a request ahead, and the answer given there) runs then,
// before the parser reads on (observed on Node 6-26 with 31 and 32
// fields, header-flush-*; found by nodespec-fuzz). The count starts again
// at the head's end, for the trailers.
func (p *parser) fieldStart() {
	if p.fields++; p.fields == 32 {
		p.fields = 1
		p.flushed = true
		p.h.onFlush()
	}
}

// reopenLast takes the last header back into name/value so a folded line
// can continue it.
func (p *parser) reopenLast() {
	list := &p.raw
	if p.trailers {
		list = &p.rawTrailers
	}
	n := len(*list)
	// The stored line is decoded (latin1); the parser works on the bytes
	// that came. Taking the decoded text back as bytes would encode each
	// byte above 0x7f again at the end of the continued line: the value
	// turned to mojibake and doubled in size with every fold (found by
	// FuzzParser as a hang, impl/nodehttp/testdata/fuzz/FuzzParser/68a37dbd15c14737).
	p.name = unlatin1(p.name[:0], (*list)[n-2])
	p.value = append(p.value[:0], p.lastValue...) // untrimmed, as the bytes came
	p.valueOf = ""                                // a folded value is checked whole at the end of its line
	p.folded = true
	*list = (*list)[:n-2]
	if !p.trailers && p.lastName == "connection" && len(p.connLines) > 0 {
		p.connLines = p.connLines[:len(p.connLines)-1] // read again whole at the fold's end
	}
}

func (p *parser) name1(c byte) int {
	switch {
	case c == ':':
		if len(p.name) == 0 && p.era != EraV14 {
			return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
		}
		p.value = p.value[:0]
		p.state = sValueStart
		return p.framingValueStart()
	case isTokenChar(c):
	case c == ' ' && p.era != EraLatest:
		// Node 6 and 14 keep a space inside or at the end of a name.
	case c == ' ' && p.strict() && slices.Contains(framingNames, strings.ToLower(string(p.name))):
		// Node 20+ match the names that steer framing as they arrive: a
		// space after one of them whole is refused by another rule
		// (observed, hdr-name-space-*; found by nodespec-fuzz).
		return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header field char")
	default:
		return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token")
	}
	p.name = append(p.name, c)
	return 1
}

// lastCodingChunked: the Transfer-Encoding value read so far ends with the
// coding chunked (after its last comma, blanks around it ignored).
func lastCodingChunked(v []byte) bool {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.EqualFold(strings.Trim(string(v), " \t"), "chunked")
}

// framingName is the name a header steers framing by: Node 6 and 14 keep
// spaces at the end of a name (rawHeaders has "Content-Length "), yet
// frame the message by it (observed, hdr-name-space-*).
func framingName(name string) string { return strings.ToLower(strings.TrimRight(name, " ")) }

// framingNames are the header names Node 20+'s parser recognises while
// reading a name (a space right after one gets its own error).
var framingNames = []string{"connection", "content-length", "proxy-connection", "transfer-encoding", "upgrade"}

func (p *parser) value1(c byte) int {
	looked := true
	if p.era == EraV6 && c != '\r' && c != '\n' {
		looked = p.v6Looked(c)
	}
	switch {
	case c == '\r':
		p.state = sValueLF
		return 1
	case c == '\n':
		if p.strict() {
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after header value")
		}
		return p.endLine()
	case c == ',' && p.valueOf == "transfer-encoding" && p.strict() && lastCodingChunked(p.value):
		// Node 20+ refuse a coding after chunked in a request at its comma,
		// before the line's end is looked at (observed: "chunked," then a
		// bare LF, or the end of input; found by nodespec-fuzz, te-chunked-comma-*).
		return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value")
	case p.valueOf == "transfer-encoding" && p.strict() && (p.teChunkedSeen || p.trailers) && len(p.value) == 0:
		// (In the trailers chunked came already: refused at the value's
		// first byte too, whatever it is: trailer-transfer-encoding-*.)
		// Node 20+ refuse a Transfer-Encoding line after one that ended
		// in chunked at its value's first byte, before the line's end is
		// looked at (observed, te-after-chunked-bad-line-end; found by
		// nodespec-fuzz).
		return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value")
	case p.valueOf == "content-length" && !(p.era == EraV6 && len(p.value) > 0 && (c < 0x20 && c != '\t' || c == 0x7f)):
		// (Node 6 refuses a control byte after the first one of any
		// value before it looks at Content-Length digits:
		// cl-v6-control-after-digit.)
		if n := p.clValue(c); n == 0 {
			return 0
		}
	case (c < 0x20 && c != '\t' || c == 0x7f) && !p.lenient && !looked:
		// a byte Node 6 did not look at stays in the value
	case (c < 0x20 && c != '\t' || c == 0x7f) && !p.lenient:
		return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char")
	}
	p.value = append(p.value, c)
	return 1
}

// v6Looked says whether Node 6 looks at this byte of a header value, and
// so refuses it if it is a control byte, and moves the position on. Node 6
// skips from the second byte of a value's line to the next line end
// without looking; it looks at the first byte of every read, at every byte
// of Connection and Proxy-Connection but the first, at every byte of
// Content-Length, and at a
// Transfer-Encoding's bytes while they spell chunked (then spaces), at the
// byte that stops that and the one after it. The first byte of a value
// (or a fold's first blank) is never looked at (sValueStart). (Observed
// on 6.17.1, hd-v6-control-*; found by nodespec-fuzz.)
func (p *parser) v6Looked(c byte) bool {
	i := p.valIdx
	p.valIdx++
	looked := i == 1 || p.readStart
	name := framingName(string(p.name))
	if p.folded && !p.foldOntoEmpty {
		name = "" // a fold's bytes are read as any header's, unless it starts the value
	}
	switch name {
	case "connection", "proxy-connection":
		looked = i > 0
	case "content-length":
		looked = true
	case "transfer-encoding":
		const word = "chunked"
		switch {
		case p.teMatch >= 0 && (p.teMatch < len(word) && lowerByte(c) == word[p.teMatch] || p.teMatch == len(word) && c == ' '):
			p.teMatch = min(p.teMatch+1, len(word))
			looked = looked || i > 0
		case p.teMatch >= 0:
			p.teMatch, p.teAfter = -1, true
			looked = looked || i > 0
		case p.teAfter:
			p.teAfter = false
			looked = true
		}
	}
	return looked
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// framingValueStart runs when a header name is complete (its colon came):
// every release checks the value of Content-Length as its bytes arrive,
// and Node 20+ refuse Content-Length with Transfer-Encoding as soon as the
// second of them is named, before any byte of its value (observed,
// cl-bytewise-*, cl-te-conflict-at-name; found by nodespec-fuzz: ref
// checked at the end of the line, where a line-end error won).
func (p *parser) framingValueStart() int {
	p.valueOf, p.clDigits, p.clState = "", 0, 0
	p.valIdx, p.teMatch, p.teAfter = 0, 0, false
	if p.trailers {
		if p.strict() && framingName(string(p.name)) == "content-length" {
			// Node 20+ refuse Content-Length in the trailers of a
			// chunked message as soon as it is named (observed,
			// trailer-content-length; found by nodespec-fuzz).
			return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
		}
		if p.era != EraLatest && framingName(string(p.name)) == "content-length" {
			// Node 6 and 14 check a Content-Length in the trailers byte by
			// byte as in the head: a bad byte, an overflow, a second one
			// (observed, trailer-content-length-bad-char; found by
			// nodespec-fuzz on node14).
			p.valueOf = "content-length"
		}
		if p.strict() && framingName(string(p.name)) == "transfer-encoding" {
			p.valueOf = "transfer-encoding" // refused at its first byte (value1)
		}
		return 1
	}
	p.valueOf = framingName(string(p.name))
	if p.valueOf == "content-length" && !p.clSeen {
		p.clDigits = p.clCarry // v14: a trailer's number goes on (endLine)
	}
	switch {
	case !p.strict():
	case p.valueOf == "content-length" && p.teSeen:
		return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
	case p.valueOf == "transfer-encoding" && p.clSeen:
		return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length")
	}
	return 1
}

// clValue checks one byte of a Content-Length value (not a line end):
// digits, then only blanks; a number past 64 bits (clOverflows) overflows
// at its digit.
// The value is parsed again whole at the end of the line (contentLength).
func (p *parser) clValue(c byte) int {
	switch {
	case p.clSeen && p.trailers && p.clState == 0 && (p.era != EraV6 || c >= '0' && c <= '9'):
		// A second Content-Length in the trailers (6/14) is refused at
		// its first byte, as every release refuses one in the head.
		return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
	case p.clSeen && !p.trailers && p.clState < 2 && (c >= '0' && c <= '9' || p.clState == 0 && p.era != EraV6):
		// A second Content-Length in the head. The docs of
		// message.headers (every line) discard a duplicate Content-Length,
		// so one equal to the first is read on and dropped at the line's
		// end (contentLength); every release refuses any second one at
		// its first byte (Node 6: its first digit; a bad byte is refused
		// as such), a recorded divergence (dup-content-length-same-
		// discarded, cl-dup-same). A value that stops being equal to the
		// first is refused at that byte, where Node refuses every second
		// one. (An empty one is refused, or ignored on 6, as empty:
		// cl-dup-then-empty.)
		if i := len(p.value); i >= len(p.clText) || p.clText[i] != c {
			return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
		}
		p.clState = 1
		return 1
	case c >= '0' && c <= '9' && p.clState < 2:
		d := uint64(c - '0')
		if p.clOverflows(p.clDigits, d) {
			return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow")
		}
		p.clDigits, p.clState = p.clDigits*10+d, 1
		return 1
	case (c == ' ' || c == '\t' && p.era == EraLatest) && p.clState > 0:
		// Spaces may follow the digits; Node 6 and 14 (and 20; 22+ take
		// it, which latest follows: cl-trailing-tab) refuse a tab there,
		// at the tab, in the head and the trailers (observed,
		// cl-tab-after-digits-eof, trailer-content-length-tab).
		p.clState = 2
		return 1
	}
	return p.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length")
}

// endLine stores a complete header line and checks framing headers.
func (p *parser) endLine() int {
	// A value starts at its first non-blank byte; only a fold onto an
	// empty value leaves a blank first here ("X:\r\n 5" is "5" on Node
	// 6 and 14: cl-empty-then-fold; found by nodespec-fuzz). On 6 a fold
	// of blanks alone onto an empty value ("X:\r\n \r\n") so reads ""
	// (not probed apart).
	value := strings.TrimLeft(string(p.value), " \t")
	if p.era != EraV6 {
		value = strings.TrimRight(value, " \t") // Node 6 keeps trailing blanks
	}
	name, value := latin1(string(p.name)), latin1(value)
	p.state = sLineStart
	if framingName(name) == "connection" && !p.trailers {
		p.connLines = append(p.connLines, strings.ToLower(latin1(string(p.value))))
		if p.era == EraV14 && hasToken(strings.ToLower(latin1(string(p.value[min(p.physStart, len(p.value)):]))), "close", true) {
			p.foldClose = true // see Head.ConnClose
		}
	}
	p.lastName, p.lastValue, p.physStart = framingName(name), string(p.value), 0
	p.chunkedBefore, p.chunkedLine = p.chunked, false
	if p.trailers {
		p.rawTrailers = append(p.rawTrailers, name, value)
		switch fn := framingName(name); {
		case fn == "content-length" && value == "" && p.era == EraV14:
			// Node 14 checks an empty Content-Length even in trailers
			// (observed, trailer-content-length-empty), as in the head: at
			// the next line's first byte (trailer-content-length-empty-eof).
			p.emptyFraming = &ParseError{Code: "HPE_INVALID_CONTENT_LENGTH", Reason: "Empty Content-Length"}
			return 1
		case fn == "transfer-encoding" && p.strict() && strings.Trim(value, " \t") == "":
			// Node 22+: an empty one is refused as in the head, at the next
			// line's first byte (trailer-transfer-encoding-empty; Node 20
			// takes it, a release block). One with a value was refused at
			// its first byte (value1).
			p.emptyFraming = &ParseError{Code: "HPE_INVALID_TRANSFER_ENCODING", Reason: "Empty Transfer-Encoding"}
			return 1
		case fn == "content-length" && value != "" && p.era != EraLatest && p.valueOf == "content-length":
			// counted, so a second one is refused at its first byte (clValue)
			p.clSeen, p.length = true, p.clDigits
			if p.era == EraV14 {
				// Node 14 keeps this number: the next message's
				// Content-Length continues its digits ("1" then "1" is 11)
				// (observed, trailer-content-length-carry; found by
				// nodespec-fuzz).
				p.clCarry = p.clDigits
			}
		}
		return 1
	}
	p.raw = append(p.raw, name, value)
	switch framingName(name) {
	case "content-length":
		if p.folded && p.era == EraV6 && p.clSeen {
			// Node 6 frames by the number of the first line: what a fold
			// adds is kept in the value but not read again (observed,
			// cl-fold-after-number; found by nodespec-fuzz on node6). A fold
			// onto an empty value is read (cl-empty-then-fold).
			return 1
		}
		return p.contentLength(value)
	case "transfer-encoding":
		return p.transferEncoding(value)
	}
	return 1
}

func (p *parser) contentLength(v string) int {
	if p.strict() && p.teSeen {
		return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
	}
	if v == "" {
		if p.era == EraV6 {
			return 1 // Node 6 reads an empty Content-Length as none
		}
		p.emptyFraming = &ParseError{Code: "HPE_INVALID_CONTENT_LENGTH", Reason: "Empty Content-Length"} // refused at the next line (lineStart)
		return 1
	}
	if p.era == EraV6 {
		// Node 6 keeps the value's trailing spaces, and reads the number
		// before them (observed, cl-trailing-space; found by nodespec-fuzz).
		v = strings.TrimRight(v, " ")
	}
	if p.clSeen {
		// A second Content-Length: a duplicate of the first is discarded
		// (the docs of message.headers; see clValue, which refuses one
		// that differs as its bytes come); one that is a prefix of the
		// first, or came in a fold, is refused here.
		if v == p.clText {
			return 1
		}
		return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length")
	}
	n := p.clCarry // v14: what a trailer Content-Length left (see endLine)
	p.clCarry = 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return p.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length")
		}
		if p.clOverflows(n, uint64(c-'0')) {
			return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow")
		}
		n = n*10 + uint64(c-'0')
	}
	p.clSeen, p.length, p.clText = true, n, v
	return 1
}

// blankOnly: a value of blanks alone, or none (Node 6 and 14 treat the CR
// that ends it as an empty value's: hd-empty-value-cr-any-*, and after a
// fold of blanks alone, cl-empty-fold-cr-any).
func blankOnly(v []byte) bool {
	for _, c := range v {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// lastValueEmpty: the last header line read (of the trailers when
// trailers) has an empty value.
func lastValueEmpty(raw, rawTrailers []string, trailers bool) bool {
	if trailers {
		raw = rawTrailers
	}
	return len(raw) > 0 && raw[len(raw)-1] == ""
}

// clOverflows: appending digit d to the Content-Length n read so far
// overflows. Node 14 and later take any value that fits 64 unsigned bits
// (18446744073709551615 is a length, one more overflows); Node 6 refuses a
// digit once n is past 1844674407370955160, so 18446744073709551609 is its
// largest (observed, cl-overflow-*; found by nodespec-fuzz: ref stopped at
// the signed bound).
func (p *parser) clOverflows(n, d uint64) bool {
	if p.era == EraV6 {
		return n > (math.MaxUint64-10)/10
	}
	return n > (math.MaxUint64-d)/10
}

func (p *parser) transferEncoding(v string) int {
	if p.strict() && p.clSeen {
		return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length")
	}
	if v == "" && p.era == EraV14 {
		// Node 14 reads an empty Transfer-Encoding as none: it frames by
		// Content-Length, or as a message with no body (observed,
		// te-empty-then-cl; found by nodespec-fuzz). Node 20 does too but
		// Node 22+ refuse it ("Empty Transfer-Encoding"), which latest
		// follows below (te-empty-then-body pins both releases).
		return 1
	}
	if p.strict() && strings.Trim(v, " \t") == "" {
		p.emptyFraming = &ParseError{Code: "HPE_INVALID_TRANSFER_ENCODING", Reason: "Empty Transfer-Encoding"} // refused at the next line (lineStart)
		return 1
	}
	p.teSeen = true
	// The codings as the bytes came: a tab after chunked leaves it some
	// other coding on every line, where spaces do not (observed,
	// te-chunked-trailing-tab; found by nodespec-fuzz on node6).
	raw := strings.ToLower(strings.TrimLeft(latin1(string(p.value)), " \t"))
	codings := strings.Split(raw, ",")
	for i := range codings {
		codings[i] = strings.TrimRight(strings.TrimLeft(codings[i], " \t"), " ")
	}
	last := codings[len(codings)-1] == "chunked"
	if p.era == EraV6 {
		// Node 6 decodes chunks when a line's value is exactly chunked
		// (then spaces), on a line no fold continues (a fold onto an
		// empty value is read afresh); once a line did, later lines do
		// not undo it, a list never does it (observed, te-v6-*; found by
		// nodespec-fuzz on node6).
		if len(codings) == 1 && last && (!p.folded || p.foldOntoEmpty) {
			p.chunked, p.chunkedLine = true, true
		}
		return 1
	}
	if p.era == EraV14 {
		// Node 14: once a line's last coding is chunked the message is
		// chunked, whatever later lines say ("chunked" then "gzip" or
		// "chunked,": te-chunked-then-other-line, te-chunked-then-comma;
		// found by nodespec-fuzz).
		if last {
			p.chunked = true
		}
		return 1
	}
	if p.strict() {
		for _, cd := range codings {
			if p.teChunkedSeen {
				return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value")
			}
			if cd == "chunked" {
				p.teChunkedSeen = true
			}
		}
	}
	p.chunked = last
	return 1
}

// endHead runs when the blank line after the headers (or trailers) arrived.
func (p *parser) endHead() {
	p.fields = 0 // the trailers count afresh (fieldStart)
	if p.trailers {
		p.complete(p.rawTrailers)
		return
	}
	if p.era == EraV14 && p.teSeen && p.clSeen {
		if p.lenient {
			// Node 14's lenient parser words it otherwise (observed).
			p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with chunked encoding")
			return
		}
		p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
		return
	}
	if p.era == EraV6 && p.chunked && p.clSeen {
		p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding")
		return
	}
	h := &Head{Method: string(p.method), URL: latin1(string(p.url)), Major: p.major, Minor: p.minor, Raw: p.raw, ConnClose: p.foldClose}
	for _, v := range p.connLines {
		if p.era == EraV6 && strings.HasPrefix(strings.TrimLeft(v, " \t"), ",") {
			// Node 6 reads no token in a value that starts with a comma
			// (",close" keeps the connection: observed,
			// conn-close-leading-comma; found by nodespec-fuzz on node6).
			continue
		}
		tabAfter := p.era != EraLatest
		h.ConnClose = h.ConnClose || hasToken(v, "close", tabAfter)
		h.ConnKeepAlive = h.ConnKeepAlive || hasToken(v, "keep-alive", tabAfter)
	}
	if h.Raw == nil {
		h.Raw = []string{}
	}
	p.closeAfter = !keepAlive(h)
	if p.era == EraLatest && p.major == 0 && string(p.method) == "PRI" {
		p.priEnded = true // from its head on, body or not (rl-pri-no-version-body)
	}
	if p.flushed {
		// Once Node has handed header fields to JavaScript apart from a
		// complete head (trailers, or 31 fields: fieldStart), every later
		// head of the connection goes that way too, in a callback of its
		// own, and what was queued runs first: the 'end' of a request
		// ahead, and the answer given there, come before this request
		// (observed on Node 6-26: trailers then one or two requests,
		// trailers-then-request-*; bytes that are no request give no
		// such turn, pipeline-trailers-then-error).
		p.h.onFlush()
	}
	switch err := p.h.onHead(h); err {
	case nil:
	case errHandOverNow:
		p.state, p.stopped, p.handedOver = sError, true, true
		return
	case errHandOverAfterBody:
		p.handOverAfter = true
	case errDropRestAfterBody:
		p.dropRestAfter = true
	case errRefused:
		// answered by the server itself: parse on (see errRefused)
	default:
		p.state, p.stopped = sError, true // refused by the server: read no further
		return
	}
	if p.err != nil {
		return
	}
	switch {
	case p.teSeen && !p.chunked && p.era != EraV6 && p.inUpgradeBody():
		// An upgrade request's Transfer-Encoding that is not chunked is
		// not refused: the request has no body, and what follows in the
		// same chunk is dropped (observed on Node 14-26,
		// upgrade-te-not-chunked; found by nodespec-fuzz on node14). A
		// later chunk is parsed again: a request there is served, but
		// Node reports no parse error for bytes that are none (not
		// modelled: ref reports it).
		p.complete(nil)
	case p.teSeen && !p.chunked && p.lenient:
		// Lenient: a body whose last coding is not chunked runs to EOF.
		p.state = sBodyEOF
	case p.teSeen && !p.chunked && p.era != EraV6:
		p.fail("HPE_INVALID_TRANSFER_ENCODING", "Request has invalid `Transfer-Encoding`")
	case p.chunked:
		p.state, p.chunkSize, p.chunkDigits = sChunkSize, 0, 0
		p.clCarry = 0 // Node 14 reads chunk sizes into the number a trailer left (trailer-content-length-carry-chunked)
	case p.clSeen && p.length > 0:
		p.state, p.left = sBody, p.length
	default:
		p.complete(nil)
	}
}

// chunkOverflows: appending hex digit d to the chunk size overflows. Node
// 14 and later take any size that fits 64 unsigned bits (ffffffffffffffff;
// one digit more overflows); Node 6 refuses a digit once the size is past
// 0x0ffffffffffffffe, as it bounds a Content-Length (observed,
// chunk-size-overflow-*; found by nodespec-fuzz: ref stopped at the signed
// bound).
func (p *parser) chunkOverflows(d uint64) bool {
	if p.era == EraV6 {
		return p.chunkSize > (math.MaxUint64-16)/16
	}
	return p.chunkSize > (math.MaxUint64-d)/16
}

func (p *parser) chunkSize1(c byte) int {
	d, ok := isHex(c)
	if c >= 0x80 && p.era == EraV6 {
		// Node 6 reads every byte from 0x80 up as the digit 0, anywhere
		// in a chunk size (observed, chunk-size-v6-high-byte-*; found by
		// nodespec-fuzz on node6).
		d, ok = 0, true
	}
	if ok {
		p.chunkDigits++
		if p.chunkOverflows(d) {
			return p.fail(p.by("HPE_INVALID_CONTENT_LENGTH", "HPE_INVALID_CHUNK_SIZE", "HPE_INVALID_CHUNK_SIZE"), "Chunk size overflow")
		}
		p.chunkSize = p.chunkSize*16 + d
		return 1
	}
	if p.chunkDigits == 0 {
		return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size")
	}
	switch c {
	case ';':
		p.state = sChunkExt
		if p.strict() {
			p.state, p.extName = sChunkExtName, false
		}
		return 1
	case '\r':
		p.state = sChunkSizeLF
		return 1
	case '\n':
		if p.era == EraLatest && p.lenient {
			p.chunkLine()
			return 1
		}
		if p.era == EraLatest {
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk size")
		}
		return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size")
	case ' ':
		if p.era != EraLatest {
			// Node 6 and 14 allow spaces after the size, not a tab
			// (observed, chunk-size-trailing-space, chunk-size-trailing-tab).
			p.state = sChunkSizeWS
			return 1
		}
	}
	return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size")
}

// chunkExt1 takes a byte of a chunk extension on strict Node 20+, which
// check them as name[=value] with a token or quoted value, each error with
// its own message (observed, chunk-ext-strict-*; found by nodespec-fuzz:
// ref took anything up to the CR, as Node 6 and 14 do).
func (p *parser) chunkExt1(c byte) int {
	const bad = "Invalid character in chunk extensions"
	switch p.state {
	case sChunkExtName:
		switch {
		case isTokenChar(c):
			p.extName = true
		case c == '=':
			p.state = sChunkExtValueStart
		case c == ';':
			// another extension; an empty name before it passes (observed
			// on Node 20-26: "5;;=..."; found by nodespec-fuzz)
			p.extName = false
		case c == '\r' && p.extName:
			p.state = sChunkSizeLF
		case c == '\n':
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension name")
		case !p.extName && (c == ' ' || c == '\r'):
			// a blank or the line end where a name is due has the plain
			// message (chunk-ext-strict-space-before-name, -empty-name);
			// any other byte is the name's (",": chunk-ext-name-bad-first)
			return p.fail("HPE_STRICT", bad)
		default:
			return p.fail("HPE_STRICT", bad+" name")
		}
	case sChunkExtValueStart, sChunkExtValue:
		switch {
		case c == '"':
			// a quote opens a quoted part even inside a value (observed on
			// Node 20-26: "5;=b\"", chunk-ext-quote-inside-value)
			p.state = sChunkExtQuoted
		case isTokenChar(c):
			p.state = sChunkExtValue
		case c == ';':
			p.state, p.extName = sChunkExtName, false
		case c == '\r':
			p.state = sChunkSizeLF
		case c == '\n':
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value")
		default:
			return p.fail("HPE_STRICT", bad+" value")
		}
	case sChunkExtQuoted:
		switch {
		case c == '"':
			p.state = sChunkExtAfterQuote
		case c < 0x20 && c != '\t' || c == 0x7f:
			return p.fail("HPE_STRICT", bad+" quoted value")
		}
	case sChunkExtAfterQuote:
		switch c {
		case ';':
			p.state, p.extName = sChunkExtName, false
		case '\r':
			p.state = sChunkSizeLF
		case '\n':
			return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value")
		default:
			return p.fail("HPE_STRICT", bad+" quote value")
		}
	}
	return 1
}

// chunkLine runs at the end of a chunk-size line.
func (p *parser) chunkLine() {
	if p.chunkSize == 0 {
		p.trailers, p.rawTrailers = true, []string{}
		p.state, p.firstLine = sLineStart, false
		return
	}
	p.state, p.left = sChunkData, p.chunkSize
}

func (p *parser) complete(rawTrailers []string) {
	closeAfter := p.closeAfter
	if len(rawTrailers) > 0 {
		// The trailers go to JavaScript in a callback of their own: what
		// was queued runs (a request ahead ends), and so it does at every
		// later head (flushed) (observed on Node 6-26, trailers-then-*,
		// pipeline-then-trailers-then-error).
		p.h.onFlush()
		p.flushed = true
	}
	if p.era == EraLatest && p.major == 0 && string(p.method) == "PRI" {
		p.priEnded = true
	}
	p.state = sStart
	p.trailers = false
	p.headBytes = 0
	p.h.onComplete(rawTrailers)
	if p.handOverAfter {
		p.handOverAfter = false
		p.state, p.stopped, p.handedOver = sError, true, true
		return
	}
	if p.dropRestAfter {
		p.dropRestAfter, p.dropRest = false, true
	}
	if closeAfter && p.era == EraLatest && p.err == nil {
		p.state = sClosed // Node 20+: nothing may follow a message that closes the connection
	}
}

// unlatin1 appends the bytes latin1 decoded s from.
func unlatin1(dst []byte, s string) []byte {
	for _, r := range s {
		dst = append(dst, byte(r))
	}
	return dst
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
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// EndsInsideMessage reports whether input, read by the profile's request
// parser, stops inside a message with no parse error: the end of input
// would be what fails there. The fuzzer asks it of a prefix of an input
// before it takes the prefix's disagreement for the whole input's: such a
// prefix disagrees for being cut.
func EndsInsideMessage(profile string, input []byte) bool {
	prof, ok := Profiles[profile]
	if !ok {
		return false
	}
	p := newParser(prof.Era, prof.Methods, prof.MaxHeaderSize, quietHandler{})
	if err := p.Execute(input); err != nil || p.stopped {
		return false
	}
	return p.state != sStart && p.state != sClosed
}

// quietHandler takes a parser's findings and does nothing with them.
type quietHandler struct{}

func (quietHandler) onMessageBegin()     {}
func (quietHandler) onHead(*Head) error  { return nil }
func (quietHandler) onBody([]byte)       {}
func (quietHandler) onComplete([]string) {}
func (quietHandler) onHandOver([]byte)   {}
func (quietHandler) onFlush()            {}

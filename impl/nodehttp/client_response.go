package nodehttp

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/nodespec/nodespec/impl/js"
)

// ClientResponse is the http.IncomingMessage a ClientRequest gets on
// 'response' (http/IncomingMessage, client side): statusCode,
// statusMessage, headers; a Readable of the body that flows once a 'data'
// listener is added or resume() is called.
type ClientResponse struct {
	js.Emitter
	req  *ClientRequest
	head *responseHead

	buffered   [][]byte
	flowing    bool
	pushedEOF  bool
	endQueued  bool
	endEmitted bool
	complete   bool
	closed     bool
}

func newClientResponse(req *ClientRequest, h *responseHead) *ClientResponse {
	r := &ClientResponse{req: req, head: h}
	r.OnNewListener = func(event string) {
		if event == "data" && !r.flowing {
			r.flowing = true
			req.loop.NextTick(r.flow)
		}
	}
	return r
}

func (r *ClientResponse) push(b []byte) {
	if b == nil {
		r.pushedEOF, r.complete = true, true
	} else {
		r.buffered = append(r.buffered, b)
	}
	r.flow()
}

func (r *ClientResponse) flow() {
	for r.flowing && len(r.buffered) > 0 {
		b := r.buffered[0]
		r.buffered = r.buffered[1:]
		r.Emit("data", js.Buffer(b))
	}
	if r.flowing && r.pushedEOF && len(r.buffered) == 0 && !r.endQueued {
		r.endQueued = true
		r.req.loop.NextTick(func() {
			r.endEmitted = true
			r.Emit("end")
			r.req.responseEnded()
		})
	}
}

// abort: the connection closed before the body was complete.
//   - v6: the request closes, then the response is aborted, ends and closes.
//   - v14: the response is aborted, the request closes, the response closes.
//   - latest: as v14, with ECONNRESET "aborted" on the response (to an
//     'error' listener) before it closes.
func (r *ClientResponse) abort() {
	req := r.req
	switch req.profile.Era {
	case EraV6:
		req.closed = true
		req.Emit("close")
		r.Emit("aborted")
		r.endEmitted = true
		r.Emit("end")
		r.emitClose()
	case EraV14:
		r.Emit("aborted")
		req.closed = true
		req.Emit("close")
		r.emitClose()
	default:
		r.Emit("aborted")
		req.closed = true
		req.Emit("close")
		req.loop.NextTick(func() {
			if r.ListenerCount("error") > 0 {
				r.Emit("error", &js.Error{Name: "Error", Code: "ECONNRESET", Message: "aborted"})
			}
			r.emitClose()
		})
	}
}

func (r *ClientResponse) emitClose() {
	if r.closed {
		return
	}
	r.closed = true
	r.Emit("close")
}

// Get implements js.Object.
func (r *ClientResponse) Get(name string) (any, bool) {
	h := r.head
	switch name {
	case "statusCode":
		return float64(h.status), true
	case "statusMessage":
		return h.reason, true
	case "httpVersion":
		return strconv.Itoa(h.major) + "." + strconv.Itoa(h.minor), true
	case "headers":
		// The client side joins duplicates as the server side does; with
		// request.maxHeadersCount only the first pairs are kept there
		// (rawHeaders keeps them all: observed on 14-26).
		m := &IncomingMessage{profile: r.req.profile}
		raw := h.raw
		if n := r.req.maxHeaders; n > 0 && len(raw) > 2*n {
			raw = raw[:2*n]
		}
		return m.headerObject(raw), true
	case "rawHeaders":
		return strList(h.raw), true
	case "complete":
		return r.complete, true
	case "method", "url":
		return nil, true // server-side members; null on a client response (observed)
	}
	return nil, false
}

// Call implements js.Object.
func (r *ClientResponse) Call(name string, args []any) (any, error) {
	switch name {
	case "resume":
		if !r.flowing {
			r.flowing = true
			r.req.loop.NextTick(r.flow)
		}
		return r, nil
	}
	return nil, js.ErrMissing
}

// responseHead is a parsed status line and header block.
type responseHead struct {
	major, minor int
	status       int
	reason       string
	raw          []string // name, value, name, value ...
}

// responseEvent is what the response parser found: a head, a body chunk,
// or the end of the message.
type responseEvent struct {
	kind string // info (1xx) | head | body | complete
	head *responseHead
	body []byte
	// handOver: "upgrade" or "connect" when the head hands the socket
	// over; body is then what followed the head.
	handOver string
}

// responseParser reads one response: status line, headers, then a body
// framed by chunked encoding, Content-Length, or the connection's end.
// (Strictness per line and its HPE_* errors are not modelled yet.)
type responseParser struct {
	noBody  bool // a response to HEAD
	connect bool // a response to CONNECT
	buf     []byte
	state   string // head | length | chunked | close | done
	remain  int
	chunkSz int
}

func newResponseParser(head bool) *responseParser {
	return &responseParser{noBody: head, state: "head"}
}

func (p *responseParser) feed(b []byte) []responseEvent {
	p.buf = append(p.buf, b...)
	var out []responseEvent
	for {
		switch p.state {
		case "head":
			end := bytes.Index(p.buf, []byte("\r\n\r\n"))
			if end < 0 {
				return out
			}
			h := parseResponseHead(p.buf[:end])
			p.buf = p.buf[end+4:]
			if h == nil {
				p.state = "done"
				return out
			}
			if h.status >= 100 && h.status < 200 && h.status != 101 {
				// interim: the final response follows
				out = append(out, responseEvent{kind: "info", head: h})
				continue
			}
			if h.status == 101 || p.connect && h.status >= 200 && h.status < 300 {
				ev := responseEvent{kind: "head", head: h, handOver: "upgrade", body: bytes.Clone(p.buf)}
				if h.status != 101 {
					ev.handOver = "connect"
				}
				p.buf, p.state = nil, "done"
				return append(out, ev)
			}
			out = append(out, responseEvent{kind: "head", head: h})
			cl, hasCL := -1, false
			chunked := false
			for i := 0; i+1 < len(h.raw); i += 2 {
				switch strings.ToLower(h.raw[i]) {
				case "content-length":
					if n, err := strconv.Atoi(strings.TrimSpace(h.raw[i+1])); err == nil {
						cl, hasCL = n, true
					}
				case "transfer-encoding":
					chunked = strings.HasSuffix(strings.ToLower(strings.TrimSpace(h.raw[i+1])), "chunked")
				}
			}
			switch {
			case p.noBody || h.status == 204 || h.status == 304 || h.status < 200:
				p.state = "done"
				out = append(out, responseEvent{kind: "complete"})
				return out
			case chunked:
				p.state = "chunked"
			case hasCL:
				p.state, p.remain = "length", cl
				if cl == 0 {
					p.state = "done"
					out = append(out, responseEvent{kind: "complete"})
					return out
				}
			default:
				p.state = "close"
			}
		case "length":
			if len(p.buf) == 0 {
				return out
			}
			n := min(len(p.buf), p.remain)
			out = append(out, responseEvent{kind: "body", body: bytes.Clone(p.buf[:n])})
			p.buf, p.remain = p.buf[n:], p.remain-n
			if p.remain == 0 {
				p.state = "done"
				out = append(out, responseEvent{kind: "complete"})
			}
			return out
		case "chunked":
			i := bytes.Index(p.buf, []byte("\r\n"))
			if i < 0 {
				return out
			}
			sizeText, _, _ := strings.Cut(string(p.buf[:i]), ";")
			size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 32)
			if err != nil {
				p.state = "done"
				return out
			}
			if size == 0 {
				// the last chunk: trailers, then the blank line
				end := bytes.Index(p.buf[i:], []byte("\r\n\r\n"))
				if end < 0 {
					return out
				}
				p.buf = p.buf[i+end+4:]
				p.state = "done"
				out = append(out, responseEvent{kind: "complete"})
				return out
			}
			if len(p.buf) < i+2+int(size)+2 {
				return out
			}
			out = append(out, responseEvent{kind: "body", body: bytes.Clone(p.buf[i+2 : i+2+int(size)])})
			p.buf = p.buf[i+2+int(size)+2:]
		case "close":
			if len(p.buf) > 0 {
				out = append(out, responseEvent{kind: "body", body: bytes.Clone(p.buf)})
				p.buf = nil
			}
			return out
		default:
			return out
		}
	}
}

// eof: the connection ended; a body read until close is complete.
func (p *responseParser) eof() []responseEvent {
	if p.state == "close" {
		p.state = "done"
		return []responseEvent{{kind: "complete"}}
	}
	return nil
}

func parseResponseHead(b []byte) *responseHead {
	lines := strings.Split(string(b), "\r\n")
	ver, rest, ok := strings.Cut(lines[0], " ")
	if !ok || !strings.HasPrefix(ver, "HTTP/") || len(ver) != 8 {
		return nil
	}
	h := &responseHead{major: int(ver[5] - '0'), minor: int(ver[7] - '0')}
	code, reason, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if err != nil {
		return nil
	}
	h.status, h.reason = n, reason
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		h.raw = append(h.raw, k, strings.TrimSpace(v))
	}
	return h
}

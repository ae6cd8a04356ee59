package nodehttp

import (
	"strconv"

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

// Request is the ClientRequest the response answers.
func (r *ClientResponse) Request() *ClientRequest { return r.req }

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
		m := &IncomingMessage{profile: r.req.profile, join: r.req.joinDuplicates}
		raw := h.raw
		if n := r.req.maxHeaders; n > 0 && len(raw) > 2*n {
			raw = raw[:2*n]
		}
		return m.headerObject(raw), true
	case "rawHeaders":
		return strList(h.raw), true
	case "trailers":
		return (&IncomingMessage{profile: r.req.profile}).headerObject(h.trailers), true
	case "rawTrailers":
		return strList(h.trailers), true
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
	trailers     []string // after a chunked body, the same way
}

// responseEvent is what the response parser found: a head, a body chunk,
// or the end of the message.
type responseEvent struct {
	kind string // info (1xx) | head | body | complete | error
	head *responseHead
	body []byte
	// handOver: "upgrade" or "connect" when the head hands the socket
	// over; body is then what followed the head.
	handOver string
	err      *ParseError // kind "error": the response cannot be parsed
}

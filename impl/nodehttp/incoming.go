package nodehttp

import (
	"strconv"
	"strings"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
	"github.com/nodespec/nodespec/impl/nodenet"
)

// IncomingMessage is http.IncomingMessage on the server side
// (http/IncomingMessage). It is a Readable: body chunks are emitted as
// 'data' once flowing (resume() or a 'data' listener), then 'end'.
//
// When 'aborted' and 'close' come, relative to the response and the socket,
// differs by Node line; the docs leave most of it open, so the orders here
// are the releases' (fixtures under http/IncomingMessage.event.close and
// http/Server.event.request pin them).
type IncomingMessage struct {
	js.Emitter
	loop    *loop.Loop
	profile *Profile
	join    bool // createServer({joinDuplicateHeaders: true}) under a profile that has it
	Socket  *nodenet.Socket
	x       *exchange

	head        *Head
	rawTrailers []string
	complete    bool
	aborted     bool
	docClass    string // the class the docs give this request where it is not IncomingMessage

	// Readable state.
	buffered        [][]byte
	flowing         *bool
	consumed        bool // resumed or read by someone: not dumped after the response
	resumeScheduled bool // resume() ran; the stream starts flowing on the next tick
	pushedEOF       bool
	endQueued       bool
	endEmitted      bool
	closeQueued     bool
	closed          bool
	destroyed       bool
}

func newIncoming(l *loop.Loop, p *Profile, join bool, sock *nodenet.Socket, h *Head) *IncomingMessage {
	m := &IncomingMessage{loop: l, profile: p, join: join && p.JoinDuplicateHeaders, Socket: sock, head: h}
	m.OnNewListener = func(event string) {
		// Adding a 'data' listener switches a stream that was never paused
		// explicitly into flowing mode.
		if event == "data" && m.flowing == nil {
			m.resume()
		}
	}
	return m
}

// push hands the stream a body chunk (nil: the message is complete).
func (m *IncomingMessage) push(b []byte) {
	if m.destroyed {
		return
	}
	switch {
	case b == nil:
		m.pushedEOF = true
	case m.flowing != nil && *m.flowing && len(m.buffered) == 0 && !m.resumeScheduled:
		// A chunk pushed to a stream that already flows, with nothing
		// buffered, goes out at once. Before its first resume has run it
		// waits for it; the connection runs that resume as soon as the
		// parser's body callback returns (connection.onBody), so 'data'
		// still comes before a parse error later in the same chunk
		// reaches 'clientError' (observed, body-data-before-clientError-*;
		// found by nodespec-fuzz).
		m.Emit("data", js.Buffer(b))
		return
	default:
		m.buffered = append(m.buffered, b)
	}
	if !m.resumeScheduled {
		m.flow()
	}
}

func (m *IncomingMessage) resume() {
	t := true
	m.flowing, m.consumed = &t, true
	if !m.resumeScheduled {
		// Node resumes on the next tick, so data never arrives inside the call.
		m.resumeScheduled = true
		m.loop.NextTick(func() {
			m.resumeScheduled = false
			m.flow()
		})
	}
}

func (m *IncomingMessage) pause() {
	f := false
	m.flowing = &f
}

// dump discards a body nobody read, once the response is done, so the
// connection can go on (observed: 'end' and 'close' still come).
func (m *IncomingMessage) dump() {
	if !m.consumed && !m.destroyed {
		m.resume()
	}
}

func (m *IncomingMessage) flow() {
	for m.flowing != nil && *m.flowing && len(m.buffered) > 0 && !m.destroyed {
		chunk := m.buffered[0]
		m.buffered = m.buffered[1:]
		m.Emit("data", js.Buffer(chunk))
	}
	if m.pushedEOF && len(m.buffered) == 0 && !m.endQueued && m.flowing != nil && *m.flowing {
		m.endQueued = true
		m.loop.NextTick(m.emitEnd)
	}
}

func (m *IncomingMessage) emitEnd() {
	m.endEmitted = true
	m.Emit("end")
	switch m.profile.Era {
	case EraV6:
		// Node 6 emits 'close' only when the connection goes first.
	case EraV14:
		// Node 14 closes an ended request at once if its response was
		// ended (on a live socket, and not waiting its turn) and no
		// request waits behind it; with one behind it closes as its
		// response finishes (finishSoon); otherwise it is aborted when
		// the connection goes (observed: two HTTP/0.9 requests in one
		// read, pipeline-after-0.9-*).
		if m.x == nil || m.x.res.finished && !m.x.res.endedDead && m.x.res.pending == nil && !m.x.hasNext() {
			m.emitClose()
		}
	default:
		m.maybeClose()
	}
}

// maybeClose (latest): an ended or aborted request closes once its response
// has closed or its socket is gone.
func (m *IncomingMessage) maybeClose() {
	if m.closed || m.closeQueued || !(m.endEmitted || m.aborted) {
		return
	}
	if m.x != nil && !m.x.res.closed && !m.Socket.Destroyed() {
		return
	}
	m.closeQueued = true
	m.loop.NextTick(m.emitClose)
}

func (m *IncomingMessage) emitClose() {
	if m.closed {
		return
	}
	m.closed = true
	m.Emit("close")
}

// emitAborted marks the request aborted and says so once.
func (m *IncomingMessage) emitAborted() {
	if m.aborted {
		return
	}
	m.aborted = true
	m.Emit("aborted")
}

// socketClosed runs when the connection closed under the request.
// v6/v14: a request whose response was not ended is aborted and closed at
// once. latest: a request that has not ended is aborted, then destroyed
// with ECONNRESET "aborted" (emitted only to an 'error' listener) after the
// response closed; an ended one just closes.
func (m *IncomingMessage) socketClosed(resEnded bool) {
	if m.closed || m.destroyed && m.profile.Era != EraLatest {
		return
	}
	if m.profile.Era != EraLatest {
		if !resEnded {
			m.emitAborted()
			m.emitClose()
		}
		return
	}
	if m.endEmitted || m.aborted {
		m.maybeClose()
		return
	}
	m.emitAborted()
	m.destroyed = true
	m.loop.NextTick(func() {
		if m.ListenerCount("error") > 0 {
			m.Emit("error", &js.Error{Name: "Error", Code: "ECONNRESET", Message: "aborted"})
		}
		m.closeQueued = true
		m.loop.NextTick(m.emitClose)
	})
}

// destroy is message.destroy(): the socket goes too. Latest marks a
// request that has not ended aborted at once and closes it after 'end' (if
// the message was complete) or right away.
func (m *IncomingMessage) destroy() {
	if m.profile.Era != EraLatest {
		m.Socket.Destroy(nil)
		return
	}
	if !m.endEmitted {
		m.emitAborted()
	}
	m.Socket.Destroy(nil)
	// A message that completes in the bytes being parsed still ends (then
	// closes, its socket being gone); one that cannot complete closes now.
	m.loop.NextTick(func() {
		if m.pushedEOF || m.closed {
			return
		}
		m.destroyed = true
		m.emitClose()
	})
}

// headers applies the duplicate rules of http/IncomingMessage/message.headers.
func (m *IncomingMessage) headerObject(raw []string) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(raw); i += 2 {
		name, value := strings.ToLower(raw[i]), raw[i+1]
		prev, seen := out[name]
		switch {
		case name == "set-cookie":
			// always an array; duplicates are appended
			list, _ := prev.([]any)
			out[name] = append(list, value)
		case !seen:
			out[name] = value
		case m.profile.discards(name) && !m.join:
			// duplicates of the listed names are discarded: first value wins
		case name == "cookie":
			out[name] = prev.(string) + m.profile.CookieSeparator + value
		default:
			out[name] = prev.(string) + ", " + value
		}
	}
	return out
}

// distinct is message.headersDistinct: every value, always in an array.
func distinct(raw []string) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(raw); i += 2 {
		name := strings.ToLower(raw[i])
		list, _ := out[name].([]any)
		out[name] = append(list, raw[i+1])
	}
	return out
}

func strList(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Get implements js.Object for the members of http/IncomingMessage.
func (m *IncomingMessage) Get(name string) (any, bool) {
	h := m.head
	switch name {
	case "headers":
		raw := h.Raw
		if limit := m.x.conn.srv.headerLimit(); limit > 0 && len(raw) > 2*limit {
			raw = raw[:2*limit] // v14 and Node 20 leave the rest in rawHeaders only
		}
		return m.headerObject(raw), true
	case "rawHeaders":
		return strList(h.Raw), true
	case "trailers":
		// only populated at 'end' (message.trailers): an empty object before
		return m.headerObject(m.rawTrailers), true
	case "rawTrailers":
		return strList(m.rawTrailers), true
	case "headersDistinct":
		if !m.profile.Distinct {
			return nil, false
		}
		return distinct(h.Raw), true
	case "trailersDistinct":
		if !m.profile.Distinct {
			return nil, false
		}
		return distinct(m.rawTrailers), true
	case "httpVersion":
		return strconv.Itoa(h.Major) + "." + strconv.Itoa(h.Minor), true
	case "httpVersionMajor":
		return float64(h.Major), true
	case "httpVersionMinor":
		return float64(h.Minor), true
	case "method":
		return h.Method, true
	case "url":
		return h.URL, true
	case "complete":
		return m.complete, true
	case "aborted":
		return m.aborted, true
	case "socket", "connection":
		return m.Socket, true
	case "statusCode", "statusMessage":
		return nil, true // client-side members; null on a server request (observed)
	case "constructor":
		// the class a listener is given: the one its docs name
		if m.docClass != "" {
			return map[string]any{"name": m.docClass}, true
		}
		return map[string]any{"name": "IncomingMessage"}, true
	}
	return nil, false
}

// Call implements js.Object.
func (m *IncomingMessage) Call(name string, args []any) (any, error) {
	switch name {
	case "resume":
		m.resume()
		return m, nil
	case "pause":
		m.pause()
		return m, nil
	case "destroy":
		m.destroy()
		if m.profile.Era == EraV6 {
			return js.Undefined{}, nil // Node 6 returns nothing
		}
		return m, nil
	case "setTimeout":
		// message.setTimeout(ms[, cb]) is documented as the socket's
		// setTimeout(ms, cb) on every line, so the callback is a one-time
		// listener of the socket's 'timeout' (which has no arguments).
		// Every Node release puts it on the request's own 'timeout'
		// instead, called with the socket: recorded as a divergence in
		// im-settimeout-callback.
		ms, _ := js.Arg(args, 0).(float64)
		if cb, ok := js.Arg(args, 1).(js.Callback); ok {
			m.Socket.Once("timeout", js.Listener(cb))
		}
		m.Socket.SetTimeout(ms)
		return m, nil
	}
	return nil, js.ErrMissing
}

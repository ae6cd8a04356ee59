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
type IncomingMessage struct {
	js.Emitter
	loop    *loop.Loop
	profile *Profile
	join    bool // createServer({joinDuplicateHeaders: true}) under a profile that has it
	Socket  *nodenet.Socket

	head        *Head
	rawTrailers []string
	complete    bool
	aborted     bool

	// Readable state.
	buffered   [][]byte
	flowing    *bool
	pushedEOF  bool
	endEmitted bool
	flushing   bool
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
	if b == nil {
		m.pushedEOF = true
	} else {
		m.buffered = append(m.buffered, b)
	}
	m.flush()
}

func (m *IncomingMessage) resume() {
	t := true
	m.flowing = &t
	// Node resumes on the next tick, so data never arrives inside the call.
	m.loop.NextTick(m.flush)
}

func (m *IncomingMessage) pause() {
	f := false
	m.flowing = &f
}

func (m *IncomingMessage) flush() {
	if m.flushing {
		return
	}
	m.flushing = true
	defer func() { m.flushing = false }()
	for m.flowing != nil && *m.flowing && len(m.buffered) > 0 {
		chunk := m.buffered[0]
		m.buffered = m.buffered[1:]
		m.Emit("data", js.Buffer(chunk))
	}
	if m.pushedEOF && len(m.buffered) == 0 && !m.endEmitted && m.flowing != nil && *m.flowing {
		m.endEmitted = true
		m.loop.NextTick(func() { m.Emit("end") })
	}
}

// abort ends a request whose body will never arrive: 'aborted' then
// 'close', and the stream never emits 'end'.
func (m *IncomingMessage) abort() {
	m.aborted = true
	m.Emit("aborted")
	m.Emit("close")
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
		return m.headerObject(h.Raw), true
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
	case "socket":
		return m.Socket, true
	case "constructor":
		return map[string]any{"name": "IncomingMessage"}, true // the class a listener is given
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
	}
	return nil, js.ErrMissing
}

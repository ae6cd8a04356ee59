package nodehttp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nodespec/nodespec/impl/js"
)

// ServerResponse is enough of http.ServerResponse to answer a request
// (http/ServerResponse): status, headers, write, end, 'finish'.
type ServerResponse struct {
	js.Emitter
	exchange *exchange

	StatusCode    int
	StatusMessage string
	names         []string          // header names in the order they were set
	values        map[string]string // lower-case name -> value
	cases         map[string]string // lower-case name -> name as set
	headersSent   bool
	chunked       bool
	finished      bool
	// committed: writeHead fixed the head, so its length is unknown even if
	// end() brings the whole body (Node serialises the head at writeHead).
	committed bool
	// awaitingContinue: 'checkContinue' was emitted and no 100 was sent
	// yet; a final response then closes the connection (observed).
	awaitingContinue bool

	// pending holds the bytes of a response queued behind an earlier one on
	// the connection (pipelining): responses go out in request order.
	pending   []byte
	finishing bool // end() wrote the last bytes; 'finish' follows
	closed    bool // 'close' was emitted
	destroyed bool
}

func newResponse(x *exchange) *ServerResponse {
	return &ServerResponse{exchange: x, StatusCode: 200, values: map[string]string{}, cases: map[string]string{}}
}

func (r *ServerResponse) setHeader(name, value string) {
	key := strings.ToLower(name)
	if _, ok := r.values[key]; !ok {
		r.names = append(r.names, key)
	}
	r.values[key], r.cases[key] = value, name
}

// head serialises the status line and headers. bodyLen < 0: length unknown
// (chunked on HTTP/1.1).
func (r *ServerResponse) head(bodyLen int) []byte {
	x := r.exchange
	if r.committed {
		bodyLen = -1
	}
	if r.awaitingContinue {
		x.keepAlive = false
	}
	msg := r.StatusMessage
	if msg == "" {
		msg = statusText(r.StatusCode)
	}
	_, hasCL := r.values["content-length"]
	if conn, ok := r.values["connection"]; ok && strings.Contains(strings.ToLower(conn), "close") {
		x.keepAlive = false // the program asked to close (observed: honoured on every line)
	}
	if x.keepAlive && !x.req.head.persistentByDefault() && !hasCL {
		// HTTP/1.0 keep-alive needs a length the program set itself;
		// otherwise the body ends with the connection (observed).
		x.keepAlive = false
	}
	srv := x.conn.srv
	var sb strings.Builder
	fmt.Fprintf(&sb, "HTTP/1.1 %d %s\r\n", r.StatusCode, msg)
	for _, k := range r.names {
		fmt.Fprintf(&sb, "%s: %s\r\n", r.cases[k], r.values[k])
	}
	if _, ok := r.values["date"]; !ok {
		fmt.Fprintf(&sb, "Date: %s\r\n", httpDate())
	}
	_, userConn := r.values["connection"]
	switch {
	case userConn:
	case x.keepAlive && !x.lastAllowed:
		sb.WriteString("Connection: keep-alive\r\n")
		if kat := x.keepAliveTimeout; srv.profile.KeepAliveHeader && kat > 0 {
			// server.keepAliveTimeout in whole seconds (5 s by default),
			// and maxRequestsPerSocket when set
			fmt.Fprintf(&sb, "Keep-Alive: timeout=%d", int(kat/1000))
			if m := srv.num("maxRequestsPerSocket"); m > 0 {
				fmt.Fprintf(&sb, ", max=%d", int(m))
			}
			sb.WriteString("\r\n")
		}
	default:
		// Also on the last request maxRequestsPerSocket allows, although
		// the socket stays open (observed on Node 20-26).
		sb.WriteString("Connection: close\r\n")
	}
	switch {
	case hasCL || !r.hasBody():
	case !x.keepAlive && !x.req.head.persistentByDefault():
		// An HTTP/1.0-style exchange that closes: the body ends with the
		// connection and no length is sent.
	case bodyLen >= 0:
		fmt.Fprintf(&sb, "Content-Length: %d\r\n", bodyLen)
	case x.req.head.Minor >= 1:
		r.chunked = true
		sb.WriteString("Transfer-Encoding: chunked\r\n")
	default:
		x.keepAlive = false // HTTP/1.0 without a length: the body ends with the connection
	}
	sb.WriteString("\r\n")
	r.headersSent = true
	return []byte(sb.String())
}

// writeHeadCall is response.writeHead(code[, message][, headers]).
func (r *ServerResponse) writeHeadCall(code int, msg string, headers map[string]any) {
	r.StatusCode, r.StatusMessage = code, msg
	for k, v := range headers {
		r.setHeader(k, toString(v))
	}
	r.committed = true
}

// writeContinue is response.writeContinue(): an interim 100 Continue, sent
// at once, whether or not the request asked for it (observed).
func (r *ServerResponse) writeContinue() {
	r.awaitingContinue = false
	r.send([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
}

// hasBody: a response to HEAD, and a 204 or 304, has no body; what the
// program writes is dropped and no length is sent.
func (r *ServerResponse) hasBody() bool {
	return r.exchange.req.head.Method != "HEAD" && r.StatusCode != 204 && r.StatusCode != 304
}

func (r *ServerResponse) write(b []byte) {
	if !r.hasBody() {
		b = nil
	}
	var out []byte
	if !r.headersSent {
		out = r.head(-1)
	}
	if len(b) > 0 {
		if r.chunked {
			out = append(out, strconv.FormatInt(int64(len(b)), 16)+"\r\n"...)
			out = append(append(out, b...), "\r\n"...)
		} else {
			out = append(out, b...)
		}
	}
	if len(out) > 0 {
		r.send(out)
	}
}

// send writes now if this response is the connection's current one, or
// keeps the bytes until the responses before it are done.
func (r *ServerResponse) send(b []byte) {
	if r.destroyed {
		return
	}
	if !r.exchange.current() {
		r.pending = append(r.pending, b...)
		return
	}
	r.exchange.sock.Write(b, nil)
}

// activate runs when the responses before this one are done.
func (r *ServerResponse) activate() {
	if len(r.pending) > 0 {
		r.exchange.sock.Write(r.pending, nil)
		r.pending = nil
	}
	if r.finished {
		r.finishSoon()
	}
}

// finishSoon emits 'finish' once the last bytes are written: on the next
// tick, as a write that completed at once reports. Then the response
// closes (v14 and later, on the tick after), and the request is drained
// if nobody read it.
func (r *ServerResponse) finishSoon() {
	if r.finishing {
		return
	}
	r.finishing = true
	x := r.exchange
	x.sock.Loop.NextTick(func() {
		if r.destroyed {
			return
		}
		// The connection is done with this response before the program
		// hears 'finish' (an idle connection is idle in its listener).
		x.responseDone()
		r.Emit("finish")
		if x.conn.srv.profile.Era != EraV6 {
			x.sock.Loop.NextTick(r.emitClose)
		}
		x.req.dump()
		x.afterResponse()
	})
}

func (r *ServerResponse) emitClose() {
	if r.closed {
		return
	}
	r.closed = true
	r.Emit("close")
	if req := r.exchange.req; req.profile.Era == EraLatest {
		req.maybeClose()
	}
}

// destroy is response.destroy(): the socket is destroyed; 'close' comes
// when it has closed.
func (r *ServerResponse) destroy() {
	r.exchange.sock.Destroy(nil)
}

func (r *ServerResponse) end(b []byte) {
	if r.finished {
		return
	}
	r.finished = true
	if r.exchange.sock.Destroyed() {
		return // nothing can be written: no 'finish' (observed)
	}
	if !r.hasBody() {
		b = nil
	}
	var out []byte
	if !r.headersSent {
		out = r.head(len(b))
	}
	if r.chunked {
		if len(b) > 0 {
			out = append(out, strconv.FormatInt(int64(len(b)), 16)+"\r\n"...)
			out = append(append(out, b...), "\r\n"...)
		}
		out = append(out, "0\r\n\r\n"...)
	} else {
		out = append(out, b...)
	}
	if r.exchange.current() {
		r.exchange.sock.Write(out, nil)
		r.finishSoon()
	} else {
		r.pending = append(r.pending, out...)
	}
}

// Get implements js.Object.
func (r *ServerResponse) Get(name string) (any, bool) {
	switch name {
	case "statusCode":
		return float64(r.StatusCode), true
	case "statusMessage":
		return r.StatusMessage, true
	case "headersSent":
		return r.headersSent, true
	case "finished":
		return r.finished, true
	case "constructor":
		return map[string]any{"name": "ServerResponse"}, true // the class a listener is given
	}
	return nil, false
}

// Call implements js.Object.
func (r *ServerResponse) Call(name string, args []any) (any, error) {
	switch name {
	case "setHeader":
		n, _ := js.Arg(args, 0).(string)
		r.setHeader(n, toString(js.Arg(args, 1)))
		return r, nil
	case "getHeader":
		if v, ok := r.values[strings.ToLower(toString(js.Arg(args, 0)))]; ok {
			return v, nil
		}
		return js.Undefined{}, nil
	case "writeHead":
		code, _ := js.Arg(args, 0).(float64)
		rest := args[min(1, len(args)):]
		msg := ""
		if s, ok := js.Arg(rest, 0).(string); ok {
			msg, rest = s, rest[1:]
		}
		hs, _ := js.Arg(rest, 0).(map[string]any)
		r.writeHeadCall(int(code), msg, hs)
		return r, nil
	case "destroy":
		r.destroy()
		return r, nil
	case "writeContinue":
		r.writeContinue()
		return js.Undefined{}, nil
	case "write":
		r.write(js.Bytes(js.Arg(args, 0)))
		return true, nil
	case "end":
		r.end(js.Bytes(js.Arg(args, 0)))
		return r, nil
	}
	return nil, js.ErrMissing
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case js.Undefined:
		return "undefined"
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// httpDate is the Date header's value: now, in IMF-fixdate.
func httpDate() string {
	return time.Now().UTC().Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT")
}

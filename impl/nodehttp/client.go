package nodehttp

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
	"github.com/nodespec/nodespec/impl/nodenet"
)

// ClientRequest is http.ClientRequest (http/ClientRequest), made by
// http.request / http.get. It connects on its own socket (the agent's
// pooling is not modelled yet), writes its head with the body, and reads
// the response into a ClientResponse.
//
// Event orders per line, observed on the releases (the docs leave them
// open): v6/v14 emit 'prefinish' inside end(), then 'socket', then 'finish'
// once the bytes are handed to the socket (before it connects); latest
// emits 'socket' first, then 'prefinish', and 'finish' once the bytes are
// written after the socket connects. 'close' follows the response's 'end'.
type ClientRequest struct {
	js.Emitter
	loop    *loop.Loop
	profile *Profile
	mod     *Module
	agent   *Agent
	pool    string         // the agent's name for the request's host and port
	options map[string]any // as given, for the agent's 'free'
	reused  bool           // the socket came from the agent's free pool

	method, path, host string
	port               int
	headers            []clientHeader // in set order; Host is set by the constructor
	keepAlive          bool           // the agent keeps the socket (latest's globalAgent)

	sock       *nodenet.Socket
	body       [][]byte // what write and end gave, in order, until the request goes out
	wrote      bool     // write() was called: the body is streamed, not sent whole
	chunked    bool
	eofEnded   bool // the response ended with the connection (no length)
	errored    bool // 'error' was emitted
	destroyed  bool
	aborted    bool
	abortedAt  float64 // v6's request.aborted: when abort() was called
	assigned   bool    // 'socket' was emitted; writes go straight to it once the head is out
	flushAsked bool    // flushHeaders before the socket came
	timeoutMs  float64 // setTimeout before the socket was assigned
	maxHeaders int     // request.maxHeadersCount; 0 = unset (null)
	corked     int     // cork() calls not yet undone
	corkBuf    []byte  // body bytes written while corked
	ended      bool
	headerSent bool
	finished   bool
	closed     bool
	res        *ClientResponse
	parser     *responseParser
	// joinDuplicates: http.request({joinDuplicateHeaders: true}) (latest)
	joinDuplicates bool
}

// clientHeader is a header as set: one value, or an array (values).
type clientHeader struct {
	name, value string
	values      []string
}

func headerArg(v any) clientHeader {
	if list, ok := v.([]any); ok {
		h := clientHeader{}
		for _, x := range list {
			h.values = append(h.values, js.String(x))
		}
		return h
	}
	return clientHeader{value: js.String(v)}
}

// js is the header's value as getHeader returns it.
func (h clientHeader) js() any {
	if h.values != nil {
		return strList(h.values)
	}
	return h.value
}

// lines is how the header goes out: an array is one line per value,
// except Cookie, whose values are joined with "; " (observed on 14-26).
func (h clientHeader) lines() []string {
	switch {
	case h.values == nil:
		return []string{h.name + ": " + h.value}
	case strings.EqualFold(h.name, "cookie"):
		return []string{h.name + ": " + strings.Join(h.values, "; ")}
	}
	out := make([]string, len(h.values))
	for i, v := range h.values {
		out[i] = h.name + ": " + v
	}
	return out
}

// request is http.request(options[, callback]) and http.get.
func (m *Module) request(args []any, get bool) (any, error) {
	// http.request(options[, cb]), (url[, cb]) or (url, options[, cb]):
	// a URL string's parts, then the options over them.
	opts, ok := js.Arg(args, 0).(map[string]any)
	if u, isURL := js.Arg(args, 0).(string); isURL {
		parsed, err := urlOptions(u)
		if err != nil {
			return nil, err
		}
		opts, ok = parsed, true
		if more, isOpts := js.Arg(args, 1).(map[string]any); isOpts {
			for k, v := range more {
				opts[k] = v
			}
			args = append([]any{opts}, args[2:]...)
		} else {
			args = append([]any{opts}, args[1:]...)
		}
	}
	if !ok {
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "ref implements http.request with an options object or a URL string only")
	}
	r := &ClientRequest{loop: m.Loop, profile: m.Profile, mod: m, options: opts, method: "GET", path: "/", host: "localhost", port: 80}
	switch a := opts["agent"].(type) {
	case *Agent:
		r.agent = a
	case bool:
		// agent: false is a one-off agent with the default options
		r.agent = newAgent(m.Profile, nil)
	default:
		r.agent = m.globalAgent()
	}
	r.keepAlive = r.agent.keepsSockets()
	if m.Profile.Era == EraLatest {
		r.joinDuplicates, _ = opts["joinDuplicateHeaders"].(bool)
	}
	if err := m.checkRequestOptions(opts); err != nil {
		return nil, err
	}
	if v, ok := opts["method"].(string); ok {
		r.method = strings.ToUpper(v)
	}
	if v, ok := opts["path"].(string); ok {
		r.path = v
	}
	if v, ok := opts["hostname"].(string); ok {
		r.host = v
	} else if v, ok := opts["host"].(string); ok {
		r.host = v
	}
	switch v := opts["port"].(type) {
	case float64:
		r.port = int(v)
	case string:
		r.port, _ = strconv.Atoi(v)
	}
	if h, ok := opts["headers"].(map[string]any); ok {
		names := make([]string, 0, len(h))
		for k := range h {
			names = append(names, k)
		}
		sort.Strings(names) // programs arrive with their keys in byte order (FORMAT.md)
		for _, k := range names {
			r.setHeader(k, headerArg(h[k]))
		}
	}
	if r.getHeader("host") == "" {
		host := r.host
		if r.port != 80 {
			host += ":" + strconv.Itoa(r.port)
		}
		if r.method == "CONNECT" && m.Profile.Era == EraLatest {
			// Node 26 (and Deno) name the tunnel's target as the Host of a
			// CONNECT; 20-24 name the proxy (recorded in connect-tunnel).
			host = r.path
		}
		r.setHeader("Host", clientHeader{value: host})
	}
	if cb, ok := js.Arg(args, 1).(js.Callback); ok {
		r.Once("response", js.Listener(cb))
	}
	if t, ok := opts["timeout"].(float64); ok && t > 0 {
		r.timeoutMs = t // the socket's idle timeout once it is assigned
	}
	r.pool = r.agent.getName(map[string]any{"host": r.host, "port": float64(r.port), "localAddress": opts["localAddress"]})
	r.agent.addRequest(r)
	if get {
		r.end(nil)
	}
	return r, nil
}

// useSocket: the agent gave the request a socket (a new one, a free one,
// or one freed by the request before it in the queue). 'socket' comes a
// tick later.
func (r *ClientRequest) useSocket(s *nodenet.Socket, reused bool) {
	r.sock, r.reused = s, reused
	r.agent.use(r.pool, s)
	if r.profile.Era == EraLatest {
		r.loop.NextTick(r.assignSocket)
	} else {
		// v6/v14: 'socket' comes a tick later, after a 'prefinish' that
		// end() queued at once (observed with http.get, which ends itself).
		r.loop.NextTick(func() { r.loop.NextTick(r.assignSocket) })
	}
}

// setHeader replaces a header of the same name (case-insensitive) in its
// place, with the new name's case.
func (r *ClientRequest) setHeader(name string, h clientHeader) {
	h.name = name
	for i, old := range r.headers {
		if strings.EqualFold(old.name, name) {
			r.headers[i] = h
			return
		}
	}
	r.headers = append(r.headers, h)
}

func (r *ClientRequest) header(name string) (clientHeader, bool) {
	for _, h := range r.headers {
		if strings.EqualFold(h.name, name) {
			return h, true
		}
	}
	return clientHeader{}, false
}

func (r *ClientRequest) getHeader(name string) string {
	h, _ := r.header(name)
	return h.value
}

func (r *ClientRequest) removeHeader(name string) {
	for i, h := range r.headers {
		if strings.EqualFold(h.name, name) {
			r.headers = append(r.headers[:i], r.headers[i+1:]...)
			return
		}
	}
}

// assignSocket runs on the tick after the request was made: 'socket', then
// on latest the buffered request goes out.
func (r *ClientRequest) assignSocket() {
	s := r.sock
	if r.mod.sockReq == nil {
		r.mod.sockReq = map[*nodenet.Socket]*ClientRequest{}
	}
	r.mod.sockReq[s] = r
	if r.timeoutMs > 0 {
		s.SetTimeout(r.timeoutMs)
	}
	r.assigned = true
	r.Emit("socket", s)
	if r.ended || r.flushAsked {
		r.flush()
	}
}

// useChunkedByDefault: methods whose requests have no body unless given
// one (observed: a body written to them goes out without framing).
func (r *ClientRequest) useChunkedByDefault() bool {
	switch r.method {
	case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT":
		return false
	}
	return true
}

// head serialises the request line and headers, then Connection and the
// framing, as the releases write them.
func (r *ClientRequest) head(bodyLen int, whole bool) []byte {
	var b bytes.Buffer
	b.WriteString(r.method + " " + r.path + " HTTP/1.1\r\n")
	for _, h := range r.headers {
		for _, l := range h.lines() {
			b.WriteString(l + "\r\n")
		}
	}
	if _, ok := r.header("connection"); !ok {
		_, expect := r.header("expect")
		// Node 6 asks for keep-alive on a request that expects 100-continue
		// (observed), whatever its agent does with the socket after.
		if r.keepAlive || expect && r.profile.Era == EraV6 {
			b.WriteString("Connection: keep-alive\r\n")
		} else {
			b.WriteString("Connection: close\r\n")
		}
	}
	_, hasCL := r.header("content-length")
	_, hasTE := r.header("transfer-encoding")
	if !hasCL && !hasTE {
		switch {
		// A body sent whole has its length; so has an empty one of a
		// method that carries a body (PUT and POST say Content-Length: 0).
		case whole && (bodyLen > 0 || r.useChunkedByDefault()):
			b.WriteString("Content-Length: " + strconv.Itoa(bodyLen) + "\r\n")
		case !whole && r.useChunkedByDefault():
			r.chunked = true
			b.WriteString("Transfer-Encoding: chunked\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// end is request.end([data]): the request is complete. v6/v14 emit
// 'prefinish' here; latest once the socket is assigned.
func (r *ClientRequest) end(data []byte) {
	if r.ended {
		return
	}
	r.uncorkAll() // end() sends what cork held
	r.ended = true
	if r.headerSent {
		// The head went out (flushHeaders): the last data and the end of
		// the body go now.
		r.sendBody([][]byte{data}, true)
		return
	}
	if len(data) > 0 {
		r.body = append(r.body, data)
	}
	if r.profile.Era != EraLatest {
		r.loop.NextTick(func() { r.Emit("prefinish") })
	}
}

// write is request.write(chunk): buffered until the request goes out.
func (r *ClientRequest) write(data []byte) bool {
	if r.ended {
		// write after end: the error comes on the next tick; write answers
		// true on 6 and 14, false later (observed).
		err := &js.Error{Name: "Error", Code: "ERR_STREAM_WRITE_AFTER_END", Message: "write after end"}
		if r.profile.Era == EraV6 {
			err.Code = ""
		}
		r.loop.NextTick(func() { r.Emit("error", err) })
		return r.profile.Era != EraLatest
	}
	r.wrote = true
	if r.corked > 0 {
		r.corkBuf = append(r.corkBuf, data...) // one chunk at the last uncork
		return true
	}
	if r.headerSent {
		r.sendBody([][]byte{data}, false)
		return true
	}
	if len(data) > 0 {
		r.body = append(r.body, data)
	}
	return true
}

// sendBody frames body parts (chunked or raw) and writes them; last adds
// the end of a chunked body and finishes the request.
func (r *ClientRequest) sendBody(parts [][]byte, last bool) {
	out := r.frame(nil, parts, last)
	if !last {
		if len(out) > 0 {
			r.sock.Write(out, nil)
		}
		return
	}
	// On a connected socket the write is done at once: 'finish' on the
	// next tick, before a response already under way ends (observed).
	if r.profile.Era == EraLatest {
		r.Emit("prefinish")
	} else {
		r.loop.NextTick(func() { r.Emit("prefinish") })
	}
	r.sock.Write(out, nil)
	r.loop.NextTick(r.emitFinish)
}

// frame appends body parts to out, each a chunk when the body is chunked
// (raw otherwise), and after the last the end of a chunked body.
func (r *ClientRequest) frame(out []byte, parts [][]byte, last bool) []byte {
	for _, b := range parts {
		if len(b) == 0 {
			continue
		}
		if r.chunked {
			out = append(out, strconv.FormatInt(int64(len(b)), 16)+"\r\n"...)
		}
		out = append(out, b...)
		if r.chunked {
			out = append(out, "\r\n"...)
		}
	}
	if last && r.chunked {
		out = append(out, "0\r\n\r\n"...)
	}
	return out
}

// flush writes the whole request once it has ended and has its socket.
func (r *ClientRequest) flush() {
	if r.headerSent {
		return
	}
	r.headerSent = true
	n := 0
	for _, b := range r.body {
		n += len(b)
	}
	// A request flushed before it ended streams its body.
	out := r.frame(r.head(n, !r.wrote && r.ended), r.body, r.ended)
	r.body = nil
	if !r.ended {
		r.sock.Write(out, nil)
		return
	}
	if r.profile.Era == EraLatest {
		r.Emit("prefinish")
		r.sock.Write(out, func(error) { r.emitFinish() })
		return
	}
	// v6/v14: 'finish' once the bytes are written on connect, before the
	// program hears 'connect'; never when the connect fails (observed).
	r.sock.Write(out, nil)
	if r.sock.Connecting() {
		r.sock.BeforeConnect = r.emitFinish
	} else {
		r.loop.NextTick(r.emitFinish)
	}
}

func (r *ClientRequest) emitFinish() {
	if r.finished {
		return
	}
	r.finished = true
	r.Emit("finish")
}

func (r *ClientRequest) onData(b []byte) {
	if r.parser == nil {
		r.parser = r.newParser()
	}
	for _, ev := range r.parser.feed(b) {
		r.onResponseEvent(ev)
	}
}

func (r *ClientRequest) onEnd() {
	if r.parser != nil && r.parser.state == rpClose {
		r.eofEnded = true
	}
	if r.parser != nil {
		for _, ev := range r.parser.eof() {
			r.onResponseEvent(ev)
		}
	}
	r.sock.End()
}

func (r *ClientRequest) onResponseEvent(ev responseEvent) {
	switch ev.kind {
	case "info":
		// 1xx before the final response (v14+: 'information'); 100 is
		// 'continue'.
		h := ev.head
		if h.status == 100 {
			r.Emit("continue")
			return
		}
		m := &IncomingMessage{profile: r.profile}
		r.Emit("information", map[string]any{
			"statusCode": float64(h.status), "statusMessage": h.reason,
			"headers": m.headerObject(h.raw), "rawHeaders": strList(h.raw),
			"httpVersion":      strconv.Itoa(h.major) + "." + strconv.Itoa(h.minor),
			"httpVersionMajor": float64(h.major), "httpVersionMinor": float64(h.minor),
		})
	case "head":
		r.res = newClientResponse(r, ev.head)
		if ev.handOver != "" {
			// 101 to an upgrade, 2xx to CONNECT: the socket is the
			// listener's, with what followed the head.
			r.res.complete = true
			r.Emit(ev.handOver, r.res, r.sock, js.Buffer(ev.body))
			return
		}
		if r.ListenerCount("response") == 0 {
			// nobody takes the response: its body is read and dropped, so
			// it still ends (and an agent gets its socket back)
			r.res.flowing = true
		}
		r.Emit("response", r.res)
	case "body":
		r.res.push(ev.body)
	case "complete":
		r.res.push(nil)
	case "error":
		// A response that cannot be parsed: the request's error, then the
		// connection is destroyed, so the request (and a response begun)
		// closes as when the server closes mid-response (observed on 6, 14
		// and 20-26: 'error' comes first on every line).
		r.errored = true
		r.Emit("error", &js.Error{Name: "Error", Code: ev.err.Code, Message: ev.err.Error()})
		r.sock.Destroy(nil)
	}
}

// newParser is the response parser for this request: its method, its
// profile's parser and the request's maxHeaderSize and
// insecureHTTPParser (options of http.request from v14 on; Node 6 ignores
// them, observed).
func (r *ClientRequest) newParser() *responseParser {
	maxHead, lenient := r.profile.MaxHeaderSize, false
	if r.profile.Era != EraV6 {
		if n, ok := r.options["maxHeaderSize"].(float64); ok && n > 0 {
			maxHead = int(n)
		}
		lenient, _ = r.options["insecureHTTPParser"].(bool)
	}
	p := newResponseParser(r.profile.Era, r.method == "HEAD", maxHead, lenient)
	p.connect = r.method == "CONNECT"
	return p
}

// responseEnded: the response's 'end' was emitted. A socket the agent
// does not keep is closed (v6/v14: Connection: close), and 'close' comes
// from the socket's close; latest keeps it and closes the request now.
func (r *ClientRequest) responseEnded() {
	conn, _ := headerValue(r.res.head.raw, "connection")
	if r.keepAlive && !r.eofEnded && !strings.EqualFold(conn, "close") {
		// The agent keeps the socket: the request closes, then the socket
		// is free for the next request to the same host and port.
		r.emitClose()
		delete(r.mod.sockReq, r.sock)
		r.agent.release(r.pool, r.sock, r.options, r.mod)
		return
	}
	r.sock.End()
	r.sock.Destroy(nil)
}

// onSocketClose: the connection is gone. Before any response the request
// fails with "socket hang up" (unless the socket's own error was its
// error); during a response's body the response is aborted, in the order
// each line has (observed on 6, 14 and 20-26).
func (r *ClientRequest) onSocketClose() {
	switch {
	case r.closed:
		return
	case r.res == nil:
		hangUp := func() {
			if !r.errored {
				r.errored = true
				r.Emit("error", &js.Error{Name: "Error", Code: "ECONNRESET", Message: "socket hang up"})
			}
		}
		if (r.destroyed || r.aborted) && r.profile.Era == EraV6 {
			// Node 6 closes a request the program destroyed or aborted before it
			// reports the hang-up (observed); a peer's close comes after.
			r.emitClose()
			hangUp()
			return
		}
		hangUp()
		r.emitClose()
	case !r.res.complete:
		r.res.abort()
	default:
		r.emitClose()
	}
}

func (r *ClientRequest) emitClose() {
	if r.closed {
		return
	}
	r.closed = true
	if r.res != nil && r.profile.Era == EraLatest && r.eofEnded {
		// latest, a response that ended with its connection: the
		// response closes first (observed on Node 20-26).
		r.res.emitClose()
	}
	r.Emit("close")
	if r.res != nil && r.profile.Era != EraV6 {
		r.res.emitClose()
	}
}

// Closed reports whether the request emitted 'close' (a case is done).
func (r *ClientRequest) Closed() bool { return r.closed }

// Socket is the request's socket (a case's teardown destroys it).
func (r *ClientRequest) Socket() *nodenet.Socket { return r.sock }

// Get implements js.Object.
func (r *ClientRequest) Get(name string) (any, bool) {
	if r.profile.Era == EraV6 && newerThanNode6[name] {
		return nil, false
	}
	switch name {
	case "method":
		return r.method, true
	case "path":
		return r.path, true
	case "host":
		return r.host, true
	case "protocol":
		return "http:", true
	case "finished", "writableEnded":
		return r.ended, true
	case "destroyed":
		return r.destroyed, true
	case "maxHeadersCount":
		if r.maxHeaders == 0 {
			return nil, true
		}
		return float64(r.maxHeaders), true
	case "aborted":
		if r.profile.Era == EraV6 {
			// v6 docs: the time of the abort in ms since the epoch, and
			// undefined before (observed on 6.17.1).
			if r.abortedAt == 0 {
				return js.Undefined{}, true
			}
			return r.abortedAt, true
		}
		return r.aborted, true
	case "socket", "connection":
		if !r.assigned {
			return nil, true // null until 'socket' (observed)
		}
		return r.sock, true
	case "writableFinished":
		return r.finished, true
	case "reusedSocket":
		return r.reused, true
	}
	return nil, false
}

// newerThanNode6: ClientRequest members Node 6 does not have.
var newerThanNode6 = map[string]bool{"host": true, "protocol": true, "writableFinished": true, "reusedSocket": true}

// Call implements js.Object.
func (r *ClientRequest) Call(name string, args []any) (any, error) {
	switch name {
	case "end":
		r.end(js.Bytes(js.Arg(args, 0)))
		return r, nil
	case "write":
		return r.write(js.Bytes(js.Arg(args, 0))), nil
	case "setHeader":
		if r.headerSent {
			return nil, r.profile.headersSentError("set")
		}
		if err := r.profile.checkHeaderName(js.Arg(args, 0), "Header name"); err != nil {
			return nil, err
		}
		if err := r.profile.checkHeaderValue(js.String(js.Arg(args, 0)), js.Arg(args, 1), "header"); err != nil {
			return nil, err
		}
		r.setHeader(js.String(js.Arg(args, 0)), headerArg(js.Arg(args, 1)))
		if r.profile.Era == EraLatest {
			return r, nil // returns the request since Node 18 (observed)
		}
		return js.Undefined{}, nil
	case "getHeader":
		if h, ok := r.header(js.String(js.Arg(args, 0))); ok {
			return h.js(), nil
		}
		return js.Undefined{}, nil
	case "flushHeaders":
		if r.assigned {
			r.flush()
		} else {
			r.flushAsked = true
		}
		return js.Undefined{}, nil
	case "destroy":
		r.destroyed = true
		if r.sock != nil {
			r.sock.Destroy(nil)
		}
		return r, nil
	case "cork":
		r.corked++
		return js.Undefined{}, nil
	case "uncork":
		// The last uncork sends the writes made while corked as one chunk
		// (Node 22-26; Node 20 frames each write: recorded).
		if r.corked > 0 {
			if r.corked--; r.corked == 0 {
				r.uncorkAll()
			}
		}
		return js.Undefined{}, nil
	case "setNoDelay", "setSocketKeepAlive":
		return js.Undefined{}, nil // socket options: nothing a trace can see on loopback
	case "abort":
		// 'abort' comes on the next tick, then the connection's loss.
		if !r.aborted {
			r.aborted = true
			r.abortedAt = float64(time.Now().UnixMilli())
			r.loop.NextTick(func() { r.Emit("abort") })
			r.loop.NextTick(func() { r.sock.Destroy(nil) })
		}
		return js.Undefined{}, nil
	case "setTimeout":
		ms, _ := js.Arg(args, 0).(float64)
		if cb, ok := js.Arg(args, 1).(js.Callback); ok {
			r.Once("timeout", js.Listener(cb))
		}
		if r.sock != nil && !r.sock.Destroyed() {
			r.sock.SetTimeout(ms)
		}
		r.timeoutMs = ms
		return r, nil
	case "removeHeader":
		r.removeHeader(js.String(js.Arg(args, 0)))
		return js.Undefined{}, nil
	case "hasHeader", "getHeaderNames", "getRawHeaderNames", "getHeaders":
		// Node 6 has none of them; getRawHeaderNames came in 15.13.
		if r.profile.Era == EraV6 || r.profile.Era == EraV14 && name == "getRawHeaderNames" {
			return nil, js.ErrMissing
		}
		return r.headerList(name, js.String(js.Arg(args, 0))), nil
	}
	return nil, js.ErrMissing
}

// headerList answers hasHeader and the header lists: names lower-cased in
// set order (Host first, as the constructor set it), raw names as set.
func (r *ClientRequest) headerList(name, arg string) any {
	switch name {
	case "hasHeader":
		_, ok := r.header(arg)
		return ok
	case "getHeaders":
		out := map[string]any{}
		for _, h := range r.headers {
			out[strings.ToLower(h.name)] = h.js()
		}
		return out
	}
	var out []string
	for _, h := range r.headers {
		if name == "getHeaderNames" {
			out = append(out, strings.ToLower(h.name))
		} else {
			out = append(out, h.name)
		}
	}
	return strList(out)
}

// watchSocket listens once on a client socket and hands what it hears to
// the request using it; a socket an agent keeps free closes quietly.
func (m *Module) watchSocket(s *nodenet.Socket, agent *Agent) {
	owner := func() *ClientRequest { return m.sockReq[s] }
	s.On("data", func(args ...any) {
		if r := owner(); r != nil {
			r.onData(args[0].(js.Buffer))
		}
	})
	s.On("end", func(...any) {
		if r := owner(); r != nil {
			r.onEnd()
			return
		}
		s.End()
		s.Destroy(nil)
	})
	s.On("close", func(...any) {
		agent.forget(s)
		if r := owner(); r != nil {
			r.onSocketClose()
		}
	})
	s.On("error", func(args ...any) {
		if r := owner(); r != nil {
			r.onSocketError(args[0])
		}
	})
	s.On("timeout", func(...any) {
		if r := owner(); r != nil {
			r.Emit("timeout")
		}
	})
}

// onSocketError: a socket error before the response is the request's error.
func (r *ClientRequest) onSocketError(err any) {
	if r.res != nil || r.errored || r.destroyed {
		return
	}
	r.errored = true
	if e, ok := err.(*js.Error); ok && r.profile.Era == EraV6 && e.Props["errno"] != nil {
		// Node 6's system errors carry the code as errno too.
		e.Props["errno"] = e.Code
	}
	r.Emit("error", err)
}

// Set implements js.Setter: request.maxHeadersCount.
func (r *ClientRequest) Set(name string, v any) bool {
	if name != "maxHeadersCount" {
		return false
	}
	n, _ := v.(float64)
	if i, ok := v.(int); ok {
		n = float64(i)
	}
	r.maxHeaders = int(n)
	return true
}

// checkRequestOptions refuses what http.request throws on at once, with the
// errors of each line (observed on 6, 14 and 20-26): a port out of range or
// not a number, a method that is not a token, a path with characters that
// must be escaped (a space, a control character, above U+00FF), and the
// header names and values setHeader would refuse.
func (m *Module) checkRequestOptions(opts map[string]any) error {
	p := m.Profile
	if port, ok := opts["port"]; ok {
		if err := checkPort(p, port); err != nil {
			return err
		}
	}
	if method, ok := opts["method"].(string); ok && !isToken(method) {
		if p.Era == EraV6 {
			return &js.Error{Name: "TypeError", Message: "Method must be a valid HTTP token"}
		}
		return js.TypeError("ERR_INVALID_HTTP_TOKEN", "Method must be a valid HTTP token [%s]", quoteJS(method))
	}
	if path, ok := opts["path"].(string); ok {
		for _, c := range path {
			if c < 0x21 || c > 0xff {
				if p.Era == EraV6 {
					return &js.Error{Name: "TypeError", Message: "Request path contains unescaped characters"}
				}
				return js.TypeError("ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters")
			}
		}
	}
	if h, ok := opts["headers"].(map[string]any); ok {
		for name, v := range h {
			if err := p.checkHeaderName(name, "Header name"); err != nil {
				return err
			}
			if err := p.checkHeaderValue(name, v, "header"); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkPort: an integer 0-65535, or a string of one.
func checkPort(p *Profile, port any) error {
	ok := false
	switch v := port.(type) {
	case float64:
		ok = v == float64(int(v)) && v >= 0 && v < 65536
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		ok = err == nil && n >= 0 && n < 65536
	case js.Undefined, nil:
		ok = true
	}
	if ok {
		return nil
	}
	shown := js.String(port)
	switch p.Era {
	case EraV6:
		return &js.Error{Name: "RangeError", Message: fmt.Sprintf("\"port\" option should be >= 0 and < 65536: %s", shown)}
	case EraV14:
		return &js.Error{Name: "RangeError", Code: "ERR_SOCKET_BAD_PORT", Message: fmt.Sprintf("Port should be >= 0 and < 65536. Received %s.", shown)}
	}
	return &js.Error{Name: "RangeError", Code: "ERR_SOCKET_BAD_PORT", Message: "Port should be >= 0 and < 65536. Received " + describeArg(port) + "."}
}

// urlOptions turns a URL string into request options: hostname, port, and
// the path with its query.
func urlOptions(s string) (map[string]any, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, js.TypeError("ERR_INVALID_URL", "Invalid URL")
	}
	opts := map[string]any{"hostname": u.Hostname(), "path": u.RequestURI()}
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		opts["port"] = float64(n)
	}
	return opts, nil
}

// uncorkAll hands the writes made while corked on as one piece: one chunk
// once the head is out, one body part before.
func (r *ClientRequest) uncorkAll() {
	r.corked = 0
	if len(r.corkBuf) == 0 {
		return
	}
	data := r.corkBuf
	r.corkBuf = nil
	if r.headerSent {
		r.sendBody([][]byte{data}, false)
	} else {
		r.body = append(r.body, data)
	}
}

package nodehttp

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nodespec/nodespec/impl/js"
)

// ServerResponse is http.ServerResponse (http/ServerResponse, and the
// http/OutgoingMessage it extends on the latest docs): its head is built
// byte for byte as the releases build it, per line (observed; fixtures
// under http/ServerResponse.*), and its body is framed by Content-Length,
// chunks or the end of the connection.
type ServerResponse struct {
	js.Emitter
	exchange *exchange

	statusCode    any // float64; Node 6 keeps a numeric string as given
	statusMessage any // js.Undefined until set, or until the head is built
	headers       headerStore
	// fast: headers a writeHead brought when none were set before; they go
	// on the wire but are not in the store (getHeader does not see them).
	fast [][2]string
	// removed: automatic headers the program removed (date,
	// content-length, transfer-encoding): Node leaves them out.
	removed             map[string]bool
	sendDate            bool
	strictContentLength bool
	trailers            [][2]string

	headersSent bool
	headBytes   []byte // the head, built but not yet written
	noBody      bool   // HEAD, 1xx, 204, 304: no body, no framing
	chunked     bool
	declaredLen int // a Content-Length the program set (-1: none)
	bodyLen     int // body bytes written so far
	finished    bool
	endedDead   bool // end() came after the socket was destroyed: the response never went out
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
	destroyed bool // destroy() was called
	detached  bool // the socket was let go after the response
	// endCallbacks run right after 'finish'; finishedAt queues what must
	// wait for 'finish' (an error of a write after end).
	endCallbacks  []js.Callback
	finishEmitted bool
	afterFinishQ  []func()

	// The writable stream (stream.go): bytes held back from the socket
	// and the write callbacks waiting for them, the program's cork count,
	// a first write's hold until the next tick, and a 'drain' owed.
	held      []byte
	heldCbs   []js.Callback
	corked    int
	tickHold  bool
	needDrain bool
}

// afterFinish runs fn once 'finish' was emitted (on the next tick if it
// already was).
// chunkedWord: a TE header that takes chunks, on Node 14 and later:
// chunked between non-word characters or the ends; Node 6 takes any TE
// that has "chunk" in it (observed, te-request-*; found by nodespec-fuzz
// on node6).
var chunkedWord = regexp.MustCompile(`(?i)(^|\W)chunked($|\W)`)

func (r *ServerResponse) afterFinish(fn func()) {
	if r.finishEmitted {
		r.exchange.sock.Loop.NextTick(fn)
		return
	}
	r.afterFinishQ = append(r.afterFinishQ, fn)
}

func newResponse(x *exchange) *ServerResponse {
	return &ServerResponse{exchange: x, statusCode: float64(200), statusMessage: js.Undefined{},
		headers: newHeaderStore(), removed: map[string]bool{}, sendDate: true, declaredLen: -1}
}

func (r *ServerResponse) profile() *Profile { return r.exchange.conn.srv.profile }

// status is the numeric status code.
func (r *ServerResponse) status() int {
	n, _ := toNumber(r.statusCode)
	return int(n)
}

// toNumber is JavaScript's Number() for the values a program passes.
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return math.NaN(), false
		}
		return f, true
	}
	return math.NaN(), false
}

// checkStatus validates a status code as writeHead and end do: 100-999.
// Node 6 keeps what it was given and reads the reason as "unknown".
func (r *ServerResponse) checkStatus(code any) error {
	n, _ := toNumber(code)
	if n >= 100 && n <= 999 && n == math.Trunc(n) {
		return nil
	}
	if r.profile().Era == EraV6 {
		r.statusCode, r.statusMessage = code, "unknown"
		if math.IsNaN(n) {
			n = 0
		}
		return &js.Error{Name: "RangeError", Message: "Invalid status code: " + js.String(n)}
	}
	return &js.Error{Name: "RangeError", Code: "ERR_HTTP_INVALID_STATUS_CODE", Message: "Invalid status code: " + js.String(code)}
}

// checkMessage refuses a reason phrase that would break the head.
func (r *ServerResponse) checkMessage() error {
	msg, _ := r.statusMessage.(string)
	if !strings.ContainsAny(msg, "\r\n") {
		return nil
	}
	if r.profile().Era == EraV6 {
		return &js.Error{Name: "Error", Message: "Invalid character in statusMessage."}
	}
	return js.TypeError("ERR_INVALID_CHAR", "Invalid character in statusMessage")
}

// buildHead serialises the status line and headers. bodyLen < 0: the
// length is unknown (chunked on HTTP/1.1).
func (r *ServerResponse) buildHead(bodyLen int) []byte {
	x := r.exchange
	req := x.req.head
	if r.committed {
		bodyLen = -1
	}
	if r.awaitingContinue {
		x.keepAlive = false
	}
	code := r.status()
	msg, _ := r.statusMessage.(string)
	if msg == "" {
		msg = statusTextFor(r.profile(), code)
		r.statusMessage = msg
	}
	// A head rebuilt by a second writeHead (Node 6 and 14) keeps the
	// first one's no-body status (observed: 102 then 200 sends no body).
	r.noBody = r.noBody || req.Method == "HEAD" || code < 200 || code == 204 || code == 304

	user := func(name string) (string, bool) {
		if v, ok := r.headers.get(name); ok {
			return strings.Join(values(v), ", "), true
		}
		for _, kv := range r.fast {
			if strings.EqualFold(kv[0], name) {
				return kv[1], true
			}
		}
		return "", false
	}
	cl, hasCL := user("content-length")
	te, hasTE := user("transfer-encoding")
	_, hasTrailer := user("trailer")
	_, hasKeepAlive := user("keep-alive")
	if hasCL {
		r.declaredLen, _ = strconv.Atoi(strings.TrimSpace(cl))
	}
	conn, userConn := user("connection")
	switch lc := strings.ToLower(conn); {
	case !userConn:
	case strings.Contains(lc, "close"):
		x.keepAlive = false // the program asked to close (observed: honoured on every line)
	case strings.Contains(lc, "keep-alive"):
		x.keepAlive = true // ... and to keep alive, even against the request
	}
	if x.keepAlive && !req.persistentByDefault() && !hasCL {
		// HTTP/1.0 keep-alive needs a length the program set itself;
		// otherwise the body ends with the connection (observed).
		x.keepAlive = false
	}
	srv := x.conn.srv
	var sb strings.Builder
	fmt.Fprintf(&sb, "HTTP/1.1 %d %s\r\n", code, msg)
	if r.fast != nil {
		for _, kv := range r.fast {
			fmt.Fprintf(&sb, "%s: %s\r\n", kv[0], kv[1])
		}
	} else {
		r.headers.lines(&sb)
	}
	if _, ok := user("date"); !ok && r.sendDate && !r.removed["date"] {
		fmt.Fprintf(&sb, "Date: %s\r\n", httpDate())
	}
	switch {
	case userConn:
	case x.keepAlive && !x.lastAllowed:
		sb.WriteString("Connection: keep-alive\r\n")
		if kat := x.keepAliveTimeout; srv.profile.KeepAliveHeader && kat > 0 && !hasKeepAlive {
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
	// HTTP/1.0 clients get chunks only when they say they take them.
	reqTE, _ := joinedValue(req.Raw, "te")
	teOK := req.persistentByDefault() || srv.profile.Era == EraV6 && strings.Contains(strings.ToLower(reqTE), "chunk") ||
		srv.profile.Era != EraV6 && chunkedWord.MatchString(reqTE)
	switch {
	case r.noBody:
	case hasCL:
	case hasTE:
		codings := strings.Split(strings.ToLower(te), ",")
		r.chunked = strings.TrimSpace(codings[len(codings)-1]) == "chunked"
		if !r.chunked {
			x.keepAlive = false // the body ends with the connection
		}
	case r.removed["transfer-encoding"]:
		x.keepAlive = false // no framing at all: the body ends with the connection
	case !x.keepAlive && !req.persistentByDefault() && !teOK:
		// An HTTP/1.0-style exchange that closes: the body ends with the
		// connection and no length is sent.
	case bodyLen >= 0 && !hasTrailer && !r.removed["content-length"]:
		fmt.Fprintf(&sb, "Content-Length: %d\r\n", bodyLen)
	case teOK:
		r.chunked = true
		sb.WriteString("Transfer-Encoding: chunked\r\n")
	default:
		x.keepAlive = false // HTTP/1.0 without a length: the body ends with the connection
	}
	sb.WriteString("\r\n")
	r.headersSent = true
	return []byte(sb.String())
}

// statusTextFor is the reason phrase of a code on a profile.
func statusTextFor(p *Profile, code int) string {
	if t, ok := p.StatusTexts[code]; ok && t != "" {
		return t
	}
	return statusText(code)
}

// takeHead returns the head built but not yet written (once).
func (r *ServerResponse) takeHead(bodyLen int) []byte {
	if !r.headersSent {
		return r.buildHead(bodyLen)
	}
	h := r.headBytes
	r.headBytes = nil
	return h
}

// frame wraps body bytes as the framing asks.
func (r *ServerResponse) frame(b []byte) []byte {
	if len(b) == 0 || r.noBody {
		return nil
	}
	if !r.chunked {
		return b
	}
	out := append([]byte(strconv.FormatInt(int64(len(b)), 16)+"\r\n"), b...)
	return append(out, "\r\n"...)
}

// writeHeadCall is response.writeHead(code[, message][, headers]).
func (r *ServerResponse) writeHeadCall(code any, msg any, headers any) error {
	p := r.profile()
	if r.headersSent && (p.Era == EraLatest || len(r.headBytes) == 0) {
		if p.Era == EraLatest {
			return p.headersSentError("write")
		}
		return nil // Node 6 and 14 ignore a writeHead after the head went out
	}
	if err := r.checkStatus(code); err != nil {
		return err
	}
	if m, ok := msg.(string); ok {
		r.statusMessage = m
		if err := r.checkMessage(); err != nil {
			return err
		}
	}
	pairs, err := headerPairs(p, headers)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		if err := p.checkHeaderName(kv[0], "Header name"); err != nil {
			return err
		}
		if err := p.checkHeaderValue(js.String(kv[0]), kv[1], "header"); err != nil {
			return err
		}
	}
	if p.Era == EraV6 {
		r.statusCode = code // a numeric string stays a string on Node 6
	} else {
		n, _ := toNumber(code)
		r.statusCode = n
	}
	_, raw := headers.([]any)
	switch {
	case len(r.headers.order) > 0:
		// Headers set before: writeHead's merge into them (same name:
		// writeHead's case and value, first position; Node 22+ move the
		// names of a raw array to the end).
		for _, kv := range pairs {
			if raw && p.Era == EraLatest {
				r.headers.moveToEnd(js.String(kv[0]), kv[1])
			} else {
				r.headers.set(js.String(kv[0]), kv[1])
			}
		}
	default:
		r.fast = r.fast[:0]
		for _, kv := range pairs {
			for _, v := range values(kv[1]) {
				r.fast = append(r.fast, [2]string{js.String(kv[0]), v})
			}
		}
	}
	r.committed = true
	r.headBytes = r.buildHead(-1)
	return nil
}

// headerPairs reads writeHead's headers argument: an object, a flat array
// [k, v, k, v] or (v14+, undocumented) an array of pairs.
func headerPairs(p *Profile, h any) ([][2]any, error) {
	switch x := h.(type) {
	case nil, js.Undefined:
		return nil, nil
	case map[string]any:
		out := make([][2]any, 0, len(x))
		for _, k := range sortedKeys(x) {
			out = append(out, [2]any{k, x[k]})
		}
		return out, nil
	case []any:
		var out [][2]any
		if len(x) > 0 {
			if _, nested := x[0].([]any); nested {
				for _, e := range x {
					pair, _ := e.([]any)
					out = append(out, [2]any{js.Arg(pair, 0), js.Arg(pair, 1)})
				}
				return out, nil
			}
		}
		if len(x)%2 != 0 {
			items := make([]string, len(x))
			for i, e := range x {
				items[i] = "'" + js.String(e) + "'"
			}
			return nil, js.TypeError("ERR_INVALID_ARG_VALUE", "The argument 'headers' is invalid. Received [ %s ]", strings.Join(items, ", "))
		}
		for i := 0; i+1 < len(x); i += 2 {
			out = append(out, [2]any{x[i], x[i+1]})
		}
		return out, nil
	}
	return nil, nil
}

// writeContinue is response.writeContinue(): an interim 100 Continue, sent
// at once, whether or not the request asked for it (observed).
func (r *ServerResponse) writeContinue() {
	r.awaitingContinue = false
	r.send([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
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
		// The connection is done with this response before the program
		// hears 'finish' (an idle connection is idle in its listener).
		x.responseDone()
		r.detached = true
		if x.conn.srv.profile.Era == EraV14 && (x.req.endEmitted || len(x.conn.queue) > 0) {
			// Node 14 closes the request as its response finishes, before
			// the program hears 'finish', when the request has ended or a
			// pipelined request waits behind it (then even before its own
			// 'end'); otherwise right after 'end' (emitEnd). Observed with
			// one to three pipelined requests, read and unread.
			x.req.emitClose()
		}
		r.Emit("finish")
		r.finishEmitted = true
		for _, cb := range r.endCallbacks {
			cb()
		}
		for _, fn := range r.afterFinishQ {
			x.sock.Loop.NextTick(fn)
		}
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

// destroy is response.destroy(): the socket is destroyed, and with it
// what the response still held; 'close' comes when it has closed. An
// ended response whose bytes went out still emits 'finish' (observed).
func (r *ServerResponse) destroy() {
	r.destroyed = true
	r.exchange.sock.Destroy(nil)
}

func (r *ServerResponse) end(b []byte) error {
	if r.finished {
		return nil
	}
	if !r.headersSent {
		if err := r.checkStatus(r.statusCode); err != nil {
			return err
		}
		if err := r.checkMessage(); err != nil {
			return err
		}
	}
	if r.exchange.sock.Destroyed() {
		// Nothing can be written: no 'finish'; Node 14 and later still
		// emit 'prefinish' (observed).
		r.finished, r.endedDead = true, true
		if r.profile().Era != EraV6 {
			r.Emit("prefinish")
		}
		return nil
	}
	out := r.takeHead(len(b))
	if r.strictContentLength && r.declaredLen >= 0 && !r.noBody && r.bodyLen+len(b) != r.declaredLen {
		r.headersSent, r.headBytes = false, nil
		return &js.Error{Name: "Error", Code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH", Message: fmt.Sprintf(
			"Response body's content-length of %d byte(s) does not match the content-length of %d byte(s) set in header",
			r.bodyLen+len(b), r.declaredLen)}
	}
	r.finished = true
	out = append(out, r.frame(b)...)
	if r.chunked && !r.noBody {
		out = append(out, "0\r\n"...)
		for _, kv := range r.trailers {
			out = append(out, kv[0]+": "+kv[1]+"\r\n"...)
		}
		out = append(out, "\r\n"...)
	}
	// What cork or the first write's tick still held goes first.
	r.held = append(r.held, out...)
	r.flush()
	r.Emit("prefinish") // during end(): everything is with the socket
	if r.exchange.current() {
		r.finishSoon()
	}
	return nil
}

// Get implements js.Object.
func (r *ServerResponse) Get(name string) (any, bool) {
	p := r.profile()
	switch name {
	case "statusCode":
		return r.statusCode, true
	case "statusMessage":
		return r.statusMessage, true
	case "headersSent":
		return r.headersSent, true
	case "finished", "writableEnded":
		if name == "writableEnded" && p.Era == EraV6 {
			return nil, false
		}
		return r.finished, true
	case "writableFinished":
		if p.Era == EraV6 {
			return nil, false
		}
		return r.finished && r.pending == nil && r.exchange.current() || r.finishing, true
	case "writableObjectMode":
		if p.Era != EraLatest {
			return nil, false
		}
		return false, true
	case "writableCorked", "writableLength", "writableHighWaterMark":
		// http/OutgoingMessage (latest docs). writableCorked counts the
		// program's corks only, not the hold of a first write (Node 22 and
		// 24; Node 20 and 26 show it, recorded in outgoing-buffer-props).
		if p.Era != EraLatest {
			return nil, false
		}
		switch name {
		case "writableCorked":
			return float64(r.corked), true
		case "writableLength":
			return float64(len(r.held)), true
		}
		return float64(r.highWaterMark()), true
	case "destroyed":
		if p.Era == EraV6 {
			return nil, false
		}
		return r.destroyed, true
	case "req":
		if p.Era != EraLatest {
			return nil, false
		}
		return r.exchange.req, true
	case "socket", "connection":
		if p.Era == EraV6 && name == "socket" {
			return nil, false
		}
		if r.detached {
			return nil, true // null once the response is done (by 'finish')
		}
		return r.exchange.sock, true
	case "sendDate":
		return r.sendDate, true
	case "strictContentLength":
		if p.Era != EraLatest {
			return nil, false
		}
		return r.strictContentLength, true
	case "constructor":
		return map[string]any{"name": "ServerResponse"}, true // the class a listener is given
	case "__proto__":
		// ServerResponse.prototype, whose own prototype is
		// OutgoingMessage's (http/OutgoingMessage: the parent class).
		return map[string]any{"constructor": map[string]any{"name": "ServerResponse"},
			"__proto__": map[string]any{"constructor": map[string]any{"name": "OutgoingMessage"}}}, true
	}
	return nil, false
}

// Set implements js.Setter.
func (r *ServerResponse) Set(name string, v any) bool {
	if i, ok := v.(int); ok {
		v = float64(i)
	}
	switch name {
	case "statusCode":
		r.statusCode = v
	case "statusMessage":
		r.statusMessage = v
	case "sendDate":
		b, _ := v.(bool)
		r.sendDate = b
	case "strictContentLength":
		b, _ := v.(bool)
		r.strictContentLength = b
	default:
		return false
	}
	return true
}

// self is what a chaining method returns: the response, or undefined on
// the lines where it returned nothing.
func (r *ServerResponse) self(since Era) any {
	if r.profile().Era < since {
		return js.Undefined{}
	}
	return r
}

// checkSettable checks a setHeader / appendHeader call (verb names it in
// the error): the head not yet sent, a token name, a valid value.
func (r *ServerResponse) checkSettable(verb string, args []any) (string, error) {
	p := r.profile()
	if r.headersSent {
		return "", p.headersSentError(verb)
	}
	if err := p.checkHeaderName(js.Arg(args, 0), "Header name"); err != nil {
		return "", err
	}
	n := js.String(js.Arg(args, 0))
	return n, p.checkHeaderValue(n, js.Arg(args, 1), "header")
}

// Call implements js.Object.
func (r *ServerResponse) Call(name string, args []any) (any, error) {
	p := r.profile()
	switch name {
	case "setHeader":
		n, err := r.checkSettable("set", args)
		if err != nil {
			return nil, err
		}
		r.headers.set(n, js.Arg(args, 1))
		return r.self(EraLatest), nil
	case "appendHeader":
		if p.Era != EraLatest {
			return nil, js.ErrMissing
		}
		n, err := r.checkSettable("append", args)
		if err != nil {
			return nil, err
		}
		if old, ok := r.headers.get(n); ok {
			list := []any{}
			for _, v := range values(old) {
				list = append(list, v)
			}
			for _, v := range values(js.Arg(args, 1)) {
				list = append(list, v)
			}
			r.headers.entries[strings.ToLower(n)].value = list // the first name's case stays
		} else {
			r.headers.set(n, js.Arg(args, 1))
		}
		return r, nil
	case "setHeaders":
		// outgoingMessage.setHeaders(headers) (latest) takes a Headers or a
		// Map, which a program cannot build: anything it can pass is
		// refused, after the check that the head is not out (observed).
		if p.Era != EraLatest {
			return nil, js.ErrMissing
		}
		if r.headersSent {
			return nil, p.headersSentError("set")
		}
		got := describeArg(js.Arg(args, 0))
		if _, isArray := js.Arg(args, 0).([]any); isArray {
			got = "an instance of Array"
		}
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"headers\" argument must be an instance of Headers or Map. Received %s", got)
	case "getHeader":
		n, err := p.nameArg(js.Arg(args, 0))
		if err != nil {
			return nil, err
		}
		if v, ok := r.headers.get(n); ok {
			return v, nil
		}
		return js.Undefined{}, nil
	case "getHeaders", "getHeaderNames", "hasHeader":
		if p.Era == EraV6 {
			return nil, js.ErrMissing
		}
		switch name {
		case "getHeaders":
			return r.headers.object(), nil
		case "getHeaderNames":
			return strList(r.headers.order), nil
		}
		n, err := p.nameArg(js.Arg(args, 0))
		if err != nil {
			return nil, err
		}
		_, ok := r.headers.get(n)
		return ok, nil
	case "removeHeader":
		if r.headersSent {
			return nil, p.headersSentError("remove")
		}
		n, err := p.nameArg(js.Arg(args, 0))
		if err != nil {
			return nil, err
		}
		switch k := strings.ToLower(n); k {
		case "date", "content-length", "transfer-encoding":
			r.removed[k] = true
		}
		r.headers.remove(n)
		return js.Undefined{}, nil
	case "flushHeaders":
		if p.Era == EraV6 {
			return nil, js.ErrMissing
		}
		if !r.headersSent {
			r.send(r.buildHead(-1))
		}
		return js.Undefined{}, nil
	case "addTrailers":
		obj, _ := js.Arg(args, 0).(map[string]any)
		for _, k := range sortedKeys(obj) {
			if err := p.checkHeaderName(k, "Trailer name"); err != nil {
				return nil, err
			}
			if err := p.checkHeaderValue(k, obj[k], "trailer"); err != nil {
				return nil, err
			}
			r.trailers = append(r.trailers, [2]string{k, js.String(obj[k])})
		}
		return js.Undefined{}, nil
	case "writeHead":
		code := js.Arg(args, 0)
		rest := args[min(1, len(args)):]
		var msg any = js.Undefined{}
		if s, ok := js.Arg(rest, 0).(string); ok {
			msg, rest = s, rest[1:]
		}
		if r.finished && p.Era != EraLatest {
			return r.self(EraV14), nil // ignored after end on Node 6 and 14
		}
		if err := r.writeHeadCall(code, msg, js.Arg(rest, 0)); err != nil {
			return nil, err
		}
		return r.self(EraV14), nil
	case "pipe":
		// outgoingMessage.pipe (latest): a response cannot be read from.
		if p.Era != EraLatest {
			return nil, js.ErrMissing
		}
		// The docs say it throws (the releases throw only without an
		// error listener and emit the error otherwise; recorded).
		return nil, &js.Error{Name: "Error", Code: "ERR_STREAM_CANNOT_PIPE", Message: "Cannot pipe, not readable"}
	case "setTimeout":
		// response.setTimeout(ms[, cb]): the socket's timeout; cb listens
		// for the response's 'timeout' (which gets the socket).
		ms, _ := js.Arg(args, 0).(float64)
		if cb, ok := js.Arg(args, 1).(js.Callback); ok {
			r.On("timeout", js.Listener(cb))
		}
		r.exchange.sock.SetTimeout(ms)
		return r, nil
	case "writeProcessing":
		if p.Era == EraV6 {
			return nil, js.ErrMissing
		}
		r.send([]byte("HTTP/1.1 102 Processing\r\n\r\n"))
		return js.Undefined{}, nil
	case "writeEarlyHints":
		if p.Era != EraLatest {
			return nil, js.ErrMissing
		}
		r.send(earlyHints(js.Arg(args, 0)))
		return js.Undefined{}, nil
	case "destroy":
		r.destroy()
		return r.self(EraV14), nil
	case "cork", "uncork":
		if p.Era == EraV6 {
			return nil, js.ErrMissing
		}
		if name == "cork" {
			r.cork()
		} else {
			r.uncork()
		}
		return js.Undefined{}, nil
	case "writeContinue":
		r.writeContinue()
		return js.Undefined{}, nil
	case "write":
		// write(chunk[, encoding][, callback])
		cb := callbackArg(args[min(1, len(args)):])
		if r.destroyed {
			// Nothing is sent and no error is emitted; the latest line
			// tells the callback (observed).
			if cb != nil && p.Era == EraLatest {
				r.destroyedCallback(cb)
			}
			return false, nil
		}
		if r.finished {
			// Write after end: nothing is sent; the error is emitted after
			// 'finish' (v6 without a code). Node 20+ return false and hand
			// the error to the callback first; Node 6 and 14 never call it.
			r.afterFinish(r.afterEndError(cb, false))
			return p.Era != EraLatest, nil
		}
		if err := r.checkChunk(js.Arg(args, 0), true); err != nil {
			if p.Era != EraLatest && !r.headersSent {
				r.headBytes = r.buildHead(-1) // the older lines commit the head first
			}
			return nil, err
		}
		if r.exchange.conn.srv.rejectBodyWrites && r.bodyForbidden() {
			return nil, &js.Error{Name: "Error", Code: "ERR_HTTP_BODY_NOT_ALLOWED",
				Message: "Adding content for this request method or response status is not allowed."}
		}
		return r.writeChunk(encoded(js.Arg(args, 0), js.Arg(args, 1)), cb), nil
	case "end":
		var data any = js.Undefined{}
		var cb js.Callback
		for i, a := range args {
			if f, ok := a.(js.Callback); ok {
				cb = f
				break
			}
			if i == 0 {
				data = a
			}
		}
		if err := r.checkChunk(data, false); err != nil {
			return nil, err
		}
		if r.finished {
			// A second end: Node 6 says false and does nothing more. Later
			// lines return the response; data makes it a write after end,
			// whose error the callback gets too (observed).
			if p.Era == EraV6 {
				return false, nil
			}
			if len(js.Bytes(data)) > 0 {
				r.afterFinish(r.afterEndError(cb, true))
			}
			return r, nil
		}
		if cb != nil {
			r.endCallbacks = append(r.endCallbacks, cb)
		}
		if err := r.end(encoded(data, js.Arg(args, 1))); err != nil {
			return nil, err
		}
		// The docs null socket and connection by end() (every release
		// keeps them until 'finish'; fixture socket-lifecycle records it).
		r.detached = true
		if p.Era == EraV6 {
			// false when nothing could be written (observed)
			return !r.exchange.sock.Destroyed(), nil
		}
		return r, nil
	}
	return nil, js.ErrMissing
}

// afterEndError is what a write after end does once 'finish' was emitted:
// emit the error (Node 6 without a code) and tell the callback. The latest
// line calls the callback first; Node 14 calls it after the error, and only
// for a second end(data, cb), not for a write (observed).
func (r *ServerResponse) afterEndError(cb js.Callback, fromEnd bool) func() {
	p := r.profile()
	err := &js.Error{Name: "Error", Code: "ERR_STREAM_WRITE_AFTER_END", Message: "write after end"}
	if p.Era == EraV6 {
		err.Code = ""
	}
	return func() {
		if cb != nil && p.Era == EraLatest {
			cb(err)
		}
		r.Emit("error", err)
		if cb != nil && p.Era == EraV14 && fromEnd {
			cb(err)
		}
	}
}

// callbackArg is the first function among a call's arguments.
func callbackArg(args []any) js.Callback {
	for _, a := range args {
		if f, ok := a.(js.Callback); ok {
			return f
		}
	}
	return nil
}

// encoded is a chunk as bytes: a string in the given encoding (utf8 by
// default; hex, base64, latin1 as Node names them), or a Buffer.
func encoded(v any, enc any) []byte {
	str, ok := v.(string)
	if !ok {
		return js.Bytes(v)
	}
	switch e, _ := enc.(string); strings.ToLower(e) {
	case "hex":
		b, _ := hex.DecodeString(str)
		return b
	case "base64":
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			b, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(str, "="))
		}
		return b
	case "latin1", "binary":
		out := make([]byte, 0, len(str))
		for _, r := range str {
			out = append(out, byte(r))
		}
		return out
	}
	return []byte(str)
}

// checkChunk validates what write (first) or end (first == false) got:
// a string or a Buffer. end takes null and undefined as no data; write
// refuses them. Node 6 and 14 commit the head before the check on write.
func (r *ServerResponse) checkChunk(v any, first bool) error {
	switch v.(type) {
	case string, js.Buffer:
		return nil
	case nil, js.Undefined:
		if !first {
			return nil
		}
	}
	p := r.profile()
	if p.Era == EraV6 {
		return &js.Error{Name: "TypeError", Message: "First argument must be a string or Buffer"}
	}
	if p.Era == EraLatest && first && v == nil {
		return js.TypeError("ERR_STREAM_NULL_VALUES", "May not write null values to stream")
	}
	subject, types := `The "chunk" argument`, "string or an instance of Buffer or Uint8Array"
	switch {
	case p.Era == EraV14 && first:
		subject = "The first argument"
	case p.Era == EraV14:
		types = "string or an instance of Buffer"
	}
	return js.TypeError("ERR_INVALID_ARG_TYPE", "%s must be of type %s. Received %s", subject, types, describeArg(v))
}

// earlyHints is the 103 response writeEarlyHints sends: Link first (an
// array joined with ", "), then the other hints as given.
func earlyHints(h any) []byte {
	obj, _ := h.(map[string]any)
	var sb strings.Builder
	sb.WriteString("HTTP/1.1 103 Early Hints\r\n")
	if link, ok := obj["link"]; ok {
		sb.WriteString("Link: " + strings.Join(values(link), ", ") + "\r\n")
	}
	for _, k := range sortedKeys(obj) {
		if k != "link" {
			sb.WriteString(k + ": " + strings.Join(values(obj[k]), ", ") + "\r\n")
		}
	}
	sb.WriteString("\r\n")
	return []byte(sb.String())
}

// httpDate is the Date header's value: now, in IMF-fixdate.
func httpDate() string {
	return time.Now().UTC().Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT")
}

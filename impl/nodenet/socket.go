package nodenet

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
)

// Socket is net.Socket: 'data' (Buffer, or a string after setEncoding),
// 'end', 'close' (hadError), 'error', 'timeout', and for a socket the net
// module made also 'connect', 'ready' and 'finish' (net/Socket).
type Socket struct {
	js.Emitter
	Loop       *loop.Loop
	conn       net.Conn
	readerDone chan struct{}
	once       sync.Once
	ended      bool // we half-closed
	remoteEnd  bool // peer half-closed ('end' was emitted)
	destroyed  bool
	hadError   bool
	reading    bool // the reader goroutine was started
	// onDestroy runs when the socket is destroyed, before its 'error' and
	// 'close': a server counts the connection gone at that point.
	onDestroy []func()
	hwm       int  // writableHighWaterMark given to the constructor (0: the default)
	needDrain bool // a write filled the buffer: 'drain' is owed

	// A client socket (Connect) queues what is written before it connects.
	connecting bool
	pending    []pendingWrite
	pendingEnd bool
	// BeforeConnect runs when a client socket has connected and written
	// what was queued, before its 'connect' listeners.
	BeforeConnect func()
	// blockList is the connect's options.blockList: an address it holds
	// is never dialled (net/Socket/socket.connect.options).
	blockList *BlockList
	// dialing is the dial under way on a goroutine, if any.
	dialing *pendingDial

	// socket.setTimeout: 'timeout' after this long without reads or writes.
	idle       time.Duration
	timeoutSet bool // setTimeout was called: socket.timeout reads idle
	idleTimer  *loop.Timer

	// api marks a socket the net module made (net.connect, new net.Socket,
	// a net.Server's connection) rather than http: it follows net.Socket's
	// stream rules (allowHalfOpen, 'ready', 'finish', write-after-end
	// errors, write callbacks on the next tick). http's sockets keep the
	// behaviour its own cases pin down.
	api           bool
	allowHalfOpen bool
	finished      bool // 'finish' was emitted
	bytesRead     int
	bytesWritten  int
	encoding      string        // setEncoding: 'data' carries strings
	paused        bool          // pause(): chunks are held until resume()
	held          []js.Buffer   // chunks read while paused
	heldEOF       bool          // the peer's FIN arrived while paused
	endCbs        []js.Callback // end(cb): called when the socket finishes
}

func newSocket(l *loop.Loop, c net.Conn) *Socket {
	return &Socket{Loop: l, conn: c, readerDone: make(chan struct{})}
}

// newAPISocket is a socket of the net module (net/Socket/constructor):
// allowHalfOpen defaults to false.
func newAPISocket(l *loop.Loop, c net.Conn, allowHalfOpen bool) *Socket {
	s := newSocket(l, c)
	s.api, s.allowHalfOpen = true, allowHalfOpen
	return s
}

// SetTimeout is socket.setTimeout(ms): 0 turns the timeout off. The socket
// only emits 'timeout'; what happens then is its owner's business.
func (s *Socket) SetTimeout(ms float64) {
	s.timeoutSet = true
	s.idle = time.Duration(ms * float64(time.Millisecond))
	s.touch()
}

// touch restarts the idle timer after activity: the timeout is an idle
// timer, never a deadline from when it was set (net/Socket/socket.setTimeout).
func (s *Socket) touch() {
	if s.idleTimer != nil {
		s.Loop.ClearTimeout(s.idleTimer)
		s.idleTimer = nil
	}
	if s.idle <= 0 || s.destroyed {
		return
	}
	s.idleTimer = s.Loop.SetTimeout(func() {
		s.idleTimer = nil
		if !s.destroyed {
			s.Emit("timeout")
		}
	}, s.idle)
}

// startReading starts the reader goroutine. Until then nothing is read, so
// no data can be delivered before the owner has attached its listeners.
func (s *Socket) startReading() {
	s.reading = true
	s.Loop.Ref()
	s.Loop.Net.Go(s.read)
}

// readBufs holds the 64 KiB read buffers of socket readers.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 64*1024); return &b }}

// read delivers chunks in order; it stops at EOF, error, or Destroy.
func (s *Socket) read() {
	defer close(s.readerDone)
	defer s.Loop.Unref()
	// A read takes up to 64 KiB, as libuv's do in Node; the chunk is
	// copied out, so the buffer goes back to the pool (a fresh 64 KiB per
	// connection was zeroed and swept anew every case).
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for {
		n, err := s.conn.Read(buf)
		if n > 0 {
			chunk := append(js.Buffer(nil), buf[:n]...)
			s.Loop.Post(func() {
				if s.destroyed {
					return
				}
				s.bytesRead += len(chunk)
				s.touch()
				if s.paused {
					s.held = append(s.held, chunk)
					return
				}
				s.emitData(chunk)
			})
		}
		if err != nil {
			s.Loop.Post(func() {
				if s.destroyed {
					return
				}
				if !errors.Is(err, io.EOF) {
					s.Destroy(&js.Error{Name: "Error", Code: "ECONNRESET", Message: "read ECONNRESET",
						Props: map[string]any{"errno": float64(-104), "syscall": "read"}})
					return
				}
				if s.paused {
					s.heldEOF = true
					return
				}
				s.onEOF()
			})
			return
		}
	}
}

func (s *Socket) emitData(chunk js.Buffer) {
	if s.encoding != "" {
		s.Emit("data", string(chunk))
		return
	}
	s.Emit("data", chunk)
}

// onEOF is the peer's FIN: 'end', then, without allowHalfOpen, our own end
// (net/createServer: allowHalfOpen false ends the writable side when the
// readable side ends).
func (s *Socket) onEOF() {
	s.remoteEnd = true
	s.Emit("end")
	if !s.api || s.destroyed {
		return
	}
	switch {
	case !s.ended && !s.allowHalfOpen:
		s.End()
	case s.ended && s.finished:
		s.Destroy(nil)
	}
}

type pendingWrite struct {
	b  []byte
	cb func(error)
}

// Write sends bytes now (loopback writes to a peer that always reads do not
// block for long) and runs cb as an I/O callback, like libuv's write callback.
func (s *Socket) Write(b []byte, cb func(error)) {
	if s.destroyed || s.ended {
		return
	}
	if s.connecting {
		s.pending = append(s.pending, pendingWrite{b, cb})
		return
	}
	s.touch()
	// The callback is queued before the bytes go: once they are out, the
	// peer may answer at once, and its answer must not be delivered ahead
	// of this callback (a request's 'finish' before its response). The
	// loop runs it only after this turn, when err is set.
	var err error
	s.Loop.Post(func() {
		if cb != nil {
			cb(err)
		}
	})
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = s.conn.Write(b)
}

// End half-closes our side (FIN). The socket closes fully when the peer ends
// too, or on Destroy.
func (s *Socket) End() {
	if s.ended || s.destroyed {
		return
	}
	if s.connecting {
		s.pendingEnd = true
		return
	}
	s.ended = true
	if s.api {
		s.endAPI()
		return
	}
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	if s.remoteEnd {
		s.Destroy(nil)
	}
}

// endAPI is end() on a net module socket: FIN, then 'finish' once the
// shutdown is done, then 'close' if the peer has ended too. A socket that
// never connected has nothing to shut down: it finishes at once and stays
// open (net/Socket/socket.end).
func (s *Socket) endAPI() {
	if s.conn == nil {
		s.Loop.NextTick(s.finish)
		return
	}
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	s.Loop.Post(func() {
		s.finish()
		if s.remoteEnd {
			s.Destroy(nil)
		}
	})
}

func (s *Socket) finish() {
	if s.destroyed || s.finished {
		return
	}
	s.finished = true
	// end()'s callbacks run first, then the 'finish' listeners, as a
	// stream's finish does.
	cbs := s.endCbs
	s.endCbs = nil
	for _, cb := range cbs {
		cb(nil)
	}
	s.Emit("finish")
}

// Destroy closes the connection and emits 'error' (if err) then 'close'.
func (s *Socket) Destroy(err *js.Error) {
	if s.destroyed {
		return
	}
	s.destroyed = true
	s.hadError = err != nil
	if s.dialing != nil {
		s.dialing.abandon()
		s.dialing = nil
	}
	if s.idleTimer != nil {
		s.Loop.ClearTimeout(s.idleTimer)
		s.idleTimer = nil
	}
	if s.conn != nil {
		s.once.Do(func() { s.conn.Close() })
	}
	if s.reading {
		<-s.readerDone // Close unblocks the reader; wait so no goroutine outlives the socket
	}
	for _, f := range s.onDestroy {
		f()
	}
	s.onDestroy = nil
	if err != nil {
		s.Loop.NextTick(func() { s.Emit("error", err) })
	}
	s.Loop.OnClose(func() { s.Emit("close", s.hadError) })
}

// ReaderDone is closed once the socket has read everything the peer will
// send (EOF, an error, or Destroy); nil when it never started reading.
func (s *Socket) ReaderDone() <-chan struct{} {
	if !s.reading {
		return nil
	}
	return s.readerDone
}

// Destroyed reports whether Destroy ran.
func (s *Socket) Destroyed() bool { return s.destroyed }

// NeverConnected reports a net module socket that was neither connected
// nor asked to connect (new net.Socket() alone): nothing will ever close
// it, so the end of a case destroys it instead of waiting for its 'close'.
func (s *Socket) NeverConnected() bool {
	return s.api && s.conn == nil && !s.connecting && !s.destroyed
}

// Get implements js.Object.
func (s *Socket) Get(name string) (any, bool) {
	if s.api {
		if v, ok := s.getAPI(name); ok {
			return v, true
		}
	}
	switch name {
	case "destroyed":
		return s.destroyed, true
	case "timeout":
		// socket.timeout: the idle timeout last set, undefined before any.
		if !s.timeoutSet {
			if s.api {
				return nil, false // a net socket has no such member before setTimeout
			}
			return js.Undefined{}, true
		}
		return float64(s.idle) / float64(time.Millisecond), true
	case "writable":
		return !s.ended && !s.destroyed, true
	case "remoteAddress", "localAddress", "remotePort", "localPort", "remoteFamily", "localFamily":
		return s.addrPart(name), true
	}
	return nil, false
}

// addrPart reads one part of the local or remote address; undefined until
// the socket has a connection.
func (s *Socket) addrPart(name string) any {
	if s.conn == nil {
		return js.Undefined{}
	}
	a := s.conn.RemoteAddr()
	if name == "localAddress" || name == "localPort" || name == "localFamily" {
		a = s.conn.LocalAddr()
	}
	ta, ok := a.(*net.TCPAddr)
	switch name {
	case "remoteAddress", "localAddress":
		if ok {
			return ta.IP.String()
		}
		// A Unix-socket connection has no address on either side
		// (observed on Node 20-26, net-listen-path-exchange).
	case "remotePort", "localPort":
		if ok {
			return float64(ta.Port)
		}
	case "remoteFamily", "localFamily":
		if ok {
			return family(ta.IP)
		}
	}
	return js.Undefined{}
}

func family(ip net.IP) string {
	if ip.To4() != nil {
		return "IPv4"
	}
	return "IPv6"
}

// getAPI reads the members of net/Socket the http cases do not use.
func (s *Socket) getAPI(name string) (any, bool) {
	switch name {
	case "bytesRead":
		return float64(s.bytesRead), true
	case "bytesWritten":
		return float64(s.bytesWritten), true
	case "bufferSize", "writableLength":
		// what is not written yet: only the writes held while connecting
		// (a connected socket's writes complete at once here)
		return float64(s.pendingLen()), true
	case "writableNeedDrain":
		return s.needDrain, true
	case "writableHighWaterMark":
		return float64(s.writableHWM()), true
	case "pending":
		return s.conn == nil || s.connecting || s.destroyed, true
	case "connecting":
		return s.connecting, true
	case "readyState":
		return s.readyState(), true
	}
	return nil, false
}

// readyState is net/Socket/socket.readyState: opening while connecting,
// then open, readOnly, writeOnly or closed by which sides are still open.
func (s *Socket) readyState() string {
	if s.connecting {
		return "opening"
	}
	readable := !s.remoteEnd && !s.destroyed
	writable := !s.ended && !s.destroyed
	switch {
	case readable && writable:
		return "open"
	case readable:
		return "readOnly"
	case writable:
		return "writeOnly"
	}
	return "closed"
}

// Call implements js.Object.
func (s *Socket) Call(name string, args []any) (any, error) {
	if s.api {
		return s.callAPI(name, args)
	}
	switch name {
	case "end":
		// socket.end([data]): write the data, then half-close.
		if b := js.Bytes(js.Arg(args, 0)); len(b) > 0 {
			s.Write(b, nil)
		}
		s.End()
		return s, nil
	case "write":
		s.Write(js.Bytes(js.Arg(args, 0)), nil)
		return true, nil
	case "destroy":
		s.Destroy(nil)
		return s, nil
	case "setTimeout":
		ms, _ := js.Arg(args, 0).(float64)
		s.SetTimeout(ms)
		return s, nil
	}
	return nil, js.ErrMissing
}

// lastCallback is the trailing function argument of write/end/setTimeout.
func lastCallback(args []any) js.Callback {
	if len(args) == 0 {
		return nil
	}
	cb, _ := args[len(args)-1].(js.Callback)
	return cb
}

// callAPI is a net module socket's methods (net/Socket).
func (s *Socket) callAPI(name string, args []any) (any, error) {
	switch name {
	case "write":
		return s.writeAPI(js.Bytes(js.Arg(args, 0)), lastCallback(args)), nil
	case "end":
		if b := js.Bytes(js.Arg(args, 0)); len(b) > 0 {
			s.writeAPI(b, nil)
		}
		if cb := lastCallback(args); cb != nil {
			s.endCbs = append(s.endCbs, cb)
		}
		s.End()
		return s, nil
	case "destroy":
		s.Destroy(nil)
		return s, nil
	case "destroySoon":
		// end, then destroy once the writes are done
		if s.finished || s.ended && s.conn == nil {
			s.Destroy(nil)
			return js.Undefined{}, nil
		}
		s.Once("finish", func(...any) { s.Destroy(nil) })
		s.End()
		return js.Undefined{}, nil
	case "resetAndDestroy":
		if tc, ok := s.conn.(interface{ SetLinger(int) error }); ok {
			_ = tc.SetLinger(0) // close sends RST
		}
		s.Destroy(nil)
		return s, nil
	case "setTimeout":
		ms, _ := js.Arg(args, 0).(float64)
		if cb := lastCallback(args); cb != nil {
			s.Once("timeout", func(...any) { cb() })
		}
		s.SetTimeout(ms)
		return s, nil
	case "setEncoding":
		s.encoding = js.String(js.Arg(args, 0))
		return s, nil
	case "isPaused":
		return s.paused, nil
	case "pause":
		s.paused = true
		return s, nil
	case "resume":
		s.resume()
		return s, nil
	case "connect":
		if s.connecting || s.conn != nil {
			return s, nil
		}
		return s, s.connectCall(args)
	case "setKeepAlive", "setNoDelay", "ref", "unref":
		return s, nil
	case "address":
		if s.conn == nil {
			return map[string]any{}, nil
		}
		if _, unix := s.conn.LocalAddr().(*net.UnixAddr); unix {
			return map[string]any{}, nil // observed on Node 20-26 (net-listen-path-exchange)
		}
		return map[string]any{"address": s.addrPart("localAddress"), "family": s.addrPart("localFamily"),
			"port": s.addrPart("localPort")}, nil
	}
	return nil, js.ErrMissing
}

// resume delivers what was held while paused, on a later turn as a
// stream's resume does.
func (s *Socket) resume() {
	if !s.paused {
		return
	}
	s.paused = false
	s.Loop.NextTick(func() {
		held, eof := s.held, s.heldEOF
		s.held, s.heldEOF = nil, false
		for _, c := range held {
			if s.destroyed || s.paused {
				s.held = append(s.held, c)
				continue
			}
			s.emitData(c)
		}
		if eof && !s.destroyed {
			if s.paused {
				s.heldEOF = true
				return
			}
			s.onEOF()
		}
	})
}

// writeAPI is socket.write(data[, encoding][, callback]): true while
// nothing is queued past the buffer; the callback comes on the next tick
// (or, for a write made while connecting, when it goes out on connect).
// After end() the write fails with ERR_STREAM_WRITE_AFTER_END: the
// callback gets it, then 'error', then 'close' (net/Socket/socket.write).
func (s *Socket) writeAPI(b []byte, cb js.Callback) bool {
	if s.ended {
		err := &js.Error{Name: "Error", Code: "ERR_STREAM_WRITE_AFTER_END", Message: "write after end"}
		if cb != nil {
			s.Loop.NextTick(func() { cb(err) })
		}
		s.Destroy(err)
		return false
	}
	if s.destroyed {
		return false
	}
	s.bytesWritten += len(b)
	done := func(error) {
		if cb != nil {
			cb(nil)
		}
	}
	if s.connecting || s.conn == nil {
		// Held until connected: it counts against the highWaterMark, and a
		// full buffer asks for 'drain' (observed on Node 20-26, socket-drain).
		s.pending = append(s.pending, pendingWrite{b, done})
		if s.pendingLen() >= s.writableHWM() {
			s.needDrain = true
			return false
		}
		return true
	}
	s.touch()
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = s.conn.Write(b)
	s.Loop.NextTick(func() { done(nil) })
	return true
}

// connectAPI dials for a net module socket: 'connect', the queued writes
// and their callbacks, 'ready', then reading; or a system error, 'error'
// then 'close' (net/Socket/event.connect, event.ready).
func (s *Socket) connectAPI(host string, port int, lookup string) {
	s.connecting = true
	s.Loop.Ref()
	fam := float64(4)
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		fam = 6
	}
	// On a later turn: 'lookup' for a host name (no error, the address,
	// its family, the name), then 'connectionAttempt' (the address, port,
	// family; net/Socket/event.connectionAttempt, observed on Node 20-26
	// for every TCP connect), then the dial.
	s.Loop.NextTick(func() {
		if s.destroyed {
			s.Loop.Unref()
			return
		}
		if lookup != "" {
			s.Emit("lookup", nil, host, fam, lookup)
		}
		s.Emit("connectionAttempt", host, float64(port), fam)
		if s.destroyed {
			// a connectionAttempt listener destroyed it: nothing to dial
			s.connecting = false
			s.Loop.Unref()
			return
		}
		if s.blockList.blocks(host) {
			s.connecting = false
			s.Loop.Unref()
			s.Destroy(errIPBlocked(host))
			return
		}
		d := &pendingDial{}
		s.dialing = d
		s.Loop.Net.Go(func() { s.dial(d, "tcp", host, port, fam) })
	})
}

// connectPath dials a Unix socket path on a later turn: no lookup and no
// connectionAttempt; a failure is connectionAttemptFailed(path, undefined,
// undefined, err) before the error (observed on Node 20-26).
func (s *Socket) connectPath(path string) {
	s.connecting = true
	s.Loop.Ref()
	s.Loop.NextTick(func() {
		if s.destroyed {
			s.Loop.Unref()
			return
		}
		d := &pendingDial{}
		s.dialing = d
		s.Loop.Net.Go(func() { s.dial(d, "unix", path, 0, 0) })
	})
}

// dial connects (host:port over TCP, or the path host over unix) and
// finishes the connect on the loop.
// d is the socket's pendingDial, handed over on the loop (the goroutine
// must not read s.dialing: a destroy on the loop clears it).
func (s *Socket) dial(d *pendingDial, network, host string, port int, fam float64) {
	addr := host
	if network == "tcp" {
		addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	c, err := s.Loop.Net.Dial(network, addr, connectTimeout)
	d.arrived(c)
	s.Loop.Post(func() {
		defer s.Loop.Unref()
		s.connecting = false
		if s.destroyed {
			if c != nil {
				c.Close()
			}
			return
		}
		d.taken()
		s.dialing = nil
		if err != nil {
			// A failed attempt is reported before the socket is
			// destroyed with the same error (event.connectionAttemptFailed).
			if network == "unix" {
				e := pathConnectError(err, host)
				s.Emit("connectionAttemptFailed", host, js.Undefined{}, js.Undefined{}, e)
				s.Destroy(e)
				return
			}
			e := connectError(err, host, port)
			s.Emit("connectionAttemptFailed", host, float64(port), fam, e)
			s.Destroy(e)
			return
		}
		s.conn = c
		s.Emit("connect")
		// The held writes go out together; 'drain' (if a write asked for
		// it) comes before their callbacks.
		pending := s.pending
		s.pending = nil
		for _, w := range pending {
			_, _ = c.Write(w.b)
		}
		if s.needDrain {
			s.needDrain = false
			s.Emit("drain")
		}
		for _, w := range pending {
			w.cb(nil)
		}
		s.Emit("ready")
		if s.pendingEnd {
			s.pendingEnd = false
			s.End()
		}
		s.touch()
		s.startReading()
	})
}

// pendingLen is the bytes held until the socket connects.
func (s *Socket) pendingLen() int {
	n := 0
	for _, w := range s.pending {
		n += len(w.b)
	}
	return n
}

// writableHWM is the writable side's highWaterMark: the constructor's
// writableHighWaterMark, or Node 20's default of 16 KiB.
func (s *Socket) writableHWM() int {
	if s.hwm > 0 {
		return s.hwm
	}
	return 16384
}

// API reports a socket the net module made (see Socket.api).
func (s *Socket) API() bool { return s.api }

// Closed reports whether the socket was destroyed ('close' follows on the
// loop's close phase).
func (s *Socket) Closed() bool { return s.destroyed }

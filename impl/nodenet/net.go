// Package nodenet is the part of Node's `net` module the reference
// implementation needs: a listening Server and its Sockets, backed by real
// Go connections so the raw peer talks to real TCP. Socket readers and the
// accept loop run on their own goroutines and only ever Post to the loop.
package nodenet

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
)

// Server is net.Server: it emits 'connection' (sock), 'close', 'listening'.
type Server struct {
	js.Emitter
	Loop       *loop.Loop
	ln         net.Listener
	conns      map[*Socket]bool
	closing    bool
	closed     bool // 'close' was emitted (or is about to be)
	closeCbs   []func()
	acceptDone chan struct{}
}

// NewServer returns a server that is not yet listening.
func NewServer(l *loop.Loop) *Server { return &Server{Loop: l, conns: map[*Socket]bool{}} }

// Listen binds addr (e.g. "127.0.0.1:0") now and emits 'listening' on the
// next I/O turn. Accepted connections arrive as 'connection' events.
func (s *Server) Listen(network, addr string) error {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	s.ListenOn(ln)
	return nil
}

// ListenOn accepts connections on a listener bound elsewhere (a handle, in
// server.listen(handle)) and emits 'listening' on the next I/O turn.
func (s *Server) ListenOn(ln net.Listener) {
	s.ln = ln
	s.acceptDone = make(chan struct{})
	s.Loop.Ref()
	go s.accept()
	s.Loop.Post(func() { s.Emit("listening") })
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func (s *Server) accept() {
	defer close(s.acceptDone)
	defer s.Loop.Unref()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		sock := newSocket(s.Loop, c)
		s.Loop.Post(func() {
			if s.closing {
				sock.Destroy(nil)
				return
			}
			s.conns[sock] = true
			// Reading starts only now, on the loop: a chunk posted before
			// this callback ran would reach a socket nobody listens to yet.
			sock.startReading()
			sock.Once("close", func(...any) {
				delete(s.conns, sock)
				s.maybeClosed()
			})
			s.Emit("connection", sock)
		})
	}
}

// Close stops accepting; 'close' is emitted once every connection has closed
// (Node keeps the server open until then).
func (s *Server) Close(cb func()) {
	if s.closed {
		if cb != nil {
			s.Loop.OnClose(cb) // already closed: nothing left to wait for
		}
		return
	}
	if cb != nil {
		s.closeCbs = append(s.closeCbs, cb)
	}
	if s.closing {
		return
	}
	s.closing = true
	if s.ln != nil {
		s.ln.Close()
		<-s.acceptDone // the accept goroutine ends promptly once the listener is closed
	}
	s.maybeClosed()
}

// Connections lists the open sockets (for a forced shutdown at the end of a run).
func (s *Server) Connections() []*Socket {
	out := make([]*Socket, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

func (s *Server) maybeClosed() {
	if !s.closing || len(s.conns) > 0 {
		return
	}
	s.conns = nil
	s.closed = true
	s.Loop.OnClose(func() {
		for _, cb := range s.closeCbs {
			cb()
		}
		s.closeCbs = nil
		s.Emit("close")
	})
}

// Socket is net.Socket: 'data' (Buffer), 'end', 'close' (hadError), 'error'.
type Socket struct {
	js.Emitter
	Loop       *loop.Loop
	conn       net.Conn
	readerDone chan struct{}
	once       sync.Once
	ended      bool // we half-closed
	remoteEnd  bool // peer half-closed
	destroyed  bool
	hadError   bool
	reading    bool // the reader goroutine was started

	// A client socket (Connect) queues what is written before it connects.
	connecting bool
	pending    []pendingWrite
	pendingEnd bool
	// BeforeConnect runs when a client socket has connected and written
	// what was queued, before its 'connect' listeners.
	BeforeConnect func()

	// socket.setTimeout: 'timeout' after this long without reads or writes.
	idle       time.Duration
	timeoutSet bool // setTimeout was called: socket.timeout reads idle
	idleTimer  *loop.Timer
}

// SetTimeout is socket.setTimeout(ms): 0 turns the timeout off. The socket
// only emits 'timeout'; what happens then is its owner's business.
func (s *Socket) SetTimeout(ms float64) {
	s.timeoutSet = true
	s.idle = time.Duration(ms * float64(time.Millisecond))
	s.touch()
}

// touch restarts the idle timer after activity.
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

func newSocket(l *loop.Loop, c net.Conn) *Socket {
	return &Socket{Loop: l, conn: c, readerDone: make(chan struct{})}
}

// startReading starts the reader goroutine. Until then nothing is read, so
// no data can be delivered before the owner has attached its listeners.
func (s *Socket) startReading() {
	s.reading = true
	s.Loop.Ref()
	go s.read()
}

// read delivers chunks in order; it stops at EOF, error, or Destroy.
func (s *Socket) read() {
	defer close(s.readerDone)
	defer s.Loop.Unref()
	buf := make([]byte, 64*1024)
	for {
		n, err := s.conn.Read(buf)
		if n > 0 {
			chunk := append(js.Buffer(nil), buf[:n]...)
			s.Loop.Post(func() {
				if !s.destroyed {
					s.touch()
					s.Emit("data", chunk)
				}
			})
		}
		if err != nil {
			s.Loop.Post(func() {
				if s.destroyed {
					return
				}
				if !errors.Is(err, io.EOF) {
					s.Destroy(&js.Error{Name: "Error", Code: "ECONNRESET", Message: "read ECONNRESET"})
					return
				}
				s.remoteEnd = true
				s.Emit("end")
			})
			return
		}
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
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	if s.remoteEnd {
		s.Destroy(nil)
	}
}

// Destroy closes the connection and emits 'error' (if err) then 'close'.
func (s *Socket) Destroy(err *js.Error) {
	if s.destroyed {
		return
	}
	s.destroyed = true
	s.hadError = err != nil
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

// Get implements js.Object.
func (s *Socket) Get(name string) (any, bool) {
	switch name {
	case "destroyed":
		return s.destroyed, true
	case "timeout":
		// socket.timeout: the idle timeout last set, undefined before any.
		if !s.timeoutSet {
			return js.Undefined{}, true
		}
		return float64(s.idle) / float64(time.Millisecond), true
	case "writable":
		return !s.ended && !s.destroyed, true
	case "remoteAddress", "localAddress":
		a := s.conn.RemoteAddr()
		if name == "localAddress" {
			a = s.conn.LocalAddr()
		}
		if ta, ok := a.(*net.TCPAddr); ok {
			return ta.IP.String(), true
		}
		return a.String(), true
	case "remotePort", "localPort":
		a := s.conn.RemoteAddr()
		if name == "localPort" {
			a = s.conn.LocalAddr()
		}
		if ta, ok := a.(*net.TCPAddr); ok {
			return float64(ta.Port), true
		}
		return js.Undefined{}, true
	}
	return nil, false
}

// Call implements js.Object.
func (s *Socket) Call(name string, args []any) (any, error) {
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

// Closing reports whether Close was called.
func (s *Server) Closing() bool { return s.closing }

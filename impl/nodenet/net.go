// Package nodenet is the part of Node's `net` module the reference
// implementation needs: a listening Server and its Sockets, backed by Go
// connections on the loop's network (the kernel's TCP, or the in-memory
// loopback a ref run shares with the raw peer, rawwire/memnet). Socket
// readers and the accept loop run on their own goroutines, started on the
// network so its clock counts them, and only ever Post to the loop.
package nodenet

import (
	"net"

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

	// The net module's server (NetServer) makes its own sockets and may
	// refuse one (maxConnections); nil for http's server.
	newConn func(net.Conn) *Socket
	admit   func(*Socket) bool
}

// NewServer returns a server that is not yet listening.
func NewServer(l *loop.Loop) *Server { return &Server{Loop: l, conns: map[*Socket]bool{}} }

// Listen binds addr (e.g. "127.0.0.1:0") now and emits 'listening' on the
// next I/O turn. Accepted connections arrive as 'connection' events. Port 0
// on TCP is a free port from package ports, as the system would choose one.
func (s *Server) Listen(network, addr string) error {
	ln, err := s.Loop.Net.Listen(network, addr)
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
	s.Loop.Net.Go(s.accept)
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
		if s.newConn != nil {
			sock = s.newConn(c)
		}
		s.Loop.Post(func() {
			if s.closing {
				sock.Destroy(nil)
				return
			}
			if s.admit != nil && !s.admit(sock) {
				return
			}
			s.conns[sock] = true
			// Reading starts only now, on the loop: a chunk posted before
			// this callback ran would reach a socket nobody listens to yet.
			sock.startReading()
			// The connection stops counting when it is destroyed, and a
			// closing server then emits 'close' on the next tick: before
			// the socket's own 'error' and 'close' (observed on Node 20-26,
			// net-async-dispose).
			sock.onDestroy = append(sock.onDestroy, func() {
				delete(s.conns, sock)
				s.drained()
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

// drained is maybeClosed when the last connection goes: 'close' (and the
// close callbacks) on the next tick.
func (s *Server) drained() {
	if !s.closing || len(s.conns) > 0 || s.closed {
		return
	}
	s.conns = nil
	s.closed = true
	s.Loop.NextTick(func() {
		for _, cb := range s.closeCbs {
			cb()
		}
		s.closeCbs = nil
		s.Emit("close")
	})
}

// Closing reports whether Close was called.
func (s *Server) Closing() bool { return s.closing }

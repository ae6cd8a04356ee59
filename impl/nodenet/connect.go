package nodenet

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
)

// connectTimeout bounds a dial on loopback; a refused port answers at once.
const connectTimeout = 5 * time.Second

// dialOrder makes dials complete in the order Connect was called, as a
// single-threaded runtime's connects do: the peer accepts connections in
// the order the program opened them (several connections per case).
var dialOrder struct {
	sync.Mutex
	last chan struct{}
}

// Connect is a client socket (net.connect(port, host)): it dials on a
// goroutine and, back on the loop, emits 'connect' and starts reading, or
// fails with a system error ('error', then 'close'). Writes made before it
// connects are queued and go out on connect, in order.
func Connect(l *loop.Loop, host string, port int) *Socket {
	s := &Socket{Loop: l, readerDone: make(chan struct{}), connecting: true}
	l.Ref()
	dialOrder.Lock()
	prev, done := dialOrder.last, make(chan struct{})
	dialOrder.last = done
	dialOrder.Unlock()
	go func() {
		if prev != nil {
			<-prev
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), connectTimeout)
		close(done)
		l.Post(func() {
			defer l.Unref()
			s.connecting = false
			if s.destroyed {
				if c != nil {
					c.Close()
				}
				return
			}
			if err != nil {
				s.Destroy(connectError(err, host, port))
				return
			}
			s.conn = c
			pending, end := s.pending, s.pendingEnd
			s.pending = nil
			for _, w := range pending {
				s.Write(w.b, w.cb)
			}
			if f := s.BeforeConnect; f != nil {
				s.BeforeConnect = nil
				f()
			}
			s.Emit("connect")
			if end {
				s.End()
			}
			s.startReading()
		})
	}()
	return s
}

// connectError is the system error a failed connect reports.
func connectError(err error, host string, port int) *js.Error {
	code, errno := "ECONNRESET", -104
	if errors.Is(err, syscall.ECONNREFUSED) {
		code, errno = "ECONNREFUSED", -111
	}
	addr := host + ":" + strconv.Itoa(port)
	return &js.Error{Name: "Error", Code: code, Message: "connect " + code + " " + addr,
		Props: map[string]any{"errno": float64(errno), "syscall": "connect", "address": host, "port": float64(port)}}
}

// Connecting reports whether the socket is still dialling.
// (BeforeConnect, a field of Socket, runs once the queued writes are out and
// before 'connect' is emitted.)
func (s *Socket) Connecting() bool { return s.connecting }

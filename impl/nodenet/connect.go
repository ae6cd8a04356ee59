package nodenet

import (
	"errors"
	"math"
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
	s := &Socket{Loop: l, readerDone: make(chan struct{}), connecting: true, dialing: &pendingDial{}}
	d := s.dialing
	l.Ref()
	dialOrder.Lock()
	prev, done := dialOrder.last, make(chan struct{})
	dialOrder.last = done
	dialOrder.Unlock()
	l.Net.Go(func() {
		if prev != nil {
			<-prev
		}
		c, err := l.Net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)), connectTimeout)
		d.arrived(c)
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
			d.taken()
			s.dialing = nil
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
	})
	return s
}

// connectError is the system error a failed connect reports.
// pathConnectError is the system error of a failed connect to a Unix
// socket path: the path is the address, there is no port (observed on
// Node 20-26, create-connection-path-missing).
func pathConnectError(err error, path string) *js.Error {
	code, errno := "ECONNREFUSED", -111
	switch {
	case errors.Is(err, syscall.ENOENT):
		code, errno = "ENOENT", -2
	case errors.Is(err, syscall.EACCES):
		code, errno = "EACCES", -13
	}
	return &js.Error{Name: "Error", Code: code, Message: "connect " + code + " " + path,
		Props: map[string]any{"errno": float64(errno), "syscall": "connect", "address": path}}
}

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

// socketClass is the value of net.Socket: new net.Socket([options]) makes
// a socket that is not connected yet (net/Socket/constructor).
type socketClass struct{ m *Module }

func (socketClass) Get(string) (any, bool)          { return nil, false }
func (socketClass) Call(string, []any) (any, error) { return nil, js.ErrMissing }

// Construct implements js.Constructor.
func (c socketClass) Construct(args []any) (any, error) {
	if c.m.Loop == nil {
		return nil, js.ErrMissing
	}
	opts, _ := js.Arg(args, 0).(map[string]any)
	half, _ := opts["allowHalfOpen"].(bool)
	sock := newAPISocket(c.m.Loop, nil, half)
	if n, ok := opts["writableHighWaterMark"].(float64); ok && n >= 0 {
		sock.hwm = int(n)
	}
	return sock, nil
}

// connect is net.connect / net.createConnection: a new socket, then its
// connect with the same arguments (net/connect, net/createConnection).
func (m *Module) connect(args []any) (any, error) {
	if m.Loop == nil {
		return nil, js.ErrMissing
	}
	half := false
	if o, ok := js.Arg(args, 0).(map[string]any); ok {
		half, _ = o["allowHalfOpen"].(bool)
	}
	s := newAPISocket(m.Loop, nil, half)
	if err := s.connectCall(args); err != nil {
		return nil, err
	}
	return s, nil
}

// connectCall is socket.connect(port[, host][, cb]), socket.connect(path[,
// cb]) or socket.connect(options[, cb]) (net/Socket/socket.connect): the
// port is checked at once (ERR_SOCKET_BAD_PORT), the callback is a
// 'connect' listener, and the dial happens on the loop. A string that is
// not a number, or options.path, names a Unix socket (net/ipc-support).
func (s *Socket) connectCall(args []any) error {
	host := "localhost"
	var port any = js.Undefined{}
	path, isPath := "", false
	switch a := js.Arg(args, 0).(type) {
	case map[string]any:
		path, isPath = a["path"].(string)
	case string:
		if _, err := strconv.ParseFloat(a, 64); err != nil {
			path, isPath = a, true
		}
	}
	if isPath {
		if cb := lastCallback(args); cb != nil {
			s.Once("connect", func(...any) { cb() })
		}
		s.connectPath(path)
		return nil
	}
	switch a := js.Arg(args, 0).(type) {
	case map[string]any:
		bl, err := blockListOption(a)
		if err != nil {
			return err
		}
		s.blockList = bl
		port = a["port"]
		if port == nil {
			port = js.Undefined{}
		}
		if h, ok := a["host"].(string); ok {
			host = h
		}
	default:
		port = a
		if h, ok := js.Arg(args, 1).(string); ok {
			host = h
		}
	}
	switch port.(type) {
	case js.Undefined:
		return js.TypeError("ERR_MISSING_ARGS", "The \"options\" or \"port\" or \"path\" argument must be specified")
	case float64, string:
	default:
		return js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options.port\" property must be one of type number or string. Received %s", describeArg(port))
	}
	p, err := checkConnectPort(port)
	if err != nil {
		return err
	}
	if cb := lastCallback(args); cb != nil {
		s.Once("connect", func(...any) { cb() })
	}
	lookup := ""
	if net.ParseIP(host) == nil {
		// A host name is looked up first ('lookup'); ref knows one name.
		lookup = host
		if host != "localhost" {
			return &js.Error{Name: "Error", Message: "ref resolves only localhost, not " + host}
		}
		host = "127.0.0.1"
	}
	s.connectAPI(host, p, lookup)
	return nil
}

// checkConnectPort: a connect's port is a number or numeric string in
// 0..65535 (net/Socket/socket.connect.options).
func checkConnectPort(v any) (int, error) {
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil || x == "" {
			return 0, badPort("Port", v)
		}
		n = f
	default:
		return 0, badPort("Port", v)
	}
	if n != math.Trunc(n) || n < 0 || n >= 65536 {
		return 0, badPort("Port", v)
	}
	return int(n), nil
}

// pendingDial hands a connection dialled on a goroutine over to its socket.
// The socket may be destroyed while the dial is under way, and the loop may
// have stopped by the time the dial returns (the case is over, its posted
// completion never runs): so whichever comes second, the dial's return or
// the destroy, closes a connection nobody will take, and the peer sees it
// end instead of waiting out its deadline.
type pendingDial struct {
	mu        sync.Mutex
	abandoned bool
	conn      net.Conn // dialled, not yet taken by the socket
}

// arrived is the dial's result, on the dialling goroutine.
func (d *pendingDial) arrived(c net.Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.abandoned {
		if c != nil {
			c.Close()
		}
		return
	}
	d.conn = c
}

// taken: the socket took the connection (on the loop).
func (d *pendingDial) taken() {
	d.mu.Lock()
	d.conn = nil
	d.mu.Unlock()
}

// abandon: the socket was destroyed (on the loop).
func (d *pendingDial) abandon() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.abandoned = true
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
}

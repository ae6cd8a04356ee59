package nodenet

import (
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
)

// NetServer is net.Server as a program sees it (net/Server): listen in its
// port and path forms, address(), close(), getConnections(),
// maxConnections and 'drop', listening, ref/unref. The accepting is the
// core Server's; its sockets are net module sockets (allowHalfOpen).
type NetServer struct {
	*Server
	allowHalfOpen  bool
	pauseOnConnect bool
	started        bool // listen was called (ERR_SERVER_ALREADY_LISTEN)
	unixPath       string
	maxConns       float64
	maxConnsSet    bool
	dropsAtZero    bool // maxConnections = 0 drops every connection (Node 21+; before, 0 was no limit)
	dropMaxConn    any  // what the program assigned to dropMaxConnection (nil: never)
	blockList      *BlockList
}

// NewNetServer is net.createServer(options): allowHalfOpen,
// pauseOnConnect and blockList (checked by the caller) are honoured; other
// options are refused by the caller.
func NewNetServer(l *loop.Loop, options map[string]any) *NetServer {
	s := &NetServer{Server: NewServer(l), dropsAtZero: true}
	s.blockList, _ = options["blockList"].(*BlockList)
	s.allowHalfOpen, _ = options["allowHalfOpen"].(bool)
	s.pauseOnConnect, _ = options["pauseOnConnect"].(bool)
	s.newConn = func(c net.Conn) *Socket { return newAPISocket(l, c, s.allowHalfOpen) }
	s.admit = s.admitConn
	return s
}

// admitConn applies maxConnections: at the limit the connection is closed
// at once and 'drop' tells who it was (net/Server/event.drop).
func (s *NetServer) admitConn(sock *Socket) bool {
	if ip, _ := sock.addrPart("remoteAddress").(string); s.blockList.blocks(ip) {
		// A peer the blockList holds is reset at once, with no event
		// (observed on Node 22-26, server-blocklist-blocked).
		if tc, ok := sock.conn.(interface{ SetLinger(int) error }); ok {
			_ = tc.SetLinger(0)
		}
		sock.once.Do(func() { sock.conn.Close() })
		return false
	}
	if !s.maxConnsSet || math.IsNaN(s.maxConns) {
		return true
	}
	limit := s.maxConns
	if limit == 0 && !s.dropsAtZero {
		return true
	}
	if float64(len(s.conns)) < limit {
		return true
	}
	data := map[string]any{}
	for _, k := range []string{"localAddress", "localPort", "localFamily", "remoteAddress", "remotePort", "remoteFamily"} {
		data[k] = sock.addrPart(k)
	}
	sock.once.Do(func() { sock.conn.Close() })
	s.Emit("drop", data)
	return false
}

// ListenTCP binds host:port and emits 'listening' on a later turn; an
// address in use is the 'error' event (net/Server/event.error).
func (s *NetServer) ListenTCP(host string, port int) {
	s.started = true
	ln, err := s.Loop.Net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		s.started = false
		e := listenError(err, host, port)
		s.Loop.NextTick(func() { s.Emit("error", e) })
		return
	}
	s.ListenOn(ln)
}

// ListenUnix listens on a Unix socket path (net/ipc-support).
func (s *NetServer) ListenUnix(path string) error {
	s.started = true
	ln, err := s.Loop.Net.Listen("unix", path)
	if err != nil {
		s.started = false
		return err
	}
	s.unixPath = path
	s.ListenOn(ln)
	return nil
}

// listenError is the system error of a failed listen.
func listenError(err error, host string, port int) *js.Error {
	code, errno, text := "EADDRINUSE", -98, "address already in use"
	switch {
	case errors.Is(err, syscall.EACCES):
		code, errno, text = "EACCES", -13, "permission denied"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		code, errno, text = "EADDRNOTAVAIL", -99, "address not available"
	}
	addr := host + ":" + strconv.Itoa(port)
	return &js.Error{Name: "Error", Code: code, Message: "listen " + code + ": " + text + " " + addr,
		Props: map[string]any{"errno": float64(errno), "syscall": "listen", "address": host, "port": float64(port)}}
}

// Listening is server.listening.
func (s *NetServer) Listening() bool { return s.ln != nil && !s.closing }

// Get implements js.Object.
func (s *NetServer) Get(name string) (any, bool) {
	switch name {
	case "listening":
		return s.Listening(), true
	case "maxConnections":
		if !s.maxConnsSet {
			return nil, false // an own member only once assigned
		}
		return s.maxConns, true
	case "dropMaxConnection":
		// A setting, no own member until assigned; it matters in cluster
		// mode only, which ref has not (net/Server/server.dropMaxConnection).
		return s.dropMaxConn, s.dropMaxConn != nil
	}
	if isServerMethod(name) {
		return js.Func{Name: name}, true
	}
	return nil, false
}

func isServerMethod(name string) bool {
	switch name {
	case "listen", "close", "address", "getConnections", "ref", "unref":
		return true
	}
	return false
}

// Set implements js.Setter: maxConnections, dropMaxConnection.
func (s *NetServer) Set(name string, v any) bool {
	if name == "dropMaxConnection" {
		s.dropMaxConn = v
		return true
	}
	if name != "maxConnections" {
		return false
	}
	n, ok := v.(float64)
	if i, isInt := v.(int); isInt {
		n, ok = float64(i), true
	}
	if !ok {
		return false
	}
	s.maxConns, s.maxConnsSet = n, true
	return true
}

// Call implements js.Object.
func (s *NetServer) Call(name string, args []any) (any, error) {
	switch name {
	case "listen":
		return s, s.listenCall(args)
	case "close":
		s.closeCall(lastCallback(args))
		return s, nil
	case "Symbol.asyncDispose":
		// server[Symbol.asyncDispose]() is close() (net/Server/
		// server.Symbol.asyncDispose); the promise it returns, fulfilled
		// at 'close', is not modelled.
		s.closeCall(nil)
		return js.Undefined{}, nil
	case "address":
		if s.ln == nil || s.closing {
			return nil, nil
		}
		if ta, ok := s.ln.Addr().(*net.TCPAddr); ok {
			return map[string]any{"address": ta.IP.String(), "family": family(ta.IP), "port": float64(ta.Port)}, nil
		}
		return s.unixPath, nil
	case "getConnections":
		if cb := lastCallback(args); cb != nil {
			n := float64(len(s.conns))
			s.Loop.NextTick(func() { cb(nil, n) })
		}
		return s, nil
	case "ref", "unref":
		return s, nil
	}
	return nil, js.ErrMissing
}

// listenCall is server.listen(port[, host][, cb]), listen(options[, cb])
// or listen(path[, cb]) (net/Server/server.listen and its forms).
func (s *NetServer) listenCall(args []any) error {
	if s.started {
		return &js.Error{Name: "Error", Code: "ERR_SERVER_ALREADY_LISTEN", Message: "Listen method has been called more than once without closing."}
	}
	if cb := lastCallback(args); cb != nil {
		s.Once("listening", func(...any) { cb() })
	}
	host, port := "", any(float64(0))
	switch a := js.Arg(args, 0).(type) {
	case map[string]any:
		if p, ok := a["path"].(string); ok {
			return s.ListenUnix(p)
		}
		port, host = a["port"], js.String(a["host"])
		if _, ok := a["host"]; !ok {
			host = ""
		}
		if port == nil {
			port = float64(0)
		}
		if _, ok := port.(bool); ok {
			return &js.Error{Name: "TypeError", Code: "ERR_INVALID_ARG_VALUE", Message: "The argument 'options' is invalid. Received " + inspectOptions(a)}
		}
	case string:
		if _, err := strconv.Atoi(a); err != nil {
			return s.ListenUnix(a)
		}
		port = a
	case bool:
		return &js.Error{Name: "TypeError", Code: "ERR_INVALID_ARG_VALUE", Message: "The argument 'options' is invalid. Received { port: " + strconv.FormatBool(a) + " }"}
	default:
		port = a
		if h, ok := js.Arg(args, 1).(string); ok {
			host = h
		}
	}
	p, err := checkListenPort(port)
	if err != nil {
		return err
	}
	if host == "" {
		host = "::"
		if _, err := os.Stat("/proc/net/if_inet6"); err != nil {
			host = "0.0.0.0"
		}
	}
	s.ListenTCP(host, p)
	return nil
}

func inspectOptions(m map[string]any) string {
	out := "{"
	first := true
	for _, k := range []string{"port", "host", "path"} {
		if v, ok := m[k]; ok {
			if !first {
				out += ","
			}
			out += " " + k + ": " + js.String(v)
			first = false
		}
	}
	return out + " }"
}

// checkListenPort is listen's port rule: an integer 0..65535 (a numeric
// string counts), else ERR_SOCKET_BAD_PORT with the value described.
func checkListenPort(v any) (int, error) {
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, badPort("options.port", v)
		}
		n = f
	case js.Undefined:
		return 0, nil
	default:
		return 0, badPort("options.port", v)
	}
	if n != math.Trunc(n) || n < 0 || n >= 65536 {
		return 0, badPort("options.port", v)
	}
	return int(n), nil
}

func badPort(name string, v any) *js.Error {
	return rangeError("ERR_SOCKET_BAD_PORT", "%s should be >= 0 and < 65536. Received %s.", name, describeArg(v))
}

// closeCall is server.close([cb]): stop accepting; 'close' once the last
// connection has closed. A server that is not listening calls cb with
// ERR_SERVER_NOT_RUNNING when it emits 'close' again
// (net/Server/server.close).
func (s *NetServer) closeCall(cb js.Callback) {
	running := s.ln != nil && !s.closing
	if cb != nil {
		if running {
			s.Once("close", func(...any) { cb() })
		} else {
			s.Once("close", func(...any) {
				cb(&js.Error{Name: "Error", Code: "ERR_SERVER_NOT_RUNNING", Message: "Server is not running."})
			})
		}
	}
	if running {
		s.started = false
		s.Close(nil)
		return
	}
	if len(s.conns) == 0 {
		s.Loop.NextTick(func() { s.Emit("close") })
	}
}

package nodehttp

import (
	"strings"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
	"github.com/nodespec/nodespec/impl/nodenet"
)

// Server is http.Server (http/Server): a net server whose connections are
// parsed into requests. Events: 'request' (req, res), 'connection' (sock),
// 'clientError' (err, sock), 'connect' (req, sock, head), 'close'.
type Server struct {
	*nodenet.Server
	profile *Profile
	join    bool
}

// Options of http.createServer that the reference implementation honours.
type Options struct {
	JoinDuplicateHeaders bool
}

// NewServer is http.createServer(options) under a profile.
func NewServer(l *loop.Loop, p *Profile, opts Options) *Server {
	s := &Server{Server: nodenet.NewServer(l), profile: p, join: opts.JoinDuplicateHeaders}
	s.Server.On("connection", func(args ...any) { s.attach(args[0].(*nodenet.Socket)) })
	return s
}

// connection tracks the requests of one socket; responses go out in order.
type connection struct {
	srv     *Server
	sock    *nodenet.Socket
	parser  *parser
	current *exchange // the request being parsed
	queue   []*exchange
	// handedOver: a CONNECT request gave the socket to the 'connect'
	// listener; the HTTP parser no longer reads it.
	handedOver bool
}

// exchange is one request and its response.
type exchange struct {
	conn      *connection
	sock      *nodenet.Socket
	req       *IncomingMessage
	res       *ServerResponse
	keepAlive bool
}

func (s *Server) attach(sock *nodenet.Socket) {
	c := &connection{srv: s, sock: sock}
	c.parser = newParser(s.profile.Methods, 16*1024, c)
	sock.On("data", func(args ...any) {
		if c.handedOver {
			return // after CONNECT the socket belongs to the 'connect' listener
		}
		if err := c.parser.Execute(args[0].(js.Buffer)); err != nil {
			c.clientError(err)
		}
	})
	sock.On("end", func(...any) {
		if c.handedOver {
			return
		}
		// The peer is done sending. A request still waiting for body bytes
		// never gets them: it is aborted ('aborted', then 'close';
		// http/IncomingMessage/event.aborted). With no response pending the
		// socket closes; a pending response still goes out first.
		if x := c.current; x != nil && !x.req.complete && !x.req.aborted {
			x.req.abort()
		}
		if len(c.queue) == 0 || c.current != nil && c.current.req.aborted {
			sock.End()
			sock.Destroy(nil)
		}
	})
}

func (c *connection) clientError(e *ParseError) {
	err := &js.Error{Name: "Error", Code: e.Code, Message: e.Error()}
	if c.srv.ListenerCount("clientError") > 0 {
		c.srv.Emit("clientError", err, c.sock)
		return
	}
	// Without a listener the server answers 400 and closes (http/Server/event.clientError).
	status := "400 Bad Request"
	if e.Code == "HPE_HEADER_OVERFLOW" {
		status = "431 Request Header Fields Too Large"
	}
	c.sock.Write([]byte("HTTP/1.1 "+status+"\r\nConnection: close\r\n\r\n"), nil)
	c.sock.End()
}

func (c *connection) onHead(h *Head) error {
	s := c.srv
	if s.profile.RequireHost && h.Major == 1 && h.Minor == 1 && !hasHeader(h.Raw, "host") {
		c.parser.fail("HPE_MISSING_HOST", "Missing Host header") // requireHostHeader (latest)
		return &ParseError{Code: "HPE_MISSING_HOST"}
	}
	x := &exchange{conn: c, sock: c.sock}
	x.req = newIncoming(s.Loop, s.profile, s.join, c.sock, h)
	x.res = newResponse(x)
	x.keepAlive = keepAlive(h)
	c.current = x
	c.queue = append(c.queue, x)
	if h.Method == "CONNECT" {
		c.handedOver = true
		if s.ListenerCount("connect") > 0 {
			s.Emit("connect", x.req, c.sock, js.Buffer{})
		} else {
			c.sock.Destroy(nil)
		}
		return nil
	}
	s.Emit("request", x.req, x.res)
	return nil
}

func (c *connection) onBody(b []byte) { c.current.req.push(b) }

func (c *connection) onComplete(rawTrailers []string) {
	req := c.current.req
	req.rawTrailers = rawTrailers
	req.complete = true
	req.push(nil)
}

// responseDone runs after a response's bytes are written: the next response
// may go, and a connection that is not kept alive is closed.
func (x *exchange) responseDone() {
	c := x.conn
	if len(c.queue) > 0 && c.queue[0] == x {
		c.queue = c.queue[1:]
	}
	if !x.keepAlive {
		c.sock.End()
	}
}

func keepAlive(h *Head) bool {
	conn := ""
	for i := 0; i+1 < len(h.Raw); i += 2 {
		if strings.EqualFold(h.Raw[i], "connection") {
			conn = strings.ToLower(h.Raw[i+1])
		}
	}
	if h.Major == 1 && h.Minor >= 1 {
		return !strings.Contains(conn, "close")
	}
	return strings.Contains(conn, "keep-alive")
}

func hasHeader(raw []string, name string) bool {
	for i := 0; i < len(raw); i += 2 {
		if strings.EqualFold(raw[i], name) {
			return true
		}
	}
	return false
}

// Get implements js.Object.
func (s *Server) Get(name string) (any, bool) {
	switch name {
	case "listening":
		return !s.Closing(), true
	}
	return nil, false
}

// Call implements js.Object.
func (s *Server) Call(name string, args []any) (any, error) {
	return nil, js.ErrMissing
}

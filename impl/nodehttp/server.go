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
	// refused: the server answered a request itself (no Host) and reads no more.
	refused   bool
	peerEnded bool // the peer half-closed
}

// errRefused stops the parser after a request the server refused itself.
var errRefused = &ParseError{Code: "refused"}

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
	c.parser = newParser(s.profile.Era, s.profile.Methods, 16*1024, c)
	sock.On("data", func(args ...any) {
		if c.handedOver || c.refused {
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
		c.peerEnded = true
		// A message cut off after its head is a parse error of its own.
		if err := c.parser.Finish(); err != nil && !c.refused {
			c.clientError(err)
		}
		// The peer is done sending. A request still waiting for body bytes
		// never gets them: it is aborted ('aborted', then 'close';
		// http/IncomingMessage/event.aborted). With no response pending the
		// socket closes; a pending response still goes out first.
		if x := c.current; x != nil && !x.req.complete && !x.req.aborted {
			x.req.abort()
		}
		if len(c.queue) == 0 || c.current != nil && c.current.req.aborted || !c.queue[0].res.headersSent {
			// Nothing is being answered: the releases close at once, even
			// with complete requests still unanswered (observed on 6, 14, 20).
			sock.End()
			sock.Destroy(nil)
		}
	})
}

// clientError reports a parse error: to the 'clientError' listeners, or
// with the default handling of the profile (http/Server/event.clientError).
func (c *connection) clientError(e *ParseError) {
	err := &js.Error{Name: "Error", Code: e.Code, Message: e.Error(), Props: map[string]any{}}
	if e.Code == "HPE_INVALID_EOF_STATE" {
		err.Props["bytesParsed"] = float64(0) // the end of input is no chunk
	} else {
		err.Props["bytesParsed"] = float64(e.BytesParsed)
		if c.srv.profile.Era != EraV6 {
			err.Props["rawPacket"] = js.Buffer(e.RawPacket)
		}
	}
	if c.srv.ListenerCount("clientError") > 0 {
		c.srv.Emit("clientError", err, c.sock)
		return
	}
	// Without a listener: Node 6 destroys the socket, as its docs say; later
	// releases answer 400 (431 for a header overflow) and close, unless the
	// socket can no longer be written to.
	if c.srv.profile.Era == EraV6 || c.peerEnded {
		c.sock.Destroy(nil)
		return
	}
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
		// requireHostHeader (latest, http/createServer): the server answers
		// 400 itself; no 'clientError' is emitted, even with a listener.
		c.refused = true
		c.sock.Write([]byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: "+httpDate()+
			"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), nil)
		c.sock.End()
		return errRefused
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
	switch {
	case !x.keepAlive:
		c.sock.End()
	case c.peerEnded && len(c.queue) == 0:
		// The peer half-closed a kept-alive connection: with nothing left
		// to answer, the server closes it too.
		c.sock.End()
		c.sock.Destroy(nil)
	}
}

func keepAlive(h *Head) bool {
	conn := ""
	for i := 0; i+1 < len(h.Raw); i += 2 {
		if strings.EqualFold(h.Raw[i], "connection") {
			conn = strings.ToLower(h.Raw[i+1])
		}
	}
	if h.persistentByDefault() {
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

// persistentByDefault: the releases treat a version with a non-zero major
// and minor (1.1, 9.9) as HTTP/1.1, persistent unless asked to close, and
// any other (0.9, 1.0, 2.0) as HTTP/1.0 (observed on node 6, 14 and 20+).
func (h *Head) persistentByDefault() bool { return h.Major > 0 && h.Minor > 0 }

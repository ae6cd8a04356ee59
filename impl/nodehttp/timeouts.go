package nodehttp

import (
	"time"

	"github.com/nodespec/nodespec/impl/js"
)

// The server's timeouts (http/Server/server.timeout, server.setTimeout,
// server.keepAliveTimeout, server.headersTimeout, server.requestTimeout).
// Their defaults are the profile's (Profile.ServerDefaults); what they do
// with small values was observed on the releases:
//
//   - server.timeout: every socket gets it as its idle timeout when it
//     connects (changing the property later does not touch open sockets).
//   - keepAliveTimeout: the idle timeout of a kept-alive connection between
//     requests, as the server had it when the connection came (the docs);
//     Node 20+ add a fixed 1 s buffer to it.
//   - latest: headersTimeout and requestTimeout are checked every
//     connectionsCheckingInterval (30 s unless given to createServer); a
//     request past either is a clientError ERR_HTTP_REQUEST_TIMEOUT, 408
//     by default.
//   - v14: requestTimeout is a timer per request.
//   - v6, v14: headersTimeout is checked as header bytes arrive (the docs
//     of both: measured from when the connection came); past it the server
//     hears 'timeout' with the socket, or the socket is destroyed.

// keepAliveBufferMs is what Node 20+ add to keepAliveTimeout.
const keepAliveBufferMs = 1000

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// startTimers runs when a connection arrives.
func (s *Server) startTimers(c *connection) {
	if t := s.num("timeout"); t > 0 {
		c.sock.SetTimeout(t)
	}
	if s.profile.Era == EraLatest && s.checker == nil && s.checkInterval > 0 &&
		(s.num("headersTimeout") > 0 || s.num("requestTimeout") > 0) {
		s.scheduleCheck()
	}
}

func (s *Server) scheduleCheck() {
	s.checker = s.Loop.SetTimeout(func() {
		s.checker = nil
		if s.Closing() {
			return
		}
		s.checkConnections()
		s.scheduleCheck()
	}, ms(s.checkInterval))
}

// checkConnections (latest) times out requests that took too long.
func (s *Server) checkConnections() {
	now := s.Loop.Now()
	for c := range s.conns {
		if c.msgStart.IsZero() {
			continue
		}
		age := now.Sub(c.msgStart)
		ht, rt := s.num("headersTimeout"), s.num("requestTimeout")
		if !c.headDone && ht > 0 && age > ms(ht) || rt > 0 && age > ms(rt) {
			c.msgStart = time.Time{}
			c.requestTimedOut()
		}
	}
}

// startRequestTimer (v14): requestTimeout runs from a request's first byte.
func (c *connection) startRequestTimer() {
	rt := c.srv.num("requestTimeout")
	if c.srv.profile.Era != EraV14 || rt <= 0 {
		return
	}
	c.stopRequestTimer()
	c.requestTimer = c.srv.Loop.SetTimeout(func() {
		c.requestTimer = nil
		c.requestTimedOut()
	}, ms(rt))
}

func (c *connection) stopRequestTimer() {
	if c.requestTimer != nil {
		c.srv.Loop.ClearTimeout(c.requestTimer)
		c.requestTimer = nil
	}
}

func (c *connection) requestTimedOut() {
	if c.sock.Destroyed() {
		return
	}
	err := &js.Error{Name: "Error", Code: "ERR_HTTP_REQUEST_TIMEOUT", Message: "Request timeout"}
	c.reportClientError(err, "408 Request Timeout")
}

// keepAliveIdle: the last response of a kept-alive connection is out; the
// connection may idle for keepAliveTimeout.
func (c *connection) keepAliveIdle() {
	kat := c.keepAliveTimeout
	if kat <= 0 {
		return
	}
	c.idleKeepAlive = true
	if c.srv.profile.Era == EraLatest {
		kat += keepAliveBufferMs
	}
	c.sock.SetTimeout(kat)
}

// requestArrived: a request head came in; a connection idling between
// requests goes back to the server's timeout.
func (c *connection) requestArrived() {
	if c.idleKeepAlive {
		c.idleKeepAlive = false
		c.sock.SetTimeout(c.srv.num("timeout"))
	}
}

// headersTimedOut (v6, v14) runs as bytes arrive, before they are parsed:
// bytes of a head that came after headersTimeout fail the check. The docs
// measure from the connection; a later request on a kept-alive connection
// is measured from its own first byte (the docs do not say; the first
// request is what the fixtures pin). It reports whether the socket is gone.
func (c *connection) headersTimedOut() bool {
	s := c.srv
	ht := s.num("headersTimeout")
	if s.profile.Era == EraLatest || ht <= 0 || c.headDone && !c.msgStart.IsZero() {
		return false // no such check, or these bytes are a body's
	}
	start := c.msgStart
	if c.requests == 0 {
		start = c.connStart
	}
	if start.IsZero() || s.Loop.Now().Sub(start) <= ms(ht) {
		return false
	}
	if s.ListenerCount("timeout") > 0 {
		s.Emit("timeout", c.sock)
	} else {
		c.sock.Destroy(nil)
	}
	return c.sock.Destroyed()
}

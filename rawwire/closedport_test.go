package rawwire

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A reserved closed port refuses connections, and no listener can take it
// while it is held.
func TestClosedPortRefuses(t *testing.T) {
	p, err := ReserveClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(p.Port)
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("connect to the closed port: %v, want ECONNREFUSED", err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Errorf("a listener took the reserved port %d", p.Port)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
}

// AcceptPending takes what is in the backlog, and says so at once when
// nothing is.
func TestAcceptPending(t *testing.T) {
	p, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if c, err := p.AcceptPending(); c != nil || err != nil {
		t.Fatalf("empty backlog: %v, %v", c, err)
	}
	conn, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("hi"))
	conn.(*net.TCPConn).CloseWrite()
	c, err := p.AcceptPending()
	if err != nil || c == nil {
		t.Fatalf("a complete connect was not accepted: %v, %v", c, err)
	}
	if r := c.Wait(time.Now().Add(time.Second)); string(r.Received) != "hi" || r.End != EndEOF {
		t.Errorf("got %q, %s", r.Received, r.End)
	}
}

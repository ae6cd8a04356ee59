package memnet_test

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/rawwire/memnet"
)

// Every scenario runs on the kernel's loopback (a nil Network) and on
// memnet, and must see the same: memnet's rules are the kernel's, checked
// here rather than assumed. Each observation is a blocking read, accept or
// the result of a call, never a look at state that may not have arrived.

// outcome names what a read or write returned: "ok", "eof", or the errno.
func outcome(err error) string {
	for _, e := range []syscall.Errno{syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNREFUSED, syscall.EADDRINUSE} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, io.EOF):
		return "eof"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "deadline"
	}
	return "other: " + err.Error()
}

// pair dials a listener of n and accepts: the client and server ends.
func pair(t *testing.T, n *memnet.Network, listen string) (client, server net.Conn, ln net.Listener) {
	t.Helper()
	ln, err := n.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	client, err = n.Dial("tcp", net.JoinHostPort("127.0.0.1", port), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close(); ln.Close() })
	return client, server, ln
}

func read(c net.Conn) (string, string) {
	b := make([]byte, 64)
	k, err := c.Read(b)
	return string(b[:k]), outcome(err)
}

func readN(c net.Conn, k int) (string, string) {
	b := make([]byte, k)
	k, err := io.ReadFull(c, b)
	return string(b[:k]), outcome(err)
}

type scenario func(t *testing.T, n *memnet.Network) []string

var scenarios = map[string]scenario{
	// FIN after data: the other side reads the data, then EOF, and can
	// still send back (half-open).
	"fin after data": func(t *testing.T, n *memnet.Network) []string {
		c, s, _ := pair(t, n, "127.0.0.1:0")
		_, err := c.Write([]byte("hi"))
		werr := c.(interface{ CloseWrite() error }).CloseWrite()
		got, e1 := readN(s, 2)
		_, e2 := read(s)
		_, e3 := s.Write([]byte("yo"))
		back, e4 := readN(c, 2)
		_, e5 := c.Write([]byte("late"))
		return []string{outcome(err), outcome(werr), got, e1, e2, outcome(e3), back, e4, "write after CloseWrite: " + outcome(e5)}
	},
	// Close with a byte received and unread is a reset: the other side
	// reads ECONNRESET, then a write is EPIPE.
	"close with unread data": func(t *testing.T, n *memnet.Network) []string {
		c, s, _ := pair(t, n, "127.0.0.1:0")
		_, err := c.Write([]byte("xy"))
		got, e1 := readN(s, 1) // "y" stays unread
		s.Close()
		_, e2 := read(c)
		_, e3 := c.Write([]byte("z"))
		return []string{outcome(err), got, e1, e2, outcome(e3)}
	},
	// SetLinger(0) then Close is a reset whatever was read.
	"linger 0": func(t *testing.T, n *memnet.Network) []string {
		c, s, _ := pair(t, n, "127.0.0.1:0")
		_, err := s.Write([]byte("ab"))
		s.(interface{ SetLinger(int) error }).SetLinger(0)
		s.Close()
		got, e1 := readN(c, 2) // the bytes sent before the reset are read first
		_, e2 := read(c)
		_, e3 := c.Write([]byte("z"))
		return []string{outcome(err), got, e1, e2, outcome(e3)}
	},
	// A plain close with nothing unread is a FIN.
	"close is fin": func(t *testing.T, n *memnet.Network) []string {
		c, s, _ := pair(t, n, "127.0.0.1:0")
		s.Write([]byte("bye"))
		s.Close()
		got, e1 := readN(c, 3)
		_, e2 := read(c)
		return []string{got, e1, e2}
	},
	// A listener closed with a connect in its backlog resets it.
	"backlog reset": func(t *testing.T, n *memnet.Network) []string {
		ln, err := n.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, err := n.Dial("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ln.Close()
		_, e := read(c)
		_, dialErr := n.Dial("tcp", ln.Addr().String(), time.Second)
		return []string{e, "dial after close: " + outcome(dialErr)}
	},
	// Two listens on one address: the second is EADDRINUSE; on another
	// loopback address of the other family, the same port is free.
	"address in use": func(t *testing.T, n *memnet.Network) []string {
		ln, err := n.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		_, err = n.Listen("tcp", "127.0.0.1:"+port)
		ln6, err6 := n.Listen("tcp", "[::1]:"+port)
		if err6 == nil {
			ln6.Close()
		}
		return []string{outcome(err), "::1: " + outcome(err6)}
	},
	// The addresses each end sees, on an IPv4 listener and a dual-stack
	// one (an IPv4 peer then reads as a 16-byte address).
	"addresses": func(t *testing.T, n *memnet.Network) []string {
		var out []string
		for _, l := range []string{"127.0.0.1:0", "[::]:0"} {
			c, s, ln := pair(t, n, l)
			lp := ln.Addr().(*net.TCPAddr)
			cl, cr := c.LocalAddr().(*net.TCPAddr), c.RemoteAddr().(*net.TCPAddr)
			sl, sr := s.LocalAddr().(*net.TCPAddr), s.RemoteAddr().(*net.TCPAddr)
			out = append(out, l,
				"listener "+lp.IP.String(), "client local "+cl.IP.String(), "client remote "+cr.IP.String(),
				"server local "+sl.IP.String(), "server remote "+sr.IP.String())
			if cr.Port != lp.Port || sl.Port != lp.Port || sr.Port != cl.Port {
				out = append(out, "ports do not pair up")
			}
			if len(sr.IP) != len(sl.IP) {
				out = append(out, "server address lengths differ")
			}
			out = append(out, "server address length "+map[int]string{4: "4", 16: "16"}[len(sr.IP)])
		}
		return out
	},
	// A deadline already past wins over a connect waiting in the backlog,
	// and over bytes waiting to be read.
	"past deadlines": func(t *testing.T, n *memnet.Network) []string {
		p, err := rawwire.ListenOn(n, "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		c, err := n.Dial("tcp", p.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, e1 := p.Accept(time.Time{}) // "now"
		cl, e2 := p.Accept(n.Now().Add(time.Second))
		if e2 == nil {
			cl.Send([]byte("x"), rawwire.Whole())
		}
		c.SetReadDeadline(n.Now().Add(-time.Second))
		_, e3 := c.Read(make([]byte, 1))
		return []string{outcome(e1), outcome(e2), outcome(e3)}
	},
	// Accept's deadline, and the raw peer's pending accept.
	"accept": func(t *testing.T, n *memnet.Network) []string {
		p, err := rawwire.ListenOn(n, "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		_, e1 := p.Accept(n.Now().Add(5 * time.Millisecond))
		none, e2 := p.AcceptPending()
		c, err := n.Dial("tcp", p.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl, e3 := p.AcceptPending()
		c.Write([]byte("q"))
		r := cl.WaitFor(n.Now().Add(time.Second), rawwire.AtLeast(1))
		return []string{outcome(e1), "pending none: " + map[bool]string{true: "nil", false: "a conn"}[none == nil] + " " + outcome(e2),
			"pending one: " + outcome(e3), string(r.Received)}
	},
}

func TestMemnetIsTheKernel(t *testing.T) {
	for name, sc := range scenarios {
		t.Run(name, func(t *testing.T) {
			want := sc(t, nil)
			n := memnet.New()
			n.Enter() // the test's goroutine is one the clock counts
			got := sc(t, n)
			n.Leave()
			if len(want) != len(got) {
				t.Fatalf("kernel %q\nmemnet %q", want, got)
			}
			for i := range want {
				if want[i] != got[i] {
					t.Errorf("step %d: kernel %q, memnet %q\nkernel %q\nmemnet %q", i, want[i], got[i], want, got)
				}
			}
		})
	}
}

// A refused connect: the kernel's closed port (bound, never listening)
// and memnet's are refused alike.
func TestRefused(t *testing.T) {
	closed, err := rawwire.ReserveClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	defer closed.Release()
	_, kerr := (*memnet.Network)(nil).Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(closed.Port)), time.Second)
	n := memnet.New()
	port, release, err := n.ReserveClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, merr := n.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if outcome(kerr) != "connection refused" || outcome(merr) != outcome(kerr) {
		t.Fatalf("kernel %v, memnet %v", kerr, merr)
	}
	// A reserved port is not handed to a listen on port 0.
	for range 50 {
		ln, err := n.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if ln.Addr().(*net.TCPAddr).Port == port {
			t.Fatalf("port %d is reserved and was listened on", port)
		}
		defer ln.Close()
	}
}

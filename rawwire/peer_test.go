package rawwire

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPeerScripted plays both sides with rawwire: a Client stands in for the
// http.ClientRequest under test, the Peer answers by script.
func TestPeerScripted(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "peer.sock")
			}
			p, err := Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()

			c := dial(t, p.Addr())
			s, err := p.Accept(deadline())
			if err != nil {
				t.Fatal(err)
			}

			const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			const resp = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
			if err := c.Send([]byte(req), Bytewise()); err != nil {
				t.Fatal(err)
			}
			r := s.WaitFor(deadline(), Contains("\r\n\r\n"))
			if !r.Matched || string(r.Received) != req {
				t.Fatalf("peer got %+v", r)
			}
			if err := s.Send([]byte(resp), Random(3)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if r := c.Wait(deadline()); r.End != EndEOF || string(r.Received) != resp {
				t.Fatalf("client got %+v", r)
			}
		})
	}
}

func TestPeerAcceptTimeout(t *testing.T) {
	p, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const wait = 100 * time.Millisecond
	start := time.Now()
	_, err = p.Accept(start.Add(wait))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Accept = %v, want a deadline error", err)
	}
	if d := time.Since(start); d < wait || d > wait+time.Second {
		t.Errorf("Accept returned after %s, want about %s", d, wait)
	}
	if _, err := p.Accept(time.Time{}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Accept(zero) = %v, want an immediate deadline error", err)
	}
}

// TestPeerCloseClosesAccepted: a Peer owns its accepted connections, so a
// case that forgets one does not leak its reader (goleak would tell).
func TestPeerCloseClosesAccepted(t *testing.T) {
	p, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	s, err := p.Accept(deadline())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r := s.Wait(deadline()); r.End != EndClosed {
		t.Errorf("accepted conn after Peer.Close: End=%q, want closed", r.End)
	}
	if r := c.Wait(deadline()); r.End != EndEOF {
		t.Errorf("client after Peer.Close: End=%q, want eof", r.End)
	}
	if _, err := p.Accept(deadline()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
}

func TestListenErrors(t *testing.T) {
	if _, err := Listen("udp", "127.0.0.1:0"); err == nil {
		t.Error("Listen udp succeeded")
	}
}

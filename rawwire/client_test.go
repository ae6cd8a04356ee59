package rawwire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// wireSegmentations are used for wire tests; the paused one makes the chunks
// travel in separate segments.
func wireSegmentations() []Segmentation {
	return []Segmentation{
		Whole(), Bytewise(), Random(1), Random(42), At(1, 5, 17),
		At(1, 5, 17).WithPause(5 * time.Millisecond),
	}
}

// echo copies everything back until the client half-closes, then closes.
func echo(c net.Conn) { io.Copy(c, c) }

func TestSendWaitEcho(t *testing.T) {
	msg := payload(300)
	for _, network := range []string{"tcp", "unix"} {
		for _, seg := range wireSegmentations() {
			t.Run(network+"/"+seg.Name, func(t *testing.T) {
				addr := "127.0.0.1:0"
				if network == "unix" {
					addr = filepath.Join(t.TempDir(), "s")
				}
				c := dial(t, serve(t, network, addr, echo))
				if err := c.Send(msg, seg); err != nil {
					t.Fatalf("Send: %v", err)
				}
				if err := c.HalfClose(); err != nil {
					t.Fatalf("HalfClose: %v", err)
				}
				r := c.Wait(deadline())
				if r.End != EndEOF || r.Err != nil {
					t.Fatalf("Wait: End=%q Err=%v, want eof", r.End, r.Err)
				}
				if !bytes.Equal(r.Received, msg) {
					t.Fatalf("Received %q, want %q", r.Received, msg)
				}
			})
		}
	}
}

// TestEarlyServerClose: the server answers after a few bytes and closes
// without reading the rest (so its kernel sends RST). Send must fail rather
// than hang, and the answer must still be in Received.
func TestEarlyServerClose(t *testing.T) {
	// More than the loopback socket buffers can hold, so Send cannot finish
	// before the server's close reaches us.
	big := bytes.Repeat([]byte("x"), 32<<20)
	for _, seg := range []Segmentation{Whole(), At(10, 1<<20), Random(7)} {
		t.Run(seg.Name, func(t *testing.T) {
			addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
				io.ReadFull(c, make([]byte, 10))
				c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			})
			c := dial(t, addr)
			err := c.Send(big, seg)
			if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
				t.Errorf("Send error = %v, want ECONNRESET or EPIPE", err)
			}
			r := c.Wait(deadline())
			if r.End != EndReset && r.End != EndEOF {
				t.Errorf("Wait: End=%q Err=%v, want reset or eof", r.End, r.Err)
			}
			if string(r.Received) != "HTTP/1.1 400 Bad Request\r\n\r\n" {
				t.Errorf("Received %q", r.Received)
			}
		})
	}
}

// TestAnswerWhileSending: the server answers after the first chunk while we
// are pausing before the next; WaitFor sees it before Send returns.
func TestAnswerWhileSending(t *testing.T) {
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		io.ReadFull(c, make([]byte, 1))
		c.Write([]byte("early"))
		io.Copy(io.Discard, c)
	})
	c := dial(t, addr)
	sent := make(chan error, 1)
	// A long pause between the two writes: the answer must arrive inside it.
	go func() { sent <- c.Send([]byte("ab"), Bytewise().WithPause(testTimeout)) }()
	r := c.WaitFor(deadline(), Contains("early"))
	if !r.Matched || r.End != EndOpen {
		t.Fatalf("WaitFor: Matched=%v End=%q Received=%q", r.Matched, r.End, r.Received)
	}
	select {
	case err := <-sent:
		t.Fatalf("Send returned before its pause ended: %v", err)
	default:
	}
	c.Close() // interrupts the pause
	if err := <-sent; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
}

func TestWaitTimeout(t *testing.T) {
	release := make(chan struct{})
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		c.Write([]byte("partial"))
		<-release // hold the connection open
	})
	defer close(release)
	c := dial(t, addr)

	const wait = 100 * time.Millisecond
	start := time.Now()
	r := c.WaitFor(start.Add(wait), Contains("never"))
	elapsed := time.Since(start)
	if r.End != EndTimeout || r.Matched {
		t.Fatalf("End=%q Matched=%v, want timeout", r.End, r.Matched)
	}
	if elapsed < wait || elapsed > wait+time.Second {
		t.Errorf("returned after %s, want about %s", elapsed, wait)
	}
	if string(r.Received) != "partial" {
		t.Errorf("Received %q, want what arrived before the deadline", r.Received)
	}

	// A zero or past deadline reports the current state without blocking.
	for _, dl := range []time.Time{{}, time.Now().Add(-time.Hour)} {
		start := time.Now()
		if r := c.Wait(dl); r.End != EndTimeout || string(r.Received) != "partial" {
			t.Errorf("Wait(%v) = %q %q", dl, r.End, r.Received)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Wait(%v) blocked for %s", dl, d)
		}
	}
}

func TestWaitForPredicates(t *testing.T) {
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 200 OK\r\n"))
		c.Write([]byte("\r\nbody"))
	})
	c := dial(t, addr)
	if r := c.WaitFor(deadline(), Contains("\r\n\r\n")); !r.Matched || !bytes.Contains(r.Received, []byte("\r\n\r\n")) {
		t.Fatalf("Contains: %+v", r)
	}
	if r := c.WaitFor(deadline(), AtLeast(23)); !r.Matched || len(r.Received) < 23 {
		t.Fatalf("AtLeast: %+v", r)
	}
	// The connection ends without the predicate holding: not Matched.
	r := c.WaitFor(deadline(), AtLeast(1000))
	if r.Matched || r.End != EndEOF || string(r.Received) != "HTTP/1.1 200 OK\r\n\r\nbody" {
		t.Fatalf("after close: %+v", r)
	}
	// Matched after the end reports the end, not "open".
	if r := c.WaitFor(deadline(), AtLeast(1)); !r.Matched || r.End != EndEOF {
		t.Fatalf("matched after close: %+v", r)
	}
	// Received is a copy: changing it does not change the next result.
	r.Received[0] = 'X'
	if r := c.Wait(deadline()); r.Received[0] != 'H' {
		t.Fatalf("Received aliases the internal buffer")
	}
}

func TestHalfCloseSeenAsEOF(t *testing.T) {
	got := make(chan string, 1)
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		b, err := io.ReadAll(c) // returns only at EOF (or the deadline)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(b)
		c.Write([]byte("bye")) // our read side is still open
	})
	c := dial(t, addr)
	if err := c.Send([]byte("hello"), Bytewise()); err != nil {
		t.Fatal(err)
	}
	if err := c.HalfClose(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "hello" {
		t.Fatalf("server read %q, want hello then EOF", s)
	}
	if r := c.Wait(deadline()); r.End != EndEOF || string(r.Received) != "bye" {
		t.Fatalf("Wait: %+v", r)
	}
}

func TestResetSeenAsECONNRESET(t *testing.T) {
	got := make(chan error, 1)
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		_, err := io.Copy(io.Discard, c) // nil at EOF; the reset is an error
		got <- err
	})
	c := dial(t, addr)
	if err := c.Send([]byte("abc"), Whole()); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("server read error = %v, want ECONNRESET", err)
	}
	// Our side is closed now.
	if r := c.Wait(deadline()); r.End != EndClosed {
		t.Errorf("Wait after Reset: End=%q, want closed", r.End)
	}
	if err := c.Send([]byte("x"), Whole()); err == nil {
		t.Errorf("Send after Reset succeeded")
	}
}

func TestPeerResetSeenAsReset(t *testing.T) {
	addr := serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		// Wait for a byte first: a reset racing the handshake would make
		// Dial fail instead of Wait report it.
		io.ReadFull(c, make([]byte, 1))
		c.Write([]byte("last words"))
		c.(*net.TCPConn).SetLinger(0)
	})
	c := dial(t, addr)
	if err := c.Send([]byte("x"), Whole()); err != nil {
		t.Fatal(err)
	}
	r := c.Wait(deadline())
	if r.End != EndReset || !errors.Is(r.Err, syscall.ECONNRESET) {
		t.Fatalf("Wait: End=%q Err=%v, want reset", r.End, r.Err)
	}
}

func TestUnixReset(t *testing.T) {
	addr := serve(t, "unix", filepath.Join(t.TempDir(), "s"), func(c net.Conn) { io.Copy(io.Discard, c) })
	c := dial(t, addr)
	if err := c.Reset(); err == nil {
		t.Fatal("Reset on a unix socket succeeded, want an error")
	}
}

func TestCloseIdempotent(t *testing.T) {
	c := dial(t, serve(t, "tcp", "127.0.0.1:0", echo))
	for i := range 3 {
		if err := c.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if r := c.Wait(deadline()); r.End != EndClosed {
		t.Errorf("Wait after Close: End=%q, want closed", r.End)
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := Dial("udp", "127.0.0.1:1", testTimeout); err == nil {
		t.Error("Dial udp succeeded")
	}
	if _, err := Dial("tcp", "127.0.0.1:1", 0); err == nil {
		t.Error("Dial without a timeout succeeded")
	}
	if _, err := Dial("unix", filepath.Join(t.TempDir(), "nobody"), testTimeout); err == nil {
		t.Error("Dial to a missing unix socket succeeded")
	}
}

func TestWriteTimeout(t *testing.T) {
	// The server never reads, so the socket buffers fill and a write blocks
	// until the write timeout.
	release := make(chan struct{})
	addr := serve(t, "tcp", "127.0.0.1:0", func(net.Conn) { <-release })
	defer close(release)
	c := dial(t, addr)
	c.SetWriteTimeout(100 * time.Millisecond)
	start := time.Now()
	err := c.Send(bytes.Repeat([]byte("x"), 64<<20), Whole())
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Send = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > testTimeout {
		t.Errorf("Send took %s", d)
	}
}

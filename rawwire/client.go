package rawwire

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nodespec/nodespec/rawwire/memnet"
	"github.com/nodespec/nodespec/rawwire/ports"
)

// How a connection ended, as reported in Result.End. The first three are the
// ones a trace records (see fixtures/FORMAT.md); the others describe states
// the caller caused or did not expect.
const (
	EndEOF     = "eof"     // the peer closed its side (FIN)
	EndReset   = "reset"   // the peer reset the connection (ECONNRESET)
	EndTimeout = "timeout" // the deadline passed with the connection still open
	EndOpen    = "open"    // WaitFor's predicate held while the connection was still open
	EndClosed  = "closed"  // we closed or reset the connection ourselves
	EndError   = "error"   // any other read error, see Result.Err
)

// DefaultWriteTimeout bounds each single write in Send unless changed with
// SetWriteTimeout. A peer that stops reading fills the socket buffers and
// would otherwise block Send forever.
const DefaultWriteTimeout = 10 * time.Second

// Result is what a Wait or WaitFor saw.
type Result struct {
	Received []byte // every byte received so far (a copy, the caller may keep it)
	End      string // one of the End* constants
	Err      error  // the read error behind EndReset or EndError, else nil
	Matched  bool   // WaitFor only: the predicate held on Received
}

// Client is a raw connection: a dialled one, or one accepted by a Peer.
//
// A reader goroutine starts with the connection and appends every byte
// received to a buffer, so bytes a server sends (or a close) while we are
// still sending are captured and never lost to an unread socket. Close stops
// it.
//
// Send may run concurrently with Wait, WaitFor, HalfClose and Close (that is
// how "the server answers mid-request" is observed), but not with another
// Send.
type Client struct {
	conn         net.Conn
	net          *memnet.Network // the connection's network: its clock times waits
	w            *memnet.Waiter  // on an in-memory network: the reader wakes WaitFor
	waitMu       sync.Mutex      // on an in-memory network: WaitFors side by side take turns (w has one waiter)
	pauseW       *memnet.Waiter  // Close ends Send's pause
	writeTimeout atomic.Int64    // time.Duration

	mu      sync.Mutex
	buf     []byte        // received bytes; only ever appended to
	end     string        // "" while the reader runs, else an End* constant
	err     error         // read error that set end
	changed chan struct{} // closed (and replaced) whenever buf or end changes

	closing   chan struct{} // closed by Close; interrupts Send's pauses
	done      chan struct{} // closed when the reader goroutine has returned
	closeOnce sync.Once
	closeErr  error
}

// Dial connects to addr over "tcp" (also "tcp4", "tcp6") or "unix". The
// timeout bounds the connect and must be positive.
func Dial(network, addr string, timeout time.Duration) (*Client, error) {
	return DialOn(nil, network, addr, timeout)
}

// DialOn is Dial on the network n (nil: the kernel's sockets).
func DialOn(n *memnet.Network, network, addr string, timeout time.Duration) (*Client, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, fmt.Errorf("rawwire: unsupported network %q", network)
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("rawwire: Dial needs a positive timeout, got %s", timeout)
	}
	// From a port of package ports' choosing (it says why), without TCP
	// keep-alive probes.
	dial := ports.Dial
	if n != nil {
		dial = n.Dial
	}
	conn, err := dial(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	return newClient(conn, n), nil
}

// newClient takes ownership of conn, a connection of network n (nil: the
// kernel's), and starts its reader.
func newClient(conn net.Conn, n *memnet.Network) *Client {
	c := &Client{
		conn:    conn,
		net:     n,
		changed: make(chan struct{}),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	c.writeTimeout.Store(int64(DefaultWriteTimeout))
	c.pauseW = n.NewWaiter()
	if n != nil {
		c.w = n.NewWaiter()
	}
	n.Go(c.read)
	return c
}

// readBufs holds the 64 KiB read buffers of clients' readers.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// read runs until the connection ends or is closed. It never blocks on
// anything but conn.Read, which Close interrupts.
func (c *Client) read() {
	defer close(c.done)
	bp := readBufs.Get().(*[]byte) // what is read is copied out: the buffer goes back
	defer readBufs.Put(bp)
	p := *bp
	for {
		n, err := c.conn.Read(p)
		c.mu.Lock()
		if n > 0 {
			c.buf = append(c.buf, p[:n]...)
		}
		if err != nil {
			c.end, c.err = classify(err)
		}
		// Wake every waiter; they re-check the state themselves.
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if c.w != nil {
			c.w.Wake()
		}
		if err != nil {
			return
		}
	}
}

// classify maps a read error to an End* constant and the error worth
// reporting (nil when the end is ordinary).
func classify(err error) (string, error) {
	switch {
	case errors.Is(err, io.EOF):
		return EndEOF, nil
	case errors.Is(err, syscall.ECONNRESET):
		return EndReset, err
	case errors.Is(err, net.ErrClosed):
		return EndClosed, nil
	default:
		return EndError, err
	}
}

// LocalAddr and RemoteAddr are the connection's addresses.
func (c *Client) LocalAddr() net.Addr  { return c.conn.LocalAddr() }
func (c *Client) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// SetWriteTimeout changes how long each single write in Send may block
// (pauses between writes do not count). It must be positive.
func (c *Client) SetWriteTimeout(d time.Duration) {
	if d <= 0 {
		panic("rawwire: SetWriteTimeout needs a positive duration")
	}
	c.writeTimeout.Store(int64(d))
}

// Send writes b cut as seg says, pausing seg.Pause between writes. It stops
// at the first write error and returns it (wrapped; errors.Is still finds
// syscall.EPIPE or syscall.ECONNRESET when the server has gone away); the
// bytes received meanwhile stay available to Wait. Close interrupts a pause.
func (c *Client) Send(b []byte, seg Segmentation) error {
	chunks := seg.Chunks(b)
	for i, chunk := range chunks {
		if i > 0 && seg.Pause > 0 {
			// On the connection's clock (its network's, or the wall
			// clock's on the kernel's); Close ends the pause.
			end := c.net.Now().Add(seg.Pause)
			for c.net.Now().Before(end) {
				select {
				case <-c.closing:
					return fmt.Errorf("rawwire: send %s: chunk %d/%d: %w", seg.Name, i+1, len(chunks), net.ErrClosed)
				default:
				}
				c.pauseW.Wait(end)
			}
		}
		if err := c.conn.SetWriteDeadline(time.Now().Add(time.Duration(c.writeTimeout.Load()))); err != nil {
			return fmt.Errorf("rawwire: send %s: chunk %d/%d: %w", seg.Name, i+1, len(chunks), err)
		}
		// net.Conn.Write loops until the whole chunk is written or fails, so
		// one chunk is one write as far as the caller is concerned.
		if _, err := c.conn.Write(chunk); err != nil {
			return fmt.Errorf("rawwire: send %s: chunk %d/%d: %w", seg.Name, i+1, len(chunks), err)
		}
	}
	return nil
}

// HalfClose shuts down our sending side (the peer reads EOF) while we keep
// reading.
func (c *Client) HalfClose() error {
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("rawwire: HalfClose: %T cannot half-close", c.conn)
	}
	return cw.CloseWrite()
}

// Reset aborts a TCP connection: with SO_LINGER 0, close sends RST instead of
// FIN, so the peer sees ECONNRESET. The Client is closed afterwards.
func (c *Client) Reset() error {
	tc, ok := c.conn.(interface{ SetLinger(int) error })
	if !ok {
		return fmt.Errorf("rawwire: Reset: %T cannot be reset (TCP only)", c.conn)
	}
	if err := tc.SetLinger(0); err != nil {
		return fmt.Errorf("rawwire: Reset: %w", err)
	}
	return c.Close()
}

// Wait blocks until the peer closes (EOF), the connection is reset or
// otherwise ends, or the deadline passes (End "timeout"; the connection stays
// open and a later Wait can continue). A zero or past deadline does not
// block: it reports the current state.
func (c *Client) Wait(deadline time.Time) Result {
	return c.WaitFor(deadline, nil)
}

// WaitFor is Wait that also returns as soon as pred holds on the bytes
// received so far (Matched true; End is "open", or how the connection ended
// if it already had). pred is called without locks held, once per batch of
// received bytes; it must not modify its argument. A nil pred never holds.
// AtLeast and Contains make common predicates.
func (c *Client) WaitFor(deadline time.Time, pred func(received []byte) bool) Result {
	var timer *time.Timer
	expired := false
	for {
		c.mu.Lock()
		// A capped view is safe to read without the lock: the reader only
		// appends, so bytes below len never change.
		got := c.buf[:len(c.buf):len(c.buf)]
		end, err, changed := c.end, c.err, c.changed
		c.mu.Unlock()

		switch {
		case pred != nil && pred(got):
			return Result{Received: bytes.Clone(got), End: cmp.Or(end, EndOpen), Err: err, Matched: true}
		case end != "":
			return Result{Received: bytes.Clone(got), End: end, Err: err}
		case expired:
			return Result{Received: bytes.Clone(got), End: EndTimeout}
		}

		if c.net != nil {
			// On the network's clock: Wait uncounts us, so the clock can
			// skip to the deadline when nothing else is under way. One
			// caller waits at a time (a Waiter has one waiter).
			c.waitMu.Lock()
			if !deadline.After(c.net.Now()) {
				c.waitMu.Unlock()
				expired = true
				continue
			}
			c.w.Wait(deadline)
			c.waitMu.Unlock()
			continue
		}
		if timer == nil {
			d := time.Until(deadline)
			if d <= 0 {
				expired = true
				continue
			}
			timer = time.NewTimer(d)
			defer timer.Stop()
		}
		select {
		case <-changed:
		case <-timer.C:
			// Look once more: data or a close may have raced the timer.
			expired = true
		}
	}
}

// AtLeast holds once n bytes have been received.
func AtLeast(n int) func([]byte) bool {
	return func(b []byte) bool { return len(b) >= n }
}

// Contains holds once sub occurs in the received bytes, e.g. "\r\n\r\n" for
// the end of a header block.
func Contains(sub string) func([]byte) bool {
	return func(b []byte) bool { return bytes.Contains(b, []byte(sub)) }
}

// Close closes the connection and waits for the reader goroutine to return.
// It is idempotent; later calls return the first call's result.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		close(c.closing)
		c.pauseW.Wake()
		c.closeErr = c.conn.Close()
		<-c.done // Close interrupted the reader's conn.Read, so this is prompt
	})
	return c.closeErr
}

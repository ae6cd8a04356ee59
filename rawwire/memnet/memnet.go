// Package memnet is a loopback network in memory: TCP between loopback
// addresses of one process, with the kernel's observable behaviour
// (refused connects, addresses in use, FIN, and the resets Linux sends)
// but without a system call per write. The reference implementation and
// the raw peer talk over it when both run in the suite's process, which
// is most of ref's cost per case otherwise (socket, bind, connect, accept,
// a write and a read per byte under the bytewise segmentation).
//
// A *Network carries every listen and dial of its users: TCP on loopback
// (127.0.0.0/8, ::1, and the wildcard addresses for a listen) stays in
// memory; anything else (other addresses, Unix sockets) goes to the
// kernel, where it would have gone anyway. A nil *Network is the kernel's
// network alone, so a caller holds one pointer either way.
//
// The TCP rules it keeps, as Linux shows them on loopback:
//   - a connect completes before the server accepts it (it waits in the
//     listener's backlog); no listener on the port refuses it
//     (ECONNREFUSED), and a listener closed with connections in its
//     backlog resets them;
//   - CloseWrite is a FIN: the other side reads what was sent, then EOF;
//   - Close is a FIN, or a reset when bytes received are still unread or
//     SetLinger(0) asked for one; bytes that reach a closed socket are
//     answered with a reset;
//   - a reset is reported once, by the next read or write (ECONNRESET, or
//     EPIPE to a side that had already read the other's FIN), after the
//     bytes that arrived before it; a side that has read the other's FIN
//     reads EOF rather than the reset; a write after the reset was reported,
//     or after our own CloseWrite, is EPIPE.
//
// Writes never block: what is written waits in the receiver's buffer
// until it reads.
package memnet

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nodespec/nodespec/rawwire/ports"
)

// Network is one process's loopback network. The zero value is not
// usable; make one with New. A nil *Network is the kernel's.
type Network struct {
	mu        sync.Mutex
	listeners map[int][]*Listener // by port
	used      map[int]int         // ports held by listeners, connections and reserved closed ports
	clk       clock               // clock.go
}

// New returns an empty network.
func New() *Network {
	return &Network{listeners: map[int][]*Listener{}, used: map[int]int{}}
}

// Listen listens on addr ("127.0.0.1:0", "[::1]:8080", ":0"). Port 0 takes
// a free port of package ports' choosing, as the kernel listen does there.
func (n *Network) Listen(network, addr string) (net.Listener, error) {
	ip, port, ok := n.loopback(network, addr, true)
	if !ok {
		return ports.ListenAt(network, addr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == 0 {
		port = n.freePort(func(p int) bool { return n.used[p] == 0 })
	} else {
		for _, other := range n.listeners[port] {
			if overlaps(other.ip, ip) {
				return nil, &net.OpError{Op: "listen", Net: network, Addr: &net.TCPAddr{IP: ip, Port: port},
					Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
			}
		}
	}
	l := &Listener{net: n, ip: ip, port: port, network: network, w: n.NewWaiter()}
	n.listeners[port] = append(n.listeners[port], l)
	n.used[port]++
	return l, nil
}

// Dial connects to addr. A loopback address with no listener on its port
// is refused at once, as the kernel does; the timeout only bounds a dial
// that goes to the kernel.
func (n *Network) Dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	ip, port, ok := n.loopback(network, addr, false)
	if !ok {
		return net.DialTimeout(network, addr, timeout)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var l *Listener
	for _, cand := range n.listeners[port] {
		if accepts(cand.ip, ip) {
			l = cand
			break
		}
	}
	remote := &net.TCPAddr{IP: ip, Port: port}
	if l == nil || l.closed {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: remote, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	// Our side's address is in the dialled address's family (Linux picks
	// 127.0.0.1 as the source for any 127.x); the server sees the same
	// pair, mapped to IPv6 on a dual-stack listener.
	src := net.IPv6loopback
	if ip.To4() != nil {
		src = net.IPv4(127, 0, 0, 1).To4()
	}
	local := &net.TCPAddr{IP: src, Port: n.freePort(func(p int) bool { return n.used[p] == 0 })}
	n.used[local.Port]++
	srvLocal, srvRemote := remote, local
	if l.ip.To4() == nil && ip.To4() != nil {
		srvLocal = &net.TCPAddr{IP: ip.To16(), Port: port}
		srvRemote = &net.TCPAddr{IP: src.To16(), Port: local.Port}
	}
	pair := &pair{}
	client := &Conn{pair: pair, net: n, local: local, remote: remote, ownPort: true, w: n.NewWaiter()}
	server := &Conn{pair: pair, net: n, local: srvLocal, remote: srvRemote, w: n.NewWaiter()}
	client.peer, server.peer = server, client
	l.backlog = append(l.backlog, server)
	l.wake()
	return client, nil
}

// ReserveClosedPort holds a loopback port that refuses connects until
// release is called: a port bound and never listened on.
func (n *Network) ReserveClosedPort() (port int, release func() error, err error) {
	if n == nil {
		return 0, nil, errors.New("memnet: no network")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	port = n.freePort(func(p int) bool { return n.used[p] == 0 })
	n.used[port]++
	return port, func() error { n.release(port); return nil }, nil
}

// freePort is the next port of package ports' walk that free accepts.
// Called with n.mu held.
func (n *Network) freePort(free func(int) bool) int {
	for {
		if p := ports.Next(); free(p) {
			return p
		}
	}
}

func (n *Network) release(port int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.used[port]--; n.used[port] <= 0 {
		delete(n.used, port)
	}
}

// loopback parses addr and tells whether it is the network's to carry:
// TCP to a loopback address, or (for a listen) to a wildcard one.
func (n *Network) loopback(network, addr string, listen bool) (net.IP, int, bool) {
	if n == nil {
		return nil, 0, false
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, 0, false
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0, false
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return nil, 0, false
	}
	var ip net.IP
	switch host {
	case "", "localhost":
		// Go's listen and dial on "localhost" and on no host take IPv4
		// first; "" is every address, as the kernel's wildcard.
		ip = net.IPv4(127, 0, 0, 1).To4()
		if host == "" {
			ip = net.IPv6unspecified
			if network == "tcp4" {
				ip = net.IPv4zero.To4()
			}
		}
	default:
		if ip = net.ParseIP(host); ip == nil {
			return nil, 0, false
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
	}
	switch {
	case ip.IsLoopback():
	case ip.IsUnspecified() && listen:
	case ip.IsUnspecified():
		// A dial to the wildcard reaches this host's loopback.
		if ip.To4() != nil {
			ip = net.IPv4(127, 0, 0, 1).To4()
		} else {
			ip = net.IPv6loopback
		}
	default:
		return nil, 0, false
	}
	if port == 0 && !listen {
		return nil, 0, false
	}
	return ip, port, true
}

// overlaps tells whether two listens on one port collide: the same
// address, or a wildcard of the other's family (IPv6's takes IPv4 too).
func overlaps(a, b net.IP) bool {
	return accepts(a, b) || accepts(b, a)
}

// accepts tells whether a listener on addr takes connects to ip.
func accepts(addr, ip net.IP) bool {
	switch {
	case addr.Equal(ip):
		return true
	case addr.Equal(net.IPv6unspecified):
		return true // dual stack: IPv4 and IPv6
	case addr.Equal(net.IPv4zero):
		return ip.To4() != nil
	}
	return false
}

// Listener is a listening loopback port.
type Listener struct {
	net      *Network
	ip       net.IP
	port     int
	network  string
	w        *Waiter    // woken when a connect arrives or the listener closes
	acceptMu sync.Mutex // Accepts side by side wait one after the other (w has one waiter)
	deadline time.Time  // of Accept; under net.mu
	backlog  []*Conn    // under net.mu
	closed   bool       // under net.mu
}

func (l *Listener) wake() { l.w.Wake() }

// Addr is the bound address, with the port port 0 chose.
func (l *Listener) Addr() net.Addr { return &net.TCPAddr{IP: l.ip, Port: l.port} }

// SetDeadline bounds the next Accepts (the zero time: no bound).
func (l *Listener) SetDeadline(t time.Time) error {
	l.net.mu.Lock()
	l.deadline = t
	l.net.mu.Unlock()
	l.wake()
	return nil
}

// Accept waits for a connect, until the listener closes or the deadline
// passes (os.ErrDeadlineExceeded, as the kernel listener's).
// A deadline already past wins over a connect waiting, as on the kernel's
// listener.
func (l *Listener) Accept() (net.Conn, error) {
	l.acceptMu.Lock()
	defer l.acceptMu.Unlock()
	for {
		l.net.mu.Lock()
		deadline := l.deadline
		l.net.mu.Unlock()
		if !deadline.IsZero() && !deadline.After(l.net.Now()) {
			return nil, &net.OpError{Op: "accept", Net: l.network, Addr: l.Addr(), Err: os.ErrDeadlineExceeded}
		}
		c, ok, err := l.take()
		if ok || err != nil {
			return c, err
		}
		l.w.Wait(deadline)
	}
}

// TryAccept takes a connect waiting in the backlog without waiting: nil,
// nil when there is none.
func (l *Listener) TryAccept() (net.Conn, error) {
	c, ok, err := l.take()
	if !ok {
		return nil, err
	}
	return c, nil
}

func (l *Listener) take() (net.Conn, bool, error) {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	if l.closed {
		return nil, false, &net.OpError{Op: "accept", Net: l.network, Addr: l.Addr(), Err: net.ErrClosed}
	}
	if len(l.backlog) == 0 {
		return nil, false, nil
	}
	c := l.backlog[0]
	l.backlog = l.backlog[1:]
	return c, true, nil
}

// Close stops listening; connects still in the backlog are reset.
func (l *Listener) Close() error {
	l.net.mu.Lock()
	if l.closed {
		l.net.mu.Unlock()
		return &net.OpError{Op: "close", Net: l.network, Addr: l.Addr(), Err: net.ErrClosed}
	}
	l.closed = true
	backlog := l.backlog
	l.backlog = nil
	list := l.net.listeners[l.port]
	for i, other := range list {
		if other == l {
			l.net.listeners[l.port] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(l.net.listeners[l.port]) == 0 {
		delete(l.net.listeners, l.port)
	}
	l.net.mu.Unlock()
	l.net.release(l.port)
	l.wake()
	for _, c := range backlog {
		_ = c.SetLinger(0)
		_ = c.Close()
	}
	return nil
}

// pair is the lock both ends of a connection share.
type pair struct{ mu sync.Mutex }

// Conn is one end of a loopback TCP connection.
type Conn struct {
	*pair
	net           *Network
	peer          *Conn
	local, remote *net.TCPAddr
	ownPort       bool       // the dialling side holds its local port until Close
	w             *Waiter    // woken when something changes for a blocked Read
	readMu        sync.Mutex // Reads side by side wait one after the other (w has one waiter)

	// Below: under pair.mu.
	in         []byte    // received, not read yet
	finIn      bool      // the peer's FIN came after in
	resetIn    bool      // a reset arrived (the connection is dead)
	sockErr    error     // the reset's error, until a read or write reports it
	wrShut     bool      // we sent our FIN (CloseWrite)
	closed     bool      // Close ran
	linger0    bool      // SetLinger(0): Close resets
	rdDeadline time.Time // of Read
}

func (c *Conn) wake() { c.w.Wake() }

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads what has arrived, then EOF, the reset or a closed error. A
// read deadline already past wins over bytes waiting, as on the kernel's.
func (c *Conn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		c.mu.Lock()
		if dl := c.rdDeadline; !dl.IsZero() && !c.closed {
			c.mu.Unlock()
			if !dl.After(c.net.Now()) {
				return 0, c.opErr("read", os.ErrDeadlineExceeded)
			}
			c.mu.Lock()
		}
		switch {
		case c.closed:
			c.mu.Unlock()
			return 0, c.opErr("read", net.ErrClosed)
		case len(c.in) > 0:
			n := copy(p, c.in)
			c.in = c.in[n:]
			if len(c.in) == 0 {
				c.in = nil
			}
			c.mu.Unlock()
			return n, nil
		case c.finIn:
			c.mu.Unlock()
			return 0, io.EOF
		case c.sockErr != nil:
			err := c.sockErr
			c.sockErr = nil
			c.mu.Unlock()
			return 0, c.opErr("read", os.NewSyscallError("read", err))
		case c.resetIn:
			c.mu.Unlock()
			return 0, io.EOF
		}
		deadline := c.rdDeadline
		c.mu.Unlock()
		if !deadline.IsZero() && !deadline.After(c.net.Now()) {
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		c.w.Wait(deadline)
	}
}

// Write hands p to the other side at once. To a side that has closed, the
// bytes are lost and the connection is reset (reported by the next read
// or write, as on the kernel's loopback).
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return 0, c.opErr("write", net.ErrClosed)
	case c.sockErr != nil:
		err := c.sockErr
		c.sockErr = nil
		return 0, c.opErr("write", os.NewSyscallError("write", err))
	case c.resetIn, c.wrShut:
		return 0, c.opErr("write", os.NewSyscallError("write", syscall.EPIPE))
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.peer.closed {
		c.reset()
		c.wake()
		return len(p), nil
	}
	c.peer.in = append(c.peer.in, p...)
	c.peer.wake()
	return len(p), nil
}

// reset is a reset arriving at c. Called with mu held.
func (c *Conn) reset() {
	if c.resetIn {
		return
	}
	c.resetIn = true
	c.sockErr = syscall.ECONNRESET
	if c.finIn && !c.wrShut {
		c.sockErr = syscall.EPIPE // Linux: a reset in CLOSE_WAIT
	}
}

// CloseWrite sends our FIN: the other side reads EOF after what we sent.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	if c.wrShut || c.resetIn {
		return nil
	}
	c.wrShut = true
	c.peer.finIn = true
	c.peer.wake()
	return nil
}

// SetLinger(0) makes Close reset the connection (other values: no change,
// Close is a FIN either way on loopback).
func (c *Conn) SetLinger(sec int) error {
	c.mu.Lock()
	c.linger0 = sec == 0
	c.mu.Unlock()
	return nil
}

// Close closes our end: a FIN, or a reset when received bytes are unread
// or SetLinger(0) asked for one. A blocked Read returns.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	switch {
	case c.resetIn:
	case c.linger0 || len(c.in) > 0:
		c.peer.reset()
	case !c.wrShut:
		c.peer.finIn = true
	}
	c.in = nil
	c.mu.Unlock()
	c.wake()
	c.peer.wake()
	if c.ownPort {
		c.net.release(c.local.Port)
	}
	return nil
}

// LocalAddr and RemoteAddr are *net.TCPAddr, as the kernel's conns give.
func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read deadline (writes never block).
func (c *Conn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline bounds blocked and later Reads.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rdDeadline = t
	c.mu.Unlock()
	c.wake()
	return nil
}

// SetWriteDeadline is accepted and has nothing to bound: writes never block.
func (c *Conn) SetWriteDeadline(time.Time) error { return nil }

// String names the connection in error messages and test failures.
func (c *Conn) String() string { return fmt.Sprintf("memnet %s->%s", c.local, c.remote) }

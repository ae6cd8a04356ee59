package rawwire

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/nodespec/nodespec/rawwire/memnet"
)

// Peer is a scripted raw server for client-side cases: the implementation
// under test connects to it, and the case drives each accepted connection
// through the Client API (Send, WaitFor, HalfClose, Reset ...).
type Peer struct {
	ln  net.Listener
	net *memnet.Network // the listener's network (nil: the kernel's)

	mu       sync.Mutex
	accepted []*Client // closed by Peer.Close, so no reader outlives the Peer
	closed   bool
}

// Listen listens on network ("tcp", "tcp4", "tcp6" or "unix") and addr, e.g.
// ("tcp", "127.0.0.1:0") or ("unix", path).
func Listen(network, addr string) (*Peer, error) {
	return ListenOn(nil, network, addr)
}

// ListenOn is Listen on the network n (nil: the kernel's sockets).
func ListenOn(n *memnet.Network, network, addr string) (*Peer, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, fmt.Errorf("rawwire: unsupported network %q", network)
	}
	ln, err := n.Listen(network, addr) // port 0: see package ports for why not the kernel's
	if err != nil {
		return nil, err
	}
	return &Peer{ln: ln, net: n}, nil
}

// Addr is the address to give the client under test (with the real port
// when Listen was given port 0).
func (p *Peer) Addr() net.Addr { return p.ln.Addr() }

// Accept waits until deadline for one connection. On timeout the error
// satisfies errors.Is(err, os.ErrDeadlineExceeded); a zero or past deadline
// times out at once, even if a connection is pending.
//
// The Client belongs to the caller, who may Close it; Peer.Close closes it in
// any case.
func (p *Peer) Accept(deadline time.Time) (*Client, error) {
	dl, ok := p.ln.(interface{ SetDeadline(time.Time) error })
	if !ok {
		return nil, fmt.Errorf("rawwire: Accept: %T has no deadline", p.ln)
	}
	if deadline.IsZero() {
		// For a listener the zero time means "no deadline"; we mean "now".
		deadline = p.net.Now()
	}
	if err := dl.SetDeadline(deadline); err != nil {
		return nil, err
	}
	conn, err := p.ln.Accept()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		// Close ran while Accept was returning; do not leak the connection.
		conn.Close()
		return nil, fmt.Errorf("rawwire: Accept: %w", net.ErrClosed)
	}
	c := newClient(conn, p.net)
	p.accepted = append(p.accepted, c)
	return c, nil
}

// Close stops listening (a pending Accept returns an error) and closes every
// accepted connection. It is safe to call more than once.
func (p *Peer) Close() error {
	err := p.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil // already closed: Close is idempotent
	}
	p.mu.Lock()
	accepted := p.accepted
	p.accepted, p.closed = nil, true
	p.mu.Unlock()
	errs := []error{err}
	for _, c := range accepted {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

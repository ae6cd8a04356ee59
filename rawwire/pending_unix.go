//go:build unix

package rawwire

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// AcceptPending accepts a connection already complete in the listener's
// backlog, without waiting: (nil, nil) when there is none. A client case
// uses it after the program is done to count connections its script never
// turned to; every connect the program made has completed by then, so
// nothing is missed and nothing is waited for.
func (p *Peer) AcceptPending() (*Client, error) {
	if ml, ok := p.ln.(interface{ TryAccept() (net.Conn, error) }); ok {
		conn, err := ml.TryAccept() // an in-memory listener (package memnet)
		if conn == nil || err != nil {
			return nil, err
		}
		return p.adopt(conn)
	}
	sc, ok := p.ln.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return nil, fmt.Errorf("rawwire: AcceptPending: %T has no raw connection", p.ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var aerr error
	// Control, not Read: Read would wait for readability when the
	// function asks to; Control runs it once, now.
	if err := rc.Control(func(fd uintptr) {
		nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
	}); err != nil {
		return nil, err
	}
	if errors.Is(aerr, syscall.EAGAIN) {
		return nil, nil
	}
	if aerr != nil {
		return nil, fmt.Errorf("rawwire: AcceptPending: %w", aerr)
	}
	f := os.NewFile(uintptr(nfd), "accepted")
	conn, err := net.FileConn(f) // a dup of the descriptor
	f.Close()
	if err != nil {
		return nil, err
	}
	return p.adopt(conn)
}

// adopt makes an accepted connection one of the peer's clients.
func (p *Peer) adopt(conn net.Conn) (*Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		conn.Close()
		return nil, fmt.Errorf("rawwire: AcceptPending: %w", net.ErrClosed)
	}
	c := newClient(conn, p.net)
	p.accepted = append(p.accepted, c)
	return c, nil
}

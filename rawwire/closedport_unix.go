//go:build unix

package rawwire

import (
	"fmt"
	"syscall"

	"github.com/nodespec/nodespec/rawwire/ports"
)

// ClosedPort is a TCP port on 127.0.0.1 that refuses connections: a socket
// bound to it that never listens. Keeping the port bound (rather than
// listening and closing) keeps the kernel from handing it to another
// socket while the case runs, so a connect to it is refused even when
// other cases run side by side; Release frees it.
type ClosedPort struct {
	Port    int
	fd      int
	release func() error // an in-memory network's port (ReserveClosedPortOn)
}

// ReserveClosedPort binds a fresh port without listening on it.
func ReserveClosedPort() (*ClosedPort, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("rawwire: closed port: socket: %w", err)
	}
	// A named port, not the kernel's port 0 (package ports says why);
	// after a few taken ones, port 0 after all.
	err2 := ports.Try(8, func(port int) error {
		return syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
	})
	if err2 != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("rawwire: closed port: bind: %w", err2)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("rawwire: closed port: getsockname: %w", err)
	}
	return &ClosedPort{Port: sa.(*syscall.SockaddrInet4).Port, fd: fd}, nil
}

// Release frees the port.
func (p *ClosedPort) Release() error {
	if p.release != nil {
		return p.release()
	}
	return syscall.Close(p.fd)
}

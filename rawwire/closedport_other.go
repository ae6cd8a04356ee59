//go:build !unix

package rawwire

import "net"

// ClosedPort is a TCP port on 127.0.0.1 that refuses connections. Off
// unix it is a port listened on and closed again, which another socket may
// take meanwhile (the unix version keeps it bound).
type ClosedPort struct {
	Port    int
	release func() error // an in-memory network's port (ReserveClosedPortOn)
}

// ReserveClosedPort finds a free port and leaves it closed.
func ReserveClosedPort() (*ClosedPort, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return &ClosedPort{Port: port}, ln.Close()
}

// Release frees the port.
func (p *ClosedPort) Release() error {
	if p.release != nil {
		return p.release()
	}
	return nil
}

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

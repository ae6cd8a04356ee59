package rawwire

import (
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: every reader,
// timer and test server must be stopped by its owner.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in the tests. Generous: it only matters when
// something is broken, and then the test fails instead of hanging.
const testTimeout = 5 * time.Second

func deadline() time.Time { return time.Now().Add(testTimeout) }

// serve runs a plain net server on network/addr that hands its first
// connection to handle. It returns the listening address. Cleanup closes the
// listener and waits for handle to return; the connection has a deadline so
// a handler stuck on a broken client fails rather than hangs.
func serve(t *testing.T, network, addr string, handle func(net.Conn)) net.Addr {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		conn, err := ln.Accept()
		if err != nil {
			return // listener closed before anyone connected
		}
		defer conn.Close()
		conn.SetDeadline(deadline())
		handle(conn)
	})
	return ln.Addr()
}

// dial connects a Client and closes it at cleanup.
func dial(t *testing.T, addr net.Addr) *Client {
	t.Helper()
	c, err := Dial(addr.Network(), addr.String(), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

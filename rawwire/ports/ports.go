// Package ports hands out TCP ports for the listeners a case makes, in
// place of port 0, and for the raw peer's end of its connections, in place
// of the kernel's choice at connect.
//
// Why: for bind(port 0) Linux searches its ephemeral range for a port no
// socket holds, TIME_WAIT ones included. A suite run leaves thousands of
// server-side TIME_WAIT sockets on the ports its listeners had (a server that
// closes first keeps the TIME_WAIT), and once they cover most of that half of
// the range a bind(0) scans it: 1–4 ms per listener, in kernel time, where a
// whole case otherwise takes half a millisecond (measured on the 2-core CI
// machine, kernel 6.18). A bind to a named port is one hash lookup, and with
// SO_REUSEADDR (which Go's listeners, libuv and the other runtimes set) a
// TIME_WAIT on it is no conflict.
//
// The same holds for connect: the raw peer that closes first keeps the
// TIME_WAIT on its ephemeral port, and once those fill the range each
// connect searches it too (0.55 -> 0.8 ms a case over three benchmark runs
// in a row). A connect from a named local port, bound with SO_REUSEADDR,
// skips the search.
//
// The ports come from a range below the usual ephemeral ranges (Linux
// 32768–60999, BSD and macOS 49152–65535), walked in order from a random
// start so processes side by side rarely meet; a port in use is skipped.
// Round numbers and powers of two are left out, since a trace masks the
// ports wherever the number appears ({$port: server}, {$port: client}) and
// 16384, 20000 or 30000 are values a trace may hold for other reasons.
package ports

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	low  = 20000
	high = 32000 // exclusive; below every usual ephemeral range
	// tries bounds the ports tried before falling back to port 0
	tries = 32
)

var next atomic.Uint32

func init() { next.Store(uint32(rand.IntN(high - low))) }

// Next returns a port to try: the next in this process's walk of the range,
// round numbers and powers of two skipped.
func Next() int {
	for {
		p := low + int(next.Add(1)%(high-low))
		if p%100 != 0 && p&(p-1) != 0 {
			return p
		}
	}
}

// Dial connects to a TCP address on the loopback from a local port from
// Next, trying the next while one is taken (the 4-tuple in TIME_WAIT, or
// the port bound), and after a few from the kernel's choice. Keep-alive
// probes are off: a raw peer lives for one case.
func Dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	if err != nil || ip == nil || !ip.IsLoopback() || (network != "tcp" && network != "tcp4" && network != "tcp6") {
		return d.Dial(network, addr)
	}
	reuse := func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = reuseAddr(fd) }); err != nil {
			return err
		}
		return serr
	}
	var conn net.Conn
	err = Try(tries, func(port int) error {
		d.LocalAddr, d.Control = &net.TCPAddr{IP: ip, Port: port}, reuse
		if port == 0 {
			d.LocalAddr, d.Control = nil, nil // the kernel's choice at connect
		}
		var derr error
		conn, derr = d.Dial(network, addr)
		return derr
	})
	return conn, err
}

// Try calls try with ports from Next while it fails with a port taken (as
// InUse tells), at most n times, then once with port 0, the system's
// choice. It returns try's last error: nil once a port was taken up.
func Try(n int, try func(port int) error) error {
	for range n {
		if err := try(Next()); err == nil || !InUse(err) {
			return err
		}
	}
	return try(0)
}

// InUse reports whether err is a listen or bind refused because the port is
// taken (or, on some systems, reserved): the caller tries the next port.
func InUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EACCES)
}

// Listen listens on TCP host with a port from Next, as listening on port 0
// would, trying the next port while one is taken and falling back to port 0
// after a few. The listener is plain TCP (not Go's default MPTCP) and its
// connections get no TCP keep-alive probes (Go's default, four setsockopt
// calls per connection): the kind of socket Node listens on.
func Listen(host string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	lc.SetMultipathTCP(false)
	var ln net.Listener
	err := Try(tries, func(port int) error {
		var lerr error
		ln, lerr = lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		return lerr
	})
	return ln, err
}

// ListenAt is net.Listen, except that a TCP address with port 0 takes its
// port from Listen.
func ListenAt(network, addr string) (net.Listener, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && port == "0" && strings.HasPrefix(network, "tcp") {
		return Listen(host)
	}
	return net.Listen(network, addr)
}

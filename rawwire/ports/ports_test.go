package ports

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

func port(t *testing.T, ln net.Listener) int {
	t.Helper()
	return ln.Addr().(*net.TCPAddr).Port
}

// A taken port is skipped: the listener gets the next one.
func TestListenSkipsTakenPort(t *testing.T) {
	first, err := Listen("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	p := port(t, first)
	if p < low || p >= high {
		t.Fatalf("port %d is outside [%d, %d)", p, low, high)
	}
	next.Store(uint32(p - low - 1)) // Next() gives p again
	second, err := Listen("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if got := port(t, second); got == p || got < low || got >= high {
		t.Errorf("second listener on %d, want a port in range other than the taken %d", got, p)
	}
}

// Round numbers, which a trace may hold for other reasons, are never given.
func TestNextSkipsRoundNumbers(t *testing.T) {
	next.Store(uint32(20099 - low - 1))
	if got := Next(); got != 20099 {
		t.Fatalf("Next() = %d, want 20099", got)
	}
	if got := Next(); got != 20101 {
		t.Errorf("Next() = %d, want 20101 (20100 is round)", got)
	}
	next.Store(uint32(high - low - 1)) // the walk wraps to the start of the range
	if got := Next(); got != low+1 {
		t.Errorf("Next() after the end = %d, want %d", got, low+1)
	}
}

// A connection to the loopback leaves from a port of the range, and a taken
// one is skipped.
func TestDialFromNamedPort(t *testing.T) {
	ln, err := Listen("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken, err := Listen("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	next.Store(uint32(port(t, taken) - low - 1)) // Next() gives the taken port
	conn, err := Dial("tcp", ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().(*net.TCPAddr).Port
	if local == port(t, taken) || local < low || local >= high {
		t.Errorf("connected from port %d, want one in range other than the taken %d", local, port(t, taken))
	}
	// A Unix socket or another host is dialled as usual.
	if _, err := Dial("unix", "/nonexistent/nodespec.sock", time.Second); err == nil {
		t.Error("dialling a missing Unix socket succeeded")
	}
}

// Try gives up on a port only when it is taken, and ends with port 0.
func TestTry(t *testing.T) {
	var got []int
	taken := func(port int) error { got = append(got, port); return syscall.EADDRINUSE }
	if err := Try(3, taken); !errors.Is(err, syscall.EADDRINUSE) || len(got) != 4 || got[3] != 0 || got[0] == 0 {
		t.Errorf("Try(3, always taken) = %v after ports %v, want 3 named ports then 0", err, got)
	}
	got = nil
	refused := errors.New("refused")
	if err := Try(3, func(port int) error { got = append(got, port); return refused }); err != refused || len(got) != 1 {
		t.Errorf("Try(3, other error) = %v after ports %v, want that error at the first port", err, got)
	}
}

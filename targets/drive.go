package targets

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/rawwire/memnet"
)

// WireDeadline bounds how long the raw peer waits for the server to close
// after sending. Cases close the connection themselves (Connection: close),
// so this only matters when an implementation hangs; it is small so a hang
// costs little. NODESPEC_WIRE_DEADLINE overrides it (milliseconds).
func WireDeadline() time.Duration {
	if ms, err := strconv.Atoi(os.Getenv("NODESPEC_WIRE_DEADLINE")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return 2 * time.Second
}

// Run runs one case on a target: it starts the program, plays the case's
// wire script against the program's server with the given segmentation,
// finishes the program and returns the trace with what the peer received.
func Run(t Target, c *fixtures.Case, profile string, seg rawwire.Segmentation) (*trace.Trace, error) {
	if err := Supported(c); err != nil {
		return nil, err
	}
	// The run's network (nil: the kernel's); this goroutine plays the
	// peer and is one its clock counts.
	n := networkFor(t)
	n.Enter()
	defer n.Leave()
	if c.ClientSide() {
		return runClient(t, n, c, profile, seg)
	}
	s, err := t.Start(c, profile, Env{Net: n})
	if err != nil {
		return nil, err
	}
	var wire *trace.Wire
	peerPort := 0
	if c.Wire != nil {
		network, addr := s.Addr()
		wire, peerPort, err = play(n, network, addr, c.Wire, seg)
		if err != nil {
			_, _ = s.Finish() // leave the target ready for the next case
			return nil, err
		}
	}
	tr, err := s.Finish()
	if err != nil {
		return nil, err
	}
	tr.Wire = wire
	if network, addr := s.Addr(); network == "tcp" {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			port, _ := strconv.Atoi(p)
			tr.MaskPort(port, "server")
		}
	}
	// The raw peer's own port differs per run: sock.remotePort and a
	// 'drop' event's remotePort read {$port: client}.
	tr.MaskPort(peerPort, "client")
	return tr, nil
}

// Supported refuses, with a message, the parts of the format this version
// designs but does not run yet (FORMAT.md, "The rest of the API").
func Supported(c *fixtures.Case) error {
	switch {
	case len(c.Program.Timers) > 0:
		return fmt.Errorf("case %s uses program.timers, which this version of nodespec does not run yet", c.ID)
	}
	return nil
}

func play(n *memnet.Network, network, addr string, w *fixtures.Wire, seg rawwire.Segmentation) (*trace.Wire, int, error) {
	if addr == "" {
		return nil, 0, fmt.Errorf("the program has no listening server to send to")
	}
	deadline := WireDeadline()
	cl, err := rawwire.DialOn(n, network, addr, deadline)
	if errors.Is(err, syscall.ECONNRESET) {
		// The server accepted and reset the connection before the dial
		// returned (a net server's blockList refusing the peer): the
		// same outcome as a reset read later, nothing sent or received.
		return &trace.Wire{End: "reset"}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("connecting to the program's server: %w", err)
	}
	defer cl.Close()
	peerPort := 0
	if ta, ok := cl.LocalAddr().(*net.TCPAddr); ok {
		peerPort = ta.Port
	}
	// A send error is not fatal: a server may answer and close before it has
	// read everything (a 400, say); what it sent is still in the result.
	if len(w.Parts) == 0 {
		_ = cl.Send(w.Bytes, seg)
	} else {
		// A pause is silence on the wire, for a server timeout to run out
		// (at least that long: a slower machine only makes it longer).
		for _, p := range w.Parts {
			if cl.Send(p.Bytes, seg) != nil {
				break
			}
			n.Sleep(p.Pause)
		}
	}
	if w.Responses > 0 {
		// A keep-alive connection stays open: the case is done when its
		// responses are in. If they never come, the deadline ends the wait
		// and the verdict shows what did arrive.
		cl.WaitFor(n.Now().Add(deadline), rawwire.Responses(w.Responses, rawwire.RequestMethods(w.Bytes)))
	}
	switch w.Then {
	case "fin":
		_ = cl.HalfClose()
	case "rst":
		_ = cl.Reset()
	}
	res := cl.Wait(n.Now().Add(deadline))
	return &trace.Wire{Received: res.Received, End: res.End}, peerPort, nil
}

// runClient runs a client-side case: the scripted raw server listens first,
// the program (which connects to {$peer: port}) starts, the peer plays its
// script on the connection it accepts, and the program is finished once the
// peer is done.
func runClient(t Target, n *memnet.Network, c *fixtures.Case, profile string, seg rawwire.Segmentation) (*trace.Trace, error) {
	network, addr, path := "tcp", "127.0.0.1:0", ""
	if c.Wire.PeerOn == "unix" {
		// A Unix socket path of its own per run ({$peer: path}); closing
		// the listener removes it.
		path = filepath.Join(os.TempDir(), fmt.Sprintf("nodespec-peer-%d-%d.sock", os.Getpid(), peerSeq.Add(1)))
		_ = os.Remove(path)
		network, addr = "unix", path
	}
	peer, err := rawwire.ListenOn(n, network, addr)
	if err != nil {
		return nil, fmt.Errorf("the scripted peer cannot listen: %w", err)
	}
	defer peer.Close()
	port := 0
	if ta, ok := peer.Addr().(*net.TCPAddr); ok {
		port = ta.Port
	}
	refuse, idle := c.Wire.Peer[0].Refuse, c.Wire.Peer[0].Idle
	if refuse && path != "" {
		// Nobody listens on the path: the listener's close removed it, so
		// the client's connect finds no such file (ENOENT).
		peer.Close()
	} else if refuse {
		// A port bound but never listened on refuses connects, and stays
		// ours until the case ends: a port merely closed could be handed
		// to a case running side by side, whose peer would then accept
		// this case's connect.
		peer.Close()
		closed, err := rawwire.ReserveClosedPortOn(n)
		if err != nil {
			return nil, err
		}
		defer closed.Release()
		port = closed.Port
	}
	s, err := t.Start(c, profile, Env{PeerPort: port, PeerPath: path, Net: n})
	if err != nil {
		return nil, err
	}
	var conns []*rawwire.Client
	wire := &trace.Wire{End: "unconnected"}
	if !refuse && !idle {
		conns = playPeer(n, peer, port, c.Wire.Peer, seg)
	}
	// The program is finished once the script is played: a client request
	// is done when it has closed (the target waits for that, then destroys
	// a socket an agent keeps), so the peer then reads each connection to
	// its end without waiting out a deadline on a kept-alive one.
	tr, err := s.Finish()
	if len(conns) > 0 || idle {
		// A connection the script never turned to still counts: every
		// connect the program made is complete by now, so one the peer
		// has not accepted is waiting in the backlog.
		for {
			cl, aerr := peer.AcceptPending()
			if aerr != nil || cl == nil {
				break
			}
			conns = append(conns, cl)
		}
		portText := strconv.Itoa(port)
		for i, cl := range conns {
			w := peerResult(cl.Wait(n.Now().Add(WireDeadline())), portText)
			cl.Close()
			if i == 0 {
				wire = &trace.Wire{Received: w.Received, End: w.End}
			}
			wire.Connections = append(wire.Connections, *w)
		}
	}
	if err != nil {
		return nil, err
	}
	tr.Wire = wire
	tr.MaskPort(port, "peer")
	tr.MaskText(path, PeerPathToken)
	return tr, nil
}

// PeerPathToken stands for the peer's Unix socket path in a trace (an
// error's message and address).
const PeerPathToken = "<peer-path>"

// peerSeq numbers the peer's Unix socket paths in one process.
var peerSeq atomic.Int64

// PeerPortToken stands for the peer's port in expected bytes and in the
// bytes received (Host: 127.0.0.1:<peer-port>).
const PeerPortToken = "<peer-port>"

// playPeer accepts the client's first connection and runs the script, each
// step on the connection the last {connection: N} chose (accepting
// connections in order as the script reaches them). It returns the
// connections accepted, still open for the caller to read to their end. A
// wait that times out, or a connection that never comes, ends the script:
// the verdict shows what did arrive. Waits are bounded by the deadline.
func playPeer(n *memnet.Network, peer *rawwire.Peer, port int, script []fixtures.PeerAction, seg rawwire.Segmentation) []*rawwire.Client {
	deadline := WireDeadline()
	var conns []*rawwire.Client
	accept := func(k int) *rawwire.Client {
		for len(conns) < k {
			cl, err := peer.Accept(n.Now().Add(deadline))
			if err != nil {
				return nil
			}
			conns = append(conns, cl)
		}
		return conns[k-1]
	}
	cl := accept(1)
	if cl == nil {
		return nil
	}
	portText := strconv.Itoa(port)
	unport := func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(PeerPortToken), []byte(portText))
	}
	for _, a := range script {
		switch {
		case a.Connection > 0:
			if cl = accept(a.Connection); cl == nil {
				return conns
			}
		case a.Expect != "":
			want, _ := fixtures.Unescape(a.Expect)
			if r := cl.WaitFor(n.Now().Add(deadline), rawwire.Contains(string(unport(want)))); !r.Matched {
				return conns
			}
		case a.Request > 0:
			if r := cl.WaitFor(n.Now().Add(deadline), rawwire.Requests(a.Request)); !r.Matched {
				return conns
			}
		case len(a.Send) > 0:
			var b []byte
			for _, part := range a.Send {
				raw, _ := fixtures.Unescape(part)
				b = append(b, unport(raw)...)
			}
			_ = cl.Send(b, seg)
		case a.Pause > 0:
			n.Sleep(time.Duration(a.Pause) * time.Millisecond)
		case a.Close == "fin":
			_ = cl.HalfClose()
		case a.Close == "rst":
			_ = cl.Reset()
		}
	}
	return conns
}

// peerResult is the wire record of a client-side case: what the client
// wrote, its port masked.
func peerResult(r rawwire.Result, port string) *trace.Wire {
	if port == "0" {
		return &trace.Wire{Received: r.Received, End: r.End} // a Unix socket: no port to mask
	}
	re := regexp.MustCompile(`:` + port + `\b`)
	return &trace.Wire{Received: re.ReplaceAll(r.Received, []byte(":"+PeerPortToken)), End: r.End}
}

package targets

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
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
	s, err := t.Start(c, profile)
	if err != nil {
		return nil, err
	}
	var wire *trace.Wire
	if c.Wire != nil {
		network, addr := s.Addr()
		wire, err = play(network, addr, c.Wire, seg)
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
			tr.MaskPort(port)
		}
	}
	return tr, nil
}

// Supported refuses, with a message, the parts of the format this version
// designs but does not run yet (FORMAT.md, "The rest of the API").
func Supported(c *fixtures.Case) error {
	switch {
	case c.ClientSide():
		return fmt.Errorf("case %s is client-side (wire.peer); this version of nodespec does not run client-side cases yet", c.ID)
	case len(c.Program.Timers) > 0:
		return fmt.Errorf("case %s uses program.timers, which this version of nodespec does not run yet", c.ID)
	case c.Program.Server != nil && c.Program.Server.Module == "net":
		return fmt.Errorf("case %s creates a net server, which this version of nodespec does not run yet", c.ID)
	}
	return nil
}

func play(network, addr string, w *fixtures.Wire, seg rawwire.Segmentation) (*trace.Wire, error) {
	if addr == "" {
		return nil, fmt.Errorf("the program has no listening server to send to")
	}
	deadline := WireDeadline()
	cl, err := rawwire.Dial(network, addr, deadline)
	if err != nil {
		return nil, fmt.Errorf("connecting to the program's server: %w", err)
	}
	defer cl.Close()
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
			time.Sleep(p.Pause)
		}
	}
	if w.Responses > 0 {
		// A keep-alive connection stays open: the case is done when its
		// responses are in. If they never come, the deadline ends the wait
		// and the verdict shows what did arrive.
		cl.WaitFor(time.Now().Add(deadline), rawwire.Responses(w.Responses, rawwire.RequestMethods(w.Bytes)))
	}
	switch w.Then {
	case "fin":
		_ = cl.HalfClose()
	case "rst":
		_ = cl.Reset()
	}
	res := cl.Wait(time.Now().Add(deadline))
	return &trace.Wire{Received: res.Received, End: res.End}, nil
}

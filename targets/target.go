// Package targets runs a case on an implementation and returns its trace.
// A target only runs the program of a case (targets/PROTOCOL.md); driving the
// raw peer is shared by every target (Drive), so the bytes on the wire are the
// fixture's, exactly, whatever the implementation.
package targets

import (
	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire/memnet"
)

// Info describes a target: what it is and which doc profile it answers to.
type Info struct {
	Name     string // ref, node20, node6, bun, deno ...
	Runtime  string // ref, node, bun, deno
	Version  string // Node-compatible version, e.g. "20.20.2" ("" for ref)
	Profiles []string
}

// Session is one case being run on a target.
type Session interface {
	// Addr is where the program's server listens: ("tcp", "127.0.0.1:port")
	// or ("unix", path); ("", "") when the program has no server.
	Addr() (network, address string)
	// Finish closes the program's server, waits for its close events and
	// returns the trace of events (Wire is filled in by the caller).
	Finish() (*trace.Trace, error)
}

// Target starts cases. Implementations must be safe to use from one goroutine
// at a time; the suite runs cases on a target sequentially, unless the
// target says it is Concurrent.
type Target interface {
	Info() Info
	// Start sets up the case's program under the given profile.
	Start(c *fixtures.Case, profile string, env Env) (Session, error)
	Close() error
}

// Concurrent is implemented by a target that can run several sessions at
// once (ref: each has its own loop); the suite then runs a case's
// segmentations side by side.
type Concurrent interface {
	Concurrent() bool
}

// InMemory is implemented by a target whose programs run in this process
// (ref): each run then gets an in-memory loopback of its own (Env.Net),
// where the program and the raw peer talk, on a clock that skips the
// silences of a case.
type InMemory interface {
	InMemory() bool
}

// IsInMemory reports whether t runs its programs in memory (InMemory).
func IsInMemory(t Target) bool {
	m, ok := t.(InMemory)
	return ok && m.InMemory()
}

// networkFor is a fresh network for one run on t: in memory when t runs
// in this process and says so, else nil (the kernel's).
func networkFor(t Target) *memnet.Network {
	if IsInMemory(t) {
		return memnet.New()
	}
	return nil
}

// Env is what a case's program may refer to beyond itself.
type Env struct {
	// PeerPort is the TCP port of the scripted raw server of a client-side
	// case ({$peer: port} in the program); 0 for a server-side case.
	PeerPort int
	// PeerPath is the scripted server's Unix socket path ({$peer: path},
	// wire.peer_on: unix); "" otherwise.
	PeerPath string
	// Net is the run's in-memory network (an InMemory target's): the
	// program listens and dials there, its loop runs on Net's clock, and
	// its goroutines are ones Net counts. Nil: the kernel's.
	Net *memnet.Network
}

package nodehttp

import (
	"math"
	"strconv"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/nodenet"
)

// Agent is http.Agent (http/Agent): it names a pool per host:port:local
// address (agent.getName) and, with keepAlive, keeps a socket whose response
// has ended for the next request to the same pool ('free', reusedSocket).
// maxSockets and the request queue are not modelled yet: every request
// that finds no free socket connects at once.
type Agent struct {
	js.Emitter
	profile   *Profile
	keepAlive bool
	options   map[string]any
	free      map[string][]*nodenet.Socket
	busy      map[string][]*nodenet.Socket // sockets a request is using (agent.sockets)
}

// agentClass is http.Agent as a program constructs it (new http.Agent()).
type agentClass struct{ m *Module }

// Construct implements js.Constructor.
func (a agentClass) Construct(args []any) (any, error) {
	opts, _ := js.Arg(args, 0).(map[string]any)
	return newAgent(a.m.Profile, opts), nil
}

func (agentClass) Get(string) (any, bool) { return nil, false }

func (agentClass) Call(string, []any) (any, error) { return nil, js.ErrMissing }

func newAgent(p *Profile, opts map[string]any) *Agent {
	a := &Agent{profile: p, options: map[string]any{}, free: map[string][]*nodenet.Socket{}, busy: map[string][]*nodenet.Socket{}}
	for k, v := range opts {
		a.options[k] = v
	}
	a.keepAlive, _ = opts["keepAlive"].(bool)
	return a
}

// globalAgent is http.globalAgent as a new process has it: keep-alive on
// the latest line (Node 19+), not on 6 and 14 (observed; the docs of each
// line say so too).
func (m *Module) globalAgent() *Agent {
	if m.global == nil {
		var opts map[string]any
		if m.Profile.Era == EraLatest {
			opts = map[string]any{"keepAlive": true, "scheduling": "lifo", "timeout": float64(5000), "path": nil}
		} else {
			opts = map[string]any{"path": nil}
		}
		m.global = newAgent(m.Profile, opts)
	}
	return m.global
}

// getName is agent.getName(options): host:port:localAddress.
func (a *Agent) getName(opts map[string]any) string {
	host := "localhost"
	if h, ok := opts["host"].(string); ok {
		host = h
	}
	port := ""
	if p, ok := opts["port"].(float64); ok {
		port = strconv.FormatFloat(p, 'f', -1, 64)
	}
	local, _ := opts["localAddress"].(string)
	return host + ":" + port + ":" + local
}

// take returns a free socket of the pool, if one is still open.
func (a *Agent) take(name string) *nodenet.Socket {
	for len(a.free[name]) > 0 {
		n := len(a.free[name])
		s := a.free[name][n-1] // lifo, as the latest line's default scheduling
		a.free[name] = a.free[name][:n-1]
		if !s.Destroyed() {
			return s
		}
	}
	return nil
}

// use records a socket a request is using.
func (a *Agent) use(name string, s *nodenet.Socket) {
	a.busy[name] = append(a.busy[name], s)
}

// release keeps a socket whose response has ended, and says so ('free').
func (a *Agent) release(name string, s *nodenet.Socket, opts map[string]any) {
	drop(a.busy, s)
	a.free[name] = append(a.free[name], s)
	a.Emit("free", s, opts)
}

// forget drops a socket that closed from both pools.
func (a *Agent) forget(s *nodenet.Socket) {
	drop(a.free, s)
	drop(a.busy, s)
}

func drop(pools map[string][]*nodenet.Socket, s *nodenet.Socket) {
	for name, list := range pools {
		for i, x := range list {
			if x == s {
				if list = append(list[:i], list[i+1:]...); len(list) == 0 {
					delete(pools, name) // an empty pool is gone from the object (observed)
				} else {
					pools[name] = list
				}
				return
			}
		}
	}
}

// poolObject is agent.sockets / freeSockets as a program reads it.
func poolObject(pools map[string][]*nodenet.Socket) map[string]any {
	out := map[string]any{}
	for name, list := range pools {
		socks := make([]any, len(list))
		for i, s := range list {
			socks[i] = s
		}
		out[name] = socks
	}
	return out
}

// Get implements js.Object.
func (a *Agent) Get(name string) (any, bool) {
	switch name {
	case "keepAlive":
		return a.keepAlive, true
	case "maxSockets", "maxTotalSockets":
		if name == "maxTotalSockets" && a.profile.Era == EraV6 {
			return nil, false
		}
		return math.Inf(1), true
	case "maxFreeSockets":
		return float64(256), true
	case "keepAliveMsecs":
		return float64(1000), true
	case "sockets":
		return poolObject(a.busy), true
	case "freeSockets":
		return poolObject(a.free), true
	case "requests":
		return map[string]any{}, true // requests never queue: maxSockets is not modelled
	case "options":
		out := map[string]any{}
		for k, v := range a.options {
			out[k] = v
		}
		return out, true
	}
	return nil, false
}

// Call implements js.Object.
func (a *Agent) Call(name string, args []any) (any, error) {
	switch name {
	case "getName":
		opts, _ := js.Arg(args, 0).(map[string]any)
		return a.getName(opts), nil
	case "destroy":
		// agent.destroy(): every socket of the agent is destroyed.
		for _, pools := range []map[string][]*nodenet.Socket{a.free, a.busy} {
			for _, list := range pools {
				for _, s := range append([]*nodenet.Socket(nil), list...) {
					s.Destroy(nil)
				}
			}
		}
		return js.Undefined{}, nil
	}
	return nil, js.ErrMissing
}

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
// A request that finds no free socket connects, unless maxSockets (per
// pool) or maxTotalSockets (all pools) is reached: then it waits in
// agent.requests for a socket of its pool to be freed, or for any socket
// to close (http/Agent/agent.maxSockets, agent.maxTotalSockets).
type Agent struct {
	js.Emitter
	profile   *Profile
	keepAlive bool
	options   map[string]any
	free      map[string][]*nodenet.Socket
	busy      map[string][]*nodenet.Socket // sockets a request is using (agent.sockets)
	requests  map[string][]*ClientRequest  // requests waiting for a socket (agent.requests)
	queued    []string                     // pool names in the order their first request queued

	maxSockets, maxTotalSockets, maxFreeSockets float64
	timeout                                     float64 // ms; 0: the sockets get no timeout

	// overrides: methods a program replaced (createConnection,
	// keepSocketAlive, reuseSocket); given is false when the override
	// leaves the result to the default.
	overrides map[string]func(args []any) (v any, given bool)
}

// Override implements the program's override of one of the methods the
// agent calls on itself.
func (a *Agent) Override(method string, fn func(args []any) (any, bool)) {
	if a.overrides == nil {
		a.overrides = map[string]func([]any) (any, bool){}
	}
	a.overrides[method] = fn
}

// hook calls an overridden method; ok is false when the default applies.
func (a *Agent) hook(method string, args ...any) (any, bool) {
	if fn := a.overrides[method]; fn != nil {
		return fn(args)
	}
	return nil, false
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
	a := &Agent{profile: p, options: map[string]any{}, free: map[string][]*nodenet.Socket{}, busy: map[string][]*nodenet.Socket{},
		requests: map[string][]*ClientRequest{}, maxSockets: math.Inf(1), maxTotalSockets: math.Inf(1), maxFreeSockets: 256}
	for k, v := range opts {
		a.options[k] = v
	}
	a.keepAlive, _ = opts["keepAlive"].(bool)
	if n, ok := opts["maxSockets"].(float64); ok && n > 0 {
		a.maxSockets = n
	}
	if n, ok := opts["maxTotalSockets"].(float64); ok && n > 0 && p.Era != EraV6 {
		a.maxTotalSockets = n
	}
	if n, ok := opts["maxFreeSockets"].(float64); ok && n > 0 {
		a.maxFreeSockets = n
	}
	if n, ok := opts["timeout"].(float64); ok && n > 0 && p.Era != EraV6 {
		a.timeout = n
	}
	return a
}

// keepsSockets: a request through this agent asks for keep-alive when the
// agent keeps free sockets or limits its sockets (a limited agent hands a
// socket to the next queued request; observed: Connection: keep-alive).
func (a *Agent) keepsSockets() bool {
	return a.keepAlive || !math.IsInf(a.maxSockets, 1)
}

// addRequest gives the request a free socket of its pool, a new
// connection, or a place in the queue.
func (a *Agent) addRequest(r *ClientRequest) {
	if s := a.take(r.pool); s != nil {
		a.hook("reuseSocket", s, r) // its return is not used (as in Node)
		r.useSocket(s, true)
		return
	}
	if float64(len(a.busy[r.pool])) < a.maxSockets && float64(a.total()) < a.maxTotalSockets {
		r.useSocket(a.connect(r), false)
		return
	}
	if len(a.requests[r.pool]) == 0 {
		a.queued = append(a.queued, r.pool)
	}
	a.requests[r.pool] = append(a.requests[r.pool], r)
}

// connect opens a socket for the request (with the agent's timeout).
func (a *Agent) connect(r *ClientRequest) *nodenet.Socket {
	opts := map[string]any{"host": r.host, "port": float64(r.port)}
	var s *nodenet.Socket
	if v, given := a.hook("createConnection", opts, js.Func{Name: "oncreate"}); given {
		s, _ = v.(*nodenet.Socket)
	}
	if s == nil {
		s = nodenet.Connect(r.loop, r.host, r.port)
	}
	r.mod.watchSocket(s, a)
	if a.timeout > 0 {
		s.SetTimeout(a.timeout)
	}
	return s
}

// total counts the agent's sockets, busy and free.
func (a *Agent) total() int {
	n := 0
	for _, pools := range []map[string][]*nodenet.Socket{a.free, a.busy} {
		for _, list := range pools {
			n += len(list)
		}
	}
	return n
}

// dequeue takes the first request waiting in the pool.
func (a *Agent) dequeue(name string) *ClientRequest {
	q := a.requests[name]
	if len(q) == 0 {
		return nil
	}
	r := q[0]
	if q = q[1:]; len(q) == 0 {
		delete(a.requests, name)
		for i, n := range a.queued {
			if n == name {
				a.queued = append(a.queued[:i], a.queued[i+1:]...)
				break
			}
		}
	} else {
		a.requests[name] = q
	}
	return r
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
		// scheduling (latest): lifo, the default, takes the socket freed
		// last, fifo the one freed first (observed on 20-26)
		var s *nodenet.Socket
		if a.options["scheduling"] == "fifo" && a.profile.Era == EraLatest {
			s, a.free[name] = a.free[name][0], a.free[name][1:]
		} else {
			s, a.free[name] = a.free[name][n-1], a.free[name][:n-1]
		}
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

// release: a socket's response has ended. The next request waiting in
// its pool gets it (reusedSocket stays false: observed on 14-26); else a
// keep-alive agent keeps it and says so ('free'); else it is closed.
func (a *Agent) release(name string, s *nodenet.Socket, opts map[string]any, m *Module) {
	drop(a.busy, s)
	// The agent's own 'free' handling runs first, then the program's
	// listeners of 'free' (registered later), whatever became of the socket.
	defer a.Emit("free", s, opts)
	if next := a.dequeue(name); next != nil {
		next.useSocket(s, false)
		return
	}
	keep := a.keepAlive && float64(len(a.free[name])) < a.maxFreeSockets
	if keep {
		if v, given := a.hook("keepSocketAlive", s); given {
			keep = truthy(v)
		}
	}
	if !keep {
		s.End()
		s.Destroy(nil)
		return
	}
	a.free[name] = append(a.free[name], s)
}

// forget drops a socket that closed from both pools; a request waiting
// for room (maxTotalSockets) may now connect.
func (a *Agent) forget(s *nodenet.Socket) {
	drop(a.free, s)
	drop(a.busy, s)
	for _, name := range append([]string(nil), a.queued...) {
		if float64(a.total()) >= a.maxTotalSockets {
			return
		}
		if float64(len(a.busy[name])) < a.maxSockets {
			r := a.dequeue(name)
			r.useSocket(a.connect(r), false)
		}
	}
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
	case "maxSockets":
		return a.maxSockets, true
	case "maxTotalSockets":
		if a.profile.Era == EraV6 {
			return nil, false
		}
		return a.maxTotalSockets, true
	case "maxFreeSockets":
		return a.maxFreeSockets, true
	case "keepAliveMsecs":
		return float64(1000), true
	case "createConnection", "keepSocketAlive", "reuseSocket", "getName", "destroy":
		return js.Func{Name: name}, true
	case "sockets":
		return poolObject(a.busy), true
	case "freeSockets":
		return poolObject(a.free), true
	case "requests":
		out := map[string]any{}
		for name, q := range a.requests {
			list := make([]any, len(q))
			for i, r := range q {
				list[i] = r
			}
			out[name] = list
		}
		return out, true
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
	case "keepSocketAlive":
		// the socket may stay in the free pool (the default hook, called
		// by the program: observed to return true on every line)
		return true, nil
	case "reuseSocket":
		return js.Undefined{}, nil
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

// truthy is JavaScript's truthiness of a program value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil, js.Undefined:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

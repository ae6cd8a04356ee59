// Package ref is the in-process target: it runs a case's program on the Go
// reference implementation (impl/) under a doc profile. It interprets the
// same program data as the JavaScript harness (fixtures/FORMAT.md).
package ref

import (
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
	"github.com/nodespec/nodespec/impl/nodehttp"
	"github.com/nodespec/nodespec/impl/nodenet"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire/memnet"
	"github.com/nodespec/nodespec/targets"
)

// Target is the reference target. It has no state between cases.
type Target struct {
	kernel bool // NODESPEC_REF_NET=kernel: kernel sockets and the wall clock
}

// New returns the reference target. Each run's program and the raw peer
// talk over an in-memory loopback of the run's own (package memnet), on a
// clock that skips the case's silences, unless NODESPEC_REF_NET is
// "kernel": then over the kernel's sockets on the wall clock, as a
// runtime's do. make test runs the suite on ref both ways.
func New() *Target { return &Target{kernel: os.Getenv("NODESPEC_REF_NET") == "kernel"} }

// InMemory implements targets.InMemory.
func (t *Target) InMemory() bool { return !t.kernel }

// Info implements targets.Target.
func (*Target) Info() targets.Info {
	return targets.Info{Name: "ref", Runtime: "ref", Profiles: fixtures.Profiles}
}

// Close implements targets.Target.
func (*Target) Close() error { return nil }

// Concurrent implements targets.Concurrent: sessions share nothing (each
// has its own loop, module state and listener), so several may run at once.
func (*Target) Concurrent() bool { return true }

// Start implements targets.Target: it builds the program on a fresh loop and
// runs the loop on its own goroutine until Finish.
func (t *Target) Start(c *fixtures.Case, profile string, env targets.Env) (targets.Session, error) {
	p, ok := nodehttp.Profiles[profile]
	if !ok {
		return nil, fmt.Errorf("ref has no profile %q", profile)
	}
	s := &session{
		loop:  loop.NewOn(env.Net),
		prog:  &c.Program,
		names: map[any]string{},
		count: map[string]int{},
		objs:  map[string]any{},
		done:  make(chan struct{}),
		ended: env.Net.NewWaiter(),
		env:   env,
	}
	s.mod = &nodehttp.Module{Profile: p, Loop: s.loop}
	s.net = nodenet.NewModule() // a fresh process: net's defaults are the initial ones
	s.net.Loop = s.loop
	s.loop.Ref() // held until Finish, so the loop does not end between phases
	setup := make(chan error, 1)
	s.loop.Post(func() { setup <- s.setup(p) })
	env.Net.Go(func() { s.loop.Run(); close(s.done); s.ended.Wake() })
	if err := <-setup; err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

type session struct {
	loop   *loop.Loop
	prog   *fixtures.Program
	mod    *nodehttp.Module
	net    *nodenet.Module
	server *nodehttp.Server
	// netServer is the program's server when program.server.module is net
	netServer *nodenet.NetServer
	sockets   []*nodenet.Socket // net case sockets; Finish waits for their 'close'
	// where the server listens (Addr); unixPath is removed at Finish
	network, addr, unixPath string

	env     targets.Env
	clients []*nodehttp.ClientRequest // client requests the program made; Finish waits for their close
	onQuiet func()                    // set by Finish: runs when the last client request closes

	names  map[any]string // object -> name (req1 ...)
	objs   map[string]any // name -> object
	count  map[string]int
	events []trace.Entry
	done   chan struct{}  // closed when the loop has returned
	ended  *memnet.Waiter // woken then
	callee callee         // the call whose arguments are being decoded
}

// callee names the call a {$function: true} argument belongs to.
type callee struct{ o, call string }

func (s *session) Addr() (string, string) { return s.network, s.addr }

func (s *session) setup(p *nodehttp.Profile) error {
	s.objs["http"] = s.mod
	s.names[s.mod] = "http"
	s.objs["net"] = s.net
	s.names[s.net] = "net"
	s.runSteps(s.prog.Calls, map[string]any{"http": s.mod, "net": s.net})
	if s.prog.Server == nil {
		return nil
	}
	if s.prog.Server.Module == "net" {
		return s.setupNetServer()
	}
	opts := nodehttp.Options{}
	for k, v := range s.prog.Server.Options {
		if i, ok := v.(int); ok {
			v = float64(i)
		}
		opts[k] = v
	}
	srv, err := nodehttp.NewServer(s.loop, p, opts)
	if err != nil {
		// Silently ignoring an option would pass or fail a case for the
		// wrong reason; say what ref does not implement instead.
		return err
	}
	s.server = srv
	s.name(s.server, "server")
	s.attach(s.server, "server")
	return s.listen(s.prog.Server.Listen)
}

// setupNetServer creates net.createServer(options) as netserver and
// listens as program.server.listen says (on 127.0.0.1:0, or a Unix path).
func (s *session) setupNetServer() error {
	opts := map[string]any{}
	for k, v := range s.prog.Server.Options {
		if i, ok := v.(int); ok {
			v = float64(i)
		}
		switch k {
		case "allowHalfOpen", "pauseOnConnect":
		case "blockList":
			// a named net.BlockList the program's calls made ({$ref: blocklist1})
			d, err := s.decode(v)
			if err != nil {
				return err
			}
			v = d
		default:
			return fmt.Errorf("ref does not implement net.createServer option %s", k)
		}
		opts[k] = v
	}
	srv := nodenet.NewNetServer(s.loop, opts)
	s.netServer = srv
	s.name(srv, "netserver")
	s.count["netserver"] = 1
	s.attach(srv, "netserver")
	switch s.prog.Server.Listen {
	case "":
		srv.ListenTCP("127.0.0.1", 0)
		if !srv.Listening() {
			return fmt.Errorf("the net server could not listen on 127.0.0.1")
		}
		s.network, s.addr = "tcp", srv.Addr().String()
	case "path":
		s.unixPath = filepath.Join(os.TempDir(), fmt.Sprintf("nodespec-ref-%d-%d.sock", os.Getpid(), unixSeq.Add(1)))
		_ = os.Remove(s.unixPath)
		srv.Once("listening", func(...any) {
			s.events = append(s.events, trace.Entry{O: "netserver", Ev: "callback:listen"})
		})
		s.events = append(s.events, trace.Entry{O: "netserver", Call: "listen", HasReturned: true, Returned: map[string]any{"$ref": "netserver"}})
		if err := srv.ListenUnix(s.unixPath); err != nil {
			return err
		}
		s.network, s.addr = "unix", s.unixPath
	case "handle":
		// server.listen(handle, cb): a listener bound first, accepted on.
		ln, err := s.loop.Net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv.Once("listening", func(...any) {
			s.events = append(s.events, trace.Entry{O: "netserver", Ev: "callback:listen"})
		})
		s.events = append(s.events, trace.Entry{O: "netserver", Call: "listen", HasReturned: true, Returned: map[string]any{"$ref": "netserver"}})
		srv.ListenOn(ln)
		s.network, s.addr = "tcp", ln.Addr().String()
	default:
		return fmt.Errorf("ref cannot listen a net server by %q", s.prog.Server.Listen)
	}
	return nil
}

// isNetCase: a case about net sockets (a net server, or a client-side case
// without ClientRequests); it ends by quiescence.
func (s *session) isNetCase() bool {
	if s.netServer != nil {
		return true
	}
	return s.server == nil && len(s.clients) == 0 && len(s.sockets) > 0
}

// socketsQuiet: every net socket of the case has emitted 'close'.
func (s *session) socketsQuiet() bool {
	for _, k := range s.sockets {
		if !k.Closed() {
			return false
		}
	}
	return true
}

// finishNet ends a net case by quiescence (targets/PROTOCOL.md): a socket
// that was never connected is destroyed (nothing else would close it),
// then once every socket has emitted 'close' the server is closed if the
// program left it listening, and the trace goes back after two turns.
func (s *session) finishNet(deliver func()) {
	for _, k := range s.sockets {
		if k.NeverConnected() {
			k.Destroy(nil)
		}
	}
	settle := func() {
		s.onQuiet = nil
		if s.netServer != nil && s.netServer.Listening() {
			s.netServer.Close(deliver)
			return
		}
		deliver()
	}
	if s.socketsQuiet() {
		settle()
	} else {
		s.onQuiet = settle
	}
	s.loop.SetTimeout(func() {
		s.events = append(s.events, trace.Entry{O: "harness", Ev: "finish-timeout"})
		s.loop.Stop()
	}, finishGuard)
}

// unixSeq numbers the Unix socket paths of one process.
var unixSeq atomic.Int64

// listen makes the server listen as program.server.listen says
// (fixtures/FORMAT.md): on 127.0.0.1:0, or by server.listen(path, cb) or
// server.listen(handle, cb), whose call and callback are recorded.
func (s *session) listen(form string) error {
	var ln net.Listener
	var err error
	switch form {
	case "":
		if err := s.server.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
		s.network, s.addr = "tcp", s.server.Addr().String()
		return nil
	case "path":
		s.unixPath = filepath.Join(os.TempDir(), fmt.Sprintf("nodespec-ref-%d-%d.sock", os.Getpid(), unixSeq.Add(1)))
		_ = os.Remove(s.unixPath)
		ln, err = s.loop.Net.Listen("unix", s.unixPath)
		s.network, s.addr = "unix", s.unixPath
	case "handle":
		ln, err = s.loop.Net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			s.network, s.addr = "tcp", ln.Addr().String()
		}
	default:
		return fmt.Errorf("ref cannot listen by %q", form)
	}
	if err != nil {
		return err
	}
	// The callback is a 'listening' listener added by the call, after the
	// program's watchers (the docs of server.listen).
	s.server.Once("listening", func(...any) {
		s.events = append(s.events, trace.Entry{O: "server", Ev: "callback:listen"})
	})
	s.events = append(s.events, trace.Entry{O: "server", Call: "listen", HasReturned: true, Returned: map[string]any{"$ref": "server"}})
	s.server.ListenOn(ln)
	return nil
}

// finishGuard bounds Finish when impl fails to close (a bug in impl).
const finishGuard = 2 * time.Second

// Finish closes the server, destroys what is still open, lets the close
// events run, and returns the trace.
func (s *session) Finish() (*trace.Trace, error) {
	s.drainPeers()
	s.loop.Post(func() {
		deliver := func() {
			s.loop.SetImmediate(func() { s.loop.SetImmediate(s.loop.Stop) })
		}
		if s.isNetCase() {
			s.finishNet(deliver)
			return
		}
		if s.server == nil && len(s.clients) > 0 {
			// A client-side case is done when every request it made has
			// closed; a socket an agent keeps is then destroyed.
			settle := func() {
				s.onQuiet = nil
				for _, r := range s.clients {
					r.Socket().Destroy(nil)
				}
				deliver()
			}
			if s.clientsQuiet() {
				settle()
			} else {
				s.onQuiet = settle
			}
			s.loop.SetTimeout(func() {
				s.events = append(s.events, trace.Entry{O: "harness", Ev: "finish-timeout"})
				s.loop.Stop()
			}, finishGuard)
			return
		}
		if s.server == nil {
			deliver()
			return
		}
		s.server.Close(deliver)
		for _, c := range s.server.Connections() {
			c.Destroy(nil)
		}
		// Every connection was just destroyed, so 'close' follows within a
		// loop turn or two; the guard only fires when impl loses a close,
		// and turns that bug into a failed case instead of a hung suite.
		s.loop.SetTimeout(func() {
			s.events = append(s.events, trace.Entry{O: "harness", Ev: "finish-timeout"})
			s.loop.Stop()
		}, finishGuard)
	})
	s.stop()
	if s.unixPath != "" {
		_ = os.Remove(s.unixPath) // Go removes it on close; this is belt and braces
	}
	return &trace.Trace{Events: s.events}, nil
}

// peerGrace bounds how long Finish waits for the peer's close to be read.
const peerGrace = 200 * time.Millisecond

// drainPeers waits until every open connection has read the peer's close
// (the wire script always ends by closing its side), so what that close
// causes ('end', a parse error at EOF) happens before the teardown, as it
// does on the real runtimes, instead of racing it.
func (s *session) drainPeers() {
	if s.server == nil {
		return
	}
	if s.loop.Net != nil && s.network == "tcp" {
		// In memory, the readers are done (or wait for more) once every
		// goroutine of the run waits; the loop has then also run what
		// the close caused. (A Unix socket is the kernel's: its reader
		// waits in a system call the clock cannot see, so below.)
		s.loop.Net.Settle(peerGrace)
		return
	}
	got := make(chan []<-chan struct{}, 1)
	s.loop.Post(func() {
		var done []<-chan struct{}
		for _, c := range s.server.Connections() {
			if d := c.ReaderDone(); d != nil {
				done = append(done, d)
			}
		}
		got <- done
	})
	deadline := time.After(peerGrace)
	for _, d := range <-got {
		select {
		case <-d:
		case <-deadline:
			return
		}
	}
}

func (s *session) stop() {
	s.loop.Unref()
	for {
		select {
		case <-s.done:
			return
		default:
			s.ended.Wait(time.Time{}) // on the network's clock: the loop's last timers may be skipped to
		}
	}
}

// kindOf names the kind of an impl object, as programs name them.
func kindOf(o any) string {
	switch o.(type) {
	case *nodehttp.IncomingMessage:
		return "req"
	case *nodehttp.ServerResponse:
		return "res"
	case *nodenet.Socket:
		return "sock"
	case *nodehttp.Server:
		return "server"
	case *nodehttp.ClientRequest:
		return "creq"
	case *nodehttp.ClientResponse:
		return "cres"
	case *nodehttp.Agent:
		return "agent"
	case *nodenet.NetServer:
		return "netserver"
	case *nodenet.BlockList:
		return "blocklist"
	case *nodenet.SocketAddress:
		return "sockaddr"
	}
	return ""
}

// name gives an object its name on first sight and attaches the program's
// watchers and handlers for its kind.
func (s *session) name(o any, fixed string) string {
	if n, ok := s.names[o]; ok {
		return n
	}
	n := fixed
	if cr, ok := o.(*nodehttp.ClientResponse); ok && n == "" {
		// a response is numbered after its request (cres2 is creq2's),
		// whichever response comes first, as in the harness
		if qn := s.names[cr.Request()]; strings.HasPrefix(qn, "creq") {
			n = "cres" + strings.TrimPrefix(qn, "creq")
		}
	}
	if n == "" {
		k := kindOf(o)
		s.count[k]++
		n = k + strconv.Itoa(s.count[k])
		if (k == "agent" || k == "netserver") && s.count[k] == 1 {
			n = k // the first agent (netserver) is bare, as in the harness
		}
	}
	s.names[o], s.objs[n] = n, o
	if sock, ok := o.(*nodenet.Socket); ok && sock.API() {
		s.sockets = append(s.sockets, sock)
		sock.Once("close", func(...any) {
			if s.onQuiet != nil && s.isNetCase() && s.socketsQuiet() {
				s.onQuiet()
			}
		})
	}
	if fixed == "" {
		s.attach(o, kindOf(o))
	}
	return n
}

type emitter interface {
	On(event string, fn js.Listener)
}

// attach installs one listener per event the program watches or handles.
func (s *session) attach(o any, kind string) {
	em, ok := o.(emitter)
	if !ok {
		return
	}
	// The events to listen to: those watched (recorded) and those handled.
	watched := map[string]bool{}
	for _, ev := range s.prog.Watch[kind] {
		watched[ev] = true
	}
	events := maps.Clone(watched)
	if kind == "server" {
		// As in the harness: the objects a request brings are named (and
		// get their watchers) even when nobody watches 'request'.
		events["request"], events["connection"] = true, true
	}
	if kind == "netserver" {
		events["connection"] = true
	}
	for key := range s.prog.On {
		// callback:<method> handlers run from the callback, not a listener.
		k, ev, _ := strings.Cut(key, ".")
		if k != kind && k != s.names[o] {
			continue
		}
		switch {
		case strings.HasPrefix(ev, "override:"):
			s.override(o, kind, strings.TrimPrefix(ev, "override:"), s.prog.On[key])
		case !strings.HasPrefix(ev, "callback:"):
			events[ev] = true
		}
	}
	for ev := range events {
		em.On(ev, func(args ...any) {
			scope := s.scope(o, kind, ev, args)
			if watched[ev] {
				s.events = append(s.events, trace.Entry{O: s.names[o], Ev: ev, Args: s.summariseAll(args)})
			}
			// the kind's handler (creq.close), then the object's (creq1.close)
			s.runSteps(s.prog.On[kind+"."+ev], scope)
			if n := s.names[o]; n != kind {
				s.runSteps(s.prog.On[n+"."+ev], scope)
			}
		})
	}
}

// overrider is an object whose methods a program may override
// (nodehttp.Agent: createConnection, keepSocketAlive, reuseSocket).
type overrider interface {
	Override(method string, fn func(args []any) (any, bool))
}

// override installs a "<kind>.override:<method>" handler, as the harness
// does: each call is the event override:<method> on the object, the steps
// run with the arguments as arg<i>, and a return step gives the call's
// value (otherwise the method does what it does by default).
func (s *session) override(o any, kind, method string, steps []fixtures.Step) {
	ov, ok := o.(overrider)
	if !ok {
		s.uncaught(fmt.Sprintf("%s.override:%s: ref cannot override methods of a %s", kind, method, kind))
		return
	}
	ov.Override(method, func(args []any) (any, bool) {
		ev := "override:" + method
		s.events = append(s.events, trace.Entry{O: s.names[o], Ev: ev, Args: s.summariseAll(args)})
		scope := s.scope(o, kind, ev, args)
		for _, st := range steps {
			if st.Return != nil {
				v, err := s.decode(st.Return)
				if err != nil {
					s.uncaught(fmt.Sprintf("%s.%s: return: %v", kind, ev, err))
					return nil, false
				}
				return v, true
			}
			s.runStep(st, scope)
		}
		return nil, false
	})
}

// signatures binds event arguments to names (FORMAT.md, Program).
var signatures = map[string][]string{
	"server.request":          {"req", "res"},
	"server.checkContinue":    {"req", "res"},
	"server.checkExpectation": {"req", "res"},
	"server.connection":       {"sock"},
	"server.clientError":      {"error", "sock"},
	"server.connect":          {"req", "sock", "head"},
	"server.upgrade":          {"req", "sock", "head"},
	"server.dropRequest":      {"req", "sock"},
	"server.timeout":          {"sock"},
	"creq.response":           {"cres"},
	"creq.upgrade":            {"cres", "sock", "head"},
	"creq.connect":            {"cres", "sock", "head"},
	"creq.socket":             {"sock"},
	"netserver.connection":    {"sock"},
}

func (s *session) scope(o any, kind, ev string, args []any) map[string]any {
	sc := map[string]any{"http": s.mod, "net": s.net, kind: o}
	if s.server != nil {
		sc["server"] = s.server
	}
	if s.netServer != nil {
		sc["netserver"] = s.netServer
	}
	for i, name := range signatures[kind+"."+ev] {
		if i < len(args) {
			sc[name] = args[i]
			if kindOf(args[i]) != "" {
				s.name(args[i], "")
			}
		}
	}
	for i, a := range args {
		// Every argument is also arg<i>; an unsigned event's error is error.
		sc["arg"+strconv.Itoa(i)] = a
		if kindOf(a) != "" {
			s.name(a, "")
		}
		if _, isErr := a.(*js.Error); isErr && signatures[kind+"."+ev] == nil {
			if _, set := sc["error"]; !set {
				sc["error"] = a
			}
		}
	}
	// A socket's request and response are in scope with it.
	if sock, ok := sc["sock"].(*nodenet.Socket); ok && s.server != nil {
		if req, res := s.server.ExchangeOf(sock); req != nil {
			if _, set := sc["req"]; !set {
				sc["req"] = req
			}
			if _, set := sc["res"]; !set {
				sc["res"] = res
			}
		}
	}
	// objects of the same exchange: req<n> and res<n>
	if n := s.names[o]; kind == "req" || kind == "res" {
		num := strings.TrimPrefix(strings.TrimPrefix(n, "req"), "res")
		for _, k := range []string{"req", "res"} {
			if other, ok := s.objs[k+num]; ok {
				if _, set := sc[k]; !set {
					sc[k] = other
				}
			}
		}
	}
	// A request's or response's socket is in scope with it.
	if m, ok := sc["req"].(*nodehttp.IncomingMessage); ok {
		if _, set := sc["sock"]; !set && m.Socket != nil {
			sc["sock"] = m.Socket
		}
	}
	return sc
}

func (s *session) runSteps(steps []fixtures.Step, scope map[string]any) {
	for _, st := range steps {
		s.runStep(st, scope)
	}
}

func (s *session) runStep(st fixtures.Step, scope map[string]any) {
	path := st.Read + st.Call + st.Set + st.New
	defer func() {
		// A panic in impl is a bug in ref; it fails the case, not the suite.
		if r := recover(); r != nil {
			s.uncaught(fmt.Sprintf("%s: ref panicked: %v", path, r))
		}
	}()
	parts := symbolParts(strings.Split(path, "."))
	v, inScope := scope[parts[0]]
	if !inScope {
		v = s.objs[parts[0]] // as the harness: then the case's named objects (blocklist1 ...)
	}
	if m, isMap := v.(map[string]any); isMap {
		v = &plainObject{m} // a plain value an event passed ('information')
	}
	obj, ok := v.(js.Object)
	if !ok {
		s.uncaught(fmt.Sprintf("%s: %q is not in scope", path, parts[0]))
		return
	}
	o := s.names[obj]
	switch {
	case o == "" && kindOf(obj) != "":
		o = s.name(obj, "")
	case o == "":
		// An unnamed value (an event's error argument): its lane is the
		// name it is bound to, as in the harness.
		o = parts[0]
	}
	if st.Read != "" {
		e := trace.Entry{O: o, Read: strings.Join(parts[1:], ".")}
		v, ok := obj.Get(parts[1])
		if !ok {
			e.Missing = true
		} else {
			e.Value, e.HasValue = s.summarise(dig(v, parts[2:])), true
		}
		s.events = append(s.events, e)
		return
	}
	if st.New != "" {
		s.construct(st, o, obj, parts)
		return
	}
	if st.Set != "" {
		set, ok := obj.(js.Setter)
		if len(parts) != 2 || !ok || !set.Set(parts[1], st.Value) {
			s.uncaught(fmt.Sprintf("%s: ref does not implement setting it", path))
		}
		return
	}
	// A call path may go through members (res.socket.end): walk to the
	// object that owns the method.
	target := obj
	for _, m := range parts[1 : len(parts)-1] {
		v, _ := target.Get(m)
		next, ok := v.(js.Object)
		if !ok {
			target = nil
			break
		}
		target = next
	}
	e := trace.Entry{O: o, Call: strings.Join(parts[1:], "."), Args: st.Args}
	if target == nil {
		e.Missing = true
		s.events = append(s.events, e)
		return
	}
	s.callee = callee{o: o, call: e.Call}
	args, err := s.decodeArgs(st.Args)
	if err != nil {
		s.uncaught(fmt.Sprintf("%s: %v", path, err))
		return
	}
	// The entry takes its place before the call, as in the harness, so
	// events the call emits synchronously come after it.
	at := len(s.events)
	s.events = append(s.events, e)
	ret, cerr := target.Call(parts[len(parts)-1], args)
	if cerr == nil {
		s.adoptReturned(ret)
	}
	switch {
	case cerr == js.ErrMissing:
		s.events[at].Missing = true
		s.events[at].Args = nil
	case cerr != nil:
		s.events[at].Threw = s.summarise(cerr)
	case st.Record:
		s.events[at].Returned, s.events[at].HasReturned = s.summarise(ret), true
	default:
		s.events = append(s.events[:at], s.events[at+1:]...)
	}
}

// construct runs a new step (new: net.SocketAddress): the class is found
// by walking the members after the first name; its entry is the call
// "new <Class>" on that object, and the instance is named by its kind.
func (s *session) construct(st fixtures.Step, o string, obj js.Object, parts []string) {
	var class any = obj
	for _, m := range parts[1:] {
		holder, ok := class.(js.Object)
		if !ok {
			class = nil
			break
		}
		if class, ok = holder.Get(m); !ok {
			class = nil
			break
		}
	}
	e := trace.Entry{O: o, Call: "new " + strings.Join(parts[1:], "."), Args: st.Args}
	ctor, ok := class.(js.Constructor)
	if !ok {
		e.Missing, e.Args = true, nil
		s.events = append(s.events, e)
		return
	}
	s.callee = callee{o: o, call: e.Call}
	args, err := s.decodeArgs(st.Args)
	if err != nil {
		s.uncaught(fmt.Sprintf("%s: %v", st.New, err))
		return
	}
	ret, cerr := ctor.Construct(args)
	if cerr == nil {
		s.adoptReturned(ret)
	}
	switch {
	case cerr != nil:
		e.Threw = s.summarise(cerr)
	case st.Record:
		e.Returned, e.HasReturned = s.summarise(ret), true
	}
	if cerr != nil || st.Record {
		s.events = append(s.events, e)
	}
}

// adoptReturned names an object of a known kind that a call or a new step
// returned (creq1, blocklist1 ...), recorded or not, as the harness does;
// a client request is also followed for Finish.
func (s *session) adoptReturned(v any) {
	if kindOf(v) == "" {
		return
	}
	// An override the request's constructor calls (agent.reuseSocket)
	// may have named the request already; it is still the case's client.
	s.name(v, "")
	r, ok := v.(*nodehttp.ClientRequest)
	if !ok || slices.Contains(s.clients, r) {
		return
	}
	s.clients = append(s.clients, r)
	r.Once("close", func(...any) {
		if s.onQuiet != nil && s.clientsQuiet() {
			s.onQuiet()
		}
	})
}

func (s *session) clientsQuiet() bool {
	for _, r := range s.clients {
		if !r.Closed() {
			return false
		}
	}
	return true
}

// symbolParts joins "Symbol", "<name>" into one member name, as the
// harness does for well-known symbols (server.Symbol.asyncDispose).
func symbolParts(parts []string) []string {
	out := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		if i > 0 && parts[i] == "Symbol" && i+1 < len(parts) {
			out = append(out, "Symbol."+parts[i+1])
			i++
			continue
		}
		out = append(out, parts[i])
	}
	return out
}

// dig follows keys into plain values: headers.host, STATUS_CODES.404.
func dig(v any, keys []string) any {
	for _, k := range keys {
		switch x := v.(type) {
		case js.Object:
			val, ok := x.Get(k)
			if !ok {
				return js.Undefined{}
			}
			v = val
		case map[string]any:
			val, ok := x[k]
			if !ok {
				return js.Undefined{}
			}
			v = val
		case string:
			if k != "length" {
				return js.Undefined{}
			}
			v = float64(len(utf16.Encode([]rune(x)))) // JavaScript counts UTF-16 units
		case []any:
			if k == "length" {
				v = float64(len(x))
				continue
			}
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return js.Undefined{}
			}
			v = x[i]
		default:
			return js.Undefined{}
		}
	}
	return v
}

func (s *session) uncaught(msg string) {
	s.events = append(s.events, trace.Entry{O: "harness", Ev: "uncaught",
		Args: []any{map[string]any{"$error": map[string]any{"name": "Error", "message": msg}}}})
}

// decodeArgs turns tagged program values into impl values.
func (s *session) decodeArgs(args []any) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		v, err := s.decode(a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (s *session) decode(v any) (any, error) {
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case map[string]any:
		if _, ok := x["$undefined"]; ok {
			return js.Undefined{}, nil
		}
		if b, ok := x["$bytes"].(string); ok {
			raw, err := fixtures.Unescape(b)
			return js.Buffer(raw), err
		}
		if v, ok := x["$peerURL"]; ok && len(x) == 1 {
			if s.env.PeerPort == 0 {
				return nil, fmt.Errorf("{$peerURL: %v} needs a client-side case (wire.peer)", v)
			}
			return "http://127.0.0.1:" + strconv.Itoa(s.env.PeerPort) + js.String(v), nil
		}
		if v, ok := x["$peer"]; ok && len(x) == 1 {
			if v == "path" && s.env.PeerPath != "" {
				return s.env.PeerPath, nil
			}
			if v != "port" || s.env.PeerPort == 0 {
				return nil, fmt.Errorf("{$peer: %v} needs a client-side case (wire.peer; a path needs wire.peer_on: unix)", v)
			}
			return float64(s.env.PeerPort), nil
		}
		if name, ok := x["$port"].(string); ok && len(x) == 1 {
			// the port a named server of the program listens on
			if srv, ok := s.objs[name].(*nodenet.NetServer); ok && srv.Listening() {
				if ta, ok := srv.Addr().(*net.TCPAddr); ok {
					return float64(ta.Port), nil
				}
			}
			return nil, fmt.Errorf("{$port: %s}: no such listening server", name)
		}
		if _, ok := x["$function"]; ok {
			// A callback records its calls as the event callback:<method>
			// on the called object, as the harness does.
			at := s.callee
			return js.Callback(func(args ...any) {
				ev := "callback:" + at.call
				s.events = append(s.events, trace.Entry{O: at.o, Ev: ev, Args: s.summariseAll(args)})
				// A handler "<kind>.callback:<method>" runs now, with the
				// callee as the emitter (as in the harness).
				if o, ok := s.objs[at.o]; ok {
					kind := kindOf(o)
					if steps := s.prog.On[kind+"."+ev]; len(steps) > 0 {
						s.runSteps(steps, s.scope(o, kind, ev, args))
					}
				}
			}), nil
		}
		if r, ok := x["$ref"].(string); ok {
			o, found := s.objs[r]
			if !found {
				return nil, fmt.Errorf("no object named %q yet", r)
			}
			return o, nil
		}
		for k := range x {
			if strings.HasPrefix(k, "$") {
				return nil, fmt.Errorf("ref cannot pass a %s value", k)
			}
		}
		out := map[string]any{}
		for k, e := range x {
			d, err := s.decode(e)
			if err != nil {
				return nil, err
			}
			out[k] = d
		}
		return out, nil
	case []any:
		return s.decodeArgs(x)
	}
	return v, nil
}

func (s *session) summariseAll(args []any) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = s.summarise(a)
	}
	return out
}

// summarise renders an impl value in the trace's tagged JSON form.
func (s *session) summarise(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsInf(x, 1):
			return map[string]any{"$number": "Infinity"}
		case math.IsInf(x, -1):
			return map[string]any{"$number": "-Infinity"}
		case math.IsNaN(x):
			return map[string]any{"$number": "NaN"}
		}
		return x
	case nil, string, bool:
		return x
	case int:
		return float64(x)
	case js.Undefined:
		return map[string]any{"$undefined": true}
	case js.Buffer:
		return map[string]any{"$bytes": fixtures.Escape(x)}
	case js.Func, js.Callback:
		return map[string]any{"$function": true}
	case *js.Error:
		e := map[string]any{"name": x.Name, "message": x.Message}
		if x.Code != "" {
			e["code"] = x.Code
		}
		return map[string]any{"$error": e}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.summarise(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = s.summarise(e)
		}
		return out
	}
	if kindOf(v) != "" {
		return map[string]any{"$ref": s.name(v, "")}
	}
	if n, ok := s.names[v]; ok {
		return map[string]any{"$ref": n}
	}
	return fmt.Sprintf("<%T>", v)
}

// plainObject lets a program read the members of a plain object an event
// passed (the 'information' event's argument); it has no methods.
type plainObject struct{ m map[string]any }

func (p *plainObject) Get(name string) (any, bool) {
	v, ok := p.m[name]
	return v, ok
}

func (*plainObject) Call(string, []any) (any, error) { return nil, js.ErrMissing }

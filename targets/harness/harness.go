// Package harness drives a harness process: one long-lived program speaking
// the JSON-lines protocol of targets/PROTOCOL.md on stdin/stdout. It is the Go
// side of every target except ref (node, bun, deno run targets/js/harness.cjs).
//
// The point of the package is robustness: a harness that hangs, crashes or
// prints garbage fails the case in flight with a message that says what
// happened (with the tail of its stderr), and the next case transparently runs
// on a fresh process.
package harness

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire/ports"
	"github.com/nodespec/nodespec/targets"
)

// EnvTimeout names the environment variable holding the default per-request
// timeout (a Go duration such as "5s" or "750ms").
const EnvTimeout = "NODESPEC_HARNESS_TIMEOUT"

// DefaultTimeout is the per-request timeout when neither Config.Timeout nor
// EnvTimeout is set.
const DefaultTimeout = 5 * time.Second

const (
	stderrTail = 4 << 10  // bytes of stderr kept for messages
	maxLine    = 64 << 20 // longest answer line accepted
	quoteLen   = 200      // bytes of a bad line quoted in an error
)

// Config describes a harness target.
type Config struct {
	// Info is filled in partly by the caller (Name, Profiles); Runtime and
	// Version come from the hello answer.
	Info targets.Info
	// Argv is the harness command, e.g. {"node", "/abs/path/harness.cjs"}.
	Argv []string
	// Env is appended to the environment of this process for the harness.
	Env []string
	// Timeout bounds every request (write and answer). Zero means the
	// duration in NODESPEC_HARNESS_TIMEOUT, or 5s.
	Timeout time.Duration
	// HelloTimeout bounds the hello answer of a freshly started process.
	// Start-up (loading a runtime, under a loaded machine) takes far longer
	// than answering one request, so a small Timeout meant to catch hung
	// cases must not fail a slow start. Zero means Timeout or 5s, whichever
	// is longer.
	HelloTimeout time.Duration
}

// Target is a harness target. It implements targets.Target. Requests are
// strictly sequential; the methods may be called from several goroutines but
// are serialised.
type Target struct {
	cfg          Config
	name         string
	timeout      time.Duration
	helloTimeout time.Duration

	mu      sync.Mutex
	info    targets.Info
	rtVer   string // runtimeVersion from hello (bun, deno)
	p       *proc  // nil: the next Start starts a fresh process
	gen     int    // incremented for every process started
	open    *session
	closed  bool
	restart int // processes started after the first

	// failures counts process failures (crash, hang, garbage) since the
	// last case that finished cleanly. At MaxConsecutiveFailures the target
	// gives up: a runtime that dies on every case would otherwise cost a
	// timeout per remaining case; instead they fail at once, with lastErr.
	failures int
	lastErr  error
}

// MaxConsecutiveFailures is how many process failures in a row end a run's
// use of a harness.
const MaxConsecutiveFailures = 5

var _ targets.Target = (*Target)(nil)

// New starts the harness process, says hello and fills Info.Runtime and
// Info.Version (without the leading "v") from the answer.
func New(cfg Config) (*Target, error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("harness: empty Argv")
	}
	t := &Target{cfg: cfg, info: cfg.Info, timeout: cfg.Timeout}
	if t.timeout <= 0 {
		t.timeout = DefaultTimeout
		if s := os.Getenv(EnvTimeout); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("harness: bad %s=%q: want a positive Go duration such as 5s", EnvTimeout, s)
			}
			t.timeout = d
		}
	}
	t.helloTimeout = cfg.HelloTimeout
	if t.helloTimeout <= 0 {
		t.helloTimeout = max(t.timeout, DefaultTimeout)
	}
	t.name = cfg.Info.Name
	if t.name == "" {
		t.name = filepath.Base(cfg.Argv[0])
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ensure(); err != nil {
		return nil, err
	}
	if t.info.Name == "" {
		t.info.Name = t.info.Runtime
	}
	return t, nil
}

// Info describes the target; Runtime and Version are the harness's.
func (t *Target) Info() targets.Info {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info
}

// RuntimeVersion is the runtime's own version as reported by hello (bun and
// deno; "" for node).
func (t *Target) RuntimeVersion() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rtVer
}

// Timeout is the per-request timeout in effect.
func (t *Target) Timeout() time.Duration { return t.timeout }

// Restarts counts the processes started after the first one.
func (t *Target) Restarts() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.restart
}

// maxPortTries bounds the named ports a start tries before port 0.
const maxPortTries = 8

// Start sends the case's program to the harness and waits for "started". If
// the previous process hung, died or misbehaved, a fresh one is started
// first. A session left open by the caller is finished (its trace dropped).
// The profile is not part of the protocol: the harness runs the program as
// the runtime does; profiles only select expectations.
func (t *Target) Start(c *fixtures.Case, profile string, env targets.Env) (targets.Session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("harness %s: Start after Close", t.name)
	}
	if t.open != nil {
		// The caller never finished the previous case: drain it so the
		// harness is ready, or throw the process away.
		t.open.done = true
		t.open = nil
		if t.p != nil {
			if _, err := t.request("finish", map[string]string{"op": "finish"}, "trace"); err != nil {
				t.drop()
			}
		}
	}
	if t.failures >= MaxConsecutiveFailures {
		return nil, fmt.Errorf("harness %s gave up after %d consecutive process failures; case %s not run (last failure: %v)", t.name, t.failures, c.ID, t.lastErr)
	}
	if err := t.ensure(); err != nil {
		return nil, err
	}
	prog, err := json.Marshal(c.Program)
	if err != nil {
		return nil, fmt.Errorf("harness %s: case %s: program is not JSON: %v", t.name, c.ID, err)
	}
	type peer struct {
		Port int    `json:"port"`
		Path string `json:"path,omitempty"` // a Unix socket path (wire.peer_on: unix)
	}
	msg := struct {
		Op      string          `json:"op"`
		ID      string          `json:"id"`
		Program json.RawMessage `json:"program"`
		Port    int             `json:"port,omitempty"` // where the program's server listens
		Peer    *peer           `json:"peer,omitempty"` // client-side: the scripted server
	}{Op: "start", ID: c.ID, Program: prog}
	if env.PeerPort != 0 || env.PeerPath != "" {
		msg.Peer = &peer{Port: env.PeerPort, Path: env.PeerPath}
	}
	// The server listens on a port named here (package ports says why not
	// port 0); one taken by another socket starts the case again on the
	// next, and after a few on the system's choice. A start that failed
	// left nothing behind but what the program's calls changed, which the
	// harness restores before every case.
	var a *answer
	_ = ports.Try(maxPortTries, func(port int) error {
		msg.Port = port
		if a, err = t.request("start", msg, "started"); err != nil {
			return err
		}
		if a.InUse {
			return syscall.EADDRINUSE // the harness's answer as a listen's error: the next port
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.Error != nil {
		msg := *a.Error
		if msg == "" {
			msg = "(no message)"
		}
		return nil, fmt.Errorf("harness %s could not start %s: %s", t.name, c.ID, msg)
	}
	port := 0
	if a.Port != nil {
		port = *a.Port
		if port < 0 || port > 65535 {
			t.drop()
			return nil, fmt.Errorf("harness %s answered start with port %d", t.name, port)
		}
	}
	s := &session{t: t, gen: t.gen, id: c.ID}
	switch {
	case a.Path != nil && *a.Path != "":
		s.network, s.addr = "unix", *a.Path
	case port != 0:
		s.network, s.addr = "tcp", "127.0.0.1:"+strconv.Itoa(port)
	}
	t.open = s
	return s, nil
}

// Close kills the harness process and waits for it.
func (t *Target) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.open = nil
	t.drop()
	return nil
}

// session is one case on a harness.
type session struct {
	t             *Target
	gen           int
	network, addr string // where the program's server listens ("" if none)
	id            string
	done          bool
}

func (s *session) Addr() (string, string) { return s.network, s.addr }

func (s *session) Finish() (*trace.Trace, error) {
	t := s.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.done {
		return nil, fmt.Errorf("harness %s: case %s already finished", t.name, s.id)
	}
	s.done = true
	if t.open == s {
		t.open = nil
	}
	if t.p == nil || t.gen != s.gen {
		return nil, fmt.Errorf("harness %s: case %s: the harness process is gone", t.name, s.id)
	}
	a, err := t.request("finish", map[string]string{"op": "finish"}, "trace")
	if err != nil {
		return nil, err
	}
	if a.Events == nil {
		a.Events = []trace.Entry{}
	}
	return &trace.Trace{Events: a.Events}, nil
}

// answer is any message from the harness.
type answer struct {
	Op             string        `json:"op"`
	Runtime        string        `json:"runtime"`
	Version        string        `json:"version"`
	RuntimeVersion string        `json:"runtimeVersion"`
	Port           *int          `json:"port"`
	Path           *string       `json:"path"` // a server listening on a Unix socket
	Error          *string       `json:"error"`
	InUse          bool          `json:"inUse"` // the start's named port was taken
	Events         []trace.Entry `json:"events"`
}

// ensure starts a process and says hello unless one is running. t.mu held.
func (t *Target) ensure() error {
	if t.p != nil {
		select {
		case <-t.p.done: // died between cases: start afresh
			t.drop()
		default:
			return nil
		}
	}
	p, err := startProc(t.cfg.Argv, t.cfg.Env)
	if err != nil {
		return fmt.Errorf("harness %s: cannot start %q: %v", t.name, t.cfg.Argv, err)
	}
	if t.gen > 0 {
		t.restart++
	}
	t.gen++
	t.p = p
	a, err := t.request("hello", map[string]string{"op": "hello"}, "hello")
	if err != nil {
		return err
	}
	if a.Runtime == "" || a.Version == "" {
		t.drop()
		return fmt.Errorf("harness %s: hello answer lacks runtime or version", t.name)
	}
	t.info.Runtime = a.Runtime
	t.info.Version = strings.TrimPrefix(a.Version, "v")
	t.rtVer = a.RuntimeVersion
	return nil
}

// drop kills the process, if any, and forgets it. t.mu held.
func (t *Target) drop() {
	if t.p != nil {
		t.p.kill()
		t.p = nil
	}
}

// request writes msg and waits for one answer line whose op is want. Any
// failure kills the process (so the next Start restarts), counts towards
// giving up, and is returned with what is known. t.mu held, t.p != nil.
func (t *Target) request(op string, msg any, want string) (*answer, error) {
	a, err := t.exchange(op, msg, want)
	switch {
	case err != nil && t.p == nil:
		t.failures++
		t.lastErr = err
	case err == nil && want == "trace":
		t.failures = 0
	}
	return a, err
}

func (t *Target) exchange(op string, msg any, want string) (*answer, error) {
	p := t.p
	line, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("harness %s: encoding %s: %v", t.name, op, err)
	}
	limit := t.timeout
	if op == "hello" {
		limit = t.helloTimeout
	}
	deadline := time.Now().Add(limit)
	timer := time.NewTimer(limit)
	defer timer.Stop()

	if err := p.write(append(line, '\n'), deadline); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, t.timedOut(op, limit)
		}
		// Most likely the process is gone (EPIPE): report how it ended.
		return nil, t.exited(op, timer.C)
	}
	for {
		select {
		case m, ok := <-p.lines:
			if !ok {
				return nil, t.exited(op, timer.C)
			}
			if m.err != nil {
				t.drop()
				return nil, fmt.Errorf("harness %s: reading the answer to %s: %v; stderr tail: %s", t.name, op, m.err, p.stderr.tail())
			}
			text := strings.TrimSpace(string(m.line))
			if text == "" {
				continue
			}
			a, err := decodeAnswer([]byte(text), want)
			if err != nil {
				t.drop()
				return nil, fmt.Errorf("harness %s answered %s with %v", t.name, op, err)
			}
			return a, nil
		case <-timer.C:
			return nil, t.timedOut(op, limit)
		}
	}
}

// decodeAnswer decodes one answer line, which must be a JSON object with
// op want. The error says what is wrong and quotes the line.
func decodeAnswer(line []byte, want string) (*answer, error) {
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return nil, fmt.Errorf("a line that is not JSON (%v): %s", err, quote(string(line)))
	}
	if a.Op != want {
		return nil, fmt.Errorf("op %q, want %q: %s", a.Op, want, quote(string(line)))
	}
	return &a, nil
}

func (t *Target) timedOut(op string, limit time.Duration) error {
	p := t.p
	t.drop()
	return fmt.Errorf("harness %s did not answer %s within %v (stderr tail: %s)", t.name, op, limit, p.stderr.tail())
}

// exited reports a process whose stdout closed: it waits (until the
// request's deadline) for the exit status, then kills whatever is left.
func (t *Target) exited(op string, deadline <-chan time.Time) error {
	p := t.p
	status := "stdout closed"
	select {
	case <-p.done:
		status = exitStatus(p.waitErr)
	case <-deadline:
		status = "stdout closed, still running"
	}
	t.drop()
	return fmt.Errorf("harness %s exited (%s) during %s; stderr tail: %s", t.name, status, op, p.stderr.tail())
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error() // "exit status 3", "signal: killed" ...
}

func quote(s string) string {
	if len(s) > quoteLen {
		return strconv.Quote(s[:quoteLen]) + "..."
	}
	return strconv.Quote(s)
}

// proc is one harness process.
type proc struct {
	cmd    *exec.Cmd
	stdin  *os.File // our end
	stdout *os.File // our end
	stderr *ring

	lines      chan lineMsg  // closed at EOF of stdout
	quit       chan struct{} // closed by kill: the reader stops sending
	readerDone chan struct{}
	done       chan struct{} // closed when cmd.Wait has returned
	waitErr    error         // valid after done

	killOnce sync.Once
}

// unusedByHarness are variables of the suite's environment a harness
// process does not get: NODE_EXTRA_CA_CERTS makes Node (and Bun) read and
// parse a certificate bundle at start-up, 80 ms of a 130 ms start on the
// 2-core machine (12 harness processes start per node target), for TLS the
// harness never does. Config.Env may still set them.
var unusedByHarness = []string{"NODE_EXTRA_CA_CERTS"}

// processEnv is a harness process's environment: base (the suite's own)
// without unusedByHarness, then extra.
func processEnv(base, extra []string) []string {
	out := make([]string, 0, len(base)+len(extra))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(unusedByHarness, name) {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

type lineMsg struct {
	line []byte
	err  error
}

func startProc(argv, env []string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = processEnv(os.Environ(), env)
	setProcessGroup(cmd)
	// Our own pipes (not StdinPipe/StdoutPipe): reads and writes stay valid
	// while Wait runs, and both ends support deadlines and Close from
	// another goroutine.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	p := &proc{
		cmd:        cmd,
		stdin:      inW,
		stdout:     outR,
		stderr:     &ring{},
		lines:      make(chan lineMsg),
		quit:       make(chan struct{}),
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	cmd.Stdin = inR
	cmd.Stdout = outW
	cmd.Stderr = p.stderr
	cmd.WaitDelay = time.Second // stderr held open by a stray grandchild
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	go p.read()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) read() {
	defer close(p.readerDone)
	defer close(p.lines)
	r := bufio.NewReaderSize(p.stdout, 64<<10)
	for {
		line, err := readLine(r)
		if len(line) > 0 || (err != nil && err != io.EOF) {
			m := lineMsg{line: line}
			if err != nil && err != io.EOF {
				m.err = err
			}
			select {
			case p.lines <- m:
			case <-p.quit:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// readLine reads up to and without '\n', refusing lines over maxLine.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("answer line longer than %d bytes", maxLine)
		}
		switch err {
		case nil:
			return line[:len(line)-1], nil
		case bufio.ErrBufferFull:
			continue
		default:
			return line, err
		}
	}
}

func (p *proc) write(b []byte, deadline time.Time) error {
	if err := p.stdin.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := p.stdin.Write(b)
	return err
}

// kill kills the process group, waits for the process and the reader, and
// releases the pipes. Safe to call more than once.
func (p *proc) kill() {
	p.killOnce.Do(func() {
		killGroup(p.cmd)
		close(p.quit)
		<-p.done
		p.stdin.Close()
		p.stdout.Close() // unblocks the reader if a stray process holds the pipe
		<-p.readerDone
	})
}

// ring keeps the last stderrTail bytes written to it.
type ring struct {
	mu  sync.Mutex
	buf []byte
}

func (r *ring) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(b)
	if len(b) >= stderrTail {
		r.buf = append(r.buf[:0], b[len(b)-stderrTail:]...)
		return n, nil
	}
	if over := len(r.buf) + len(b) - stderrTail; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.buf = append(r.buf, b...)
	return n, nil
}

// tail is the kept stderr, trimmed, or "(empty)".
func (r *ring) tail() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.TrimSpace(string(r.buf))
	if s == "" {
		return "(empty)"
	}
	return s
}

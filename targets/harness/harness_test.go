package harness

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/targets"
)

// The test binary doubles as a fake harness: with NODESPEC_FAKE_HARNESS set it
// speaks the protocol (badly, on purpose) instead of running tests.
const (
	envFakeMode  = "NODESPEC_FAKE_HARNESS"
	envFakeState = "NODESPEC_FAKE_STATE" // file: misbehave only while it does not exist
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envFakeMode); mode != "" {
		os.Exit(fakeHarness(mode))
	}
	goleak.VerifyTestMain(m)
}

// fakeHarness modes:
//
//	ok              answers hello, start (port 0; error for case "setup-error";
//	                port taken for cases "port-taken" and "port-never"), finish (a fixed trace)
//	crash-on-start  exits 3 on start
//	crash-once      crash-on-start, but only while the state file is absent
//	hang-on-finish  never answers finish (after spawning a grandchild that sleeps)
//	hang-on-hello   never answers hello
//	garbage         answers start with a long line that is not JSON
//	wrong-op        answers start with {"op":"trace"}
//
// With NODESPEC_FAKE_STATE set, a misbehaving mode misbehaves once: the first
// process creates the file, later ones find it and behave as "ok".
func fakeHarness(mode string) int {
	if mode == "sleeper" {
		time.Sleep(time.Hour)
		return 0
	}
	if mode == "crash-once" {
		mode = "crash-on-start"
		if os.Getenv(envFakeState) == "" {
			fmt.Fprintln(os.Stderr, "crash-once needs", envFakeState)
			return 2
		}
	}
	if st := os.Getenv(envFakeState); st != "" {
		if _, err := os.Stat(st); err == nil {
			mode = "ok"
		} else if err := os.WriteFile(st, []byte(mode), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	fmt.Fprintf(os.Stderr, "fake harness %s pid %d\n", mode, os.Getpid())
	out := bufio.NewWriter(os.Stdout)
	send := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	caseID := ""
	taken := map[string]int{} // per case: starts answered so far
	for in.Scan() {
		var msg struct {
			Op      string         `json:"op"`
			ID      string         `json:"id"`
			Program map[string]any `json:"program"`
			Port    int            `json:"port"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintln(os.Stderr, "fake: bad request:", err)
			return 2
		}
		switch msg.Op {
		case "hello":
			if mode == "hang-on-hello" {
				continue
			}
			send(map[string]any{"op": "hello", "runtime": "fake", "version": "v1.2.3"})
		case "start":
			switch mode {
			case "crash-on-start":
				fmt.Fprintln(os.Stderr, "boom: crashing on start")
				return 3
			case "garbage":
				fmt.Fprintln(os.Stdout, "garbage!"+strings.Repeat("x", 300)+"END-OF-GARBAGE")
				continue
			case "wrong-op":
				send(map[string]any{"op": "trace", "events": []any{}})
				continue
			case "hang-on-finish":
				// A grandchild in the same process group: killing the
				// group must take it down too.
				gc := exec.Command(os.Args[0])
				gc.Env = append(os.Environ(), envFakeMode+"=sleeper")
				gc.Stderr = os.Stderr
				if err := gc.Start(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 2
				}
				fmt.Fprintf(os.Stderr, "grandchild pid %d\n", gc.Process.Pid)
			}
			// port-taken: the first two ports named are taken; port-never:
			// every named port is (port 0 is an error, to be seen).
			if msg.ID == "port-taken" || msg.ID == "port-never" {
				taken[msg.ID]++
				if msg.Port != 0 && (msg.ID == "port-never" || taken[msg.ID] <= 2) {
					send(map[string]any{"op": "started", "error": fmt.Sprintf("listen EADDRINUSE %d", msg.Port), "inUse": true})
					continue
				}
				if msg.Port == 0 {
					send(map[string]any{"op": "started", "error": fmt.Sprintf("port 0 after %d tries", taken[msg.ID]-1)})
					continue
				}
				send(map[string]any{"op": "started", "port": msg.Port})
				continue
			}
			if msg.ID == "setup-error" {
				send(map[string]any{"op": "started", "error": "cannot set up: no such step"})
				continue
			}
			caseID = msg.ID
			send(map[string]any{"op": "started", "port": 0})
		case "finish":
			if mode == "hang-on-finish" {
				fmt.Fprintln(os.Stderr, "fake: ignoring finish")
				continue
			}
			send(map[string]any{"op": "trace", "events": fakeTrace(caseID)})
		default:
			fmt.Fprintln(os.Stderr, "fake: unknown op", msg.Op)
			return 2
		}
	}
	return 0
}

func fakeTrace(id string) []any {
	return []any{
		map[string]any{"o": "harness", "ev": "case", "args": []any{id}},
		map[string]any{"o": "http", "read": "METHODS", "value": []any{"GET", "POST"}},
		map[string]any{"o": "http", "read": "maxHeaderSize", "missing": true},
	}
}

func wantTrace(id string) *trace.Trace {
	return &trace.Trace{Events: []trace.Entry{
		{O: "harness", Ev: "case", Args: []any{id}},
		{O: "http", Read: "METHODS", Value: []any{"GET", "POST"}, HasValue: true},
		{O: "http", Read: "maxHeaderSize", Missing: true},
	}}
}

// fake starts a target on the fake harness in the given mode. once: the mode
// misbehaves in the first process only.
func fake(t *testing.T, mode string, once bool, timeout time.Duration) *Target {
	t.Helper()
	env := []string{envFakeMode + "=" + mode}
	if once || mode == "crash-once" {
		env = append(env, envFakeState+"="+filepath.Join(t.TempDir(), "state"))
	}
	tg, err := New(Config{
		Info:    infoFor("fake1"),
		Argv:    []string{os.Args[0]},
		Env:     env,
		Timeout: timeout,
	})
	if err != nil {
		t.Fatalf("New(%s): %v", mode, err)
	}
	return tg
}

func infoFor(name string) targets.Info {
	return targets.Info{Name: name, Profiles: []string{"latest"}}
}

func testCase(id string) *fixtures.Case {
	return &fixtures.Case{ID: id, Program: fixtures.Program{
		Calls: []fixtures.Step{{Read: "http.METHODS"}},
	}}
}

// runCase runs one case through Start and Finish.
func runCase(t *testing.T, tg *Target, id string) (*trace.Trace, error) {
	t.Helper()
	s, err := tg.Start(testCase(id), "latest", targets.Env{})
	if err != nil {
		return nil, err
	}
	if _, a := s.Addr(); a != "" {
		t.Errorf("Addr() = %q, want none", a)
	}
	return s.Finish()
}

func mustRun(t *testing.T, tg *Target, id string) {
	t.Helper()
	tr, err := runCase(t, tg, id)
	if err != nil {
		t.Fatalf("case %s: %v", id, err)
	}
	if d := cmp.Diff(wantTrace(id), tr); d != "" {
		t.Fatalf("case %s: trace (-want +got):\n%s", id, d)
	}
}

func closeAndVerify(t *testing.T, tg *Target) {
	t.Helper()
	if err := tg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	goleak.VerifyNone(t)
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q\ndoes not contain %q", err, p)
		}
	}
}

func TestNormalFlow(t *testing.T) {
	tg := fake(t, "ok", false, 0)
	info := tg.Info()
	if info.Name != "fake1" || info.Runtime != "fake" || info.Version != "1.2.3" ||
		len(info.Profiles) != 1 || info.Profiles[0] != "latest" {
		t.Errorf("Info() = %+v", info)
	}
	if tg.Timeout() != DefaultTimeout {
		t.Errorf("Timeout() = %v, want %v", tg.Timeout(), DefaultTimeout)
	}
	for i := range 3 {
		mustRun(t, tg, "case-"+strconv.Itoa(i))
	}
	if n := tg.Restarts(); n != 0 {
		t.Errorf("Restarts() = %d, want 0", n)
	}
	closeAndVerify(t, tg)
	if _, err := tg.Start(testCase("after-close"), "latest", targets.Env{}); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestStartedError(t *testing.T) {
	tg := fake(t, "ok", false, 0)
	_, err := tg.Start(testCase("setup-error"), "latest", targets.Env{})
	wantErr(t, err, "harness fake1 could not start setup-error: cannot set up: no such step")
	mustRun(t, tg, "next")
	if n := tg.Restarts(); n != 0 {
		t.Errorf("Restarts() = %d, want 0: a started error keeps the process", n)
	}
	closeAndVerify(t, tg)
}

// A start whose named port is taken is tried again on the next port, and
// after maxPortTries on port 0 (the system's choice); the process stays.
func TestPortTakenTriesNext(t *testing.T) {
	tg := fake(t, "ok", false, 0)
	s, err := tg.Start(testCase("port-taken"), "latest", targets.Env{})
	if err != nil {
		t.Fatal(err)
	}
	network, addr := s.Addr()
	_, port, _ := net.SplitHostPort(addr)
	if p, _ := strconv.Atoi(port); network != "tcp" || p < 20000 || p >= 32000 {
		t.Errorf("Addr() = %s %s, want tcp on a port from package ports", network, addr)
	}
	if _, err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	_, err = tg.Start(testCase("port-never"), "latest", targets.Env{})
	wantErr(t, err, fmt.Sprintf("could not start port-never: port 0 after %d tries", maxPortTries))
	mustRun(t, tg, "next")
	if n := tg.Restarts(); n != 0 {
		t.Errorf("Restarts() = %d, want 0", n)
	}
	closeAndVerify(t, tg)
}

func TestCrashOnStart(t *testing.T) {
	tg := fake(t, "crash-on-start", false, 0)
	for i := range 2 { // every case fails on a fresh process, none hangs
		_, err := tg.Start(testCase("crash"), "latest", targets.Env{})
		wantErr(t, err, "harness fake1 exited (exit status 3) during start; stderr tail:",
			"boom: crashing on start")
		if n := tg.Restarts(); n != i {
			t.Errorf("Restarts() = %d, want %d", n, i)
		}
	}
	closeAndVerify(t, tg)
}

// A runtime that dies on every case: after MaxConsecutiveFailures the rest
// of the run fails at once with a message, instead of restarting forever.
func TestGivesUpAfterConsecutiveFailures(t *testing.T) {
	tg := fake(t, "crash-on-start", false, 0)
	for range MaxConsecutiveFailures {
		_, err := tg.Start(testCase("crash"), "latest", targets.Env{})
		wantErr(t, err, "exited (exit status 3) during start")
	}
	restarts := tg.Restarts()
	_, err := tg.Start(testCase("next"), "latest", targets.Env{})
	wantErr(t, err, "harness fake1 gave up after 5 consecutive process failures; case next not run", "exit status 3")
	if tg.Restarts() != restarts {
		t.Errorf("a process was started after giving up")
	}
	closeAndVerify(t, tg)
}

func TestCrashOnce(t *testing.T) {
	tg := fake(t, "crash-once", false, 0)
	_, err := tg.Start(testCase("crash"), "latest", targets.Env{})
	wantErr(t, err, "exited (exit status 3) during start", "boom: crashing on start")
	mustRun(t, tg, "after-crash")
	mustRun(t, tg, "after-crash-2")
	if n := tg.Restarts(); n != 1 {
		t.Errorf("Restarts() = %d, want 1", n)
	}
	closeAndVerify(t, tg)
}

var grandchildRE = regexp.MustCompile(`grandchild pid (\d+)`)

func TestHangOnFinish(t *testing.T) {
	// The fake writes a stderr line as it ignores finish; a second is
	// ample for that one write (200ms was not, on a loaded machine).
	tg := fake(t, "hang-on-finish", true, time.Second)
	s, err := tg.Start(testCase("hang"), "latest", targets.Env{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Finish()
	wantErr(t, err, "harness fake1 did not answer finish within 1s (stderr tail:",
		"fake: ignoring finish")
	if _, err := s.Finish(); err == nil {
		t.Error("second Finish succeeded")
	}
	m := grandchildRE.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("no grandchild pid in %q", err)
	}
	pid, _ := strconv.Atoi(m[1])
	waitDead(t, pid)

	mustRun(t, tg, "after-hang")
	if n := tg.Restarts(); n != 1 {
		t.Errorf("Restarts() = %d, want 1", n)
	}
	closeAndVerify(t, tg)
}

// waitDead polls until pid is gone or a zombie (its parent was killed too, and
// who reaps it is up to the system). SIGKILL of a process group is delivered
// asynchronously, so this polls for the condition, bounded.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err != nil {
			t.Skipf("cannot read /proc: %v", err)
		}
		// pid (comm) state ...
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) {
			if st := b[i+2]; st == 'Z' || st == 'X' {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after the group was killed: %s", pid, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHangOnHello(t *testing.T) {
	_, err := New(Config{
		Info:         infoFor("fake1"),
		Argv:         []string{os.Args[0]},
		Env:          []string{envFakeMode + "=hang-on-hello"},
		Timeout:      time.Hour, // only the hello bound may fire
		HelloTimeout: 200 * time.Millisecond,
	})
	// Not asserted: what the fake wrote to stderr. Under load it may not
	// have started within 200ms, and this test is about the bound.
	wantErr(t, err, "harness fake1 did not answer hello within 200ms (stderr tail:")
	goleak.VerifyNone(t)
}

func TestGarbage(t *testing.T) {
	tg := fake(t, "garbage", true, 0)
	_, err := tg.Start(testCase("garbage"), "latest", targets.Env{})
	wantErr(t, err, "harness fake1 answered start with a line that is not JSON", `"garbage!xxx`, `xxx"...`)
	if strings.Contains(err.Error(), "END-OF-GARBAGE") {
		t.Errorf("the quoted line is not truncated: %v", err)
	}
	mustRun(t, tg, "after-garbage")
	if n := tg.Restarts(); n != 1 {
		t.Errorf("Restarts() = %d, want 1", n)
	}
	closeAndVerify(t, tg)
}

func TestWrongOp(t *testing.T) {
	tg := fake(t, "wrong-op", true, 0)
	_, err := tg.Start(testCase("wrong"), "latest", targets.Env{})
	wantErr(t, err, `harness fake1 answered start with op "trace", want "started"`)
	mustRun(t, tg, "after-wrong-op")
	closeAndVerify(t, tg)
}

func TestSessionLeftOpen(t *testing.T) {
	tg := fake(t, "ok", false, 0)
	s, err := tg.Start(testCase("abandoned"), "latest", targets.Env{})
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, tg, "next") // drains the abandoned case first
	if _, err := s.Finish(); err == nil {
		t.Error("Finish of the abandoned session succeeded")
	}
	if n := tg.Restarts(); n != 0 {
		t.Errorf("Restarts() = %d, want 0", n)
	}
	closeAndVerify(t, tg)
}

func TestCloseWithOpenSession(t *testing.T) {
	tg := fake(t, "ok", false, 0)
	s, err := tg.Start(testCase("open"), "latest", targets.Env{})
	if err != nil {
		t.Fatal(err)
	}
	closeAndVerify(t, tg)
	if _, err := s.Finish(); err == nil {
		t.Error("Finish after Close succeeded")
	}
	if err := tg.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestMissingExecutable(t *testing.T) {
	_, err := New(Config{Argv: []string{filepath.Join(t.TempDir(), "no-such-harness")}})
	wantErr(t, err, "harness no-such-harness: cannot start")
	goleak.VerifyNone(t)
}

func TestTimeoutFromEnv(t *testing.T) {
	t.Setenv(EnvTimeout, "150ms")
	tg := fake(t, "ok", false, 0)
	if tg.Timeout() != 150*time.Millisecond {
		t.Errorf("Timeout() = %v, want 150ms", tg.Timeout())
	}
	closeAndVerify(t, tg)

	tg = fake(t, "ok", false, time.Second) // Config wins
	if tg.Timeout() != time.Second {
		t.Errorf("Timeout() = %v, want 1s", tg.Timeout())
	}
	closeAndVerify(t, tg)

	t.Setenv(EnvTimeout, "soon")
	_, err := New(Config{Argv: []string{os.Args[0]}, Env: []string{envFakeMode + "=ok"}})
	wantErr(t, err, EnvTimeout, `"soon"`)
}

func TestRing(t *testing.T) {
	var r ring
	if got := r.tail(); got != "(empty)" {
		t.Errorf("empty tail = %q", got)
	}
	r.Write([]byte("  hello\n"))
	if got := r.tail(); got != "hello" {
		t.Errorf("tail = %q", got)
	}
	for range 1000 {
		r.Write([]byte("0123456789"))
	}
	r.Write([]byte("LAST"))
	got := r.tail()
	if len(got) != stderrTail || !strings.HasSuffix(got, "6789LAST") {
		t.Errorf("tail: len %d, ends %q", len(got), got[len(got)-10:])
	}
	r.Write([]byte(strings.Repeat("y", 2*stderrTail) + "Z"))
	if got := r.tail(); len(got) != stderrTail || !strings.HasSuffix(got, "yZ") {
		t.Errorf("big write: len %d", len(got))
	}
}

// TestRealHarness runs the JavaScript harness with the system node.
func TestRealHarness(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "js", "harness.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no JavaScript harness: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("no node on PATH: %v", err)
	}
	tg, err := New(Config{Info: infoFor("node"), Argv: []string{node, script}})
	if err != nil {
		t.Fatal(err)
	}
	info := tg.Info()
	if info.Runtime != "node" || info.Version == "" || strings.HasPrefix(info.Version, "v") {
		t.Errorf("Info() = %+v", info)
	}
	c := &fixtures.Case{ID: "real-methods", Program: fixtures.Program{
		Calls: []fixtures.Step{{Read: "http.METHODS"}},
	}}
	s, err := tg.Start(c, "latest", targets.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, a := s.Addr(); a != "" {
		t.Errorf("Addr() = %q, want none for a pure-call program", a)
	}
	tr, err := s.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Events) != 1 {
		t.Fatalf("trace has %d entries, want 1: %+v", len(tr.Events), tr.Events)
	}
	e := tr.Events[0]
	if e.O != "http" || e.Read != "METHODS" {
		t.Errorf("entry = %+v, want a read of http.METHODS", e)
	}
	if methods, ok := e.Value.([]any); !ok || len(methods) == 0 {
		t.Errorf("http.METHODS value = %#v, want a non-empty array", e.Value)
	}
	closeAndVerify(t, tg)
}

// A harness process gets the suite's environment without what it never
// uses (NODE_EXTRA_CA_CERTS), and Config.Env on top, which may set it.
func TestProcessEnv(t *testing.T) {
	base := []string{"PATH=/bin", "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca.crt", "NODE_OPTIONS=--x"}
	got := processEnv(base, []string{"A=1"})
	want := []string{"PATH=/bin", "NODE_OPTIONS=--x", "A=1"}
	if !slices.Equal(got, want) {
		t.Errorf("processEnv = %q, want %q", got, want)
	}
	got = processEnv(base, []string{"NODE_EXTRA_CA_CERTS=/mine.crt"})
	if !slices.Contains(got, "NODE_EXTRA_CA_CERTS=/mine.crt") || slices.Contains(got, base[1]) {
		t.Errorf("Config.Env's own NODE_EXTRA_CA_CERTS: got %q", got)
	}
}

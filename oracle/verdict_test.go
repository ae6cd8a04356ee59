package oracle

import (
	"strings"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

const verdictCase = `id: v
sections: [http/IncomingMessage/message.headersDistinct]
profiles: [latest]
since: 16.17.0
note: test
program:
  calls:
    - read: http.x
expect:
  - trace:
      req1:
        - read: headersDistinct
          value: {a: ['1']}
    response:
      status: 200
divergences:
  - targets: [node@6, bun]
    note: the runtime says 2
    trace:
      req1:
        - read: headersDistinct
          value: {a: ['2']}
    response:
      status: 400
`

func judge(t *testing.T, tg Target, value any, missing bool, status string) Verdict {
	t.Helper()
	return judgeSource(t, verdictCase, tg, value, missing, status)
}

// judgeSource judges one read of req1.headersDistinct and a response status
// against the case src.
func judgeSource(t *testing.T, src string, tg Target, value any, missing bool, status string) Verdict {
	t.Helper()
	c, errs := fixtures.Parse("x/v.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e := trace.Entry{O: "req1", Read: "headersDistinct", Value: value, HasValue: !missing, Missing: missing}
	tr := &trace.Trace{Events: []trace.Entry{e}, Wire: &trace.Wire{Received: []byte("HTTP/1.1 " + status + " X\r\n\r\n"), End: "eof"}}
	return Judge(c, "latest", tg, tr)
}

func TestJudge(t *testing.T) {
	node20 := Target{Name: "node20", Runtime: "node", Version: "20.20.2"}
	bun := Target{Name: "bun", Runtime: "bun", Version: "26.3.0"}
	one := map[string]any{"a": []any{"1"}}
	two := map[string]any{"a": []any{"2"}}
	cases := []struct {
		name    string
		tg      Target
		value   any
		missing bool
		status  string
		want    Status
		reason  string
	}{
		{"documented", node20, one, false, "200", Pass, ""},
		{"wrong value", node20, two, false, "200", Fail, "trace differs"},
		{"wrong status", node20, one, false, "500", Fail, "trace differs"},
		{"missing member", node20, nil, true, "200", Fail, "missing on this runtime: req1.headersDistinct"},
		{"divergence as recorded", bun, two, false, "400", Divergent, "the runtime says 2"},
		{"divergence, docs status", bun, two, false, "200", Fail, "matches neither"},
		{"divergence gone", bun, one, false, "200", Fail, "now behaves as documented"},
		{"divergence of another target", node20, two, false, "400", Fail, "trace differs"},
	}
	for _, tc := range cases {
		v := judge(t, tc.tg, tc.value, tc.missing, tc.status)
		if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) {
			t.Errorf("%s: got %s %q, want %s containing %q\n%s", tc.name, v.Status, v.Reason, tc.want, tc.reason, v.Diff)
		}
	}
}

// An intermittent divergence accepts the documented and the recorded
// behaviour, both as divergent; anything else still fails.
func TestJudgeIntermittent(t *testing.T) {
	src := strings.Replace(verdictCase, "    note: the runtime says 2\n", "    note: the runtime says 2\n    intermittent: true\n", 1)
	bun := Target{Name: "bun", Runtime: "bun", Version: "26.3.0"}
	for _, tc := range []struct {
		value  string
		status string
		want   Status
		reason string
	}{
		{"1", "200", Divergent, "documented behaviour this run"},
		{"2", "400", Divergent, "recorded divergence"},
		{"3", "200", Fail, "matches neither"},
	} {
		v := judgeSource(t, src, bun, map[string]any{"a": []any{tc.value}}, false, tc.status)
		if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) {
			t.Errorf("value %s: got %s %q, want %s containing %q", tc.value, v.Status, v.Reason, tc.want, tc.reason)
		}
	}
}

func TestApplicable(t *testing.T) {
	c, _ := fixtures.Parse("x/v.yaml", []byte(verdictCase))
	for _, tc := range []struct {
		profile string
		tg      Target
		ok      bool
		why     string
	}{
		{"latest", Target{Name: "node20", Runtime: "node", Version: "20.20.2"}, true, ""},
		{"latest", Target{Name: "node14", Runtime: "node", Version: "14.14.0"}, false, "added in 16.17.0; node14 is 14.14.0"},
		{"v14", Target{Name: "ref", Runtime: "ref"}, false, "holds for latest, not for profile v14"},
		{"latest", Target{Name: "ref", Runtime: "ref"}, true, ""},
	} {
		ok, why := Applicable(c, tc.profile, tc.tg)
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%s on %s: got %v %q", tc.profile, tc.tg.Name, ok, why)
		}
	}
}

func TestSelects(t *testing.T) {
	n6 := Target{Runtime: "node", Version: "6.17.1"}
	n16 := Target{Runtime: "node", Version: "16.17.1"}
	for sel, want := range map[string]bool{"node": true, "node@6": true, "node@6.17.1": true, "node@1": false, "bun": false} {
		if got := selects(sel, n6); got != want {
			t.Errorf("selects(%q, node 6.17.1) = %v", sel, got)
		}
	}
	if selects("node@1", n16) || !selects("node@16", n16) {
		t.Error("a major selector must not match by string prefix alone")
	}
}

// A member the fixture expects to be missing is not what the runtime lacks:
// the reason names only the members missing against the expectation.
func TestMissingReasonSkipsExpectedMissing(t *testing.T) {
	c, errs := fixtures.Parse("x/m.yaml", []byte(`id: m
sections: [http/IncomingMessage/message.headers]
profiles: [v14]
note: test
program:
  calls:
    - read: http.x
expect:
  - trace:
      req1:
        - read: headersDistinct
          missing: true
        - read: trailers
          value: {}
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tr := &trace.Trace{Events: []trace.Entry{
		{O: "req1", Read: "headersDistinct", Missing: true},
		{O: "req1", Read: "trailers", Value: map[string]any{"a": "1"}, HasValue: true},
	}}
	v := Judge(c, "v14", Target{Name: "node14", Runtime: "node", Version: "14.14.0"}, tr)
	if v.Status != Fail || strings.Contains(v.Reason, "missing on this runtime") {
		t.Fatalf("got %s %q, want a plain trace difference", v.Status, v.Reason)
	}
	if strings.Contains(v.Diff, "<any>") || !strings.Contains(v.Diff, "read headersDistinct (missing on this runtime)") {
		t.Fatalf("the diff must show the expected missing read as missing:\n%s", v.Diff)
	}
}

// The segmentation check compares the bytes received only where the case
// checks bytes: a case without a response check does not pin them down.
func TestSplitDiffComparesBytesOnlyWhenChecked(t *testing.T) {
	withCheck, _ := fixtures.Parse("x/v.yaml", []byte(verdictCase))
	without, errs := fixtures.Parse("y/v.yaml", []byte(strings.Replace(verdictCase, "    response:\n      status: 200\n", "", 1)))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	node20 := Target{Name: "node20", Runtime: "node", Version: "20.20.2"}
	a := &trace.Trace{Wire: &trace.Wire{Received: []byte("HTTP/1.1 200 OK\r\n\r\n")}}
	b := &trace.Trace{Wire: &trace.Wire{Received: []byte("")}}
	if d := SplitDiff(without, "latest", node20, a, b); d != "" {
		t.Errorf("no response check, yet the bytes were compared:\n%s", d)
	}
	if d := SplitDiff(withCheck, "latest", node20, a, b); !strings.Contains(d, "bytes received") {
		t.Errorf("a response check must compare the bytes; diff %q", d)
	}
	b.Events = []trace.Entry{{O: "req1", Ev: "end"}}
	if d := SplitDiff(without, "latest", node20, a, b); !strings.Contains(d, "lane req1") {
		t.Errorf("lanes are always compared; diff %q", d)
	}
}

// A divergence may record only another order across lanes: a runtime
// emitting the same entries the other way round is divergent, the
// documented order passes on Node and fails as "now documented" on the
// diverging runtime.
func TestJudgeDivergentOrder(t *testing.T) {
	src := testCase("net/Server/event.close", `expect:
  - trace:
      netserver: [{event: close}]
      sock1: [{event: close}]
    order:
      - ['netserver.close', 'sock1.close']
divergences:
  - targets: [bun]
    note: the socket first
    order:
      - ['sock1.close', 'netserver.close']
`)
	c := mustParse(t, src)
	node20 := Target{Name: "node20", Runtime: "node", Version: "20.20.2"}
	bun := Target{Name: "bun", Runtime: "bun", Version: "1.4.5"}
	aFirst := &trace.Trace{Events: []trace.Entry{{O: "netserver", Ev: "close"}, {O: "sock1", Ev: "close"}}}
	bFirst := &trace.Trace{Events: []trace.Entry{{O: "sock1", Ev: "close"}, {O: "netserver", Ev: "close"}}}
	for _, tc := range []struct {
		name   string
		tg     Target
		tr     *trace.Trace
		want   Status
		reason string
	}{
		{"node, documented order", node20, aFirst, Pass, ""},
		{"node, other order", node20, bFirst, Fail, "trace differs"},
		{"bun, recorded order", bun, bFirst, Divergent, "the socket first"},
		{"bun, documented order", bun, aFirst, Fail, "now behaves as documented"},
	} {
		v := Judge(c, "latest", tc.tg, tc.tr)
		if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) {
			t.Errorf("%s: got %s %q, want %s containing %q\n%s", tc.name, v.Status, v.Reason, tc.want, tc.reason, v.Diff)
		}
	}
}

// A divergence may record that the runtime's process dies on the case
// (aborts:): a run error naming that text is divergent, any other run error
// fails, and a run that finishes fails (as documented: "remove"; otherwise
// "matches neither").
func TestJudgeRecordedAbort(t *testing.T) {
	src := testCase("net/SocketAddress/socketaddress.port", `expect:
  - trace:
      req1:
        - read: headersDistinct
          value: {a: ['1']}
divergences:
  - targets: [node@20]
    note: Node 20 aborts in a native assertion
    aborts: 'SocketAddressBase::New'
`)
	c := mustParse(t, src)
	node20 := Target{Name: "node20", Runtime: "node", Version: "20.20.2"}
	node22 := Target{Name: "node22", Runtime: "node", Version: "22.23.3"}
	died := errorString("harness node20 exited (signal: aborted) during start; stderr tail: node::SocketAddressBase::New(...) Assertion failed")
	other := errorString("harness node20 exited (signal: segmentation fault)")
	for _, tc := range []struct {
		name   string
		v      Verdict
		want   Status
		reason string
	}{
		{"node20 dies as recorded", JudgeRunError(c, node20, died), Divergent, "native assertion"},
		{"node20 dies otherwise", JudgeRunError(c, node20, other), Fail, "could not run the case: harness node20 exited (signal: segmentation fault)"},
		{"node22 dies: no divergence of its own", JudgeRunError(c, node22, died), Fail, "could not run the case"},
		{"node20 runs it as documented", judgeSource(t, src, node20, map[string]any{"a": []any{"1"}}, false, "200"), Fail, "now behaves as documented"},
		{"node20 runs it otherwise", judgeSource(t, src, node20, map[string]any{"a": []any{"2"}}, false, "200"), Fail, "matches neither"},
	} {
		if tc.v.Status != tc.want || !strings.Contains(tc.v.Reason, tc.reason) {
			t.Errorf("%s: got %s %q, want %s containing %q", tc.name, tc.v.Status, tc.v.Reason, tc.want, tc.reason)
		}
	}
	// aborts stands alone: with a trace it is refused.
	bad := strings.Replace(src, "    aborts: 'SocketAddressBase::New'\n", "    aborts: x\n    trace:\n      req1: []\n", 1)
	if _, errs := fixtures.Parse("x/v.yaml", []byte(bad)); len(errs) == 0 || !strings.Contains(errs[0].Error(), "aborts stands alone") {
		t.Errorf("aborts with a trace: got %v, want an 'aborts stands alone' error", errs)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// A lane only the divergence names is named for that runtime: the throws it
// records there are compared, not reported as throws in an unnamed lane.
func TestJudgeDivergenceNamesThrowingLane(t *testing.T) {
	src := `id: t
sections: [net/SocketAddress/socketaddress.port]
profiles: [latest]
note: test
program:
  calls:
    - new: net.SocketAddress
      args: [{port: '80'}]
    - read: sockaddr1.port
expect:
  - trace:
      sockaddr1: [{read: port, value: 80}]
divergences:
  - targets: [bun]
    note: the constructor throws
    trace:
      net:
        - call: new SocketAddress
          args: [{port: '80'}]
          threw: {$error: {name: RangeError}}
      sockaddr1: []
      harness:
        - event: step-error
`
	c, errs := fixtures.Parse("x/t.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	bun := Target{Name: "bun", Runtime: "bun", Version: "1.4.5"}
	node20 := Target{Name: "node20", Runtime: "node", Version: "20.20.2"}
	threw := &trace.Trace{Events: []trace.Entry{
		{O: "net", Call: "new SocketAddress", Args: []any{map[string]any{"port": "80"}}, Threw: map[string]any{"$error": map[string]any{"name": "RangeError", "message": "bad"}}},
		{O: "harness", Ev: "step-error", Args: []any{"unknown name"}},
	}}
	for _, tc := range []struct {
		name   string
		tg     Target
		want   Status
		reason string
	}{
		{"bun, recorded throw", bun, Divergent, "the constructor throws"},
		{"node, the same throw", node20, Fail, "not named by the case"},
	} {
		v := Judge(c, "latest", tc.tg, threw)
		if v.Status != tc.want || !strings.Contains(v.Reason+v.Diff, tc.reason) {
			t.Errorf("%s: got %s %q, want %s containing %q\n%s", tc.name, v.Status, v.Reason, tc.want, tc.reason, v.Diff)
		}
	}
}

// request.unconnected holds when the client never connected to the peer,
// and fails naming what a connection made anyway wrote.
func TestJudgeUnconnected(t *testing.T) {
	src := testCase("net/Socket/socket.connect.options", `wire:
  peer:
    - idle: true
expect:
  - request:
      unconnected: true
`)
	c := mustParse(t, src)
	node := Target{Name: "node22", Runtime: "node", Version: "22.23.3"}
	if v := Judge(c, "latest", node, &trace.Trace{Wire: &trace.Wire{End: "unconnected"}}); v.Status != Pass {
		t.Errorf("no connection: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
	v := Judge(c, "latest", node, &trace.Trace{Wire: &trace.Wire{End: "eof", Received: []byte("hi"), Connections: []trace.Wire{{End: "eof", Received: []byte("hi")}}}})
	if v.Status != Fail || !strings.Contains(v.Diff, `want no connection to the peer, the client made 1 (the first wrote "hi")`) {
		t.Errorf("a connection: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
	bad := strings.Replace(src, "      unconnected: true\n", "      unconnected: true\n      equals: ''\n", 1)
	if _, errs := fixtures.Parse("x/v.yaml", []byte(bad)); len(errs) == 0 || !strings.Contains(errs[0].Error(), "unconnected: stands alone") {
		t.Errorf("unconnected with equals: got %v", errs)
	}
	two := strings.Replace(src, "    - idle: true\n", "    - idle: true\n    - pause: 1\n", 1)
	if _, errs := fixtures.Parse("x/v.yaml", []byte(two)); len(errs) == 0 || !strings.Contains(errs[0].Error(), "idle is a script's only step") {
		t.Errorf("idle with another step: got %v", errs)
	}
}

// ref must end every case with its exchanges: a peer read that ran out its
// deadline fails the case on ref, and only there.
func TestJudgeRefWaitedOutDeadline(t *testing.T) {
	src := testCase("http/Server/event.request", `expect:
  - trace:
      req1: []
`)
	c := mustParse(t, src)
	timedOut := &trace.Trace{Wire: &trace.Wire{End: "timeout"}}
	if v := Judge(c, "latest", Target{Name: "ref", Runtime: "ref"}, timedOut); v.Status != Fail || !strings.Contains(v.Diff, "waited out a deadline") {
		t.Errorf("ref: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
	if v := Judge(c, "latest", Target{Name: "ref", Runtime: "ref"}, &trace.Trace{Wire: &trace.Wire{End: "eof"}}); v.Status != Pass {
		t.Errorf("ref, eof: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
	if v := Judge(c, "latest", Target{Name: "node20", Runtime: "node", Version: "20.20.2"}, timedOut); v.Status != Pass {
		t.Errorf("node20: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
	// a client case's second connection that timed out counts too
	second := &trace.Trace{Wire: &trace.Wire{End: "eof", Connections: []trace.Wire{{End: "eof"}, {End: "timeout"}}}}
	if v := Judge(c, "latest", Target{Name: "ref", Runtime: "ref"}, second); v.Status != Fail || !strings.Contains(v.Diff, "waited out a deadline") {
		t.Errorf("ref, second connection timed out: got %s %q %s", v.Status, v.Reason, v.Diff)
	}
}

// testCase is the source of a case for these tests: the common head (id v,
// the section, profile latest, a program of one read) and then rest.
func testCase(section, rest string) string {
	return "id: v\nsections: [" + section + "]\nprofiles: [latest]\nnote: test\nprogram:\n  calls:\n    - read: http.x\n" + rest
}

func mustParse(t *testing.T, src string) *fixtures.Case {
	t.Helper()
	c, errs := fixtures.Parse("x/v.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return c
}

package fuzz

import (
	"bytes"
	"strings"
)

// docRule is a rule of the docs that ref follows and that runtimes are
// recorded as breaking (a fixture with a divergence for them). Once an
// input makes ref apply such a rule, ref and the runtime read the rest of
// it in different states, so every input that has the rule's shape gives
// new signatures of the same recorded fact: the fuzzer attributes a
// minimal input of that shape to the fixture instead of reporting it.
// A bug of the runtime's own in such an input would be hidden behind the
// recorded divergence anyway.
type docRule struct {
	Fixture string // the fixture that records the divergence
	Shape   string // what the input has, for the summary
	Match   func(input []byte) bool
}

// docRules are the recorded divergences whose inputs the fuzz grammar
// produces in many forms (found in the fuzz runs of node6, node14 and
// node20; see fuzz/FINDINGS.md).
var docRules = []docRule{
	{"dup-content-length-same-discarded", "a second Content-Length in one head that repeats the first value (the docs of message.headers discard the duplicate, so ref reads on; every Node refuses any second one at once)", dupEqualContentLength},
	{"connect-no-host-no-listener", "a CONNECT request without Host (the docs of requireHostHeader answer 400; Node hands the socket over)", connectWithoutHost},
	{"mhc-default-1001", "a head of more than 1000 header lines (the latest docs default maxHeadersCount to 2000)", overThousandLines},
	{"dup-server-discarded", "two Server lines in one head (the v6 docs join them; Node 6 drops the second)", func(b []byte) bool { return repeated(b, "server") }},
}

// repeated: a header name comes twice in one head.
func repeated(input []byte, name string) bool {
	for _, h := range heads(input) {
		n := 0
		for _, line := range h[1:] {
			if f, _, ok := field(line); ok && f == name {
				n++
			}
		}
		if n > 1 {
			return true
		}
	}
	return false
}

// docRuleFor is the rule a minimal input has the shape of, among the
// fixtures that record a divergence for the target (known), or nil.
func docRuleFor(input []byte, known *Known) *docRule {
	for i := range docRules {
		r := &docRules[i]
		if !known.hasFixture(r.Fixture) {
			continue
		}
		if r.Match(input) {
			return r
		}
	}
	return nil
}

// hasFixture: the fixture records a divergence (or a release) of the
// target, so Runner.Known took its input.
func (k *Known) hasFixture(id string) bool {
	for _, f := range k.Inputs {
		if f == id {
			return true
		}
	}
	return false
}

// heads splits an input into the header lines of each message head: the
// lines after a request line up to the first empty one. Line ends are LF
// with an optional CR; bodies are not skipped, so a body that looks like
// a head is read as one (the rules below only look for header names).
func heads(input []byte) [][]string {
	var out [][]string
	var cur []string
	inHead := false
	for _, line := range bytes.Split(input, []byte("\n")) {
		l := strings.TrimSuffix(string(line), "\r")
		switch {
		case !inHead && l != "":
			inHead, cur = true, []string{l} // the request line
		case inHead && l == "":
			out, inHead = append(out, cur), false
		case inHead:
			cur = append(cur, l)
		}
	}
	if inHead {
		out = append(out, cur)
	}
	return out
}

// field is a header line's name (lower case, blanks around it dropped: Node
// 6 and 14 frame by "Content-Length ") and value (blanks dropped).
func field(line string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(line, ":")
	return strings.ToLower(strings.Trim(name, " \t")), strings.Trim(value, " \t"), ok
}

// dupEqualContentLength: a second Content-Length in a head whose value
// starts with the first one's, or is its start (ref reads on while the two
// are equal, and refuses where they part or at the line's end; Node
// refuses at the second one's first byte).
func dupEqualContentLength(input []byte) bool {
	for _, h := range heads(input) {
		first := ""
		for _, line := range h[1:] {
			name, value, ok := field(line)
			if !ok || name != "content-length" || value == "" {
				continue
			}
			if first == "" {
				first = value
			} else if strings.HasPrefix(value, first) || strings.HasPrefix(first, value) {
				return true
			}
		}
	}
	return false
}

func connectWithoutHost(input []byte) bool {
	for _, h := range heads(input) {
		if !strings.HasPrefix(h[0], "CONNECT ") {
			continue
		}
		host := false
		for _, line := range h[1:] {
			if name, _, ok := field(line); ok && name == "host" {
				host = true
			}
		}
		if !host {
			return true
		}
	}
	return false
}

func overThousandLines(input []byte) bool {
	for _, h := range heads(input) {
		if len(h)-1 > 1000 {
			return true
		}
	}
	return false
}

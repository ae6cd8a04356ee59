package fuzz

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
)

// Signature names a disagreement between ref's trace (exp) and a target's
// (act), coarsely enough that one bug found through many inputs has one
// signature, and finely enough that the minimiser, which keeps the
// signature, cannot slide from one bug to another:
//
//   - the kinds of object whose lanes differ (req, res, server, sock,
//     error, harness; "wire" when only the bytes received differ), with
//     the request's number dropped, so the bug is the same in the second
//     pipelined request as in the first;
//   - the first differing entry of the first differing lane (the server's
//     first, see laneOrder), on each side: its kind (event, read, call,
//     missing) and name, and the error code it carries (and the message
//     when the codes agree), not the values read (those vary with the
//     input), nor its place in the lane (the same bug in the second
//     pipelined request is the same bug);
//   - the status line of the first response each side sent.
//
// It is "" when the traces agree (oracle.Compare passes).
func Signature(exp, act *trace.Trace) string {
	if oracle.Compare(exp, act).Status == oracle.Pass {
		return ""
	}
	le, la := oracle.Lanes(exp), oracle.Lanes(act)
	names := laneNames(le, la)
	kinds := map[string]bool{}
	first := ""
	for _, name := range laneOrder(names) {
		i, ok := firstDifference(le[name], la[name])
		if !ok {
			continue
		}
		kinds[laneKind(name)] = true
		if first == "" {
			first = fmt.Sprintf("%s: ref %s, target %s", laneKind(name), entryKind(le[name], i, la[name]), entryKind(la[name], i, le[name]))
		}
	}
	if len(kinds) == 0 {
		kinds["wire"] = true
		first = "bytes received"
	}
	return fmt.Sprintf("lanes %s; first %s; status ref %s, target %s",
		strings.Join(slices.Sorted(maps.Keys(kinds)), ","), first, statusOf(exp), statusOf(act))
}

// laneOrder is the order lanes are searched for the first difference: the
// server first (a request against a clientError decides everything after
// it), then the others by name.
func laneOrder(names map[string]bool) []string {
	out := slices.Sorted(maps.Keys(names))
	if i := slices.Index(out, "server"); i > 0 {
		out = append([]string{"server"}, slices.Delete(out, i, i+1)...)
	}
	return out
}

// firstDifference is the index of the first entry where two lanes differ
// (as oracle.Describe writes them), and whether they differ at all.
func firstDifference(a, b []trace.Entry) (int, bool) {
	for i := 0; i < max(len(a), len(b)); i++ {
		if i >= len(a) || i >= len(b) || oracle.Describe(a[i]) != oracle.Describe(b[i]) {
			return i, true
		}
	}
	return 0, false
}

// laneKind drops an object's number: req2 is a req.
func laneKind(name string) string {
	return strings.TrimRight(name, "0123456789")
}

// entryKind is the kind, the name and the error code of lane[i], or
// "none". The error's message is added when the other side's entry has the
// same code: then the message is the difference (HPE_INVALID_HEADER_TOKEN
// for a name or for a value); when the codes differ, it would only split
// one finding into several.
func entryKind(lane []trace.Entry, i int, other []trace.Entry) string {
	if i >= len(lane) {
		return "none"
	}
	e := lane[i]
	var s string
	switch {
	case e.Missing:
		s = "missing " + e.Read + e.Call
	case e.Ev != "":
		s = "event " + e.Ev
	case e.Read != "":
		s = "read " + e.Read
	default:
		s = "call " + e.Call
		if e.Threw != nil {
			s += " threw"
		}
	}
	code, msg := errorOf(e)
	if code != "" || msg != "" {
		if i < len(other) {
			if oc, om := errorOf(other[i]); oc == code && om != msg {
				code += fmt.Sprintf(" %q", msg)
			}
		}
		s += " (" + strings.TrimSpace(code) + ")"
	}
	return s
}

// errorOf is the code and message of the first error among an entry's
// arguments or its throw.
func errorOf(e trace.Entry) (code, msg string) {
	for _, v := range append(slices.Clone(e.Args), e.Threw) {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if er, ok := m["$error"].(map[string]any); ok {
			code, _ = er["code"].(string)
			msg, _ = er["message"].(string)
			return code, msg
		}
	}
	return "", ""
}

// statusOf is the first line of the response, if it is a status line.
func statusOf(t *trace.Trace) string {
	if t.Wire == nil || len(t.Wire.Received) == 0 {
		return "none"
	}
	line, _, _ := bytes.Cut(t.Wire.Received, []byte("\r\n"))
	if !bytes.HasPrefix(line, []byte("HTTP/")) {
		return "other"
	}
	return fmt.Sprintf("%q", line)
}

// laneNames is the set of lane names either trace has.
func laneNames[L any](a, b map[string]L) map[string]bool {
	names := map[string]bool{}
	for k := range a {
		names[k] = true
	}
	for k := range b {
		names[k] = true
	}
	return names
}

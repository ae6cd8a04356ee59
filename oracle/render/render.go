// Package render writes traces as the YAML of fixtures/FORMAT.md: the
// expectation blocks that cmd/nodespec-probe emits from real runtimes and the
// draft fixtures of cmd/nodespec-fuzz. Everything it writes is printable
// ASCII, as the format requires.
package render

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
)

// EmptyLane, as the event of a lane's only entry, marks a lane to be written as `name: []`.
const EmptyLane = "\x00empty"

// Expectation writes ` trace:` and ` response:` of one block; the
// caller has written the "  -" (or "  - profiles: …\n   ") before it.
func Expectation(sb *strings.Builder, tr *trace.Trace, quiet string, client bool) {
	lanes := oracle.Lanes(tr)
	sb.WriteString(" trace:\n")
	if len(lanes) == 0 {
		// Nothing happened on any object: say so of the object the
		// program acts on.
		sb.WriteString("      " + quiet + ": []\n")
	}
	for _, name := range slices.Sorted(maps.Keys(lanes)) {
		if name == "harness" {
			continue
		}
		if len(lanes[name]) == 1 && lanes[name][0].Ev == EmptyLane {
			fmt.Fprintf(sb, "      %s: []\n", name)
			continue
		}
		fmt.Fprintf(sb, "      %s:\n", name)
		for _, e := range lanes[name] {
			entry(sb, e)
		}
	}
	if tr.Wire != nil && client {
		// What the client wrote; the end of a client-side connection is
		// the case's teardown, not a behaviour to pin.
		sb.WriteString("    request:\n")
		fmt.Fprintf(sb, "      equals: '%s'\n", strings.ReplaceAll(fixtures.Escape(tr.Wire.Received), "'", "''"))
		if len(tr.Wire.Connections) > 1 {
			sb.WriteString("      connections:\n")
			for _, c := range tr.Wire.Connections {
				fmt.Fprintf(sb, "        - equals: '%s'\n", strings.ReplaceAll(fixtures.Escape(c.Received), "'", "''"))
			}
		}
	} else if tr.Wire != nil {
		sb.WriteString("    response:\n")
		fmt.Fprintf(sb, "      equals: '%s'\n", strings.ReplaceAll(fixtures.Escape(oracle.MaskWire(tr.Wire.Received)), "'", "''"))
		if tr.Wire.End == "eof" || tr.Wire.End == "reset" {
			sb.WriteString("      closed: true\n")
		}
	}
}

func entry(sb *strings.Builder, e trace.Entry) {
	const in = "          "
	switch {
	case e.Ev != "":
		fmt.Fprintf(sb, "        - event: %s\n", e.Ev)
		if len(e.Args) > 0 {
			fmt.Fprintf(sb, "%sargs: %s\n", in, Value(e.Args))
		}
	case e.Read != "":
		fmt.Fprintf(sb, "        - read: %s\n", e.Read)
		if e.Missing {
			fmt.Fprintf(sb, "%smissing: true\n", in)
		} else {
			fmt.Fprintf(sb, "%svalue: %s\n", in, Value(e.Value))
		}
	case e.Call != "":
		fmt.Fprintf(sb, "        - call: %s\n", e.Call)
		if len(e.Args) > 0 {
			fmt.Fprintf(sb, "%sargs: %s\n", in, Value(e.Args))
		}
		switch {
		case e.Missing:
			fmt.Fprintf(sb, "%smissing: true\n", in)
		case e.Threw != nil:
			fmt.Fprintf(sb, "%sthrew: %s\n", in, Value(e.Threw))
		case e.HasReturned:
			fmt.Fprintf(sb, "%sreturned: %s\n", in, Value(e.Returned))
		}
	}
}

// Value renders a trace value in flow style, printable ASCII only.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	case string:
		return Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Value(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = key(k) + ": " + Value(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return Quote(fmt.Sprint(v))
}

// Quote writes a string single-quoted when it is printable ASCII, else
// double-quoted with escapes (FORMAT.md: fixtures are printable ASCII).
func Quote(s string) string {
	plain := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			plain = false
			break
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r >= 0x20 && r <= 0x7e:
			sb.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&sb, "\\x%02x", r)
		case r <= 0xffff:
			fmt.Fprintf(&sb, "\\u%04x", r)
		default:
			fmt.Fprintf(&sb, "\\U%08x", r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func key(k string) string {
	for _, r := range k {
		if !(r == '$' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return Quote(k)
		}
	}
	if k == "" || k[0] >= '0' && k[0] <= '9' || k[0] == '-' {
		return Quote(k)
	}
	return k
}

// WithEmptyLanes names, empty, every lane of want that got lacks: a
// divergence replaces only the lanes it names, so a lane the runtime left
// silent must be written as empty.
func WithEmptyLanes(got, want *trace.Trace) *trace.Trace {
	have := oracle.Lanes(got)
	out := *got
	out.Events = slices.Clone(got.Events)
	for name := range oracle.Lanes(want) {
		if _, ok := have[name]; !ok {
			out.Events = append(out.Events, trace.Entry{O: name, Ev: EmptyLane})
		}
	}
	return &out
}

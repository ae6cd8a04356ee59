package nodenet

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nodespec/nodespec/impl/js"
	"github.com/nodespec/nodespec/impl/loop"
)

// Module is the pure part of the `net` module object a program reads and
// calls: the address predicates, the BlockList and SocketAddress classes,
// and the process-wide defaults of family autoselection. One Module is
// one process: its defaults start at the documented values.
type Module struct {
	autoSelectFamily bool
	attemptTimeout   float64
	// Loop runs the sockets and servers the program makes; nil for a
	// module that only answers the pure functions.
	Loop *loop.Loop
}

// NewModule returns the module with the initial defaults of
// net/getDefaultAutoSelectFamily (true) and
// net/getDefaultAutoSelectFamilyAttemptTimeout (250 ms).
func NewModule() *Module { return &Module{autoSelectFamily: true, attemptTimeout: 250} }

// Get implements js.Object.
func (m *Module) Get(name string) (any, bool) {
	switch name {
	case "BlockList":
		return blockListClass{}, true
	case "Socket":
		return socketClass{m}, true
	case "Server":
		return serverClass{m}, true
	case "connect", "createConnection", "createServer":
		return js.Func{Name: name}, true
	case "SocketAddress":
		return socketAddressClass{}, true
	case "isIP", "isIPv4", "isIPv6",
		"getDefaultAutoSelectFamily", "setDefaultAutoSelectFamily",
		"getDefaultAutoSelectFamilyAttemptTimeout", "setDefaultAutoSelectFamilyAttemptTimeout":
		return js.Func{Name: name}, true
	}
	return nil, false
}

// Call implements js.Object.
func (m *Module) Call(name string, args []any) (any, error) {
	switch name {
	case "isIP":
		return float64(IsIP(jsString(js.Arg(args, 0)))), nil
	case "isIPv4":
		return IsIP(jsString(js.Arg(args, 0))) == 4, nil
	case "isIPv6":
		return IsIP(jsString(js.Arg(args, 0))) == 6, nil
	case "connect", "createConnection":
		return m.connect(args)
	case "createServer":
		return m.newServer(args)
	case "getDefaultAutoSelectFamily":
		return m.autoSelectFamily, nil
	case "setDefaultAutoSelectFamily":
		v, ok := js.Arg(args, 0).(bool)
		if !ok {
			return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"value\" argument must be of type boolean. Received %s", describeArg(js.Arg(args, 0)))
		}
		m.autoSelectFamily = v
		return js.Undefined{}, nil
	case "getDefaultAutoSelectFamilyAttemptTimeout":
		return m.attemptTimeout, nil
	case "setDefaultAutoSelectFamilyAttemptTimeout":
		return js.Undefined{}, m.setAttemptTimeout(js.Arg(args, 0))
	}
	return nil, js.ErrMissing
}

// setAttemptTimeout follows net/setDefaultAutoSelectFamilyAttemptTimeout:
// a positive number, raised to 10 when smaller. The docs ask for a
// positive number, not an integer, so a fraction is kept (every probed
// runtime rejects it, recorded as divergences). The messages are Node
// 20-26's: a type error, NaN as "an integer", the bounds 1 and 2^31-1.
func (m *Module) setAttemptTimeout(v any) error {
	n, ok := v.(float64)
	if !ok {
		return js.TypeError("ERR_INVALID_ARG_TYPE", "The \"value\" argument must be of type number. Received %s", describeArg(v))
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return rangeError("ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be an integer. Received %s", numText(n))
	}
	if n < 1 || n > 2147483647 {
		return rangeError("ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= 1 && <= 2147483647. Received %s", numText(n))
	}
	m.attemptTimeout = math.Max(n, 10)
	return nil
}

func rangeError(code, format string, args ...any) *js.Error {
	return &js.Error{Name: "RangeError", Code: code, Message: fmt.Sprintf(format, args...)}
}

func isUndefined(v any) bool {
	_, ok := v.(js.Undefined)
	return ok
}

// numText is JavaScript's String(number) for the values messages show.
func numText(n float64) string {
	switch {
	case math.IsNaN(n):
		return "NaN"
	case math.IsInf(n, 1):
		return "Infinity"
	case math.IsInf(n, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// jsString is JavaScript's String(v) for the values a program passes:
// the predicates coerce their argument (['1.2.3.4'] is an IPv4 address).
func jsString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case js.Undefined:
		return "undefined"
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return numText(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil && !isUndefined(e) {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

// describeArg is how Node's ERR_INVALID_ARG_TYPE messages show the value
// received.
func describeArg(v any) string {
	switch x := v.(type) {
	case js.Undefined:
		return "undefined"
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("type string (%s)", inspectValue(x))
	case float64:
		return fmt.Sprintf("type number (%s)", numText(x))
	case bool:
		return fmt.Sprintf("type boolean (%t)", x)
	case []any:
		return "an instance of Array"
	case *SocketAddress:
		return "an instance of SocketAddress"
	case *BlockList:
		return "an instance of BlockList"
	}
	return "an instance of Object"
}

// inspectValue is util.inspect for the primitives messages quote.
func inspectValue(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "\\'") + "'"
	case float64:
		return numText(x)
	}
	return describeArg(v)
}

// newServer is net.createServer([options][, connectionListener]) and
// new net.Server(...) (net/createServer, net/Server/constructor): the
// listener is a 'connection' listener.
func (m *Module) newServer(args []any) (any, error) {
	if m.Loop == nil {
		return nil, js.ErrMissing
	}
	opts, _ := js.Arg(args, 0).(map[string]any)
	if _, err := blockListOption(opts); err != nil {
		return nil, err
	}
	srv := NewNetServer(m.Loop, opts)
	if cb := lastCallback(args); cb != nil {
		srv.On("connection", func(a ...any) { cb(a...) })
	}
	return srv, nil
}

// serverClass is the value of net.Server: new net.Server([options][,
// connectionListener]) is net.createServer with the same arguments.
type serverClass struct{ m *Module }

func (serverClass) Get(string) (any, bool)          { return nil, false }
func (serverClass) Call(string, []any) (any, error) { return nil, js.ErrMissing }

// Construct implements js.Constructor.
func (c serverClass) Construct(args []any) (any, error) { return c.m.newServer(args) }

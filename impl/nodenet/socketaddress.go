package nodenet

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nodespec/nodespec/impl/js"
)

// SocketAddress is net.SocketAddress (net/SocketAddress): an address, its
// family, a port and, for IPv6, a flow label. The address is kept in the
// form the probed runtimes print it (lower case, compressed, no zone).
type SocketAddress struct {
	addr      [16]byte // IPv4 as ::ffff:a.b.c.d, so families compare in one space
	family    string   // "ipv4" or "ipv6"
	port      float64
	flowlabel float64
}

// Text is the address as socketaddress.address reads it.
func (s *SocketAddress) Text() string {
	if s.family == "ipv4" {
		return formatIPv4([4]byte(s.addr[12:]))
	}
	return formatIPv6(s.addr)
}

// Get implements js.Object (net/SocketAddress/socketaddress.address ...).
func (s *SocketAddress) Get(name string) (any, bool) {
	switch name {
	case "address":
		return s.Text(), true
	case "family":
		return s.family, true
	case "port":
		return s.port, true
	case "flowlabel":
		return s.flowlabel, true
	case "toJSON":
		return js.Func{Name: name}, true
	}
	return nil, false
}

// Call implements js.Object.
func (s *SocketAddress) Call(name string, _ []any) (any, error) {
	if name == "toJSON" {
		return map[string]any{"address": s.Text(), "family": s.family, "port": s.port, "flowlabel": s.flowlabel}, nil
	}
	return nil, js.ErrMissing
}

// inspect is how Node's messages show a SocketAddress (util.inspect).
func (s *SocketAddress) inspect() string {
	return fmt.Sprintf("SocketAddress { address: '%s', port: %s, family: '%s', flowlabel: %s }",
		s.Text(), numText(s.port), s.family, numText(s.flowlabel))
}

// errInvalidAddress is what every probed Node release throws for an
// address its family does not parse.
func errInvalidAddress() *js.Error {
	return &js.Error{Name: "Error", Code: "ERR_INVALID_ADDRESS", Message: "Invalid socket address"}
}

// familyOf checks a family value (net/SocketAddress/constructor: 'ipv4'
// or 'ipv6'; the probed releases accept any letter case).
func familyOf(v any) (string, error) {
	if _, undef := v.(js.Undefined); undef {
		return "ipv4", nil
	}
	if s, ok := v.(string); ok {
		if f := strings.ToLower(s); f == "ipv4" || f == "ipv6" {
			return f, nil
		}
	}
	return "", js.TypeError("ERR_INVALID_ARG_VALUE", "The property 'options.family' is invalid. Received %s", inspectValue(v))
}

// NewSocketAddress is `new net.SocketAddress([options])`. The order of the
// checks and their messages are Node 22-26's (the docs give only types and
// defaults).
func NewSocketAddress(opt any) (*SocketAddress, error) {
	var o map[string]any
	switch x := opt.(type) {
	case js.Undefined:
		o = map[string]any{}
	case map[string]any:
		o = x
	default:
		if _, isSA := opt.(*SocketAddress); !isSA {
			return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options\" argument must be of type object. Received %s", describeArg(opt))
		}
		o = map[string]any{}
	}
	get := func(k string) any {
		if v, ok := o[k]; ok {
			return v
		}
		return js.Undefined{}
	}
	family, err := familyOf(get("family"))
	if err != nil {
		return nil, err
	}
	sa := &SocketAddress{family: family}
	address := get("address")
	if _, undef := address.(js.Undefined); undef {
		// The docs' defaults: 127.0.0.1 for ipv4, :: for ipv6.
		address = map[string]string{"ipv4": "127.0.0.1", "ipv6": "::"}[family]
	}
	text, ok := address.(string)
	if !ok {
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options.address\" property must be of type string. Received %s", describeArg(address))
	}
	if port := get("port"); !isUndefined(port) {
		p, err := validPort(port)
		if err != nil {
			return nil, err
		}
		sa.port = p
	}
	if family == "ipv6" {
		if fl := get("flowlabel"); !isUndefined(fl) {
			n, ok := fl.(float64)
			if !ok {
				return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options.flowlabel\" property must be of type number. Received %s", describeArg(fl))
			}
			if n != math.Trunc(n) {
				return nil, rangeError("ERR_OUT_OF_RANGE", "The value of \"options.flowlabel\" is out of range. It must be an integer. Received %s", numText(n))
			}
			if n < 0 || n > 4294967295 {
				return nil, rangeError("ERR_OUT_OF_RANGE", "The value of \"options.flowlabel\" is out of range. It must be >= 0 && <= 4294967295. Received %s", numText(n))
			}
			sa.flowlabel = n
		}
		a, _, ok := parseIPv6(text)
		if !ok {
			return nil, errInvalidAddress()
		}
		sa.addr = a
		return sa, nil
	}
	v4, ok := parseIPv4(text)
	if !ok {
		return nil, errInvalidAddress()
	}
	sa.addr = mapped(v4)
	return sa, nil
}

func mapped(v4 [4]byte) [16]byte {
	var a [16]byte
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], v4[:])
	return a
}

// validPort: a port is a number or a numeric string (Node 22-26 coerce
// '80'; Node 20 aborts on a string, recorded as a failing case), an
// integer from 0 to 65535.
func validPort(v any) (float64, error) {
	bad := func() error {
		return rangeError("ERR_SOCKET_BAD_PORT", "options.port should be >= 0 and < 65536. Received %s.", describeArg(v))
	}
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case string:
		var ok bool
		if n, ok = jsNumber(x); !ok || strings.TrimSpace(x) == "" {
			return 0, bad()
		}
	default:
		return 0, bad()
	}
	if n != math.Trunc(n) || n < 0 || n > 65535 {
		return 0, bad()
	}
	return n, nil
}

// jsNumber is JavaScript's Number(string) for the forms a port takes:
// surrounding whitespace, decimal, or 0x/0o/0b integers.
func jsNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if len(s) > 2 && s[0] == '0' {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
		if base != 0 {
			n, err := strconv.ParseUint(s[2:], base, 64)
			return float64(n), err == nil
		}
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// ParseSocketAddress is SocketAddress.parse(input) (net/SocketAddress/
// SocketAddress.parse): "host[:port]" with an IPv6 host in brackets;
// anything else is undefined. Node 22-26 read the input as the authority
// of an http URL, which the probes show: a port of 80 (http's default)
// reads 0, and an IPv4 host may be written as a URL allows it (01.2.3.4
// is 1.2.3.4).
func ParseSocketAddress(args []any) (any, error) {
	in, ok := js.Arg(args, 0).(string)
	if !ok {
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"input\" argument must be of type string. Received %s", describeArg(js.Arg(args, 0)))
	}
	host, port, family := in, "", "ipv4"
	if strings.HasPrefix(in, "[") {
		end := strings.IndexByte(in, ']')
		if end < 0 {
			return js.Undefined{}, nil
		}
		host, family = in[1:end], "ipv6"
		rest := in[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return js.Undefined{}, nil
			}
			port = rest[1:]
		}
		if strings.Contains(host, "%") {
			return js.Undefined{}, nil // a URL host has no zone
		}
	} else if i := strings.LastIndexByte(in, ':'); i >= 0 {
		host, port = in[:i], in[i+1:]
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return js.Undefined{}, nil
		}
	}
	p := 0.0
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 32)
		if err != nil || n > 65535 {
			return js.Undefined{}, nil
		}
		if n != 80 {
			p = float64(n)
		}
	}
	if family == "ipv4" {
		v4, ok := urlIPv4(host)
		if !ok {
			return js.Undefined{}, nil
		}
		host = formatIPv4(v4)
	}
	sa, err := NewSocketAddress(map[string]any{"address": host, "family": family, "port": p})
	if err != nil {
		return js.Undefined{}, nil
	}
	return sa, nil
}

// urlIPv4 reads an IPv4 host the way a URL does: one to four parts, each
// decimal, 0x hex or 0-prefixed octal, the last filling the remaining bytes.
func urlIPv4(h string) ([4]byte, bool) {
	var out [4]byte
	h = strings.TrimSuffix(h, ".")
	parts := strings.Split(h, ".")
	if h == "" || len(parts) > 4 {
		return out, false
	}
	var nums []uint64
	for _, p := range parts {
		base, digits := 10, p
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		n := uint64(0)
		if digits != "" {
			var err error
			if n, err = strconv.ParseUint(digits, base, 64); err != nil {
				return out, false
			}
		}
		nums = append(nums, n)
	}
	last := nums[len(nums)-1]
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return out, false
		}
		v |= n << (8 * (3 - i))
	}
	if last >= 1<<(8*(5-len(nums))) {
		return out, false
	}
	v |= last
	out[0], out[1], out[2], out[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	return out, true
}

// socketAddressClass is the value of net.SocketAddress: a constructor
// with the static parse.
type socketAddressClass struct{}

func (socketAddressClass) Get(name string) (any, bool) {
	if name == "parse" {
		return js.Func{Name: name}, true
	}
	return nil, false
}

func (socketAddressClass) Call(name string, args []any) (any, error) {
	if name == "parse" {
		return ParseSocketAddress(args)
	}
	return nil, js.ErrMissing
}

// Construct implements js.Constructor.
func (socketAddressClass) Construct(args []any) (any, error) {
	return NewSocketAddress(js.Arg(args, 0))
}

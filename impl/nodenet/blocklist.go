package nodenet

import (
	"bytes"
	"math"
	"strconv"

	"github.com/nodespec/nodespec/impl/js"
)

// BlockList is net.BlockList (net/BlockList): rules on single addresses,
// ranges and subnets. Every address is held in IPv6 form (IPv4 as
// ::ffff:a.b.c.d), so an IPv4 rule matches the IPv4-mapped IPv6 spelling
// of its address and the other way round, as the docs' example shows.
type BlockList struct {
	rules []rule
}

type ruleKind int

// The order of the kinds is the order rules lists them in (Node 24-26).
const (
	kindAddress ruleKind = iota
	kindSubnet
	kindRange
)

type rule struct {
	kind     ruleKind
	from, to [16]byte // the addresses matched, inclusive
	text     string
}

// Get implements js.Object.
func (b *BlockList) Get(name string) (any, bool) {
	switch name {
	case "addAddress", "addRange", "addSubnet", "check":
		return js.Func{Name: name}, true
	case "rules":
		return b.ruleTexts(), true
	}
	return nil, false
}

// ruleTexts is blockList.rules (net/BlockList/blockList.rules): a fresh
// array each read. The docs give no order; Node 24-26 list addresses,
// then subnets, then ranges, the newest first within each kind (Node 20
// and 22 list all the newest first, recorded as their divergence).
func (b *BlockList) ruleTexts() []any {
	out := []any{}
	for k := kindAddress; k <= kindRange; k++ {
		for i := len(b.rules) - 1; i >= 0; i-- {
			if b.rules[i].kind == k {
				out = append(out, b.rules[i].text)
			}
		}
	}
	return out
}

// Call implements js.Object.
func (b *BlockList) Call(name string, args []any) (any, error) {
	switch name {
	case "addAddress":
		return js.Undefined{}, b.addAddress(args)
	case "addRange":
		return js.Undefined{}, b.addRange(args)
	case "addSubnet":
		return js.Undefined{}, b.addSubnet(args)
	case "check":
		return b.check(args)
	}
	return nil, js.ErrMissing
}

// toAddress turns a string or SocketAddress argument into a SocketAddress:
// the string's type is checked under the argument's name, the family's type
// as "family", then the SocketAddress constructor checks the rest (a
// SocketAddress argument brings its own family).
func toAddress(v any, argName string, family any) (*SocketAddress, error) {
	if sa, ok := v.(*SocketAddress); ok {
		return sa, nil
	}
	if _, ok := v.(string); !ok {
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type string. Received %s", argName, describeArg(v))
	}
	if err := familyType(family); err != nil {
		return nil, err
	}
	return NewSocketAddress(map[string]any{"address": v, "family": family})
}

func familyType(v any) error {
	switch v.(type) {
	case js.Undefined, string:
		return nil
	}
	return js.TypeError("ERR_INVALID_ARG_TYPE", "The \"family\" argument must be of type string. Received %s", describeArg(v))
}

func familyLabel(sa *SocketAddress) string {
	if sa.family == "ipv6" {
		return "IPv6"
	}
	return "IPv4"
}

func (b *BlockList) addAddress(args []any) error {
	sa, err := toAddress(js.Arg(args, 0), "address", js.Arg(args, 1))
	if err != nil {
		return err
	}
	b.rules = append(b.rules, rule{kind: kindAddress, from: sa.addr, to: sa.addr,
		text: "Address: " + familyLabel(sa) + " " + sa.Text()})
	return nil
}

func (b *BlockList) addRange(args []any) error {
	start, err := toAddress(js.Arg(args, 0), "start", js.Arg(args, 2))
	if err != nil {
		return err
	}
	end, err := toAddress(js.Arg(args, 1), "end", js.Arg(args, 2))
	if err != nil {
		return err
	}
	if bytes.Compare(start.addr[:], end.addr[:]) > 0 {
		return js.TypeError("ERR_INVALID_ARG_VALUE", "The argument 'start' must come before end. Received %s", start.inspect())
	}
	b.rules = append(b.rules, rule{kind: kindRange, from: start.addr, to: end.addr,
		text: "Range: " + familyLabel(start) + " " + start.Text() + "-" + end.Text()})
	return nil
}

// addSubnet: the prefix is checked after the network address (the probes
// show an invalid address reported before a bad prefix), against 32 or
// 128 by the network's family (net/BlockList/blockList.addSubnet).
func (b *BlockList) addSubnet(args []any) error {
	sa, err := toAddress(js.Arg(args, 0), "network", js.Arg(args, 2))
	if err != nil {
		return err
	}
	prefix := js.Arg(args, 1)
	p, ok := prefix.(float64)
	if !ok {
		return js.TypeError("ERR_INVALID_ARG_TYPE", "The \"prefix\" argument must be of type number. Received %s", describeArg(prefix))
	}
	max := 32.0
	if sa.family == "ipv6" {
		max = 128
	}
	if p != math.Trunc(p) || math.IsNaN(p) {
		return rangeError("ERR_OUT_OF_RANGE", "The value of \"prefix\" is out of range. It must be an integer. Received %s", numText(p))
	}
	if p < 0 || p > max {
		return rangeError("ERR_OUT_OF_RANGE", "The value of \"prefix\" is out of range. It must be >= 0 && <= %s. Received %s", numText(max), numText(p))
	}
	bits := int(p)
	if sa.family == "ipv4" {
		bits += 96 // the mapped form's fixed part
	}
	from, to := sa.addr, sa.addr
	for i := bits; i < 128; i++ {
		from[i/8] &^= 0x80 >> (i % 8)
		to[i/8] |= 0x80 >> (i % 8)
	}
	b.rules = append(b.rules, rule{kind: kindSubnet, from: from, to: to,
		text: "Subnet: " + familyLabel(sa) + " " + sa.Text() + "/" + strconv.Itoa(int(p))})
	return nil
}

// check: the argument types are checked as in the add methods; an address
// its family does not parse, or a family outside the two, matches nothing
// (Node 20-22; Node 24-26 read an unknown family as ipv6, recorded).
func (b *BlockList) check(args []any) (any, error) {
	v, family := js.Arg(args, 0), js.Arg(args, 1)
	sa, isSA := v.(*SocketAddress)
	if !isSA {
		if _, ok := v.(string); !ok {
			return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"address\" argument must be of type string. Received %s", describeArg(v))
		}
		if err := familyType(family); err != nil {
			return nil, err
		}
		var err error
		if sa, err = NewSocketAddress(map[string]any{"address": v, "family": family}); err != nil {
			return false, nil
		}
	}
	for _, r := range b.rules {
		if bytes.Compare(r.from[:], sa.addr[:]) <= 0 && bytes.Compare(sa.addr[:], r.to[:]) <= 0 {
			return true, nil
		}
	}
	return false, nil
}

// blockListClass is the value of net.BlockList: a constructor with the
// static isBlockList (net/BlockList/BlockList.isBlockList).
type blockListClass struct{}

func (blockListClass) Get(name string) (any, bool) {
	if name == "isBlockList" {
		return js.Func{Name: name}, true
	}
	return nil, false
}

func (blockListClass) Call(name string, args []any) (any, error) {
	if name == "isBlockList" {
		_, ok := js.Arg(args, 0).(*BlockList)
		return ok, nil
	}
	return nil, js.ErrMissing
}

// Construct implements js.Constructor: the constructor takes no options.
func (blockListClass) Construct([]any) (any, error) { return &BlockList{}, nil }

// blockListOption reads options.blockList of net.connect and
// net.createServer (net/Socket/socket.connect.options, net/createServer):
// a falsy value (absent, undefined, null, false, 0, the empty string) is
// none; anything else but a BlockList is refused (observed on Node 22-26,
// whose message reads "must be an net.BlockList").
func blockListOption(opts map[string]any) (*BlockList, error) {
	switch v := opts["blockList"].(type) {
	case *BlockList:
		return v, nil
	case nil, js.Undefined:
		return nil, nil
	case bool, float64, string:
		if v == false || v == "" || v == float64(0) || v != v {
			return nil, nil
		}
	}
	v := opts["blockList"]
	return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options.blockList\" property must be an net.BlockList. Received %s", describeArg(v))
}

// blocks reports whether the list holds the address ip (a literal IPv4 or
// IPv6 address), as check(ip, family) would.
func (b *BlockList) blocks(ip string) bool {
	if b == nil {
		return false
	}
	fam := "ipv4"
	if IsIP(ip) == 6 {
		fam = "ipv6"
	}
	v, err := b.check([]any{ip, fam})
	return err == nil && v == true
}

// errIPBlocked is the error of a connect to an address the socket's
// blockList holds (observed on Node 22-26: 'connectionAttempt', then this
// error and close(true), nothing dialled).
func errIPBlocked(ip string) *js.Error {
	return &js.Error{Name: "Error", Code: "ERR_IP_BLOCKED", Message: "IP(" + ip + ") is blocked by net.BlockList"}
}

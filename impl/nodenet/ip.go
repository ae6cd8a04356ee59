package nodenet

import (
	"strconv"
	"strings"
)

// net/isIP, net/isIPv4, net/isIPv6: the docs accept IPv4 only in
// dot-decimal notation without leading zeroes, and IPv6 in its textual
// forms. What the docs leave open was probed on Node 20-26: an IPv6 address
// may end in an embedded dot-decimal IPv4 address and carry a zone after
// '%' (letters, digits, '.', ':', '-'; never empty); no surrounding
// whitespace, brackets or prefix length is allowed.

// parseIPv4 reads strict dot-decimal IPv4: four parts 0-255, no leading
// zeroes, nothing else.
func parseIPv4(s string) ([4]byte, bool) {
	var out [4]byte
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return out, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return out, false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return out, false
			}
		}
		n, _ := strconv.Atoi(p)
		if n > 255 {
			return out, false
		}
		out[i] = byte(n)
	}
	return out, true
}

// zoneChar is what a probed runtime accepts after '%'.
func zoneChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '-'
}

// parseIPv6 reads an IPv6 address (with an optional zone, which it
// returns apart) into its 16 bytes.
func parseIPv6(s string) (addr [16]byte, zone string, ok bool) {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		zone = s[i+1:]
		if zone == "" {
			return addr, "", false
		}
		for _, c := range zone {
			if !zoneChar(c) {
				return addr, "", false
			}
		}
		s = s[:i]
	}
	// An embedded IPv4 address takes the last two groups.
	var tail []byte
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Contains(s[i+1:], ".") {
		v4, ok := parseIPv4(s[i+1:])
		if !ok {
			return addr, "", false
		}
		tail = v4[:]
		s = s[:i+1]
		if strings.HasSuffix(s, "::") {
			// "::1.2.3.4": the '::' stays whole
		} else {
			s = s[:len(s)-1] // drop the separator before the IPv4 part
		}
	}
	groups := 8 - len(tail)/2
	var head, rest []string
	double := strings.Index(s, "::")
	if double >= 0 {
		if strings.Contains(s[double+2:], "::") {
			return addr, "", false
		}
		if l := s[:double]; l != "" {
			head = strings.Split(l, ":")
		}
		if r := s[double+2:]; r != "" {
			rest = strings.Split(r, ":")
		}
		if len(head)+len(rest) >= groups {
			return addr, "", false // '::' must stand for at least one group
		}
	} else {
		if s == "" {
			return addr, "", false
		}
		head = strings.Split(s, ":")
		if len(head) != groups {
			return addr, "", false
		}
	}
	var words []uint16
	for _, g := range head {
		w, ok := hexGroup(g)
		if !ok {
			return addr, "", false
		}
		words = append(words, w)
	}
	if double >= 0 {
		for i := len(head) + len(rest); i < groups; i++ {
			words = append(words, 0)
		}
	}
	for _, g := range rest {
		w, ok := hexGroup(g)
		if !ok {
			return addr, "", false
		}
		words = append(words, w)
	}
	for i, w := range words {
		addr[2*i], addr[2*i+1] = byte(w>>8), byte(w)
	}
	copy(addr[16-len(tail):], tail)
	return addr, zone, true
}

func hexGroup(g string) (uint16, bool) {
	if g == "" || len(g) > 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(g, 16, 16)
	return uint16(n), err == nil
}

// formatIPv6 is the canonical text of an address (RFC 5952: lower case,
// the longest run of two or more zero groups as '::', the IPv4-mapped
// range with a dotted tail), as the probed runtimes print it.
func formatIPv6(a [16]byte) string {
	if isMapped(a) {
		return "::ffff:" + formatIPv4([4]byte(a[12:]))
	}
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	var sb strings.Builder
	for i := 0; i < 8; i++ {
		if i == best {
			sb.WriteString("::")
			i += bestLen - 1
			continue
		}
		if sb.Len() > 0 && !strings.HasSuffix(sb.String(), ":") {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(w[i]), 16))
	}
	return sb.String()
}

func formatIPv4(a [4]byte) string {
	return strconv.Itoa(int(a[0])) + "." + strconv.Itoa(int(a[1])) + "." + strconv.Itoa(int(a[2])) + "." + strconv.Itoa(int(a[3]))
}

// isMapped: ::ffff:a.b.c.d, an IPv4 address in IPv6 notation.
func isMapped(a [16]byte) bool {
	for _, b := range a[:10] {
		if b != 0 {
			return false
		}
	}
	return a[10] == 0xff && a[11] == 0xff
}

// IsIP is net.isIP on a string: 4, 6 or 0.
func IsIP(s string) int {
	if _, ok := parseIPv4(s); ok {
		return 4
	}
	if _, _, ok := parseIPv6(s); ok {
		return 6
	}
	return 0
}

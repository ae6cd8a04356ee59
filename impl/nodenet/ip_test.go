package nodenet

import "testing"

// The table is what Node 20-26 answered (net/isIP), so ref's parser is
// checked without a runtime.
func TestIsIP(t *testing.T) {
	for in, want := range map[string]int{
		"::1": 6, "127.0.0.1": 4, "127.000.000.001": 0, "01.2.3.4": 0, "256.0.0.1": 0,
		"1.2.3": 0, "1.2.3.4.5": 0, " 1.2.3.4": 0, "": 0, "::": 6, "fe80::1%eth0": 6,
		"fe80::1%": 0, "::ffff:1.2.3.4": 6, "::ffff:01.2.3.4": 0, "1:2:3:4:5:6:7:8": 6,
		"1:2:3:4:5:6:7:8:9": 0, "1:2:3:4:5:6:7::": 6, "1::2::3": 0, ":::": 0,
		"1:2:3:4:5:6:1.2.3.4": 6, "1:2:3:4:5:6:7:1.2.3.4": 0, "[::1]": 0, "00000::1": 0,
		"FE80::ABCD": 6, "::%eth0": 6, "fe80::1%eth0%x": 0, "fe80::1%eth 0": 0,
		"::1:2:3:4:5:6:7": 6, "::1:2:3:4:5:6:7:8": 0, "1:2:3:4:5:6:7:8::": 0, "::1.2.3.4": 6,
		"::1.2.3": 0, "1:2:3:4:5::1.2.3.4": 6, "fe80::1%a/b": 0, "fe80::1%a:b": 6,
	} {
		if got := IsIP(in); got != want {
			t.Errorf("IsIP(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestFormatIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"0:0:0:0:0:0:0:1": "::1", "FE80::A": "fe80::a", "::": "::", "1:0:0:2:0:0:0:3": "1:0:0:2::3",
		"::ffff:7b7b:7b7b": "::ffff:123.123.123.123", "2001:db8::1": "2001:db8::1", "1:2:3:4:5:6:7:0": "1:2:3:4:5:6:7:0",
	} {
		a, _, ok := parseIPv6(in)
		if !ok {
			t.Fatalf("%q does not parse", in)
		}
		if got := formatIPv6(a); got != want {
			t.Errorf("formatIPv6(%q) = %q, want %q", in, got, want)
		}
	}
}

package oracle

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/nodespec/nodespec/fixtures"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExpectAndCompare(t *testing.T) {
	cases, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	var c *fixtures.Case
	for _, x := range cases {
		if x.ID == "dup-cookie-joined" {
			c = x
		}
	}
	if c == nil {
		t.Fatal("fixture dup-cookie-joined not found")
	}
	v6, err := Expect(c, "v6")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Expect(c, "v6")
	if err != nil {
		t.Fatal(err)
	}
	if v := Compare(v6, again); v.Status != Pass {
		t.Fatalf("the oracle disagrees with itself: %s", v.Diff)
	}
	// v6 and v14 join duplicate cookies differently: Compare must say so.
	v14, err := Expect(c, "v14")
	if err != nil {
		t.Fatal(err)
	}
	v := Compare(v6, v14)
	if v.Status != Fail || !strings.Contains(v.Diff, "lane req1") {
		t.Fatalf("v6 vs v14: %s %q\n%s", v.Status, v.Reason, v.Diff)
	}
}

package nodenet

import (
	"math"
	"strings"
	"testing"

	"github.com/nodespec/nodespec/impl/js"
)

// A falsy options.blockList is no list (Node 22-26: false, 0 and ” as
// null); anything else but a BlockList is refused with ERR_INVALID_ARG_TYPE.
func TestBlockListOption(t *testing.T) {
	for _, v := range []any{nil, js.Undefined{}, false, float64(0), "", math.NaN()} {
		if b, err := blockListOption(map[string]any{"blockList": v}); b != nil || err != nil {
			t.Errorf("%#v: got %v, %v; want no list, no error", v, b, err)
		}
	}
	for _, v := range []any{true, float64(1), "x", []any{"127.0.0.1"}, map[string]any{}} {
		if _, err := blockListOption(map[string]any{"blockList": v}); err == nil || !strings.Contains(err.Error(), "must be an net.BlockList") {
			t.Errorf("%#v: got %v; want ERR_INVALID_ARG_TYPE", v, err)
		}
	}
	bl := &BlockList{}
	if b, err := blockListOption(map[string]any{"blockList": bl}); b != bl || err != nil {
		t.Errorf("a BlockList: got %v, %v", b, err)
	}
}

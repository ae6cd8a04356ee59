package render

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// Values written by the emitter read back as the same values, and the text
// stays printable ASCII (fixtures/FORMAT.md, Byte rules).
func TestYAMLValueRoundTrip(t *testing.T) {
	for _, v := range []any{
		"plain", "it's", "tab\there", "latin1 \u00e9\u00ff", "nul\x00", "\u2603",
		[]any{"Host", "a", "X", ""},
		map[string]any{"$error": map[string]any{"code": "HPE_X", "message": "Parse Error: a `b`"}, "$ref": "sock1"},
		true, nil, 26.0,
	} {
		text := Value(v)
		for _, c := range []byte(text) {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("%q is written with byte %#x", v, c)
			}
		}
		var back any
		if err := yaml.Unmarshal([]byte(text), &back); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if f, ok := v.(float64); ok {
			v = int(f)
		}
		if !reflect.DeepEqual(back, v) {
			t.Errorf("%s reads back as %#v, want %#v", text, back, v)
		}
	}
}

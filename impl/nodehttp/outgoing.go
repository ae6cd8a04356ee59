package nodehttp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nodespec/nodespec/impl/js"
)

// The header store of an outgoing message (http/OutgoingMessage, through
// http/ServerResponse): names keep the case of their last setting and the
// position of their first, values are kept as given (a number stays a
// number, an array is one line per element on the wire).
//
// The errors and their wording differ by line: Node 6 throws without codes
// and words most of them otherwise (observed; fixtures under
// http/ServerResponse.response.setHeader and neighbours).

type headerEntry struct {
	name  string // as last set
	value any    // string, float64, bool, or []any of those
}

type headerStore struct {
	order   []string // lower-case names, first-set order
	entries map[string]*headerEntry
}

func newHeaderStore() headerStore { return headerStore{entries: map[string]*headerEntry{}} }

func (h *headerStore) set(name string, value any) {
	key := strings.ToLower(name)
	if e, ok := h.entries[key]; ok {
		e.name, e.value = name, value
		return
	}
	h.order = append(h.order, key)
	h.entries[key] = &headerEntry{name: name, value: value}
}

// moveToEnd re-sets a header at the end of the order (Node 22+ do this for
// the names of a raw-array writeHead).
func (h *headerStore) moveToEnd(name string, value any) {
	h.remove(name)
	h.set(name, value)
}

func (h *headerStore) get(name string) (any, bool) {
	e, ok := h.entries[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return e.value, true
}

func (h *headerStore) remove(name string) {
	key := strings.ToLower(name)
	if _, ok := h.entries[key]; !ok {
		return
	}
	delete(h.entries, key)
	for i, k := range h.order {
		if k == key {
			h.order = append(h.order[:i:i], h.order[i+1:]...)
			break
		}
	}
}

// object is getHeaders(): lower-case names and their values.
func (h *headerStore) object() map[string]any {
	out := make(map[string]any, len(h.order))
	for _, k := range h.order {
		out[k] = h.entries[k].value
	}
	return out
}

// lines writes "Name: value\r\n" per value, in order.
func (h *headerStore) lines(sb *strings.Builder) {
	for _, k := range h.order {
		e := h.entries[k]
		if list, ok := e.value.([]any); ok {
			for _, v := range list {
				fmt.Fprintf(sb, "%s: %s\r\n", e.name, js.String(v))
			}
			continue
		}
		fmt.Fprintf(sb, "%s: %s\r\n", e.name, js.String(e.value))
	}
}

// values flattens a header value to its wire strings.
func values(v any) []string {
	if list, ok := v.([]any); ok {
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = js.String(x)
		}
		return out
	}
	return []string{js.String(v)}
}

// checkHeaderName validates a name for setHeader and its kin; what is the
// label in the message ("Header name", "Trailer name").
func (p *Profile) checkHeaderName(name any, what string) error {
	s, ok := name.(string)
	if ok && isToken(s) {
		return nil
	}
	if p.Era == EraV6 {
		return &js.Error{Name: "TypeError", Message: fmt.Sprintf("%s must be a valid HTTP Token [%s]", what, quoteJS(name))}
	}
	return js.TypeError("ERR_INVALID_HTTP_TOKEN", "%s must be a valid HTTP token [%s]", what, quoteJS(name))
}

// checkHeaderValue validates a value: undefined is refused, and so is a
// character outside tab, visible ASCII and latin1 (CR and LF included).
func (p *Profile) checkHeaderValue(name string, value any, what string) error {
	if _, undef := value.(js.Undefined); undef {
		if p.Era == EraV6 {
			return &js.Error{Name: "Error", Message: fmt.Sprintf("\"value\" required in setHeader(\"%s\", value)", name)}
		}
		return js.TypeError("ERR_HTTP_INVALID_HEADER_VALUE", "Invalid value \"undefined\" for header \"%s\"", name)
	}
	for _, v := range values(value) {
		for _, r := range v {
			if !(r == '\t' || r >= 0x20 && r <= 0x7e || r >= 0x80 && r <= 0xff) {
				if p.Era == EraV6 {
					return &js.Error{Name: "TypeError", Message: "The header content contains invalid characters"}
				}
				return js.TypeError("ERR_INVALID_CHAR", "Invalid character in %s content [\"%s\"]", what, name)
			}
		}
	}
	return nil
}

// headersSentError is the error of a header change after the head went out;
// verb is set, remove, append or write.
func (p *Profile) headersSentError(verb string) error {
	if p.Era == EraV6 {
		switch verb {
		case "remove":
			return &js.Error{Name: "Error", Message: "Can't remove headers after they are sent"}
		default:
			return &js.Error{Name: "Error", Message: "Can't set headers after they are sent."}
		}
	}
	return &js.Error{Name: "Error", Code: "ERR_HTTP_HEADERS_SENT",
		Message: fmt.Sprintf("Cannot %s headers after they are sent to the client", verb)}
}

// nameArg checks the name argument of getHeader / hasHeader / removeHeader
// (v14+: a string; Node 6 takes anything).
func (p *Profile) nameArg(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if p.Era == EraV6 {
		return js.String(v), nil
	}
	return "", js.TypeError("ERR_INVALID_ARG_TYPE", "The \"name\" argument must be of type string. Received %s", describeArg(v))
}

// describeArg is how Node's argument errors show a received value.
func describeArg(v any) string {
	switch x := v.(type) {
	case js.Undefined:
		return "undefined"
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("type string ('%s')", x)
	case float64:
		return fmt.Sprintf("type number (%s)", js.String(x))
	case bool:
		return fmt.Sprintf("type boolean (%s)", js.String(x))
	}
	return "an instance of Object"
}

// sortedKeys: a program's objects reach both targets with their keys in
// byte order (they travel as JSON from Go), so that is the order here too.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

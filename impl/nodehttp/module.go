package nodehttp

import (
	"strconv"

	"github.com/nodespec/nodespec/impl/loop"
	"github.com/nodespec/nodespec/impl/nodenet"

	"github.com/nodespec/nodespec/impl/js"
)

// Module is the `http` module object of one profile.
type Module struct {
	Profile *Profile
	Loop    *loop.Loop // for servers a program creates itself

	global  *Agent                             // http.globalAgent, made when first used
	sockReq map[*nodenet.Socket]*ClientRequest // a client socket's current request (nil while an agent keeps it free)
}

// statusTexts backs http/STATUS_CODES ("every standard status code and its
// short description"; the docs' example is 404 -> Not Found).
var statusTexts = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
	208: "Already Reported", 226: "IM Used",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
	411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
	414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
	417: "Expectation Failed", 418: "I'm a Teapot", 421: "Misdirected Request",
	422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
	426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
	509: "Bandwidth Limit Exceeded", 510: "Not Extended", 511: "Network Authentication Required",
}

func statusText(code int) string {
	if s, ok := statusTexts[code]; ok {
		return s
	}
	return "unknown"
}

// Get implements js.Object.
func (m *Module) Get(name string) (any, bool) {
	switch name {
	case "METHODS":
		return strList(m.Profile.Methods), true
	case "STATUS_CODES":
		out := make(map[string]any, len(statusTexts))
		for k, v := range statusTexts {
			out[strconv.Itoa(k)] = v
		}
		for k, v := range m.Profile.StatusTexts {
			if v == "" {
				delete(out, strconv.Itoa(k))
			} else {
				out[strconv.Itoa(k)] = v
			}
		}
		return out, true
	case "validateHeaderName", "validateHeaderValue":
		if !m.Profile.Validators {
			return nil, false
		}
		return js.Func{Name: name}, true
	case "createServer", "request", "get":
		return js.Func{Name: name}, true
	case "createClient":
		// deprecated since 0.3.6, still in the v6 docs and in Node 6
		// (observed); gone later
		if m.Profile.Era != EraV6 {
			return nil, false
		}
		return js.Func{Name: name}, true
	case "Agent":
		return agentClass{m}, true
	case "OutgoingMessage", "ServerResponse", "IncomingMessage", "ClientRequest":
		// the classes as values: a program reads their names
		return map[string]any{"name": name}, true
	case "globalAgent":
		return m.globalAgent(), true
	case "maxHeaderSize":
		if m.Profile.Era == EraV14 {
			// The v14 docs give http.maxHeaderSize 8KB while giving the
			// server's limit 16 KiB (node 14 reads 16384; recorded).
			return float64(8192), true
		}
		return float64(m.Profile.MaxHeaderSize), true
	}
	return nil, false
}

// Call implements js.Object.
func (m *Module) Call(name string, args []any) (any, error) {
	switch name {
	case "createServer":
		return m.createServer(args)
	case "request", "get":
		return m.request(args, name == "get")
	case "validateHeaderName":
		if !m.Profile.Validators {
			return nil, js.ErrMissing
		}
		return js.Undefined{}, m.validateHeaderName(args)
	case "validateHeaderValue":
		if !m.Profile.Validators {
			return nil, js.ErrMissing
		}
		return js.Undefined{}, validateHeaderValue(args)
	}
	return nil, js.ErrMissing
}

// createServer called by a program (http/createServer) checks its
// arguments as the releases do: v6 takes only a listener function; later
// lines take an options object first. The server it returns is not
// listening and ref names nothing for it.
func (m *Module) createServer(args []any) (any, error) {
	first := js.Arg(args, 0)
	_, isFunc := first.(js.Callback)
	_, isUndef := first.(js.Undefined)
	if m.Profile.Era == EraV6 {
		if !isFunc && !isUndef && first != nil {
			return nil, &js.Error{Name: "TypeError", Message: `"listener" argument must be a function`}
		}
	} else if s, ok := first.(string); ok {
		return nil, js.TypeError("ERR_INVALID_ARG_TYPE", "The \"options\" argument must be of type object. Received type string ('%s')", s)
	}
	if m.Loop == nil {
		return nil, &js.Error{Name: "Error", Message: "ref: createServer needs the module's loop"}
	}
	opts, _ := first.(map[string]any)
	return NewServer(m.Loop, m.Profile, opts)
}

// http/validateHeaderName: a name that is not an HTTP token is a TypeError
// with code ERR_INVALID_HTTP_TOKEN; the message names the label (latest adds
// the label parameter, default "Header name") and the offending name.
func (m *Module) validateHeaderName(args []any) error {
	name, isString := js.Arg(args, 0).(string)
	if isString && isToken(name) {
		return nil
	}
	label := "Header name"
	if l, ok := js.Arg(args, 1).(string); ok && m.Profile.ValidatorLabel {
		label = l
	}
	return js.TypeError("ERR_INVALID_HTTP_TOKEN", "%s must be a valid HTTP token [%s]", label, quoteJS(js.Arg(args, 0)))
}

// http/validateHeaderValue: undefined is ERR_HTTP_INVALID_HEADER_VALUE; a
// character outside tab, visible ASCII and the latin1 upper half is
// ERR_INVALID_CHAR. Both are TypeErrors naming the header.
func validateHeaderValue(args []any) error {
	name := js.String(js.Arg(args, 0))
	value := js.Arg(args, 1)
	if _, undef := value.(js.Undefined); undef {
		return js.TypeError("ERR_HTTP_INVALID_HEADER_VALUE", "Invalid value \"undefined\" for header \"%s\"", name)
	}
	for _, r := range js.String(value) {
		if !(r == '\t' || r >= 0x20 && r <= 0x7e || r >= 0x80 && r <= 0xff) {
			return js.TypeError("ERR_INVALID_CHAR", "Invalid character in header content [\"%s\"]", name)
		}
	}
	return nil
}

// quoteJS renders a value the way the error messages quote it: strings in
// double quotes, other values as their String().
func quoteJS(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return js.String(v)
}

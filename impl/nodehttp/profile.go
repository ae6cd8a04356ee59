// Package nodehttp is the reference implementation of the documented
// behaviour of Node's `http` module, parameterised by doc profile. Every rule
// here cites the doc section it comes from (section ids as in
// fixtures/FORMAT.md); it is written from the docs and from black-box runs,
// not from Node's or llhttp's source.
package nodehttp

import "slices"

// Profile is what one edition of the docs says, where editions differ.
type Profile struct {
	Name string
	// Era is the generation of request parser the profile's releases have
	// (parser.go): the docs are silent on parsing, the releases are the truth.
	Era Era
	// KeepAliveHeader: a kept-alive response says for how long
	// (`Keep-Alive: timeout=5`); Node 6 does not send the header.
	KeepAliveHeader bool

	// http/IncomingMessage/message.headers: duplicates of these are dropped
	// (the first value wins). v6 lists 17 names; v14 and later add `server`.
	Discarded []string
	// Separator for duplicate `cookie` headers: v6 has no cookie rule, so the
	// generic ", " applies; v14 and later join with "; ".
	CookieSeparator string
	// message.headersDistinct / trailersDistinct exist (latest only).
	Distinct bool
	// createServer's joinDuplicateHeaders option is honoured (latest only).
	JoinDuplicateHeaders bool
	// validateHeaderName / validateHeaderValue exist (v14 and later);
	// validateHeaderName takes a label (latest).
	Validators, ValidatorLabel bool
	// requireHostHeader defaults to true (latest): an HTTP/1.1 request
	// without Host is answered 400.
	RequireHost bool
	// http/METHODS: the docs do not enumerate the list; these are the
	// methods the parser of that era's releases accepts (observed).
	Methods []string
	// http/STATUS_CODES: the docs promise the standard codes and give 404
	// as the example; this era's table differs from the current one here
	// ("" removes a code). Observed on the releases of the era.
	StatusTexts map[int]string
	// http/maxHeaderSize, and the parser's limit unless createServer sets
	// one: 8 KiB on Node 6.17.1 (the v6 docs add it in 6.16.0), 16 KiB later.
	MaxHeaderSize int
	// The server's settings and their defaults, observed on the releases;
	// a name missing here is missing on the server (http/Server/server.*).
	// nil is null.
	ServerDefaults map[string]any
}

var discardedV6 = []string{
	"age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
	"if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
	"proxy-authorization", "referer", "retry-after", "user-agent",
}

var methodsV6 = []string{
	"ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
	"M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
	"PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "REBIND", "REPORT", "SEARCH",
	"SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
}

func withSorted(base []string, extra ...string) []string {
	out := append(append([]string{}, base...), extra...)
	slices.Sort(out)
	return out
}

// Profiles by name.
var Profiles = map[string]*Profile{
	"v6": {
		Name:            "v6",
		Era:             EraV6,
		Discarded:       discardedV6,
		CookieSeparator: ", ",
		Methods:         methodsV6,
		StatusTexts:     map[int]string{103: "", 418: "I'm a teapot", 425: "Unordered Collection"},
		MaxHeaderSize:   8192,
		// The v6 docs give maxHeadersCount 1000 by default (Node 6 has no
		// property until set, recorded in mhc-default).
		ServerDefaults: map[string]any{"timeout": float64(120000), "headersTimeout": float64(40000),
			"keepAliveTimeout": float64(5000), "maxHeadersCount": float64(1000)},
	},
	"v14": {
		Name:            "v14",
		Era:             EraV14,
		KeepAliveHeader: true,
		Discarded:       withSorted(discardedV6, "server"),
		CookieSeparator: "; ",
		Validators:      true,
		Methods:         withSorted(methodsV6, "PRI"), // Node 14's parser also takes the HTTP/2 preface method
		MaxHeaderSize:   16384,
		ServerDefaults: map[string]any{"timeout": float64(0), "headersTimeout": float64(60000),
			"requestTimeout": float64(0), "keepAliveTimeout": float64(5000), "maxHeadersCount": nil},
	},
	"latest": {
		Name:                 "latest",
		Era:                  EraLatest,
		KeepAliveHeader:      true,
		Discarded:            withSorted(discardedV6, "server"),
		CookieSeparator:      "; ",
		Distinct:             true,
		JoinDuplicateHeaders: true,
		Validators:           true,
		ValidatorLabel:       true,
		RequireHost:          true,
		Methods:              withSorted(methodsV6, "QUERY"),
		MaxHeaderSize:        16384,
		ServerDefaults: map[string]any{"timeout": float64(0), "headersTimeout": float64(60000),
			"requestTimeout": float64(300000), "keepAliveTimeout": float64(5000),
			// The latest docs give 2000 (the releases read null and limit
			// at 1000; recorded in mhc-default and mhc-default-1001).
			"maxHeadersCount": float64(2000), "maxRequestsPerSocket": float64(0)},
	},
}

func (p *Profile) discards(name string) bool { return slices.Contains(p.Discarded, name) }

package specs

// http.IncomingMessage: how a server parses a request into headers,
// trailers, version, method, url and completeness.
var _ = group("http/IncomingMessage/")

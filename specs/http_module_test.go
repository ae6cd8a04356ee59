package specs

// Module-level members of http: METHODS, STATUS_CODES, createServer
// options, validateHeaderName and validateHeaderValue. Declared after the
// class groups, so it takes only what they leave.
var _ = group("http/")

package main

import "testing"

func TestDerive(t *testing.T) {
	for _, c := range []struct {
		mod, title, kind, class, member string
		params                          string
	}{
		{"http", "HTTP", "module", "", "", ""},
		{"net", "Net", "module", "", "", ""},
		{"http", "Class: http.IncomingMessage", "class", "IncomingMessage", "", ""},
		{"http", "Class: `http.Agent`", "class", "Agent", "", ""},
		{"net", "Class: `net.BlockList`", "class", "BlockList", "", ""},
		{"http", "message.headers", "property", "", "message.headers", ""},
		{"http", "`message.headers`", "property", "", "message.headers", ""},
		{"http", "http.METHODS", "property", "", "METHODS", ""},
		{"http", "`http.STATUS_CODES`", "property", "", "STATUS_CODES", ""},
		{"http", "http.createServer([options][, requestListener])", "method", "", "createServer", "[options][, requestListener]"},
		{"http", "http.validateHeaderName(name[, label])", "method", "", "validateHeaderName", "name[, label]"},
		{"http", "http.validateHeaderValue(name, value)", "method", "", "validateHeaderValue", "name, value"},
		{"http", "request.abort()", "method", "", "request.abort", ""},
		{"http", "response.writeHead(statusCode[, statusMessage][, headers])", "method", "", "response.writeHead", "statusCode[, statusMessage][, headers]"},
		{"net", "`BlockList.isBlockList(value)`", "method", "", "BlockList.isBlockList", "value"},
		{"net", "`SocketAddress.parse(input)`", "method", "", "SocketAddress.parse", "input"},
		{"http", "server[Symbol.asyncDispose]()", "method", "", "server.Symbol.asyncDispose", ""},
		{"net", "`server[Symbol.asyncDispose]()`", "method", "", "server.Symbol.asyncDispose", ""},
		{"net", "`net.connect()`", "method", "", "connect", ""},
		{"net", "net.isIPv4(input)", "method", "", "isIPv4", "input"},
		{"http", "new Agent([options])", "constructor", "", "constructor", "[options]"},
		{"net", "`new net.Socket([options])`", "constructor", "", "constructor", "[options]"},
		{"net", "`new net.SocketAddress([options])`", "constructor", "", "constructor", "[options]"},
		{"http", "Event: 'close'", "event", "", "event.close", ""},
		{"http", "Event: `'connect'`", "event", "", "event.connect", ""},
		{"net", "Event: `'connectionAttemptFailed'`", "event", "", "event.connectionAttemptFailed", ""},
		{"http", "Event: close", "event", "", "event.close", ""},
		{"http", "WebSocket", "property", "", "WebSocket", ""},
		{"net", "IPC support", "prose", "", "ipc-support", ""},
		{"net", "Identifying paths for IPC connections", "prose", "", "identifying-paths-for-ipc-connections", ""},
		{"http", "  What's new: HTTP/1.1 & keep-alive!  ", "prose", "", "what-s-new-http-1-1-keep-alive", ""},
		{"http", "http.get(url[, options][, callback])", "method", "", "get", "url[, options][, callback]"},
		{"http", "outgoingMessage.setTimeout(msesc[, callback])", "method", "", "outgoingMessage.setTimeout", "msesc[, callback]"},
		{"http", "http", "module", "", "", ""},
	} {
		d := derive(c.mod, c.title)
		if d.kind != c.kind || d.class != c.class || d.member != c.member || d.params != c.params {
			t.Errorf("derive(%q, %q) = %+v, want kind %s class %q member %q params %q",
				c.mod, c.title, d, c.kind, c.class, c.member, c.params)
		}
		if want := c.kind == "method" || (c.kind == "constructor"); d.hasParams != want {
			t.Errorf("derive(%q): hasParams %v", c.title, d.hasParams)
		}
	}
}

func TestFirstParam(t *testing.T) {
	for in, want := range map[string]string{
		"handle[, backlog][, callback]":             "handle",
		"options[, callback]":                       "options",
		"path[, backlog][, callback]":               "path",
		"[port[, host[, backlog]]][, callback]":     "port",
		"[port][, hostname][, backlog][, callback]": "port",
		"...args":        "args",
		"":               "",
		" port [, host]": "port",
	} {
		if got := firstParam(in); got != want {
			t.Errorf("firstParam(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseID(t *testing.T) {
	for _, c := range []struct {
		h    heading
		want string
	}{
		{heading{module: "http", d: derive("http", "HTTP")}, "http"},
		{heading{module: "http", class: "IncomingMessage", d: derive("http", "Class: http.IncomingMessage")}, "http/IncomingMessage"},
		{heading{module: "http", class: "IncomingMessage", d: derive("http", "message.headers")}, "http/IncomingMessage/message.headers"},
		{heading{module: "http", d: derive("http", "http.createServer([options])")}, "http/createServer"},
		{heading{module: "http", class: "Server", d: derive("http", "Event: 'connect'")}, "http/Server/event.connect"},
		{heading{module: "net", d: derive("net", "IPC support")}, "net/ipc-support"},
		{heading{module: "net", class: "Socket", d: derive("net", "new net.Socket([options])")}, "net/Socket/constructor"},
	} {
		if got := c.h.baseID(); got != c.want {
			t.Errorf("baseID of %+v = %q, want %q", c.h.d, got, c.want)
		}
	}
}

package main

import (
	"reflect"
	"testing"
)

const textSnippet = "Node.js v14.14.0 Documentation\n\nTable of Contents\n\n" +
	"HTTP#\n\nIntro with a # in the middle.\n\n" +
	"Class: http.Agent#\n\nText.\n\n" +
	"new Agent([options])#\n\n" +
	"agent.maxSockets#\n\n" +
	"Class: http.ClientRequest#\n\n" +
	"Event: 'abort'#\n\nText.\n\n" +
	"request.path#\n\nrequest.method#\n\n" +
	"  indented line ending in #\n\n" +
	"http.METHODS#\n\nText.\n\n" +
	"http.get(options[, callback])#\n\n" +
	"http.get(url[, options][, callback])#\n\nText.\n\n" +
	"agent.orphan#\n"

func TestParseText(t *testing.T) {
	hs, err := parseText("snippet", []byte(textSnippet))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http<",
		"http/Agent<http",
		"http/Agent/constructor<http/Agent",
		"http/Agent/agent.maxSockets<http/Agent",
		"http/ClientRequest<http",
		"http/ClientRequest/event.abort<http/ClientRequest",
		"http/ClientRequest/request.path<http/ClientRequest",
		"http/ClientRequest/request.method<http/ClientRequest",
		"http/METHODS<http",
		"http/get<http",
		// After a module-level heading the class is closed: a member
		// heading there is module-level too.
		"http/agent.orphan<http",
	}
	if got := ids(t, hs); !reflect.DeepEqual(got, want) {
		t.Errorf("ids:\n got %q\nwant %q", got, want)
	}
	if hs[0].line != 5 || hs[0].title != "HTTP" {
		t.Errorf("module heading %+v", hs[0])
	}
	for _, h := range hs {
		if h.hist != nil {
			t.Errorf("%q: the text form has no history", h.title)
		}
	}
}

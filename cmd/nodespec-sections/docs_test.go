package main

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

// realDocs is ../shared/docs seen from this package's directory.
const realDocs = "../../../shared/docs"

func TestRealDocs(t *testing.T) {
	if _, err := os.Stat(realDocs); err != nil {
		t.Skipf("no docs at %s: %v", realDocs, err)
	}
	r, err := build(realDocs)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]string{
		"http":                                 {"v6", "v14", "latest"},
		"net":                                  {"latest"},
		"http/IncomingMessage/message.headers": {"v6", "v14", "latest"},
		"http/IncomingMessage/message.headersDistinct": {"latest"},
		"http/createServer":                            {"v6", "v14", "latest"},
		"http/get":                                     {"v6", "v14", "latest"},
		"http/METHODS":                                 {"v6", "v14", "latest"},
		"http/validateHeaderName":                      {"v14", "latest"},
		"http/Server/event.connect":                    {"v6", "v14", "latest"},
		"http/Server/server.listen":                    {"v14", "latest"},
		"http/Server/server.listen.port":               {"v6"},
		"http/Server/server.listen.handle":             {"v6"},
		"http/Server/server.Symbol.asyncDispose":       {"latest"},
		"http/ClientRequest/request.destroyed":         {"v14", "latest"},
		"http/createClient":                            {"v6"},
		"net/Socket/event.close":                       {"latest"},
		"net/Server/server.listen":                     {"latest"},
		"net/Server/server.listen.handle":              {"latest"},
		"net/Server/server.listen.options":             {"latest"},
		"net/Server/server.listen.path":                {"latest"},
		"net/Server/server.listen.port":                {"latest"},
		"net/Socket/socket.connect.options":            {"latest"},
		"net/connect.port":                             {"latest"},
		"net/BlockList/BlockList.isBlockList":          {"latest"},
		"net/ipc-support":                              {"latest"},
	} {
		s, ok := r.index.Lookup(id)
		if !ok {
			t.Errorf("%s: missing", id)
		} else if !slices.Equal(s.Profiles, want) {
			t.Errorf("%s: profiles %v, want %v", id, s.Profiles, want)
		}
	}
	if s, _ := r.index.Lookup("http/ClientRequest/request.destroyed"); s.Parent != "http/ClientRequest/request.destroy" {
		t.Errorf("request.destroyed: parent %q (the latest doc nests it under request.destroy)", s.Parent)
	}
	if s, _ := r.index.Lookup("net/Server/server.listen.port"); s.Parent != "net/Server/server.listen" || s.Kind != "method" {
		t.Errorf("net server.listen.port: %+v", s)
	}
	if s, _ := r.index.Lookup("http/get"); s.Titles["latest"] != "http.get(options[, callback]) | http.get(url[, options][, callback])" {
		t.Errorf("http/get alias titles: %q", s.Titles["latest"])
	}
	if s, _ := r.index.Lookup("http/IncomingMessage/message.headers"); !s.Rendered || len(s.History["v6"].Added) == 0 {
		t.Errorf("message.headers: rendered %v, v6 history %+v", s.Rendered, s.History["v6"])
	}
	if s, _ := r.index.Lookup("http/WebSocket"); s.Rendered {
		t.Error("http/WebSocket is not on the rendered page")
	}

	// The generator is deterministic and the committed index is current.
	again, err := build(realDocs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.out, again.out) {
		t.Error("two runs over the same docs gave different bytes")
	}
	committed, err := os.ReadFile("../../fixtures/sections/index.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, r.out) {
		t.Error("fixtures/sections/index.yaml is stale: run make sections")
	}
}

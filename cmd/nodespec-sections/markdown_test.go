package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nodespec/nodespec/fixtures/sections"
)

// ids resolves headings and returns "id<parent" per section.
func ids(t *testing.T, hs []heading) []string {
	t.Helper()
	secs, err := resolve("snippet", hs)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range secs {
		out = append(out, s.id+"<"+s.parentID)
	}
	return out
}

const mdSnippet = "junk line saved with the page\n" +
	"# not-a-module heading before the module is ignored\n" +
	"# HTTP\n\nIntro.\n\n```bash\n# a shell comment, not a heading\n```\n\n" +
	"## Class: `http.Server`\n<!-- YAML\nadded: v0.1.17\n-->\n\nText.\n\n" +
	"### Event: `'close'`\n\nText.\n\n" +
	"### `server.listen()`\n\nText.\n\n" +
	"#### `server.listen(handle[, backlog][, callback])`\n\nText.\n\n" +
	"#### `server.listen([port[, host[, backlog]]][, callback])`\n" +
	"<!-- YAML\nadded: v0.1.90\nchanges:\n  - version:\n    - v20.0.0\n    - v18.17.0\n    pr-url: https://example.org/pull/1\n    description: words we do not keep.\n  - version: v11.0.0\n    description: more words.\ndeprecated: v99.0.0\n-->\n\n" +
	"### `server.timeout`\n\nText.\n\n" +
	"## `http.get(options[, callback])`\n\n" +
	"## `http.get(url[, options][, callback])`\n<!-- YAML\nadded: v0.3.6\n-->\n\nText.\n\n" +
	"## IPC support\n\n### Identifying paths\n\nText.\n"

func TestParseMarkdown(t *testing.T) {
	hs, err := parseMarkdown("snippet", []byte(mdSnippet))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http<",
		"http/Server<http",
		"http/Server/event.close<http/Server",
		"http/Server/server.listen<http/Server",
		"http/Server/server.listen.handle<http/Server/server.listen",
		"http/Server/server.listen.port<http/Server/server.listen",
		"http/Server/server.timeout<http/Server",
		"http/get<http",
		"http/ipc-support<http",
		"http/identifying-paths<http/ipc-support",
	}
	if got := ids(t, hs); !reflect.DeepEqual(got, want) {
		t.Errorf("ids:\n got %q\nwant %q", got, want)
	}
	if hs[0].line != 3 {
		t.Errorf("module heading on line %d, want 3", hs[0].line)
	}
	wantHist := &sections.History{Added: []string{"v0.1.90"}, Deprecated: []string{"v99.0.0"}, Changes: []sections.Change{
		{Versions: []string{"v20.0.0", "v18.17.0"}, PR: "https://example.org/pull/1"},
		{Versions: []string{"v11.0.0"}},
	}}
	if got := hs[5].hist; !reflect.DeepEqual(got, wantHist) {
		t.Errorf("history of %q: %+v, want %+v", hs[5].title, got, wantHist)
	}
	if hs[2].hist != nil {
		t.Errorf("%q has no YAML, got history %+v", hs[2].title, hs[2].hist)
	}
	secs, _ := resolve("snippet", hs)
	get := secs[7]
	if get.title() != "http.get(options[, callback]) | http.get(url[, options][, callback])" || get.hist == nil || get.hist.Added[0] != "v0.3.6" {
		t.Errorf("alias section: %q %+v", get.title(), get.hist)
	}
}

func TestParseMarkdownBadHistory(t *testing.T) {
	_, err := parseMarkdown("bad.md", []byte("# Net\n\n## `net.isIP(input)`\n<!-- YAML\nadded: [v1\n-->\n"))
	if err == nil || !strings.Contains(err.Error(), "bad.md:4") {
		t.Errorf("want an error at bad.md:4, got %v", err)
	}
}

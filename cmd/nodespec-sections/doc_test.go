package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestResolveOverloadsAndCollisions(t *testing.T) {
	md := "# Net\n\n## `net.connect()`\n\nText.\n\n" +
		"### `net.connect(options[, connectListener])`\n\nText.\n\n" +
		"### `net.connect(path[, connectListener])`\n\nText.\n\n" +
		"### `net.connect(port[, host][, connectListener])`\n\nText.\n"
	hs, err := parseMarkdown("net.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"net<", "net/connect<net", "net/connect.options<net/connect", "net/connect.path<net/connect", "net/connect.port<net/connect"}
	if got := ids(t, hs); !reflect.DeepEqual(got, want) {
		t.Errorf("ids %q, want %q", got, want)
	}

	// Two overloads with the same first parameter cannot be told apart.
	bad := "# Net\n\n## `net.connect(port)`\n\nText.\n\n## `net.connect(port, host)`\n\nText.\n"
	hs, _ = parseMarkdown("bad.md", []byte(bad))
	_, err = resolve("bad.md", hs)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "line 7") {
		t.Errorf("want an error naming lines 3 and 7, got %v", err)
	}

	// Same id with text between and no parameters: a collision, not an alias.
	dup := "# HTTP\n\n## `http.METHODS`\n\nText.\n\n## `http.METHODS`\n"
	hs, _ = parseMarkdown("dup.md", []byte(dup))
	if _, err := resolve("dup.md", hs); err == nil {
		t.Error("want a collision error for a repeated property heading")
	}
}

package main

import (
	"bufio"
	"bytes"
	"strings"
)

// parseText reads a doc rendered to plain text (v14 http). A heading is a
// line ending in the "#" anchor the page put after every heading; levels
// are lost and there is no history. Nesting is rebuilt from what headings
// say: "Class: ..." opens a class, and the module heading, a heading named
// "<module>.something" or a prose heading closes it. (The last means a
// prose heading inside a class would be read as module-level; the v14 http
// doc has none.)
func parseText(_ string, data []byte) ([]heading, error) {
	var hs []heading
	module, modIdx, classIdx, text := "", -1, -1, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasSuffix(line, "#") || len(line) < 2 || line[0] == ' ' || line[0] == '\t' {
			if strings.TrimSpace(line) != "" {
				text = true
			}
			continue
		}
		title := cleanTitle(strings.TrimSuffix(line, "#"))
		if mod := moduleOf(title); mod != "" {
			module, modIdx, classIdx = mod, len(hs), -1
		} else if module == "" {
			continue
		}
		h := heading{line: n, title: title, module: module, parent: modIdx, adjacent: len(hs) > 0 && !text}
		h.d = derive(module, title)
		switch {
		case h.d.kind == "module":
			h.parent = -1
		case h.d.kind == "class":
			classIdx, h.class = len(hs), h.d.class
		case h.d.kind == "prose" || strings.HasPrefix(title, module+"."):
			classIdx = -1
		case classIdx >= 0:
			h.parent, h.class = classIdx, hs[classIdx].class
		}
		hs = append(hs, h)
		text = false
	}
	return hs, sc.Err()
}

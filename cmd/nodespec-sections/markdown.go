package main

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/nodespec/nodespec/fixtures/sections"
)

var atxRe = regexp.MustCompile(`^(#{1,6})\s+(.+?)\s*$`)

// parseMarkdown reads a doc in Markdown source form (v6 http; latest net and
// http). Heading levels give the nesting: a heading belongs to the nearest
// shallower one. Anything before the first module heading is ignored (the
// v6 file starts with lines from the page it was saved from), and fenced
// code is skipped, since a comment line in a shell example starts with "#"
// too. The `<!-- YAML ... -->` comment after a heading is its history.
func parseMarkdown(file string, data []byte) ([]heading, error) {
	var hs []heading
	var stack []int // indexes of the open headings, shallowest first
	levels := map[int]int{}
	module, inFence, text := "", false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			inFence, text = !inFence, true
			continue
		}
		if inFence {
			continue
		}
		if strings.HasPrefix(trim, "<!-- YAML") {
			start := n
			var body []string
			for sc.Scan() {
				n++
				if strings.HasPrefix(strings.TrimSpace(sc.Text()), "-->") {
					break
				}
				body = append(body, sc.Text())
			}
			text = true
			if len(hs) == 0 || hs[len(hs)-1].hist != nil {
				continue
			}
			h, err := parseHistory(strings.Join(body, "\n"))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: history: %w", file, start, err)
			}
			hs[len(hs)-1].hist = h
			continue
		}
		m := atxRe.FindStringSubmatch(line)
		if m == nil {
			if trim != "" {
				text = true
			}
			continue
		}
		level, title := len(m[1]), cleanTitle(m[2])
		if mod := moduleOf(title); mod != "" {
			module, stack = mod, nil
		} else if module == "" {
			continue
		}
		for len(stack) > 0 && levels[stack[len(stack)-1]] >= level {
			stack = stack[:len(stack)-1]
		}
		h := heading{line: n, title: title, module: module, parent: -1, adjacent: len(hs) > 0 && !text}
		if len(stack) > 0 {
			h.parent = stack[len(stack)-1]
			h.class = hs[h.parent].class
		}
		h.d = derive(module, title)
		if h.d.kind == "class" {
			h.class = h.d.class
		}
		levels[len(hs)] = level
		stack = append(stack, len(hs))
		hs = append(hs, h)
		text = false
	}
	return hs, sc.Err()
}

// strList is a YAML value that is a scalar or a list of scalars (the docs
// write `added: v1.0.0` and `added: [v1.0.0, v0.9.0]` alike).
type strList []string

func (l *strList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = strList{n.Value}
		return nil
	}
	var s []string
	err := n.Decode(&s)
	*l = s
	return err
}

// parseHistory decodes one YAML history comment. Descriptions are read and
// dropped: the index keeps versions and pull requests, never doc prose.
func parseHistory(src string) (*sections.History, error) {
	var raw struct {
		Added      strList `yaml:"added"`
		Deprecated strList `yaml:"deprecated"`
		Removed    strList `yaml:"removed"`
		Changes    []struct {
			Version strList `yaml:"version"`
			PRURL   strList `yaml:"pr-url"`
		} `yaml:"changes"`
	}
	if err := yaml.Unmarshal([]byte(src), &raw); err != nil {
		return nil, err
	}
	h := &sections.History{Added: raw.Added, Deprecated: raw.Deprecated, Removed: raw.Removed}
	for _, c := range raw.Changes {
		h.Changes = append(h.Changes, sections.Change{Versions: c.Version, PR: strings.Join(c.PRURL, " ")})
	}
	if h.Added == nil && h.Deprecated == nil && h.Removed == nil && h.Changes == nil {
		return nil, nil
	}
	return h, nil
}

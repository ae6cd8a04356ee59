package main

import (
	"regexp"
	"strings"
)

// derived is what a heading's title says about its section, before the
// per-doc passes (aliases, overloads) settle the final id.
type derived struct {
	kind   string // module, class, event, constructor, method, property, prose
	class  string // the class a class heading opens
	member string // the id's last part; empty for module and class headings
	// params is the parameter list without its parentheses; hasParams
	// tells "()" (a method without parameters) from no list at all.
	params    string
	hasParams bool
}

var (
	// A member heading is an identifier path, possibly with [bracketed]
	// parts, and an optional parameter list. Anything with words separated
	// by spaces outside the parentheses is prose.
	memberRe = regexp.MustCompile(`^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[[^\]]+\])*)\s*(?:\((.*)\))?$`)
	nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)
	spaces   = regexp.MustCompile(`\s+`)
)

// cleanTitle is a heading title as the index records it: backticks
// removed, whitespace collapsed and trimmed.
func cleanTitle(s string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(strings.ReplaceAll(s, "`", ""), " "))
}

// moduleOf reports the module a module heading ("HTTP", "Net") opens, or "".
func moduleOf(title string) string {
	switch strings.ToLower(cleanTitle(title)) {
	case "http":
		return "http"
	case "net":
		return "net"
	}
	return ""
}

// derive classifies one heading of module mod. The rules are the project's
// (fixtures/FORMAT.md): the same title gives the same result in every doc
// format, so ids line up across profiles.
func derive(mod, title string) derived {
	t := cleanTitle(title)
	if moduleOf(t) != "" {
		return derived{kind: "module"}
	}
	if rest, ok := cutPrefixFold(t, "Class:"); ok {
		return derived{kind: "class", class: stripModule(mod, strings.TrimSpace(rest))}
	}
	if rest, ok := cutPrefixFold(t, "Event:"); ok {
		return derived{kind: "event", member: "event." + strings.Trim(strings.TrimSpace(rest), `'"`)}
	}
	if rest, ok := strings.CutPrefix(t, "new "); ok && memberRe.MatchString(strings.TrimSpace(rest)) {
		d := member(mod, strings.TrimSpace(rest))
		d.kind, d.member = "constructor", "constructor"
		return d
	}
	if memberRe.MatchString(t) {
		return member(mod, t)
	}
	return derived{kind: "prose", member: slug(t)}
}

// member derives a member heading that matched memberRe.
func member(mod, t string) derived {
	m := memberRe.FindStringSubmatch(t)
	d := derived{kind: "property", member: stripModule(mod, unbracket(m[1]))}
	if strings.Contains(t, "(") {
		d.kind, d.hasParams, d.params = "method", true, strings.TrimSpace(m[2])
	}
	return d
}

// unbracket turns a bracketed member into a dotted one, so the id keeps a
// single separator: server[Symbol.asyncDispose] -> server.Symbol.asyncDispose.
func unbracket(path string) string {
	r := strings.NewReplacer("[", ".", "]", "", "'", "", `"`, "")
	return r.Replace(path)
}

// stripModule drops a leading "http." / "net." so http.createServer and a
// bare createServer give the same member.
func stripModule(mod, s string) string {
	if rest, ok := strings.CutPrefix(s, mod+"."); ok && rest != "" {
		return rest
	}
	return s
}

// firstParam is the name an overload is told apart by: the first name of its
// parameter list, without brackets, spread dots or spaces.
// "[port[, host[, backlog]]][, callback]" -> "port".
func firstParam(params string) string {
	p := strings.NewReplacer("[", "", "]", "", "...", "").Replace(params)
	p, _, _ = strings.Cut(p, ",")
	return strings.Join(strings.Fields(p), "")
}

// slug is a prose heading's member: lowercase words joined by "-".
func slug(t string) string {
	return strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(t), "-"), "-")
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

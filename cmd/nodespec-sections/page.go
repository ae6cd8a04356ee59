package main

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// pageLine is one line of text of the rendered web page.
type pageLine struct {
	line        int
	norm        string // normPage of the line
	headingLike bool   // looks like a heading (see parsePage)
}

var (
	escapeRe   = regexp.MustCompile(`\\([[:punct:]])`)
	wholeCode  = regexp.MustCompile("^`[^`]+`$")
	pageHeadRe = regexp.MustCompile(`^(Class|Event):`)
)

// normPage makes a page line and a source title comparable: the page keeps
// backticks only sometimes and escapes Markdown punctuation ("\("), so both
// lose backticks and backslash escapes, and spaces are collapsed.
func normPage(s string) string {
	s = escapeRe.ReplaceAllString(strings.ReplaceAll(s, "`", ""), "$1")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// parsePage reads the rendered web page of the latest http doc. Its
// headings carry no marker at all, so it is not a source of sections: it
// is only cross-checked against the Markdown source (see matchPage). Lines
// in fenced code are skipped. A line is heading-like when it starts with
// "Class:" or "Event:", is wholly one code span, or is a dotted member or
// call on its own line (a lone identifier such as "or" is not counted).
func parsePage(data []byte) ([]pageLine, error) {
	var out []pageLine
	inFence := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(raw, "```") {
			inFence = !inFence
			continue
		}
		if inFence || raw == "" {
			continue
		}
		norm := normPage(raw)
		like := pageHeadRe.MatchString(norm) || wholeCode.MatchString(raw) ||
			(memberRe.MatchString(norm) && strings.ContainsAny(norm, ".("))
		out = append(out, pageLine{line: n, norm: norm, headingLike: like})
	}
	return out, sc.Err()
}

// matchPage pairs source titles with page lines in document order (a
// longest common subsequence of equal normalised texts), so a title that
// several classes share, like "Event: 'close'", is matched within its own
// class and not by whichever class comes first. It returns, per title,
// the matched page line index or -1.
func matchPage(titles []string, page []pageLine) []int {
	a := make([]string, len(titles))
	for i, t := range titles {
		a[i] = normPage(t)
	}
	// lcs[i][j] = length of the LCS of a[i:] and page[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(page)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(page) - 1; j >= 0; j-- {
			switch {
			case a[i] == page[j].norm:
				lcs[i][j] = lcs[i+1][j+1] + 1
			case lcs[i+1][j] >= lcs[i][j+1]:
				lcs[i][j] = lcs[i+1][j]
			default:
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	at := make([]int, len(a))
	for i, j := 0, 0; i < len(a); {
		switch {
		case j < len(page) && a[i] == page[j].norm:
			at[i] = j
			i, j = i+1, j+1
		case j < len(page) && lcs[i][j+1] >= lcs[i+1][j]:
			j++
		default:
			at[i] = -1
			i++
		}
	}
	return at
}

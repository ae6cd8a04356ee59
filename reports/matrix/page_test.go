package matrix

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/reports"
)

// The synthetic matrix of the page tests: four sections (two modules), seven
// cases, three targets; one failure (headers-dup on node20), one divergence
// (headers-lower on bun), one case that does not apply (complete-chunked on
// node6). complete-cl cites two sections.
const (
	secMethods  = "http/METHODS"
	secHeaders  = "http/IncomingMessage/message.headers"
	secComplete = "http/IncomingMessage/message.complete"
	secNoDelay  = "net/Socket/socket.setNoDelay"

	failDiffLine = `"x-dup": "a, b"`
)

var testFailMessage = strings.Join([]string{
	`case headers-dup (http/IncomingMessage.message.headers/headers-dup.yaml)`,
	`  sections: http/IncomingMessage/message.headers`,
	`  profile:  latest   target: node20`,
	`  note:     duplicate X-Dup headers are joined with ", "`,
	`  sent:     'GET / HTTP/1.1\r\nHost: a\r\nX-Dup: a\r\nX-Dup: b\r\n\r\n'`,
	`FAIL: lane request: the trace differs from the expectation`,
	`lane request:`,
	`  map[string]any{`,
	`- 	"x-dup": "a",`,
	`+ 	` + failDiffLine + `,`,
	`  	"host":  "a",`,
	`  }`,
	``,
}, "\n")

func testMatrix(t testing.TB) *Matrix {
	t.Helper()
	fc := func(id, dir, note string, sections ...string) *fixtures.Case {
		return &fixtures.Case{ID: id, File: "http/" + dir + "/" + id + ".yaml", Note: note,
			Sections: sections, Profiles: []string{"v6", "v14", "latest"}}
	}
	cases := []*fixtures.Case{
		fc("complete-chunked", "IncomingMessage.message.complete", "complete is true once a chunked body has ended", secComplete),
		fc("complete-cl", "IncomingMessage.message.complete", "complete is true after Content-Length bytes", secComplete, secHeaders),
		fc("headers-basic", "IncomingMessage.message.headers", "header names are lower-cased", secHeaders),
		fc("headers-dup", "IncomingMessage.message.headers", `duplicate X-Dup headers are joined with ", "`, secHeaders),
		fc("headers-lower", "IncomingMessage.message.headers", "values keep their case", secHeaders),
		fc("methods-list", "METHODS", "http.METHODS lists the parser's methods, sorted", secMethods),
		fc("nodelay-default", "Socket.socket.setNoDelay", "setNoDelay() with no argument turns Nagle off", secNoDelay),
	}
	cases[0].Profiles = []string{"v14", "latest"}
	cases[4].Divergences = []fixtures.Divergence{{Targets: []string{"bun"}, Note: "Bun lower-cases header values"}}
	cases[6].File = "net/Socket.socket.setNoDelay/nodelay-default.yaml"
	info := map[string]SectionInfo{
		secMethods:  {ID: secMethods, Module: "http", Title: "http.METHODS", Order: 1},
		secHeaders:  {ID: secHeaders, Module: "http", Class: "IncomingMessage", Title: "message.headers", Order: 2},
		secComplete: {ID: secComplete, Module: "http", Class: "IncomingMessage", Title: "message.complete", Order: 3},
		secNoDelay:  {ID: secNoDelay, Module: "net", Class: "Socket", Title: "socket.setNoDelay([noDelay])", Order: 4},
	}
	run := func(name, version, profile string, seconds float64, odd map[string]reports.Result) *reports.Run {
		r := &reports.Run{Target: reports.Target{Name: name, Runtime: strings.TrimRight(name, "0123456789"),
			Version: version, Profiles: []string{profile}}, Seconds: seconds}
		for _, c := range cases {
			res, ok := odd[c.ID]
			if !ok {
				res = reports.Result{Status: reports.Pass}
			}
			res.Case, res.Profile, res.Target = c.ID, profile, name
			r.Results = append(r.Results, res)
		}
		return r
	}
	runs := []*reports.Run{
		run("node6", "6.17.1", "v6", 0.8, map[string]reports.Result{
			"complete-chunked": {Status: reports.NotApplicable, Reason: "the case holds for v14, latest, not for profile v6"},
		}),
		run("node20", "20.20.2", "latest", 1.1, map[string]reports.Result{
			"headers-dup": {Status: reports.Fail, Reason: "lane request: the trace differs from the expectation", Message: testFailMessage},
		}),
		run("bun", "1.3.0", "latest", 1.4, map[string]reports.Result{
			"headers-lower": {Status: reports.Divergent, Reason: "recorded divergence: Bun lower-cases header values"},
		}),
	}
	m, err := Build(cases, runs, func(id string) (SectionInfo, bool) { s, ok := info[id]; return s, ok })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Stale) > 0 {
		t.Fatalf("stale: %v", m.Stale)
	}
	return m
}

func render(t testing.TB, m *Matrix) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, "../../fixtures/"); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestPageEscapesEverything(t *testing.T) {
	m := testMatrix(t)
	c := m.Cases[3] // headers-dup
	r := c.Results["node20"]
	r.Message += "<script>alert('message')</script>\n"
	r.Reason = `"><img src=x onerror=alert(1)>`
	c.Results["node20"] = r
	c.Note = "<b>note</b> & more"
	m.Sections[0].Title = "</title><script>alert('title')</script>"
	page := render(t, m)
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>note</b>", "</title><script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(&#39;message&#39;)&lt;/script&gt;", "&lt;b&gt;note&lt;/b&gt; &amp; more",
		"&lt;/title&gt;&lt;script&gt;alert(&#39;title&#39;)"} {
		if !strings.Contains(page, good) {
			t.Errorf("the page lacks the escaped %q", good)
		}
	}
	// The only script is the page's own.
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script elements, want 1", n)
	}
}

func TestPageIsDeterministic(t *testing.T) {
	first := render(t, testMatrix(t))
	for range 5 {
		// A Matrix built again has new maps, iterated in another order.
		if again := render(t, testMatrix(t)); again != first {
			t.Fatal("two renders of the same matrix differ")
		}
	}
	for _, moving := range []string{"seconds ago", "generated at", "Generated at", "UTC"} {
		if strings.Contains(first, moving) {
			t.Errorf("the page holds %q, which looks like a time", moving)
		}
	}
}

var refAttr = regexp.MustCompile(`(?i)\b(href|src|action|srcset|poster|data)\s*=\s*"([^"]*)"`)

func TestPageLoadsNothingFromElsewhere(t *testing.T) {
	page := render(t, testMatrix(t))
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page names an http(s) URL")
	}
	for _, bad := range []string{"url(", "@import", "<iframe", "<img", "<link rel=\"stylesheet\"", "<script src"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	var fixtureLinks int
	for _, m := range refAttr.FindAllStringSubmatch(page, -1) {
		attr, url := strings.ToLower(m[1]), m[2]
		switch {
		case attr == "href" && url == "data:,": // the empty favicon, so none is fetched
		case attr == "href" && strings.HasPrefix(url, "../../fixtures/") && strings.HasSuffix(url, ".yaml") && !strings.Contains(url, ":"):
			fixtureLinks++
		default:
			t.Errorf("%s=%q: want only relative fixture links", attr, url)
		}
	}
	if want := 8; fixtureLinks != want { // complete-cl is in two sections
		t.Errorf("%d fixture links, want %d", fixtureLinks, want)
	}
}

func TestPageContent(t *testing.T) {
	m := testMatrix(t)
	page := render(t, m)
	for _, want := range []string{
		`id="filter-status"`, `id="filter-module"`, `id="filter-section"`, `id="visible-count"`,
		`id="filter-target-node6"`, `id="filter-target-node20"`, `id="filter-target-bun"`,
		`<option value="http">http</option>`, `<option value="net">net</option>`,
		`<tr class="section" data-section="http/IncomingMessage/message.headers">`,
		`data-case="headers-dup"`,
		`href="../../fixtures/http/IncomingMessage.message.headers/headers-dup.yaml"`,
		`<td class="res" data-target="node20" data-status="fail">`,
		`<td class="res" data-target="bun" data-status="divergent">`,
		`<td class="res" data-target="node6" data-status="n/a">`,
		`data-statuses="pass fail"`,
		`4 of 4 sections, 7 of 7 cases`,
		"recorded divergence: Bun lower-cases header values",
		"the case holds for v14, latest, not for profile v6",
		`<span class="ln del">- 	&#34;x-dup&#34;: &#34;a&#34;,`,
		`<span class="ln sent">  sent:     &#39;GET / HTTP/1.1\r\nHost: a\r\n`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Without JS the whole table is there: nothing is rendered hidden.
	if strings.Contains(page, " hidden>") || strings.Contains(page, " hidden ") {
		t.Error("an element is rendered hidden; only the script may hide rows")
	}
	if got := strings.Count(page, `<tr class="section"`); got != len(m.Sections) {
		t.Errorf("%d section rows, want %d", got, len(m.Sections))
	}
	if got := strings.Count(page, `<tr class="case"`); got != 8 {
		t.Errorf("%d case rows, want 8", got)
	}
}

func TestSectionCellCounts(t *testing.T) {
	m := testMatrix(t)
	var headers *Section
	for _, s := range m.Sections {
		if s.ID == secHeaders {
			headers = s
		}
	}
	cell := newSectionCell(headers, "node20")
	if cell.Class != "fail" || cell.Statuses != "pass fail" || cell.Label != "3 pass, 1 fail" {
		t.Errorf("node20 cell of %s: %+v", secHeaders, cell)
	}
	cell = newSectionCell(headers, "bun")
	if cell.Class != "divergent" || cell.Label != "3 pass, 1 divergent" {
		t.Errorf("bun cell of %s: %+v", secHeaders, cell)
	}
	// A target with no result recorded for a case.
	cell = newSectionCell(headers, "deno")
	if cell.Class != "none" || cell.Label != "4 none" {
		t.Errorf("deno cell of %s: %+v", secHeaders, cell)
	}
}

func TestBreakPoints(t *testing.T) {
	for id, want := range map[string][]string{
		"http":                           {"http"},
		"http/METHODS":                   {"http/", "METHODS"},
		"net/Socket/socket.setNoDelay":   {"net/", "Socket/", "socket", ".setNoDelay"},
		"http/IncomingMessage/message.a": {"http/", "IncomingMessage/", "message", ".a"},
		"http/server.keepAliveTimeout.x": {"http/", "server", ".keepAliveTimeout", ".x"},
	} {
		got := breakPoints(id)
		if strings.Join(got, "") != id || !slices.Equal(got, want) {
			t.Errorf("breakPoints(%q) = %q, want %q", id, got, want)
		}
	}
}

// One divergence note on several targets is one detail block naming them
// all, and each of their cells opens that block.
func TestPageGroupsIdenticalResults(t *testing.T) {
	m := testMatrix(t)
	var c *Case
	for _, x := range m.Cases {
		if x.ID == "headers-lower" {
			c = x
		}
	}
	same := c.Results["bun"]
	same.Target = "node20"
	c.Results["node20"] = same // node20 diverges as bun does, with the same note
	other := same
	other.Target, other.Reason = "node6", "recorded divergence: another note"
	c.Results["node6"] = other
	page := render(t, m)
	start := strings.Index(page, `data-case="headers-lower"`)
	end := strings.Index(page[start:], "</tbody>")
	row := page[start : start+end]
	if n := strings.Count(row, `<details class="msg`); n != 2 {
		t.Errorf("want 2 detail blocks (one shared by node20 and bun, one for node6), got %d:\n%s", n, row)
	}
	shared := regexp.MustCompile(`<details class="msg divergent" data-key="([^"]+)" data-targets="node20 bun"`).FindStringSubmatch(row)
	if shared == nil {
		t.Fatalf("no block shared by node20 and bun:\n%s", row)
	}
	if n := strings.Count(row, `data-open="`+shared[1]+`"`); n != 2 {
		t.Errorf("want the cells of node20 and bun to open %s, %d do", shared[1], n)
	}
	if !strings.Contains(row, `<b class="mono">node20, bun</b>`) {
		t.Errorf("the shared block does not name both targets:\n%s", row)
	}
}

package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nodespec/nodespec/reports"
	"github.com/nodespec/nodespec/targets/registry"
)

// screenshotPath is where TestBrowserMatrixPage leaves a picture of the page:
// reports/out/matrix-page.png from the root of the repository.
const screenshotPath = "../out/matrix-page.png"

// chromium finds Debian's Chromium, or the binary NODESPEC_CHROMIUM names.
// The HTML page is part of what nodespec delivers, so a missing browser fails
// the test: it is not skipped.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NODESPEC_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("NODESPEC_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("Chromium is not installed (no /usr/bin/chromium, no chromium on PATH, NODESPEC_CHROMIUM unset): " +
		"run `make browser` to install Debian's chromium")
	return ""
}

// browser is one headless Chromium with the page helpers the tests share.
// It records every uncaught exception and every request a page makes.
type browser struct {
	t          *testing.T
	ctx        context.Context
	start      time.Time
	launched   time.Duration
	mu         sync.Mutex
	exceptions []string
	requests   []string
}

// newBrowser starts Chromium for the test; it is stopped when the test
// ends. The timeout bounds the whole test, the browser included: it only
// catches a hung browser, and the recorded page's walk grows with the
// suite (52 s for 81 sections on a loaded 2-core machine), so it is
// generous.
func newBrowser(t *testing.T) *browser {
	b := &browser{t: t, start: time.Now()}
	exe := chromium(t)
	dir := t.TempDir() // made before the browser starts, so removed after it stopped
	// A guard against a hung browser, not a speed check: the recorded
	// page's full screenshot alone takes most of a minute on a 2-core
	// machine, and the page grows with every case.
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// This machine's network is closed: without these Chromium keeps
		// trying to reach Google's services.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication"),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		// Chromium leaves its singleton socket directories in TMPDIR.
		chromedp.Env("TMPDIR="+dir),
		chromedp.WindowSize(1400, 1000),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel) // waits for the browser to exit
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.exceptions = append(b.exceptions, text)
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	b.ctx = bctx
	b.launched = time.Since(b.start)
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) eval(what, js string) []string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// load opens a page file and waits for its script to have run.
func (b *browser) load(path string) {
	b.t.Helper()
	b.do("load "+path, chromedp.Navigate("file://"+path),
		chromedp.WaitVisible(chromedp.CSS("#matrix tr.section")),
		chromedp.Poll[chromedp.Void](`document.documentElement.classList.contains('js')`))
}

// visible lists the attr of every element matching sel that is shown.
func (b *browser) visible(sel, attr string) []string {
	b.t.Helper()
	return b.eval("visible "+sel, fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s)).filter(e => e.checkVisibility()).map(e => e.getAttribute(%s))`,
		jsString(sel), jsString(attr)))
}

// choose picks an option of a select as a person would, with a change event.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	got := b.eval("choose "+value+" in "+sel, fmt.Sprintf(
		`(() => { const e = document.querySelector(%s); e.value = %s; e.dispatchEvent(new Event('change', {bubbles: true})); return [e.value]; })()`,
		jsString(sel), jsString(value)))
	if len(got) != 1 || got[0] != value {
		b.t.Fatalf("%s has no option %q (value is %q)", sel, value, got)
	}
}

func (b *browser) count(want string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#visible-count")))
	if err != nil {
		b.t.Fatal(err)
	}
	if got != want {
		b.t.Errorf("visible count %q, want %q", got, want)
	}
}

func (b *browser) expect(what string, got, want []string) {
	b.t.Helper()
	if !slices.Equal(got, want) {
		b.t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// screenshot scrolls to the top (the clicks scrolled the page; the filter
// bar and the table head are sticky) and writes a PNG: the full page, or
// the first screen of it (the recorded page is thousands of rows long, and
// rendering all of them to one picture took most of the test's time).
func (b *browser) screenshot(path string, full bool) int {
	b.t.Helper()
	b.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Poll[chromedp.Void](`window.scrollY === 0`))
	take := chromedp.CaptureScreenshot()
	if full {
		take = chromedp.FullScreenshot(100)
	}
	shot, err := chromedp.Run(b.ctx, take)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return len(shot)
}

// checkClean fails the test if a page threw or asked for anything but
// local files and data URLs.
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.exceptions) > 0 {
		b.t.Errorf("the page threw: %q", b.exceptions)
	}
	for _, u := range b.requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			b.t.Errorf("the page requested %s", u)
		}
	}
}

// TestBrowserMatrixPage loads the page of the synthetic matrix from file://
// in headless Chromium and uses it as a reader would: it filters by status,
// module, section and target, opens a section and a failure, and leaves a
// screenshot of the result.
func TestBrowserMatrixPage(t *testing.T) {
	b := newBrowser(t)
	page := filepath.Join(t.TempDir(), "matrix.html")
	if err := os.WriteFile(page, []byte(render(t, testMatrix(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	b.load(page)
	loaded := time.Since(b.start)
	title, err := chromedp.Run(b.ctx, chromedp.Title())
	if err != nil || title != "nodespec conformance matrix" {
		t.Errorf("title %q, %v", title, err)
	}
	do, visible, choose, count, expect := b.do, b.visible, b.choose, b.count, b.expect
	bctx := b.ctx
	allSections := []string{secMethods, secHeaders, secComplete, secNoDelay}

	expect("section rows", visible("#matrix tr.section", "data-section"), allSections)
	expect("case rows, all sections closed", visible("#matrix tr.case", "data-case"), nil)
	expect("target columns", visible("#matrix thead th[data-target]", "data-target"), []string{"node6", "node20", "bun"})
	count("4 of 4 sections, 7 of 7 cases")

	// status=fail: the one section with a failure, and in it the one case.
	choose("#filter-status", "fail")
	do("status=fail", chromedp.WaitVisible(chromedp.CSS(`tr.case[data-case="headers-dup"]`)))
	expect("sections with a failure", visible("#matrix tr.section", "data-section"), []string{secHeaders})
	expect("cases with a failure", visible("#matrix tr.case", "data-case"), []string{"headers-dup"})
	count("1 of 4 sections, 1 of 7 cases")

	// status=n/a, then divergent; the divergence is on bun only, so with
	// bun's column hidden nothing is left.
	choose("#filter-status", "n/a")
	expect("sections with n/a", visible("#matrix tr.section", "data-section"), []string{secComplete})
	expect("cases with n/a", visible("#matrix tr.case", "data-case"), []string{"complete-chunked"})
	choose("#filter-status", "divergent")
	expect("sections with a divergence", visible("#matrix tr.section", "data-section"), []string{secHeaders})
	count("1 of 4 sections, 1 of 7 cases")
	do("untick bun", chromedp.Click(chromedp.CSS("#filter-target-bun")),
		chromedp.WaitNotVisible(chromedp.CSS(`#matrix thead th[data-target="bun"]`)))
	expect("target columns without bun", visible("#matrix thead th[data-target]", "data-target"), []string{"node6", "node20"})
	expect("bun's cells", visible(`#matrix [data-target="bun"]`, "data-target"), nil)
	expect("divergent sections without bun", visible("#matrix tr.section", "data-section"), nil)
	count("0 of 4 sections, 0 of 7 cases")
	choose("#filter-status", "")
	expect("sections, any status, without bun", visible("#matrix tr.section", "data-section"), allSections)
	if n := len(visible(`#matrix tbody.sec:not([hidden]) [data-target="node20"]`, "data-target")); n == 0 {
		t.Error("node20's cells went with bun's")
	}
	do("tick bun", chromedp.Click(chromedp.CSS("#filter-target-bun")),
		chromedp.WaitVisible(chromedp.CSS(`#matrix thead th[data-target="bun"]`)))

	// module and section.
	choose("#filter-module", "net")
	expect("net's sections", visible("#matrix tr.section", "data-section"), []string{secNoDelay})
	count("1 of 4 sections, 1 of 7 cases")
	choose("#filter-module", "")
	do("type a section", chromedp.SendKeys(chromedp.CSS("#filter-section"), "complete"))
	expect("sections matching complete", visible("#matrix tr.section", "data-section"), []string{secComplete})
	count("1 of 4 sections, 2 of 7 cases")
	do("reset", chromedp.Click(chromedp.CSS("#filter-reset")))
	expect("sections after reset", visible("#matrix tr.section", "data-section"), allSections)
	count("4 of 4 sections, 7 of 7 cases")

	// Open the headers section, then the failure and the divergence in it.
	headers := fmt.Sprintf(`tr.section[data-section=%q]`, secHeaders)
	do("open "+secHeaders, chromedp.Click(chromedp.CSS(headers+" button.tog")),
		chromedp.WaitVisible(chromedp.CSS(`tr.case[data-case="headers-dup"]`)))
	expect("cases of "+secHeaders, visible("#matrix tr.case", "data-case"),
		[]string{"complete-cl", "headers-basic", "headers-dup", "headers-lower"})
	expanded, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(headers+" button.tog"), "aria-expanded"))
	if err != nil || expanded.Value != "true" {
		t.Errorf("aria-expanded of the open section: %+v, %v", expanded, err)
	}
	failure := `tr.detail details.msg[data-targets~="node20"][data-status="fail"] pre`
	do("open the failure", chromedp.Click(chromedp.CSS(`tr.case[data-case="headers-dup"] td[data-target="node20"] button`)),
		chromedp.WaitVisible(chromedp.CSS(failure)))
	msg, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(failure)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{failDiffLine, `sent:     'GET / HTTP/1.1\r\nHost: a\r\nX-Dup: a`, "FAIL: lane request"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the open failure does not show %q; it shows:\n%s", want, msg)
		}
	}
	divergent := `tr.case[data-case="headers-lower"] td[data-target="bun"] button`
	reason, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(divergent), "title"))
	if err != nil || !strings.Contains(reason.Value, "Bun lower-cases header values") {
		t.Errorf("title of the divergent cell: %+v, %v", reason, err)
	}
	do("open the divergence", chromedp.Click(chromedp.CSS(divergent)),
		chromedp.WaitVisible(chromedp.CSS(`tr.detail details.msg[data-targets~="bun"][data-status="divergent"] .reason`)))
	shown, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`tr.detail details.msg[data-targets~="bun"][data-status="divergent"]`)))
	if err != nil || !strings.Contains(shown, "Bun lower-cases header values") {
		t.Errorf("the open divergence shows %q, %v", shown, err)
	}

	n := b.screenshot(screenshotPath, true)
	b.checkClean()
	t.Logf("chromium started in %v, page loaded at %v, done at %v; screenshot %s (%d bytes)",
		b.launched.Round(time.Millisecond), loaded.Round(time.Millisecond), time.Since(b.start).Round(time.Millisecond),
		screenshotPath, n)
}

func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// recordedScreenshotPath is the picture of the committed page.
const recordedScreenshotPath = "../out/matrix-recorded.png"

// TestBrowserRecordedMatrix loads the committed page itself,
// reports/recorded/matrix.html, and checks it against the data it is made
// of: one column per recorded target, one row per section with cases, and
// a status filter that leaves exactly the sections the records say.
func TestBrowserRecordedMatrix(t *testing.T) {
	names, err := registry.RuntimeNames()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load("../recorded", names)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Abs("../recorded/matrix.html")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != render(t, m) {
		t.Fatal("reports/recorded/matrix.html is stale: run `make docs`")
	}

	var targets, sections []string
	for _, tg := range m.Targets {
		targets = append(targets, tg.Name)
	}
	// withStatus is the sections that have a case with status s on some target.
	withStatus := func(s string) []string {
		var out []string
		for _, sec := range m.Sections {
			for _, tg := range targets {
				if sec.Counts(tg)[s] > 0 {
					out = append(out, sec.ID)
					break
				}
			}
		}
		return out
	}
	for _, sec := range m.Sections {
		sections = append(sections, sec.ID)
	}
	if len(targets) == 0 || len(sections) == 0 {
		t.Fatalf("the recorded matrix is empty (%d targets, %d sections): run `make matrix`", len(targets), len(sections))
	}

	b := newBrowser(t)
	b.load(committed)
	b.expect("target columns", b.visible("#matrix thead th[data-target]", "data-target"), targets)
	b.expect("section rows", b.visible("#matrix tr.section", "data-section"), sections)
	for _, s := range []string{reports.Fail, reports.Divergent, reports.NotApplicable} {
		b.choose("#filter-status", s)
		want := withStatus(s)
		b.expect("sections with status "+s, b.visible("#matrix tr.section", "data-section"), want)
		if len(want) == 0 {
			continue
		}
		// Every case row shown has that status on some target.
		rows := b.eval("cases shown", `Array.from(document.querySelectorAll('#matrix tr.case')).filter(e => e.checkVisibility()).map(e => Array.from(e.querySelectorAll('td.res')).map(c => c.dataset.status).join(' '))`)
		if len(rows) == 0 {
			t.Errorf("status %s: sections shown but no case", s)
		}
		for _, r := range rows {
			if !strings.Contains(" "+r+" ", " "+s+" ") {
				t.Errorf("status %s: a case row without it is shown: %q", s, r)
			}
		}
	}
	// Leave the first divergences open for the picture: the edge cases a
	// reader of the page comes for. (Opening all of them, hundreds, made
	// the page so long that laying it out took over a minute.)
	b.choose("#filter-status", reports.Divergent)
	b.do("open the first divergences", chromedp.Evaluate[chromedp.Void](
		`Array.from(document.querySelectorAll('#matrix tr.case:not([hidden]) td.res[data-status="divergent"] button')).filter(e => e.checkVisibility()).slice(0, 12).forEach(e => e.click())`))
	n := b.screenshot(recordedScreenshotPath, false)
	b.checkClean()
	t.Logf("%d targets, %d sections; screenshot %s (%d bytes)", len(targets), len(sections), recordedScreenshotPath, n)
}

package report

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// chromiumPath is Debian's chromium; CI installs it (apt-get install chromium). Tests never install it.
const chromiumPath = "/usr/bin/chromium"

// TestHTMLInBrowser opens the HTML report in headless Chromium: a severity filter changes the visible
// rows, and findings whose path and message carry script and markup execute nothing.
func TestHTMLInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("no " + chromiumPath + " (apt-get install chromium)")
	}
	r := sampleReport()
	r.Findings = append(r.Findings, finding.Finding{
		Kind: finding.KindSecret, RuleID: "generic-api-key", Severity: finding.Critical,
		Title:       `<svg onload="window.__pwned=1;alert(1)">`,
		Message:     `"><img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=1;alert(1)</script>`,
		Remediation: `</td></tr><script>window.__pwned=1</script>`,
		References:  []string{"javascript:window.__pwned=1"},
		Location:    finding.Location{Path: `evil/<script>window.__pwned=1;alert(1)</script>"><img src=x onerror=alert(1)>.env`, StartLine: 1},
		Fingerprint: "hostile",
	})
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, render(t, "html", r, Options{}), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	// A dialog blocks the page; count it and dismiss it from another goroutine (a listener must not
	// send commands itself).
	var dialogs atomic.Int32
	opened := make(chan struct{}, 16)
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range opened {
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	defer close(opened)

	const visible = `document.querySelectorAll("#findings tr.finding:not([hidden])").length`
	count := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](visible))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	critical := chromedp.CSS(`button[data-sev="CRITICAL"]`)
	do(chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("#findings")))
	before := count()
	do(chromedp.Click(critical))
	after := count()
	countText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#shown-count")))
	if err != nil {
		t.Fatal(err)
	}
	do(chromedp.Click(critical))
	afterAgain := count()
	// Expand the first row: its detail row shows the message and remediation.
	do(chromedp.Click(chromedp.CSS("#findings tr.finding")))
	detailHidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#findings tr.detail").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	detailText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#findings tr.detail").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	do(chromedp.Sleep(300 * time.Millisecond)) // let any (wrongly) injected handler fire
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__pwned === 1`))
	if err != nil {
		t.Fatal(err)
	}
	criticals := 0
	for _, f := range r.Findings {
		if f.Severity == finding.Critical {
			criticals++
		}
	}
	if before != len(r.Findings) {
		t.Errorf("visible rows at start = %d, want %d", before, len(r.Findings))
	}
	if after != before-criticals {
		t.Errorf("after hiding CRITICAL: %d rows, want %d", after, before-criticals)
	}
	if afterAgain != before {
		t.Errorf("after showing CRITICAL again: %d rows, want %d", afterAgain, before)
	}
	if countText == "" {
		t.Error("the shown-count label is empty")
	}
	if detailHidden || detailText == "" {
		t.Errorf("clicking a row did not expand its details (hidden=%v)", detailHidden)
	}
	if pwned {
		t.Error("script from a finding ran in the report")
	}
	if n := dialogs.Load(); n > 0 {
		t.Errorf("%d alert dialogs opened", n)
	}
}

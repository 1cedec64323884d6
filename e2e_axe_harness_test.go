package main

// axe-core in the Chromium tests: the page under test gets axe.min.js
// injected and is checked against WCAG 2.0/2.1/2.2 A and AA. axe-core is a
// test tool from the npm registry pinned by testdata/axe/package-lock.json
// (.ci/run installs it with npm ci); the build never needs it.
//
// Use it from any browser test, once the page shows the state to check:
//
//	axeCheck(t, ctx, "staff floor")
//
// It fails the test on any serious or critical violation and prints each
// with its rule, its help text and the CSS targets of the offending nodes.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeTestDir holds the pinned axe-core test tool.
const axeTestDir = "testdata/axe"

// axeTags are the rule sets checked: WCAG 2.2 AA and everything below it.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

var axeScript struct {
	once sync.Once
	src  string
	err  error
}

// axeSource returns axe.min.js, or skips the test when axe-core is not
// installed (outside CI; under CI=true it must be there and the test fails).
func axeSource(t *testing.T) string {
	t.Helper()
	axeScript.once.Do(func() {
		raw, err := os.ReadFile(filepath.Join(axeTestDir, "node_modules", "axe-core", "axe.min.js"))
		axeScript.src, axeScript.err = string(raw), err
	})
	if axeScript.err != nil {
		why := fmt.Sprintf("axe-core is not installed in %s (%v)", axeTestDir, axeScript.err)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; .ci/run installs it with npm ci --prefix %s", why, axeTestDir)
		}
		t.Skipf("%s: npm ci --prefix %s", why, axeTestDir)
	}
	return axeScript.src
}

// requireAxe skips (or, under CI, fails) a test before it starts a box and
// a browser when axe-core is missing.
func requireAxe(t *testing.T) {
	t.Helper()
	axeSource(t)
}

type axeNode struct {
	Target         []any  `json:"target"`
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"`
}

// axeRun injects axe-core into the page of ctx (once per document) and
// returns every violation of the WCAG A/AA rules, whatever its impact.
func axeRun(t *testing.T, ctx context.Context, state string) []axeViolation {
	t.Helper()
	src := axeSource(t)
	failShot := "axe-" + axeShotName(state)
	if !pageEval[bool](t, ctx, failShot, `typeof window.axe === 'object'`) {
		pageEval[chromedp.Void](t, ctx, failShot, src+"\n;undefined")
	}
	tags, _ := json.Marshal(axeTags)
	// A transition or animation halfway would let axe sample a colour that
	// no one reads: finite ones are run to their end, so the page is
	// checked as it rests.
	raw := pageEval[string](t, ctx, failShot, `(async () => {
		for (const a of document.getAnimations()) {
			try { if (a.effect?.getComputedTiming().endTime !== Infinity) a.finish(); } catch {}
		}
		const r = await axe.run(document, {runOnly: {type: 'tag', values: `+string(tags)+`}, resultTypes: ['violations']});
		return JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary}))})));
	})()`)
	var out []axeViolation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("axe on %s: decode %s: %v", state, raw, err)
	}
	return out
}

// axeCheck fails the test when the page of ctx has a serious or critical
// WCAG 2.2 AA violation, printing each with the targets of its nodes, and
// saves a screenshot then. Minor and moderate ones are logged only.
func axeCheck(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	var bad []string
	for _, v := range axeRun(t, ctx, state) {
		line := fmt.Sprintf("%s [%s] %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == axeNodesShown {
				line += fmt.Sprintf("\n    and %d more", len(v.Nodes)-i)
				break
			}
			line += fmt.Sprintf("\n    %v: %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, line)
		} else {
			t.Logf("axe on %s (not failing, %s): %s", state, v.Impact, line)
		}
	}
	if len(bad) > 0 {
		shot(t, ctx, "axe-"+axeShotName(state))
		t.Errorf("axe-core on %s: %d serious or critical WCAG 2.2 AA violation(s):\n  %s", state, len(bad), strings.Join(bad, "\n  "))
	}
}

// axeNodesShown is how many offending nodes of one rule are printed.
const axeNodesShown = 6

func axeShotName(state string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, state)
}

// focusStop is one element the Tab key reached.
type focusStop struct {
	What    string `json:"what"`
	Visible bool   `json:"visible"`
	Ring    bool   `json:"ring"`
}

// focusWalk presses Tab up to n times from the top of the page and checks
// WCAG 2.4.3 and 2.4.7: no element takes a positive tabindex (which would
// reorder focus away from reading order), and every element that takes
// focus is on screen with a visible focus indicator (an outline of 2px
// or more, or a box shadow). It returns the stops, for more checks.
func focusWalk(t *testing.T, ctx context.Context, state string, n int) []focusStop {
	t.Helper()
	failShot := "focus-" + axeShotName(state)
	if bad := pageEval[string](t, ctx, failShot, `[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).map(e => e.outerHTML.slice(0, 80)).join(' | ')`); bad != "" {
		t.Errorf("%s: elements with a positive tabindex reorder focus: %s", state, bad)
	}
	// Start from the top: a focus point before everything, then removed.
	pageEval[chromedp.Void](t, ctx, failShot, `(() => { const s = document.createElement('span'); s.tabIndex = -1; document.body.prepend(s); s.focus(); s.remove(); window.scrollTo(0, 0); })()`)
	var stops []focusStop
	for i := 0; i < n; i++ {
		pageDo(t, ctx, failShot, chromedp.KeyEvent(kb.Tab))
		raw := pageEval[string](t, ctx, failShot, `(() => {
			const e = document.activeElement;
			if (!e || e === document.body) return JSON.stringify(null);
			const cs = getComputedStyle(e);
			const r = e.getBoundingClientRect();
			const what = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') +
				' "' + (e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 30) + '"';
			const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
			const visible = r.width > 0 && r.height > 0 && cs.visibility !== 'hidden';
			return JSON.stringify({what, visible, ring});
		})()`)
		var s *focusStop
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatalf("%s: focus %s: %v", state, raw, err)
		}
		if s == nil {
			break // past the last element: back to the page
		}
		if len(stops) > 0 && stops[0].What == s.What {
			break // wrapped around
		}
		stops = append(stops, *s)
		if !s.Visible {
			t.Errorf("%s: Tab stop %d (%s) is not on screen", state, i+1, s.What)
		}
		if !s.Ring {
			shot(t, ctx, failShot)
			t.Errorf("%s: Tab stop %d (%s) shows no focus indicator", state, i+1, s.What)
		}
	}
	if len(stops) == 0 {
		t.Errorf("%s: Tab reaches nothing", state)
	}
	names := make([]string, len(stops))
	for i, s := range stops {
		names[i] = s.What
	}
	t.Logf("%s: Tab order: %s", state, strings.Join(names, " → "))
	return stops
}

// hoverCheck moves the mouse over every visible, enabled element that sel
// matches and checks that its text stays readable while hovered (WCAG
// 1.4.3): at least 4.5:1 against the first opaque background behind it,
// 3:1 for large text. axe sees the page at rest, never a hover style.
func hoverCheck(t *testing.T, ctx context.Context, state, sel string) {
	t.Helper()
	failShot := "hover-" + axeShotName(state)
	quoted, _ := json.Marshal(sel)
	n := pageEval[float64](t, ctx, failShot, `(() => {
		window.__hover = [...document.querySelectorAll(`+string(quoted)+`)].filter(e => !e.disabled && e.getClientRects().length > 0 && e.textContent.trim() !== '');
		return window.__hover.length;
	})()`)
	var bad []string
	for i := 0; i < int(n); i++ {
		var pt struct{ X, Y float64 }
		raw := pageEval[string](t, ctx, failShot, fmt.Sprintf(`(() => { const e = window.__hover[%d]; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2}); })()`, i))
		if err := json.Unmarshal([]byte(raw), &pt); err != nil {
			t.Fatalf("%s: %s: %v", state, raw, err)
		}
		pageDo(t, ctx, failShot, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, pt.X, pt.Y))
		res := pageEval[string](t, ctx, failShot, fmt.Sprintf(`(() => {
			const e = window.__hover[%d];
			if (!e.matches(':hover')) return '';
			// The hover colours as they end, not halfway through a transition.
			for (const a of document.getAnimations()) {
				try { if (a.effect?.getComputedTiming().endTime !== Infinity) a.finish(); } catch {}
			}
			const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
			const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
			let bg = null;
			for (let p = e; p; p = p.parentElement) {
				const c = rgb(getComputedStyle(p).backgroundColor);
				if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
				if (getComputedStyle(p).backgroundImage !== 'none') return '';
			}
			bg = bg || [255, 255, 255];
			const cs = getComputedStyle(e);
			const fg = rgb(cs.color);
			if (fg.length === 4 && fg[3] < 1) return '';
			const [a, b] = [lum(fg.slice(0, 3)), lum(bg)].sort((x, y) => y - x);
			const ratio = (a + 0.05) / (b + 0.05);
			const px = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
			const need = px >= 24 || (bold && px >= 18.66) ? 3 : 4.5;
			return ratio + 0.005 < need ? e.outerHTML.slice(0, 120) + ' hovered: ' + cs.color + ' on rgb(' + bg.join(', ') + ') = ' + ratio.toFixed(2) + ':1, needs ' + need : '';
		})()`, i))
		if res != "" {
			bad = append(bad, res)
		}
	}
	pageDo(t, ctx, failShot, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1))
	if len(bad) > 0 {
		t.Errorf("%s: %d element(s) unreadable when hovered:\n  %s", state, len(bad), strings.Join(bad, "\n  "))
	}
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The guest's iPad, items 8 and 9 of issue 22: the portrait layout and
// the allergen filter (helpers in e2e_guest_test.go).

// gstRect is an element's box on screen.
type gstRect struct{ Left, Top, Right, Bottom, Width, Height float64 }

func gstBox(t *testing.T, ctx context.Context, sel string) gstRect {
	t.Helper()
	return tblEval[gstRect](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height}; })()`, sel))
}

// TestGuestPortraitLayout: on a portrait iPad (820×1180) the menu has the
// whole width (two columns), the cart is a bar at the bottom that opens as
// a drawer and closes again, and a category bar wider than the screen
// fades at the edge where more chips are, with a chip cut there; landscape
// (1180×820) keeps the side cart.
func TestGuestPortraitLayout(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, _ := tblStaff(t, b)
	_, plain := gstMenu(t, b, waiter)
	token := b.PairTable(t, waiter, 1)
	// German names are long: the bar is wider than the screen.
	ctx := gstOpen(t, b, token, "de", 820, 1180)
	tblDo(t, ctx, "fill the cart", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[0].ID))), chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[1].ID))))

	menu, side := gstBox(t, ctx, "#menu"), gstBox(t, ctx, "#side")
	t.Logf("820x1180: menu %.0fpx wide (%.0f%%), cart bar %.0fx%.0fpx at the bottom", menu.Width, 100*menu.Width/820, side.Width, side.Height)
	if menu.Width < 0.95*820 {
		t.Errorf("menu is %.0fpx wide on a portrait iPad; want the whole width (≥ 779px)", menu.Width)
	}
	if side.Height > 80 || side.Bottom < 1179 || side.Width < 819 {
		t.Errorf("the closed cart is %+v; want a bar at most 80px tall across the bottom", side)
	}
	if cols := tblEval[int](t, ctx, `new Set([...document.querySelector('.cat-section .grid').children].map((e) => Math.round(e.getBoundingClientRect().left))).size`); cols != 2 {
		t.Errorf("menu columns in portrait = %d; want 2", cols)
	}
	if got := tblEval[string](t, ctx, `document.getElementById('cart-count').textContent`); got != "2" {
		t.Errorf("the bar's cart count = %q; want 2", got)
	}

	// The category bar says it scrolls.
	cats := gstBox(t, ctx, "#cats")
	over := tblEval[int](t, ctx, `(() => { const n = document.getElementById('cats'); return n.scrollWidth - n.clientWidth; })()`)
	if over <= 0 {
		t.Fatalf("the German category bar fits at 820px (%d); the test needs one wider than the screen", over)
	}
	fade := tblEval[string](t, ctx, `(() => { const s = getComputedStyle(document.getElementById('cats')); return s.maskImage || s.webkitMaskImage || 'none'; })()`)
	cut := tblEval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#cats .cat')].filter((c) => { const r = c.getBoundingClientRect(); return r.left < %f && r.right > %f; }).map((c) => c.textContent).join()`, cats.Right-8, cats.Right))
	t.Logf("category bar: %dpx more to scroll, fade %q, chip cut at the edge %q", over, fade, cut)
	if !tblEval[bool](t, ctx, `document.getElementById('cats').classList.contains('is-more-end')`) || fade == "none" || fade == "" {
		t.Errorf("the category bar's end does not fade (mask %q)", fade)
	}
	if cut == "" {
		t.Errorf("no category chip is cut by the bar's edge; want the next one partly visible")
	}
	shot(t, ctx, "guest-portrait-menu-de-820x1180")
	tblDo(t, ctx, "scroll the bar to its end", chromedp.Evaluate[chromedp.Void](`(() => { const n = document.getElementById('cats'); n.scrollLeft = n.scrollWidth; })()`))
	tblWait(t, ctx, "fade at the start", `(() => { const n = document.getElementById('cats').classList; return n.contains('is-more-start') && !n.contains('is-more-end'); })()`, 3*time.Second)
	shot(t, ctx, "guest-portrait-cats-end-de-820x1180")

	// The drawer opens on the cart, Send in reach, and closes three ways.
	for _, closer := range []string{"toggle", "scrim", "escape"} {
		tblDo(t, ctx, "open the drawer", chromedp.Click(chromedp.CSS(`#tab-cart`)))
		tblWait(t, ctx, "drawer open", `document.getElementById('app').classList.contains('side-open') && document.getElementById('side-toggle').getAttribute('aria-expanded') === 'true'`, 3*time.Second)
		open := gstBox(t, ctx, "#side")
		send := gstBox(t, ctx, "#send")
		if send.Bottom > 1180 || send.Top < 0 || open.Top < 100 {
			t.Errorf("open drawer %+v, Send %+v; want Send on screen and the header above the drawer", open, send)
		}
		if closer == "toggle" {
			t.Logf("820x1180: open drawer %.0fpx tall (top at %.0fpx)", open.Height, open.Top)
			shot(t, ctx, "guest-portrait-drawer-de-820x1180")
			tblCheckTouch(t, ctx, "portrait drawer")
		}
		switch closer {
		case "toggle":
			tblDo(t, ctx, "close", chromedp.Click(chromedp.CSS(`#side-toggle`)))
		case "scrim":
			tblDo(t, ctx, "close", chromedp.MouseClickXY(400, 300))
		case "escape":
			tblDo(t, ctx, "close", chromedp.KeyEvent("\u001b"))
		}
		tblWait(t, ctx, "drawer closed by "+closer, `!document.getElementById('app').classList.contains('side-open') && document.getElementById('side-scrim').hidden`, 3*time.Second)
	}
	// Call waiter stays in reach over an open drawer.
	tblDo(t, ctx, "open the drawer", chromedp.Click(chromedp.CSS(`#tab-orders`)))
	tblDo(t, ctx, "call a waiter over the drawer", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	tblWait(t, ctx, "waiter called", `document.getElementById('btn-waiter').classList.contains('is-sent')`, 5*time.Second)

	// Landscape keeps the side cart.
	tblDo(t, ctx, "landscape", chromedp.EmulateViewport(1180, 820))
	tblWait(t, ctx, "landscape layout", `innerWidth === 1180 && !document.getElementById('app').classList.contains('side-open')`, 3*time.Second)
	menu, side = gstBox(t, ctx, "#menu"), gstBox(t, ctx, "#side")
	t.Logf("1180x820: menu %.0fpx, side cart %.0fpx (%.0f%%)", menu.Width, side.Width, 100*side.Width/1180)
	if side.Width > 0.35*1180 || side.Height < 700 || menu.Width+side.Width < 1179 {
		t.Errorf("landscape: menu %+v, side %+v; want a side cart of at most 35%% beside the menu", menu, side)
	}
	if tblEval[bool](t, ctx, `document.getElementById('side-toggle').getClientRects().length > 0 || document.getElementById('panel-orders').getClientRects().length === 0`) {
		t.Errorf("landscape: the drawer's toggle shows or the panel is hidden; want the side cart as before")
	}
	shot(t, ctx, "guest-landscape-de-1180x820")
}

// TestGuestAllergenFilter: guests choose what they avoid from the EU's
// fourteen (translated chips, nothing else), the dishes containing any of
// them are hidden with a count, the filter is plainly on and clears with one
// tap, it persists across a reload for the table's visit and ends with it;
// allergen chips on dishes come from the list only and are at least 4.5:1.
func TestGuestAllergenFilter(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, _ := tblStaff(t, b)
	all, _ := gstMenu(t, b, waiter)
	var nutty gstItem
	for _, it := range all {
		if strings.Contains(","+strings.Join(it.Allergens, ",")+",", ",nuts,") {
			nutty = it
		}
	}
	if nutty.ID == 0 {
		t.Fatal("the demo has no dish with nuts")
	}
	// A dish whose allergens carry free text: only the list's are shown.
	var odd gstItem
	for _, it := range all {
		if len(it.Allergens) == 1 && it.Allergens[0] == "milk" && it.Available {
			odd = it
			break
		}
	}
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d", odd.ID), admin, map[string]any{"allergens": []string{"milk", "house spice mix"}}, http.StatusOK, nil)
	list := []string{"gluten", "crustaceans", "eggs", "fish", "peanuts", "soy", "milk", "nuts", "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs"}
	for i, run := range []struct {
		lang string
		w, h int
	}{{"en", 820, 1180}, {"it", 1180, 820}} {
		table := int64(i + 1)
		size := fmt.Sprintf("%s-%dx%d", run.lang, run.w, run.h)
		words := gstWords(t, run.lang)
		ctx := gstOpen(t, b, b.PairTable(t, waiter, table), run.lang, run.w, run.h)
		// Chips on dishes: the list's words, never free text, readable.
		chips := tblEval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('[data-item="%d"] .allergen')].map((e) => e.textContent)`, odd.ID))
		if want := gstSay(t, words, "al_milk", nil); len(chips) != 1 || chips[0] != want {
			t.Errorf("%s: allergen chips of %s = %q; want only %q", size, odd.Name, chips, want)
		}
		if strings.Contains(tblEval[string](t, ctx, `document.body.innerText`), "house spice mix") {
			t.Errorf("%s: a free-text allergen reached the screen", size)
		}
		worst := tblEval[float64](t, ctx, `(() => {
			const lum = (c) => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map((v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
			let worst = 99;
			for (const e of document.querySelectorAll('.item:not(.is-out):not(.is-closed) .allergen')) {
				const s = getComputedStyle(e); const a = lum(s.color), b = lum(s.backgroundColor);
				worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
			}
			return worst;
		})()`)
		t.Logf("%s: the faintest allergen chip on a dish is %.2f:1", size, worst)
		if worst < 4.5 {
			t.Errorf("%s: allergen chips at %.2f:1; want at least 4.5:1", size, worst)
		}

		// A dish with nuts in the cart before the filter is set.
		tblDo(t, ctx, "add a dish with nuts", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, nutty.ID))))
		if len(nutty.ModifierGroups) > 0 {
			tblWait(t, ctx, "its sheet", `!!document.querySelector('#sheet-add:not([disabled])')`, 3*time.Second)
			tblDo(t, ctx, "add from the sheet", chromedp.Click(chromedp.CSS(`#sheet-add`)))
		}
		tblWait(t, ctx, "in the cart", `document.getElementById('cart-count').textContent === '1' && document.getElementById('sheet').hidden`, 3*time.Second)

		// The filter's sheet: the fourteen, translated, and the word about the kitchen.
		tblDo(t, ctx, "open the filter", chromedp.Click(chromedp.CSS(`#btn-allergy`)))
		tblWait(t, ctx, "filter sheet", `document.querySelectorAll('#sheet .avoid-chip').length > 0`, 3*time.Second)
		got := tblEval[[]string](t, ctx, `[...document.querySelectorAll('#sheet .avoid-chip')].map((e) => e.dataset.avoid + '=' + e.textContent)`)
		var want []string
		for _, a := range list {
			want = append(want, a+"="+gstSay(t, words, "al_"+a, nil))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: filter chips = %q; want the EU's 14 %q", size, got, want)
		}
		if tell := tblEval[string](t, ctx, `document.querySelector('#sheet .allergy-tell p').textContent`); tell != gstSay(t, words, "allergy_tell", nil) {
			t.Errorf("%s: the sheet says %q about the kitchen; want %q", size, tell, gstSay(t, words, "allergy_tell", nil))
		}
		tblDo(t, ctx, "no nuts, no gluten", chromedp.Click(chromedp.CSS(`[data-avoid="nuts"]`)), chromedp.Click(chromedp.CSS(`[data-avoid="gluten"]`)))
		tblWait(t, ctx, "chosen", `document.querySelectorAll('#sheet .avoid-chip[aria-pressed="true"]').length === 2`, 3*time.Second)
		shot(t, ctx, "guest-allergy-sheet-"+size)
		tblCheckTouch(t, ctx, size+" allergy sheet")
		tblDo(t, ctx, "show the dishes", chromedp.Click(chromedp.CSS(`#allergy-done`)))

		var hidden, shown []int64
		for _, it := range all {
			has := strings.Contains(","+strings.Join(it.Allergens, ",")+",", ",nuts,") || strings.Contains(","+strings.Join(it.Allergens, ",")+",", ",gluten,")
			if has {
				hidden = append(hidden, it.ID)
			} else {
				shown = append(shown, it.ID)
			}
		}
		check := func(when string) {
			t.Helper()
			tblWait(t, ctx, when+": filter on", fmt.Sprintf(`(() => { const h = document.getElementById('filter-hidden'); return h && h.textContent === %q && document.getElementById('btn-allergy').getAttribute('aria-pressed') === 'true' && document.getElementById('btn-allergy').textContent.includes(%q); })()`,
				gstSay(t, words, "filter_hidden", map[string]any{"n": len(hidden)}), gstSay(t, words, "allergy_on", map[string]any{"n": 2})), 5*time.Second)
			ids := tblEval[[]int64](t, ctx, `[...document.querySelectorAll('[data-item]')].map((e) => +e.dataset.item)`)
			on := map[int64]bool{}
			for _, id := range ids {
				on[id] = true
			}
			for _, id := range hidden {
				if on[id] {
					t.Errorf("%s %s: dish %d contains nuts or gluten and is still on the menu", size, when, id)
				}
			}
			for _, id := range shown {
				if !on[id] {
					t.Errorf("%s %s: dish %d fits and is not on the menu", size, when, id)
				}
			}
		}
		check("after choosing")
		var contains []string
		for _, a := range []string{"gluten", "nuts"} {
			if strings.Contains(","+strings.Join(nutty.Allergens, ",")+",", ","+a+",") {
				contains = append(contains, gstSay(t, words, "al_"+a, nil))
			}
		}
		gstCart(t, ctx)
		if got, want := tblEval[string](t, ctx, `(document.querySelector('#panel-cart .line-avoid') || {}).textContent || ''`), gstSay(t, words, "contains", map[string]any{"list": strings.Join(contains, ", ")}); got != want {
			t.Errorf("%s: the cart's line of %s says %q; want %q", size, nutty.Name, got, want)
		}
		shot(t, ctx, "guest-allergy-cart-"+size)
		tblDo(t, ctx, "close the drawer", chromedp.Evaluate[chromedp.Void](`document.getElementById('app').classList.contains('side-open') && document.getElementById('side-toggle').click()`))
		t.Logf("%s: no nuts, no gluten: %d dishes hidden, %d shown", size, len(hidden), len(shown))
		shot(t, ctx, "guest-allergy-filtered-"+size)
		tblDo(t, ctx, "reload", chromedp.Reload())
		tblWait(t, ctx, "menu after reload", `document.querySelectorAll('[data-item]').length > 0`, 10*time.Second)
		check("after a reload")

		// One tap clears it.
		tblDo(t, ctx, "clear", chromedp.Click(chromedp.CSS(`#filter-clear`)))
		tblWait(t, ctx, "all dishes back", fmt.Sprintf(`document.querySelectorAll('[data-item]').length === %d && !document.getElementById('filter-bar') && document.getElementById('btn-allergy').getAttribute('aria-pressed') === 'false' && localStorage.getItem('rms.table.avoid') === null`, len(all)), 3*time.Second)
		gstNoDevText(t, ctx, size)
	}

	// The filter is the visit's: the table cleared after the bill, the next party starts without it.
	ctx := gstOpen(t, b, b.PairTable(t, waiter, 3), "en", 820, 1180)
	tblJSON(t, b, http.MethodPatch, "/api/tables/3/status", waiter, map[string]string{"status": "occupied"}, http.StatusOK, nil)
	tblDo(t, ctx, "avoid milk", chromedp.Click(chromedp.CSS(`#btn-allergy`)), chromedp.Click(chromedp.CSS(`[data-avoid="milk"]`)), chromedp.Click(chromedp.CSS(`#allergy-done`)))
	tblWait(t, ctx, "filter on", `!!document.getElementById('filter-bar')`, 3*time.Second)
	tblJSON(t, b, http.MethodPatch, "/api/tables/3/status", waiter, map[string]string{"status": "cleaning"}, http.StatusOK, nil)
	tblWait(t, ctx, "filter gone with the party", `!document.getElementById('filter-bar') && localStorage.getItem('rms.table.avoid') === null`, 5*time.Second)
}

// TestAccessibilityGuestIPad runs axe-core (WCAG 2.2 AA) over what items 6
// to 9 added: a pending order's progress with who it waits for, the
// portrait cart drawer, the allergen sheet and the filtered menu.
func TestAccessibilityGuestIPad(t *testing.T) {
	requireAxe(t)
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, _ := tblStaff(t, b)
	gstSettings(t, b, admin, map[string]any{"auto_confirm_orders": false})
	_, plain := gstMenu(t, b, waiter)
	ctx := gstOpen(t, b, b.PairTable(t, waiter, 1), "en", 820, 1180)
	gstSend(t, ctx, plain[0].ID)
	tblWait(t, ctx, "pending progress", `!!document.querySelector('.order-wait[data-wait="pending"]')`, 10*time.Second)
	axeCheck(t, ctx, "table portrait drawer with a pending order")
	tblDo(t, ctx, "close the drawer", chromedp.Click(chromedp.CSS(`#side-toggle`)))
	tblDo(t, ctx, "open the filter", chromedp.Click(chromedp.CSS(`#btn-allergy`)), chromedp.Click(chromedp.CSS(`[data-avoid="nuts"]`)))
	tblWait(t, ctx, "filter sheet", `document.querySelectorAll('#sheet .avoid-chip[aria-pressed="true"]').length === 1`, 3*time.Second)
	axeCheck(t, ctx, "table allergen sheet")
	tblDo(t, ctx, "show the dishes", chromedp.Click(chromedp.CSS(`#allergy-done`)))
	tblWait(t, ctx, "filtered menu", `!!document.getElementById('filter-bar') && document.getElementById('sheet').hidden`, 3*time.Second)
	axeCheck(t, ctx, "table filtered menu, portrait")
}

package main

// Helpers of the acceptance walk (e2e_walk_test.go): the rush it builds
// over REST, and the measures it takes of each screen.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkRush is the service the walk builds: who ordered what, and where the
// money stands.
type walkRush struct {
	kitchen   []kdsOrderBody // every ticket for the kitchen, oldest first
	long      kdsOrderBody   // seven lines, a nut allergy, a long order note
	coeliac   kdsOrderBody   // an allergy in the order note
	paid      kdsOrderBody   // paid by card, not started
	partPaid  int64          // a table that paid part of its bill
	partTix   []int64        // its tickets
	bar       kdsOrderBody   // drinks only: the bar's screen
	guest     kdsOrderBody   // a guest's order waiting for the waiter
	guestTok  string         // the guest iPad's token (table 8)
	cooking   []int64        // started by the chef
	ready     int64          // at the pass
	newCount  int            // tickets not started
	snapshots string         // the daily snapshot written mid-service
}

// walkBuildRush fills the demo restaurant: 16 kitchen tickets (12 new, 3
// cooking, 1 at the pass), two long ones with allergies, a bar order, a
// table paid before its food was started, a part-paid table, a guest's
// order waiting for the waiter, a call for a waiter and a bill request.
func walkBuildRush(t *testing.T, box *testBox, waiter, chef string) walkRush {
	t.Helper()
	menu := kdsMenu(t, box, waiter)
	dishes := []string{"Tagliatelle al ragù", "Risotto ai funghi", "Pollo alla cacciatora", "Tagliata di manzo",
		"Gnocchi al pesto", "Linguine alle vongole", "Bruschetta al pomodoro", "Fritto misto"}
	// Tables 1–7 and 9–12; 8 is the guests' own iPad.
	tables := []int64{1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 1, 2, 4, 6, 7}
	var r walkRush
	for i, table := range tables {
		lines := []kdsLine{{menu[dishes[i%len(dishes)]], 1 + i%3, ""}, {menu[dishes[(i+3)%len(dishes)]], 1, ""}}
		notes := ""
		switch i {
		case 1:
			lines = nil
			for j := 0; j < 6; j++ {
				lines = append(lines, kdsLine{menu[dishes[j]], 1, map[bool]string{true: "well done", false: ""}[j%2 == 0]})
			}
			lines = append(lines, kdsLine{menu["Gnocchi al pesto"], 1, "NUT ALLERGY – no pesto"})
			notes = "Birthday table: bring the dessert with a candle, mains all together, the child's pasta plain with butter only"
		case 2:
			lines = []kdsLine{{menu["Spaghetti carbonara"], 2, ""}}
		case 9:
			lines = append(lines, kdsLine{menu["Tiramisù"], 2, ""}, kdsLine{menu["Panna cotta"], 1, "no caramel"})
			notes = "Coeliac guest at seat 2: gluten free pasta, separate pan"
		}
		o := kdsPlace(t, box, waiter, table, notes, lines...)
		r.kitchen = append(r.kitchen, o)
		if table == 6 {
			r.partTix = append(r.partTix, o.ID)
		}
		switch i {
		case 1:
			r.long = o
		case 2:
			r.paid = o
		case 9:
			r.coeliac = o
		}
	}
	// Drinks only, for the bar.
	r.bar = kdsPlace(t, box, waiter, 5, "", kdsLine{menu["Aperol spritz"], 2, ""})
	// Table 3 pays by card before its carbonara is started.
	bill := staffBill(t, box.Do, waiter, 3)
	kdsDo(t, box, waiter, http.MethodPost, "/api/payments", map[string]any{"table_id": 3, "method": "card", "amount_cents": bill.DueCents}, http.StatusCreated, nil)
	// Table 6 pays part of its bill in cash.
	r.partPaid = 6
	kdsDo(t, box, waiter, http.MethodPost, "/api/payments", map[string]any{"table_id": 6, "method": "cash", "amount_cents": 1500}, http.StatusCreated, nil)
	// The chef starts three of the oldest and sends one to the pass.
	for _, o := range []kdsOrderBody{r.kitchen[0], r.kitchen[3], r.kitchen[4], r.kitchen[5]} {
		kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]string{"status": "preparing"}, http.StatusOK, nil)
		r.cooking = append(r.cooking, o.ID)
	}
	kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", r.kitchen[0].ID), map[string]string{"status": "ready"}, http.StatusOK, nil)
	r.ready, r.cooking = r.kitchen[0].ID, r.cooking[1:]
	r.newCount = len(r.kitchen) - len(r.cooking) - 1

	// Table 4 asks for the bill; the guests at table 8 order from their
	// iPad (it waits for the waiter) and call a waiter.
	kdsDo(t, box, waiter, http.MethodPost, "/api/tables/4/requests", map[string]string{"kind": "bill"}, http.StatusOK, nil)
	r.guestTok = box.PairTable(t, waiter, 8)
	status, raw := box.Do(t, http.MethodPost, "/api/orders", r.guestTok, map[string]any{"table_id": 8, "notes": "",
		"items": []map[string]any{{"menu_item_id": menu["Burrata"].ID, "quantity": 1, "notes": ""}, {"menu_item_id": menu["Risotto ai funghi"].ID, "quantity": 2, "notes": ""}}})
	if status != http.StatusCreated {
		t.Fatalf("the guest's order = %d %s; want 201", status, raw)
	}
	if err := json.Unmarshal(raw, &r.guest); err != nil || r.guest.Status != "pending" {
		t.Fatalf("the guest's order %s (%v); want it pending, waiting for the waiter", raw, err)
	}
	kdsDo(t, box, r.guestTok, http.MethodPost, "/api/tables/8/requests", map[string]string{"kind": "waiter"}, http.StatusOK, nil)
	return r
}

// walkLayout measures a screen: elements of sel that overlap one another
// or leave the viewport, the page's sideways scroll, and the smallest
// visible text (its rendered height in screen pixels) under root.
type walkLayout struct {
	Overlaps  []string `json:"overlaps"`
	Offscreen []string `json:"offscreen"`
	ScrollX   int      `json:"scrollX"`
	MinText   float64  `json:"minText"`
	MinWhat   string   `json:"minWhat"`
}

func walkMeasure(t *testing.T, ctx context.Context, sel, root string) walkLayout {
	t.Helper()
	raw := kdsString(t, ctx, `(() => {
		const sel = `+kdsQuote(sel)+`, roots = `+kdsQuote(root)+` ? [...document.querySelectorAll(`+kdsQuote(root)+`)] : [];
		const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.dataset.id ? '[' + e.dataset.id + ']' : '') + ' ' + (e.textContent || '').trim().slice(0, 30);
		const els = [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0);
		const rs = els.map((e) => e.getBoundingClientRect());
		const out = {overlaps: [], offscreen: [], scrollX: document.documentElement.scrollWidth - document.documentElement.clientWidth, minText: 1e9, minWhat: ''};
		for (let i = 0; i < rs.length; i++) {
			const a = rs[i];
			// A screen that scrolls may run below the fold, never off the side.
			const fixed = document.documentElement.scrollHeight <= innerHeight;
			if (a.left < -1 || a.right > innerWidth + 1 || (fixed && (a.top < -1 || a.bottom > innerHeight + 1))) out.offscreen.push(name(els[i]));
			for (let j = i + 1; j < rs.length; j++) {
				const b = rs[j];
				if (els[i].contains(els[j]) || els[j].contains(els[i])) continue;
				const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
				if (w > 1 && h > 1) out.overlaps.push(name(els[i]) + ' × ' + name(els[j]));
			}
		}
		for (const root of roots) {
			const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let n = walk.nextNode(); n; n = walk.nextNode()) {
				if (!n.textContent.trim() || !n.parentElement.getClientRects().length) continue;
				const cs = getComputedStyle(n.parentElement);
				if (cs.visibility === 'hidden' || n.parentElement.closest('[hidden], .sr, .sr-only, [aria-hidden=true]')) continue;
				const rg = document.createRange(); rg.selectNodeContents(n);
				for (const r of rg.getClientRects()) {
					if (r.width < 1 || r.height < 1) continue;
					// The font size as drawn: the computed size times the page's scale.
					const scale = n.parentElement.getBoundingClientRect().width / Math.max(1, n.parentElement.offsetWidth);
					const px = parseFloat(cs.fontSize) * (isFinite(scale) && scale > 0 ? scale : 1);
					if (px < out.minText) { out.minText = px; out.minWhat = n.textContent.trim().slice(0, 40) + ' (' + cs.fontSize + ')'; }
					break;
				}
			}
		}
		return JSON.stringify(out);
	})()`)
	var l walkLayout
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		t.Fatalf("layout %s: %v", raw, err)
	}
	return l
}

// walkCheckLayout fails on overlaps, things off screen or sideways scroll,
// and on text drawn smaller than minPx.
func walkCheckLayout(t *testing.T, ctx context.Context, where, sel, root string, minPx float64) walkLayout {
	t.Helper()
	l := walkMeasure(t, ctx, sel, root)
	if len(l.Overlaps) > 0 {
		t.Errorf("%s: overlapping: %q", where, l.Overlaps)
	}
	if len(l.Offscreen) > 0 {
		t.Errorf("%s: off the screen: %q", where, l.Offscreen)
	}
	if l.ScrollX > 0 {
		t.Errorf("%s: the page scrolls sideways by %dpx", where, l.ScrollX)
	}
	if l.MinText < minPx {
		t.Errorf("%s: smallest text %.1fpx (%s); want at least %.0fpx at this size", where, l.MinText, l.MinWhat, minPx)
	}
	if root != "" {
		t.Logf("%s: smallest text %.1fpx (%s)", where, l.MinText, l.MinWhat)
	}
	return l
}

// walkNothingHidden holds when no ticket on the board hides a line or its
// note: not below its bottom, not in a column past its right edge, and no
// "more" marker.
const walkNothingHidden = `[...document.querySelectorAll('#tickets .ticket')].every(t => {
	const i = t.querySelector('.t-items'), n = t.querySelector('.t-notes');
	return i.scrollHeight <= i.clientHeight + 1 && i.scrollWidth <= i.clientWidth + 1 && t.querySelector('.t-more').hidden && (!n || n.scrollHeight <= n.clientHeight + 1);
})`

// walkKDSPages pages through the kitchen board and returns the ids of
// every ticket on it, checking each page: tickets apart and on screen,
// nothing on a ticket hidden, text readable, more pages announced.
func walkKDSPages(t *testing.T, ctx context.Context, name string) (ids map[int64]int, pages int) {
	t.Helper()
	walkKDSShowPage(t, ctx, 1)
	ids = map[int64]int{}
	for pages < 5 {
		pages++
		kdsWait(t, ctx, fmt.Sprintf("%s page %d laid out", name, pages), walkNothingHidden+` && !document.querySelector('.flash-new')`)
		shot(t, ctx, fmt.Sprintf("walk-%s-page%d", name, pages))
		// scale is the board's drawn size against its 1920-wide design.
		scale := kdsValue[float64](t, ctx, `innerWidth / 1920`)
		walkCheckLayout(t, ctx, fmt.Sprintf("%s page %d", name, pages), "#tickets .ticket, header *, #pass, .allday, #more-pages", "#tickets", 14*scale)
		// What the cooks read from across the kitchen: the dishes and the notes.
		walkCheckLayout(t, ctx, fmt.Sprintf("%s page %d, dishes and notes", name, pages), "#tickets .ticket", "#tickets .line .name, #tickets .line .qty, #tickets .note, #tickets .t-notes", 20*scale)
		walkBadgesWhole(t, ctx, fmt.Sprintf("%s page %d", name, pages))
		var onPage []int64
		if err := json.Unmarshal([]byte(kdsString(t, ctx, `JSON.stringify([...document.querySelectorAll('#tickets .ticket')].map(e => Number(e.dataset.id)))`)), &onPage); err != nil {
			t.Fatal(err)
		}
		for _, id := range onPage {
			if p, dup := ids[id]; dup && p != pages {
				t.Errorf("%s: ticket %d shows on page %d and page %d", name, id, p, pages)
			}
			ids[id] = pages
		}
		more := kdsString(t, ctx, `(() => { const m = document.getElementById('more-pages'); return m.hidden ? '' : m.textContent; })()`)
		pager := kdsString(t, ctx, `document.getElementById('pager').hidden ? '' : document.getElementById('page-text').textContent`)
		if pager != fmt.Sprintf("Page %d/%s", pages, strings.TrimPrefix(pager, fmt.Sprintf("Page %d/", pages))) {
			t.Errorf("%s: page %d says %q", name, pages, pager)
		}
		if !strings.Contains(more, "MORE TICKET") {
			if pages > 1 && !strings.Contains(more, "OLDER TICKET") {
				t.Errorf("%s: the last page does not point back to the older tickets: %q", name, more)
			}
			break
		}
		kdsClick(t, ctx, "#more-pages")
		kdsWait(t, ctx, fmt.Sprintf("%s page %d", name, pages+1), `document.getElementById('page-text').textContent.startsWith('Page `+fmt.Sprint(pages+1)+`/')`)
	}
	return ids, pages
}

// walkKDSShowPage pages the board to page p (1-based).
func walkKDSShowPage(t *testing.T, ctx context.Context, p int) {
	t.Helper()
	for i := 0; i < 6; i++ {
		txt := kdsString(t, ctx, `document.getElementById('pager').hidden ? 'Page 1/1' : document.getElementById('page-text').textContent`)
		var cur, of int
		if _, err := fmt.Sscanf(txt, "Page %d/%d", &cur, &of); err != nil {
			t.Fatalf("the pager says %q", txt)
		}
		if cur == p {
			return
		}
		kdsClick(t, ctx, map[bool]string{true: "#page-next", false: "#page-prev"}[cur < p])
		kdsWait(t, ctx, "the next page", `document.getElementById('page-text').textContent !== `+kdsQuote(txt))
	}
	t.Fatalf("could not page the board to page %d", p)
}

// walkBadgesWhole fails when a ticket's status or paid badge is cut short
// ("COO…"): the cooks read them from across the kitchen.
func walkBadgesWhole(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if got := kdsString(t, ctx, `[...document.querySelectorAll('#tickets .t-status, #tickets .t-paid')].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.closest('.ticket').querySelector('.t-table').textContent + ': ' + e.textContent).join(', ')`); got != "" {
		t.Errorf("%s: badges cut short: %s", where, got)
	}
}

// walkAxe runs axe-core on the screen as the walk left it; without axe-core
// installed (outside CI) the walk goes on without it rather than skip.
func walkAxe(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(axeTestDir, "node_modules", "axe-core", "axe.min.js")); err != nil && os.Getenv("CI") == "" {
		t.Logf("axe-core not installed: %s not checked", state)
		return
	}
	axeCheck(t, ctx, "walk: "+state)
}

func walkJoin(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

// walkAllergy checks that the allergy text under sel of ticket id shows in
// full, red and larger than the other lines.
func walkAllergy(t *testing.T, ctx context.Context, id int64, sel, text string) {
	t.Helper()
	raw := kdsString(t, ctx, `(() => {
		const tk = document.querySelector('`+kdsTicketSel(id)+`');
		if (!tk) return JSON.stringify({err: 'no ticket'});
		const e = [...tk.querySelectorAll(`+kdsQuote(sel)+`)].find(x => x.textContent.includes(`+kdsQuote(text)+`));
		if (!e) return JSON.stringify({err: 'no allergy text'});
		const r = e.getBoundingClientRect(), b = tk.getBoundingClientRect(), cs = getComputedStyle(e);
		const isRed = (c) => { const [R, G, B, A] = (c.match(/[\d.]+/g) || []).map(Number); return A !== 0 && R > 150 && G < 120 && B < 120; };
		return JSON.stringify({inside: r.height > 0 && r.bottom <= b.bottom + 1 && r.right <= b.right + 1 && r.top >= b.top - 1, red: isRed(cs.color) || isRed(cs.backgroundColor), size: parseFloat(cs.fontSize), whole: e.scrollHeight <= e.clientHeight + 1 || cs.overflow === 'visible'});
	})()`)
	var a struct {
		Err    string
		Inside bool
		Red    bool
		Size   float64
		Whole  bool
	}
	if err := json.Unmarshal([]byte(raw), &a); err != nil || a.Err != "" {
		t.Errorf("ticket %d's %q: %s %v", id, text, a.Err, err)
		return
	}
	if !a.Inside || !a.Red || !a.Whole {
		t.Errorf("ticket %d's %q: inside the ticket %v, red %v, whole %v; want all", id, text, a.Inside, a.Red, a.Whole)
	}
}

package main

// The table app and the kitchen display in WebKit, the iPad's own engine
// (WebKitGTK's MiniBrowser over W3C WebDriver), at iPad sizes: the same
// flows the Chromium tests walk, with screenshots saved beside theirs as
// webkit-*.png.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWebKit shares one Xvfb, one driver and one box between the flows;
// each flow opens its own browser window.
func TestWebKit(t *testing.T) {
	d := startWebKit(t)
	b := startBox(t, boxOptions{Demo: true})
	for i, sz := range []struct {
		w, h   int
		byLink bool
	}{{1180, 820, true}, {820, 1180, false}} {
		t.Run(fmt.Sprintf("table-%dx%d", sz.w, sz.h), func(st *testing.T) {
			wkTableFlow(st, t, d, b, sz.w, sz.h, i, sz.byLink)
		})
	}
	t.Run("kds", func(st *testing.T) { wkKDSFlow(st, d, b) })
}

type wkMenuItem struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	PriceCents int64    `json:"price_cents"`
	Allergens  []string `json:"allergens"`
}

// wkTableFlow walks one table's visit at width×height: pairing (from the
// QR link or by typing the code), the menu with allergens and a sold-out
// item, a cart with notes, a double-tapped Send, progress to ready, the
// service buttons and the bill, and the box going away and coming back.
// The box is restarted with parent, whose log outlives this subtest.
func wkTableFlow(t, parent *testing.T, d *wkDriver, b *testBox, w, h, n int, byLink bool) {
	size := fmt.Sprintf("%dx%d", w, h)
	shot := func(s *wkSession, name string) { s.Shot("webkit-table-" + name + "-" + size) }
	_, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	table.ID += int64(n) // each size its own table
	var menu struct {
		Categories []struct {
			Items []wkMenuItem `json:"items"`
		} `json:"categories"`
	}
	tblJSON(t, b, http.MethodGet, "/api/menu", waiter, nil, http.StatusOK, &menu)
	var items []wkMenuItem
	var allergic wkMenuItem
	for _, c := range menu.Categories {
		for _, it := range c.Items {
			items = append(items, it)
			if allergic.ID == 0 && len(it.Allergens) > 0 {
				allergic = it
			}
		}
	}
	if len(items) < 3 || allergic.ID == 0 {
		t.Fatalf("the demo menu has %d items, allergens on %q; want 3 items and one with allergens", len(items), allergic.Name)
	}
	a, c, soldOut := items[0], items[1], items[2]
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", soldOut.ID), chef, map[string]bool{"available": false}, http.StatusOK, nil)
	defer tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", soldOut.ID), chef, map[string]bool{"available": true}, http.StatusOK, nil)

	s := d.Open(t, w, h)
	code, url := tblPair(t, b, waiter, table.ID)
	if byLink {
		s.Navigate(b.URL + url[strings.Index(url, "/t/"):])
	} else {
		s.Navigate(b.URL + "/t/")
		s.Wait("pairing screen", `!document.getElementById('pair').hidden`, 20*time.Second)
		shot(s, "pairing")
		s.Type("#pair-code", code)
		s.Click("#pair-submit")
	}
	s.Wait("menu after pairing", `document.querySelectorAll('[data-item]').length > 0 && !document.getElementById('app').hidden`, 20*time.Second)
	if got := s.String(`location.pathname + location.search`); got != "/t/" {
		t.Errorf("address after pairing = %q; want /t/ (the spent code removed)", got)
	}
	// As an iPad on the LAN sees it: no secure context, so no service
	// worker and no crypto.randomUUID. A trap catches any later use.
	if s.Bool(`window.isSecureContext`) {
		t.Fatalf("window.isSecureContext = true; want false (opened as %s)", b.URL)
	}
	if s.Bool(`'serviceWorker' in navigator && !!navigator.serviceWorker && !!navigator.serviceWorker.controller`) {
		t.Errorf("a service worker controls the page; want none")
	}
	t.Logf("WebKit: %s; crypto.randomUUID is %s", s.String(`navigator.userAgent`), s.String(`typeof (window.crypto && crypto.randomUUID)`))
	s.Eval(`window.__uuid = 0; if (window.crypto) { try { Object.defineProperty(crypto, 'randomUUID', { configurable: true, value: () => { window.__uuid++; throw new Error('crypto.randomUUID is not there on an iPad over plain HTTP'); } }); } catch (e) { crypto.randomUUID = () => { window.__uuid++; throw e; }; } } return null`, nil)
	s.Wait("table name", fmt.Sprintf(`document.getElementById('table-name').textContent === %q`, tblLabel(fmt.Sprintf("T%d", table.ID))), 5*time.Second)
	s.Wait("live connection", `document.getElementById('conn').hidden`, 20*time.Second)

	// Browsing: allergens on the card, the sold-out item greyed out and not addable.
	item := func(id int64, rest string) string { return fmt.Sprintf(`[data-item="%d"]%s`, id, rest) }
	if got := s.String(fmt.Sprintf(`document.querySelectorAll('%s').length`, item(allergic.ID, " .allergen"))); got != fmt.Sprint(len(allergic.Allergens)) {
		t.Errorf("allergens shown on %s = %s; want %d (%v)", allergic.Name, got, len(allergic.Allergens), allergic.Allergens)
	}
	s.Wait("sold-out item greyed out", fmt.Sprintf(`document.querySelector('%s').classList.contains('is-out') && document.querySelector('%s').disabled`, item(soldOut.ID, ""), item(soldOut.ID, " .add")), 3*time.Second)
	s.Eval(fmt.Sprintf(`document.querySelector('%s').click(); return null`, item(soldOut.ID, " .add")), nil)
	shot(s, "menu")

	// The cart: two of a, one of c with a note from its sheet, an order note.
	s.Click(item(a.ID, " .add"))
	s.Click(item(a.ID, " .add"))
	s.Click(item(c.ID, " .item-name"))
	s.Wait("item sheet", `!document.getElementById('sheet').hidden && !!document.getElementById('sheet-add')`, 3*time.Second)
	shot(s, "sheet")
	s.Type(`#sheet input[type=text]`, "no onions")
	s.Click("#sheet-add")
	s.Wait("sheet closed", `document.getElementById('sheet').hidden`, 3*time.Second)
	// Beside the menu the cart shows; a portrait iPad's drawer opens with a tap.
	if s.Bool(`document.getElementById('panel-cart').getClientRects().length === 0`) {
		s.Click("#tab-cart")
	}
	s.Type("#order-note", "a birthday")
	s.Wait("cart count", `document.getElementById('cart-count').textContent === '3'`, 3*time.Second)
	want := s.String(fmt.Sprintf(`new Intl.NumberFormat(undefined, {style: 'currency', currency: 'EUR'}).format(%d / 100)`, 2*a.PriceCents+c.PriceCents))
	if got := s.String(`document.getElementById('cart-total').textContent`); got != want || !strings.Contains(got, "€") {
		t.Errorf("cart total = %q; want %q", got, want)
	}
	for _, id := range []string{"send", "btn-waiter", "btn-bill"} {
		if !s.Bool(fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`, id)) {
			t.Errorf("#%s is not fully on screen at %s", id, size)
		}
	}
	if over := s.String(`document.documentElement.scrollWidth - window.innerWidth`); over != "0" {
		t.Errorf("page is %spx wider than the screen at %s; want no sideways scrolling", over, size)
	}
	shot(s, "cart")

	// A double tap on Send makes one order.
	s.Eval(`const b = document.getElementById('send'); b.click(); b.click(); return null`, nil)
	s.Wait("order on the progress tab", `document.querySelectorAll('#panel-orders [data-order]').length === 1 && !document.getElementById('panel-orders').hidden`, 10*time.Second)
	orders := tblOrders(t, b, waiter, table.ID)
	if len(orders) != 1 {
		t.Fatalf("orders of table %d after a double tap = %d; want 1", table.ID, len(orders))
	}
	o := orders[0]
	if o.Notes != "a birthday" || len(o.Items) != 2 {
		t.Fatalf("order = %+v; want notes %q and 2 lines", o, "a birthday")
	}
	for _, it := range o.Items {
		if it.MenuItemID == c.ID && it.Notes != "no onions" {
			t.Errorf("line of %s = %+v; want note %q", c.Name, it, "no onions")
		}
	}
	if n := s.String(`window.__uuid`); n != "0" {
		t.Errorf("the page called crypto.randomUUID %s times; an iPad over plain HTTP has none", n)
	}

	// Live progress to ready.
	for _, st := range []struct{ status, token, label string }{
		{"confirmed", waiter, "In the kitchen"}, {"preparing", chef, "Being prepared"}, {"ready", chef, "Ready"},
	} {
		if o.Status == st.status {
			continue
		}
		tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), st.token, map[string]string{"status": st.status}, http.StatusOK, nil)
		took := s.Wait("status "+st.status, fmt.Sprintf(`(() => { const p = document.querySelector('[data-order="%d"] .pill'); return p && p.dataset.status === %q && p.textContent === %q; })()`, o.ID, st.status, st.label), 5*time.Second)
		t.Logf("order %d shown as %s %v after the PATCH", o.ID, st.status, took.Round(time.Millisecond))
	}
	// The texts of neighbouring step labels keep a gap: WebKit's type is
	// wider than Chromium's.
	if !s.Bool(`(() => { const text = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); }; const s = [...document.querySelectorAll('.step-label')]; for (let i = 1; i < s.length; i++) { const a = text(s[i-1]), b = text(s[i]); if (Math.abs(a.top - b.top) < 2 && b.left > a.left && a.right + 2 > b.left) return false; } return s.length > 0; })()`) {
		t.Errorf("progress step labels touch or overlap at %s", size)
	}
	shot(s, "progress")

	// Call a waiter, then the bill.
	s.Click("#btn-waiter")
	s.Wait("waiter called", `document.getElementById('btn-waiter').classList.contains('is-sent')`, 3*time.Second)
	var tb tblTable
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d", table.ID), waiter, nil, http.StatusOK, &tb)
	if tb.OpenRequest == nil || tb.OpenRequest.Kind != "waiter" {
		t.Fatalf("open_request after Call waiter = %+v; want kind waiter", tb.OpenRequest)
	}
	if status, raw := b.Do(t, http.MethodDelete, fmt.Sprintf("/api/tables/%d/requests", table.ID), waiter, nil); status/100 != 2 {
		t.Fatalf("DELETE requests = %d %s; want 2xx", status, raw)
	}
	s.Wait("request cleared", `!document.getElementById('btn-waiter').classList.contains('is-sent')`, 3*time.Second)
	var bill struct {
		TotalCents int64 `json:"total_cents"`
	}
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d/bill", table.ID), waiter, nil, http.StatusOK, &bill)
	s.Click("#btn-bill")
	wantBill := s.String(fmt.Sprintf(`new Intl.NumberFormat(undefined, {style: 'currency', currency: 'EUR'}).format(%d / 100)`, bill.TotalCents))
	s.Wait("bill total", fmt.Sprintf(`(() => { const e = document.querySelector('[data-total="Total"]'); return e && e.textContent === %q; })()`, wantBill), 3*time.Second)
	if !s.Bool(`(() => { const r = document.getElementById('ask-bill').getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Errorf("Ask for the bill is not on screen at %s", size)
	}
	shot(s, "bill")
	s.Click("#ask-bill")
	s.Wait("bill requested", `document.getElementById('ask-bill').disabled && document.getElementById('btn-bill').classList.contains('is-sent')`, 3*time.Second)
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d", table.ID), waiter, nil, http.StatusOK, &tb)
	if tb.OpenRequest == nil || tb.OpenRequest.Kind != "bill" {
		t.Fatalf("open_request after Ask for the bill = %+v; want kind bill", tb.OpenRequest)
	}
	s.Click(".sheet-close")
	s.Wait("bill closed", `document.getElementById('sheet').hidden`, 3*time.Second)

	// The box goes away: the banner says so; it comes back: live again.
	b.Stop()
	s.Wait("offline banner", `!document.getElementById('conn').hidden`, 15*time.Second)
	shot(s, "offline")
	b.start(parent)
	took := s.Wait("live again after the box returned", `document.getElementById('conn').hidden`, 30*time.Second)
	t.Logf("connection live %v after the box came back", took.Round(time.Millisecond))
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), waiter, map[string]string{"status": "served"}, http.StatusOK, nil)
	s.Wait("live progress after the outage", fmt.Sprintf(`document.querySelector('[data-order="%d"] .pill').dataset.status === 'served'`, o.ID), 5*time.Second)
}

// wkKDSFlow: a chef signs in on an iPad-sized screen (the 1080p board
// scaled down), a new order's ticket appears, Start and Bump by touch move
// it to preparing and ready. WebDriver's click hits the point where the
// button is drawn, so a scaled board that WebKit lays out apart from what
// it draws fails here.
func wkKDSFlow(t *testing.T, d *wkDriver, b *testBox) {
	waiter := b.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, b, waiter)
	s := d.Open(t, 1180, 820)
	s.Navigate(b.URL + "/kds")
	s.Wait("sign-in form", `!document.getElementById('login').hidden`, 20*time.Second)
	s.Type("#login-user", "marco")
	s.Type("#login-pass", "chef123")
	s.Click("#login-submit")
	s.Wait("live board", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`, 20*time.Second)
	o := kdsPlace(t, b, waiter, 5, "Birthday", kdsLine{menu["Spaghetti carbonara"], 2, "no pepper"}, kdsLine{menu["Tiramisù"], 1, ""})
	s.Wait("ticket of the new order", kdsTicket(o.ID)+` && document.querySelectorAll('`+kdsTicketSel(o.ID)+` .line').length === 2`, 5*time.Second)
	text := s.String(`document.querySelector('` + kdsTicketSel(o.ID) + `').innerText`)
	for _, want := range []string{"Spaghetti carbonara", "no pepper", "Tiramisù", "Birthday"} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket text %q lacks %q", text, want)
		}
	}
	// At an iPad's size the 1080p board is scaled down; it must not scroll.
	if over := s.String(`document.documentElement.scrollWidth - innerWidth + document.documentElement.scrollHeight - innerHeight`); over != "0" {
		t.Errorf("the scaled kitchen display overflows the screen by %spx; want no scrolling", over)
	}
	s.Shot("webkit-kds-new-1180x820")
	s.Click(kdsTicketSel(o.ID) + " .act-start")
	kdsWaitOrder(t, b, waiter, o.ID, "preparing after Start", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	s.Wait("ticket preparing", `document.querySelector('`+kdsTicketSel(o.ID)+`')?.dataset.status === 'preparing'`, 5*time.Second)
	s.Click(kdsTicketSel(o.ID) + " .act-bump")
	kdsWaitOrder(t, b, waiter, o.ID, "ready after Bump", func(o kdsOrderBody) bool { return o.Status == "ready" })
	s.Wait("bumped ticket at the pass", `!`+kdsTicket(o.ID)+` && !!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o.ID)+`"]')`, 5*time.Second)
	s.Shot("webkit-kds-bumped-1180x820")
}

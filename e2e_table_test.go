package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The table app's browser tests: a real box (SQLite, hub, server, embedded
// assets) and Debian's chromium at iPad sizes, opened as http://rms.local:PORT
// so the page is not a secure context, as on a real iPad on the LAN.

type tblMenu struct {
	Categories []struct {
		ID    int64     `json:"id"`
		Name  string    `json:"name"`
		Items []tblItem `json:"items"`
	} `json:"categories"`
}

type tblItem struct {
	ID         int64  `json:"id"`
	CategoryID int64  `json:"category_id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Available  bool   `json:"available"`
}

type tblOrder struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Notes  string `json:"notes"`
	Items  []struct {
		MenuItemID int64  `json:"menu_item_id"`
		Quantity   int    `json:"quantity"`
		Notes      string `json:"notes"`
	} `json:"items"`
}

type tblTable struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	OpenRequest *struct {
		Kind string `json:"kind"`
	} `json:"open_request"`
}

// tblJSON calls the box over REST and decodes the answer, failing the test
// on any status other than want.
func tblJSON(t *testing.T, b *testBox, method, path, token string, body any, want int, out any) {
	t.Helper()
	status, raw := b.Do(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s = %d %s; want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func tblOrders(t *testing.T, b *testBox, token string, tableID int64) []tblOrder {
	t.Helper()
	status, raw := b.Do(t, http.MethodGet, fmt.Sprintf("/api/orders?table_id=%d", tableID), token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/orders = %d %s; want 200", status, raw)
	}
	var list []tblOrder
	if err := json.Unmarshal(raw, &list); err != nil {
		var wrapped struct {
			Orders []tblOrder `json:"orders"`
		}
		if err2 := json.Unmarshal(raw, &wrapped); err2 != nil {
			t.Fatalf("decode orders %s: %v", raw, err)
		}
		list = wrapped.Orders
	}
	return list
}

// tblPair asks for a pairing code as staff.
func tblPair(t *testing.T, b *testBox, token string, tableID int64) (code, url string) {
	t.Helper()
	var p struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	}
	tblJSON(t, b, http.MethodPost, fmt.Sprintf("/api/tables/%d/pair", tableID), token, nil, http.StatusOK, &p)
	if len(p.Code) != 6 || !strings.Contains(p.URL, "/t/?code="+p.Code) {
		t.Fatalf("POST /api/tables/%d/pair = %+v; want a 6-digit code and a /t/?code= URL", tableID, p)
	}
	return p.Code, p.URL
}

// tblWait polls a JavaScript predicate in the page until it is truthy and
// returns how long that took.
func tblWait(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(tctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		t.Fatalf("%s: %s still false after %v: %v", what, expr, timeout, err)
	}
	return time.Since(start)
}

func tblEval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func tblDo(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// tblPrice formats cents as the page does, to compare totals.
func tblPrice(t *testing.T, ctx context.Context, cents int64) string {
	t.Helper()
	return tblEval[string](t, ctx, fmt.Sprintf(`new Intl.NumberFormat(undefined, {style: 'currency', currency: 'EUR'}).format(%d / 100)`, cents))
}

func tblStaff(t *testing.T, b *testBox) (admin, waiter, chef string) {
	t.Helper()
	return b.Login(t, "admin", "admin123"), b.Login(t, "ana", "waiter123"), b.Login(t, "marco", "chef123")
}

func tblFirstTable(t *testing.T, b *testBox, token string) tblTable {
	t.Helper()
	status, raw := b.Do(t, http.MethodGet, "/api/tables", token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/tables = %d %s", status, raw)
	}
	var list []tblTable
	if err := json.Unmarshal(raw, &list); err != nil {
		var wrapped struct {
			Tables []tblTable `json:"tables"`
		}
		if err2 := json.Unmarshal(raw, &wrapped); err2 != nil {
			t.Fatalf("decode tables %s: %v", raw, err)
		}
		list = wrapped.Tables
	}
	if len(list) == 0 {
		t.Fatal("the demo has no tables")
	}
	return list[0]
}

func tblItems(t *testing.T, b *testBox, token string) []tblItem {
	t.Helper()
	var m tblMenu
	tblJSON(t, b, http.MethodGet, "/api/menu", token, nil, http.StatusOK, &m)
	var items []tblItem
	for _, c := range m.Categories {
		items = append(items, c.Items...)
	}
	if len(items) < 4 {
		t.Fatalf("the demo menu has %d items; want at least 4", len(items))
	}
	return items
}

// TestTableApp walks one table through a visit: pairing from the QR URL,
// browsing, a cart with notes sent by a double tap, live progress driven by
// the kitchen over REST, an item 86'd under the guests' eyes, a category
// added live, the service buttons, the bill, and finally a re-pairing that
// revokes this iPad, which pairs again by typing the code.
func TestTableApp(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	items := tblItems(t, b, waiter)
	a, c, soldOut := items[0], items[1], items[2]

	code, url := tblPair(t, b, waiter, table.ID)
	path := url[strings.Index(url, "/t/"):]
	ctx := newBrowser(t, 1180, 820)

	// Pairing from the staff QR code: trade at once, then clean the address.
	tblDo(t, ctx, "open the QR URL", chromedp.Navigate(b.URL+path))
	tblWait(t, ctx, "menu after pairing", `document.querySelectorAll('[data-item]').length > 0`, 10*time.Second)
	if got := tblEval[bool](t, ctx, `window.isSecureContext`); got {
		t.Fatalf("window.isSecureContext = %v; want false (the page must work outside a secure context)", got)
	}
	if got := tblEval[string](t, ctx, `location.pathname + location.search`); got != "/t/" {
		t.Errorf("address after pairing = %q; want /t/ (the spent code removed)", got)
	}
	if got := tblEval[bool](t, ctx, `!!localStorage.getItem('rms.token.table')`); !got {
		t.Errorf("table token kept in localStorage = %v; want true", got)
	}
	if got := tblEval[bool](t, ctx, `'serviceWorker' in navigator && !!navigator.serviceWorker.controller`); got {
		t.Errorf("service worker controls the page = %v; want false", got)
	}
	tblCheckInstallable(t, b, ctx)
	tblWait(t, ctx, "table name in the header", fmt.Sprintf(`document.getElementById('table-name').textContent === %q`, tblLabel(table.Name)), 5*time.Second)
	tblWait(t, ctx, "live connection", `document.getElementById('conn').hidden`, 10*time.Second)
	shot(t, ctx, "table-menu")

	// The same code again is spent.
	if status, raw := b.Do(t, http.MethodPost, "/api/pair", "", map[string]string{"code": code}); status == http.StatusOK {
		t.Fatalf("POST /api/pair with a spent code = %d %s; want an error", status, raw)
	}

	// Browse and fill the cart: two of a, one of c with a note, an order note.
	sel := func(id int64, rest string) string { return fmt.Sprintf(`[data-item="%d"]%s`, id, rest) }
	tblDo(t, ctx, "add items",
		chromedp.Click(chromedp.CSS(sel(a.ID, " .add"))),
		chromedp.Click(chromedp.CSS(sel(a.ID, " .add"))),
	)
	tblDo(t, ctx, "open an item", chromedp.Click(chromedp.CSS(sel(c.ID, " .item-name"))))
	tblWait(t, ctx, "item sheet", `!document.getElementById('sheet').hidden && !!document.getElementById('sheet-add')`, 3*time.Second)
	tblDo(t, ctx, "item note",
		chromedp.SendKeys(chromedp.CSS(`#sheet input[type=text]`), "no onions"),
		chromedp.Click(chromedp.CSS(`#sheet-add`)),
	)
	tblWait(t, ctx, "sheet closed", `document.getElementById('sheet').hidden`, 3*time.Second)
	tblDo(t, ctx, "order note", chromedp.SendKeys(chromedp.CSS(`#order-note`), "a birthday"))
	if got := tblEval[string](t, ctx, `document.getElementById('cart-count').textContent`); got != "3" {
		t.Errorf("cart count = %q; want 3", got)
	}
	wantTotal := tblPrice(t, ctx, 2*a.PriceCents+c.PriceCents)
	if got := tblEval[string](t, ctx, `document.getElementById('cart-total').textContent`); got != wantTotal {
		t.Errorf("cart total = %q; want %q", got, wantTotal)
	}
	// The cart survives a reload, key and all.
	key := tblEval[string](t, ctx, `JSON.parse(localStorage.getItem('rms.table.cart')).key`)
	tblDo(t, ctx, "reload", chromedp.Reload())
	tblWait(t, ctx, "cart after reload", `document.getElementById('cart-count').textContent === '3' && document.querySelectorAll('[data-item]').length > 0 && !!document.getElementById('cart-total')`, 10*time.Second)
	if got := tblEval[string](t, ctx, `JSON.parse(localStorage.getItem('rms.table.cart')).key`); got != key || len(key) < 16 {
		t.Errorf("cart key after reload = %q; want the same key %q", got, key)
	}
	tblWait(t, ctx, "live connection after reload", `document.getElementById('conn').hidden`, 10*time.Second)
	shot(t, ctx, "table-cart")

	// A double tap on Send makes one order.
	tblDo(t, ctx, "double tap send", chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById('send'); b.click(); b.click(); })()`))
	tblWait(t, ctx, "order on the progress tab", `document.querySelectorAll('#panel-orders [data-order]').length === 1 && !document.getElementById('panel-orders').hidden`, 10*time.Second)
	orders := tblOrders(t, b, waiter, table.ID)
	if len(orders) != 1 {
		t.Fatalf("orders of table %d after a double tap = %d; want 1", table.ID, len(orders))
	}
	o := orders[0]
	if o.Notes != "a birthday" || len(o.Items) != 2 {
		t.Fatalf("order = %+v; want notes %q and 2 lines", o, "a birthday")
	}
	for _, it := range o.Items {
		switch it.MenuItemID {
		case a.ID:
			if it.Quantity != 2 || it.Notes != "" {
				t.Errorf("line of %s = %+v; want quantity 2, no note", a.Name, it)
			}
		case c.ID:
			if it.Quantity != 1 || it.Notes != "no onions" {
				t.Errorf("line of %s = %+v; want quantity 1, note %q", c.Name, it, "no onions")
			}
		default:
			t.Errorf("unexpected line %+v", it)
		}
	}
	if got := tblEval[string](t, ctx, `document.getElementById('cart-count').textContent`); got != "" {
		t.Errorf("cart count after sending = %q; want empty", got)
	}

	// Progress follows the kitchen live.
	steps := []struct{ status, token, label string }{
		{"confirmed", waiter, "In the kitchen"},
		{"preparing", chef, "Being prepared"},
		{"ready", chef, "Ready"},
		{"served", waiter, "Served"},
	}
	for _, s := range steps {
		if o.Status == s.status {
			continue // auto-confirmed by the settings
		}
		tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), s.token, map[string]string{"status": s.status}, http.StatusOK, nil)
		took := tblWait(t, ctx, "status "+s.status, fmt.Sprintf(`(() => { const p = document.querySelector('[data-order="%d"] .pill'); return p && p.dataset.status === %q && p.textContent === %q; })()`, o.ID, s.status, s.label), 3*time.Second)
		t.Logf("order %d shown as %s %v after the PATCH", o.ID, s.status, took.Round(time.Millisecond))
		if s.status == "preparing" {
			shot(t, ctx, "table-progress")
		}
	}

	// 86 an item the guests have in their cart: it greys out within a second
	// and leaves the cart with a message.
	// Another table's iPad (a second tab: it keeps its token in memory)
	// must see it too.
	other := newTab(t, ctx, 1024, 768)
	otherTable := tblFirstTable(t, b, waiter).ID + 1
	tblDo(t, other, "second iPad",
		chromedp.Navigate(b.URL+"/t/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.token.table', %q)`, b.PairTable(t, waiter, otherTable))),
		chromedp.Reload(),
	)
	tblWait(t, other, "second iPad live", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 10*time.Second)
	tblDo(t, ctx, "back to the cart", chromedp.Click(chromedp.CSS(`#tab-cart`)), chromedp.Click(chromedp.CSS(sel(soldOut.ID, " .add"))))
	tblWait(t, ctx, "item in cart", `document.getElementById('cart-count').textContent === '1'`, 3*time.Second)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", soldOut.ID), chef, map[string]bool{"available": false}, http.StatusOK, nil)
	greyed := fmt.Sprintf(`(() => { const c = document.querySelector('%s'); return c && c.classList.contains('is-out') && c.querySelector('.add').disabled; })()`, sel(soldOut.ID, ""))
	took := tblWait(t, ctx, "86 greys out", greyed, time.Second)
	t.Logf("86'd item greyed out %v after the PATCH", took.Round(time.Millisecond))
	took = tblWait(t, other, "86 greys out on the second iPad", greyed, time.Second)
	t.Logf("and on a second iPad %v later", took.Round(time.Millisecond))
	tblWait(t, ctx, "86'd item leaves the cart", `document.getElementById('cart-count').textContent === '' && document.getElementById('toasts').textContent.includes('sold out')`, 2*time.Second)
	tblDo(t, ctx, "tap a sold-out item", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('%s').click()`, sel(soldOut.ID, " .add"))))
	if got := tblEval[string](t, ctx, `document.getElementById('cart-count').textContent`); got != "" {
		t.Errorf("cart count after tapping a sold-out item = %q; want empty", got)
	}
	shot(t, ctx, "table-86")
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", soldOut.ID), chef, map[string]bool{"available": true}, http.StatusOK, nil)
	tblWait(t, ctx, "item back", fmt.Sprintf(`!document.querySelector('%s').classList.contains('is-out')`, sel(soldOut.ID, "")), 2*time.Second)

	// A new category pushes no event: its first item is the cue to reload.
	var cat struct {
		ID int64 `json:"id"`
	}
	tblJSON(t, b, http.MethodPost, "/api/menu/categories", admin, map[string]any{"name": "Specials", "position": 99}, http.StatusCreated, &cat)
	var special tblItem
	tblJSON(t, b, http.MethodPost, "/api/menu/items", admin, map[string]any{
		"category_id": cat.ID, "name": "Truffle tagliolini", "description": "Fresh pasta, black truffle", "price_cents": 2800, "allergens": []string{"gluten", "eggs"},
	}, http.StatusCreated, &special)
	tblWait(t, ctx, "item of a new category", fmt.Sprintf(`!!document.querySelector('[data-item="%d"]') && document.getElementById('cats').textContent.includes('Specials')`, special.ID), 3*time.Second)
	// A deleted item leaves the menu at once.
	if status, raw := b.Do(t, http.MethodDelete, fmt.Sprintf("/api/menu/items/%d", special.ID), admin, nil); status/100 != 2 {
		t.Fatalf("DELETE item = %d %s; want 2xx", status, raw)
	}
	tblWait(t, ctx, "deleted item gone", fmt.Sprintf(`!document.querySelector('[data-item="%d"]')`, special.ID), 3*time.Second)

	// Call a waiter: sent until staff clear it.
	tblDo(t, ctx, "call waiter", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	tblWait(t, ctx, "waiter called", `document.getElementById('btn-waiter').classList.contains('is-sent')`, 3*time.Second)
	var tb tblTable
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d", table.ID), waiter, nil, http.StatusOK, &tb)
	if tb.OpenRequest == nil || tb.OpenRequest.Kind != "waiter" {
		t.Fatalf("open_request after Call waiter = %+v; want kind waiter", tb.OpenRequest)
	}
	shot(t, ctx, "table-waiter-called")
	status, raw := b.Do(t, http.MethodDelete, fmt.Sprintf("/api/tables/%d/requests", table.ID), waiter, nil)
	if status/100 != 2 {
		t.Fatalf("DELETE requests = %d %s; want 2xx", status, raw)
	}
	tblWait(t, ctx, "request cleared", `!document.getElementById('btn-waiter').classList.contains('is-sent')`, 3*time.Second)

	// The bill: the table's orders and total, and a request for it.
	var bill struct {
		TotalCents int64 `json:"total_cents"`
	}
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d/bill", table.ID), waiter, nil, http.StatusOK, &bill)
	tblDo(t, ctx, "open the bill", chromedp.Click(chromedp.CSS(`#btn-bill`)))
	wantBill := tblPrice(t, ctx, bill.TotalCents)
	tblWait(t, ctx, "bill total", fmt.Sprintf(`(() => { const e = document.querySelector('[data-total="Total"]'); return e && e.textContent === %q; })()`, wantBill), 3*time.Second)
	shot(t, ctx, "table-bill")
	tblDo(t, ctx, "ask for the bill", chromedp.Click(chromedp.CSS(`#ask-bill`)))
	tblWait(t, ctx, "bill requested", `document.getElementById('ask-bill').disabled && document.getElementById('btn-bill').classList.contains('is-sent')`, 3*time.Second)
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d", table.ID), waiter, nil, http.StatusOK, &tb)
	if tb.OpenRequest == nil || tb.OpenRequest.Kind != "bill" {
		t.Fatalf("open_request after Ask for the bill = %+v; want kind bill", tb.OpenRequest)
	}
	tblDo(t, ctx, "close the bill", chromedp.Click(chromedp.CSS(`.sheet-close`)))

	// A cancelled order says so, with the reason.
	tblDo(t, ctx, "add and send", chromedp.Click(chromedp.CSS(sel(a.ID, " .add"))), chromedp.Click(chromedp.CSS(`#send`)))
	tblWait(t, ctx, "second order", `document.querySelectorAll('#panel-orders [data-order]').length === 2`, 5*time.Second)
	orders = tblOrders(t, b, waiter, table.ID)
	var second int64
	for _, x := range orders {
		if x.ID != o.ID {
			second = x.ID
		}
	}
	tblJSON(t, b, http.MethodPost, fmt.Sprintf("/api/orders/%d/cancel", second), waiter, map[string]string{"reason": "Kitchen closed early"}, http.StatusOK, nil)
	tblWait(t, ctx, "cancel reason", fmt.Sprintf(`(() => { const e = document.querySelector('[data-order="%d"]'); return e && e.textContent.includes('Kitchen closed early') && e.querySelector('.pill').dataset.status === 'cancelled'; })()`, second), 3*time.Second)

	// Guests take back an order staff have not confirmed yet: two taps.
	tblDo(t, ctx, "add and send again", chromedp.Click(chromedp.CSS(`#tab-cart`)), chromedp.Click(chromedp.CSS(sel(c.ID, " .add"))), chromedp.Click(chromedp.CSS(`#send`)))
	tblWait(t, ctx, "third order", `document.querySelectorAll('#panel-orders [data-order]').length === 3`, 5*time.Second)
	var third int64
	for _, x := range tblOrders(t, b, waiter, table.ID) {
		if x.ID != o.ID && x.ID != second {
			third = x.ID
			if x.Status != "pending" {
				t.Fatalf("new order status = %q; want pending (auto-confirm is off in the demo)", x.Status)
			}
		}
	}
	cancelSel := fmt.Sprintf(`[data-cancel="%d"]`, third)
	tblDo(t, ctx, "first tap arms", chromedp.Click(chromedp.CSS(cancelSel)))
	tblWait(t, ctx, "armed", fmt.Sprintf(`document.querySelector('%s').classList.contains('is-armed')`, cancelSel), 2*time.Second)
	var check tblOrder
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/orders/%d", third), waiter, nil, http.StatusOK, &check)
	if check.Status != "pending" {
		t.Fatalf("order after one tap on cancel = %q; want still pending", check.Status)
	}
	tblDo(t, ctx, "second tap cancels", chromedp.Click(chromedp.CSS(cancelSel)))
	tblWait(t, ctx, "cancelled by the guests", fmt.Sprintf(`document.querySelector('[data-order="%d"] .pill').dataset.status === 'cancelled'`, third), 3*time.Second)
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/orders/%d", third), waiter, nil, http.StatusOK, &check)
	if check.Status != "cancelled" {
		t.Fatalf("order after two taps on cancel = %q; want cancelled", check.Status)
	}
	shot(t, ctx, "table-cancelled")

	// Re-pairing the table (a new iPad trades a new code) revokes this one.
	code2, _ := tblPair(t, b, waiter, table.ID)
	tblJSON(t, b, http.MethodPost, "/api/pair", "", map[string]string{"code": code2}, http.StatusOK, nil)
	took = tblWait(t, ctx, "pairing screen after revocation", `!document.getElementById('pair').hidden && document.getElementById('app').hidden`, 5*time.Second)
	t.Logf("revoked iPad back on the pairing screen %v after the trade", took.Round(time.Millisecond))
	if got := tblEval[bool](t, ctx, `localStorage.getItem('rms.token.table') === null`); !got {
		t.Errorf("revoked token cleared = %v; want true", got)
	}
	shot(t, ctx, "table-revoked")

	// A wrong code is refused calmly; the right one, typed, pairs again
	// (as from the installed home-screen app, which has no QR URL).
	tblDo(t, ctx, "wrong code", chromedp.SendKeys(chromedp.CSS(`#pair-code`), "000000"), chromedp.Click(chromedp.CSS(`#pair-submit`)))
	tblWait(t, ctx, "wrong code message", `document.getElementById('pair-msg').classList.contains('pair-msg-error')`, 5*time.Second)
	code3, _ := tblPair(t, b, waiter, table.ID)
	tblDo(t, ctx, "typed code",
		chromedp.SetValue(chromedp.CSS(`#pair-code`), ""),
		chromedp.SendKeys(chromedp.CSS(`#pair-code`), code3),
		chromedp.Click(chromedp.CSS(`#pair-submit`)),
	)
	tblWait(t, ctx, "app after typing the code", `!document.getElementById('app').hidden && document.querySelectorAll('[data-order]').length === 3`, 10*time.Second)
	tblWait(t, ctx, "live again", `document.getElementById('conn').hidden`, 10*time.Second)

	// A split bill: the first payment leaves something due, the second
	// settles it and the order shows as paid.
	tblJSON(t, b, http.MethodGet, fmt.Sprintf("/api/tables/%d/bill", table.ID), waiter, nil, http.StatusOK, &bill)
	half := bill.TotalCents / 2
	tblJSON(t, b, http.MethodPost, "/api/payments", waiter, map[string]any{"table_id": table.ID, "method": "card", "amount_cents": half, "tip_cents": 0}, http.StatusCreated, nil)
	left := tblPrice(t, ctx, bill.TotalCents-half)
	tblWait(t, ctx, "partial payment", fmt.Sprintf(`document.getElementById('toasts').textContent.includes(%q)`, left+" left to pay"), 3*time.Second)
	tblJSON(t, b, http.MethodPost, "/api/payments", waiter, map[string]any{"table_id": table.ID, "method": "cash", "amount_cents": bill.TotalCents - half, "tip_cents": 100}, http.StatusCreated, nil)
	tblWait(t, ctx, "settled", fmt.Sprintf(`document.getElementById('toasts').textContent.includes('bill is settled') && document.querySelector('[data-order="%d"] .pill').dataset.status === 'paid'`, o.ID), 3*time.Second)
	shot(t, ctx, "table-paid")

	// Staff set the table free for the next party: the last party's orders
	// and cart leave the screen.
	tblDo(t, ctx, "a leftover in the cart", chromedp.Click(chromedp.CSS(`#tab-cart`)), chromedp.Click(chromedp.CSS(sel(a.ID, " .add"))))
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/tables/%d/status", table.ID), waiter, map[string]string{"status": "available"}, http.StatusOK, nil)
	tblWait(t, ctx, "clean slate", `document.querySelectorAll('[data-order]').length === 0 && document.getElementById('cart-count').textContent === ''`, 3*time.Second)
}

// tblLabel is how the page names a table: "Table 4" for "4" or "T4".
func tblLabel(name string) string {
	if m := regexp.MustCompile(`^(?i)t?\s*(\d+)$`).FindStringSubmatch(strings.TrimSpace(name)); m != nil {
		return "Table " + m[1]
	}
	return name
}

// tblCheckInstallable checks what iOS and the manifest need to install the
// app to the home screen, and that the icons are real PNGs of their size.
func tblCheckInstallable(t *testing.T, b *testBox, ctx context.Context) {
	t.Helper()
	head := tblEval[map[string]string](t, ctx, `(() => {
		const q = (s, a) => { const e = document.querySelector(s); return e ? e.getAttribute(a) : ''; };
		return {
			manifest: q('link[rel=manifest]', 'href'),
			touchIcon: q('link[rel=apple-touch-icon]', 'href'),
			capable: q('meta[name=apple-mobile-web-app-capable]', 'content'),
			statusBar: q('meta[name=apple-mobile-web-app-status-bar-style]', 'content'),
			title: q('meta[name=apple-mobile-web-app-title]', 'content'),
			theme: q('meta[name=theme-color]', 'content'),
		};
	})()`)
	for k, v := range head {
		if v == "" {
			t.Errorf("head %s is empty; want it set", k)
		}
	}
	if head["capable"] != "yes" {
		t.Errorf("apple-mobile-web-app-capable = %q; want yes", head["capable"])
	}
	icons := map[string]int{head["touchIcon"]: 180, "/t/icon-192.png": 192, "/t/icon-512.png": 512}
	for path, size := range icons {
		dims := tblEval[[]int](t, ctx, fmt.Sprintf(`new Promise((ok) => { const i = new Image(); i.onload = () => ok([i.naturalWidth, i.naturalHeight]); i.onerror = () => ok([0, 0]); i.src = %q; })`, path), chromedp.EvalAwaitPromise)
		if len(dims) != 2 || dims[0] != size || dims[1] != size {
			t.Errorf("icon %s is %v; want %dx%d", path, dims, size, size)
		}
	}
	status, raw := b.Do(t, http.MethodGet, head["manifest"], "", nil)
	if status != http.StatusOK {
		t.Errorf("GET %s = %d; want 200", head["manifest"], status)
		return
	}
	var m struct {
		Name      string `json:"name"`
		StartURL  string `json:"start_url"`
		Display   string `json:"display"`
		ThemeClr  string `json:"theme_color"`
		IconsList []struct {
			Src   string `json:"src"`
			Sizes string `json:"sizes"`
		} `json:"icons"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest %s: %v", raw, err)
	}
	if m.Name == "" || m.StartURL != "/t/" || m.Display != "standalone" || len(m.IconsList) < 2 {
		t.Errorf("manifest = %+v; want a name, start_url /t/, display standalone and two icons", m)
	}
}

// TestTableAppOrderSurvivesLostAnswers sends an order while the box is out
// of reach and then while its answer is lost on the way back: the cart is
// kept, the page says so, and the retries with the same Idempotency-Key
// make exactly one order. Then an item sells out while an order is on its
// way: the 409 names it, it leaves the cart, and the rest can be sent.
func TestTableAppOrderSurvivesLostAnswers(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	items := tblItems(t, b, waiter)
	_, url := tblPair(t, b, waiter, table.ID)
	ctx := newBrowser(t, 1024, 768)
	tblDo(t, ctx, "open the QR URL", chromedp.Navigate(b.URL+url[strings.Index(url, "/t/"):]))
	tblWait(t, ctx, "menu", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 10*time.Second)

	// Every POST /api/orders stops twice in the browser, before it leaves
	// and when its answer comes back, and the test decides its fate.
	x := tblIntercept(t, ctx, "*/api/orders")
	it := items[0]
	tblDo(t, ctx, "add and send",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, it.ID))),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	first := x.next(t, false)
	key := first.key()
	if len(key) < 16 {
		t.Fatalf("Idempotency-Key = %q; want a random key", key)
	}
	x.fail(t, first, network.ErrorReasonInternetDisconnected)
	tblWait(t, ctx, "kept and said so", `(() => { const o = document.querySelector('.outbox.is-waiting'); return o && o.textContent.includes('Not sent yet'); })()`, 5*time.Second)
	tblWait(t, ctx, "offline shown", `!document.getElementById('conn').hidden`, 2*time.Second)
	if got := tblEval[bool](t, ctx, `!!JSON.parse(localStorage.getItem('rms.table.outbox'))`); !got {
		t.Errorf("unsent order kept in localStorage = %v; want true", got)
	}
	shot(t, ctx, "table-unreachable")

	// The retry reaches the box, which makes the order, but the answer is lost.
	retry := x.next(t, false)
	if got := retry.key(); got != key {
		t.Fatalf("Idempotency-Key of the retry = %q; want %q", got, key)
	}
	x.pass(t, retry)
	lost := x.next(t, true)
	if lost.ResponseStatusCode != http.StatusCreated {
		t.Fatalf("answer to the retry = %d; want 201", lost.ResponseStatusCode)
	}
	x.fail(t, lost, network.ErrorReasonConnectionReset)
	if n := len(tblOrders(t, b, waiter, table.ID)); n != 1 {
		t.Fatalf("orders after the lost answer = %d; want 1", n)
	}
	// The next retry replays: same key, the same order, nothing new.
	again := x.next(t, false)
	if got := again.key(); got != key {
		t.Fatalf("Idempotency-Key of the second retry = %q; want %q", got, key)
	}
	x.pass(t, again)
	x.pass(t, x.next(t, true))
	tblWait(t, ctx, "order shown once", `document.querySelectorAll('#panel-orders [data-order]').length === 1 && !document.querySelector('.outbox') && document.getElementById('conn').hidden`, 5*time.Second)
	orders := tblOrders(t, b, waiter, table.ID)
	if len(orders) != 1 || len(orders[0].Items) != 1 || orders[0].Items[0].MenuItemID != it.ID || orders[0].Items[0].Quantity != 1 {
		t.Fatalf("orders after the retries = %+v; want one order of one %s", orders, it.Name)
	}

	// An item sells out while the order carrying it is on its way.
	gone, kept := items[1], items[2]
	tblDo(t, ctx, "fill the cart",
		chromedp.Click(chromedp.CSS(`#tab-cart`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, gone.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, kept.ID))),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	held := x.next(t, false)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", gone.ID), chef, map[string]bool{"available": false}, http.StatusOK, nil)
	tblWait(t, ctx, "86 shown", fmt.Sprintf(`document.querySelector('[data-item="%d"]').classList.contains('is-out')`, gone.ID), 2*time.Second)
	x.pass(t, held)
	refused := x.next(t, true)
	if refused.ResponseStatusCode != http.StatusConflict {
		t.Fatalf("answer to an order with a sold-out item = %d; want 409", refused.ResponseStatusCode)
	}
	x.pass(t, refused)
	tblWait(t, ctx, "409 named and cart kept", fmt.Sprintf(`[...document.querySelectorAll('.toast')].filter((e) => e.textContent.includes(%q)).length === 1 && document.getElementById('cart-count').textContent === '1' && !document.querySelector('.outbox') && !!document.querySelector('#send:not([disabled])')`, gone.Name), 5*time.Second)
	shot(t, ctx, "table-409")
	tblDo(t, ctx, "send the rest", chromedp.Click(chromedp.CSS(`#send`)))
	x.pass(t, x.next(t, false))
	x.pass(t, x.next(t, true))
	tblWait(t, ctx, "second order", `document.querySelectorAll('#panel-orders [data-order]').length === 2`, 5*time.Second)
	orders = tblOrders(t, b, waiter, table.ID)
	if len(orders) != 2 {
		t.Fatalf("orders = %d; want 2", len(orders))
	}
	for _, o := range orders {
		for _, line := range o.Items {
			if line.MenuItemID == gone.ID {
				t.Errorf("order %d has the sold-out item %d", o.ID, gone.ID)
			}
		}
	}
}

// tblInterceptor holds requests matching a URL pattern in the browser, at
// both stages, and hands them to the test one at a time. Requests other
// than POST pass untouched.
type tblInterceptor struct {
	ctx    context.Context
	paused chan *fetch.EventRequestPaused
}

type tblPaused struct{ *fetch.EventRequestPaused }

func (p tblPaused) key() string {
	for k, v := range p.Request.Headers {
		if strings.EqualFold(k, "Idempotency-Key") {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func tblIntercept(t *testing.T, ctx context.Context, pattern string) *tblInterceptor {
	t.Helper()
	x := &tblInterceptor{ctx: ctx, paused: make(chan *fetch.EventRequestPaused, 16)}
	lctx, stop := context.WithCancel(ctx)
	events := chromedp.Events(lctx, fetch.RequestPaused)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range events {
			if err != nil || lctx.Err() != nil {
				return
			}
			if ev.Request.Method != http.MethodPost {
				x.continueEither(&ev)
				continue
			}
			x.paused <- &ev
		}
	})
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: pattern, RequestStage: fetch.RequestStageRequest},
		{URLPattern: pattern, RequestStage: fetch.RequestStageResponse},
	}}); err != nil {
		t.Fatalf("Fetch.enable: %v", err)
	}
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	return x
}

func tblIsResponse(ev *fetch.EventRequestPaused) bool {
	return ev.ResponseStatusCode != 0 || ev.ResponseErrorReason != ""
}

func (x *tblInterceptor) continueEither(ev *fetch.EventRequestPaused) {
	if tblIsResponse(ev) {
		chromedp.Call(x.ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: ev.RequestID})
		return
	}
	chromedp.Call(x.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
}

// next waits for the next held POST, at the response stage or before it leaves.
func (x *tblInterceptor) next(t *testing.T, response bool) tblPaused {
	t.Helper()
	select {
	case ev := <-x.paused:
		if tblIsResponse(ev) != response {
			t.Fatalf("held %s %s at the response stage = %v; want %v", ev.Request.Method, ev.Request.URL, tblIsResponse(ev), response)
		}
		return tblPaused{ev}
	case <-time.After(20 * time.Second):
		t.Fatalf("no POST held within 20s (response stage %v)", response)
	}
	return tblPaused{}
}

func (x *tblInterceptor) pass(t *testing.T, p tblPaused) {
	t.Helper()
	var err error
	if tblIsResponse(p.EventRequestPaused) {
		_, err = chromedp.Call(x.ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: p.RequestID})
	} else {
		_, err = chromedp.Call(x.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: p.RequestID})
	}
	if err != nil {
		t.Fatalf("let %s pass: %v", p.Request.URL, err)
	}
}

func (x *tblInterceptor) fail(t *testing.T, p tblPaused, reason network.ErrorReason) {
	t.Helper()
	if _, err := chromedp.Call(x.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: p.RequestID, ErrorReason: reason}); err != nil {
		t.Fatalf("fail %s: %v", p.Request.URL, err)
	}
}

// TestTableAppLayouts opens the app at the iPad sizes, portrait and
// landscape, and checks what a finger needs: every control at least 44px
// both ways, nothing wider than the screen, and the cart's Send button and
// the service buttons on screen. Screenshots of each size go to the shot folder.
func TestTableAppLayouts(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	items := tblItems(t, b, waiter)
	token := b.PairTable(t, waiter, table.ID)

	// Some history to show: an order being prepared and one just placed.
	var o tblOrder
	tblJSON(t, b, http.MethodPost, "/api/orders", waiter, map[string]any{
		"table_id": table.ID, "notes": "",
		"items": []map[string]any{{"menu_item_id": items[0].ID, "quantity": 2, "notes": "well done"}, {"menu_item_id": items[3].ID, "quantity": 1, "notes": ""}},
	}, http.StatusCreated, &o)
	for _, s := range []struct{ status, token string }{{"confirmed", waiter}, {"preparing", chef}} {
		if o.Status == s.status {
			continue
		}
		tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), s.token, map[string]string{"status": s.status}, http.StatusOK, nil)
	}
	tblJSON(t, b, http.MethodPost, "/api/orders", waiter, map[string]any{
		"table_id": table.ID, "items": []map[string]any{{"menu_item_id": items[4].ID, "quantity": 1}},
	}, http.StatusCreated, nil)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", items[2].ID), chef, map[string]bool{"available": false}, http.StatusOK, nil)

	ctx := newBrowser(t, 1180, 820)
	// A spent or mistyped code from a QR URL lands calmly on the pairing
	// screen, with the code gone from the address.
	tblDo(t, ctx, "open a bad QR URL", chromedp.Navigate(b.URL+"/t/?code=000000"))
	tblWait(t, ctx, "pairing screen", `!document.getElementById('pair').hidden && document.getElementById('pair-msg').classList.contains('pair-msg-error') && !document.getElementById('pair-submit').disabled`, 10*time.Second)
	if got := tblEval[string](t, ctx, `location.pathname + location.search`); got != "/t/" {
		t.Errorf("address after a bad code = %q; want /t/", got)
	}
	tblDo(t, ctx, "open", chromedp.Navigate(b.URL+"/t/"))
	tblWait(t, ctx, "pairing screen", `!document.getElementById('pair').hidden`, 10*time.Second)
	tblCheckTouch(t, ctx, "pairing")
	shot(t, ctx, "table-pairing-1180x820")
	tblDo(t, ctx, "portrait pairing", chromedp.EmulateViewport(768, 1024))
	tblCheckTouch(t, ctx, "pairing portrait")
	shot(t, ctx, "table-pairing-768x1024")
	tblDo(t, ctx, "landscape again", chromedp.EmulateViewport(1180, 820))
	tblDo(t, ctx, "sign the iPad in", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.token.table', %q)`, token)), chromedp.Reload())
	tblWait(t, ctx, "menu", `document.querySelectorAll('[data-item]').length > 0 && document.querySelectorAll('[data-order]').length === 2`, 10*time.Second)
	tblDo(t, ctx, "fill the cart",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, items[1].ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, items[1].ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, items[5].ID))),
	)

	sizes := []struct{ w, h int64 }{{1180, 820}, {820, 1180}, {1024, 768}, {768, 1024}}
	for _, sz := range sizes {
		name := fmt.Sprintf("%dx%d", sz.w, sz.h)
		tblDo(t, ctx, "resize to "+name,
			chromedp.EmulateViewport(sz.w, sz.h),
			chromedp.Click(chromedp.CSS(`#tab-cart`)),
		)
		tblWait(t, ctx, "layout at "+name, fmt.Sprintf(`window.innerWidth === %d`, sz.w), 3*time.Second)
		if over := tblEval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("%s: page is %dpx wider than the screen; want no sideways scrolling", name, over)
		}
		for _, id := range []string{"send", "btn-waiter", "btn-bill", "tab-orders"} {
			if !tblEval[bool](t, ctx, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`, id)) {
				t.Errorf("%s: #%s is not fully on screen", name, id)
			}
		}
		tblCheckTouch(t, ctx, name+" cart")
		shot(t, ctx, "table-layout-"+name+"-cart")
		tblDo(t, ctx, "progress tab", chromedp.Click(chromedp.CSS(`#tab-orders`)))
		tblCheckTouch(t, ctx, name+" progress")
		if got := tblEval[bool](t, ctx, `(() => { const s = [...document.querySelectorAll('.step-label')]; for (let i = 1; i < s.length; i++) { const a = s[i-1].getBoundingClientRect(), b = s[i].getBoundingClientRect(); if (Math.abs(a.top - b.top) < 2 && a.right > b.left + 1 && b.left > a.left) return false; } return true; })()`); !got {
			t.Errorf("%s: progress step labels overlap", name)
		}
		shot(t, ctx, "table-layout-"+name+"-progress")
	}
	// A portrait iPad's cart drawer closes before the menu is tapped again.
	tblDo(t, ctx, "close the drawer", chromedp.Evaluate[chromedp.Void](`document.getElementById('app').classList.contains('side-open') && document.getElementById('side-toggle').click()`))
	tblDo(t, ctx, "item sheet", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .item-name`, items[6].ID))))
	tblWait(t, ctx, "sheet", `!document.getElementById('sheet').hidden`, 3*time.Second)
	tblCheckTouch(t, ctx, "item sheet")
	shot(t, ctx, "table-layout-item-sheet")
}

// tblCheckTouch fails for any visible control smaller than 44×44 CSS px,
// Apple's minimum for a finger.
func tblCheckTouch(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	small := tblEval[[]string](t, ctx, `[...document.querySelectorAll('button, input, textarea, select, a[href]')]
		.filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })
		.filter((e) => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
		.map((e) => { const r = e.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height) + ' ' + e.outerHTML.slice(0, 90); })`)
	for _, s := range small {
		t.Errorf("%s: control smaller than 44px: %s", where, s)
	}
}

// TestTableAppBoxRestart takes the box away under a paired iPad: the page
// says it is reconnecting, an order placed meanwhile waits on the iPad and
// goes out by itself once the box is back, exactly once, and live progress
// resumes on the new process.
func TestTableAppBoxRestart(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	items := tblItems(t, b, waiter)
	token := b.PairTable(t, waiter, table.ID)
	ctx := newBrowser(t, 1180, 820)
	tblDo(t, ctx, "open", chromedp.Navigate(b.URL+"/t/"), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.token.table', %q)`, token)), chromedp.Reload())
	tblWait(t, ctx, "live menu", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 10*time.Second)

	b.Stop()
	tblWait(t, ctx, "reconnecting shown", `!document.getElementById('conn').hidden`, 10*time.Second)
	tblDo(t, ctx, "order while the box is away",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, items[0].ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, items[1].ID))),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	tblWait(t, ctx, "order waits on the iPad", `!!document.querySelector('#panel-cart .outbox.is-waiting') && document.getElementById('conn').textContent.includes('Offline')`, 10*time.Second)
	shot(t, ctx, "table-box-away")
	// Staying down a while lets the page back off; it must still come back.
	time.Sleep(3 * time.Second)

	b.start(t)
	took := tblWait(t, ctx, "order sent once the box is back", `document.querySelectorAll('#panel-orders [data-order]').length === 1 && !document.querySelector('.outbox') && document.getElementById('conn').hidden`, 30*time.Second)
	t.Logf("waiting order sent and connection live %v after the box came back", took.Round(time.Millisecond))
	orders := tblOrders(t, b, waiter, table.ID)
	if len(orders) != 1 || len(orders[0].Items) != 2 {
		t.Fatalf("orders after the outage = %+v; want one order of two lines", orders)
	}
	o := orders[0]
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), waiter, map[string]string{"status": "confirmed"}, http.StatusOK, nil)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), chef, map[string]string{"status": "preparing"}, http.StatusOK, nil)
	tblWait(t, ctx, "live progress after the restart", fmt.Sprintf(`document.querySelector('[data-order="%d"] .pill').dataset.status === 'preparing'`, o.ID), 3*time.Second)
}

package main

// WCAG 2.2 AA of the three web apps, checked by axe-core in Chromium on
// every page and its main states (see e2e_axe_harness_test.go).

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAccessibilityTableApp checks the table app's pairing screen, menu,
// item sheet, cart and order progress.
func TestAccessibilityTableApp(t *testing.T) {
	requireAxe(t)
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, chef := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	items := tblItems(t, b, waiter)
	ctx := newBrowser(t, 1180, 820)

	tblDo(t, ctx, "open the table app unpaired", chromedp.Navigate(b.URL+"/t/"))
	tblWait(t, ctx, "pairing screen", `!document.getElementById('pair').hidden && document.getElementById('pair-code').getClientRects().length > 0`, 10*time.Second)
	axeCheck(t, ctx, "table pairing screen")

	_, url := tblPair(t, b, waiter, table.ID)
	tblDo(t, ctx, "open the QR URL", chromedp.Navigate(b.URL+url[strings.Index(url, "/t/"):]))
	tblWait(t, ctx, "menu after pairing", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 10*time.Second)
	axeCheck(t, ctx, "table menu")

	a, c := items[0], items[1]
	sel := func(id int64, rest string) string { return fmt.Sprintf(`[data-item="%d"]%s`, id, rest) }
	tblDo(t, ctx, "open an item", chromedp.Click(chromedp.CSS(sel(c.ID, " .item-name"))))
	tblWait(t, ctx, "item sheet", `!document.getElementById('sheet').hidden && !!document.getElementById('sheet-add')`, 3*time.Second)
	axeCheck(t, ctx, "table item sheet")
	tblDo(t, ctx, "add from the sheet", chromedp.Click(chromedp.CSS(`#sheet-add`)))
	tblWait(t, ctx, "sheet closed", `document.getElementById('sheet').hidden`, 3*time.Second)
	tblDo(t, ctx, "add another", chromedp.Click(chromedp.CSS(sel(a.ID, " .add"))))
	tblWait(t, ctx, "cart filled", `document.getElementById('cart-count').textContent === '2'`, 3*time.Second)
	axeCheck(t, ctx, "table cart")

	tblDo(t, ctx, "send", chromedp.Evaluate[chromedp.Void](`document.getElementById('send').click()`))
	tblWait(t, ctx, "order on the progress tab", `document.querySelectorAll('#panel-orders [data-order]').length === 1 && !document.getElementById('panel-orders').hidden`, 10*time.Second)
	o := tblOrders(t, b, waiter, table.ID)[0]
	for _, s := range []struct{ status, token string }{{"confirmed", waiter}, {"preparing", chef}} {
		if o.Status == s.status {
			continue
		}
		tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), s.token, map[string]string{"status": s.status}, http.StatusOK, nil)
	}
	tblWait(t, ctx, "order being prepared", fmt.Sprintf(`document.querySelector('[data-order="%d"] .pill')?.dataset.status === 'preparing'`, o.ID), 5*time.Second)
	axeCheck(t, ctx, "table order progress")
}

// TestAccessibilityKDS checks the kitchen display's sign-in and its board
// with tickets.
func TestAccessibilityKDS(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)
	ctx := newBrowser(t, 1920, 1080)

	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	axeCheck(t, ctx, "kds sign-in")

	kdsPlace(t, box, waiter, 1, "Birthday, bring a candle", kdsLine{menu["Spaghetti carbonara"], 2, "no pepper"}, kdsLine{menu["Tiramisù"], 1, ""})
	kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Burrata"], 1, ""}, kdsLine{menu["Aperol spritz"], 2, ""})
	kdsSignIn(t, ctx, "marco", "chef123")
	kdsWait(t, ctx, "board with tickets", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected' && document.querySelectorAll('#tickets .ticket').length === 2`)
	axeCheck(t, ctx, "kds board with tickets")
}

// TestAccessibilityStaffApp checks the staff app's sign-in and sections.
func TestAccessibilityStaffApp(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	ctx := newBrowser(t, 1366, 768)

	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	axeCheck(t, ctx, "staff sign-in")

	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "the floor", `!document.getElementById('shell').hidden && document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	axeCheck(t, ctx, "staff floor")
}

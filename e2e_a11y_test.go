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
	"github.com/chromedp/chromedp/kb"
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
	focusWalk(t, ctx, "table pairing screen", 10)

	_, url := tblPair(t, b, waiter, table.ID)
	tblDo(t, ctx, "open the QR URL", chromedp.Navigate(b.URL+url[strings.Index(url, "/t/"):]))
	tblWait(t, ctx, "menu after pairing", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 10*time.Second)
	axeCheck(t, ctx, "table menu")
	focusWalk(t, ctx, "table menu", 30)

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
	hoverCheck(t, ctx, "table cart", "button")

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

	tblDo(t, ctx, "open the allergy filter", chromedp.Click(chromedp.CSS(`#btn-allergy`)))
	tblWait(t, ctx, "allergy sheet", `!document.getElementById('sheet').hidden && document.querySelectorAll('#sheet button').length > 10`, 3*time.Second)
	axeCheck(t, ctx, "table allergy filter")
	tblDo(t, ctx, "close the sheet", chromedp.KeyEvent(kb.Escape))
	tblWait(t, ctx, "sheet closed", `document.getElementById('sheet').hidden`, 3*time.Second)

	// The box goes away: the connection banner says so, readably.
	b.Stop()
	tblWait(t, ctx, "connection banner", `!document.getElementById('conn').hidden && document.getElementById('conn').textContent.trim() !== ''`, 15*time.Second)
	axeCheck(t, ctx, "table app offline")
	shot(t, ctx, "a11y-table-offline")
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
	focusWalk(t, ctx, "kds sign-in", 10)

	kdsPlace(t, box, waiter, 1, "Birthday, bring a candle", kdsLine{menu["Spaghetti carbonara"], 2, "no pepper"}, kdsLine{menu["Tiramisù"], 1, ""})
	kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Burrata"], 1, ""}, kdsLine{menu["Aperol spritz"], 2, ""})
	kdsSignIn(t, ctx, "marco", "chef123")
	kdsWait(t, ctx, "board with tickets", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected' && document.querySelectorAll('#tickets .ticket').length === 2`)
	axeCheck(t, ctx, "kds board with tickets")
	focusWalk(t, ctx, "kds board with tickets", 30)

	// One ticket cooking and selected, one bumped to the pass.
	kdsClick(t, ctx, `#tickets .ticket .act-start`)
	kdsWait(t, ctx, "a ticket cooking", `!!document.querySelector('#tickets .ticket.st-preparing .act-bump')`)
	kdsClick(t, ctx, `#tickets .ticket.st-preparing .act-bump`)
	kdsWait(t, ctx, "a ticket at the pass", `document.querySelectorAll('#pass > *').length > 0 && !document.getElementById('recall').disabled`)
	kdsClick(t, ctx, `#tickets .ticket .act-start`)
	kdsWait(t, ctx, "the other cooking", `!!document.querySelector('#tickets .ticket.st-preparing')`)
	axeCheck(t, ctx, "kds board cooking, with the pass")
	hoverCheck(t, ctx, "kds board cooking, with the pass", "button")
	shot(t, ctx, "a11y-kds-cooking")

	for _, d := range []struct{ open, dialog, name string }{
		{"#settings-open", "settings", "kds settings"},
		{"#e86-open", "e86", "kds 86 list"},
		{"#help-open", "help", "kds help and allergen codes"},
		{"#recall", "confirm", "kds recall confirmation"},
	} {
		kdsClick(t, ctx, d.open)
		kdsWait(t, ctx, d.name, `document.getElementById('`+d.dialog+`').open`)
		axeCheck(t, ctx, d.name)
		kdsExec(t, ctx, `document.getElementById('`+d.dialog+`').close()`)
		kdsWait(t, ctx, d.name+" closed", `!document.getElementById('`+d.dialog+`').open`)
	}

	// The box goes away: the banner and the connection state say so.
	box.Stop()
	kdsWait(t, ctx, "offline", `document.getElementById('conn').dataset.state !== 'connected'`)
	axeCheck(t, ctx, "kds offline")
}

// TestAccessibilityStaffApp checks the staff app's sign-in and every
// section an admin sees, with its dialogs: floor and a table's actions,
// orders, order entry with a cart, bill and payment, menu editor and item
// form, tables and the pairing code, users, printers, report, settings,
// audit.
func TestAccessibilityStaffApp(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)
	order := kdsPlace(t, box, waiter, 1, "window seat", kdsLine{menu["Burrata"], 2, "no basil"}, kdsLine{menu["Tiramisù"], 1, ""})
	ctx := newBrowser(t, 1366, 768)

	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	axeCheck(t, ctx, "staff sign-in")
	focusWalk(t, ctx, "staff sign-in", 10)
	staffSignIn(t, ctx, "admin", "wrong-password")
	staffWait(t, ctx, "wrong password message", `document.querySelector('#login-form .form-error:not([hidden])')?.textContent.includes('Wrong username or password')`)
	axeCheck(t, ctx, "staff sign-in with an error")

	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "the floor", `!document.getElementById('shell').hidden && document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	axeCheck(t, ctx, "staff floor")
	focusWalk(t, ctx, "staff floor", 40)
	staffClick(t, ctx, `.tile[data-table-id="1"] .tile-main`)
	staffWait(t, ctx, "table actions", `!!document.querySelector('dialog[open] button[data-status=available]')`)
	axeCheck(t, ctx, "staff floor table actions")
	hoverCheck(t, ctx, "staff floor table actions", "dialog[open] button")
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	staffGo(t, ctx, "#/orders")
	staffWait(t, ctx, "orders", fmt.Sprintf(`!!document.querySelector('.order[data-order-id="%d"]')`, order.ID))
	axeCheck(t, ctx, "staff orders")
	hoverCheck(t, ctx, "staff orders", "#view button, #view a.button, header button, nav a")

	staffGo(t, ctx, "#/table/2/order")
	staffWait(t, ctx, "order entry", `document.querySelectorAll('.item-grid button.dish:not(:disabled)').length > 2`)
	staffClick(t, ctx, `.item-grid button.dish:not(:disabled)`)
	staffWait(t, ctx, "a line in the cart", `!!document.querySelector('.cart .cart-row')`)
	axeCheck(t, ctx, "staff order entry with a cart")
	hoverCheck(t, ctx, "staff order entry with a cart", "#view button, #view a.button")

	staffGo(t, ctx, "#/table/1/bill")
	staffWait(t, ctx, "bill", `document.querySelector('.bill')?.textContent.includes('Burrata') && !!document.querySelector('.pay input[name=amount_cents]')`)
	axeCheck(t, ctx, "staff bill and payment")
	hoverCheck(t, ctx, "staff bill and payment", "#view button, #view a.button")
	// Cash handed over: the quick buttons, then the change due until Done.
	staffClick(t, ctx, `.quick-cash .note-btn:last-child`)
	staffWait(t, ctx, "cash given", `!!document.querySelector('.quick-cash .note-btn[aria-pressed="true"]')`)
	axeCheck(t, ctx, "staff bill with cash given")
	staffClickText(t, ctx, ".pay button", "Take cash payment")
	staffWait(t, ctx, "change due", `!!document.querySelector('.change-due')`)
	axeCheck(t, ctx, "staff change due")
	staffClick(t, ctx, `[data-action=change-done]`)
	staffWait(t, ctx, "change due gone", `!document.querySelector('.change-due')`)

	staffGo(t, ctx, "#/menu")
	staffWait(t, ctx, "menu editor", `document.querySelectorAll('.cat tbody tr').length > 3`)
	axeCheck(t, ctx, "staff menu editor")
	hoverCheck(t, ctx, "staff menu editor", "#view button")
	staffClickText(t, ctx, ".cat button", "+ Item here")
	staffWait(t, ctx, "item form", `!!document.querySelector('dialog[open] .item-form')`)
	axeCheck(t, ctx, "staff menu item form")
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	staffGo(t, ctx, "#/tables")
	staffWait(t, ctx, "tables", `document.querySelectorAll('tr[data-table-id]').length > 3`)
	axeCheck(t, ctx, "staff tables")
	staffClick(t, ctx, `tr[data-table-id="3"] button[data-key^=pair]`)
	staffWait(t, ctx, "pairing code and QR", `/^\d{6}$/.test(document.querySelector('dialog[open] .pair-code')?.dataset.code || '') && !!document.querySelector('dialog[open] .qr svg')`)
	axeCheck(t, ctx, "staff pairing code")
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	staffGo(t, ctx, "#/users")
	staffWait(t, ctx, "users", `!!document.querySelector('tr[data-username="admin"]')`)
	axeCheck(t, ctx, "staff users")
	hoverCheck(t, ctx, "staff users", "#view button")

	staffGo(t, ctx, "#/printers")
	staffWait(t, ctx, "printers", `!document.querySelector('#view .card p.muted')?.textContent.includes('Loading')`)
	axeCheck(t, ctx, "staff printers")

	staffGo(t, ctx, "#/report")
	staffWait(t, ctx, "report", `!!document.querySelector('[data-kpi=payments] .kpi-value')`)
	axeCheck(t, ctx, "staff report")

	staffGo(t, ctx, "#/settings")
	staffWait(t, ctx, "settings with the box card", `!!document.querySelector('.settings input[name=restaurant_name]') && !!document.querySelector('.system .system-row dd')`)
	axeCheck(t, ctx, "staff settings")

	staffGo(t, ctx, "#/audit")
	staffWait(t, ctx, "audit", `document.getElementById('view').dataset.view === 'audit' && !document.querySelector('#view .muted')?.textContent.startsWith('Loading')`)
	axeCheck(t, ctx, "staff audit")

	// The box goes away: the reconnect banner says so, readably.
	staffGo(t, ctx, "#/floor")
	box.Stop()
	staffWait(t, ctx, "reconnect banner", `!document.getElementById('banner').hidden && document.getElementById('conn').dataset.state !== 'connected'`)
	axeCheck(t, ctx, "staff offline")
}

// TestAccessibilityStaffAppPhone checks the staff app as a waiter's phone
// shows it: sign-in, the floor, orders and order entry with its cart bar.
func TestAccessibilityStaffAppPhone(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)
	kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Burrata"], 1, ""})
	ctx := newBrowser(t, 390, 844)

	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	axeCheck(t, ctx, "staff phone sign-in")
	staffSignIn(t, ctx, "ana", "waiter123")
	staffWait(t, ctx, "the floor", `!document.getElementById('shell').hidden && document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	axeCheck(t, ctx, "staff phone floor")
	staffGo(t, ctx, "#/orders")
	staffWait(t, ctx, "orders", `document.querySelectorAll('.order').length > 0`)
	axeCheck(t, ctx, "staff phone orders")
	staffGo(t, ctx, "#/table/2/order")
	staffWait(t, ctx, "order entry", `document.querySelectorAll('.item-grid button.dish:not(:disabled)').length > 2`)
	staffClick(t, ctx, `.item-grid button.dish:not(:disabled)`)
	staffWait(t, ctx, "the cart bar", `!!document.querySelector('.cart-bar:not([hidden])')`)
	axeCheck(t, ctx, "staff phone order entry")
}

// TestAccessibilityStaffTerminal checks a shared terminal: enrolling it,
// its PIN pad (and a wrong PIN), and the locked shell after a sign-in.
func TestAccessibilityStaffTerminal(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	box.DoJSON(t, http.MethodPatch, "/api/users/2", admin, map[string]any{"pin": "2468"}, http.StatusOK, nil)
	var term struct{ Code string }
	box.DoJSON(t, http.MethodPost, "/api/terminals", admin, map[string]any{"name": "Pass"}, http.StatusCreated, &term)
	ctx := newBrowser(t, 1366, 900)

	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffClick(t, ctx, "#enroll-open")
	staffWait(t, ctx, "enrolment form", `!document.getElementById('enroll-form').hidden`)
	axeCheck(t, ctx, "staff terminal enrolment")
	staffType(t, ctx, "#enroll-form input[name=code]", term.Code)
	staffClick(t, ctx, "#enroll-form button[type=submit]")
	staffWait(t, ctx, "the PIN pad", `!document.getElementById('pin').hidden && document.getElementById('pin-name').textContent === 'Pass'`)
	axeCheck(t, ctx, "staff terminal PIN pad")
	focusWalk(t, ctx, "staff terminal PIN pad", 20)
	for _, k := range []string{"1", "1", "1", "1", "ok"} {
		staffClick(t, ctx, fmt.Sprintf(`#pin-pad button[data-key="%s"]`, k))
	}
	staffWait(t, ctx, "a wrong PIN said", `document.getElementById('pin-msg').textContent.includes('Wrong PIN')`)
	axeCheck(t, ctx, "staff terminal wrong PIN")
	for _, k := range []string{"2", "4", "6", "8", "ok"} {
		staffClick(t, ctx, fmt.Sprintf(`#pin-pad button[data-key="%s"]`, k))
	}
	staffWait(t, ctx, "signed in on the terminal", `!document.getElementById('shell').hidden && !document.getElementById('lock').hidden && document.querySelectorAll('.tile').length > 0`)
	axeCheck(t, ctx, "staff terminal signed in")
}

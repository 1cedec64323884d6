package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rms/release"
)

// TestStaffApp drives the staff app in Chromium the way a manager and a
// waiter would on a Friday: build a menu item and 86 it, add and pair a
// table, take a guest's order live (with the chime), move it through the
// kitchen, split the bill in two payments, read the day's report, and
// sign in as a new waiter who sees no admin sections.
func TestStaffApp(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	ctx := newBrowser(t, 1366, 768)

	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	shot(t, ctx, "staff-login-1366")

	// A wrong password is said in plain words, not as a code.
	staffSignIn(t, ctx, "admin", "wrong-password")
	staffWait(t, ctx, "wrong password message", `document.querySelector('#login-form .form-error:not([hidden])')?.textContent.includes('Wrong username or password')`)

	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "the app shell", `!document.getElementById('shell').hidden && document.querySelectorAll('.tile').length > 0`)
	staffWait(t, ctx, "live connection", `document.getElementById('conn').dataset.state === 'connected'`)
	if got := staffString(t, ctx, `[...document.querySelectorAll('#nav a')].map(a => a.dataset.route).join(',')`); got != "floor,orders,menu,tables,users,printers,settings,report,audit" {
		t.Fatalf("admin nav = %q; want every section", got)
	}
	shot(t, ctx, "staff-floor-1366")

	// The token is kept: a reload comes back signed in.
	staffRun(t, ctx, chromedp.Reload())
	staffWait(t, ctx, "signed in after reload", `!document.getElementById('shell').hidden && document.querySelectorAll('.tile').length > 0`)
	// After a reload the browser keeps audio asleep until a first touch;
	// the button says so, and that first click wakes it without muting.
	staffWait(t, ctx, "enable sound", `document.getElementById('sound-btn').textContent === 'Enable sound'`)
	staffClick(t, ctx, "#sound-btn")
	staffWait(t, ctx, "audio woken, not muted", `document.body.dataset.sound !== 'muted' && !localStorage.getItem('rms.staff.mute')`)
	// The chime can be muted on this device, and turned back on.
	staffClick(t, ctx, "#sound-btn")
	staffWait(t, ctx, "sound off", `document.getElementById('sound-btn').textContent === 'Sound off' && localStorage.getItem('rms.staff.mute') === '1'`)
	staffClick(t, ctx, "#sound-btn")
	staffWait(t, ctx, "sound on again", `document.getElementById('sound-btn').textContent !== 'Sound off' && !localStorage.getItem('rms.staff.mute')`)
	// One-key shortcuts for the keyboard: O for orders, F for the floor.
	staffRun(t, ctx, chromedp.KeyEvent("o"))
	staffWait(t, ctx, "orders by keyboard", `document.getElementById('view').dataset.view === 'orders'`)
	staffRun(t, ctx, chromedp.KeyEvent("f"))
	staffWait(t, ctx, "floor by keyboard", `document.getElementById('view').dataset.view === 'floor'`)

	// ---- menu: a category, an item, a duplicate refused at the field, 86 ----
	staffGo(t, ctx, "#/menu")
	staffClickText(t, ctx, "button", "+ Category")
	staffWait(t, ctx, "category dialog", `!!document.querySelector('dialog[open] input[name=name]')`)
	staffType(t, ctx, `dialog[open] input[name=name]`, "Chef's specials")
	staffClickText(t, ctx, "dialog[open] button", "Create category")
	staffWait(t, ctx, "new category", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('.cat h2')].some(h => h.textContent.startsWith("Chef's specials"))`)

	catSel := staffString(t, ctx, `(() => { const c = [...document.querySelectorAll('.cat')].find(c => c.querySelector('h2').textContent.startsWith("Chef's specials")); return '.cat[data-category-id="' + c.dataset.categoryId + '"]'; })()`)
	newItem := func(name, price string) {
		t.Helper()
		staffClickText(t, ctx, catSel+" button", "+ Item here")
		staffWait(t, ctx, "item dialog", `!!document.querySelector('dialog[open] .item-form')`)
		staffType(t, ctx, `dialog[open] input[name=name]`, name)
		staffType(t, ctx, `dialog[open] input[name=price_cents]`, price)
		staffExec(t, ctx, `document.querySelector('dialog[open] input[name=allergen][value=milk]').click()`)
		staffClickText(t, ctx, "dialog[open] button", "Create item")
	}
	newItem("Truffle risotto", "18.50")
	staffWait(t, ctx, "new item row", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('`+catSel+` tbody tr')].some(r => r.textContent.includes('Truffle risotto') && r.textContent.replace(/\D/g, '') === '1850' && r.textContent.includes('milk'))`)
	itemID := staffInt(t, ctx, `Number([...document.querySelectorAll('`+catSel+` tbody tr')].find(r => r.textContent.includes('Truffle risotto')).dataset.itemId)`)

	// The same name again: the API refuses it and the page says so at the field.
	newItem("Truffle risotto", "19")
	staffWait(t, ctx, "duplicate name error next to the name field", `!!document.querySelector('dialog[open] input[name=name]')?.closest('.field').querySelector('.field-error')`)
	shot(t, ctx, "staff-menu-field-error-1366")
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	// A price that is not a number never leaves the page.
	staffClickText(t, ctx, catSel+" button", "+ Item here")
	staffType(t, ctx, `dialog[open] input[name=name]`, "Broken price")
	staffType(t, ctx, `dialog[open] input[name=price_cents]`, "twelve")
	staffClickText(t, ctx, "dialog[open] button", "Create item")
	staffWait(t, ctx, "price error", `document.querySelector('dialog[open] input[name=price_cents]')?.closest('.field').querySelector('.field-error')?.textContent.includes('price')`)
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	toggle := fmt.Sprintf(`tr[data-item-id="%d"] button.toggle`, itemID)
	staffClick(t, ctx, toggle)
	staffWait(t, ctx, "item 86'd", `document.querySelector('`+toggle+`').getAttribute('aria-checked') === 'false'`)
	adminToken := box.Login(t, "admin", "admin123")
	if avail := staffItemAvailable(t, box.Do, adminToken, itemID); avail {
		t.Fatalf("after the 86 toggle, item %d available = true; want false", itemID)
	}
	shot(t, ctx, "staff-menu-1366")
	staffClick(t, ctx, toggle)
	staffWait(t, ctx, "item back on", `document.querySelector('`+toggle+`').getAttribute('aria-checked') === 'true'`)

	// ---- tables: create one and pair its iPad ----
	staffGo(t, ctx, "#/tables")
	staffClickText(t, ctx, "button", "+ Table")
	staffType(t, ctx, `dialog[open] input[name=name]`, "Garden 1")
	staffType(t, ctx, `dialog[open] input[name=section]`, "Garden")
	staffExec(t, ctx, `document.querySelector('dialog[open] input[name=seats]').value = '6'`)
	staffClickText(t, ctx, "dialog[open] button", "Create table")
	staffWait(t, ctx, "new table row", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('tbody tr')].some(r => r.textContent.includes('Garden 1'))`)
	tableID := staffInt(t, ctx, `Number([...document.querySelectorAll('tbody tr')].find(r => r.textContent.includes('Garden 1')).dataset.tableId)`)

	staffClick(t, ctx, fmt.Sprintf(`tr[data-table-id="%d"] button[data-key^=pair]`, tableID))
	staffWait(t, ctx, "pairing code and QR", `/^\d{6}$/.test(document.querySelector('dialog[open] .pair-code')?.dataset.code || '') && !!document.querySelector('dialog[open] .qr svg')`)
	code := staffString(t, ctx, `document.querySelector('dialog[open] .pair-code').dataset.code`)
	qrSize := staffInt(t, ctx, `Math.round(document.querySelector('dialog[open] .qr svg').getBoundingClientRect().width)`)
	if qrSize < 250 {
		t.Errorf("QR code is %dpx wide; want at least 250 to scan from an iPad", qrSize)
	}
	if shown := staffString(t, ctx, `document.querySelector('dialog[open] .pair-code').textContent.replace(/\s/g, '')`); shown != code {
		t.Errorf("pair code shown = %q; want %q", shown, code)
	}
	shot(t, ctx, "staff-pair-1366")
	staffExec(t, ctx, `document.querySelector('dialog[open]').close()`)

	// ---- a guest orders from the iPad: it appears live, glowing, with the chime ----
	status, body := box.Do(t, http.MethodPost, "/api/pair", "", map[string]any{"code": code})
	if status != http.StatusOK {
		t.Fatalf("POST /api/pair = %d %s; want 200", status, body)
	}
	var paired struct {
		Token   string `json:"token"`
		TableID int64  `json:"table_id"`
	}
	staffJSON(t, body, &paired)

	staffGo(t, ctx, "#/orders")
	chimesBefore := staffInt(t, ctx, `Number(document.body.dataset.chimes || 0)`)
	status, body = box.Do(t, http.MethodPost, "/api/orders", paired.Token, map[string]any{
		"table_id": paired.TableID,
		"items":    []map[string]any{{"menu_item_id": itemID, "quantity": 2, "notes": "no parmesan"}},
		"notes":    "birthday",
	})
	if status != http.StatusCreated {
		t.Fatalf("guest POST /api/orders = %d %s; want 201", status, body)
	}
	var order struct {
		ID            int64 `json:"id"`
		SubtotalCents int64 `json:"subtotal_cents"`
	}
	staffJSON(t, body, &order)
	orderSel := fmt.Sprintf(`.order[data-order-id="%d"]`, order.ID)
	staffWait(t, ctx, "guest order live and highlighted", `!!document.querySelector('`+orderSel+`.needs-confirm.fresh')`)
	if chimes := staffInt(t, ctx, `Number(document.body.dataset.chimes || 0)`); chimes != chimesBefore+1 {
		t.Errorf("chimes after a guest order = %d; want %d", chimes, chimesBefore+1)
	}
	if badge := staffString(t, ctx, `document.getElementById('pending-badge').textContent`); badge != "1" {
		t.Errorf("pending badge = %q; want 1", badge)
	}
	shot(t, ctx, "staff-orders-new-1366")

	// Confirm, then (as admin) through the kitchen, then served.
	for _, step := range []struct{ action, want string }{
		{"confirmed", "confirmed"}, {"preparing", "preparing"}, {"ready", "ready"}, {"served", "served"},
	} {
		staffClick(t, ctx, orderSel+` button[data-action="`+step.action+`"]`)
		staffWait(t, ctx, "order "+step.want, `document.querySelector('`+orderSel+`')?.dataset.status === '`+step.want+`'`)
	}
	if chimes := staffInt(t, ctx, `Number(document.body.dataset.chimes || 0)`); chimes != chimesBefore+1 {
		t.Errorf("chimes after confirming = %d; want still %d (only new orders ring)", chimes, chimesBefore+1)
	}

	// The floor shows the table seated with its open order.
	staffGo(t, ctx, "#/floor")
	staffWait(t, ctx, "table occupied with one order", fmt.Sprintf(`(() => { const e = document.querySelector('.tile[data-table-id="%d"]'); return e && e.dataset.status === 'occupied' && e.textContent.includes('1 open order') && e.querySelector('.tile-time'); })()`, tableID))

	// ---- the bill, split in two payments: cash with change, then card ----
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/bill", tableID))
	staffWait(t, ctx, "bill with the order", `document.querySelector('.bill')?.textContent.includes('Truffle risotto') && !!document.querySelector('.pay input[name=amount_cents]')`)
	due := staffBill(t, box.Do, adminToken, tableID).DueCents
	if due <= order.SubtotalCents-1 {
		t.Fatalf("due = %d; want at least the order's %d", due, order.SubtotalCents)
	}
	staffExec(t, ctx, `document.querySelector('.pay input[name=parts]').value = '2'`)
	staffClickText(t, ctx, ".pay button", "Fill amount")
	first := (due + 1) / 2
	staffWait(t, ctx, "first half filled", fmt.Sprintf(`document.querySelector('.pay input[name=amount_cents]').value === '%s'`, staffDecimal(first)))
	staffType(t, ctx, `.pay input[name=tendered]`, "50")
	staffWait(t, ctx, "change shown", fmt.Sprintf(`document.querySelector('.pay .change')?.textContent.replace(/\D/g, '') === '%d'`, 5000-first))
	shot(t, ctx, "staff-bill-1366")
	staffClickText(t, ctx, ".pay button", "Take cash payment")
	second := due - first
	staffWait(t, ctx, "second half filled", fmt.Sprintf(`document.querySelector('.tot.due dd')?.textContent.replace(/\D/g, '') === '%d' && document.querySelector('.pay input[name=amount_cents]')?.value === '%s'`, second, staffDecimal(second)))
	staffClick(t, ctx, `.pay button[data-method=card]`)
	staffType(t, ctx, `.pay input[name=tip_cents]`, "2")
	staffClickText(t, ctx, ".pay button", "Take card payment")
	staffWait(t, ctx, "settled, table cleaning", `document.querySelector('.pay .settled')?.textContent.includes('cleaning')`)
	staffWait(t, ctx, "status chip cleaning", `document.querySelector('.table-head .status-chip')?.textContent === 'Cleaning'`)
	shot(t, ctx, "staff-bill-settled-1366")
	if b := staffBill(t, box.Do, adminToken, tableID); b.DueCents != 0 {
		t.Errorf("after two payments due = %d; want 0", b.DueCents)
	}
	staffGo(t, ctx, "#/floor")
	staffWait(t, ctx, "floor tile cleaning", fmt.Sprintf(`document.querySelector('.tile[data-table-id="%d"]')?.dataset.status === 'cleaning'`, tableID))

	// A table request flashes on the floor until cleared.
	status, body = box.Do(t, http.MethodPost, fmt.Sprintf("/api/tables/%d/requests", tableID), paired.Token, map[string]any{"kind": "waiter"})
	if status/100 != 2 {
		t.Fatalf("POST requests = %d %s; want 2xx", status, body)
	}
	tile := fmt.Sprintf(`.tile[data-table-id="%d"]`, tableID)
	staffWait(t, ctx, "request flashing", `!!document.querySelector('`+tile+`.calling .req-clear')`)
	shot(t, ctx, "staff-floor-request-1366")
	staffClick(t, ctx, tile+` .req-clear`)
	staffWait(t, ctx, "request cleared", `!!document.querySelector('`+tile+`') && !document.querySelector('`+tile+`.calling')`)

	// Two taps to change a status: the tile, then the status.
	staffClick(t, ctx, tile+` .tile-main`)
	staffWait(t, ctx, "table actions", `!!document.querySelector('dialog[open] button[data-status=available]')`)
	shot(t, ctx, "staff-floor-actions-1366")
	staffClick(t, ctx, `dialog[open] button[data-status=available]`)
	staffWait(t, ctx, "table available", `document.querySelector('`+tile+`')?.dataset.status === 'available'`)

	// ---- the day's report shows the sale ----
	staffGo(t, ctx, "#/report")
	staffWait(t, ctx, "report with the item", `!!document.querySelector('.bar-row[data-item="Truffle risotto"]')`)
	// Digits only: the browser's locale decides separators and symbol.
	payments := staffString(t, ctx, `document.querySelector('[data-kpi=payments] .kpi-value').textContent.replace(/\D/g, '')`)
	if payments != fmt.Sprint(due) {
		t.Errorf("report payments digits = %q; want %d", payments, due)
	}
	// The CSV button builds the file in the page; catch the blob and the
	// download link it clicks, and read the file.
	staffExec(t, ctx, `(() => {
		const make = URL.createObjectURL;
		URL.createObjectURL = (blob) => { window.__staffBlob = blob; return make(blob); };
		const click = HTMLAnchorElement.prototype.click;
		HTMLAnchorElement.prototype.click = function () {
			if (this.download) { window.__staffDownload = { name: this.download, href: this.href }; return; }
			return click.call(this);
		};
	})()`)
	staffClickText(t, ctx, ".view-head button", "Download CSV")
	staffWait(t, ctx, "CSV download", `!!window.__staffDownload`)
	name := staffString(t, ctx, `window.__staffDownload.name`)
	csv := staffString(t, ctx, `window.__staffBlob.text()`)
	if !strings.HasPrefix(name, "report-") || !strings.HasSuffix(name, ".csv") {
		t.Errorf("CSV file name = %q; want report-DATE.csv", name)
	}
	if !strings.Contains(csv, "Truffle risotto,2,37.00") || !strings.Contains(csv, "Payment method,Count,Amount,Tips") {
		t.Errorf("report CSV lacks the sale or the payment table:\n%s", csv)
	}
	shot(t, ctx, "staff-report-1366")

	// ---- settings: a new name shows in the header at once ----
	staffGo(t, ctx, "#/settings")
	staffType(t, ctx, `.settings input[name=restaurant_name]`, "Trattoria Nuova")
	staffType(t, ctx, `.settings input[name=tax_rate_bp]`, "abc")
	staffClickText(t, ctx, ".settings button", "Save settings")
	staffWait(t, ctx, "tax rate error", `!!document.querySelector('.settings input[name=tax_rate_bp]').closest('.field').querySelector('.field-error')`)
	staffType(t, ctx, `.settings input[name=tax_rate_bp]`, "10")
	// A timezone the box does not know: its 422 lands next to the field.
	staffType(t, ctx, `.settings input[name=timezone]`, "Mars/Olympus")
	staffClickText(t, ctx, ".settings button", "Save settings")
	staffWait(t, ctx, "server's timezone error at the field", `document.querySelector('.settings input[name=timezone]').closest('.field').querySelector('.field-error')?.textContent.includes('time zone')`)
	shot(t, ctx, "staff-settings-error-1366")
	staffType(t, ctx, `.settings input[name=timezone]`, "Europe/Rome")
	staffClickText(t, ctx, ".settings button", "Save settings")
	staffWait(t, ctx, "new name in the header", `document.getElementById('restaurant-name').textContent === 'Trattoria Nuova'`)
	status, body = box.Do(t, http.MethodGet, "/api/settings", adminToken, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"restaurant_name":"Trattoria Nuova"`) {
		t.Errorf("GET /api/settings = %d %s; want the new name", status, body)
	}
	// The software update card: a development build says why it cannot
	// take an upload instead of offering one, and the last upgrade's steps
	// (as the upgrader writes them) show in plain words.
	now := time.Now().UTC()
	if err := os.MkdirAll(filepath.Join(box.Dir, "upgrade"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := release.WriteStatus(filepath.Join(box.Dir, "upgrade"), release.Status{State: release.StateRolledBack, From: "v1.4.0", To: "v1.5.0", By: "admin", StartedAt: now,
		FinishedAt: &now, Steps: []release.Step{{At: now, Text: "Installed rms v1.5.0."}, {At: now, Text: "rms v1.5.0 is not healthy: it stopped 3 times while starting. Rolling back to v1.4.0."}, {At: now, Text: "rms v1.4.0 serves again. The upgrade was rolled back."}}}); err != nil {
		t.Fatal(err)
	}
	staffGo(t, ctx, "#/floor")
	staffGo(t, ctx, "#/settings")
	staffWait(t, ctx, "software update card with the last upgrade", `(() => { const c = document.querySelector('.update'); return !!c && c.textContent.includes('Running rms') && c.textContent.includes('development build') && !c.querySelector('input[type=file]') && c.querySelectorAll('.update-steps li').length === 3 && c.textContent.includes('Rolled back'); })()`)
	shot(t, ctx, "staff-settings-update-1366")
	// The box card: free disk, last backup, database size and printers.
	staffWait(t, ctx, "box card", `(() => { const c = document.querySelector('.system'); if (!c) return false; const dd = [...c.querySelectorAll('.system-row dd')].map(d => d.textContent); return dd.length === 3 && / of \d/.test(dd[0]) && /\d+(\.\d)? (kB|MB)/.test(dd[2]) && !!c.querySelector('h3') && (c.querySelectorAll('.system-printers li').length > 0 || c.textContent.includes('No printers')); })()`)
	staffString(t, ctx, `(document.querySelector('.system').scrollIntoView(), '')`)
	shot(t, ctx, "staff-settings-box-1366")

	// ---- a new waiter: signs in and sees no admin sections ----
	staffGo(t, ctx, "#/users")
	staffWait(t, ctx, "users list", `!!document.querySelector('tr[data-username="admin"]')`)
	staffType(t, ctx, `.user-create input[name=username]`, "lena")
	staffType(t, ctx, `.user-create input[name=password]`, "abc")
	staffClickText(t, ctx, ".user-create button", "Create user")
	staffWait(t, ctx, "server's password error at the field", `!!document.querySelector('.user-create input[name=password]').closest('.field').querySelector('.field-error')`)
	staffType(t, ctx, `.user-create input[name=password]`, "lena-pass-1")
	staffExec(t, ctx, `document.querySelector('.user-create select[name=role]').value = 'waiter'`)
	staffClickText(t, ctx, ".user-create button", "Create user")
	staffWait(t, ctx, "new user row", `!!document.querySelector('tr[data-username="lena"]')`)
	shot(t, ctx, "staff-users-1366")

	staffClick(t, ctx, "#signout")
	staffWait(t, ctx, "signed out", `!document.getElementById('login').hidden`)
	staffSignIn(t, ctx, "lena", "lena-pass-1")
	staffWait(t, ctx, "waiter shell", `!document.getElementById('shell').hidden && document.body.dataset.role === 'waiter'`)
	if got := staffString(t, ctx, `[...document.querySelectorAll('#nav a')].map(a => a.dataset.route).join(',')`); got != "floor,orders" {
		t.Errorf("waiter nav = %q; want floor,orders", got)
	}
	staffExec(t, ctx, `location.hash = '#/users'`)
	staffWait(t, ctx, "admin route refused", `location.hash === '#/floor' && document.getElementById('view').dataset.view === 'floor'`)

	// A chef belongs on the kitchen display, signed in there already.
	staffClick(t, ctx, "#signout")
	staffSignIn(t, ctx, "marco", "chef123")
	staffWait(t, ctx, "chef sent to the kitchen display", `location.pathname === '/kds' && !!localStorage.getItem('rms.token.kds') && !localStorage.getItem('rms.token.staff')`)
}

// TestStaffAppPhone checks the phone layout of the views a waiter uses on
// the floor, order entry on a phone, and a refused overpayment.
func TestStaffAppPhone(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	ctx := newBrowser(t, 390, 844)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "ana", "waiter123")
	staffWait(t, ctx, "floor", `document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	staffNoHorizontalScroll(t, ctx, "floor")
	shot(t, ctx, "staff-floor-phone")

	tableID := staffInt(t, ctx, `Number(document.querySelector('.tile').dataset.tableId)`)
	var itemID int64
	token := box.Login(t, "ana", "waiter123")
	for _, it := range staffMenu(t, box.Do, token) {
		if it.Available {
			itemID = it.ID
			break
		}
	}

	// The waiter takes the order on the phone. Every order the page sends
	// carries an Idempotency-Key, so a retry never cooks a dish twice.
	staffExec(t, ctx, `(() => {
		const send = window.fetch;
		window.__staffKeys = [];
		window.fetch = (url, init) => {
			if (String(url) === '/api/orders' && init && init.method === 'POST') window.__staffKeys.push(init.headers['Idempotency-Key'] || '');
			return send(url, init);
		};
	})()`)
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/order", tableID))
	dish := fmt.Sprintf(`.dish[data-item-id="%d"]`, itemID)
	// From the keyboard: part of the name, then Enter adds it.
	staffWait(t, ctx, "menu grid", `!!document.querySelector('`+dish+`')`)
	name := staffString(t, ctx, `document.querySelector('`+dish+` .dish-name').textContent`)
	staffType(t, ctx, `.entry .search`, strings.ToLower(name))
	staffRun(t, ctx, chromedp.KeyEvent("\r"))
	staffWait(t, ctx, "dish added by Enter", `document.querySelector('.cart-line .qty')?.textContent === '1'`)
	staffType(t, ctx, `.entry .search`, "")
	staffClick(t, ctx, dish)
	staffWait(t, ctx, "cart with two", `document.querySelector('.cart-line .qty')?.textContent === '2'`)
	staffNoHorizontalScroll(t, ctx, "order entry")
	shot(t, ctx, "staff-order-entry-phone")
	staffClickText(t, ctx, ".cart button", "Send order")
	staffWait(t, ctx, "order on the table", `document.querySelectorAll('.on-table .order').length === 1 && document.querySelectorAll('.cart-line').length === 0`)
	if keys := staffString(t, ctx, `window.__staffKeys.join(' ')`); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(keys) {
		t.Errorf("Idempotency-Key of the one order sent = %q; want one random UUID", keys)
	}

	staffGo(t, ctx, "#/orders")
	staffWait(t, ctx, "orders list", `document.querySelectorAll('.order').length === 1`)
	staffNoHorizontalScroll(t, ctx, "orders")
	shot(t, ctx, "staff-orders-phone")

	staffGo(t, ctx, fmt.Sprintf("#/table/%d/bill", tableID))
	staffWait(t, ctx, "bill", `!!document.querySelector('.pay input[name=amount_cents]') && document.querySelectorAll('.bill-lines tbody tr').length > 1`)
	staffNoHorizontalScroll(t, ctx, "bill")
	shot(t, ctx, "staff-bill-phone")

	// Too much is refused in words before it reaches the box.
	staffType(t, ctx, `.pay input[name=amount_cents]`, "99999")
	staffClickText(t, ctx, ".pay button", "Take cash payment")
	staffWait(t, ctx, "amount error", `document.querySelector('.pay input[name=amount_cents]').closest('.field').querySelector('.field-error')?.textContent.includes('more than')`)
	if b := staffBill(t, box.Do, token, tableID); b.PaidCents != 0 {
		t.Errorf("paid after a refused overpayment = %d; want 0", b.PaidCents)
	}

	// Cancelling asks why, and will not go without a reason.
	staffGo(t, ctx, "#/orders")
	orderID := staffInt(t, ctx, `Number(document.querySelector('.order').dataset.orderId)`)
	staffClick(t, ctx, `.order button[data-action=cancel]`)
	staffClickText(t, ctx, "dialog[open] button", "Cancel order")
	staffWait(t, ctx, "reason required", `!!document.querySelector('dialog[open] [name=reason]').closest('.field').querySelector('.field-error')`)
	staffClickText(t, ctx, "dialog[open] .chip", "Out of stock")
	staffClickText(t, ctx, "dialog[open] button", "Cancel order")
	staffWait(t, ctx, "order gone from the list", `!document.querySelector('dialog[open]') && document.querySelectorAll('.order').length === 0`)
	status, body := box.Do(t, http.MethodGet, fmt.Sprintf("/api/orders/%d", orderID), token, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"status":"cancelled"`) || !strings.Contains(string(body), `"cancel_reason":"Out of stock"`) {
		t.Errorf("GET order %d = %d %s; want cancelled, reason Out of stock", orderID, status, body)
	}
}

// staffWSShim lets a test cut the page's WebSocket the way a Wi-Fi drop
// would, and keep new ones from connecting until it lets them again.
const staffWSShim = `(() => {
  const Real = window.WebSocket;
  window.__staffSockets = [];
  window.__staffBlock = false;
  function Shim(url, protocols) {
    // A path of the box that is not a socket: the page's CSP allows it,
    // and the handshake fails like a box that is not there.
    const s = new Real(window.__staffBlock ? String(url) + '-blocked' : url, protocols);
    window.__staffSockets.push(s);
    return s;
  }
  Shim.prototype = Real.prototype;
  Object.assign(Shim, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Shim;
})();`

// TestStaffAppReconnectBanner shows the reconnecting banner while the box
// cannot be reached, and that a guest's order placed meanwhile arrives
// (with the chime) once the connection is back.
func TestStaffAppReconnectBanner(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	ctx := newBrowser(t, 1366, 768)
	staffRun(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: staffWSShim})
		return err
	}), chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "connected", `document.getElementById('conn').dataset.state === 'connected'`)
	staffGo(t, ctx, "#/orders")
	chimes := staffInt(t, ctx, `Number(document.body.dataset.chimes || 0)`)

	staffExec(t, ctx, `window.__staffBlock = true; window.__staffSockets.forEach(s => s.close())`)
	staffWait(t, ctx, "reconnecting banner", `!document.getElementById('banner').hidden && document.getElementById('conn').dataset.state !== 'connected'`)
	shot(t, ctx, "staff-reconnecting-1366")

	// While the page is cut off, a guest orders from the iPad of table 1.
	token := box.Login(t, "ana", "waiter123")
	items := staffMenu(t, box.Do, token)
	guest := staffGuest(t, box.Do, token, 1)
	status, body := box.Do(t, http.MethodPost, "/api/orders", guest, map[string]any{
		"table_id": 1,
		"items":    []map[string]any{{"menu_item_id": items[0].ID, "quantity": 1, "notes": ""}},
		"notes":    "",
	})
	if status != http.StatusCreated {
		t.Fatalf("POST /api/orders = %d %s; want 201", status, body)
	}
	var order struct {
		ID int64 `json:"id"`
	}
	staffJSON(t, body, &order)

	staffExec(t, ctx, `window.__staffBlock = false; window.dispatchEvent(new Event('online'))`)
	staffWait(t, ctx, "reconnected", `document.getElementById('conn').dataset.state === 'connected' && document.getElementById('banner').hidden`)
	staffWait(t, ctx, "missed order shown", fmt.Sprintf(`!!document.querySelector('.order[data-order-id="%d"].needs-confirm')`, order.ID))
	if got := staffInt(t, ctx, `Number(document.body.dataset.chimes || 0)`); got != chimes+1 {
		t.Errorf("chimes after the missed order arrived = %d; want %d", got, chimes+1)
	}
}

// ---- helpers (prefixed: the root package is shared by every browser test) ----

func staffRun(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	pageDo(t, ctx, "staff-failure", steps...)
}

// staffValue evaluates a JavaScript expression (awaiting a promise) in the page.
func staffValue[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return pageEval[T](t, ctx, "staff-failure", expr)
}

// staffExec runs a JavaScript statement in the page for its effect.
func staffExec(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	staffValue[chromedp.Void](t, ctx, expr)
}

func staffString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	return staffValue[string](t, ctx, expr)
}

func staffInt(t *testing.T, ctx context.Context, expr string) int64 {
	t.Helper()
	return int64(staffValue[float64](t, ctx, expr))
}

// staffWait polls a JavaScript condition until it is true, for up to 30 s
// (a reconnect after a dropped socket backs off for a few seconds, and
// the test machine may be busy).
func staffWait(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	pageWaitFor(t, ctx, 30*time.Second, "staff-failure", ".toast, .form-error:not([hidden]), .field-error", what, cond)
}

// staffClick clicks an element with the mouse once it is visible and enabled.
func staffClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	staffWait(t, ctx, "clickable "+sel, `(() => { const e = document.querySelector(`+staffQuote(sel)+`); if (!e || e.disabled || !e.getClientRects().length) return false; e.scrollIntoView({block: 'center'}); return true; })()`)
	staffRun(t, ctx, chromedp.Click(chromedp.CSS(sel)))
}

// staffClickText clicks the first element matching sel whose text is label.
func staffClickText(t *testing.T, ctx context.Context, sel, label string) {
	t.Helper()
	find := `[...document.querySelectorAll(` + staffQuote(sel) + `)].find(e => e.textContent.trim() === ` + staffQuote(label) + ` && !e.disabled && e.getClientRects().length > 0)`
	staffWait(t, ctx, fmt.Sprintf("%s %q", sel, label), `!!`+find)
	staffExec(t, ctx, `(() => { const e = `+find+`; e.scrollIntoView({block: 'center'}); e.click(); })()`)
}

// staffType replaces an input's text by typing, so input events fire.
func staffType(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	staffWait(t, ctx, "input "+sel, `(() => { const e = document.querySelector(`+staffQuote(sel)+`); if (!e) return false; e.value = ''; return true; })()`)
	staffRun(t, ctx, chromedp.SendKeys(chromedp.CSS(sel), text))
}

func staffSignIn(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	staffType(t, ctx, `#login-form input[name=username]`, user)
	staffType(t, ctx, `#login-form input[name=password]`, password)
	staffClick(t, ctx, `#login-form button[type=submit]`)
}

// staffGo switches view by hash, as the nav links do.
func staffGo(t *testing.T, ctx context.Context, hash string) {
	t.Helper()
	staffExec(t, ctx, `location.hash = `+staffQuote(hash))
	staffWait(t, ctx, "view "+hash, `location.hash === `+staffQuote(hash))
}

func staffNoHorizontalScroll(t *testing.T, ctx context.Context, view string) {
	t.Helper()
	over := staffInt(t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
	if over > 0 {
		t.Errorf("%s on a phone scrolls sideways by %dpx; want it to fit", view, over)
	}
}

func staffQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func staffJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// staffDecimal writes minor units as the page fills amount inputs (12.50).
func staffDecimal(cents int64) string {
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// staffGuest pairs a table the way its iPad would and returns the
// customer token.
func staffGuest(t *testing.T, do staffDoer, staffToken string, tableID int64) string {
	t.Helper()
	status, body := do(t, http.MethodPost, fmt.Sprintf("/api/tables/%d/pair", tableID), staffToken, nil)
	if status != http.StatusOK {
		t.Fatalf("POST pair = %d %s; want 200", status, body)
	}
	var p struct {
		Code string `json:"code"`
	}
	staffJSON(t, body, &p)
	status, body = do(t, http.MethodPost, "/api/pair", "", map[string]any{"code": p.Code})
	if status != http.StatusOK {
		t.Fatalf("POST /api/pair = %d %s; want 200", status, body)
	}
	var g struct {
		Token string `json:"token"`
	}
	staffJSON(t, body, &g)
	return g.Token
}

// staffDoer is the harness's box.Do, passed in so the helpers need not
// name the harness's types.
type staffDoer func(t *testing.T, method, path, token string, body any) (int, []byte)

type staffBillBody struct {
	DueCents   int64 `json:"due_cents"`
	PaidCents  int64 `json:"paid_cents"`
	TotalCents int64 `json:"total_cents"`
}

func staffBill(t *testing.T, do staffDoer, token string, tableID int64) staffBillBody {
	t.Helper()
	status, body := do(t, http.MethodGet, fmt.Sprintf("/api/tables/%d/bill", tableID), token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET bill = %d %s; want 200", status, body)
	}
	var b staffBillBody
	staffJSON(t, body, &b)
	return b
}

type staffMenuItem struct {
	ID        int64 `json:"id"`
	Available bool  `json:"available"`
}

func staffMenu(t *testing.T, do staffDoer, token string) []staffMenuItem {
	t.Helper()
	status, body := do(t, http.MethodGet, "/api/menu", token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/menu = %d %s; want 200", status, body)
	}
	var menu struct {
		Categories []struct {
			Items []staffMenuItem `json:"items"`
		} `json:"categories"`
	}
	staffJSON(t, body, &menu)
	var all []staffMenuItem
	for _, c := range menu.Categories {
		all = append(all, c.Items...)
	}
	if len(all) == 0 {
		t.Fatalf("GET /api/menu has no items: %s", body)
	}
	return all
}

func staffItemAvailable(t *testing.T, do staffDoer, token string, id int64) bool {
	t.Helper()
	for _, it := range staffMenu(t, do, token) {
		if it.ID == id {
			return it.Available
		}
	}
	t.Fatalf("item %d is not in the menu", id)
	return false
}

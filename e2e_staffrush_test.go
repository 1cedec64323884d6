package main

// Issue 22's waiter's phone and manager's laptop: the day's report that
// adds up (1440x900), cash with change due that stays (390x844), and order
// entry on a phone (390x844 and 360x740).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// rushAxe checks the page with axe-core when it is installed (always under
// CI), without skipping the rest of the test when it is not.
func rushAxe(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(axeTestDir, "node_modules", "axe-core", "axe.min.js")); err != nil && os.Getenv("CI") == "" {
		t.Logf("axe-core is not installed: %s not checked", state)
		return
	}
	axeCheck(t, ctx, state)
}

// staffReport is the part of GET /api/reports/daily the page must show.
type staffReport struct {
	GrossSalesCents int64 `json:"gross_sales_cents"`
	PaymentsCents   int64 `json:"payments_cents"`
	OpenBillsCount  int64 `json:"open_bills_count"`
	OpenBillsCents  int64 `json:"open_bills_cents"`
	Reconciliation  struct {
		DiscountsCents int64 `json:"discounts_cents"`
		RoundingCents  int64 `json:"rounding_cents"`
		OtherDaysCents int64 `json:"other_days_cents"`
	} `json:"reconciliation"`
	ByWaiter []struct {
		UserID      *int64 `json:"user_id"`
		UserName    string `json:"user_name"`
		OrdersCount int64  `json:"orders_count"`
		SalesCents  int64  `json:"sales_cents"`
	} `json:"by_waiter"`
}

// TestStaffRushReport: a waiter's part-paid table, the manager's
// discounted and settled one and a third still open; the report on a
// laptop shows the open bills as their own line, the sum that makes the
// gross sales, and each waiter's orders and sales.
func TestStaffRushReport(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	ana := box.Login(t, "ana", "waiter123")
	var tables []struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, http.MethodGet, "/api/tables", admin, nil, http.StatusOK, &tables)
	var items []int64
	for _, it := range staffMenu(t, box.Do, admin) {
		if it.Available {
			items = append(items, it.ID)
		}
	}
	order := func(token string, table int64, item int64, qty int) {
		t.Helper()
		box.DoJSON(t, http.MethodPost, "/api/orders", token, map[string]any{"table_id": table,
			"items": []map[string]any{{"menu_item_id": item, "quantity": qty}}}, http.StatusCreated, nil)
	}
	pay := func(token string, table, amount, tip int64) {
		t.Helper()
		box.DoJSON(t, http.MethodPost, "/api/payments", token, map[string]any{"table_id": table, "method": "cash",
			"amount_cents": amount, "tip_cents": tip}, http.StatusCreated, nil)
	}
	t1, t2, t3 := tables[0].ID, tables[1].ID, tables[2].ID
	order(ana, t1, items[0], 2)
	order(ana, t1, items[1], 1)
	pay(ana, t1, 1000, 0)
	order(admin, t2, items[2], 3)
	box.DoJSON(t, http.MethodPost, fmt.Sprintf("/api/tables/%d/discounts", t2), admin, map[string]any{"percent_bp": 1000, "reason": "Regular guest"}, http.StatusCreated, nil)
	pay(admin, t2, staffBill(t, box.Do, admin, t2).DueCents, 200)
	order(ana, t3, items[3], 1)

	var rep staffReport
	box.DoJSON(t, http.MethodGet, "/api/reports/daily", admin, nil, http.StatusOK, &rep)
	rc := rep.Reconciliation
	if rep.OpenBillsCount < 2 || rc.DiscountsCents <= 0 ||
		rep.PaymentsCents+rep.OpenBillsCents+rc.DiscountsCents+rc.RoundingCents+rc.OtherDaysCents != rep.GrossSalesCents {
		t.Fatalf("report = %+v; want two open bills, a discount, and the sum equal to the gross sales", rep)
	}

	ctx := newBrowser(t, 1440, 900)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "floor", `document.querySelectorAll('.tile').length > 0`)
	staffGo(t, ctx, "#/report")
	staffWait(t, ctx, "the sum", `!!document.querySelector('.adds-up tr[data-line=gross]') && !!document.querySelector('.by-waiter')`)
	line := func(key string) string {
		return staffString(t, ctx, `document.querySelector('.adds-up tr[data-line=`+key+`] td.num')?.textContent.replace(/[^0-9]/g, '') || ''`)
	}
	for key, cents := range map[string]int64{"payments": rep.PaymentsCents, "open": rep.OpenBillsCents, "discounts": rc.DiscountsCents, "gross": rep.GrossSalesCents} {
		if got := line(key); got != fmt.Sprint(cents) {
			t.Errorf("line %s shows digits %q; want %d", key, got, cents)
		}
	}
	if !strings.Contains(staffString(t, ctx, `document.querySelector('.adds-up tr[data-line=gross]').textContent`), "✓") {
		t.Errorf("the gross sales line has no tick: the sum does not add up on the page")
	}
	if got := staffString(t, ctx, `document.querySelector('.kpi[data-kpi=open]')?.textContent || ''`); !strings.Contains(got, fmt.Sprintf("Open bills (%d)", rep.OpenBillsCount)) {
		t.Errorf("open bills figure = %q; want the count %d", got, rep.OpenBillsCount)
	}
	for _, w := range rep.ByWaiter {
		if w.UserID == nil {
			continue
		}
		row := staffString(t, ctx, `[...document.querySelectorAll('.by-waiter tbody tr')].find(r => r.dataset.waiter === `+staffQuote(w.UserName)+`)?.textContent.replace(/\s+/g, ' ') || ''`)
		if !strings.Contains(row, w.UserName) || !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(row, ".", ""), ",", ""), fmt.Sprint(w.SalesCents)) {
			t.Errorf("by-waiter row of %s = %q; want %d orders, sales %d", w.UserName, row, w.OrdersCount, w.SalesCents)
		}
	}
	shot(t, ctx, "staff-report-adds-up-1440")
	rushAxe(t, ctx, "staff report that adds up")
}

// staffDish adds a dish at a known price to the demo menu's first category
// (as the admin) and returns its id.
func staffDish(t *testing.T, box *testBox, admin, name string, price int64) int64 {
	t.Helper()
	var menu struct {
		Categories []struct {
			ID int64 `json:"id"`
		} `json:"categories"`
	}
	box.DoJSON(t, http.MethodGet, "/api/menu", admin, nil, http.StatusOK, &menu)
	var it struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, http.MethodPost, "/api/menu/items", admin, map[string]any{"category_id": menu.Categories[0].ID, "name": name, "price_cents": price}, http.StatusCreated, &it)
	return it.ID
}

// TestStaffRushCash: a €23.40 bill split in two on a phone. The cash
// buttons offer exact and the next round notes of each part; €20 given for
// €11.70 shows €8.30 change due, large, through live updates and a trip
// to another tab, until Done; the second guest pays exact. Tendered and
// change are recorded with the payments.
func TestStaffRushCash(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	ana := box.Login(t, "ana", "waiter123")
	dish := staffDish(t, box, admin, "Cacio e pepe", 2340)
	var tables []struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, http.MethodGet, "/api/tables", admin, nil, http.StatusOK, &tables)
	table := tables[0].ID
	box.DoJSON(t, http.MethodPost, "/api/orders", ana, map[string]any{"table_id": table,
		"items": []map[string]any{{"menu_item_id": dish, "quantity": 1}}}, http.StatusCreated, nil)
	if due := staffBill(t, box.Do, ana, table).DueCents; due != 2340 {
		t.Fatalf("due = %d; want 2340 (the demo's prices include tax)", due)
	}

	ctx := newBrowser(t, 390, 844)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "ana", "waiter123")
	staffWait(t, ctx, "floor", `document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/bill", table))
	notes := func() string {
		return staffString(t, ctx, `[...document.querySelectorAll('.quick-cash .note-btn')].map(b => b.textContent).join(' | ')`)
	}
	staffWait(t, ctx, "cash buttons", `document.querySelectorAll('.quick-cash .note-btn').length > 1`)
	if got, want := notes(), "Exact | €25.00 | €30.00 | €50.00 | €100.00"; got != want {
		t.Errorf("cash buttons for €23.40 = %q; want %q", got, want)
	}

	// Split in two: each part is €11.70.
	staffClickText(t, ctx, ".pay .split button", "Fill amount")
	staffWait(t, ctx, "half the bill", `document.querySelector('.pay input[name=amount_cents]').value === '11.70'`)
	if got, want := notes(), "Exact | €15.00 | €20.00 | €50.00 | €100.00"; got != want {
		t.Errorf("cash buttons for €11.70 = %q; want %q", got, want)
	}
	staffClickText(t, ctx, ".quick-cash .note-btn", "€20.00")
	staffWait(t, ctx, "change shown as typed", `document.querySelector('.pay input[name=tendered]').value === '20.00' && document.querySelector('.pay .change').textContent === '€8.30'`)
	staffExec(t, ctx, `document.querySelector('.quick-cash').scrollIntoView({block: 'center'})`)
	shot(t, ctx, "staff-cash-notes-phone")
	rushAxe(t, ctx, "staff cash buttons on a phone")
	staffClickText(t, ctx, ".pay button", "Take cash payment")
	staffWait(t, ctx, "change due panel", `document.querySelector('.change-due .change-amount')?.textContent === '€8.30' && document.activeElement?.dataset.action === 'change-done'`)
	if got := staffInt(t, ctx, `parseFloat(getComputedStyle(document.querySelector('.change-due .change-amount')).fontSize)`); got < 44 {
		t.Errorf("change due is %dpx high; want it large (at least 44px)", got)
	}
	staffWait(t, ctx, "the rest of the bill", `document.querySelector('.pay .due-line strong')?.textContent === '€11.70'`)
	staffWait(t, ctx, "panel in view", `(() => { const r = document.querySelector('.change-due').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)
	shot(t, ctx, "staff-cash-change-due-phone")
	rushAxe(t, ctx, "staff change due on a phone")

	// A live update (another table orders) and a trip to the order tab
	// leave it where it is.
	box.DoJSON(t, http.MethodPost, "/api/orders", ana, map[string]any{"table_id": tables[1].ID,
		"items": []map[string]any{{"menu_item_id": dish, "quantity": 1}}}, http.StatusCreated, nil)
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/order", table))
	staffWait(t, ctx, "order tab", `!!document.querySelector('.entry') && !document.querySelector('.change-due')`)
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/bill", table))
	staffWait(t, ctx, "change due still there", `document.querySelector('.change-due .change-amount')?.textContent === '€8.30'`)
	staffClick(t, ctx, ".change-due [data-action=change-done]")
	staffWait(t, ctx, "panel gone after Done", `!document.querySelector('.change-due')`)

	// The second guest pays exactly: no change, nothing to dismiss.
	staffWait(t, ctx, "second part", `document.querySelector('.pay input[name=amount_cents]').value === '11.70'`)
	staffClickText(t, ctx, ".quick-cash .note-btn", "Exact")
	staffWait(t, ctx, "exact tendered", `document.querySelector('.pay input[name=tendered]').value === '11.70' && document.querySelector('.pay .change').textContent === '€0.00'`)
	staffClickText(t, ctx, ".pay button", "Take cash payment")
	staffWait(t, ctx, "settled", `!!document.querySelector('.pay .settled')`)
	if staffValue[bool](t, ctx, `!!document.querySelector('.change-due')`) {
		t.Errorf("an exact payment shows a change due panel")
	}

	var pays []struct {
		TableID       int64 `json:"table_id"`
		AmountCents   int64 `json:"amount_cents"`
		TenderedCents int64 `json:"tendered_cents"`
		ChangeCents   int64 `json:"change_cents"`
	}
	box.DoJSON(t, http.MethodGet, "/api/payments", admin, nil, http.StatusOK, &pays)
	var got []string
	for _, p := range pays {
		if p.TableID == table {
			got = append(got, fmt.Sprintf("%d/%d/%d", p.AmountCents, p.TenderedCents, p.ChangeCents))
		}
	}
	if strings.Join(got, " ") != "1170/2000/830 1170/1170/0" {
		t.Errorf("payments (amount/tendered/change) = %v; want 1170/2000/830 then 1170/1170/0", got)
	}
}

// TestStaffRushOrderEntry: on a phone (390x844 and 360x740) the search
// and the categories stay in view under the app's bar, the search looks
// through every category and the menu's languages, a dish is added by a
// tap and taken off by − beside it, the bottom bar opens the cart as a
// sheet with +/− steppers, and choices, seats and courses still reach the
// order.
func TestStaffRushOrderEntry(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	ana := box.Login(t, "ana", "waiter123")
	var tables []struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, http.MethodGet, "/api/tables", ana, nil, http.StatusOK, &tables)
	for i, size := range [][2]int{{390, 844}, {360, 740}} {
		table := tables[i].ID
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ctx := newBrowser(t, size[0], size[1])
			tag := fmt.Sprint(size[0])
			staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
			staffSignIn(t, ctx, "ana", "waiter123")
			staffWait(t, ctx, "floor", `document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
			staffGo(t, ctx, fmt.Sprintf("#/table/%d/order", table))
			staffWait(t, ctx, "menu", `document.querySelectorAll('.dish').length > 10`)
			names := func() string {
				return staffString(t, ctx, `[...document.querySelectorAll('.dish .dish-name')].map(e => e.textContent).join('|')`)
			}
			if n := staffInt(t, ctx, `new Set([...document.querySelectorAll('.cat-chips .chip')].map(c => c.offsetTop)).size`); n != 1 {
				t.Errorf("category chips sit on %d rows; want one row that scrolls", n)
			}
			// Scrolled deep into the menu, search and categories are still there.
			staffExec(t, ctx, `window.scrollTo(0, document.querySelector('.item-grid').offsetTop + 500)`)
			staffWait(t, ctx, "sticky search and categories", `(() => {
				const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
				const head = document.querySelector('.menu-head').getBoundingClientRect();
				return window.scrollY > 300 && Math.abs(head.top - top) <= 1 && head.bottom < innerHeight / 3;
			})()`)
			shot(t, ctx, "staff-order-sticky-"+tag)

			staffClickText(t, ctx, ".cat-chips .chip", "Dolci")
			staffWait(t, ctx, "desserts only", `(() => { const n = [...document.querySelectorAll('.dish .dish-name')].map(e => e.textContent); return n.includes('Tiramisù') && !n.includes('Tagliata di manzo'); })()`)
			// A search looks through every category, in every language, without accents.
			for _, q := range [][2]string{{"tagliata", "Tagliata di manzo"}, {"löffelbiskuits", "Tiramisù"}, {"TIRAMISU", "Tiramisù"}} {
				staffType(t, ctx, ".entry .search", q[0])
				staffWait(t, ctx, "search "+q[0], `[...document.querySelectorAll('.dish .dish-name')].map(e => e.textContent).join('|') === `+staffQuote(q[1]))
			}
			if n := staffInt(t, ctx, `document.querySelectorAll('.cat-chips .chip[aria-pressed=true]').length`); n != 0 {
				t.Errorf("%d category chips look chosen during a search that spans them all", n)
			}
			staffClick(t, ctx, ".dish")
			staffClick(t, ctx, ".dish")
			staffWait(t, ctx, "two in the bar", `!document.querySelector('.cart-bar').hidden && document.querySelector('.cart-bar').textContent.startsWith('2 items')`)
			staffClick(t, ctx, ".dish-less")
			staffWait(t, ctx, "one after −", `document.querySelector('.cart-bar').textContent.startsWith('1 item ') && document.querySelector('.dish-count')?.textContent === '1'`)
			if got := names(); got != "Tiramisù" {
				t.Errorf("dishes after the taps = %q; want the search kept", got)
			}
			shot(t, ctx, "staff-order-dish-stepper-"+tag)
			rushAxe(t, ctx, "staff order entry on a phone "+tag)
			// Picking a category ends the search.
			staffClickText(t, ctx, ".cat-chips .chip", "Secondi")
			staffWait(t, ctx, "main courses, search cleared", `document.querySelector('.entry .search').value === '' && document.querySelectorAll('.dish').length > 1 && document.querySelector('.cat-chips .chip[aria-pressed=true]')?.textContent === 'Secondi'`)
			// A dish with choices asks for them; the default doneness is taken.
			staffType(t, ctx, ".entry .search", "tagliata")
			staffWait(t, ctx, "steak found", `document.querySelector('.dish .dish-name')?.textContent === 'Tagliata di manzo'`)
			staffClick(t, ctx, ".dish")
			staffClick(t, ctx, "#choices-add")
			staffWait(t, ctx, "two lines", `document.querySelector('.cart-bar').textContent.startsWith('2 items')`)
			staffNoHorizontalScroll(t, ctx, "order entry")

			// The bar opens the cart as a sheet under the app's bar.
			staffClick(t, ctx, ".cart-bar")
			staffWait(t, ctx, "cart sheet", `(() => {
				const side = document.querySelector('.entry.cart-open .entry-side');
				if (!side || getComputedStyle(side).position !== 'fixed') return false;
				const r = side.getBoundingClientRect(), top = document.querySelector('.topbar').getBoundingClientRect().bottom;
				return Math.abs(r.top - top) <= 1 && r.bottom === innerHeight && document.querySelector('.cart-bar').textContent.includes('Back to the menu');
			})()`)
			staffClick(t, ctx, `.cart-line button[aria-label="One more Tiramisù"]`)
			staffWait(t, ctx, "two tiramisù", `[...document.querySelectorAll('.cart-line')].some(l => l.textContent.includes('Tiramisù') && l.querySelector('.qty').textContent === '2')`)
			staffExec(t, ctx, `(() => {
				const s = document.querySelector('select[aria-label="Seat of Tagliata di manzo"]');
				s.value = '2';
				s.dispatchEvent(new Event('change', { bubbles: true }));
			})()`)
			staffWait(t, ctx, "steak on seat 2", `document.querySelector('select[aria-label="Seat of Tagliata di manzo"]').value === '2'`)
			staffNoHorizontalScroll(t, ctx, "cart sheet")
			shot(t, ctx, "staff-order-cart-sheet-"+tag)
			rushAxe(t, ctx, "staff cart sheet on a phone "+tag)
			staffClickText(t, ctx, ".cart button", "Send order")
			staffWait(t, ctx, "sent, sheet closed", `!document.querySelector('.entry.cart-open') && document.querySelectorAll('.cart-line').length === 0 && document.querySelector('.cart-bar').hidden`)

			var orders []struct {
				Items []struct {
					Name      string `json:"name"`
					Quantity  int64  `json:"quantity"`
					Seat      *int64 `json:"seat"`
					Course    *int64 `json:"course"`
					Modifiers []struct {
						Name string `json:"name"`
					} `json:"modifiers"`
				} `json:"items"`
			}
			box.DoJSON(t, http.MethodGet, fmt.Sprintf("/api/orders?table_id=%d", table), ana, nil, http.StatusOK, &orders)
			var got []string
			for _, o := range orders {
				for _, it := range o.Items {
					var mods []string
					for _, m := range it.Modifiers {
						mods = append(mods, m.Name)
					}
					seat, course := int64(0), int64(0)
					if it.Seat != nil {
						seat = *it.Seat
					}
					if it.Course != nil {
						course = *it.Course
					}
					got = append(got, fmt.Sprintf("%d× %s seat %d course %d [%s]", it.Quantity, it.Name, seat, course, strings.Join(mods, ",")))
				}
			}
			want := "2× Tiramisù seat 0 course 4 [] | 1× Tagliata di manzo seat 2 course 3 [Medium rare]"
			if strings.Join(got, " | ") != want {
				t.Errorf("order sent = %q; want %q", strings.Join(got, " | "), want)
			}
		})
	}
}

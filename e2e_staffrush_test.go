package main

// Issue 22's waiter's phone and manager's laptop: the day's report that
// adds up (1440x900), cash with change due that stays (390x844), and order
// entry on a phone (390x844 and 360x740).

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

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
}

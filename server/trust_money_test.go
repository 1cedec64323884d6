package server

import (
	"fmt"
	"net/http"
	"testing"

	"rms/store"
)

// TestPaymentIdempotencyKey is finding 6a: a card payment retried with the
// same Idempotency-Key (its answer was lost on the Wi-Fi) is taken once;
// the same key with another payment is a conflict.
func TestPaymentIdempotencyKey(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	ts.order(t, ts.waiter, tableID, itemID, 2) // 2500, tax included
	pay := map[string]any{"table_id": tableID, "method": "card", "amount_cents": 1000, "tip_cents": 100}
	first := ts.do(t, "POST", "/api/payments", ts.waiter, pay, "Idempotency-Key", "card-1")
	again := ts.do(t, "POST", "/api/payments", ts.waiter, pay, "Idempotency-Key", "card-1")
	if first.status != 201 || again.status != 201 || string(first.body) != string(again.body) {
		t.Fatalf("same key twice = %d %s, %d %s; want the same 201 twice", first.status, first.body, again.status, again.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay Idempotent-Replayed = %q; want true", again.header.Get("Idempotent-Replayed"))
	}
	var list []store.Payment
	ts.must(t, 200, "GET", "/api/payments", ts.admin, nil, &list)
	if len(list) != 1 {
		t.Errorf("payments after a retried card payment = %d; want 1", len(list))
	}
	if b := ts.bill(t, tableID, ts.waiter); b.PaidCents != 1000 || b.DueCents != 1500 {
		t.Errorf("bill after the retry: paid %d due %d; want 1000 and 1500", b.PaidCents, b.DueCents)
	}
	other := map[string]any{"table_id": tableID, "method": "card", "amount_cents": 500, "tip_cents": 0}
	expectError(t, "same key, another payment", ts.do(t, "POST", "/api/payments", ts.waiter, other, "Idempotency-Key", "card-1"), 409, "conflict")
	// Keys are the caller's: another waiter's same key is a new payment.
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "bo", "role": "waiter", "password": "waiter456"}, nil)
	bo := ts.login(t, "bo", "waiter456")
	if r := ts.do(t, "POST", "/api/payments", bo, other, "Idempotency-Key", "card-1"); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another user's same key = %d (%s), replayed %q; want a new 201", r.status, r.body, r.header.Get("Idempotent-Replayed"))
	}
	long := make([]byte, 201)
	for i := range long {
		long[i] = 'k'
	}
	expectError(t, "a 201-character key", ts.do(t, "POST", "/api/payments", ts.waiter, other, "Idempotency-Key", string(long)), 422, "validation_failed")
}

// TestCancelAfterPartPayment is finding 6b: cancelling an order after a
// part payment leaves the table paid beyond its bill. The excess is
// recorded as change due (a refund, in the method it was paid with) and
// the bill closes, so the day's takings stay true.
func TestCancelAfterPartPayment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, barID := ts.seedMenu(t) // 1250 and 800, tax included
	keep := ts.order(t, ts.waiter, tableID, barID, 1)
	fish := ts.order(t, ts.waiter, tableID, itemID, 2)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 1000, "tip_cents": 0}, nil)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "card", "amount_cents": 1000, "tip_cents": 200}, nil)
	// 2000 paid; the kitchen is out of fish: the bill falls to 800.
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", fish.ID), ts.waiter, map[string]any{"reason": "out of fish"}, nil)

	var list []store.Payment
	ts.must(t, 200, "GET", "/api/payments", ts.admin, nil, &list)
	var net int64
	byMethod := map[string]int64{}
	for _, p := range list {
		net += p.AmountCents
		byMethod[p.Method] += p.AmountCents
	}
	if net != 800 {
		t.Errorf("payments %+v sum to %d; want 800, the bill after the cancel (1200 recorded as change due)", list, net)
	}
	if byMethod["card"] != 0 || byMethod["cash"] != 800 {
		t.Errorf("net by method = %v; want the card refunded first (card 0, cash 800)", byMethod)
	}
	got, err := ts.store.Order(t.Context(), keep.ID)
	if err != nil || got.Status == store.StatusPending {
		t.Fatalf("Order(kept) = %+v, %v", got, err)
	}
	if b := ts.bill(t, tableID, ts.waiter); b.DueCents != 0 || b.PaidCents != 0 || len(b.Orders) != 0 {
		t.Errorf("bill after the cancel = %+v; want settled (nothing open)", b)
	}
	var report struct {
		PaymentsCents int64 `json:"payments_cents"`
		TipsCents     int64 `json:"tips_cents"`
	}
	ts.must(t, 200, "GET", "/api/reports/daily", ts.admin, nil, &report)
	if report.PaymentsCents != 800 || report.TipsCents != 200 {
		t.Errorf("daily report payments %d tips %d; want 800 and 200", report.PaymentsCents, report.TipsCents)
	}
}

// TestMoneyRules is finding 6c and 6d, table-driven: tips are capped at the
// bill's total, and absurd totals are refused with 422 before any sum, tax
// or report could overflow int64 and show a wrong number.
func TestMoneyRules(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, itemID, _ := ts.seedMenu(t) // 1250
	huge := ts.pricedItem(t, "Caviar by the kilo", store.MaxPriceCents)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": 10000, "prices_include_tax": false}, nil)
	n := 0
	table := func() int64 { n++; return ts.newTable(t, fmt.Sprintf("M%d", n)) }
	line := func(item, qty int64) []map[string]any {
		return []map[string]any{{"menu_item_id": item, "quantity": qty}}
	}
	lines := func(item, qty int64, count int) []map[string]any {
		var out []map[string]any
		for i := 0; i < count; i++ {
			out = append(out, map[string]any{"menu_item_id": item, "quantity": qty})
		}
		return out
	}
	tests := []struct {
		name       string
		orders     [][]map[string]any // placed first, each must be 201
		order      []map[string]any   // then this one, if any
		orderWant  int
		pay        map[string]any // then this payment (table_id filled in)
		payWant    int
		wantField  string
		billTax    int64 // when > 0, the bill's tax afterwards
		billTotal  int64
		billDueNow int64
	}{
		{name: "tip up to the bill's total", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "cash", "amount_cents": 1000, "tip_cents": 2500}, payWant: 201},
		{name: "tip above the bill's total", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "cash", "amount_cents": 1000, "tip_cents": 2501}, payWant: 422, wantField: "tip_cents"},
		{name: "negative tip", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "cash", "amount_cents": 1000, "tip_cents": -1}, payWant: 422, wantField: "tip_cents"},
		{name: "absurd tip", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "card", "amount_cents": 1, "tip_cents": int64(1) << 62}, payWant: 422, wantField: "tip_cents"},
		{name: "absurd amount", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "card", "amount_cents": int64(1) << 62, "tip_cents": 0}, payWant: 422, wantField: "amount_cents"},
		{name: "amount above the due", orders: [][]map[string]any{line(itemID, 1)},
			pay: map[string]any{"method": "card", "amount_cents": 2501, "tip_cents": 0}, payWant: 422, wantField: "amount_cents"},
		{name: "one absurd order (100 lines of 99 at the top price)", order: lines(huge, 99, 100), orderWant: 422, wantField: "items"},
		{name: "bill just under the cap: exact tax", orders: [][]map[string]any{line(huge, 99), line(huge, 1)},
			billTax: 100 * store.MaxPriceCents, billTotal: 200 * store.MaxPriceCents},
		{name: "order that takes the bill past the cap", orders: [][]map[string]any{line(huge, 99), line(huge, 1)},
			order: line(itemID, 1), orderWant: 422, wantField: "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := table()
			for _, items := range tt.orders {
				ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": id, "items": items}, nil)
			}
			if tt.order != nil {
				r := ts.do(t, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": id, "items": tt.order})
				checkMoney(t, "order", r, tt.orderWant, tt.wantField)
			}
			if tt.pay != nil {
				body := map[string]any{"table_id": id}
				for k, v := range tt.pay {
					body[k] = v
				}
				checkMoney(t, "payment", ts.do(t, "POST", "/api/payments", ts.waiter, body), tt.payWant, tt.wantField)
			}
			if tt.billTotal > 0 {
				b := ts.bill(t, id, ts.waiter)
				if b.TaxCents != tt.billTax || b.TotalCents != tt.billTotal {
					t.Errorf("bill tax %d total %d; want %d and %d", b.TaxCents, b.TotalCents, tt.billTax, tt.billTotal)
				}
			}
		})
	}
}

func checkMoney(t *testing.T, what string, r response, want int, field string) {
	t.Helper()
	if r.status != want {
		body := string(r.body)
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		t.Fatalf("%s status = %d (%s); want %d", what, r.status, body, want)
	}
	if want == http.StatusUnprocessableEntity {
		env := expectError(t, what, r, 422, "validation_failed")
		if _, ok := env.Error.Fields[field]; !ok {
			t.Errorf("%s fields = %v; want %s named", what, env.Error.Fields, field)
		}
	}
}

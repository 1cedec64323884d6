package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"rms/store"
)

// pricedItem adds an item of price cents to the first category.
func (ts *testServer) pricedItem(t *testing.T, name string, cents int64) int64 {
	t.Helper()
	var it store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": 1, "name": name, "price_cents": cents}, &it)
	return it.ID
}

func (ts *testServer) bill(t *testing.T, tableID int64, token string) store.Bill {
	t.Helper()
	var b store.Bill
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", tableID), token, nil, &b)
	return b
}

// TestBillMaths checks the README's tax rules in both modes, rounding half
// up on the bill's subtotal, over the unpaid, uncancelled orders only.
func TestBillMaths(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, barID := ts.seedMenu(t) // 1250 and 800
	five := ts.pricedItem(t, "Mint", 5)
	three := ts.pricedItem(t, "Gum", 3)

	ts.order(t, ts.waiter, tableID, itemID, 1)
	ts.order(t, ts.waiter, tableID, barID, 2)
	cancelled := ts.order(t, ts.waiter, tableID, itemID, 4)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", cancelled.ID), ts.waiter, map[string]any{}, nil)
	half := ts.newTable(t, "Half")
	ts.order(t, ts.waiter, half, five, 1)
	inclHalf := ts.newTable(t, "InclHalf")
	ts.order(t, ts.waiter, inclHalf, three, 1)

	tests := []struct {
		table                int64
		rate                 int64
		inclusive            bool
		subtotal, tax, total int64
	}{
		{tableID, 1000, false, 2850, 285, 3135},
		{tableID, 1000, true, 2850, 259, 2850}, // net 2590.9 -> 2591
		{tableID, 2000, true, 2850, 475, 2850}, // net 2375
		{tableID, 0, false, 2850, 0, 2850},
		{half, 1000, false, 5, 1, 6},    // 0.5 rounds up
		{inclHalf, 2000, true, 3, 0, 3}, // net 2.5 rounds up to 3
		{tableID, 10000, false, 2850, 2850, 5700},
	}
	cust := ts.pair(t, tableID)
	for _, tt := range tests {
		ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": tt.rate, "prices_include_tax": tt.inclusive}, nil)
		b := ts.bill(t, tt.table, ts.waiter)
		if b.TableID != tt.table || b.SubtotalCents != tt.subtotal || b.TaxCents != tt.tax || b.TotalCents != tt.total || b.PaidCents != 0 || b.DueCents != tt.total {
			t.Errorf("bill of table %d at %d bp, inclusive %v = %+v; want subtotal %d, tax %d, total %d, due %d",
				tt.table, tt.rate, tt.inclusive, b, tt.subtotal, tt.tax, tt.total, tt.total)
		}
		if tt.table == tableID {
			if len(b.Orders) != 2 || b.Orders[0].Status == "cancelled" || b.Orders[1].Status == "cancelled" {
				t.Errorf("bill orders = %+v; want the two uncancelled orders", b.Orders)
			}
			if cb := ts.bill(t, tableID, cust); cb.TotalCents != b.TotalCents {
				t.Errorf("the guest's bill total = %d; want %d", cb.TotalCents, b.TotalCents)
			}
		}
	}
	expectError(t, "bill of table 999", ts.do(t, "GET", "/api/tables/999/bill", ts.waiter, nil), 404, "not_found")
	if b := ts.bill(t, ts.newTable(t, "Empty"), ts.waiter); len(b.Orders) != 0 || b.DueCents != 0 || b.Orders == nil {
		t.Errorf("bill of an empty table = %+v; want no orders ([]), nothing due", b)
	}
}

// TestPayments walks a split bill: partial payments, an overpay, the
// payment that settles it, and a payment when nothing is due.
func TestPayments(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, itemID, barID := ts.seedMenu(t)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": 1000, "prices_include_tax": false}, nil)
	o1 := ts.order(t, ts.waiter, tableID, itemID, 1)
	o2 := ts.order(t, ts.waiter, tableID, barID, 2)
	// Total 2850 + 285 tax = 3135.
	seq := ts.lastSeq(t)

	var p store.Payment
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 1000, "tip_cents": 100}, &p)
	want := store.Payment{ID: p.ID, TableID: tableID, OrderIDs: []int64{o1.ID, o2.ID}, Method: "cash", AmountCents: 1000, TipCents: 100, CreatedAt: clk.Now()}
	if p.ID == 0 || !paymentEqual(p, want) {
		t.Errorf("first payment = %+v; want %+v", p, want)
	}
	seq = expectEvents(t, ts, "a partial payment", seq, wantEvent{"payment:completed", []string{"orders", "tables", fmt.Sprintf("table:%d", tableID)}, paymentData(want)})
	b := ts.bill(t, tableID, ts.waiter)
	if b.PaidCents != 1000 || b.DueCents != 2135 || len(b.Orders) != 2 {
		t.Errorf("bill after 1000 = %+v; want paid 1000, due 2135, both orders", b)
	}

	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/requests", tableID), ts.pair(t, tableID), map[string]any{"kind": "bill"}, nil)
	seq = ts.lastSeq(t)
	tests := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"overpay by one", map[string]any{"table_id": tableID, "method": "card", "amount_cents": 2136}, []string{"amount_cents"}},
		{"zero", map[string]any{"table_id": tableID, "method": "card", "amount_cents": 0}, []string{"amount_cents"}},
		{"negative", map[string]any{"table_id": tableID, "method": "card", "amount_cents": -500}, []string{"amount_cents"}},
		{"absurd", map[string]any{"table_id": tableID, "method": "card", "amount_cents": int64(1) << 60}, []string{"amount_cents"}},
		{"negative tip", map[string]any{"table_id": tableID, "method": "card", "amount_cents": 1, "tip_cents": -1}, []string{"tip_cents"}},
		{"method", map[string]any{"table_id": tableID, "method": "bitcoin", "amount_cents": 1}, []string{"method"}},
		{"no method", map[string]any{"table_id": tableID, "amount_cents": 1}, []string{"method"}},
		{"no table", map[string]any{"method": "cash", "amount_cents": 1}, []string{"table_id"}},
		{"unknown table", map[string]any{"table_id": 999, "method": "cash", "amount_cents": 1}, []string{"table_id"}},
	}
	for _, tt := range tests {
		expectFields(t, "payment "+tt.name, ts.do(t, "POST", "/api/payments", ts.waiter, tt.body), tt.fields...)
	}
	expectNoEvents(t, ts, "refused payments", seq)

	// Both served before the last payment: settling makes them paid.
	ts.serve(t, o1.ID, o2.ID)
	seq = ts.lastSeq(t)
	clk.Advance(time.Minute)
	ts.must(t, 201, "POST", "/api/payments", ts.admin, map[string]any{"table_id": tableID, "method": "card", "amount_cents": 2135, "tip_cents": 0}, &p)
	last := store.Payment{ID: p.ID, TableID: tableID, OrderIDs: []int64{o1.ID, o2.ID}, Method: "card", AmountCents: 2135, CreatedAt: clk.Now()}
	expectEvents(t, ts, "the payment that settles the bill", seq,
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o1.ID, "paid")},
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o2.ID, "paid")},
		wantEvent{"table:updated", tableRoomsOf(tableID), func(t *testing.T, raw json.RawMessage) {
			tb := decodeAs[store.Table](t, raw)
			if tb.Status != "cleaning" || tb.OpenRequest != nil {
				t.Errorf("table:updated = %s; want cleaning without the bill request", raw)
			}
		}},
		wantEvent{"payment:completed", []string{"orders", "tables", fmt.Sprintf("table:%d", tableID)}, paymentData(last)})
	for _, id := range []int64{o1.ID, o2.ID} {
		var o store.Order
		ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", id), ts.waiter, nil, &o)
		if o.Status != "paid" {
			t.Errorf("order %d after the bill is settled = %s; want paid", id, o.Status)
		}
	}
	if tb, _ := ts.store.Table(t.Context(), tableID); tb.Status != "cleaning" || tb.OpenRequest != nil {
		t.Errorf("table after the bill is settled = %+v; want cleaning, no request", tb)
	}
	if b := ts.bill(t, tableID, ts.waiter); len(b.Orders) != 0 || b.DueCents != 0 || b.PaidCents != 0 {
		t.Errorf("bill after settling = %+v; want empty", b)
	}
	seq = ts.lastSeq(t)
	expectError(t, "a payment when nothing is due", ts.do(t, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 1}), 409, "conflict")
	expectNoEvents(t, ts, "a payment when nothing is due", seq)

	// A new guest at the same table starts a new bill.
	o3 := ts.order(t, ts.waiter, tableID, itemID, 2)
	if b := ts.bill(t, tableID, ts.waiter); b.SubtotalCents != 2500 || b.PaidCents != 0 || len(b.Orders) != 1 || b.Orders[0].ID != o3.ID {
		t.Errorf("the next bill = %+v; want only order %d, nothing paid", b, o3.ID)
	}

	// The list, admin only, bounded by from and to.
	var all []store.Payment
	ts.must(t, 200, "GET", "/api/payments", ts.admin, nil, &all)
	if len(all) != 2 || all[0].AmountCents != 1000 || all[1].AmountCents != 2135 {
		t.Errorf("GET /api/payments = %+v; want the two payments", all)
	}
	var after []store.Payment
	ts.must(t, 200, "GET", "/api/payments?from=2026-11-26T20:00:30Z&to=2026-11-27", ts.admin, nil, &after)
	if len(after) != 1 || after[0].ID != p.ID {
		t.Errorf("GET /api/payments from 20:00:30 = %+v; want the second payment only", after)
	}
	ts.must(t, 200, "GET", "/api/payments?to=2026-11-26T20:00:00Z", ts.admin, nil, &after)
	if len(after) != 0 {
		t.Errorf("GET /api/payments to 20:00 (exclusive) = %+v; want none", after)
	}
	expectFields(t, "GET /api/payments?from=soon", ts.do(t, "GET", "/api/payments?from=soon", ts.admin, nil), "from")
}

// TestCancelSettlesPartPaidBill: when a cancel leaves a part-paid bill with
// nothing due, the bill is settled as by a payment.
func TestCancelSettlesPartPaidBill(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, barID := ts.seedMenu(t)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": 0}, nil)
	o1 := ts.order(t, ts.waiter, tableID, itemID, 1) // 1250
	o2 := ts.order(t, ts.waiter, tableID, barID, 1)  // 800
	ts.serve(t, o1.ID)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 1250}, nil)
	seq := ts.lastSeq(t)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", o2.ID), ts.waiter, map[string]any{"reason": "never came"}, nil)
	expectEvents(t, ts, "the cancel that clears the due", seq,
		wantEvent{"order:cancelled", orderRoomsOf(tableID), orderData(o2.ID, "cancelled")},
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o1.ID, "paid")},
		wantEvent{"table:updated", tableRoomsOf(tableID), tableData(tableID, "cleaning")})
}

func paymentEqual(a, b store.Payment) bool {
	return a.ID == b.ID && a.TableID == b.TableID && slices.Equal(a.OrderIDs, b.OrderIDs) && a.Method == b.Method &&
		a.AmountCents == b.AmountCents && a.TipCents == b.TipCents && a.CreatedAt.Equal(b.CreatedAt)
}

func paymentData(want store.Payment) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, raw json.RawMessage) {
		t.Helper()
		var m map[string]any
		json.Unmarshal(raw, &m)
		for _, k := range []string{"id", "table_id", "order_ids", "method", "amount_cents", "tip_cents", "created_at"} {
			if _, ok := m[k]; !ok {
				t.Errorf("payment:completed data = %s; want field %s", raw, k)
			}
		}
		if got := decodeAs[store.Payment](t, raw); !paymentEqual(got, want) {
			t.Errorf("payment:completed data = %s; want %+v", raw, want)
		}
	}
}

// TestDailyReport: the report covers local midnight to local midnight in
// the settings' time zone, so orders near midnight land on the right day.
func TestDailyReport(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2026, 11, 25, 22, 30, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, itemID, barID := ts.seedMenu(t)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"timezone": "Europe/Rome", "tax_rate_bp": 1000, "prices_include_tax": false}, nil)
	t2 := ts.newTable(t, "T2")

	at := func(s string) {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(tm)
		// A day of clock outlives the 12-hour staff tokens.
		ts.admin, ts.waiter = ts.login(t, "admin", "admin123"), ts.login(t, "ana", "waiter123")
	}
	// Rome is UTC+1 in November: the local 26th runs from 25th 23:00 UTC
	// to 26th 23:00 UTC.
	at("2026-11-25T22:59:59.999Z") // 23:59:59.999 on the 25th
	ts.order(t, ts.waiter, tableID, itemID, 5)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 500, "tip_cents": 50}, nil)
	at("2026-11-25T23:00:00Z")            // midnight: the 26th
	ts.order(t, ts.waiter, t2, itemID, 2) // 2500
	at("2026-11-26T12:00:00Z")
	c := ts.order(t, ts.waiter, t2, barID, 1)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", c.ID), ts.waiter, map[string]any{}, nil)
	ts.order(t, ts.waiter, t2, barID, 3) // 2400
	at("2026-11-26T22:59:59.999Z")       // 23:59:59.999 on the 26th
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": t2, "method": "card", "amount_cents": 1000, "tip_cents": 200}, nil)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": t2, "method": "cash", "amount_cents": 300}, nil)
	at("2026-11-26T23:00:00Z") // the 27th
	ts.order(t, ts.waiter, t2, itemID, 7)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": t2, "method": "cash", "amount_cents": 1}, nil)

	var r store.DailyReport
	ts.must(t, 200, "GET", "/api/reports/daily?date=2026-11-26", ts.admin, nil, &r)
	// Orders: 2500 (tax 250) and 2400 (tax 240), one cancelled.
	if r.Date != "2026-11-26" || r.Timezone != "Europe/Rome" || r.OrdersCount != 2 || r.CancelledCount != 1 ||
		r.GrossSalesCents != 5390 || r.TaxCents != 490 || r.NetSalesCents != 4900 || r.PaymentsCents != 1300 || r.TipsCents != 200 {
		t.Errorf("report of the 26th = %+v; want 2 orders (1 cancelled), gross 5390, tax 490, net 4900, payments 1300, tips 200", r)
	}
	if !r.From.Equal(time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)) || !r.To.Equal(time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("report of the 26th runs %v to %v; want Rome's midnights", r.From, r.To)
	}
	wantItems := []store.ReportItem{{MenuItemID: itemID, Name: "Lasagne", Quantity: 2, SalesCents: 2500}, {MenuItemID: barID, Name: "Spritz", Quantity: 3, SalesCents: 2400}}
	if !slices.Equal(r.ByItem, wantItems) {
		t.Errorf("report by item = %+v; want %+v", r.ByItem, wantItems)
	}
	wantMethods := []store.ReportMethod{{Method: "card", Count: 1, AmountCents: 1000, TipCents: 200}, {Method: "cash", Count: 1, AmountCents: 300}}
	if !slices.Equal(r.ByMethod, wantMethods) {
		t.Errorf("report by method = %+v; want %+v", r.ByMethod, wantMethods)
	}
	// T2's bill, opened on the 26th, is still open: 2500 + 2400 + the
	// 27th's 8750, with 10% tax, is 15015, less 1301 paid. The 27th's order
	// (9625) less the cent paid on the 27th is the other days' part.
	wantRec := store.ReportReconciliation{GrossSalesCents: 5390, PaymentsCents: 1300, OpenBillsCents: 13714, OtherDaysCents: -9624}
	if r.Reconciliation != wantRec || r.OpenBillsCount != 1 || r.OpenBillsCents != 13714 {
		t.Errorf("report's open bills %d (%d), reconciliation %+v; want 1 (13714), %+v", r.OpenBillsCount, r.OpenBillsCents, r.Reconciliation, wantRec)
	}
	if len(r.ByWaiter) != 1 || r.ByWaiter[0].UserName != "ana" || r.ByWaiter[0].UserID == nil ||
		r.ByWaiter[0].OrdersCount != 2 || r.ByWaiter[0].SalesCents != 5390 || r.ByWaiter[0].PaymentsCount != 2 ||
		r.ByWaiter[0].PaymentsCents != 1300 || r.ByWaiter[0].TipsCents != 200 {
		t.Errorf("report by waiter = %+v; want ana with 2 orders, 5390 sales, 2 payments of 1300, 200 tips", r.ByWaiter)
	}

	// Without a date: today in Rome, which is already the 27th.
	ts.must(t, 200, "GET", "/api/reports/daily", ts.admin, nil, &r)
	if r.Date != "2026-11-27" || r.OrdersCount != 1 || r.PaymentsCents != 1 {
		t.Errorf("report of today = %+v; want the 27th with its one order and payment", r)
	}
	ts.must(t, 200, "GET", "/api/reports/daily?date=2026-11-25", ts.admin, nil, &r)
	if r.OrdersCount != 1 || r.PaymentsCents != 500 || r.TipsCents != 50 {
		t.Errorf("report of the 25th = %+v; want one order, 500 paid, 50 tips", r)
	}
	// A day with a clock change lasts 25 hours.
	ts.must(t, 200, "GET", "/api/reports/daily?date=2026-10-25", ts.admin, nil, &r)
	if r.To.Sub(r.From) != 25*time.Hour || r.OrdersCount != 0 || r.ByItem == nil || r.ByMethod == nil {
		t.Errorf("report of 2026-10-25 = %+v; want an empty 25-hour day with [] lists", r)
	}
	// In Auckland (UTC+13) the same orders fall on other days.
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"timezone": "Pacific/Auckland"}, nil)
	ts.must(t, 200, "GET", "/api/reports/daily?date=2026-11-27", ts.admin, nil, &r)
	if r.OrdersCount != 2 || r.CancelledCount != 1 {
		t.Errorf("Auckland's 27th = %+v; want its two orders and one cancelled", r)
	}
	for _, bad := range []string{"2026-13-01", "26-11-2026", "today", "2026-11-26T00:00:00Z", "9999-12-31", "0000-01-01", "1969-12-31"} {
		expectFields(t, "report of "+bad, ts.do(t, "GET", "/api/reports/daily?date="+bad, ts.admin, nil), "date")
	}
}

// TestConcurrentSettlement: two tills taking the whole due at once settle
// the bill once; the other is told nothing is due. Concurrent orders of an
// empty table seat it once.
func TestConcurrentSettlement(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	seq := ts.lastSeq(t)
	const n = 8
	statuses := make(chan int, n)
	body := fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":1}]}`, tableID, itemID)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			s, _, _ := rawPost(ts.URL+"/api/orders", ts.waiter, body)
			statuses <- s
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		if s := <-statuses; s != 201 {
			t.Errorf("concurrent order status = %d; want 201", s)
		}
	}
	tableEvents := 0
	for _, e := range ts.events(t, seq) {
		if e.Name == "table:updated" {
			tableEvents++
		}
	}
	if tableEvents != 1 {
		t.Errorf("%d concurrent orders of an available table emitted %d table:updated; want 1", n, tableEvents)
	}

	due := ts.bill(t, tableID, ts.waiter).DueCents
	seq = ts.lastSeq(t)
	pay := fmt.Sprintf(`{"table_id":%d,"method":"card","amount_cents":%d}`, tableID, due)
	results := make(chan int, 2)
	start = make(chan struct{})
	for i := 0; i < 2; i++ {
		go func() {
			<-start
			s, _, _ := rawPost(ts.URL+"/api/payments", ts.waiter, pay)
			results <- s
		}()
	}
	close(start)
	got := []int{<-results, <-results}
	slices.Sort(got)
	if got[0] != 201 || got[1] != 409 {
		t.Errorf("two payments of the whole due at once = %v; want one 201 and one 409", got)
	}
	var payments, paid int
	for _, e := range ts.events(t, seq) {
		switch e.Name {
		case "payment:completed":
			payments++
		case "order:updated":
			paid++
		}
	}
	if payments != 1 || paid != n {
		t.Errorf("events = %d payment:completed and %d order:updated; want 1 and %d", payments, paid, n)
	}
}

// TestFreeBill: a bill of free items only is due nothing; a payment of 0
// closes it (orders paid, table cleaning), any other amount is a 409.
func TestFreeBill(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	water := ts.pricedItem(t, "Tap water", 0)
	o := ts.order(t, ts.waiter, tableID, water, 2)
	ts.serve(t, o.ID)
	if b := ts.bill(t, tableID, ts.waiter); b.DueCents != 0 || len(b.Orders) != 1 {
		t.Fatalf("bill of free water = %+v; want one order, nothing due", b)
	}
	seq := ts.lastSeq(t)
	pay := func(amount int64) response {
		return ts.do(t, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": amount})
	}
	expectError(t, "paying 1 for a free bill", pay(1), 409, "conflict")
	expectNoEvents(t, ts, "a refused payment of a free bill", seq)
	var p store.Payment
	r := pay(0)
	if r.status != 201 {
		t.Fatalf("paying 0 for a free bill status = %d (%s); want 201", r.status, r.body)
	}
	r.decode(t, &p)
	want := store.Payment{ID: p.ID, TableID: tableID, OrderIDs: []int64{o.ID}, Method: "cash", AmountCents: 0, CreatedAt: p.CreatedAt}
	expectEvents(t, ts, "closing a free bill", seq,
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "paid")},
		wantEvent{"table:updated", tableRoomsOf(tableID), tableData(tableID, "cleaning")},
		wantEvent{"payment:completed", []string{"orders", "tables", fmt.Sprintf("table:%d", tableID)}, paymentData(want)})
	seq = ts.lastSeq(t)
	expectError(t, "paying 0 again", pay(0), 409, "conflict")
	// Where something is due, 0 is not a payment.
	ts.order(t, ts.waiter, tableID, itemID, 1)
	expectFields(t, "paying 0 while 1250 is due", pay(0), "amount_cents")
	if got := ts.lastSeq(t); got != seq+1 {
		t.Errorf("refused payments emitted %d events; want none", got-seq-1)
	}
}

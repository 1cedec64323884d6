package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"rms/store"
)

// serve takes confirmed orders through the kitchen (chef) to served (waiter).
func (ts *testServer) serve(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		for _, step := range []struct{ to, token string }{{"preparing", ts.chef}, {"ready", ts.chef}, {"served", ts.waiter}} {
			ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", id), step.token, map[string]any{"status": step.to}, nil)
		}
	}
}

// kitchenList is what a kitchen display loads: the active orders.
func (ts *testServer) kitchenList(t *testing.T) []store.Order {
	t.Helper()
	var list []store.Order
	ts.must(t, 200, "GET", "/api/orders?active=true", ts.chef, nil, &list)
	return list
}

// TestPayBeforeServing is "Paying is not cooking" over HTTP: a table that
// pays by card before its food is started keeps the order on the kitchen's
// list (same status, paid_at set, an order:updated to the kitchen), its
// bill shows nothing due, and the order becomes paid when served, which
// is when the table becomes cleaning.
func TestPayBeforeServing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": 0}, nil)
	o := ts.order(t, ts.waiter, tableID, itemID, 1) // 1250, confirmed
	seq := ts.lastSeq(t)

	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "card", "amount_cents": 1250}, nil)
	expectEvents(t, ts, "paying before the kitchen started", seq,
		wantEvent{"order:updated", orderRoomsOf(tableID), func(t *testing.T, raw json.RawMessage) {
			got := decodeAs[store.Order](t, raw)
			if got.ID != o.ID || got.Status != "confirmed" || got.PaidAt == nil {
				t.Errorf("order:updated = %s; want order %d still confirmed, with paid_at", raw, o.ID)
			}
		}},
		wantEvent{"payment:completed", []string{"orders", "tables", fmt.Sprintf("table:%d", tableID)}, nil})
	list := ts.kitchenList(t)
	i := slices.IndexFunc(list, func(x store.Order) bool { return x.ID == o.ID })
	if i < 0 || list[i].Status != "confirmed" || list[i].PaidAt == nil {
		t.Fatalf("kitchen list after paying = %+v; want order %d confirmed with paid_at", list, o.ID)
	}
	if b := ts.bill(t, tableID, ts.waiter); b.DueCents != 0 || len(b.Orders) != 0 {
		t.Errorf("bill of the settled table = %+v; want nothing due", b)
	}
	cust := ts.pair(t, tableID)
	if b := ts.bill(t, tableID, cust); b.DueCents != 0 {
		t.Errorf("the guest's bill after paying = due %d; want 0", b.DueCents)
	}
	expectError(t, "the guest cancelling a paid order", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), cust, map[string]any{}), 403, "forbidden")
	if tb, _ := ts.store.Table(t.Context(), tableID); tb.Status != "occupied" {
		t.Errorf("table paid with food to come = %s; want occupied", tb.Status)
	}

	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.chef, map[string]any{"status": "preparing"}, nil)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.chef, map[string]any{"status": "ready"}, nil)
	if list := ts.kitchenList(t); !slices.ContainsFunc(list, func(x store.Order) bool { return x.ID == o.ID && x.Status == "ready" }) {
		t.Errorf("kitchen list with the paid order ready = %+v; want it there", list)
	}
	seq = ts.lastSeq(t)
	var served store.Order
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.waiter, map[string]any{"status": "served"}, &served)
	if served.Status != "paid" || served.PaidAt == nil {
		t.Errorf("PATCH served on a settled order = %s paid_at %v; want paid", served.Status, served.PaidAt)
	}
	expectEvents(t, ts, "serving the settled order", seq,
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "paid")},
		wantEvent{"table:updated", tableRoomsOf(tableID), tableData(tableID, "cleaning")})
	if list := ts.kitchenList(t); slices.ContainsFunc(list, func(x store.Order) bool { return x.ID == o.ID }) {
		t.Errorf("kitchen list after serving = %+v; want the order gone", list)
	}
}

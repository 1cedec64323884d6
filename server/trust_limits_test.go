package server

import (
	"fmt"
	"testing"
	"time"

	"rms/store"
)

// TestTableLimits is finding 2 (what one table may order), table-driven:
// lines per order, note length, open orders and orders per minute, each
// refused for a table's iPad with the contract's error and changing
// nothing, while staff may still enter a big order for that table. The
// limits are settings.
func TestTableLimits(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now, tableLimits: true})
	_, itemID, _ := ts.seedMenu(t)
	var st store.Settings
	ts.must(t, 200, "GET", "/api/settings", ts.admin, nil, &st)
	if st.MaxLinesPerOrder != 30 || st.MaxNoteChars != 200 || st.MaxOrdersPerMinute != 6 || st.MaxOpenOrders != 20 {
		t.Errorf("default table limits = %+v; want 30 lines, 200 characters, 6 a minute, 20 open", st.TableLimits)
	}
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{
		"table_max_lines_per_order": 3, "table_max_note_chars": 10, "table_max_orders_per_minute": 2, "table_max_open_orders": 4,
	}, nil)
	n := 0
	newTable := func() (int64, string) {
		n++
		id := ts.newTable(t, fmt.Sprintf("L%d", n))
		return id, ts.pair(t, id)
	}
	lines := func(k int, note string) []map[string]any {
		var out []map[string]any
		for i := 0; i < k; i++ {
			out = append(out, map[string]any{"menu_item_id": itemID, "quantity": 1, "notes": note})
		}
		return out
	}
	tests := []struct {
		name      string
		before    int           // orders placed by the table first (each 201)
		wait      time.Duration // then the clock moves on
		served    int           // and this many of them are cancelled by staff
		items     []map[string]any
		notes     string
		want      int
		wantField string
	}{
		{name: "within every limit", items: lines(3, "no onions"), want: 201},
		{name: "one line too many", items: lines(4, ""), want: 422, wantField: "items"},
		{name: "line note too long", items: lines(1, "12345678901"), want: 422, wantField: "items[0].notes"},
		{name: "order note too long", items: lines(1, ""), notes: "12345678901", want: 422, wantField: "notes"},
		{name: "third order in a minute", before: 2, items: lines(1, ""), want: 429},
		{name: "third order after a minute", before: 2, wait: time.Minute, items: lines(1, ""), want: 201},
		{name: "fifth open order", before: 4, wait: time.Minute, items: lines(1, ""), want: 409},
		{name: "fifth order once one is cancelled", before: 4, wait: time.Minute, served: 1, items: lines(1, ""), want: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, cust := newTable()
			var placed []store.Order
			for i := 0; i < tt.before; i++ {
				if i > 0 && i%2 == 0 {
					clk.Advance(time.Minute) // stay under the per-minute limit
				}
				placed = append(placed, ts.order(t, cust, id, itemID, 1))
			}
			clk.Advance(tt.wait)
			for _, o := range placed[:tt.served] {
				ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), ts.waiter, map[string]any{"reason": "test"}, nil)
			}
			r := ts.do(t, "POST", "/api/orders", cust, map[string]any{"table_id": id, "items": tt.items, "notes": tt.notes})
			switch tt.want {
			case 201:
				if r.status != 201 {
					t.Fatalf("status = %d (%s); want 201", r.status, r.body)
				}
			case 422:
				expectFields(t, tt.name, r, tt.wantField)
			case 429:
				expectRateLimited(t, tt.name, r, time.Minute)
			case 409:
				expectError(t, tt.name, r, 409, "conflict")
			}
			if tt.want != 201 {
				var list []store.Order
				ts.must(t, 200, "GET", fmt.Sprintf("/api/orders?table_id=%d", id), ts.waiter, nil, &list)
				if len(list) != tt.before {
					t.Errorf("orders of the table after a refused one = %d; want %d", len(list), tt.before)
				}
				// Staff may still enter it for the table.
				if tt.wantField != "items" || len(tt.items) <= store.MaxOrderLines {
					if r := ts.do(t, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": id, "items": tt.items, "notes": tt.notes}); r.status != 201 {
						t.Errorf("the same order from a waiter: status = %d (%s); want 201", r.status, r.body)
					}
				}
			}
			clk.Advance(time.Minute)
		})
	}
	// Limits are checked when set: never above an order's hard limits.
	for field, v := range map[string]int64{"table_max_lines_per_order": 101, "table_max_note_chars": 501, "table_max_orders_per_minute": 0, "table_max_open_orders": -1} {
		expectFields(t, field, ts.do(t, "PATCH", "/api/settings", ts.admin, map[string]any{field: v}), field)
	}
}

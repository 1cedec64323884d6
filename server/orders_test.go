package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"rms/store"
)

func TestOrderCreate(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, itemID, barID := ts.seedMenu(t)
	seq := ts.lastSeq(t)

	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": tableID, "notes": "window seat",
		"items": []any{map[string]any{"menu_item_id": itemID, "quantity": 2, "notes": "no basil"}, map[string]any{"menu_item_id": barID, "quantity": 1}}}, &o)
	now := clk.Now()
	if o.ID == 0 || o.TableID != tableID || o.TableName != "T1" || o.Status != "confirmed" || o.Notes != "window seat" ||
		o.SubtotalCents != 2*1250+800 || o.CancelReason != nil || !o.CreatedAt.Equal(now) || !o.UpdatedAt.Equal(now) || !o.StatusChangedAt.Equal(now) {
		t.Errorf("POST /api/orders by a waiter = %+v; want a confirmed order of table %d worth 3300", o, tableID)
	}
	wantItems := []store.OrderItem{
		{ID: o.Items[0].ID, MenuItemID: itemID, Name: "Lasagne", Quantity: 2, UnitPriceCents: 1250, Notes: "no basil", Station: "kitchen", Modifiers: []store.OrderModifier{}},
		{ID: o.Items[1].ID, MenuItemID: barID, Name: "Spritz", Quantity: 1, UnitPriceCents: 800, Station: "bar", Modifiers: []store.OrderModifier{}},
	}
	for i := range o.Items {
		// Without courses held, every line goes to the kitchen at once.
		if f := o.Items[i].FiredAt; f == nil || !f.Equal(now) {
			t.Errorf("line %d fired_at = %v; want %v", i, f, now)
		}
		o.Items[i].FiredAt = nil
	}
	if len(o.Items) != 2 || !reflect.DeepEqual(o.Items, wantItems) || o.Items[0].ID == 0 {
		t.Errorf("order items = %+v; want %+v", o.Items, wantItems)
	}
	// Wire names of the contract.
	raw := ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", o.ID), ts.waiter, nil, nil).body
	for _, field := range []string{`"id"`, `"table_id"`, `"status"`, `"items"`, `"menu_item_id"`, `"quantity"`, `"unit_price_cents"`, `"station"`, `"done"`,
		`"notes"`, `"subtotal_cents"`, `"created_at"`, `"updated_at"`, `"status_changed_at"`, `"cancel_reason":null`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("GET /api/orders/%d = %s; want field %s", o.ID, raw, field)
		}
	}
	seq = expectEvents(t, ts, "the first order of an available table", seq,
		wantEvent{"order:created", orderRoomsOf(tableID), orderData(o.ID, "confirmed")},
		wantEvent{"table:updated", tableRoomsOf(tableID), tableData(tableID, "occupied")})

	// Prices are copied: a new price leaves the order alone.
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d", itemID), ts.admin, map[string]any{"price_cents": 9999}, nil)
	var again store.Order
	ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", o.ID), ts.waiter, nil, &again)
	if again.SubtotalCents != 3300 || again.Items[0].UnitPriceCents != 1250 {
		t.Errorf("order after a price change = %+v; want the old prices", again)
	}
	seq = ts.lastSeq(t)

	// A second order of the occupied table: no table event.
	o2 := ts.order(t, ts.admin, tableID, barID, 3)
	seq = expectEvents(t, ts, "an order of an occupied table", seq, wantEvent{"order:created", orderRoomsOf(tableID), orderData(o2.ID, "confirmed")})

	// A guest's order waits for a waiter, unless orders are confirmed
	// automatically.
	cust := ts.pair(t, tableID)
	if got := ts.order(t, cust, tableID, itemID, 1); got.Status != "pending" {
		t.Errorf("a guest's order status = %q; want pending", got.Status)
	}
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"auto_confirm_orders": true}, nil)
	if got := ts.order(t, cust, tableID, itemID, 1); got.Status != "confirmed" {
		t.Errorf("a guest's order with auto confirm status = %q; want confirmed", got.Status)
	}
	seq = ts.lastSeq(t)

	// A reserved table becomes occupied too.
	reserved := ts.newTable(t, "T9")
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/tables/%d/status", reserved), ts.waiter, map[string]any{"status": "reserved"}, nil)
	seq = ts.lastSeq(t)
	o3 := ts.order(t, ts.waiter, reserved, itemID, 1)
	expectEvents(t, ts, "an order of a reserved table", seq,
		wantEvent{"order:created", orderRoomsOf(reserved), orderData(o3.ID, "confirmed")},
		wantEvent{"table:updated", tableRoomsOf(reserved), tableData(reserved, "occupied")})
}

func TestOrderCreateRefused(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, barID := ts.seedMenu(t)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", barID), ts.chef, map[string]any{"available": false}, nil)
	var deleted store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": 1, "name": "Gone", "price_cents": 100}, &deleted)
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/menu/items/%d", deleted.ID), ts.admin, nil, nil)
	seq := ts.lastSeq(t)

	line := func(id, qty int64) map[string]any { return map[string]any{"menu_item_id": id, "quantity": qty} }
	order := func(table int64, lines ...map[string]any) map[string]any {
		return map[string]any{"table_id": table, "items": lines}
	}
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = line(itemID, 1)
	}
	tests := []struct {
		name   string
		body   any
		fields []string
	}{
		{"no lines", order(tableID), []string{"items"}},
		{"101 lines", order(tableID, many...), []string{"items"}},
		{"no table", map[string]any{"items": []any{line(itemID, 1)}}, []string{"table_id"}},
		{"negative table", order(-1, line(itemID, 1)), []string{"table_id"}},
		{"unknown table", order(999, line(itemID, 1)), []string{"table_id"}},
		{"quantity 0", order(tableID, line(itemID, 0)), []string{"items[0].quantity"}},
		{"quantity -3", order(tableID, line(itemID, -3)), []string{"items[0].quantity"}},
		{"quantity 100", order(tableID, line(itemID, 100)), []string{"items[0].quantity"}},
		{"no menu item", order(tableID, line(itemID, 1), map[string]any{"quantity": 1}), []string{"items[1].menu_item_id"}},
		{"unknown menu item", order(tableID, line(itemID, 1), line(999, 1)), []string{"items[1].menu_item_id"}},
		{"deleted menu item", order(tableID, line(deleted.ID, 1)), []string{"items[0].menu_item_id"}},
		{"NUL in notes", map[string]any{"table_id": tableID, "items": []any{line(itemID, 1)}, "notes": "a\x00b"}, []string{"notes"}},
		{"long line notes", order(tableID, map[string]any{"menu_item_id": itemID, "quantity": 1, "notes": strings.Repeat("n", 501)}), []string{"items[0].notes"}},
	}
	for _, tt := range tests {
		expectFields(t, "POST /api/orders "+tt.name, ts.do(t, "POST", "/api/orders", ts.waiter, tt.body), tt.fields...)
	}
	// An 86'd item is a 409 that names it; the rest of the order is not placed.
	r := ts.do(t, "POST", "/api/orders", ts.waiter, order(tableID, line(itemID, 1), line(barID, 2)))
	e := expectError(t, "an order with an unavailable item", r, 409, "conflict")
	if !strings.Contains(e.Error.Message, "Spritz") {
		t.Errorf("unavailable item message = %q; want it to name Spritz", e.Error.Message)
	}
	expectError(t, "an order by the chef", ts.do(t, "POST", "/api/orders", ts.chef, order(tableID, line(itemID, 1))), 403, "forbidden")
	expectNoEvents(t, ts, "the refused orders", seq)
	var orders []store.Order
	ts.must(t, 200, "GET", "/api/orders", ts.admin, nil, &orders)
	if len(orders) != 0 {
		t.Errorf("GET /api/orders after refused orders = %d orders; want 0", len(orders))
	}
	if tb, _ := ts.store.Table(t.Context(), tableID); tb.Status != "available" {
		t.Errorf("table after refused orders = %s; want available", tb.Status)
	}
}

// rawPost sends one POST from any goroutine (no t.Fatal inside).
func rawPost(url, token, body string, headers ...string) (int, []byte, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestOrderIdempotency: five identical POSTs with one Idempotency-Key at
// once create one order and all get the first response.
func TestOrderIdempotency(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	cust := ts.pair(t, tableID)
	seq := ts.lastSeq(t)
	body := fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":2,"notes":"hot"}]}`, tableID, itemID)

	const n = 5
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			s, b, err := rawPost(ts.URL+"/api/orders", cust, body, "Idempotency-Key", "k-7f3a9c")
			results[i] = result{s, b, err}
		}(i)
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r.err != nil || r.status != 201 {
			t.Fatalf("concurrent POST %d = %d %s, %v; want 201", i, r.status, r.body, r.err)
		}
		if !bytes.Equal(r.body, results[0].body) {
			t.Errorf("concurrent POST %d body = %s; want the first response %s", i, r.body, results[0].body)
		}
	}
	first := decodeAs[store.Order](t, results[0].body)
	expectEvents(t, ts, "five POSTs with one key", seq,
		wantEvent{"order:created", orderRoomsOf(tableID), orderData(first.ID, "pending")},
		wantEvent{"table:updated", tableRoomsOf(tableID), tableData(tableID, "occupied")})

	// Later, after the order moved on, a replay still returns the first
	// response, and says so.
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", first.ID), ts.waiter, map[string]any{"status": "confirmed"}, nil)
	seq = ts.lastSeq(t)
	r := ts.do(t, "POST", "/api/orders", cust, body, "Idempotency-Key", "k-7f3a9c")
	if r.status != 201 || !bytes.Equal(r.body, results[0].body) || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %s (replayed %q); want 201 with the first body", r.status, r.body, r.header.Get("Idempotent-Replayed"))
	}
	expectNoEvents(t, ts, "a replay", seq)

	// The same key with another body is a conflict; a key is the caller's:
	// staff using the same key get their own order.
	other := fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":3}]}`, tableID, itemID)
	expectError(t, "a key reused for another order", ts.do(t, "POST", "/api/orders", cust, other, "Idempotency-Key", "k-7f3a9c"), 409, "conflict")
	var staffOrder store.Order
	r = ts.do(t, "POST", "/api/orders", ts.waiter, body, "Idempotency-Key", "k-7f3a9c")
	if r.status != 201 {
		t.Fatalf("the waiter's POST with the guest's key status = %d; want 201", r.status)
	}
	r.decode(t, &staffOrder)
	if staffOrder.ID == first.ID {
		t.Errorf("the waiter's order with the guest's key = order %d; want a new order", staffOrder.ID)
	}
	expectFields(t, "a 201-character key", ts.do(t, "POST", "/api/orders", cust, body, "Idempotency-Key", strings.Repeat("k", 201)), "Idempotency-Key")
	// No key: every POST is a new order.
	a, b := ts.order(t, ts.waiter, tableID, itemID, 1), ts.order(t, ts.waiter, tableID, itemID, 1)
	if a.ID == b.ID {
		t.Errorf("two POSTs without a key made order %d twice; want two orders", a.ID)
	}
}

// machine is the contract's order state machine: the roles that may make
// each move.
var machine = map[[2]string][]string{
	{"pending", "confirmed"}:   {"admin", "waiter"},
	{"confirmed", "preparing"}: {"admin", "chef"},
	{"preparing", "ready"}:     {"admin", "chef"},
	{"ready", "preparing"}:     {"admin", "chef"},
	{"ready", "served"}:        {"admin", "waiter"},
	{"pending", "cancelled"}:   {"admin", "waiter", "customer"},
	{"confirmed", "cancelled"}: {"admin", "waiter"},
	{"preparing", "cancelled"}: {"admin", "waiter"},
}

// wantMove is the status PATCH /api/orders/{id}/status answers: 200 for an
// allowed move, 403 when the machine has the move but not for this role or
// when the role may never bring an order into that status, else 409 (the
// machine does not allow it; paid only by payment).
func wantMove(from, to, role string) int {
	if roles, ok := machine[[2]string{from, to}]; ok {
		for _, r := range roles {
			if r == role {
				return 200
			}
		}
		return 403
	}
	if to == "paid" {
		return 409
	}
	anyone, mine := false, false
	for k, roles := range machine {
		if k[1] != to {
			continue
		}
		anyone = true
		for _, r := range roles {
			mine = mine || r == role
		}
	}
	if anyone && !mine {
		return 403
	}
	return 409
}

// orderInState makes an order of a new table (placed by its guest) and
// moves it to status the way the restaurant would; it returns the order
// and the guest's token.
func (ts *testServer) orderInState(t *testing.T, status string, itemID int64) (store.Order, string) {
	t.Helper()
	tableID := ts.newTable(t, fmt.Sprintf("S%d", ts.lastSeq(t)))
	cust := ts.pair(t, tableID)
	o := ts.order(t, cust, tableID, itemID, 1)
	path := fmt.Sprintf("/api/orders/%d/status", o.ID)
	steps := map[string][]struct{ token, to string }{
		"pending":   nil,
		"confirmed": {{ts.waiter, "confirmed"}},
		"preparing": {{ts.waiter, "confirmed"}, {ts.chef, "preparing"}},
		"ready":     {{ts.waiter, "confirmed"}, {ts.chef, "preparing"}, {ts.chef, "ready"}},
		"served":    {{ts.waiter, "confirmed"}, {ts.chef, "preparing"}, {ts.chef, "ready"}, {ts.waiter, "served"}},
		"paid":      {{ts.waiter, "confirmed"}, {ts.chef, "preparing"}, {ts.chef, "ready"}, {ts.waiter, "served"}},
		"cancelled": {{ts.waiter, "cancelled"}},
	}
	for _, s := range steps[status] {
		ts.must(t, 200, "PATCH", path, s.token, map[string]any{"status": s.to}, &o)
	}
	if status == "paid" {
		var b store.Bill
		ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", tableID), ts.waiter, nil, &b)
		ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "card", "amount_cents": b.DueCents}, nil)
		ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", o.ID), ts.waiter, nil, &o)
	}
	if o.Status != status {
		t.Fatalf("orderInState(%s) made a %s order", status, o.Status)
	}
	return o, cust
}

// TestOrderStateMachine tries every move from every status as every role.
func TestOrderStateMachine(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, itemID, _ := ts.seedMenu(t)
	roles := []string{"admin", "waiter", "chef", "customer"}
	for _, from := range store.OrderStatuses {
		shared, sharedCust := ts.orderInState(t, from, itemID)
		for _, to := range store.OrderStatuses {
			for _, role := range roles {
				want := wantMove(from, to, role)
				o, cust := shared, sharedCust
				if want == 200 {
					o, cust = ts.orderInState(t, from, itemID)
				}
				token := map[string]string{"admin": ts.admin, "waiter": ts.waiter, "chef": ts.chef, "customer": cust}[role]
				seq := ts.lastSeq(t)
				what := fmt.Sprintf("%s -> %s by %s", from, to, role)
				r := ts.do(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), token, map[string]any{"status": to})
				switch want {
				case 200:
					var got store.Order
					if r.status != 200 {
						t.Errorf("%s status = %d (%s); want 200", what, r.status, r.body)
						continue
					}
					r.decode(t, &got)
					if got.Status != to || got.ID != o.ID {
						t.Errorf("%s = order %d %s; want order %d %s", what, got.ID, got.Status, o.ID, to)
					}
					name := "order:updated"
					if to == "cancelled" {
						name = "order:cancelled"
					}
					expectEvents(t, ts, what, seq, wantEvent{name, orderRoomsOf(o.TableID), orderData(o.ID, to)})
				case 403:
					expectError(t, what, r, 403, "forbidden")
					expectNoEvents(t, ts, what, seq)
				case 409:
					expectError(t, what, r, 409, "conflict")
					expectNoEvents(t, ts, what, seq)
				}
			}
		}
		if got, _ := ts.store.Order(t.Context(), shared.ID); got.Status != from {
			t.Errorf("the %s order after refused moves is %s", from, got.Status)
		}
	}
	o, _ := ts.orderInState(t, "pending", itemID)
	for _, bad := range []any{map[string]any{"status": ""}, map[string]any{"status": "eaten"}, map[string]any{}} {
		expectFields(t, fmt.Sprintf("status %v", bad), ts.do(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.admin, bad), "status")
	}
	expectError(t, "status of order 9999", ts.do(t, "PATCH", "/api/orders/9999/status", ts.admin, map[string]any{"status": "confirmed"}), 404, "not_found")
}

func TestOrderCancel(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, itemID, _ := ts.seedMenu(t)
	o, cust := ts.orderInState(t, "pending", itemID)
	seq := ts.lastSeq(t)
	var got store.Order
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), cust, map[string]any{"reason": "changed our minds"}, &got)
	if got.Status != "cancelled" || got.CancelReason == nil || *got.CancelReason != "changed our minds" {
		t.Errorf("guest cancel = %+v; want cancelled with the reason", got)
	}
	expectEvents(t, ts, "a guest's cancel", seq, wantEvent{"order:cancelled", orderRoomsOf(o.TableID), func(t *testing.T, raw json.RawMessage) {
		if !bytes.Contains(raw, []byte(`"cancel_reason":"changed our minds"`)) || !bytes.Contains(raw, []byte(`"status":"cancelled"`)) {
			t.Errorf("order:cancelled data = %s; want the status and the reason", raw)
		}
	}})

	c, cust := ts.orderInState(t, "confirmed", itemID)
	seq = ts.lastSeq(t)
	expectError(t, "a guest cancelling a confirmed order", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", c.ID), cust, map[string]any{}), 403, "forbidden")
	expectFields(t, "a reason with NUL", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", c.ID), ts.waiter, map[string]any{"reason": "x\x00"}), "reason")
	expectError(t, "a chef cancelling", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", c.ID), ts.chef, map[string]any{}), 403, "forbidden")
	expectNoEvents(t, ts, "refused cancels", seq)

	p, _ := ts.orderInState(t, "preparing", itemID)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", p.ID), ts.waiter, map[string]any{"reason": "burnt"}, &got)
	if got.Status != "cancelled" {
		t.Errorf("waiter cancel of a preparing order = %s; want cancelled", got.Status)
	}
	r, _ := ts.orderInState(t, "ready", itemID)
	expectError(t, "cancel of a ready order", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", r.ID), ts.admin, map[string]any{}), 409, "conflict")
	expectError(t, "cancel of a cancelled order", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/cancel", p.ID), ts.admin, map[string]any{}), 409, "conflict")
	expectError(t, "cancel of order 9999", ts.do(t, "POST", "/api/orders/9999/cancel", ts.admin, map[string]any{}), 404, "not_found")
}

func TestOrderItemDone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, barID := ts.seedMenu(t)
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": tableID,
		"items": []any{map[string]any{"menu_item_id": itemID, "quantity": 1}, map[string]any{"menu_item_id": barID, "quantity": 1}}}, &o)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.chef, map[string]any{"status": "preparing"}, nil)
	path := func(item int64) string { return fmt.Sprintf("/api/orders/%d/items/%d", o.ID, item) }
	seq := ts.lastSeq(t)

	var got store.Order
	ts.must(t, 200, "PATCH", path(o.Items[0].ID), ts.chef, map[string]any{"done": true}, &got)
	if !got.Items[0].Done || got.Items[1].Done || got.Status != "preparing" {
		t.Errorf("first line done = %+v; want line 1 done, still preparing", got)
	}
	ts.must(t, 200, "PATCH", path(o.Items[0].ID), ts.chef, map[string]any{"done": false}, &got)
	if got.Items[0].Done {
		t.Errorf("undo = %+v; want line 1 not done", got.Items)
	}
	ts.must(t, 200, "PATCH", path(o.Items[0].ID), ts.admin, map[string]any{"done": true}, nil)
	ts.must(t, 200, "PATCH", path(o.Items[1].ID), ts.chef, map[string]any{"done": true}, &got)
	if got.Status != "ready" || !got.Items[0].Done || !got.Items[1].Done {
		t.Errorf("last line done = %+v; want ready with both lines done", got)
	}
	expectEvents(t, ts, "crossing lines off", seq,
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "preparing")},
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "preparing")},
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "preparing")},
		wantEvent{"order:updated", orderRoomsOf(tableID), orderData(o.ID, "ready")})

	other := ts.order(t, ts.waiter, tableID, itemID, 1)
	pending, _ := ts.orderInState(t, "pending", itemID)
	seq = ts.lastSeq(t)
	expectError(t, "a waiter crossing off", ts.do(t, "PATCH", path(o.Items[0].ID), ts.waiter, map[string]any{"done": true}), 403, "forbidden")
	expectError(t, "a line of another order", ts.do(t, "PATCH", path(other.Items[0].ID), ts.chef, map[string]any{"done": true}), 404, "not_found")
	expectError(t, "line 0", ts.do(t, "PATCH", path(0), ts.chef, map[string]any{"done": true}), 404, "not_found")
	expectError(t, "a line of order 9999", ts.do(t, "PATCH", fmt.Sprintf("/api/orders/9999/items/%d", o.Items[0].ID), ts.chef, map[string]any{"done": true}), 404, "not_found")
	expectFields(t, "no done", ts.do(t, "PATCH", path(o.Items[0].ID), ts.chef, map[string]any{}), "done")
	expectError(t, "done as a string", ts.do(t, "PATCH", path(o.Items[0].ID), ts.chef, `{"done":"yes"}`), 400, "bad_request")
	expectError(t, "a line of a pending order", ts.do(t, "PATCH", fmt.Sprintf("/api/orders/%d/items/%d", pending.ID, pending.Items[0].ID), ts.chef, map[string]any{"done": true}), 409, "conflict")
	expectNoEvents(t, ts, "refused line changes", seq)
}

func TestOrderList(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, itemID, _ := ts.seedMenu(t)
	t2 := ts.newTable(t, "T2")
	a := ts.order(t, ts.waiter, tableID, itemID, 1)
	clk.Advance(time.Minute)
	b := ts.order(t, ts.waiter, t2, itemID, 1)
	clk.Advance(time.Minute)
	mid := clk.Now()
	clk.Advance(time.Minute)
	c := ts.order(t, ts.waiter, tableID, itemID, 1)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/cancel", b.ID), ts.waiter, map[string]any{}, nil)

	ids := func(query, token string) string {
		t.Helper()
		var out []store.Order
		r := ts.must(t, 200, "GET", "/api/orders"+query, token, nil, &out)
		if r.header.Get("X-Seq") != fmt.Sprint(ts.lastSeq(t)) {
			t.Errorf("GET /api/orders%s X-Seq = %q; want %d", query, r.header.Get("X-Seq"), ts.lastSeq(t))
		}
		var s []string
		for _, o := range out {
			s = append(s, fmt.Sprint(o.ID))
		}
		return strings.Join(s, ",")
	}
	id := func(os ...store.Order) string {
		var s []string
		for _, o := range os {
			s = append(s, fmt.Sprint(o.ID))
		}
		return strings.Join(s, ",")
	}
	tests := []struct{ query, want string }{
		{"", id(a, b, c)},
		{"?status=confirmed", id(a, c)},
		{"?status=cancelled,confirmed", id(a, b, c)},
		{"?status=cancelled", id(b)},
		{fmt.Sprintf("?table_id=%d", tableID), id(a, c)},
		{"?active=true", id(a, c)},
		{"?active=false", id(a, b, c)},
		{"?since=" + mid.Format(time.RFC3339), id(b, c)}, // b was cancelled later
		{fmt.Sprintf("?status=confirmed&table_id=%d&since=%s", tableID, mid.Format(time.RFC3339)), id(c)},
		{"?limit=1", id(c)},
	}
	for _, tt := range tests {
		if got := ids(tt.query, ts.chef); got != tt.want {
			t.Errorf("GET /api/orders%s = [%s]; want [%s]", tt.query, got, tt.want)
		}
	}
	for _, q := range []struct{ query, field string }{{"?status=eaten", "status"}, {"?table_id=x", "table_id"}, {"?table_id=-1", "table_id"},
		{"?active=maybe", "active"}, {"?since=yesterday", "since"}, {"?limit=0", "limit"}} {
		expectFields(t, "GET /api/orders"+q.query, ts.do(t, "GET", "/api/orders"+q.query, ts.chef, nil), q.field)
	}
	cust := ts.pair(t, t2)
	if got := ids("", cust); got != id(b) {
		t.Errorf("GET /api/orders as table %d = [%s]; want [%s]", t2, got, id(b))
	}
	if got := ids(fmt.Sprintf("?table_id=%d", t2), cust); got != id(b) {
		t.Errorf("GET /api/orders?table_id=own as a guest = [%s]; want [%s]", got, id(b))
	}
	expectError(t, "GET /api/orders/9999", ts.do(t, "GET", "/api/orders/9999", ts.chef, nil), 404, "not_found")
	expectError(t, "GET /api/orders/abc", ts.do(t, "GET", "/api/orders/abc", ts.chef, nil), 404, "not_found")
}

// TestListSeqMatchesItsSnapshot: while orders keep coming, GET /api/orders
// lists exactly the orders whose order:created has a seq up to its X-Seq,
// so a client that subscribes with since=X-Seq misses nothing and sees
// nothing twice.
func TestListSeqMatchesItsSnapshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	body := fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":1}]}`, tableID, itemID)
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if s, b, err := rawPost(ts.URL+"/api/orders", ts.waiter, body); err != nil || s != 201 {
					t.Errorf("POST /api/orders = %d %s, %v", s, b, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 25; i++ {
		var list []store.Order
		r := ts.must(t, 200, "GET", "/api/orders", ts.chef, nil, &list)
		var seq int64
		fmt.Sscan(r.header.Get("X-Seq"), &seq)
		want := map[int64]bool{}
		for _, e := range ts.events(t, 0) {
			if e.Seq <= seq && e.Name == "order:created" {
				want[decodeAs[store.Order](t, e.Data).ID] = true
			}
		}
		got := map[int64]bool{}
		for _, o := range list {
			got[o.ID] = true
		}
		if len(got) != len(want) {
			t.Fatalf("GET /api/orders with X-Seq %d lists %d orders; the log up to it created %d", seq, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("GET /api/orders with X-Seq %d misses order %d created at or before it", seq, id)
			}
		}
	}
	close(stop)
	for w := 0; w < 4; w++ {
		<-done
	}
}

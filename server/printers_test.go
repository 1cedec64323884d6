package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"rms/store"
)

func TestPrintersAPI(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	seq := ts.lastSeq(t)

	var p store.Printer
	ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Grill", "address": "127.0.0.1:9", "kind": "kitchen", "station": "kitchen"}, &p)
	if p.ID == 0 || p.WidthChars != 42 || !p.Enabled || p.Status != "offline" || p.Station != "kitchen" || p.Queued != 0 {
		t.Errorf("created %+v; want id, width 42, enabled, offline until reached, station kitchen", p)
	}
	evs := ts.events(t, seq)
	if len(evs) != 1 || evs[0].Name != "printer:updated" || fmt.Sprint(evs[0].Rooms) != "[orders kds]" {
		t.Fatalf("events = %+v; want one printer:updated to orders and kds", evs)
	}
	var payload map[string]any
	json.Unmarshal(evs[0].Data, &payload)
	for _, k := range []string{"id", "status", "status_message", "queued"} {
		if _, ok := payload[k]; !ok {
			t.Errorf("printer:updated data %v lacks %q", payload, k)
		}
	}
	if _, ok := payload["address"]; ok {
		t.Errorf("printer:updated data %v shows the address to every screen", payload)
	}

	cases := []struct {
		name string
		body any
		code int
		errc string
		fld  string
	}{
		{"no name", map[string]any{"address": "10.0.0.9:9100", "kind": "kitchen"}, 422, "validation_failed", "name"},
		{"bad address", map[string]any{"name": "X", "address": "printer", "kind": "kitchen"}, 422, "validation_failed", "address"},
		{"bad port", map[string]any{"name": "X", "address": "10.0.0.9:99999", "kind": "kitchen"}, 422, "validation_failed", "address"},
		{"bad kind", map[string]any{"name": "X", "address": "10.0.0.9:9100", "kind": "laser"}, 422, "validation_failed", "kind"},
		{"bad width", map[string]any{"name": "X", "address": "10.0.0.9:9100", "kind": "receipt", "width_chars": 40}, 422, "validation_failed", "width_chars"},
		{"duplicate", map[string]any{"name": "grill", "address": "10.0.0.9:9100", "kind": "receipt"}, 409, "conflict", ""},
		{"wrong type", map[string]any{"name": "X", "address": "10.0.0.9:9100", "kind": "receipt", "enabled": "yes"}, 400, "bad_request", ""},
		{"unknown field", map[string]any{"name": "X", "address": "10.0.0.9:9100", "kind": "receipt", "colour": true}, 400, "bad_request", ""},
	}
	before := ts.lastSeq(t)
	for _, c := range cases {
		r := ts.do(t, "POST", "/api/printers", ts.admin, c.body)
		if r.status != c.code || r.errorCode() != c.errc {
			t.Errorf("%s: POST /api/printers = %d %s; want %d %s", c.name, r.status, r.body, c.code, c.errc)
		}
		if c.fld != "" {
			var e struct {
				Error struct{ Fields map[string]string }
			}
			r.decode(t, &e)
			if e.Error.Fields[c.fld] == "" {
				t.Errorf("%s: fields = %v; want %q named", c.name, e.Error.Fields, c.fld)
			}
		}
	}
	if ts.lastSeq(t) != before {
		t.Errorf("bad printers emitted events")
	}
	for _, tok := range []string{ts.waiter, ts.chef} {
		if r := ts.do(t, "GET", "/api/printers", tok, nil); r.status != 403 {
			t.Errorf("GET /api/printers as non-admin = %d; want 403", r.status)
		}
		if r := ts.do(t, "POST", "/api/printers", tok, map[string]any{"name": "Y", "address": "10.0.0.9:9100", "kind": "receipt"}); r.status != 403 {
			t.Errorf("POST /api/printers as non-admin = %d; want 403", r.status)
		}
	}

	var till store.Printer
	ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Till", "address": "127.0.0.1:9", "kind": "receipt", "station": "ignored", "width_chars": 48}, &till)
	if till.Station != "" || till.WidthChars != 48 {
		t.Errorf("receipt printer %+v; want no station, width 48", till)
	}
	var list []store.Printer
	r := ts.must(t, 200, "GET", "/api/printers", ts.admin, nil, &list)
	if len(list) != 2 || list[0].Address != "127.0.0.1:9" || r.header.Get("X-Seq") != fmt.Sprint(ts.lastSeq(t)) {
		t.Errorf("GET /api/printers = %+v X-Seq %q; want both printers and the newest seq", list, r.header.Get("X-Seq"))
	}
	// Every staff screen sees the printers' state, without their addresses.
	var states []map[string]any
	ts.must(t, 200, "GET", "/api/printers/status", ts.chef, nil, &states)
	if len(states) != 2 || states[0]["status"] != "offline" || states[0]["address"] != nil {
		t.Errorf("GET /api/printers/status = %v; want two states without addresses", states)
	}
	tok := ts.pair(t, ts.tableID(t))
	if r := ts.do(t, "GET", "/api/printers/status", tok, nil); r.status != 403 {
		t.Errorf("GET /api/printers/status as a table = %d; want 403", r.status)
	}

	var upd store.Printer
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/printers/%d", p.ID), ts.admin, map[string]any{"enabled": false, "width_chars": 32, "station": "bar"}, &upd)
	if upd.Enabled || upd.WidthChars != 32 || upd.Station != "bar" || upd.Name != "Grill" {
		t.Errorf("PATCH = %+v; want disabled, 32 wide, bar, name kept", upd)
	}
	if r := ts.do(t, "PATCH", "/api/printers/999", ts.admin, map[string]any{"enabled": true}); r.status != 404 {
		t.Errorf("PATCH unknown printer = %d; want 404", r.status)
	}
	if r := ts.do(t, "POST", fmt.Sprintf("/api/printers/%d/test", p.ID), ts.admin, nil); r.status != 409 {
		t.Errorf("test page on a disabled printer = %d %s; want 409", r.status, r.body)
	}
	var job store.PrintJob
	ts.must(t, 202, "POST", fmt.Sprintf("/api/printers/%d/test", till.ID), ts.admin, nil, &job)
	if job.Kind != "test" || job.Status != "queued" || job.PrinterID != till.ID {
		t.Errorf("test job = %+v; want a queued test job on the till", job)
	}
	got, err := ts.store.Printer(ctx, till.ID)
	if err != nil || got.Queued != 1 {
		t.Errorf("till = %+v, %v; want 1 queued", got, err)
	}
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/printers/%d", till.ID), ts.admin, nil, nil)
	if r := ts.do(t, "DELETE", fmt.Sprintf("/api/printers/%d", till.ID), ts.admin, nil); r.status != 404 {
		t.Errorf("DELETE twice = %d; want 404", r.status)
	}
	counts, _ := ts.store.PrintJobCounts(ctx)
	if counts["cancelled"] != 1 || counts["queued"] != 0 {
		t.Errorf("job counts after delete = %v; want the test page cancelled", counts)
	}
}

// tableID makes a table and returns its id.
func (ts *testServer) tableID(t *testing.T) int64 {
	t.Helper()
	var tb store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": fmt.Sprintf("P%d", ts.lastSeq(t)), "seats": 2}, &tb)
	return tb.ID
}

func TestPrintingOrdersAndBills(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	tableID, itemID, barID := ts.seedMenu(t)
	var kitchenP, barP, till store.Printer
	ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Kitchen", "address": "127.0.0.1:9", "kind": "kitchen", "station": "kitchen"}, &kitchenP)
	ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Bar", "address": "127.0.0.1:9", "kind": "kitchen", "station": "bar"}, &barP)

	// A table's order waits, pending: nothing goes to the kitchen yet.
	tok := ts.pair(t, tableID)
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", tok, map[string]any{"table_id": tableID, "items": []map[string]any{
		{"menu_item_id": itemID, "quantity": 2, "notes": "extra crispy"}, {"menu_item_id": barID, "quantity": 1}}}, &o)
	if r := ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/tickets/print", o.ID), ts.chef, nil); r.status != 409 {
		t.Errorf("reprint of a pending order = %d %s; want 409", r.status, r.body)
	}
	seq := ts.lastSeq(t)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.waiter, map[string]any{"status": "confirmed"}, nil)
	// Confirming wrote both tickets in the same transaction: the events of
	// that commit are the order's and the two printers' queues.
	evs := ts.events(t, seq)
	names := []string{}
	for _, e := range evs {
		names = append(names, e.Name)
	}
	if fmt.Sprint(names) != "[order:updated printer:updated printer:updated]" {
		t.Errorf("confirm emitted %v; want the order and both printers", names)
	}
	for _, id := range []int64{kitchenP.ID, barP.ID} {
		job, err := ts.store.NextPrintJob(ctx, id)
		if err != nil || job.Kind != "kitchen" || len(job.Doc.Order.Items) != 1 || job.Doc.Table != "T1" {
			t.Errorf("printer %d job = %+v, %v; want a kitchen ticket of one line for T1", id, job, err)
		}
	}
	job, _ := ts.store.NextPrintJob(ctx, kitchenP.ID)
	if it := job.Doc.Order.Items[0]; it.Quantity != 2 || it.Notes != "extra crispy" || fmt.Sprint(job.Doc.Allergens[itemID]) != "[gluten milk]" {
		t.Errorf("kitchen ticket line %+v allergens %v; want 2, the note and gluten, milk", it, job.Doc.Allergens)
	}

	// Reprint: staff and kitchen, one station or all.
	var rp struct{ Jobs []store.PrintJob }
	ts.must(t, 202, "POST", fmt.Sprintf("/api/orders/%d/tickets/print", o.ID), ts.chef, nil, &rp)
	if len(rp.Jobs) != 2 {
		t.Errorf("reprint = %d jobs; want 2", len(rp.Jobs))
	}
	ts.must(t, 202, "POST", fmt.Sprintf("/api/orders/%d/tickets/print", o.ID), ts.waiter, map[string]any{"station": "bar"}, &rp)
	if len(rp.Jobs) != 1 || rp.Jobs[0].PrinterID != barP.ID {
		t.Errorf("reprint of the bar = %+v; want one job on the bar printer", rp.Jobs)
	}
	if r := ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/tickets/print", o.ID), tok, nil); r.status != 403 {
		t.Errorf("reprint as a table = %d; want 403", r.status)
	}
	if r := ts.do(t, "POST", "/api/orders/999/tickets/print", ts.chef, nil); r.status != 404 {
		t.Errorf("reprint of an unknown order = %d; want 404", r.status)
	}

	// The bill: no receipt printer yet, then the default one.
	if r := ts.do(t, "POST", fmt.Sprintf("/api/tables/%d/bill/print", tableID), ts.waiter, nil); r.status != 409 {
		t.Errorf("bill print without a receipt printer = %d %s; want 409", r.status, r.body)
	}
	ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Till", "address": "127.0.0.1:9", "kind": "receipt"}, &till)
	var bj store.PrintJob
	ts.must(t, 202, "POST", fmt.Sprintf("/api/tables/%d/bill/print", tableID), ts.waiter, nil, &bj)
	if bj.Kind != "bill" || bj.PrinterID != till.ID || bj.TableID == nil || *bj.TableID != tableID {
		t.Errorf("bill job = %+v; want a bill on the till for the table", bj)
	}
	ts.must(t, 202, "POST", fmt.Sprintf("/api/tables/%d/bill/print", tableID), ts.admin, map[string]any{"printer_id": barP.ID}, &bj)
	if bj.PrinterID != barP.ID {
		t.Errorf("bill job = %+v; want it on the printer asked for", bj)
	}
	for _, c := range []struct {
		body any
		code int
	}{{map[string]any{"printer_id": 999}, 422}, {map[string]any{"printer_id": "till"}, 400}, {`{"printer_id":1`, 400}} {
		if r := ts.do(t, "POST", fmt.Sprintf("/api/tables/%d/bill/print", tableID), ts.waiter, c.body); r.status != c.code {
			t.Errorf("bill print %v = %d %s; want %d", c.body, r.status, r.body, c.code)
		}
	}
	if r := ts.do(t, "POST", "/api/tables/999/bill/print", ts.waiter, nil); r.status != 404 {
		t.Errorf("bill print of an unknown table = %d; want 404", r.status)
	}
	if r := ts.do(t, "POST", fmt.Sprintf("/api/tables/%d/bill/print", tableID), ts.chef, nil); r.status != 403 {
		t.Errorf("bill print as chef = %d; want 403", r.status)
	}

	// Settling prints a receipt only with print_receipts on.
	var bill store.Bill
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", tableID), ts.waiter, nil, &bill)
	var st store.Settings
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"print_receipts": true}, &st)
	if !st.PrintReceipts {
		t.Fatalf("settings = %+v; want print_receipts on", st)
	}
	before, _ := ts.store.PrintJobCounts(ctx)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": bill.DueCents, "tip_cents": 300}, nil)
	after, _ := ts.store.PrintJobCounts(ctx)
	if after["queued"] != before["queued"]+1 {
		t.Errorf("queued %d -> %d after settling; want one receipt more", before["queued"], after["queued"])
	}
}

// TestPaymentTendered: the cash a guest hands over is optional, checked,
// and answered with the change (which the receipt prints).
func TestPaymentTendered(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": tableID, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 1}}}, nil)
	for _, c := range []map[string]any{
		{"table_id": tableID, "method": "card", "amount_cents": 500, "tendered_cents": 1000},
		{"table_id": tableID, "method": "cash", "amount_cents": 500, "tip_cents": 100, "tendered_cents": 550},
		{"table_id": tableID, "method": "cash", "amount_cents": 500, "tendered_cents": -5},
	} {
		r := ts.do(t, "POST", "/api/payments", ts.waiter, c)
		var e struct {
			Error struct{ Fields map[string]string }
		}
		r.decode(t, &e)
		if r.status != 422 || e.Error.Fields["tendered_cents"] == "" {
			t.Errorf("POST /api/payments %v = %d %s; want 422 naming tendered_cents", c, r.status, r.body)
		}
	}
	var p map[string]any
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 500, "tip_cents": 100, "tendered_cents": 2000}, &p)
	if p["tendered_cents"] != float64(2000) || p["change_cents"] != float64(1400) {
		t.Errorf("payment = %v; want tendered 2000 and change 1400", p)
	}
	var card map[string]any
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "card", "amount_cents": 750}, &card)
	if _, ok := card["tendered_cents"]; ok {
		t.Errorf("payment = %v; want no tendered_cents when none was given", card)
	}
}

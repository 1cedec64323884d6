package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"rms/store"
)

func TestTables(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	seq := ts.lastSeq(t)
	var tb store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": "T1", "seats": 4, "section": "Terrace"}, &tb)
	want := store.Table{ID: tb.ID, Name: "T1", Seats: 4, Section: "Terrace", Status: "available", StatusChangedAt: clk.Now()}
	if tb != want {
		t.Errorf("created table = %+v; want %+v", tb, want)
	}
	seq = expectEvents(t, ts, "a table created", seq, wantEvent{"table:updated", tableRoomsOf(tb.ID), tableData(tb.ID, "available")})
	raw := ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d", tb.ID), ts.chef, nil, nil).body
	for _, f := range []string{`"id"`, `"name"`, `"seats"`, `"section"`, `"status"`, `"open_request":null`} {
		if !bytes.Contains(raw, []byte(f)) {
			t.Errorf("GET /api/tables/%d = %s; want %s", tb.ID, raw, f)
		}
	}

	clk.Advance(time.Minute)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/tables/%d", tb.ID), ts.admin, map[string]any{"name": "T01", "seats": 6}, &tb)
	if tb.Name != "T01" || tb.Seats != 6 || tb.Section != "Terrace" || !tb.StatusChangedAt.Equal(want.StatusChangedAt) {
		t.Errorf("patched table = %+v; want T01 with 6 seats, the rest kept", tb)
	}
	seq = expectEvents(t, ts, "a table patched", seq, wantEvent{"table:updated", tableRoomsOf(tb.ID), tableData(tb.ID, "available")})

	for _, st := range []string{"reserved", "occupied", "cleaning", "available"} {
		ts.must(t, 200, "PATCH", fmt.Sprintf("/api/tables/%d/status", tb.ID), ts.waiter, map[string]any{"status": st}, &tb)
		if tb.Status != st || !tb.StatusChangedAt.Equal(clk.Now()) {
			t.Errorf("status %s = %+v; want it, changed now", st, tb)
		}
		seq = expectEvents(t, ts, "status "+st, seq, wantEvent{"table:updated", tableRoomsOf(tb.ID), tableData(tb.ID, st)})
	}
	// Setting the status it already has announces nothing.
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/tables/%d/status", tb.ID), ts.admin, map[string]any{"status": "available"}, nil)
	expectNoEvents(t, ts, "the same status again", seq)

	var t2 store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": "T2", "seats": 2}, &t2)
	seq = ts.lastSeq(t)
	tests := []struct {
		name, method, path string
		body               any
		fields             []string
		status             int
	}{
		{"no name", "POST", "/api/tables", map[string]any{"seats": 2}, []string{"name"}, 422},
		{"no seats", "POST", "/api/tables", map[string]any{"name": "X"}, []string{"seats"}, 422},
		{"0 seats", "POST", "/api/tables", map[string]any{"name": "X", "seats": 0}, []string{"seats"}, 422},
		{"absurd seats", "POST", "/api/tables", map[string]any{"name": "X", "seats": 1000000}, []string{"seats"}, 422},
		{"10k name", "POST", "/api/tables", map[string]any{"name": strings.Repeat("T", 10000), "seats": 2}, []string{"name"}, 422},
		{"NUL section", "POST", "/api/tables", map[string]any{"name": "X", "seats": 2, "section": "\x00"}, []string{"section"}, 422},
		{"duplicate", "POST", "/api/tables", map[string]any{"name": "t01", "seats": 2}, nil, 409},
		{"rename to taken", "PATCH", fmt.Sprintf("/api/tables/%d", t2.ID), map[string]any{"name": "T01"}, nil, 409},
		{"patch empty name", "PATCH", fmt.Sprintf("/api/tables/%d", t2.ID), map[string]any{"name": ""}, []string{"name"}, 422},
		{"bad status", "PATCH", fmt.Sprintf("/api/tables/%d/status", t2.ID), map[string]any{"status": "dirty"}, []string{"status"}, 422},
		{"no status", "PATCH", fmt.Sprintf("/api/tables/%d/status", t2.ID), map[string]any{}, []string{"status"}, 422},
		{"unknown table", "PATCH", "/api/tables/999", map[string]any{"seats": 2}, nil, 404},
		{"status of unknown table", "PATCH", "/api/tables/999/status", map[string]any{"status": "available"}, nil, 404},
		{"get unknown table", "GET", "/api/tables/999", nil, nil, 404},
		{"delete unknown table", "DELETE", "/api/tables/999", nil, nil, 404},
	}
	for _, tt := range tests {
		r := ts.do(t, tt.method, tt.path, ts.admin, tt.body)
		switch tt.status {
		case 422:
			expectFields(t, "table "+tt.name, r, tt.fields...)
		case 409:
			expectError(t, "table "+tt.name, r, 409, "conflict")
		case 404:
			expectError(t, "table "+tt.name, r, 404, "not_found")
		}
	}
	expectNoEvents(t, ts, "refused table changes", seq)

	// A table that owes money stays; once paid it can go.
	_, itemID := ts.menuItem(t)
	seq = ts.lastSeq(t)
	o := ts.order(t, ts.waiter, t2.ID, itemID, 1)
	seq = ts.lastSeq(t)
	expectError(t, "delete of a table with an unpaid order", ts.do(t, "DELETE", fmt.Sprintf("/api/tables/%d", t2.ID), ts.admin, nil), 409, "conflict")
	expectNoEvents(t, ts, "a refused delete", seq)
	b := ts.bill(t, t2.ID, ts.waiter)
	ts.serve(t, o.ID)
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": t2.ID, "method": "cash", "amount_cents": b.DueCents}, nil)
	cust := ts.pair(t, t2.ID)
	seq = ts.lastSeq(t)
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/tables/%d", t2.ID), ts.admin, nil, nil)
	expectEvents(t, ts, "a table deleted", seq, wantEvent{"table:updated", tableRoomsOf(t2.ID), func(t *testing.T, raw json.RawMessage) {
		if string(raw) != fmt.Sprintf(`{"id":%d,"deleted":true}`, t2.ID) {
			t.Errorf("table:updated of a deleted table = %s; want {id, deleted: true}", raw)
		}
	}})
	expectError(t, "the deleted table's iPad", ts.do(t, "GET", "/api/menu", cust, nil), 401, "unauthorized")
	expectError(t, "GET of a deleted table", ts.do(t, "GET", fmt.Sprintf("/api/tables/%d", t2.ID), ts.admin, nil), 404, "not_found")
	// Its paid order keeps the table's name.
	var old store.Order
	ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", o.ID), ts.admin, nil, &old)
	if old.TableName != "T2" {
		t.Errorf("order of a deleted table names %q; want T2", old.TableName)
	}
	var list []store.Table
	r := ts.must(t, 200, "GET", "/api/tables", ts.waiter, nil, &list)
	if len(list) != 1 || list[0].ID != tb.ID || r.header.Get("X-Seq") != fmt.Sprint(ts.lastSeq(t)) {
		t.Errorf("GET /api/tables = %+v (X-Seq %q); want only T01, X-Seq %d", list, r.header.Get("X-Seq"), ts.lastSeq(t))
	}
	// The name of a deleted table is free again.
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": "T2", "seats": 2}, nil)
}

// menuItem makes a category and an item of 1000 and returns their ids.
func (ts *testServer) menuItem(t *testing.T) (catID, itemID int64) {
	t.Helper()
	var c store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Any"}, &c)
	var it store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": c.ID, "name": "Dish", "price_cents": 1000}, &it)
	return c.ID, it.ID
}

func TestTableRequests(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID := ts.newTable(t, "T1")
	cust := ts.pair(t, tableID)
	seq := ts.lastSeq(t)
	path := fmt.Sprintf("/api/tables/%d/requests", tableID)
	var tb store.Table
	ts.must(t, 200, "POST", path, cust, map[string]any{"kind": "waiter"}, &tb)
	if tb.OpenRequest == nil || tb.OpenRequest.Kind != "waiter" || !tb.OpenRequest.CreatedAt.Equal(clk.Now()) {
		t.Errorf("call a waiter = %+v; want an open waiter request from now", tb)
	}
	seq = expectEvents(t, ts, "a call for a waiter", seq, wantEvent{"table:updated", tableRoomsOf(tableID), func(t *testing.T, raw json.RawMessage) {
		if !bytes.Contains(raw, []byte(`"open_request":{"kind":"waiter","created_at":"2026-11-26T18:00:00Z"}`)) {
			t.Errorf("table:updated = %s; want the open request", raw)
		}
	}})
	// The same call again keeps its time and announces nothing.
	clk.Advance(time.Minute)
	ts.must(t, 200, "POST", path, cust, map[string]any{"kind": "waiter"}, &tb)
	if !tb.OpenRequest.CreatedAt.Equal(clk.Now().Add(-time.Minute)) {
		t.Errorf("the same call again = %+v; want the first call's time", tb.OpenRequest)
	}
	expectNoEvents(t, ts, "the same call again", seq)
	ts.must(t, 200, "POST", path, ts.waiter, map[string]any{"kind": "bill"}, &tb)
	if tb.OpenRequest.Kind != "bill" {
		t.Errorf("ask for the bill = %+v; want a bill request", tb.OpenRequest)
	}
	seq = expectEvents(t, ts, "a bill request", seq, wantEvent{"table:updated", tableRoomsOf(tableID), nil})
	for _, bad := range []any{map[string]any{"kind": "food"}, map[string]any{}} {
		expectFields(t, fmt.Sprintf("request %v", bad), ts.do(t, "POST", path, cust, bad), "kind")
	}
	expectError(t, "a guest clearing", ts.do(t, "DELETE", path, cust, nil), 403, "forbidden")
	expectNoEvents(t, ts, "refused requests", seq)
	ts.must(t, 200, "DELETE", path, ts.chef, nil, &tb)
	if tb.OpenRequest != nil {
		t.Errorf("cleared = %+v; want no request", tb)
	}
	seq = expectEvents(t, ts, "a request cleared", seq, wantEvent{"table:updated", tableRoomsOf(tableID), func(t *testing.T, raw json.RawMessage) {
		if !bytes.Contains(raw, []byte(`"open_request":null`)) {
			t.Errorf("table:updated = %s; want open_request null", raw)
		}
	}})
	ts.must(t, 200, "DELETE", path, ts.waiter, nil, nil)
	expectNoEvents(t, ts, "clearing nothing", seq)
	expectError(t, "request for table 999", ts.do(t, "POST", "/api/tables/999/requests", ts.waiter, map[string]any{"kind": "bill"}), 404, "not_found")
}

// TestPairing: one-time 6-digit codes valid 10 minutes; a new pairing ends
// the table's earlier customer tokens.
func TestPairing(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID := ts.newTable(t, "T1")
	seq := ts.lastSeq(t)

	var p pairResponse
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), ts.waiter, nil, &p)
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(p.Code) || p.URL != ts.URL+"/t/?code="+p.Code || p.ExpiresAt != "2026-11-26T18:10:00Z" {
		t.Errorf("pair = %+v; want 6 digits, %s/t/?code=..., expiring at 18:10", p, ts.URL)
	}
	clk.Advance(10*time.Minute - time.Second)
	var out struct {
		Token   string `json:"token"`
		TableID int64  `json:"table_id"`
	}
	ts.must(t, 200, "POST", "/api/pair", "", map[string]any{"code": " " + p.Code + " "}, &out)
	if out.Token == "" || out.TableID != tableID {
		t.Errorf("POST /api/pair = %+v; want a token of table %d", out, tableID)
	}
	first := out.Token
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d", tableID), first, nil, nil)
	expectError(t, "the same code twice", ts.do(t, "POST", "/api/pair", "", map[string]any{"code": p.Code}), 404, "not_found")

	// An expired code.
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), ts.admin, nil, &p)
	clk.Advance(10 * time.Minute)
	expectError(t, "a code 10 minutes old", ts.do(t, "POST", "/api/pair", "", map[string]any{"code": p.Code}), 404, "not_found")
	ts.must(t, 200, "GET", "/api/auth/me", first, nil, nil)

	// Pairing again ends the first token.
	ts.admin, ts.waiter = ts.login(t, "admin", "admin123"), ts.login(t, "ana", "waiter123")
	second := ts.pair(t, tableID)
	expectError(t, "the first token after a new pairing", ts.do(t, "GET", "/api/auth/me", first, nil), 401, "unauthorized")
	ts.must(t, 200, "GET", "/api/auth/me", second, nil, nil)
	// A code not traded yet changes nothing.
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), ts.admin, nil, &p)
	ts.must(t, 200, "GET", "/api/auth/me", second, nil, nil)
	expectNoEvents(t, ts, "pairing", seq)

	// The QR code is a new pairing too.
	r := ts.do(t, "GET", fmt.Sprintf("/api/tables/%d/pair.svg", tableID), ts.waiter, nil)
	code := r.header.Get("X-Pair-Code")
	if r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(r.body, []byte("<svg")) ||
		!regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) || r.header.Get("X-Pair-Url") != ts.URL+"/t/?code="+code {
		t.Errorf("pair.svg = %d %s, code %q, url %q; want an SVG with its code and URL", r.status, r.header.Get("Content-Type"), code, r.header.Get("X-Pair-Url"))
	}
	ts.must(t, 200, "POST", "/api/pair", "", map[string]any{"code": code}, nil)
	expectError(t, "pair of table 999", ts.do(t, "POST", "/api/tables/999/pair", ts.waiter, nil), 404, "not_found")
	for _, bad := range []string{"12345", "1234567", "abcdef", "", "12 345"} {
		expectFields(t, fmt.Sprintf("code %q", bad), ts.do(t, "POST", "/api/pair", "", map[string]any{"code": bad}), "code")
	}
}

// TestPairingRateLimit: 10 wrong codes from one address in 5 minutes and
// that address gets 429, even with a right code, until the window passes.
func TestPairingRateLimit(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID := ts.newTable(t, "T1")
	var p pairResponse
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), ts.waiter, nil, &p)
	wrong := "000000"
	if p.Code == wrong {
		wrong = "000001"
	}
	for i := 0; i < 10; i++ {
		expectError(t, fmt.Sprintf("wrong code %d", i+1), ts.do(t, "POST", "/api/pair", "", map[string]any{"code": wrong}), 404, "not_found")
	}
	clk.Advance(time.Minute)
	expectRateLimited(t, "the right code after 10 wrong ones", ts.do(t, "POST", "/api/pair", "", map[string]any{"code": p.Code}), 4*time.Minute)
	clk.Advance(4 * time.Minute)
	ts.must(t, 200, "POST", "/api/pair", "", map[string]any{"code": p.Code}, nil)
}

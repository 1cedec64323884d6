package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rms/hub"
	"rms/store"
)

// newestAudit returns the newest audit row, or a zero one.
func (ts *testServer) newestAudit(t *testing.T) store.AuditEntry {
	t.Helper()
	var rows []store.AuditEntry
	ts.must(t, 200, "GET", "/api/audit?limit=1", ts.admin, nil, &rows)
	if len(rows) == 0 {
		return store.AuditEntry{}
	}
	return rows[0]
}

// serviceFixture is a table with a dinner in three courses.
type serviceFixture struct {
	table, table2, table3 int64
	soup, steak, cake     int64
}

func (ts *testServer) serviceMenu(t *testing.T) serviceFixture {
	t.Helper()
	var f serviceFixture
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"fire_courses": true, "prices_include_tax": false}, nil)
	var cat store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Dinner"}, &cat)
	for _, it := range []struct {
		dst    *int64
		name   string
		price  int64
		course int64
	}{{&f.soup, "Soup", 800, 1}, {&f.steak, "Steak", 2000, 2}, {&f.cake, "Cake", 600, 3}} {
		var item store.Item
		ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": it.name, "price_cents": it.price, "course": it.course}, &item)
		if item.Course == nil || *item.Course != it.course {
			t.Fatalf("item %s course = %v; want %d", it.name, item.Course, it.course)
		}
		*it.dst = item.ID
	}
	f.table, f.table2, f.table3 = ts.newTable(t, "A1"), ts.newTable(t, "A2"), ts.newTable(t, "A3")
	return f
}

// dinner orders soup and steak for each of seats 1..n at table.
func (ts *testServer) dinner(t *testing.T, token string, f serviceFixture, table int64, seats int) store.Order {
	t.Helper()
	var lines []map[string]any
	for s := 1; s <= seats; s++ {
		lines = append(lines, map[string]any{"menu_item_id": f.soup, "quantity": 1, "seat": s},
			map[string]any{"menu_item_id": f.steak, "quantity": 1, "seat": s})
	}
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", token, map[string]any{"table_id": table, "items": lines}, &o)
	return o
}

// TestAuditOfEveryWrite makes each kind of write over HTTP and checks its
// audit row (action and author); a request that fails leaves none.
func TestAuditOfEveryWrite(t *testing.T) {
	ts := newTestServer(t)
	f := ts.serviceMenu(t)
	cust := ts.pair(t, f.table)
	var o, o2 store.Order
	var bill store.Bill
	var term store.TerminalEnrollment
	var termTok string
	steps := []struct {
		name       string
		token      string
		req        func() (method, path string, body any)
		wantStatus int
		action     string // "" for a request that must leave no row
		actor      string
	}{
		{"settings", ts.admin, func() (string, string, any) {
			return "PATCH", "/api/settings", map[string]any{"restaurant_name": "Da Ana"}
		}, 200, "settings.update", "admin"},
		{"bad settings", ts.admin, func() (string, string, any) { return "PATCH", "/api/settings", map[string]any{"courses": []string{}} }, 422, "", ""},
		{"create user", ts.admin, func() (string, string, any) {
			return "POST", "/api/users", map[string]any{"username": "bo", "role": "waiter", "password": "waiter-pw"}
		}, 201, "user.create", "admin"},
		{"set a pin", ts.admin, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/users/%d", 4), map[string]any{"pin": "4321"}
		}, 200, "user.update", "admin"},
		{"order by the guest", cust, func() (string, string, any) {
			return "POST", "/api/orders", map[string]any{"table_id": f.table, "items": []map[string]any{{"menu_item_id": f.soup, "quantity": 2, "seat": 1}, {"menu_item_id": f.steak, "quantity": 2, "seat": 2}}}
		}, 201, "order.create", "A1"},
		{"confirm", ts.waiter, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]any{"status": "confirmed"}
		}, 200, "order.status", "ana"},
		{"start", ts.chef, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]any{"status": "preparing"}
		}, 200, "order.status", "marco"},
		{"a waiter voids a started line", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/void", o.ID, o.Items[0].ID), map[string]any{"reason": "Wrong order"}
		}, 403, "", ""},
		{"a void without a reason", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/void", o.ID, o.Items[0].ID), map[string]any{"quantity": 1}
		}, 422, "", ""},
		{"the admin voids one soup", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/void", o.ID, o.Items[0].ID), map[string]any{"quantity": 1, "reason": "Quality complaint"}
		}, 200, "line.void", "admin"},
		{"a waiter voids a held main", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/void", o.ID, o.Items[1].ID), map[string]any{"quantity": 1, "reason": "Guest changed mind"}
		}, 200, "line.void", "ana"},
		{"cross off", ts.chef, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/orders/%d/items/%d", o.ID, o.Items[0].ID), map[string]any{"done": true}
		}, 200, "line.done", "marco"},
		{"fire a course with nothing in it", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/fire", o.ID), map[string]any{"course": 3}
		}, 422, "", ""},
		{"fire mains", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/fire", o.ID), map[string]any{"course": 2}
		}, 200, "order.fire", "ana"},
		{"a waiter may not comp", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/comp", o.ID, o.Items[0].ID), map[string]any{"reason": "Long wait"}
		}, 403, "", ""},
		{"comp", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/items/%d/comp", o.ID, o.Items[0].ID), map[string]any{"reason": "Long wait"}
		}, 200, "line.comp", "admin"},
		{"a discount on a table with no bill", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/discounts", f.table3), map[string]any{"percent_bp": 1000, "reason": "Regular guest"}
		}, 409, "", ""},
		{"a discount of both kinds", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/discounts", f.table), map[string]any{"percent_bp": 1000, "amount_cents": 100, "reason": "Regular guest"}
		}, 422, "", ""},
		{"discount", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/discounts", f.table), map[string]any{"percent_bp": 1000, "reason": "Regular guest"}
		}, 201, "discount.add", "admin"},
		{"remove it", ts.admin, func() (string, string, any) {
			return "DELETE", fmt.Sprintf("/api/tables/%d/discounts/%d", f.table, bill.Discounts[0].ID), nil
		}, 200, "discount.remove", "admin"},
		{"discount again", ts.admin, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/discounts", f.table), map[string]any{"amount_cents": 500, "reason": "Long wait"}
		}, 201, "discount.add", "admin"},
		{"second order elsewhere", ts.waiter, func() (string, string, any) {
			return "POST", "/api/orders", map[string]any{"table_id": f.table2, "items": []map[string]any{{"menu_item_id": f.soup, "quantity": 1}}}
		}, 201, "order.create", "ana"},
		{"move it", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/move", o2.ID), map[string]any{"table_id": f.table3}
		}, 200, "order.move", "ana"},
		{"move it nowhere", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/orders/%d/move", o2.ID), map[string]any{"table_id": 9999}
		}, 422, "", ""},
		{"merge A3 into A1", ts.waiter, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/merge", f.table3), map[string]any{"into_table_id": f.table}
		}, 200, "table.merge", "ana"},
		{"pay seat 2 a wrong amount", ts.waiter, func() (string, string, any) {
			return "POST", "/api/payments", map[string]any{"table_id": f.table, "method": "card", "amount_cents": 1, "seat": 2}
		}, 422, "", ""},
		{"pay seat 2", ts.waiter, func() (string, string, any) {
			var amount int64
			for _, s := range bill.Seats {
				if s.Seat == 2 {
					amount = s.AmountCents
				}
			}
			return "POST", "/api/payments", map[string]any{"table_id": f.table, "method": "card", "amount_cents": amount, "seat": 2}
		}, 201, "payment.create", "ana"},
		{"guest asks for the bill", cust, func() (string, string, any) {
			return "POST", fmt.Sprintf("/api/tables/%d/requests", f.table), map[string]any{"kind": "bill"}
		}, 200, "table.request", "A1"},
		{"clear it", ts.waiter, func() (string, string, any) { return "DELETE", fmt.Sprintf("/api/tables/%d/requests", f.table), nil }, 200, "table.request_clear", "ana"},
		{"new terminal", ts.admin, func() (string, string, any) { return "POST", "/api/terminals", map[string]any{"name": "Bar"} }, 201, "terminal.create", "admin"},
		{"enroll it", "", func() (string, string, any) {
			return "POST", "/api/terminals/enroll", map[string]any{"code": term.Code}
		}, 200, "terminal.enroll", "Bar"},
		{"table status", ts.waiter, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/tables/%d/status", f.table2), map[string]any{"status": "available"}
		}, 200, "table.status", "ana"},
		{"86 the cake", ts.chef, func() (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", f.cake), map[string]any{"available": false}
		}, 200, "item.update", "marco"},
		{"delete the terminal", ts.admin, func() (string, string, any) { return "DELETE", fmt.Sprintf("/api/terminals/%d", term.ID), nil }, 204, "terminal.delete", "admin"},
	}
	for _, st := range steps {
		before := ts.newestAudit(t)
		method, path, body := st.req()
		r := ts.do(t, method, path, st.token, body)
		if r.status != st.wantStatus {
			t.Fatalf("%s: %s %s = %d %s; want %d", st.name, method, path, r.status, r.body, st.wantStatus)
		}
		after := ts.newestAudit(t)
		if st.action == "" {
			if after.ID != before.ID {
				t.Errorf("%s: a failed request left audit row %+v", st.name, after)
			}
			continue
		}
		if after.ID == before.ID || after.Action != st.action || after.Actor.Name != st.actor {
			t.Errorf("%s: newest audit row = %+v; want %s by %s", st.name, after, st.action, st.actor)
		}
		switch st.name {
		case "order by the guest":
			r.decode(t, &o)
			if after.Actor.Kind != store.ActorTable || after.OrderID == nil || *after.OrderID != o.ID {
				t.Errorf("the guest's order audit = %+v; want kind table and the order id", after)
			}
		case "second order elsewhere":
			r.decode(t, &o2)
		case "discount":
			r.decode(t, &bill)
		case "merge A3 into A1", "pay seat 2 a wrong amount":
			ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", f.table), ts.waiter, nil, &bill)
		case "new terminal":
			r.decode(t, &term)
		case "enroll it":
			var e struct{ Token string }
			r.decode(t, &e)
			termTok = e.Token
		case "the admin voids one soup", "fire mains":
			r.decode(t, &o)
		}
		if st.action == "line.void" && after.Reason == "" {
			t.Errorf("%s: audit row has no reason", st.name)
		}
	}
	if termTok == "" {
		t.Error("enrolling gave no token")
	}
	// Filters: by order and by user.
	var rows []store.AuditEntry
	ts.must(t, 200, "GET", fmt.Sprintf("/api/audit?order_id=%d", o.ID), ts.admin, nil, &rows)
	for _, r := range rows {
		if r.OrderID == nil || *r.OrderID != o.ID {
			t.Errorf("audit?order_id=%d gave %+v", o.ID, r)
		}
	}
	if len(rows) < 8 {
		t.Errorf("audit of order %d has %d rows; want its whole story", o.ID, len(rows))
	}
	ts.must(t, 200, "GET", "/api/audit?user_id=2&from=2000-01-01&to=2999-01-01", ts.admin, nil, &rows)
	for _, r := range rows {
		if r.Actor.Kind != "user" || r.Actor.ID != 2 {
			t.Errorf("audit?user_id=2 gave %+v", r)
		}
	}
	expectError(t, "a bad audit filter", ts.do(t, "GET", "/api/audit?user_id=x", ts.admin, nil), 422, "validation_failed")
	// The daily report totals the corrections by reason and by user.
	var rep store.DailyReport
	ts.must(t, 200, "GET", "/api/reports/daily", ts.admin, nil, &rep)
	if rep.Corrections.VoidsCents != 800+2000 || rep.Corrections.CompsCents != 800 || len(rep.Corrections.ByReason) != 3 || len(rep.Corrections.ByUser) != 3 {
		t.Errorf("report corrections = %+v; want voids 2800, comps 800, three reasons, three users", rep.Corrections)
	}
}

// TestCoursesAndSplitOverHTTP: a fire pushes order:updated; the bill
// shows paid lines; payment:completed names them.
func TestCoursesAndSplitOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	f := ts.serviceMenu(t)
	o := ts.dinner(t, ts.waiter, f, f.table, 2)
	if o.Items[1].FiredAt != nil || o.Items[0].FiredAt == nil {
		t.Fatalf("a new dinner: soup fired_at %v, steak fired_at %v; want the steak held", o.Items[0].FiredAt, o.Items[1].FiredAt)
	}
	seq := ts.lastSeq(t)
	ts.must(t, 200, "POST", fmt.Sprintf("/api/orders/%d/fire", o.ID), ts.waiter, map[string]any{"course": 2}, &o)
	expectEvents(t, ts, "a fire", seq, wantEvent{"order:updated", orderRoomsOf(f.table), orderData(o.ID, "confirmed")})
	expectError(t, "a chef firing", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/fire", o.ID), ts.chef, map[string]any{"course": 2}), 403, "forbidden")
	expectError(t, "course 0", ts.do(t, "POST", fmt.Sprintf("/api/orders/%d/fire", o.ID), ts.waiter, map[string]any{"course": 0}), 422, "validation_failed")

	var b store.Bill
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", f.table), ts.waiter, nil, &b)
	seat1 := b.Seats[0]
	if seat1.Seat != 1 || len(seat1.LineIDs) != 2 || seat1.AmountCents != 3360 { // (800 + 2000) + 20 %
		t.Fatalf("bill seats = %+v; want seat 1 with two lines at 3360", b.Seats)
	}
	seq = ts.lastSeq(t)
	var p store.Payment
	ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": f.table, "method": "card", "amount_cents": 3360 + 300, "tip_cents": 300, "line_ids": seat1.LineIDs}, &p)
	if p.AmountCents != 3360 || p.TipCents != 300 || len(p.LineIDs) != 2 {
		t.Errorf("payment = %+v; want 3360 plus a 300 tip for two lines", p)
	}
	evs := ts.events(t, seq)
	if len(evs) != 2 || evs[0].Name != "order:updated" || evs[1].Name != "payment:completed" || !strings.Contains(string(evs[1].Data), `"line_ids":[`) {
		t.Errorf("a payment by seat emitted %s; want order:updated then payment:completed with line_ids", eventNames(evs))
	}
	expectError(t, "paying the same lines again", ts.do(t, "POST", "/api/payments", ts.waiter,
		map[string]any{"table_id": f.table, "method": "card", "amount_cents": 3360, "line_ids": seat1.LineIDs}), 409, "conflict")
	expectError(t, "line_ids and seat", ts.do(t, "POST", "/api/payments", ts.waiter,
		map[string]any{"table_id": f.table, "method": "card", "amount_cents": 3360, "line_ids": seat1.LineIDs, "seat": 2}), 422, "validation_failed")
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d/bill", f.table), ts.waiter, nil, &b)
	paid := 0
	for _, it := range b.Orders[0].Items {
		if it.Paid {
			paid++
		}
	}
	if paid != 2 || b.DueCents != 3360 || len(b.Seats) != 1 {
		t.Errorf("after seat 1 paid: %d lines paid, due %d, seats %+v; want 2, 3360, seat 2 only", paid, b.DueCents, b.Seats)
	}
}

// TestTerminalPIN enrolls a terminal and signs staff in and out with PINs.
func TestTerminalPIN(t *testing.T) {
	ts := newTestServer(t)
	var users []store.User
	ts.must(t, 200, "GET", "/api/users", ts.admin, nil, &users)
	ids := map[string]int64{}
	for _, u := range users {
		ids[u.Username] = u.ID
	}
	r := ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", ids["ana"]), ts.admin, map[string]any{"pin": "1234"}, nil)
	if strings.Contains(string(r.body), "1234") || !strings.Contains(string(r.body), `"has_pin":true`) {
		t.Errorf("PATCH pin answered %s; want has_pin and never the PIN", r.body)
	}
	expectError(t, "a PIN another active user has", ts.do(t, "PATCH", fmt.Sprintf("/api/users/%d", ids["marco"]), ts.admin, map[string]any{"pin": "1234"}), 409, "conflict")
	expectError(t, "a PIN of letters", ts.do(t, "PATCH", fmt.Sprintf("/api/users/%d", ids["marco"]), ts.admin, map[string]any{"pin": "12ab"}), 422, "validation_failed")
	expectError(t, "a 7-digit PIN", ts.do(t, "PATCH", fmt.Sprintf("/api/users/%d", ids["marco"]), ts.admin, map[string]any{"pin": "1234567"}), 422, "validation_failed")
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", ids["marco"]), ts.admin, map[string]any{"pin": "987654"}, nil)

	expectError(t, "a PIN without a terminal", ts.do(t, "POST", "/api/auth/pin", "", map[string]any{"pin": "1234"}), 401, "unauthorized")
	expectError(t, "a staff token as terminal", ts.do(t, "POST", "/api/auth/pin", "", map[string]any{"pin": "1234"}, "X-Terminal", ts.admin), 401, "unauthorized")
	var e store.TerminalEnrollment
	ts.must(t, 201, "POST", "/api/terminals", ts.admin, map[string]any{"name": "Pass"}, &e)
	expectError(t, "a wrong code", ts.do(t, "POST", "/api/terminals/enroll", "", map[string]any{"code": "000000"}), 404, "not_found")
	var enrolled struct {
		Token    string
		Terminal store.Terminal
	}
	ts.must(t, 200, "POST", "/api/terminals/enroll", "", map[string]any{"code": e.Code}, &enrolled)
	expectError(t, "a terminal token as bearer", ts.do(t, "GET", "/api/orders", enrolled.Token, nil), 401, "unauthorized")
	term := "X-Terminal"

	pin := func(p string) response {
		return ts.do(t, "POST", "/api/auth/pin", "", map[string]any{"pin": p}, term, enrolled.Token)
	}
	var ana tokenResponse
	if r := pin("1234"); r.status != 200 {
		t.Fatalf("ana's PIN = %d %s", r.status, r.body)
	} else {
		r.decode(t, &ana)
	}
	if ana.User == nil || ana.User.Username != "ana" {
		t.Fatalf("PIN sign-in user = %+v; want ana", ana.User)
	}
	var me map[string]any
	ts.must(t, 200, "GET", "/api/auth/me", ana.Token, nil, &me)
	if me["terminal_id"] != float64(enrolled.Terminal.ID) {
		t.Errorf("me = %v; want terminal_id %d", me, enrolled.Terminal.ID)
	}
	var refreshed tokenResponse
	ts.must(t, 200, "POST", "/api/auth/refresh", ana.Token, nil, &refreshed)
	var marco tokenResponse
	pin("987654").decode(t, &marco)
	expectError(t, "ana's token after marco signed in", ts.do(t, "GET", "/api/auth/me", ana.Token, nil), 401, "unauthorized")
	expectError(t, "ana's refreshed token too", ts.do(t, "GET", "/api/auth/me", refreshed.Token, nil), 401, "unauthorized")
	ts.must(t, 200, "GET", "/api/auth/me", marco.Token, nil, nil)
	expectError(t, "a lock without a terminal", ts.do(t, "POST", "/api/auth/lock", marco.Token, nil), 401, "unauthorized")
	if r := ts.do(t, "POST", "/api/auth/lock", "", nil, term, enrolled.Token); r.status != 204 {
		t.Fatalf("lock = %d %s; want 204", r.status, r.body)
	}
	expectError(t, "marco's token after the lock", ts.do(t, "GET", "/api/auth/me", marco.Token, nil), 401, "unauthorized")

	for i := 1; i < store.PINFailures; i++ {
		expectError(t, fmt.Sprintf("wrong PIN %d", i), pin("1111"), 401, "unauthorized")
	}
	expectRateLimited(t, "the fifth wrong PIN", pin("1111"), time.Minute)
	expectRateLimited(t, "the right PIN while locked", pin("1234"), time.Minute)
	var tm store.Terminal
	ts.must(t, 200, "GET", fmt.Sprintf("/api/terminals/%d", enrolled.Terminal.ID), ts.admin, nil, &tm)
	if tm.LockedUntil == nil || tm.SignedIn != nil {
		t.Errorf("terminal = %+v; want locked, nobody signed in", tm)
	}
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/terminals/%d", enrolled.Terminal.ID), ts.admin, nil, nil)
	expectError(t, "a PIN on a deleted terminal", pin("1234"), 401, "unauthorized")
}

// TestTerminalLockClosesSockets: a lock on a terminal closes the sockets
// of the session there with 4403, and only those: the same waiter's
// password session on another device goes on.
func TestTerminalLockClosesSockets(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	b.must(t, 200, "PATCH", "/api/users/2", b.admin, map[string]any{"pin": "2468"}, nil)
	var e store.TerminalEnrollment
	b.must(t, 201, "POST", "/api/terminals", b.admin, map[string]any{"name": "Bar"}, &e)
	var enrolled struct{ Token string }
	b.must(t, 200, "POST", "/api/terminals/enroll", "", map[string]any{"code": e.Code}, &enrolled)
	r := b.do(t, "POST", "/api/auth/pin", "", map[string]any{"pin": "2468"}, "X-Terminal", enrolled.Token)
	var signed tokenResponse
	r.decode(t, &signed)

	onTerminal := dialWS(t, b, nil)
	onTerminal.auth(signed.Token)
	elsewhere := dialWS(t, b, nil)
	elsewhere.auth(b.waiter)
	if r := b.do(t, "POST", "/api/auth/lock", "", nil, "X-Terminal", enrolled.Token); r.status != 204 {
		t.Fatalf("lock = %d %s", r.status, r.body)
	}
	if code := onTerminal.closeCode(5 * time.Second); code != 4403 {
		t.Errorf("the terminal's socket closed with %d; want 4403", code)
	}
	elsewhere.subscribe("orders", nil)
}

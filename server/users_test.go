package server

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"rms/hub"
	"rms/store"
)

func TestUsers(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.lastSeq(t)
	var u store.User
	r := ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "luca", "role": "waiter", "password": "s3cret-pw"}, &u)
	if u.ID == 0 || u.Username != "luca" || u.Role != "waiter" || !u.Active {
		t.Errorf("created user = %+v; want an active waiter luca", u)
	}
	if bytes.Contains(r.body, []byte("s3cret")) || bytes.Contains(r.body, []byte("password")) {
		t.Errorf("POST /api/users = %s; want no password in it", r.body)
	}
	luca := ts.login(t, "luca", "s3cret-pw")
	var list []store.User
	r = ts.must(t, 200, "GET", "/api/users", ts.admin, nil, &list)
	if len(list) != 4 || bytes.Contains(r.body, []byte("password")) || bytes.Contains(r.body, []byte("$2a$")) {
		t.Errorf("GET /api/users = %s; want 4 users and no password or hash", r.body)
	}

	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", u.ID), ts.admin, map[string]any{"username": "luca.r", "role": "chef", "password": "new-password"}, &u)
	if u.Username != "luca.r" || u.Role != "chef" || !u.Active {
		t.Errorf("patched user = %+v; want chef luca.r", u)
	}
	expectError(t, "login with the old password", ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "luca.r", "password": "s3cret-pw"}), 401, "unauthorized")
	ts.login(t, "luca.r", "new-password")

	tests := []struct {
		name, method, path string
		body               any
		status             int
		fields             []string
	}{
		{"no username", "POST", "/api/users", map[string]any{"role": "waiter", "password": "secret1"}, 422, []string{"username"}},
		{"spaces", "POST", "/api/users", map[string]any{"username": "a b", "role": "waiter", "password": "secret1"}, 422, []string{"username"}},
		{"10k username", "POST", "/api/users", map[string]any{"username": strings.Repeat("u", 10000), "role": "waiter", "password": "secret1"}, 422, []string{"username"}},
		{"NUL username", "POST", "/api/users", map[string]any{"username": "ana\x00", "role": "waiter", "password": "secret1"}, 422, []string{"username"}},
		{"role customer", "POST", "/api/users", map[string]any{"username": "x", "role": "customer", "password": "secret1"}, 422, []string{"role"}},
		{"short password", "POST", "/api/users", map[string]any{"username": "x", "role": "chef", "password": "12345"}, 422, []string{"password"}},
		{"10k password", "POST", "/api/users", map[string]any{"username": "x", "role": "chef", "password": strings.Repeat("p", 10000)}, 422, []string{"password"}},
		{"73-byte password", "POST", "/api/users", map[string]any{"username": "x", "role": "chef", "password": strings.Repeat("p", 73)}, 422, []string{"password"}},
		{"password of 37 two-byte letters", "POST", "/api/users", map[string]any{"username": "x", "role": "chef", "password": strings.Repeat("é", 37)}, 422, []string{"password"}},
		{"patch 100-byte password", "PATCH", fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"password": strings.Repeat("p", 100)}, 422, []string{"password"}},
		{"all wrong", "POST", "/api/users", map[string]any{}, 422, []string{"username", "role", "password"}},
		{"taken", "POST", "/api/users", map[string]any{"username": "ANA", "role": "chef", "password": "secret1"}, 409, nil},
		{"rename to taken", "PATCH", fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"username": "marco"}, 409, nil},
		{"patch bad role", "PATCH", fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"role": "owner"}, 422, []string{"role"}},
		{"patch short password", "PATCH", fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"password": "x"}, 422, []string{"password"}},
		{"last admin deactivated", "PATCH", "/api/users/1", map[string]any{"active": false}, 409, nil},
		{"last admin demoted", "PATCH", "/api/users/1", map[string]any{"role": "waiter"}, 409, nil},
		{"last admin deleted", "DELETE", "/api/users/1", nil, 409, nil},
		{"unknown", "PATCH", "/api/users/999", map[string]any{"active": false}, 404, nil},
		{"delete unknown", "DELETE", "/api/users/999", nil, 404, nil},
	}
	for _, tt := range tests {
		r := ts.do(t, tt.method, tt.path, ts.admin, tt.body)
		switch tt.status {
		case 422:
			expectFields(t, "user "+tt.name, r, tt.fields...)
		case 409:
			expectError(t, "user "+tt.name, r, 409, "conflict")
		case 404:
			expectError(t, "user "+tt.name, r, 404, "not_found")
		}
	}
	ts.must(t, 200, "GET", "/api/users", ts.admin, nil, nil) // the admin is still an admin
	// bcrypt reads 72 bytes: a password of exactly that many is whole.
	long := strings.Repeat("é", 36)
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "longpw", "role": "chef", "password": long}, nil)
	ts.login(t, "longpw", long)
	expectError(t, "login with a 200-byte password", ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "longpw", "password": strings.Repeat("é", 100)}), 401, "unauthorized")

	// With a second admin, the first may step down.
	var boss store.User
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "boss", "role": "admin", "password": "boss-pw"}, &boss)
	ts.must(t, 200, "PATCH", "/api/users/1", ts.admin, map[string]any{"role": "waiter"}, nil)
	expectError(t, "the demoted admin", ts.do(t, "GET", "/api/users", ts.admin, nil), 403, "forbidden")
	bossTok := ts.login(t, "boss", "boss-pw")
	expectError(t, "the new last admin deleting themself", ts.do(t, "DELETE", fmt.Sprintf("/api/users/%d", boss.ID), bossTok, nil), 409, "conflict")
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d", u.ID), bossTok, nil, nil)
	expectError(t, "the deleted user's token", ts.do(t, "GET", "/api/auth/me", luca, nil), 401, "unauthorized")
	expectNoEvents(t, ts, "user changes", seq)
}

func TestSettings(t *testing.T) {
	ts := newTestServerWith(t, testOptions{tableLimits: true})
	tableID := ts.newTable(t, "T1")
	cust := ts.pair(t, tableID)
	var st store.Settings
	r := ts.must(t, 200, "GET", "/api/settings", cust, nil, &st)
	limits := store.TableLimits{MaxLinesPerOrder: 30, MaxNoteChars: 200, MaxOrdersPerMinute: 6, MaxOpenOrders: 20}
	want := store.Settings{RestaurantName: "Restaurant", Currency: "EUR", TaxRateBP: 2000, PricesIncludeTax: true, AutoConfirmOrders: false, Timezone: "UTC",
		Courses: []string{"Starters", "Mains", "Desserts"}, CorrectionReasons: st.CorrectionReasons, TerminalLockSeconds: 60, Languages: []string{"en"}, TableLimits: limits,
		KDSStations: []string{"kitchen"}}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("GET /api/settings = %+v; want the defaults %+v", st, want)
	}
	for _, f := range []string{"restaurant_name", "currency", "tax_rate_bp", "prices_include_tax", "auto_confirm_orders", "timezone"} {
		if !bytes.Contains(r.body, []byte(`"`+f+`":`)) {
			t.Errorf("GET /api/settings = %s; want %s", r.body, f)
		}
	}
	seq := ts.lastSeq(t)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"restaurant_name": "Trattoria da Ana", "currency": "CHF", "tax_rate_bp": 810,
		"prices_include_tax": false, "auto_confirm_orders": true, "timezone": "Europe/Zurich", "languages": []string{"de", "fr", "it"}}, &st)
	want = store.Settings{RestaurantName: "Trattoria da Ana", Currency: "CHF", TaxRateBP: 810, PricesIncludeTax: false, AutoConfirmOrders: true, Timezone: "Europe/Zurich",
		Courses: want.Courses, CorrectionReasons: want.CorrectionReasons, TerminalLockSeconds: 60, Languages: []string{"de", "fr", "it"}, TableLimits: limits,
		KDSStations: want.KDSStations}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("PATCH /api/settings = %+v; want %+v", st, want)
	}
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"tax_rate_bp": 0}, &st)
	if want.TaxRateBP = 0; !reflect.DeepEqual(st, want) {
		t.Errorf("PATCH of one field = %+v; want the rest kept: %+v", st, want)
	}
	tests := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"restaurant_name": ""}, "restaurant_name"},
		{map[string]any{"restaurant_name": strings.Repeat("n", 10000)}, "restaurant_name"},
		{map[string]any{"restaurant_name": "a\x00b"}, "restaurant_name"},
		{map[string]any{"currency": "euro"}, "currency"},
		{map[string]any{"currency": "eur"}, "currency"},
		{map[string]any{"tax_rate_bp": -1}, "tax_rate_bp"},
		{map[string]any{"tax_rate_bp": 10001}, "tax_rate_bp"},
		{map[string]any{"timezone": "Mars/Olympus"}, "timezone"},
		{map[string]any{"timezone": ""}, "timezone"},
		{map[string]any{"timezone": "Local"}, "timezone"},
		{map[string]any{"timezone": "../../etc/passwd"}, "timezone"},
		{map[string]any{"languages": []string{}}, "languages"},
		{map[string]any{"languages": []string{"en", "en"}}, "languages"},
		{map[string]any{"languages": []string{"english"}}, "languages"},
		{map[string]any{"languages": []string{"EN"}}, "languages"},
	}
	for _, tt := range tests {
		expectFields(t, fmt.Sprintf("PATCH /api/settings %v", tt.body), ts.do(t, "PATCH", "/api/settings", ts.admin, tt.body), tt.field)
	}
	// A refused patch changes nothing, not even its valid fields.
	expectFields(t, "a patch with one bad field", ts.do(t, "PATCH", "/api/settings", ts.admin, map[string]any{"restaurant_name": "Other", "currency": "x"}), "currency")
	expectFields(t, "a limit with a bad field", ts.do(t, "PATCH", "/api/settings", ts.admin, map[string]any{"table_max_open_orders": 5, "currency": "x"}), "currency")
	ts.must(t, 200, "GET", "/api/settings", ts.waiter, nil, &st)
	if !reflect.DeepEqual(st, want) {
		t.Errorf("settings after refused patches = %+v; want %+v", st, want)
	}
	expectNoEvents(t, ts, "settings", seq)
}

// TestRoleChangeClosesSockets: a user whose role changes loses the sockets
// opened with the old role's rooms; a patch that keeps the role does not.
func TestRoleChangeClosesSockets(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	waiter := connectWS(t, b, b.waiter, "orders", "tables")
	chef := connectWS(t, b, b.chef, "kds")
	b.must(t, 200, "PATCH", "/api/users/2", b.admin, map[string]any{"role": "chef"}, nil)
	if code := waiter.closeCode(5 * time.Second); code != 4403 {
		t.Errorf("close code of the waiter made chef = %d; want 4403", code)
	}
	b.must(t, 200, "PATCH", "/api/users/3", b.admin, map[string]any{"role": "chef", "username": "marco.b"}, nil)
	chef.quiet(300 * time.Millisecond)
	id := chef.send("ping", nil)
	if f := chef.expect("error"); f.ID != id {
		t.Errorf("the chef's socket after a patch that kept the role answered %+v; want it open", f)
	}
	// Back with the same token, the new chef cannot join the orders room.
	again := connectWS(t, b, b.waiter)
	id = again.send("subscribe:orders", nil)
	if f := again.expect("error"); f.ID != id {
		t.Errorf("subscribe:orders as the new chef = %+v; want an error", f)
	}
}

// TestPasswordResetEndsOldTokens checks that a reset password or a
// deactivation ends every token issued before, also after reactivation.
func TestPasswordResetEndsOldTokens(t *testing.T) {
	ts := newTestServer(t)
	var users []store.User
	ts.must(t, 200, "GET", "/api/users", ts.admin, nil, &users)
	var ana store.User
	for _, u := range users {
		if u.Username == "ana" {
			ana = u
		}
	}
	old := ts.waiter
	ts.must(t, 200, "GET", "/api/auth/me", old, nil, nil)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", ana.ID), ts.admin, map[string]any{"password": "new-secret-1"}, nil)
	if r := ts.do(t, "GET", "/api/auth/me", old, nil); r.status != 401 {
		t.Errorf("GET /api/auth/me with a token from before the reset = %d; want 401", r.status)
	}
	fresh := ts.login(t, "ana", "new-secret-1")
	ts.must(t, 200, "POST", "/api/auth/refresh", fresh, nil, nil)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", ana.ID), ts.admin, map[string]any{"active": false}, nil)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", ana.ID), ts.admin, map[string]any{"active": true}, nil)
	if r := ts.do(t, "GET", "/api/auth/me", fresh, nil); r.status != 401 {
		t.Errorf("GET /api/auth/me with a token from before the deactivation = %d after reactivation; want 401", r.status)
	}
	ts.must(t, 200, "GET", "/api/auth/me", ts.login(t, "ana", "new-secret-1"), nil, nil)
}

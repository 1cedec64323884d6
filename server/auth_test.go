package server

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rms/store"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
		User      userBrief `json:"user"`
	}
	ts.must(t, 200, "POST", "/api/auth/login", "", map[string]string{"username": "ana", "password": "waiter123"}, &out)
	if out.Token == "" || !out.ExpiresAt.Equal(clk.Now().Add(12*time.Hour)) || out.User != (userBrief{ID: 2, Username: "ana", Role: "waiter"}) {
		t.Errorf("login = %+v; want a token that expires in 12 h and user {2 ana waiter}", out)
	}
	if r := ts.do(t, "GET", "/api/auth/me", out.Token, nil); r.status != 200 {
		t.Errorf("GET /api/auth/me with the login's token status = %d; want 200", r.status)
	}

	tests := []struct {
		name   string
		body   any
		status int
		code   string
		fields []string
	}{
		{"wrong password", map[string]string{"username": "ana", "password": "nope-nope"}, 401, "unauthorized", nil},
		{"unknown user", map[string]string{"username": "nobody", "password": "waiter123"}, 401, "unauthorized", nil},
		{"no password", map[string]string{"username": "ana"}, 422, "validation_failed", []string{"password"}},
		{"no username", map[string]string{"password": "waiter123"}, 422, "validation_failed", []string{"username"}},
		{"nothing", map[string]string{}, 422, "validation_failed", []string{"username", "password"}},
		{"long password", map[string]string{"username": "ana", "password": strings.Repeat("p", 201)}, 422, "validation_failed", []string{"password"}},
		{"not JSON", "username=ana", 400, "bad_request", nil},
	}
	for _, tt := range tests {
		r := ts.do(t, "POST", "/api/auth/login", "", tt.body)
		if tt.fields != nil {
			expectFields(t, "login "+tt.name, r, tt.fields...)
		} else {
			expectError(t, "login "+tt.name, r, tt.status, tt.code)
		}
	}

	// A deactivated user cannot sign in with the right password.
	ts.must(t, 200, "PATCH", "/api/users/2", ts.admin, map[string]any{"active": false}, nil)
	expectError(t, "login of a deactivated user", ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "ana", "password": "waiter123"}), 401, "unauthorized")
}

// TestLoginRateLimit: 10 failures per username or 20 per client address in
// 5 minutes give 429 with Retry-After until the window passes.
func TestLoginRateLimit(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	login := func(user, pw string) response {
		return ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": user, "password": pw})
	}
	for i := 0; i < 10; i++ {
		expectError(t, fmt.Sprintf("failure %d of ana", i+1), login("ana", "wrong-password"), 401, "unauthorized")
	}
	clk.Advance(time.Minute)
	expectRateLimited(t, "ana's 11th try, with the right password", login("ana", "waiter123"), 4*time.Minute)
	// The username is blocked in any spelling.
	expectRateLimited(t, "ANA", login("ANA", "waiter123"), 4*time.Minute)
	// Another user on the same address still signs in (10 failures < 20).
	if r := login("marco", "chef123"); r.status != 200 {
		t.Fatalf("marco's login after ana's failures status = %d; want 200", r.status)
	}
	// 10 more failures from the address, under names below their own
	// limit: the address reaches 20 and everyone is blocked. (Known names:
	// an unknown one costs a full-strength bcrypt on purpose.)
	for i := 0; i < 10; i++ {
		user := []string{"marco", "admin"}[i%2]
		expectError(t, "failure from the address", login(user, "x-x-x-x"), 401, "unauthorized")
	}
	expectRateLimited(t, "admin after 20 failures from the address", login("admin", "admin123"), 5*time.Minute)

	clk.Advance(5 * time.Minute)
	for _, u := range [][2]string{{"ana", "waiter123"}, {"admin", "admin123"}} {
		if r := login(u[0], u[1]); r.status != 200 {
			t.Errorf("login of %s after the window status = %d (%s); want 200", u[0], r.status, r.body)
		}
	}
}

// expectRateLimited checks a 429 whose Retry-After is a number of seconds
// no longer than max.
func expectRateLimited(t *testing.T, what string, r response, max time.Duration) response {
	t.Helper()
	expectError(t, what, r, 429, "rate_limited")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs <= 0 || time.Duration(secs)*time.Second > max {
		t.Errorf("%s Retry-After = %q; want 1 to %v seconds", what, r.header.Get("Retry-After"), max.Seconds())
	}
	return r
}

func TestMe(t *testing.T) {
	ts := newTestServer(t)
	tableID, _, _ := ts.seedMenu(t)
	cust := ts.pair(t, tableID)
	tests := []struct {
		token string
		want  string
	}{
		{ts.admin, `{"role":"admin","user":{"id":1,"username":"admin","role":"admin"}}`},
		{ts.waiter, `{"role":"waiter","user":{"id":2,"username":"ana","role":"waiter"}}`},
		{ts.chef, `{"role":"chef","user":{"id":3,"username":"marco","role":"chef"}}`},
		{cust, fmt.Sprintf(`{"role":"customer","table_id":%d}`, tableID)},
	}
	for _, tt := range tests {
		r := ts.must(t, 200, "GET", "/api/auth/me", tt.token, nil, nil)
		if got := string(trimNL(r.body)); got != tt.want {
			t.Errorf("GET /api/auth/me = %s; want %s", got, tt.want)
		}
	}
	expectError(t, "GET /api/auth/me without a token", ts.do(t, "GET", "/api/auth/me", "", nil), 401, "unauthorized")
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func TestRefresh(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, _, _ := ts.seedMenu(t)
	cust := ts.pair(t, tableID)
	clk.Advance(11 * time.Hour)
	var out tokenResponse
	ts.must(t, 200, "POST", "/api/auth/refresh", ts.chef, nil, &out)
	if out.Token == "" || !out.ExpiresAt.Equal(clk.Now().Add(12*time.Hour)) || out.User != nil {
		t.Errorf("refresh = %+v; want a token that expires 12 h from now", out)
	}
	clk.Advance(2 * time.Hour) // the first token is now expired
	expectError(t, "the chef's expired token", ts.do(t, "GET", "/api/auth/me", ts.chef, nil), 401, "unauthorized")
	if r := ts.do(t, "GET", "/api/auth/me", out.Token, nil); r.status != 200 {
		t.Errorf("the refreshed token status = %d; want 200", r.status)
	}
	expectError(t, "refresh with a customer token", ts.do(t, "POST", "/api/auth/refresh", cust, nil), 403, "forbidden")
	ts.must(t, 200, "PATCH", "/api/users/3", ts.login(t, "admin", "admin123"), map[string]any{"active": false}, nil)
	expectError(t, "refresh of a deactivated user", ts.do(t, "POST", "/api/auth/refresh", out.Token, nil), 401, "unauthorized")
}

// TestJWT: only HS256 tokens signed with the box's secret, issued by rms,
// with an expiry in the future, naming a live user or a current pairing.
func TestJWT(t *testing.T) {
	clk := newClock(time.Now().UTC())
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	tableID, _, _ := ts.seedMenu(t)
	ts.pair(t, tableID) // token version 1
	// Tokens carry the random key of their user or table.
	user2, err := ts.store.User(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	tableTok, err := ts.store.TableToken(t.Context(), tableID)
	if err != nil {
		t.Fatal(err)
	}
	ukey, tkey := user2.TokenKey, tableTok.Key
	now := clk.Now()
	reg := func(mod func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		r := jwt.RegisteredClaims{Issuer: "rms", Subject: "2", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatalf("SignedString() err = %v", err)
		}
		return s
	}
	other := []byte("another box's secret, 32 bytes long!")
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid waiter (control)", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(nil)}), 200},
		{"valid customer (control)", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "customer", TableID: tableID, Version: 1, Key: tkey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Subject = "" })}), 200},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims{Role: "admin", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Subject = "1" })}), 401},
		{"HS384", sign(jwt.SigningMethodHS384, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(nil)}), 401},
		{"HS512", sign(jwt.SigningMethodHS512, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(nil)}), 401},
		{"another key", sign(jwt.SigningMethodHS256, other, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(nil)}), 401},
		{"no exp", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.ExpiresAt = nil })}), 401},
		{"expired", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) })}), 401},
		{"wrong issuer", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Issuer = "other" })}), 401},
		{"no issuer", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Issuer = "" })}), 401},
		{"not yet valid", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) })}), 401},
		{"unknown user", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "admin", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Subject = "999" })}), 401},
		{"no subject", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "admin", Key: ukey, RegisteredClaims: reg(func(r *jwt.RegisteredClaims) { r.Subject = "" })}), 401},
		{"old table pairing", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "customer", TableID: tableID, Version: 0, Key: tkey, RegisteredClaims: reg(nil)}), 401},
		{"another user's key", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", Key: "0123456789abcdef01234567", RegisteredClaims: reg(nil)}), 401},
		{"no key", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "waiter", RegisteredClaims: reg(nil)}), 401},
		{"table token without its key", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "customer", TableID: tableID, Version: 1, RegisteredClaims: reg(nil)}), 401},
		{"unknown table", sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "customer", TableID: 999, Version: 1, RegisteredClaims: reg(nil)}), 401},
		{"garbage", "not.a.jwt", 401},
		{"empty", "", 401},
	}
	for _, tt := range tests {
		r := ts.do(t, "GET", "/api/auth/me", tt.token, nil)
		if tt.want == 200 {
			if r.status != 200 {
				t.Errorf("%s: GET /api/auth/me status = %d (%s); want 200", tt.name, r.status, r.body)
			}
			continue
		}
		expectError(t, tt.name, r, tt.want, "unauthorized")
	}
	// A waiter's forged claim of admin changes nothing: the user's current
	// role counts.
	forged := sign(jwt.SigningMethodHS256, ts.secret, claims{Role: "admin", Key: ukey, RegisteredClaims: reg(nil)})
	expectError(t, "waiter with role admin in the token", ts.do(t, "GET", "/api/users", forged, nil), 403, "forbidden")
	for _, h := range []string{"Basic YW5hOndhaXRlcjEyMw==", "Token " + ts.waiter, "Bearer"} {
		r := ts.do(t, "GET", "/api/auth/me", "", nil, "Authorization", h)
		expectError(t, "Authorization: "+h, r, 401, "unauthorized")
	}
}

// TestUserChangesReachTokens: deactivating or deleting a user ends their
// tokens at once, for good; a new role applies to the token already held.
func TestUserChangesReachTokens(t *testing.T) {
	ts := newTestServer(t)
	ts.must(t, 200, "GET", "/api/tables", ts.waiter, nil, nil)
	ts.must(t, 200, "PATCH", "/api/users/2", ts.admin, map[string]any{"active": false}, nil)
	expectError(t, "deactivated waiter", ts.do(t, "GET", "/api/tables", ts.waiter, nil), 401, "unauthorized")
	ts.must(t, 200, "PATCH", "/api/users/2", ts.admin, map[string]any{"active": true}, nil)
	expectError(t, "reactivated waiter's token from before", ts.do(t, "GET", "/api/tables", ts.waiter, nil), 401, "unauthorized")
	held := ts.login(t, "ana", "waiter123")
	ts.must(t, 200, "PATCH", "/api/users/2", ts.admin, map[string]any{"role": "chef"}, nil)
	expectError(t, "waiter made chef, taking a payment", ts.do(t, "POST", "/api/payments", held, map[string]any{"table_id": 1, "method": "cash", "amount_cents": 1}), 403, "forbidden")
	ts.must(t, 204, "DELETE", "/api/users/3", ts.admin, nil, nil)
	expectError(t, "deleted chef", ts.do(t, "GET", "/api/menu", ts.chef, nil), 401, "unauthorized")
}

// TestRoles walks every authenticated route with every role the contract
// keeps out (403) and with no token (401); nothing may change.
func TestRoles(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	otherTable := ts.newTable(t, "T2")
	o := ts.order(t, ts.waiter, tableID, itemID, 1)
	cust := ts.pair(t, tableID)
	tokens := map[string]string{"admin": ts.admin, "waiter": ts.waiter, "chef": ts.chef, "customer": cust}
	all := []string{"admin", "waiter", "chef", "customer"}
	type route struct {
		method, path string
		body         any
		allowed      []string
	}
	tp := func(format string) string { return fmt.Sprintf(format, tableID) }
	routes := []route{
		{"GET", "/api/auth/me", nil, all},
		{"POST", "/api/auth/refresh", nil, []string{"admin", "waiter", "chef"}},
		{"GET", "/api/users", nil, []string{"admin"}},
		{"POST", "/api/users", map[string]any{"username": "x", "role": "waiter", "password": "secret1"}, []string{"admin"}},
		{"PATCH", "/api/users/2", map[string]any{"active": false}, []string{"admin"}},
		{"DELETE", "/api/users/2", nil, []string{"admin"}},
		{"GET", "/api/settings", nil, all},
		{"PATCH", "/api/settings", map[string]any{"tax_rate_bp": 1}, []string{"admin"}},
		{"GET", "/api/menu", nil, all},
		{"POST", "/api/menu/categories", map[string]any{"name": "X"}, []string{"admin"}},
		{"PATCH", "/api/menu/categories/1", map[string]any{"name": "X"}, []string{"admin"}},
		{"DELETE", "/api/menu/categories/1", nil, []string{"admin"}},
		{"POST", "/api/menu/items", map[string]any{"category_id": 1, "name": "X", "price_cents": 1}, []string{"admin"}},
		{"PATCH", fmt.Sprintf("/api/menu/items/%d", itemID), map[string]any{"price_cents": 1}, []string{"admin"}},
		{"DELETE", fmt.Sprintf("/api/menu/items/%d", itemID), nil, []string{"admin"}},
		{"PATCH", fmt.Sprintf("/api/menu/items/%d/availability", itemID), map[string]any{"available": false}, []string{"admin", "chef"}},
		{"GET", "/api/tables", nil, []string{"admin", "waiter", "chef"}},
		{"GET", tp("/api/tables/%d"), nil, all},
		{"POST", "/api/tables", map[string]any{"name": "X", "seats": 2}, []string{"admin"}},
		{"PATCH", tp("/api/tables/%d"), map[string]any{"seats": 3}, []string{"admin"}},
		{"DELETE", fmt.Sprintf("/api/tables/%d", otherTable), nil, []string{"admin"}},
		{"PATCH", tp("/api/tables/%d/status"), map[string]any{"status": "cleaning"}, []string{"admin", "waiter"}},
		{"POST", tp("/api/tables/%d/pair"), nil, []string{"admin", "waiter"}},
		{"GET", tp("/api/tables/%d/pair.svg"), nil, []string{"admin", "waiter"}},
		{"POST", tp("/api/tables/%d/requests"), map[string]any{"kind": "waiter"}, all},
		{"DELETE", tp("/api/tables/%d/requests"), nil, []string{"admin", "waiter", "chef"}},
		{"GET", tp("/api/tables/%d/bill"), nil, all},
		{"POST", "/api/orders", map[string]any{"table_id": tableID, "items": []any{map[string]any{"menu_item_id": itemID, "quantity": 1}}}, []string{"admin", "waiter", "customer"}},
		{"GET", "/api/orders", nil, all},
		{"GET", fmt.Sprintf("/api/orders/%d", o.ID), nil, all},
		{"PATCH", fmt.Sprintf("/api/orders/%d/items/%d", o.ID, o.Items[0].ID), map[string]any{"done": true}, []string{"admin", "chef"}},
		{"POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), map[string]any{"reason": "x"}, []string{"admin", "waiter", "customer"}},
		{"POST", "/api/payments", map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 100}, []string{"admin", "waiter"}},
		{"GET", "/api/payments", nil, []string{"admin"}},
		{"GET", "/api/reports/daily", nil, []string{"admin"}},
	}
	seq := ts.lastSeq(t)
	for _, rt := range routes {
		what := rt.method + " " + rt.path
		expectError(t, what+" without a token", ts.do(t, rt.method, rt.path, "", rt.body), 401, "unauthorized")
		expectError(t, what+" with a bad token", ts.do(t, rt.method, rt.path, "x.y.z", rt.body), 401, "unauthorized")
		for _, role := range all {
			ok := false
			for _, a := range rt.allowed {
				ok = ok || a == role
			}
			if ok {
				if rt.method == "GET" {
					if r := ts.do(t, "GET", rt.path, tokens[role], nil); r.status != 200 {
						t.Errorf("%s as %s status = %d (%s); want 200", what, role, r.status, r.body)
					}
				}
				continue
			}
			expectError(t, what+" as "+role, ts.do(t, rt.method, rt.path, tokens[role], rt.body), 403, "forbidden")
		}
	}
	expectNoEvents(t, ts, "the refused requests", seq)
	if o2, err := ts.store.Order(t.Context(), o.ID); err != nil || o2.Status != store.StatusConfirmed {
		t.Errorf("order after refused requests = %+v, %v; want unchanged (confirmed)", o2, err)
	}
}

// TestCustomerOtherTable: a table's token reaches its own table only.
func TestCustomerOtherTable(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	other := ts.newTable(t, "T2")
	cust := ts.pair(t, tableID)
	theirs := ts.order(t, ts.waiter, other, itemID, 1)
	// A pending order of the other table, which its own guest could cancel.
	otherCust := ts.pair(t, other)
	pending := ts.order(t, otherCust, other, itemID, 1)
	seq := ts.lastSeq(t)
	reqs := []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/tables/%d", other), nil},
		{"GET", fmt.Sprintf("/api/tables/%d/bill", other), nil},
		{"POST", fmt.Sprintf("/api/tables/%d/requests", other), map[string]any{"kind": "bill"}},
		{"POST", "/api/orders", map[string]any{"table_id": other, "items": []any{map[string]any{"menu_item_id": itemID, "quantity": 1}}}},
		{"GET", fmt.Sprintf("/api/orders?table_id=%d", other), nil},
		{"GET", fmt.Sprintf("/api/orders/%d", theirs.ID), nil},
		{"POST", fmt.Sprintf("/api/orders/%d/cancel", pending.ID), map[string]any{"reason": "x"}},
		{"PATCH", fmt.Sprintf("/api/orders/%d/status", pending.ID), map[string]any{"status": "cancelled"}},
	}
	for _, rq := range reqs {
		expectError(t, rq.method+" "+rq.path+" by another table", ts.do(t, rq.method, rq.path, cust, rq.body), 403, "forbidden")
	}
	expectNoEvents(t, ts, "another table's requests", seq)
	// Its own list shows only its own orders.
	var mine []store.Order
	ts.must(t, 200, "GET", "/api/orders", cust, nil, &mine)
	if len(mine) != 0 {
		t.Errorf("GET /api/orders as table %d = %d orders; want 0 (the others are table %d's)", tableID, len(mine), other)
	}
}

// TestRateLimitsConcurrent: guesses sent all at once get no more tries
// than guesses sent one after another, for logins and pairing codes.
func TestRateLimitsConcurrent(t *testing.T) {
	ts := newTestServer(t)
	burst := func(path string, body func(i int) string) map[int]int {
		const n = 25
		codes := make(chan int, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			go func(i int) {
				<-start
				s, _, _ := rawPost(ts.URL+path, "", body(i))
				codes <- s
			}(i)
		}
		close(start)
		count := map[int]int{}
		for i := 0; i < n; i++ {
			count[<-codes]++
		}
		return count
	}
	// An unknown name: its full-strength bcrypt keeps every guess in
	// flight while the others arrive.
	if got := burst("/api/auth/login", func(i int) string { return fmt.Sprintf(`{"username":"nobody","password":"guess-%d"}`, i) }); got[401] != 10 || got[429] != 15 {
		t.Errorf("25 wrong passwords at once = %v; want 10 × 401 and 15 × 429", got)
	}
	if got := burst("/api/pair", func(i int) string { return fmt.Sprintf(`{"code":"%06d"}`, 999000+i) }); got[404] != 10 || got[429] != 15 {
		t.Errorf("25 wrong pairing codes at once = %v; want 10 × 404 and 15 × 429", got)
	}
}

package server

// Security tests: forged and stale tokens, every route against every role
// (generated from the route table, so a new route cannot be forgotten), a
// table's iPad against other tables, brute force, passwords at rest and in
// answers, and the headers of pages.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rms/store"
)

// secUserID returns the id of a staff user by name.
func secUserID(t *testing.T, ts *testServer, username string) int64 {
	t.Helper()
	users, err := ts.store.Users(t.Context())
	if err != nil {
		t.Fatalf("Users() err = %v", err)
	}
	for _, u := range users {
		if u.Username == username {
			return u.ID
		}
	}
	t.Fatalf("no user %q", username)
	return 0
}

// TestSecurityForgedTokens checks that only an HS256 token signed with the
// box's secret, issued by rms, with an expiry in the future and naming a
// live user or a current pairing gets in; everything else is 401.
func TestSecurityForgedTokens(t *testing.T) {
	ts := newTestServer(t)
	adminID := strconv.FormatInt(secUserID(t, ts, "admin"), 10)
	waiterID := strconv.FormatInt(secUserID(t, ts, "ana"), 10)
	// A token carries its user's random key (see TestTokenBoundToRowKey).
	keyOf := func(name string) string {
		u, err := ts.store.User(t.Context(), secUserID(t, ts, name))
		if err != nil {
			t.Fatal(err)
		}
		return u.TokenKey
	}
	adminKey, waiterKey := keyOf("admin"), keyOf("ana")
	now := time.Now()
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "rms", "sub": adminID, "key": adminKey, "role": "admin", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := valid()
		edit(c)
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		t.Helper()
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatalf("sign %s: %v", m.Alg(), err)
		}
		return s
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := make([]byte, 32)
	rand.Read(otherKey)

	// handmade builds a token whose header claims alg but whose signature
	// is an HMAC-SHA256 with the box's secret: the algorithm confusion
	// attack, where a verifier trusts the header's alg.
	handmade := func(alg string, c jwt.MapClaims) string {
		head, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
		body, _ := json.Marshal(c)
		in := base64.RawURLEncoding.EncodeToString(head) + "." + base64.RawURLEncoding.EncodeToString(body)
		mac := hmac.New(sha256.New, ts.secret)
		mac.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}

	// The control: a token made here the way the box makes them works, so
	// the 401s below are about what each case changes.
	control := sign(jwt.SigningMethodHS256, ts.secret, valid())
	if r := ts.do(t, "GET", "/api/users", control, nil); r.status != http.StatusOK {
		t.Fatalf("control token: GET /api/users status = %d (%s); want 200", r.status, r.body)
	}

	noneToken := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid())
	cases := []struct {
		name  string
		token string
	}{
		{"alg none", noneToken},
		{"alg none, signature kept", strings.TrimSuffix(noneToken, ".") + "." + strings.Split(control, ".")[2]},
		{"alg NONE in capitals", handmade("NONE", valid())},
		{"HS384 with the right secret", sign(jwt.SigningMethodHS384, ts.secret, valid())},
		{"HS512 with the right secret", sign(jwt.SigningMethodHS512, ts.secret, valid())},
		{"RS256", sign(jwt.SigningMethodRS256, rsaKey, valid())},
		{"ES256", sign(jwt.SigningMethodES256, ecKey, valid())},
		{"RS256 header over an HMAC with the secret", handmade("RS256", valid())},
		{"HS256 with another key", sign(jwt.SigningMethodHS256, otherKey, valid())},
		{"HS256 with an empty key", sign(jwt.SigningMethodHS256, []byte{}, valid())},
		{"expired", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }))},
		{"missing exp", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"exp as a string", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["exp"] = "never" }))},
		{"not valid yet", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }))},
		{"wrong issuer", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["iss"] = "evil" }))},
		{"missing issuer", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { delete(c, "iss") }))},
		{"unknown user", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["sub"] = "999999" }))},
		{"subject not a number", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["sub"] = "admin" }))},
		{"no subject", sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"customer of a table that does not exist", sign(jwt.SigningMethodHS256, ts.secret, jwt.MapClaims{"iss": "rms", "role": "customer", "table_id": 424242, "ver": 1, "exp": now.Add(time.Hour).Unix()})},
		{"signature stripped", strings.Join(strings.Split(control, ".")[:2], ".") + "."},
		{"garbage", "not.a.token"},
		{"empty bearer", " "},
	}
	for _, tc := range cases {
		for _, path := range []string{"/api/auth/me", "/api/users", "/api/settings"} {
			r := ts.do(t, "GET", path, tc.token, nil)
			if r.status != http.StatusUnauthorized || r.errorCode() != "unauthorized" {
				t.Errorf("%s: GET %s status = %d (%s); want 401 unauthorized", tc.name, path, r.status, r.body)
			}
		}
	}

	// A token that claims admin for a waiter's id gets the waiter's rights:
	// the role comes from the users table, not from the token.
	lifted := sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["sub"], c["key"] = waiterID, waiterKey }))
	if r := ts.do(t, "GET", "/api/users", lifted, nil); r.status != http.StatusForbidden {
		t.Errorf("waiter's id with role admin: GET /api/users status = %d; want 403", r.status)
	}
	// A staff token cannot pose as a table's iPad by claiming role customer.
	posing := sign(jwt.SigningMethodHS256, ts.secret, with(func(c jwt.MapClaims) { c["role"] = "customer"; c["table_id"] = 1 }))
	if r := ts.do(t, "GET", "/api/auth/me", posing, nil); r.status != http.StatusUnauthorized {
		var me map[string]any
		json.Unmarshal(r.body, &me)
		if r.status != http.StatusOK || me["role"] != "admin" {
			t.Errorf("admin's id with role customer: GET /api/auth/me = %d %s; want 401, or the admin it really is", r.status, r.body)
		}
	}

	// A deactivated user's token stops working at once.
	var u store.User
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "temp", "role": "waiter", "password": "temp-pass-1"}, &u)
	tok := ts.login(t, "temp", "temp-pass-1")
	ts.must(t, 200, "GET", "/api/auth/me", tok, nil, nil)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", u.ID), ts.admin, map[string]any{"active": false}, nil)
	if r := ts.do(t, "GET", "/api/auth/me", tok, nil); r.status != http.StatusUnauthorized {
		t.Errorf("deactivated user's token: status = %d; want 401", r.status)
	}
	// A table paired again ends the old iPad's token; the new one works.
	tableID, _, _ := ts.seedMenu(t)
	old := ts.pair(t, tableID)
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d", tableID), old, nil, nil)
	fresh := ts.pair(t, tableID)
	if r := ts.do(t, "GET", fmt.Sprintf("/api/tables/%d", tableID), old, nil); r.status != http.StatusUnauthorized {
		t.Errorf("token of a re-paired table: status = %d; want 401", r.status)
	}
	ts.must(t, 200, "GET", fmt.Sprintf("/api/tables/%d", tableID), fresh, nil, nil)
	// An expired token made by the box itself.
	clk := newClock(time.Now())
	short := newTestServerWith(t, testOptions{now: clk.Now})
	stale := short.login(t, "admin", "admin123")
	short.must(t, 200, "GET", "/api/auth/me", stale, nil, nil)
	clk.Advance(12*time.Hour + time.Second)
	if r := short.do(t, "GET", "/api/auth/me", stale, nil); r.status != http.StatusUnauthorized {
		t.Errorf("token past its expiry: status = %d; want 401", r.status)
	}
	if r := short.do(t, "POST", "/api/auth/refresh", stale, nil); r.status != http.StatusUnauthorized {
		t.Errorf("refresh with an expired token: status = %d; want 401", r.status)
	}
}

// secFixture is what the role matrix works on: table A with its iPad
// ("customer"), table B with its own ("other"), a menu item, and a way to
// make fresh objects so that each call finds what it needs.
type secFixture struct {
	ts               *testServer
	tableA, tableB   int64
	item             int64
	tokens           map[string]string
	n                int
	pairTable, payTo int64
}

func (f *secFixture) seq() int { f.n++; return f.n }

func (f *secFixture) newTable(t *testing.T) int64 {
	t.Helper()
	var tb store.Table
	f.ts.must(t, 201, "POST", "/api/tables", f.ts.admin, map[string]any{"name": fmt.Sprintf("S%d", f.seq()), "seats": 2}, &tb)
	return tb.ID
}

// newPrinter adds an enabled receipt printer (that nothing sends to: no
// print worker runs in these tests) and returns its id.
func (f *secFixture) newPrinter(t *testing.T) int64 {
	t.Helper()
	var p store.Printer
	f.ts.must(t, 201, "POST", "/api/printers", f.ts.admin, map[string]any{"name": fmt.Sprintf("R%d", f.seq()), "address": "127.0.0.1:9", "kind": "receipt"}, &p)
	return p.ID
}

// pendingOrder places an order on table A as its iPad, so it is pending.
func (f *secFixture) pendingOrder(t *testing.T) store.Order {
	t.Helper()
	var o store.Order
	f.ts.must(t, 201, "POST", "/api/orders", f.tokens["customer"], map[string]any{"table_id": f.tableA, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1}}}, &o)
	return o
}

// roleMatrixRoles are the callers of the matrix; "other" is the iPad of a
// different table than the one the route names.
var roleMatrixRoles = []string{"anon", "admin", "waiter", "chef", "customer", "other"}

// routeCase says what one route answers to each role, and how to call it.
type routeCase struct {
	// want maps a role to the status it must get; a role not named gets
	// 401 when anonymous and 403 otherwise.
	want map[string]int
	// call returns the concrete path and body for one call by role.
	call func(t *testing.T, f *secFixture, role string) (path string, body any)
}

func secAll(status int) map[string]int {
	m := map[string]int{}
	for _, r := range roleMatrixRoles {
		m[r] = status
	}
	return m
}

func secRoles(status int, rs ...string) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r] = status
	}
	return m
}

func secFixed(path string, body any) func(*testing.T, *secFixture, string) (string, any) {
	return func(*testing.T, *secFixture, string) (string, any) { return path, body }
}

// roleMatrix is the expectation of every route of routes.go. The test
// fails for a route registered there and missing here, and the reverse.
func roleMatrix() map[string]routeCase {
	tokensOnly := secAll(200)
	delete(tokensOnly, "anon")
	staff200 := secRoles(200, "admin", "waiter", "chef")
	return map[string]routeCase{
		"GET /healthz": {secAll(200), secFixed("/healthz", nil)},
		// The matrix calls from loopback, where /metrics needs no token
		// (a local scraper); TestMetricsAccess covers the LAN.
		"GET /metrics":              {secAll(200), secFixed("/metrics", nil)},
		"GET /api/system/status":    {secRoles(200, "admin"), secFixed("/api/system/status", nil)},
		"GET /api/system/tls":       {secRoles(200, "admin"), secFixed("/api/system/tls", nil)},
		"GET /api/system/snapshots": {secRoles(200, "admin"), secFixed("/api/system/snapshots", nil)},
		// A well-formed name of no snapshot: an admin gets past the role
		// check to 404, and nothing is restored.
		"POST /api/system/restore": {secRoles(404, "admin"), secFixed("/api/system/restore", map[string]string{"name": "rms-1999-01-01.db"})},
		// The CA is public: a guest's iPad installs it before it trusts
		// the box (the matrix box runs with TLS on).
		"GET /ca.crt":            {secAll(200), secFixed("/ca.crt", nil)},
		"GET /ca.mobileconfig":   {secAll(200), secFixed("/ca.mobileconfig", nil)},
		"POST /api/auth/login":   {secAll(200), secFixed("/api/auth/login", map[string]string{"username": "admin", "password": "admin123"})},
		"GET /api/auth/me":       {tokensOnly, secFixed("/api/auth/me", nil)},
		"POST /api/auth/refresh": {staff200, secFixed("/api/auth/refresh", nil)},

		"GET /api/users": {secRoles(200, "admin"), secFixed("/api/users", nil)},
		"POST /api/users": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/users", map[string]any{"username": fmt.Sprintf("u%d", f.seq()), "role": "waiter", "password": "secret-pass-1"}
		}},
		"PATCH /api/users/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var u store.User
			f.ts.must(t, 201, "POST", "/api/users", f.ts.admin, map[string]any{"username": fmt.Sprintf("p%d", f.seq()), "role": "chef", "password": "secret-pass-1"}, &u)
			return fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"role": "waiter"}
		}},
		"DELETE /api/users/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var u store.User
			f.ts.must(t, 201, "POST", "/api/users", f.ts.admin, map[string]any{"username": fmt.Sprintf("d%d", f.seq()), "role": "chef", "password": "secret-pass-1"}, &u)
			return fmt.Sprintf("/api/users/%d", u.ID), nil
		}},

		"GET /api/settings":   {tokensOnly, secFixed("/api/settings", nil)},
		"PATCH /api/settings": {secRoles(200, "admin"), secFixed("/api/settings", map[string]any{"restaurant_name": "Trattoria"})},

		"GET /api/menu": {tokensOnly, secFixed("/api/menu", nil)},
		"POST /api/menu/categories": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/menu/categories", map[string]any{"name": fmt.Sprintf("C%d", f.seq())}
		}},
		"PATCH /api/menu/categories/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var c store.Category
			f.ts.must(t, 201, "POST", "/api/menu/categories", f.ts.admin, map[string]any{"name": fmt.Sprintf("C%d", f.seq())}, &c)
			return fmt.Sprintf("/api/menu/categories/%d", c.ID), map[string]any{"name": fmt.Sprintf("C%d", f.seq())}
		}},
		"DELETE /api/menu/categories/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var c store.Category
			f.ts.must(t, 201, "POST", "/api/menu/categories", f.ts.admin, map[string]any{"name": fmt.Sprintf("C%d", f.seq())}, &c)
			return fmt.Sprintf("/api/menu/categories/%d", c.ID), nil
		}},
		"POST /api/menu/items": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			it, _ := f.ts.store.Item(t.Context(), f.item)
			return "/api/menu/items", map[string]any{"category_id": it.CategoryID, "name": fmt.Sprintf("I%d", f.seq()), "price_cents": 500}
		}},
		"PATCH /api/menu/items/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/items/%d", f.newItem(t)), map[string]any{"price_cents": 650}
		}},
		"DELETE /api/menu/items/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/items/%d", f.newItem(t)), nil
		}},
		"PATCH /api/menu/items/:id/availability": {secRoles(200, "admin", "chef"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/items/%d/availability", f.newItem(t)), map[string]any{"available": false}
		}},

		"GET /api/tables": {staff200, secFixed("/api/tables", nil)},
		"GET /api/tables/:id": {secRoles(200, "admin", "waiter", "chef", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d", f.tableA), nil
		}},
		"POST /api/tables": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/tables", map[string]any{"name": fmt.Sprintf("N%d", f.seq()), "seats": 2}
		}},
		"PATCH /api/tables/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d", f.newTable(t)), map[string]any{"seats": 6}
		}},
		"DELETE /api/tables/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d", f.newTable(t)), nil
		}},
		"PATCH /api/tables/:id/status": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d/status", f.tableA), map[string]any{"status": "occupied"}
		}},
		// Pairing a table ends its iPad's token, so these use a table
		// nobody else needs.
		"POST /api/tables/:id/pair": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d/pair", f.pairTable), nil
		}},
		"GET /api/tables/:id/pair.svg": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d/pair.svg", f.pairTable), nil
		}},
		"POST /api/tables/:id/requests": {secRoles(200, "admin", "waiter", "chef", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d/requests", f.tableA), map[string]any{"kind": "waiter"}
		}},
		"DELETE /api/tables/:id/requests": {staff200, func(t *testing.T, f *secFixture, _ string) (string, any) {
			f.ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/requests", f.tableA), f.tokens["customer"], map[string]any{"kind": "bill"}, nil)
			return fmt.Sprintf("/api/tables/%d/requests", f.tableA), nil
		}},
		"GET /api/tables/:id/bill": {secRoles(200, "admin", "waiter", "chef", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/tables/%d/bill", f.tableA), nil
		}},
		"POST /api/pair": {secAll(200), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var p struct{ Code string }
			f.ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", f.newTable(t)), f.ts.waiter, nil, &p)
			return "/api/pair", map[string]any{"code": p.Code}
		}},

		"POST /api/orders": {secRoles(201, "admin", "waiter", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/orders", map[string]any{"table_id": f.tableA, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1}}}
		}},
		"GET /api/orders": {tokensOnly, func(t *testing.T, f *secFixture, role string) (string, any) {
			if role == "other" {
				return "/api/orders", nil // the other iPad sees its own table only; checked below
			}
			return fmt.Sprintf("/api/orders?table_id=%d", f.tableA), nil
		}},
		"GET /api/orders/:id": {secRoles(200, "admin", "waiter", "chef", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/orders/%d", f.pendingOrder(t).ID), nil
		}},
		"PATCH /api/orders/:id/status": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/orders/%d/status", f.pendingOrder(t).ID), map[string]any{"status": "confirmed"}
		}},
		"PATCH /api/orders/:id/items/:item_id": {secRoles(200, "admin", "chef"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			var o store.Order // staff orders start confirmed: in the kitchen
			f.ts.must(t, 201, "POST", "/api/orders", f.ts.waiter, map[string]any{"table_id": f.tableA, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1}}}, &o)
			return fmt.Sprintf("/api/orders/%d/items/%d", o.ID, o.Items[0].ID), map[string]any{"done": true}
		}},
		"POST /api/orders/:id/cancel": {secRoles(200, "admin", "waiter", "customer"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/orders/%d/cancel", f.pendingOrder(t).ID), map[string]any{"reason": "changed our minds"}
		}},

		"POST /api/orders/:id/fire": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			o := f.staffOrder(t, f.tableA)
			return fmt.Sprintf("/api/orders/%d/fire", o.ID), map[string]any{"course": 1}
		}},
		"POST /api/orders/:id/move": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			o := f.staffOrder(t, f.newTable(t))
			return fmt.Sprintf("/api/orders/%d/move", o.ID), map[string]any{"table_id": f.newTable(t)}
		}},
		"POST /api/orders/:id/items/:item_id/void": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			o := f.staffOrder(t, f.tableA)
			return fmt.Sprintf("/api/orders/%d/items/%d/void", o.ID, o.Items[0].ID), map[string]any{"reason": "Wrong order"}
		}},
		"POST /api/orders/:id/items/:item_id/comp": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			o := f.staffOrder(t, f.tableA)
			return fmt.Sprintf("/api/orders/%d/items/%d/comp", o.ID, o.Items[0].ID), map[string]any{"reason": "Regular guest"}
		}},
		"POST /api/tables/:id/discounts": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			tb := f.newTable(t)
			f.staffOrder(t, tb)
			return fmt.Sprintf("/api/tables/%d/discounts", tb), map[string]any{"percent_bp": 1000, "reason": "Regular guest"}
		}},
		"DELETE /api/tables/:id/discounts/:discount_id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			tb := f.newTable(t)
			f.staffOrder(t, tb)
			var b store.Bill
			f.ts.must(t, 201, "POST", fmt.Sprintf("/api/tables/%d/discounts", tb), f.ts.admin, map[string]any{"amount_cents": 100, "reason": "Long wait"}, &b)
			return fmt.Sprintf("/api/tables/%d/discounts/%d", tb, b.Discounts[0].ID), nil
		}},
		"POST /api/tables/:id/merge": {secRoles(200, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			tb := f.newTable(t)
			f.staffOrder(t, tb)
			return fmt.Sprintf("/api/tables/%d/merge", tb), map[string]any{"into_table_id": f.newTable(t)}
		}},
		"GET /api/audit": {secRoles(200, "admin"), secFixed("/api/audit?limit=5", nil)},

		"GET /api/terminals":  {secRoles(200, "admin"), secFixed("/api/terminals", nil)},
		"POST /api/terminals": {secRoles(201, "admin"), secFixed("/api/terminals", map[string]any{"name": "Bar terminal"})},
		"GET /api/terminals/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/terminals/%d", f.newTerminal(t).ID), nil
		}},
		"DELETE /api/terminals/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/terminals/%d", f.newTerminal(t).ID), nil
		}},
		"POST /api/terminals/enroll": {secAll(200), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/terminals/enroll", map[string]any{"code": f.newTerminal(t).Code}
		}},
		// A bearer token is no terminal: without X-Terminal a PIN or a
		// lock is refused whoever asks (the terminal tests cover the rest).
		"POST /api/auth/pin":  {secAll(401), secFixed("/api/auth/pin", map[string]any{"pin": "1234"})},
		"POST /api/auth/lock": {secAll(401), secFixed("/api/auth/lock", nil)},

		"POST /api/payments": {secRoles(201, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/payments", map[string]any{"table_id": f.payTo, "method": "card", "amount_cents": 100}
		}},
		"GET /api/payments":      {secRoles(200, "admin"), secFixed("/api/payments", nil)},
		"GET /api/reports/daily": {secRoles(200, "admin"), secFixed("/api/reports/daily", nil)},

		"GET /api/printers":        {secRoles(200, "admin"), secFixed("/api/printers", nil)},
		"GET /api/printers/status": {staff200, secFixed("/api/printers/status", nil)},
		"POST /api/printers": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/printers", map[string]any{"name": fmt.Sprintf("P%d", f.seq()), "address": "127.0.0.1:9", "kind": "receipt"}
		}},
		"PATCH /api/printers/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/printers/%d", f.newPrinter(t)), map[string]any{"width_chars": 32}
		}},
		"DELETE /api/printers/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/printers/%d", f.newPrinter(t)), nil
		}},
		"POST /api/printers/:id/test": {secRoles(202, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/printers/%d/test", f.newPrinter(t)), nil
		}},
		"POST /api/tables/:id/bill/print": {secRoles(202, "admin", "waiter"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			f.newPrinter(t)
			f.pendingOrder(t)
			return fmt.Sprintf("/api/tables/%d/bill/print", f.tableA), nil
		}},
		"POST /api/orders/:id/tickets/print": {secRoles(202, "admin", "waiter", "chef"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			id := f.newPrinter(t)
			f.ts.must(t, 200, "PATCH", fmt.Sprintf("/api/printers/%d", id), f.ts.admin, map[string]any{"kind": "kitchen"}, nil)
			var o store.Order
			f.ts.must(t, 201, "POST", "/api/orders", f.ts.admin, map[string]any{"table_id": f.tableB, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1}}}, &o)
			return fmt.Sprintf("/api/orders/%d/tickets/print", o.ID), nil
		}},

		// /ws is checked over a real WebSocket by wsMatrix; 101 means the
		// role got ready, 401 a close with 4401.
		"GET /ws": {func() map[string]int { m := secAll(101); m["anon"] = 401; return m }(), secFixed("/ws", nil)},

		// /socket.io/: the Engine.IO handshake is open to everyone, the
		// token comes in the Socket.IO connect inside it (refusals there
		// are TestSocketIORules'); a POST needs a session first.
		"GET /socket.io/":  {secAll(200), secFixed("/socket.io/?EIO=4&transport=polling", nil)},
		"GET /socket.io":   {secAll(200), secFixed("/socket.io?EIO=4&transport=polling", nil)},
		"POST /socket.io/": {secAll(400), secFixed("/socket.io/?EIO=4&transport=polling", nil)},
		"POST /socket.io":  {secAll(400), secFixed("/socket.io?EIO=4&transport=polling", nil)},

		"GET /api/menu/modifier-groups": {staff200, secFixed("/api/menu/modifier-groups", nil)},
		"POST /api/menu/modifier-groups": {secRoles(201, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return "/api/menu/modifier-groups", secGroupBody(f)
		}},
		"PATCH /api/menu/modifier-groups/:id": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			g := f.newGroup(t)
			return fmt.Sprintf("/api/menu/modifier-groups/%d", g.ID), map[string]any{"name": fmt.Sprintf("R%d", f.seq())}
		}},
		"DELETE /api/menu/modifier-groups/:id": {secRoles(204, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/modifier-groups/%d", f.newGroup(t).ID), nil
		}},
		"PATCH /api/menu/modifier-options/:id/availability": {secRoles(200, "admin", "chef"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/modifier-options/%d/availability", f.newGroup(t).Options[0].ID), map[string]any{"available": false}
		}},
		// The matrix sends JSON; an admin gets past the role check to the
		// content check (415). Real images are covered by the image tests.
		"PUT /api/menu/items/:id/image": {secRoles(415, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/items/%d/image", f.item), nil
		}},
		"DELETE /api/menu/items/:id/image": {secRoles(200, "admin"), func(t *testing.T, f *secFixture, _ string) (string, any) {
			return fmt.Sprintf("/api/menu/items/%d/image", f.item), nil
		}},
		"GET /images/:name": {secAll(404), secFixed("/images/0000000000000000.jpg", nil)},

		// A test build carries no release key, so an admin's upload is
		// refused as a conflict before anything is read.
		"GET /api/system/upgrade":  {secRoles(200, "admin"), secFixed("/api/system/upgrade", nil)},
		"POST /api/system/upgrade": {secRoles(409, "admin"), secFixed("/api/system/upgrade", nil)},

		"GET /":                       {secAll(200), secFixed("/", nil)},
		"GET /staff/*":                {secAll(200), secFixed("/staff/index.html", nil)},
		"GET /kds":                    {secAll(200), secFixed("/kds", nil)},
		"GET /kds/*":                  {secAll(200), secFixed("/kds/", nil)},
		"GET /t":                      {secAll(200), secFixed("/t", nil)}, // redirected to /t/, which the client follows
		"GET /t/":                     {secAll(200), secFixed("/t/", nil)},
		"GET /t/manifest.webmanifest": {secAll(200), secFixed("/t/manifest.webmanifest", nil)},
		"GET /t/*":                    {secAll(200), secFixed("/t/index.html", nil)},
		"GET /lib/*":                  {secAll(200), secFixed("/lib/api.js", nil)},
	}
}

// staffOrder places an order on table as a waiter (so it is confirmed),
// its one line in course 1.
func (f *secFixture) staffOrder(t *testing.T, table int64) store.Order {
	t.Helper()
	var o store.Order
	f.ts.must(t, 201, "POST", "/api/orders", f.ts.waiter, map[string]any{"table_id": table, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1, "course": 1}}}, &o)
	return o
}

func (f *secFixture) newTerminal(t *testing.T) store.TerminalEnrollment {
	t.Helper()
	var e store.TerminalEnrollment
	f.ts.must(t, 201, "POST", "/api/terminals", f.ts.admin, map[string]any{"name": fmt.Sprintf("T%d", f.seq())}, &e)
	return e
}

func (f *secFixture) newItem(t *testing.T) int64 {
	t.Helper()
	it, err := f.ts.store.Item(t.Context(), f.item)
	if err != nil {
		t.Fatalf("Item() err = %v", err)
	}
	var out store.Item
	f.ts.must(t, 201, "POST", "/api/menu/items", f.ts.admin, map[string]any{"category_id": it.CategoryID, "name": fmt.Sprintf("I%d", f.seq()), "price_cents": 500}, &out)
	return out.ID
}

// TestSecurityRoleMatrix calls every route of the route table as every
// role and checks the status against the matrix. Routes come from echo's
// own list, so a route added to routes.go without an expectation here
// fails the test.
func TestSecurityRoleMatrix(t *testing.T) {
	ts := newTestServerWith(t, testOptions{tweak: withTestTLS(t)})
	tableA, itemID, _ := ts.seedMenu(t)
	f := &secFixture{ts: ts, tableA: tableA, item: itemID}
	f.tableB = f.newTable(t)
	f.pairTable = f.newTable(t)
	f.payTo = f.newTable(t)
	var big store.Order
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": f.payTo, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 50}}}, &big)
	f.tokens = map[string]string{"anon": "", "admin": ts.admin, "waiter": ts.waiter, "chef": ts.chef,
		"customer": ts.pair(t, f.tableA), "other": ts.pair(t, f.tableB)}

	matrix := roleMatrix()
	seen := map[string]bool{}
	var keys []string
	for _, r := range ts.srv.echo.Routes() {
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if _, ok := matrix[key]; !ok {
			t.Errorf("route %s has no expectation in roleMatrix: say which roles may call it", key)
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("roleMatrix names %s, which routes.go does not register", key)
		}
	}

	for _, key := range keys {
		rc, ok := matrix[key]
		if !ok {
			continue
		}
		method := strings.SplitN(key, " ", 2)[0]
		for _, role := range roleMatrixRoles {
			want, ok := rc.want[role]
			if !ok {
				want = http.StatusForbidden
				if role == "anon" {
					want = http.StatusUnauthorized
				}
			}
			if key == "GET /ws" {
				if got := wsMatrix(t, ts, f, role); got != want {
					t.Errorf("GET /ws as %s = %d; want %d", role, got, want)
				}
				continue
			}
			path, body := rc.call(t, f, role)
			r := ts.do(t, method, path, f.tokens[role], body)
			if r.status != want {
				t.Errorf("%s as %s: %s %s = %d (%.200s); want %d", key, role, method, path, r.status, r.body, want)
			}
			if role == "other" && strings.Contains(path, "/api/") && r.status < 300 && strings.Contains(string(r.body), fmt.Sprintf(`"table_id":%d`, f.tableA)) {
				t.Errorf("%s as the iPad of another table got table %d's data: %.300s", key, f.tableA, r.body)
			}
		}
	}
}

// wsMatrix opens /ws as role: 101 when it gets ready with its own role,
// 401 when it is closed with 4401. A table's iPad must be refused the
// rooms of staff and of every other table.
func wsMatrix(t *testing.T, ts *testServer, f *secFixture, role string) int {
	t.Helper()
	wc := dialWS(t, &wsBox{testServer: ts}, nil)
	if role == "anon" {
		wc.send("auth", map[string]string{"token": ""})
		if code := wc.closeCode(5 * time.Second); code != 4401 {
			t.Errorf("/ws auth without a token: close %d; want 4401", code)
			return 0
		}
		return 401
	}
	ready := wc.auth(f.tokens[role])
	var d struct{ Role string }
	json.Unmarshal(ready.Data, &d)
	wantRole := role
	if role == "other" {
		wantRole = "customer"
	}
	if d.Role != wantRole {
		t.Errorf("/ws as %s: ready %s; want role %s", role, ready.Data, wantRole)
		return 0
	}
	if role != "customer" && role != "other" {
		return 101
	}
	own, foreign := f.tableA, f.tableB
	if role == "other" {
		own, foreign = f.tableB, f.tableA
	}
	subs := []struct {
		event string
		data  map[string]any
		want  string
	}{
		{"subscribe:table", map[string]any{"table_id": own}, "ack"},
		{"subscribe:table", map[string]any{"table_id": foreign}, "error"},
		{"subscribe:table", map[string]any{"table_id": f.payTo, "since": 0}, "error"},
		{"subscribe:orders", nil, "error"},
		{"subscribe:tables", nil, "error"},
		{"subscribe:kds", map[string]any{"since": 0}, "error"},
		{"subscribe:menu", nil, "ack"},
	}
	for _, sub := range subs {
		id := wc.send(sub.event, sub.data)
		if fr := wc.expect(sub.want); fr.ID != id {
			t.Errorf("/ws as %s %s %v: reply to %d; want to %d", role, sub.event, sub.data, fr.ID, id)
		}
	}
	// An order at the foreign table must not reach this iPad.
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": foreign, "items": []map[string]any{{"menu_item_id": f.item, "quantity": 1}}}, &o)
	for {
		fr, ok := wc.next(300 * time.Millisecond)
		if !ok {
			break
		}
		if strings.Contains(string(fr.Data), fmt.Sprintf(`"table_id":%d`, foreign)) {
			t.Errorf("/ws as %s received %s of table %d: %s", role, fr.Event, foreign, fr.Data)
		}
	}
	return 101
}

// TestSecurityWSOriginAndHost adds hostile variants to TestWSOriginAndHost:
// the upgrade is refused (403) for an opaque or look-alike origin, another
// port, a non-HTTP scheme, and a public host name (DNS rebinding).
func TestSecurityWSOriginAndHost(t *testing.T) {
	ts := newTestServer(t)
	hostport := strings.TrimPrefix(ts.URL, "http://")
	_, port, _ := strings.Cut(hostport, ":")
	other, _ := strconv.Atoi(port)
	cases := []struct{ host, origin string }{
		{"", "null"},
		{"", "http://" + hostport + ".evil.example"},
		{"", "http://evil.example/" + hostport},
		{"", fmt.Sprintf("http://127.0.0.1:%d", other+1)},
		{"", "ws://" + hostport},
		{"", "file://"},
		{"", "http://user@evil.example"},
		{"rms.local.evil.example:" + port, "http://rms.local.evil.example:" + port},
		{"evil.example", ""},
		{"192.168.1.10.nip.io:" + port, "http://192.168.1.10.nip.io:" + port},
		{"", "http://localhost.evil.example:" + port},
	}
	for _, c := range cases {
		if got := upgradeStatus(t, ts.URL, c.host, c.origin, ts.admin); got != http.StatusForbidden {
			t.Errorf("GET /ws host %q origin %q = %d; want 403", c.host, c.origin, got)
		}
	}
}

// TestSecurityOtherTable points a table's iPad at everything of another
// table: never a 2xx, and never that table's data.
func TestSecurityOtherTable(t *testing.T) {
	ts := newTestServer(t)
	tableA, itemID, _ := ts.seedMenu(t)
	var tb store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": "T2", "seats": 2}, &tb)
	tableB := tb.ID
	own, other := ts.pair(t, tableA), ts.pair(t, tableB)
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", own, map[string]any{"table_id": tableA, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 2}}}, &o)

	calls := []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/tables/%d", tableA), nil},
		{"GET", fmt.Sprintf("/api/tables/%d/bill", tableA), nil},
		{"POST", fmt.Sprintf("/api/tables/%d/requests", tableA), map[string]any{"kind": "bill"}},
		{"DELETE", fmt.Sprintf("/api/tables/%d/requests", tableA), nil},
		{"PATCH", fmt.Sprintf("/api/tables/%d/status", tableA), map[string]any{"status": "cleaning"}},
		{"POST", fmt.Sprintf("/api/tables/%d/pair", tableA), nil},
		{"GET", fmt.Sprintf("/api/tables/%d/pair.svg", tableA), nil},
		{"PATCH", fmt.Sprintf("/api/tables/%d", tableA), map[string]any{"name": "mine"}},
		{"DELETE", fmt.Sprintf("/api/tables/%d", tableA), nil},
		{"GET", fmt.Sprintf("/api/orders?table_id=%d", tableA), nil},
		{"GET", fmt.Sprintf("/api/orders/%d", o.ID), nil},
		{"POST", "/api/orders", map[string]any{"table_id": tableA, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 1}}}},
		{"POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), map[string]any{"reason": "x"}},
		{"PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]any{"status": "cancelled"}},
		{"PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]any{"status": "confirmed"}},
		{"PATCH", fmt.Sprintf("/api/orders/%d/items/%d", o.ID, o.Items[0].ID), map[string]any{"done": true}},
		{"POST", "/api/payments", map[string]any{"table_id": tableA, "method": "cash", "amount_cents": 1}},
		{"GET", "/api/tables", nil},
		{"GET", "/api/payments", nil},
	}
	for _, c := range calls {
		r := ts.do(t, c.method, c.path, other, c.body)
		if r.status < 400 || (r.status != http.StatusForbidden && r.status != http.StatusNotFound) {
			t.Errorf("iPad of table %d: %s %s = %d (%.200s); want 403 or 404", tableB, c.method, c.path, r.status, r.body)
		}
	}
	// Its own order list never shows another table's orders.
	var list []store.Order
	ts.must(t, 200, "GET", "/api/orders", other, nil, &list)
	for _, x := range list {
		if x.TableID != tableB {
			t.Errorf("iPad of table %d listed order %d of table %d", tableB, x.ID, x.TableID)
		}
	}
	// Nothing of table A changed.
	got, err := ts.store.Order(t.Context(), o.ID)
	if err != nil || got.Status != store.StatusPending || got.Items[0].Done {
		t.Errorf("order %d after the other iPad's attempts = %+v, %v; want it pending and untouched", o.ID, got, err)
	}
	bill, err := ts.store.Bill(t.Context(), tableA)
	if err != nil || bill.PaidCents != 0 || len(bill.Orders) != 1 {
		t.Errorf("table %d bill = %+v, %v; want one order, nothing paid", tableA, bill, err)
	}
}

// TestSecurityBruteForce: wrong passwords and wrong pairing codes hit 429
// with Retry-After, and the right password is refused too while blocked.
func TestSecurityBruteForce(t *testing.T) {
	ts := newTestServer(t)
	got429 := 0
	for i := 0; i < 15; i++ {
		r := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": fmt.Sprintf("guess%d", i)})
		switch {
		case i < 10 && r.status != http.StatusUnauthorized:
			t.Errorf("wrong password %d: status = %d; want 401", i+1, r.status)
		case i >= 10 && r.status != http.StatusTooManyRequests:
			t.Errorf("wrong password %d: status = %d; want 429", i+1, r.status)
		case r.status == http.StatusTooManyRequests:
			got429++
			if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 300 {
				t.Errorf("429 Retry-After = %q; want seconds in 1..300", r.header.Get("Retry-After"))
			}
			if r.errorCode() != "rate_limited" {
				t.Errorf("429 body = %s; want code rate_limited", r.body)
			}
		}
	}
	if r := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": "admin123"}); r.status != http.StatusTooManyRequests {
		t.Errorf("right password while blocked: status = %d; want 429 (else guessing goes on)", r.status)
	}
	// Spreading guesses over usernames still hits the per-client limit
	// (20): ten more failures, none of them reaching a username's limit.
	// Real usernames, because an unknown one costs a full-cost bcrypt.
	for i := 0; i < 10; i++ {
		user := []string{"ana", "marco"}[i%2]
		if r := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": user, "password": "x"}); r.status != http.StatusUnauthorized {
			t.Errorf("wrong password %d for %s: status = %d; want 401", i+1, user, r.status)
		}
	}
	if r := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "ana", "password": "waiter123"}); r.status != http.StatusTooManyRequests {
		t.Errorf("21st login from one client after 20 failures: status = %d; want 429", r.status)
	}

	pairBlocked := 0
	for i := 0; i < 14; i++ {
		r := ts.do(t, "POST", "/api/pair", "", map[string]string{"code": fmt.Sprintf("%06d", 100000+i)})
		if r.status == http.StatusTooManyRequests {
			pairBlocked++
		} else if r.status != http.StatusNotFound {
			t.Errorf("wrong pairing code %d: status = %d (%s); want 404 or 429", i+1, r.status, r.body)
		}
	}
	if pairBlocked < 4 {
		t.Errorf("14 wrong pairing codes: %d were 429; want the last 4", pairBlocked)
	}
}

// TestSecurityPasswords checks that passwords are stored as bcrypt hashes
// (read straight from the database file, not through the store's own
// code) and that no answer about users ever carries one.
func TestSecurityPasswords(t *testing.T) {
	ts := newTestServer(t)
	var responses [][]byte
	keep := func(r response) response { responses = append(responses, r.body); return r }

	r := keep(ts.do(t, "POST", "/api/users", ts.admin, map[string]any{"username": "lucia", "role": "waiter", "password": "lucia-secret-1"}))
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/users = %d %s", r.status, r.body)
	}
	var u store.User
	r.decode(t, &u)
	keep(ts.do(t, "GET", "/api/users", ts.admin, nil))
	keep(ts.do(t, "PATCH", fmt.Sprintf("/api/users/%d", u.ID), ts.admin, map[string]any{"password": "lucia-secret-2", "role": "chef"}))
	keep(ts.do(t, "PATCH", fmt.Sprintf("/api/users/%d", u.ID), ts.admin, map[string]any{"active": true}))
	keep(ts.do(t, "GET", "/api/users", ts.admin, nil))
	keep(ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "lucia", "password": "lucia-secret-2"}))
	keep(ts.do(t, "GET", "/api/auth/me", ts.admin, nil))
	keep(ts.do(t, "POST", "/api/users", ts.admin, map[string]any{"username": "lucia", "role": "waiter", "password": "dup-secret-1"}))
	keep(ts.do(t, "POST", "/api/users", ts.admin, map[string]any{"username": "x", "role": "waiter", "password": "1"}))
	for _, body := range responses {
		low := strings.ToLower(string(body))
		for _, bad := range []string{"password", "$2a$", "$2b$", "$2y$", "hash", "lucia-secret", "dup-secret"} {
			if strings.Contains(low, bad) && !strings.Contains(low, `"fields"`) {
				t.Errorf("a /api/users answer contains %q: %s", bad, body)
			}
		}
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.dir, "rms.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM users")
	if err != nil {
		t.Fatalf("read users: %v", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		hashes := 0
		for i, c := range cols {
			var s string
			switch v := vals[i].(type) {
			case string:
				s = v
			case []byte:
				s = string(v)
			}
			row[c] = s
			if strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") {
				hashes++
			}
			for _, plain := range []string{"admin123", "waiter123", "chef123", "lucia-secret-1", "lucia-secret-2"} {
				if strings.Contains(s, plain) {
					t.Errorf("users.%s of %q holds the password %q in the clear", c, row["username"], plain)
				}
			}
		}
		if hashes != 1 {
			t.Errorf("user row %v: %d bcrypt hashes; want exactly 1", row["username"], hashes)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("read %d user rows; want 4", n)
	}
}

// TestSecurityHeaders: pages allow only the box's own scripts and
// WebSockets to the box itself, and never run inside a frame; every
// answer forbids MIME sniffing and keeps the referrer in the box.
func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	host := strings.TrimPrefix(ts.URL, "http://")
	for _, path := range []string{"/", "/kds", "/kds/", "/t/", "/staff/index.html", "/t/index.html"} {
		r := ts.do(t, "GET", path, "", nil)
		if r.status != 200 {
			t.Errorf("GET %s = %d", path, r.status)
			continue
		}
		csp := r.header.Get("Content-Security-Policy")
		directives := map[string][]string{}
		for _, d := range strings.Split(csp, ";") {
			f := strings.Fields(d)
			if len(f) > 0 {
				directives[f[0]] = f[1:]
			}
		}
		has := func(dir, v string) bool {
			for _, x := range directives[dir] {
				if x == v {
					return true
				}
			}
			return false
		}
		script := directives["script-src"]
		if script == nil {
			script = directives["default-src"]
		}
		if len(script) != 1 || script[0] != "'self'" {
			t.Errorf("GET %s: script sources %v; want only 'self' (CSP %q)", path, script, csp)
		}
		if !has("connect-src", "ws://"+host) || !has("connect-src", "'self'") {
			t.Errorf("GET %s: connect-src %v; want 'self' and ws://%s", path, directives["connect-src"], host)
		}
		for _, src := range directives["connect-src"] {
			if src == "*" || src == "ws:" || src == "wss:" || src == "http:" || src == "https:" {
				t.Errorf("GET %s: connect-src allows %q, any host", path, src)
			}
		}
		if !has("frame-ancestors", "'none'") {
			t.Errorf("GET %s: frame-ancestors %v; want 'none'", path, directives["frame-ancestors"])
		}
		if !has("object-src", "'none'") {
			t.Errorf("GET %s: object-src %v; want 'none'", path, directives["object-src"])
		}
		if got := r.header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s: X-Frame-Options = %q; want DENY", path, got)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q; want nosniff", path, got)
		}
		if got := r.header.Get("Referrer-Policy"); got == "" || got == "unsafe-url" {
			t.Errorf("GET %s: Referrer-Policy = %q; want one that keeps URLs in the box", path, got)
		}
	}
	for _, path := range []string{"/api/settings", "/lib/api.js", "/api/nope"} {
		r := ts.do(t, "GET", path, ts.admin, nil)
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q; want nosniff", path, got)
		}
	}
	if r := ts.do(t, "GET", "/api/settings", ts.admin, nil); !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
		t.Errorf("GET /api/settings Cache-Control = %q; want no-store (answers carry tokens and bills)", r.header.Get("Cache-Control"))
	}
}

func secGroupBody(f *secFixture) map[string]any {
	return map[string]any{"name": fmt.Sprintf("G%d", f.seq()), "min": 0, "max": 1,
		"options": []map[string]any{{"name": "Oat milk", "price_delta_cents": 40}}}
}

// newGroup creates a modifier group with one option, as the admin.
func (f *secFixture) newGroup(t *testing.T) store.ModifierGroup {
	t.Helper()
	var g store.ModifierGroup
	f.ts.must(t, 201, "POST", "/api/menu/modifier-groups", f.ts.admin, secGroupBody(f), &g)
	return g
}

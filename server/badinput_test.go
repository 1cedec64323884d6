package server

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"testing"
)

// fingerprint is everything a client can read, so that a refused request
// can be shown to have changed nothing.
func (ts *testServer) fingerprint(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/api/menu", "/api/tables", "/api/orders", "/api/users", "/api/settings", "/api/payments", "/api/tables/1/bill"} {
		r := ts.must(t, 200, "GET", p, ts.admin, nil, nil)
		b.Write(r.body)
	}
	return b.String()
}

// TestBadInput sends every endpoint that takes a body malformed JSON, wrong
// types, unknown fields, trailing data, no body, deep nesting and a body
// over 1 MiB: each is a 4xx in the envelope (never a 5xx, never HTML) and
// nothing changes.
func TestBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	o := ts.order(t, ts.waiter, tableID, itemID, 1)
	endpoints := []struct {
		method, path string
		wrongType    string // a body with a field of the wrong type
	}{
		{"POST", "/api/auth/login", `{"username":"admin","password":123}`},
		{"POST", "/api/users", `{"username":"x","role":"waiter","password":["secret1"]}`},
		{"PATCH", "/api/users/2", `{"active":"no"}`},
		{"PATCH", "/api/settings", `{"tax_rate_bp":"20%"}`},
		{"POST", "/api/menu/categories", `{"name":{"en":"Mains"}}`},
		{"PATCH", "/api/menu/categories/1", `{"position":1.5}`},
		{"POST", "/api/menu/items", `{"category_id":1,"name":"X","price_cents":12.50}`},
		{"PATCH", fmt.Sprintf("/api/menu/items/%d", itemID), `{"allergens":"gluten"}`},
		{"PATCH", fmt.Sprintf("/api/menu/items/%d/availability", itemID), `{"available":1}`},
		{"POST", "/api/tables", `{"name":"X","seats":"4"}`},
		{"PATCH", fmt.Sprintf("/api/tables/%d", tableID), `{"seats":1e30}`},
		{"PATCH", fmt.Sprintf("/api/tables/%d/status", tableID), `{"status":true}`},
		{"POST", fmt.Sprintf("/api/tables/%d/requests", tableID), `{"kind":null,"x":1}`},
		{"POST", "/api/pair", `{"code":123456}`},
		{"POST", "/api/orders", fmt.Sprintf(`{"table_id":%d,"items":{"menu_item_id":%d,"quantity":1}}`, tableID, itemID)},
		{"PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), `{"status":["served"]}`},
		{"PATCH", fmt.Sprintf("/api/orders/%d/items/%d", o.ID, o.Items[0].ID), `{"done":"true"}`},
		{"POST", fmt.Sprintf("/api/orders/%d/cancel", o.ID), `{"reason":42}`},
		{"POST", "/api/payments", fmt.Sprintf(`{"table_id":%d,"method":"cash","amount_cents":"100"}`, tableID)},
	}
	huge := `{"name":"` + strings.Repeat("x", MaxBodyBytes+10) + `"}`
	deep := `{"name":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	bodies := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"malformed", `{"name":`, 400, "bad_request"},
		{"not JSON", `name=x`, 400, "bad_request"},
		{"an array", `[]`, 400, "bad_request"},
		{"a string", `"x"`, 400, "bad_request"},
		{"unknown field", `{"bogus":1}`, 400, "bad_request"},
		{"two values", `{} {}`, 400, "bad_request"},
		{"trailing garbage", `{}x`, 400, "bad_request"},
		{"no body", ``, 400, "bad_request"},
		{"deep nesting", deep, 400, "bad_request"},
		{"over 1 MiB", huge, 413, "too_large"},
	}
	before := ts.fingerprint(t)
	seq := ts.lastSeq(t)
	for _, ep := range endpoints {
		token := ts.admin
		if strings.Contains(ep.path, "/items/") && strings.HasPrefix(ep.path, "/api/orders") {
			token = ts.chef
		}
		cases := append(bodies, struct {
			name   string
			body   string
			status int
			code   string
		}{"wrong type", ep.wrongType, 400, "bad_request"})
		for _, c := range cases {
			what := fmt.Sprintf("%s %s with %s", ep.method, ep.path, c.name)
			r := ts.do(t, ep.method, ep.path, token, c.body)
			expectError(t, what, r, c.status, c.code)
		}
	}
	expectNoEvents(t, ts, "bad input", seq)
	if after := ts.fingerprint(t); after != before {
		t.Errorf("bad input changed what the API shows:\nbefore %s\nafter  %s", before, after)
	}
}

// TestNeverHTMLUnderAPI: unknown paths, wrong methods and bad ids under
// /api answer in the JSON envelope too.
func TestNeverHTMLUnderAPI(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/nothing", 404, "not_found"},
		{"GET", "/api/", 404, "not_found"},
		{"GET", "/api", 404, "not_found"},
		{"HEAD", "/api/nothing", 404, ""},
		{"POST", "/api/orders/1/explode", 404, "not_found"},
		{"PUT", "/api/orders", 405, "method_not_allowed"},
		{"DELETE", "/api/settings", 405, "method_not_allowed"},
		{"GET", "/api/orders/abc", 404, "not_found"},
		{"GET", "/api/orders/-1", 404, "not_found"},
		{"GET", "/api/orders/0", 404, "not_found"},
		{"GET", "/api/orders/99999999999999999999999", 404, "not_found"},
		{"GET", "/api/tables/1e3", 404, "not_found"},
		{"GET", "/api/tables/%00", 404, "not_found"},
	}
	for _, tt := range tests {
		r := ts.do(t, tt.method, tt.path, ts.admin, nil)
		if tt.method == "HEAD" {
			if r.status != tt.status || len(r.body) != 0 {
				t.Errorf("HEAD %s = %d %q; want %d without a body", tt.path, r.status, r.body, tt.status)
			}
			continue
		}
		expectError(t, tt.method+" "+tt.path, r, tt.status, tt.code)
		if bytes.Contains(bytes.ToLower(r.body), []byte("<html")) {
			t.Errorf("%s %s = %s; want no HTML", tt.method, tt.path, r.body)
		}
	}
	// The envelope also reaches clients that sent no token.
	r := ts.do(t, "GET", "/api/nothing", "", nil)
	if ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); r.status >= 500 || ct != "application/json" {
		t.Errorf("GET /api/nothing without a token = %d %s; want a JSON 4xx", r.status, ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control under /api = %q; want no-store", cc)
	}
}

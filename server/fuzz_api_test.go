package server

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"
	"testing"

	"rms/store"
)

// FuzzAPIBodies sends arbitrary bodies, as the admin, to every route of
// the route table that takes a JSON body (POST and PATCH under /api),
// through the whole stack: decoding, validation, the store. Whatever the
// body, the answer is never a 500 and always JSON; an error always has the
// contract's envelope. FuzzDecodeJSON covers the decoders alone and
// FuzzOrderCreate the orders route; this one reaches every other handler.
func FuzzAPIBodies(f *testing.F) {
	ts := newTestServer(f)
	tableID, itemID, _ := ts.seedMenu(f)
	var waiter store.User
	ts.must(f, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "fuzzed", "role": "waiter", "password": "fuzzed-pass-1"}, &waiter)
	var order store.Order
	ts.must(f, 201, "POST", "/api/orders", ts.admin, map[string]any{"table_id": tableID, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 1}}}, &order)
	var group store.ModifierGroup
	ts.must(f, 201, "POST", "/api/menu/modifier-groups", ts.admin, map[string]any{"name": "Doneness", "options": []map[string]any{{"name": "Rare"}}}, &group)
	var printer store.Printer
	ts.must(f, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Pass", "address": "127.0.0.1:9", "kind": "kitchen"}, &printer)
	it, err := ts.store.Item(f.Context(), itemID)
	if err != nil {
		f.Fatal(err)
	}

	// The routes come from echo's table, so a new one is fuzzed too. The
	// user to change is a waiter: fuzzing the admin could lock it out.
	ids := map[string]string{
		"/api/users/:id":                              fmt.Sprint(waiter.ID),
		"/api/menu/categories/:id":                    fmt.Sprint(it.CategoryID),
		"/api/menu/items/:id":                         fmt.Sprint(itemID),
		"/api/menu/items/:id/availability":            fmt.Sprint(itemID),
		"/api/menu/modifier-groups/:id":               fmt.Sprint(group.ID),
		"/api/menu/modifier-options/:id/availability": fmt.Sprint(group.Options[0].ID),
		"/api/tables/:id":                             fmt.Sprint(tableID),
		"/api/tables/:id/status":                      fmt.Sprint(tableID),
		"/api/tables/:id/pair":                        fmt.Sprint(tableID),
		"/api/tables/:id/requests":                    fmt.Sprint(tableID),
		"/api/orders/:id/status":                      fmt.Sprint(order.ID),
		"/api/orders/:id/cancel":                      fmt.Sprint(order.ID),
		"/api/orders/:id/items/:item_id":              fmt.Sprint(order.ID),
		"/api/orders/:id/items/:item_id#items":        fmt.Sprint(order.Items[0].ID),
		"/api/orders/:id/fire":                        fmt.Sprint(order.ID),
		"/api/orders/:id/move":                        fmt.Sprint(order.ID),
		"/api/orders/:id/items/:item_id/void":         fmt.Sprint(order.ID),
		"/api/orders/:id/items/:item_id/void#items":   fmt.Sprint(order.Items[0].ID),
		"/api/orders/:id/items/:item_id/comp":         fmt.Sprint(order.ID),
		"/api/orders/:id/items/:item_id/comp#items":   fmt.Sprint(order.Items[0].ID),
		"/api/tables/:id/discounts":                   fmt.Sprint(tableID),
		"/api/tables/:id/merge":                       fmt.Sprint(tableID),
		"/api/orders/:id/tickets/print":               fmt.Sprint(order.ID),
		"/api/tables/:id/bill/print":                  fmt.Sprint(tableID),
		"/api/printers/:id":                           fmt.Sprint(printer.ID),
		"/api/printers/:id/test":                      fmt.Sprint(printer.ID),
	}
	type route struct{ method, pattern, path string }
	var routes []route
	for _, r := range ts.srv.echo.Routes() {
		if (r.Method != http.MethodPost && r.Method != http.MethodPatch) || !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		path := r.Path
		if strings.Contains(path, ":id") {
			id, ok := ids[r.Path]
			if !ok {
				f.Fatalf("route %s %s: say which id FuzzAPIBodies should use", r.Method, r.Path)
			}
			path = strings.Replace(path, ":id", id, 1)
		}
		if strings.Contains(path, ":item_id") {
			path = strings.Replace(path, ":item_id", ids[r.Path+"#items"], 1)
		}
		routes = append(routes, route{r.Method, r.Path, path})
	}
	if len(routes) < 20 {
		f.Fatalf("found %d POST and PATCH routes under /api; the route table has more", len(routes))
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].method+routes[i].pattern < routes[j].method+routes[j].pattern })

	for i := range routes {
		for _, seed := range []string{`{}`, `null`, `[]`, `{"name":"x","seats":2,"price_cents":-1}`,
			`{"status":"ready","available":true,"done":true,"kind":"bill"}`, `{"username":"a","password":"b","role":"admin"}`,
			`{"table_id":1,"method":"card","amount_cents":100,"tip_cents":0}`, `{"restaurant_name":"","currency":"XXX","tax_rate_bp":100001}`,
			`{"category_id":1,"name":"` + strings.Repeat("é", 300) + `","allergens":[null]}`} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := routes[int(which)%len(routes)]
		resp := ts.do(t, r.method, r.path, ts.admin, body)
		what := fmt.Sprintf("%s %s with %q", r.method, r.pattern, body)
		if resp.status >= 500 {
			t.Fatalf("%s = %d %s; want no 5xx for anything a client sends", what, resp.status, resp.body)
		}
		if resp.status == http.StatusNoContent {
			return
		}
		if ct, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type")); ct != "application/json" {
			t.Fatalf("%s = %d with Content-Type %q; want application/json", what, resp.status, resp.header.Get("Content-Type"))
		}
		if !json.Valid(resp.body) {
			t.Fatalf("%s = %d with a body that is not JSON: %q", what, resp.status, resp.body)
		}
		if resp.status >= 400 {
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(resp.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s = %d %s; want the error envelope", what, resp.status, resp.body)
			}
		}
	})
}

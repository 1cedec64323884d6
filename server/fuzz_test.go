package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"testing"

	"rms/store"
)

// requestTypes are the types the handlers decode request bodies into.
func requestTypes() []any {
	return []any{
		&store.NewOrder{}, &store.NewPayment{}, &store.ItemInput{}, &store.CategoryInput{}, &store.TableInput{},
		&store.NewUser{}, &store.UserPatch{}, &store.SettingsPatch{}, &store.ModifierGroupInput{},
		&loginRequest{}, &pairRequest{}, &statusRequest{}, &doneRequest{}, &cancelRequest{}, &requestRequest{}, &availabilityRequest{},
	}
}

// fuzzSeeds are bodies that reach the decoder's interesting paths.
var fuzzSeeds = []string{
	`{"table_id":1,"items":[{"menu_item_id":1,"quantity":2,"notes":"no basil"}],"notes":""}`,
	`{"table_id":1,"method":"cash","amount_cents":1000,"tip_cents":100}`,
	`{"category_id":1,"name":"Lasagne","price_cents":1250,"allergens":["gluten"],"station":"kitchen","available":true,"position":2}`,
	`{"name":"T1","seats":4,"section":"Terrace"}`,
	`{"username":"ana","role":"waiter","password":"waiter123","active":false}`,
	`{"restaurant_name":"R","currency":"EUR","tax_rate_bp":2000,"prices_include_tax":true,"auto_confirm_orders":false,"timezone":"Europe/Rome"}`,
	`{"name":"Doneness","min":1,"max":1,"options":[{"name":"Rare","price_delta_cents":0,"default":true,"translations":{"de":{"name":"Blutig"}}}]}`,
	`{"table_id":1,"items":[{"menu_item_id":1,"quantity":1,"modifiers":[{"option_id":1},{"option_id":2}]}]}`,
	`{"hours":[{"days":[1,7],"from":"18:00","to":"02:00"}],"translations":{"it":{"name":"Griglia"}}}`,
	`{"code":"123456"}`, `{"status":"served"}`, `{"done":true}`, `{"reason":"x"}`, `{"kind":"bill"}`, `{"available":null}`,
	`{}`, `null`, `[]`, `""`, `0`, `{"table_id":1e3}`, `{"table_id":-0}`, `{"table_id":9223372036854775808}`,
	`{"notes":"\u0000\ud800"}`, "{\"name\":\"\xff\xfe\"}", `{"items":[null]}`, `{"allergens":null}`, `{"a":1}`, `{} {}`, `{"name":"x"`,
}

// FuzzDecodeJSON feeds any body to decodeJSON for every request type: it
// never panics, refuses with a 400 in the envelope, and whatever it accepts
// encodes again and decodes to the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range requestTypes() {
			err := decodeJSON(bytes.NewReader(body), v)
			if err != nil {
				ae, ok := toAPIError(err)
				if !ok || ae.Status != http.StatusBadRequest || ae.Code != "bad_request" || ae.Message == "" {
					t.Fatalf("decodeJSON(%q) into %T err = %v (%+v); want a 400 bad_request", body, v, err, ae)
				}
				continue
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal(%+v) of accepted %q err = %v", v, body, err)
			}
			w := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := decodeJSON(bytes.NewReader(again), w); err != nil {
				t.Fatalf("decodeJSON(%s) of re-encoded %T err = %v; want nil", again, v, err)
			}
			if !reflect.DeepEqual(v, w) {
				t.Fatalf("decodeJSON of %q into %T = %+v; re-encoded as %s it decodes to %+v", body, v, v, again, w)
			}
		}
	})
}

// FuzzOrderCreate sends any body to POST /api/orders on a real box: the
// answer is a 201 with an order priced from the menu, or a 4xx in the
// envelope; never a 5xx.
func FuzzOrderCreate(f *testing.F) {
	ts := newTestServer(f)
	tableID, itemID, barID := ts.seedMenu(f)
	prices := map[int64]int64{itemID: 1250, barID: 800}
	for _, s := range []string{
		fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":2,"notes":"hot"}],"notes":"x"}`, tableID, itemID),
		fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":99},{"menu_item_id":%d,"quantity":1}]}`, tableID, itemID, barID),
		fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":0}]}`, tableID, itemID),
		fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":-1}]}`, tableID, barID),
		fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":99,"quantity":1}]}`, tableID),
		fmt.Sprintf(`{"table_id":%d,"items":[]}`, tableID),
		`{"table_id":2,"items":[{"menu_item_id":1,"quantity":1}]}`,
		`{"table_id":1,"items":[{"menu_item_id":1,"quantity":1e2}]}`,
		`{"table_id":1,"items":[{"menu_item_id":1,"quantity":1,"notes":"\u0000"}]}`,
		`{"table_id":1,"items":[{"menu_item_id":1,"quantity":1,"extra":true}]}`,
		`{"table_id":"1"}`, `{}`, `null`, `[]`, ``, `{"table_id":1,"items":[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := ts.do(t, "POST", "/api/orders", ts.waiter, body)
		if r.status >= 500 {
			t.Fatalf("POST /api/orders %q status = %d (%s); want no 5xx", body, r.status, r.body)
		}
		if ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); ct != "application/json" {
			t.Fatalf("POST /api/orders %q Content-Type = %q; want application/json", body, ct)
		}
		if r.status != http.StatusCreated {
			var e envelope
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("POST /api/orders %q = %d %s; want the error envelope", body, r.status, r.body)
			}
			switch r.status {
			case 400, 409, 413:
			case 422:
				if len(e.Error.Fields) == 0 {
					t.Fatalf("POST /api/orders %q = 422 %s; want fields named", body, r.body)
				}
			default:
				t.Fatalf("POST /api/orders %q status = %d; want 201, 400, 409, 413 or 422", body, r.status)
			}
			return
		}
		var o store.Order
		if err := json.Unmarshal(r.body, &o); err != nil {
			t.Fatalf("201 body %s: %v", r.body, err)
		}
		var sum int64
		for _, it := range o.Items {
			if it.Quantity < 1 || it.Quantity > store.MaxLineQuantity || it.UnitPriceCents != prices[it.MenuItemID] {
				t.Fatalf("POST /api/orders %q made line %+v; want a quantity of 1 to 99 at the menu price", body, it)
			}
			sum += it.Quantity * it.UnitPriceCents
		}
		if o.TableID != tableID || len(o.Items) == 0 || len(o.Items) > store.MaxOrderLines || o.SubtotalCents != sum || o.Status != "confirmed" {
			t.Fatalf("POST /api/orders %q = %+v; want a confirmed order of table %d with 1 to 100 lines worth %d", body, o, tableID, sum)
		}
	})
}

// fuzzEndpoints are the routes that take a body, for FuzzAPI.
var fuzzEndpoints = []struct{ method, path string }{
	{"POST", "/api/auth/login"}, {"POST", "/api/users"}, {"PATCH", "/api/users/2"}, {"PATCH", "/api/settings"},
	{"POST", "/api/menu/categories"}, {"PATCH", "/api/menu/categories/1"}, {"POST", "/api/menu/items"},
	{"PATCH", "/api/menu/items/1"}, {"PATCH", "/api/menu/items/1/availability"}, {"POST", "/api/tables"},
	{"PATCH", "/api/tables/1"}, {"PATCH", "/api/tables/1/status"}, {"POST", "/api/tables/1/requests"},
	{"POST", "/api/pair"}, {"POST", "/api/orders"}, {"PATCH", "/api/orders/1/status"}, {"PATCH", "/api/orders/1/items/1"},
	{"POST", "/api/orders/1/cancel"}, {"POST", "/api/payments"}, {"POST", "/api/menu/modifier-groups"},
	{"PATCH", "/api/menu/modifier-groups/1"}, {"PATCH", "/api/menu/modifier-options/1/availability"},
}

// FuzzAPI sends any body to any route that takes one, as the admin: the
// answer is never a 5xx and an error is always the envelope.
func FuzzAPI(f *testing.F) {
	ts := newTestServer(f)
	tableID, itemID, _ := ts.seedMenu(f)
	ts.order(f, ts.admin, tableID, itemID, 1)
	for i := range fuzzEndpoints {
		for _, s := range fuzzSeeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		ep := fuzzEndpoints[int(route)%len(fuzzEndpoints)]
		r := ts.do(t, ep.method, ep.path, ts.admin, body)
		if r.status >= 500 {
			t.Fatalf("%s %s %q status = %d (%s); want no 5xx", ep.method, ep.path, body, r.status, r.body)
		}
		if r.status >= 400 {
			var e envelope
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s %q = %d %s; want the error envelope", ep.method, ep.path, body, r.status, r.body)
			}
			if r.status == 422 && len(e.Error.Fields) == 0 {
				t.Fatalf("%s %s %q = 422 %s; want fields named", ep.method, ep.path, body, r.body)
			}
		}
	})
}

package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"rms/store"
)

func TestCategories(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.lastSeq(t)
	var a, b store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Antipasti"}, &a)
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Dolci", "position": 10}, &b)
	if a.ID == 0 || a.Name != "Antipasti" || a.Position != 1 || b.Position != 10 {
		t.Errorf("created categories = %+v, %+v; want Antipasti at 1 and Dolci at 10", a, b)
	}
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/categories/%d", a.ID), ts.admin, map[string]any{"name": "Starters", "position": 20}, &a)
	if a.Name != "Starters" || a.Position != 20 {
		t.Errorf("patched category = %+v; want Starters at 20", a)
	}
	var menu struct{ Categories []store.MenuCategory }
	r := ts.must(t, 200, "GET", "/api/menu", ts.chef, nil, &menu)
	if len(menu.Categories) != 2 || menu.Categories[0].Name != "Dolci" || menu.Categories[1].Name != "Starters" || menu.Categories[0].Items == nil {
		t.Errorf("GET /api/menu = %+v; want Dolci then Starters, with [] items", menu)
	}
	if r.header.Get("X-Seq") != fmt.Sprint(seq) {
		t.Errorf("GET /api/menu X-Seq = %q; want %d", r.header.Get("X-Seq"), seq)
	}

	tests := []struct {
		name, method, path string
		body               any
		status             int
		fields             []string
	}{
		{"duplicate", "POST", "/api/menu/categories", map[string]any{"name": "dolci"}, 409, nil},
		{"rename to a taken name", "PATCH", fmt.Sprintf("/api/menu/categories/%d", a.ID), map[string]any{"name": "DOLCI"}, 409, nil},
		{"no name", "POST", "/api/menu/categories", map[string]any{"position": 1}, 422, []string{"name"}},
		{"empty name", "POST", "/api/menu/categories", map[string]any{"name": ""}, 422, []string{"name"}},
		{"long name", "POST", "/api/menu/categories", map[string]any{"name": strings.Repeat("x", 10000)}, 422, []string{"name"}},
		{"NUL", "POST", "/api/menu/categories", map[string]any{"name": "a\x00"}, 422, []string{"name"}},
		{"newline", "POST", "/api/menu/categories", map[string]any{"name": "a\nb"}, 422, []string{"name"}},
		{"absurd position", "PATCH", fmt.Sprintf("/api/menu/categories/%d", a.ID), map[string]any{"position": int64(1) << 50}, 422, []string{"position"}},
		{"unknown", "PATCH", "/api/menu/categories/999", map[string]any{"name": "X"}, 404, nil},
		{"delete unknown", "DELETE", "/api/menu/categories/999", nil, 404, nil},
	}
	for _, tt := range tests {
		r := ts.do(t, tt.method, tt.path, ts.admin, tt.body)
		switch {
		case tt.fields != nil:
			expectFields(t, "category "+tt.name, r, tt.fields...)
		case tt.status == 409:
			expectError(t, "category "+tt.name, r, 409, "conflict")
		default:
			expectError(t, "category "+tt.name, r, 404, "not_found")
		}
	}

	var it store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": b.ID, "name": "Tiramisù", "price_cents": 650}, &it)
	seq = ts.lastSeq(t)
	expectError(t, "delete of a category with items", ts.do(t, "DELETE", fmt.Sprintf("/api/menu/categories/%d", b.ID), ts.admin, nil), 409, "conflict")
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, nil, nil)
	seq = ts.lastSeq(t)
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/menu/categories/%d", b.ID), ts.admin, nil, nil)
	expectError(t, "delete twice", ts.do(t, "DELETE", fmt.Sprintf("/api/menu/categories/%d", b.ID), ts.admin, nil), 404, "not_found")
	// The name is free again.
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Dolci"}, nil)
	expectNoEvents(t, ts, "categories", seq)
}

func TestItems(t *testing.T) {
	ts := newTestServer(t)
	var cat, cat2 store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Mains"}, &cat)
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Bar"}, &cat2)
	seq := ts.lastSeq(t)

	var it store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": "Lasagne", "price_cents": 1250}, &it)
	want := store.Item{ID: it.ID, CategoryID: cat.ID, Name: "Lasagne", PriceCents: 1250, Available: true, Allergens: []string{}, Station: "kitchen", Position: 1}
	if !itemEqual(it, want) {
		t.Errorf("created item = %+v; want %+v (station kitchen, available, no allergens)", it, want)
	}
	seq = expectEvents(t, ts, "an item created", seq, wantEvent{"menu:updated", []string{"menu"}, itemData(want)})

	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, map[string]any{"category_id": cat2.ID, "description": "Home-made\nwith ragù",
		"price_cents": 1300, "allergens": []string{"gluten", "milk"}, "station": "pass", "position": 5, "available": false}, &it)
	want = store.Item{ID: it.ID, CategoryID: cat2.ID, Name: "Lasagne", Description: "Home-made\nwith ragù", PriceCents: 1300, Available: false,
		Allergens: []string{"gluten", "milk"}, Station: "pass", Position: 5}
	if !itemEqual(it, want) {
		t.Errorf("patched item = %+v; want %+v", it, want)
	}
	seq = expectEvents(t, ts, "an item patched", seq, wantEvent{"menu:updated", []string{"menu"}, itemData(want)})

	// The kitchen 86es it and brings it back.
	for _, avail := range []bool{true, false, true} {
		ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", it.ID), ts.chef, map[string]any{"available": avail}, &it)
		want.Available = avail
		seq = expectEvents(t, ts, fmt.Sprintf("availability %v", avail), seq, wantEvent{"menu:updated", []string{"menu"}, itemData(want)})
	}

	var menu struct{ Categories []store.MenuCategory }
	ts.must(t, 200, "GET", "/api/menu", ts.pair(t, ts.newTable(t, "T1")), nil, &menu)
	if len(menu.Categories) != 2 || len(menu.Categories[1].Items) != 1 || !itemEqual(menu.Categories[1].Items[0], want) {
		t.Errorf("GET /api/menu = %+v; want the item under Bar", menu)
	}
	seq = ts.lastSeq(t)

	long := strings.Repeat("x", 10000)
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprint("a", i)
	}
	item := func(kv ...any) map[string]any {
		m := map[string]any{"category_id": cat.ID, "name": "Dish", "price_cents": 100}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"no category", item("category_id", nil), []string{"category_id"}},
		{"unknown category", item("category_id", 999), []string{"category_id"}},
		{"no name", item("name", nil), []string{"name"}},
		{"10k name", item("name", long), []string{"name"}},
		{"NUL name", item("name", "Pasta\x00"), []string{"name"}},
		{"no price", item("price_cents", nil), []string{"price_cents"}},
		{"negative price", item("price_cents", -1), []string{"price_cents"}},
		{"absurd price", item("price_cents", int64(1)<<62), []string{"price_cents"}},
		{"10k description", item("description", long), []string{"description"}},
		{"21 allergens", item("allergens", many), []string{"allergens"}},
		{"empty allergen", item("allergens", []string{""}), []string{"allergens"}},
		{"empty station", item("station", ""), []string{"station"}},
		{"padded station", item("station", " bar"), []string{"station"}},
		{"absurd position", item("position", -(int64(1) << 40)), []string{"position"}},
		{"everything", map[string]any{}, []string{"category_id", "name", "price_cents"}},
	}
	for _, tt := range tests {
		expectFields(t, "item "+tt.name, ts.do(t, "POST", "/api/menu/items", ts.admin, tt.body), tt.fields...)
	}
	expectError(t, "a duplicate name in the category", ts.do(t, "POST", "/api/menu/items", ts.admin, item("category_id", cat2.ID, "name", "LASAGNE")), 409, "conflict")
	expectFields(t, "patch to an unknown category", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, map[string]any{"category_id": 999}), "category_id")
	expectFields(t, "patch with an empty name", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, map[string]any{"name": ""}), "name")
	expectFields(t, "availability without a value", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", it.ID), ts.chef, map[string]any{}), "available")
	expectError(t, "patch of item 999", ts.do(t, "PATCH", "/api/menu/items/999", ts.admin, map[string]any{"price_cents": 1}), 404, "not_found")
	expectError(t, "availability of item 999", ts.do(t, "PATCH", "/api/menu/items/999/availability", ts.chef, map[string]any{"available": true}), 404, "not_found")
	expectNoEvents(t, ts, "refused item changes", seq)

	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, nil, nil)
	expectEvents(t, ts, "an item deleted", seq, wantEvent{"menu:updated", []string{"menu"}, func(t *testing.T, raw json.RawMessage) {
		if string(raw) != fmt.Sprintf(`{"id":%d,"deleted":true}`, it.ID) {
			t.Errorf("menu:updated of a deleted item = %s; want {id, deleted: true}", raw)
		}
	}})
	seq = ts.lastSeq(t)
	expectError(t, "delete twice", ts.do(t, "DELETE", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, nil), 404, "not_found")
	expectError(t, "patch of a deleted item", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d", it.ID), ts.admin, map[string]any{"price_cents": 1}), 404, "not_found")
	expectNoEvents(t, ts, "changes to a deleted item", seq)
	ts.must(t, 200, "GET", "/api/menu", ts.chef, nil, &menu)
	if n := len(menu.Categories[1].Items); n != 0 {
		t.Errorf("GET /api/menu after the delete lists %d items under Bar; want 0", n)
	}
	// Its name is free again in the category.
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, item("category_id", cat2.ID, "name", "Lasagne"), nil)
}

func itemEqual(a, b store.Item) bool {
	// An empty list or map and a missing one mean the same here.
	for _, it := range []*store.Item{&a, &b} {
		if it.ModifierGroupIDs == nil {
			it.ModifierGroupIDs = []int64{}
		}
		if it.ModifierGroups == nil {
			it.ModifierGroups = []store.ModifierGroup{}
		}
		if it.Translations == nil {
			it.Translations = store.Translations{}
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func itemData(want store.Item) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, raw json.RawMessage) {
		t.Helper()
		if got := decodeAs[store.Item](t, raw); !itemEqual(got, want) {
			t.Errorf("menu:updated data = %s; want %+v", raw, want)
		}
		for _, k := range []string{"id", "category_id", "name", "description", "price_cents", "available", "allergens", "station"} {
			if !strings.Contains(string(raw), `"`+k+`":`) {
				t.Errorf("menu:updated data = %s; want field %s", raw, k)
			}
		}
	}
}

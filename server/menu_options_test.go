package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"rms/photo/phototest"
	"rms/store"
)

// steakMenu is a table, a steak with a required doneness and extras, and
// a coffee with milk, made over REST.
type steakMenu struct {
	table, category, steak, coffee int64
	doneness, extras, milk         store.ModifierGroup
}

func (ts *testServer) steakMenu(t testing.TB) steakMenu {
	t.Helper()
	var m steakMenu
	m.table = ts.newTable(t, "T1")
	ts.must(t, 201, "POST", "/api/menu/modifier-groups", ts.admin, map[string]any{"name": "Doneness", "min": 1, "max": 1,
		"translations": map[string]any{"de": map[string]string{"name": "Garstufe"}},
		"options":      []map[string]any{{"name": "Rare"}, {"name": "Medium rare", "default": true, "translations": map[string]any{"de": map[string]string{"name": "Rosa"}}}}}, &m.doneness)
	ts.must(t, 201, "POST", "/api/menu/modifier-groups", ts.admin, map[string]any{"name": "Extras", "max": 2,
		"options": []map[string]any{{"name": "Extra cheese", "price_delta_cents": 150}, {"name": "Bacon", "price_delta_cents": 200}, {"name": "No nuts", "allergy": true}}}, &m.extras)
	ts.must(t, 201, "POST", "/api/menu/modifier-groups", ts.admin, map[string]any{"name": "Milk", "options": []map[string]any{{"name": "Oat milk", "price_delta_cents": 30}}}, &m.milk)
	var cat store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Grill"}, &cat)
	m.category = cat.ID
	var steak, coffee store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": "Steak", "price_cents": 2600,
		"modifier_group_ids": []int64{m.doneness.ID, m.extras.ID}, "translations": map[string]any{"de": map[string]string{"name": "Rindersteak", "description": "Vom Grill"}}}, &steak)
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": "Coffee", "price_cents": 250,
		"modifier_group_ids": []int64{m.milk.ID}}, &coffee)
	m.steak, m.coffee = steak.ID, coffee.ID
	if len(steak.ModifierGroups) != 2 || steak.ModifierGroups[0].Name != "Doneness" || steak.ModifierGroups[1].Options[0].PriceDeltaCents != 150 {
		t.Fatalf("POST /api/menu/items = %+v; want the groups expanded in order", steak)
	}
	return m
}

func TestModifierGroupRoutes(t *testing.T) {
	ts := newTestServer(t)
	m := ts.steakMenu(t)
	cust := ts.pair(t, m.table)

	var list []store.ModifierGroup
	ts.must(t, 200, "GET", "/api/menu/modifier-groups", ts.chef, nil, &list)
	if len(list) != 3 || list[0].Name != "Doneness" || list[1].Name != "Extras" || len(list[1].Options) != 3 {
		t.Errorf("GET /api/menu/modifier-groups = %+v; want Doneness, Extras, Milk with their options", list)
	}
	expectError(t, "a table listing groups", ts.do(t, "GET", "/api/menu/modifier-groups", cust, nil), 403, "forbidden")
	expectError(t, "a waiter making a group", ts.do(t, "POST", "/api/menu/modifier-groups", ts.waiter, map[string]any{"name": "x", "options": []any{map[string]any{"name": "a"}}}), 403, "forbidden")
	expectError(t, "no token", ts.do(t, "POST", "/api/menu/modifier-groups", "", map[string]any{}), 401, "unauthorized")
	expectFields(t, "a group without options", ts.do(t, "POST", "/api/menu/modifier-groups", ts.admin, map[string]any{"name": "Sauce"}), "options")
	expectFields(t, "min over max", ts.do(t, "POST", "/api/menu/modifier-groups", ts.admin,
		map[string]any{"name": "Sauce", "min": 2, "max": 1, "options": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}), "min")
	expectError(t, "an unknown option field", ts.do(t, "POST", "/api/menu/modifier-groups", ts.admin,
		map[string]any{"name": "Sauce", "options": []any{map[string]any{"name": "a", "colour": "red"}}}), 400, "bad_request")
	expectError(t, "a price as a string", ts.do(t, "POST", "/api/menu/modifier-groups", ts.admin,
		map[string]any{"name": "Sauce", "options": []any{map[string]any{"name": "a", "price_delta_cents": "1.50"}}}), 400, "bad_request")

	// A patch: options given whole keep their ids; every item using the
	// group is pushed.
	seq := ts.lastSeq(t)
	var g store.ModifierGroup
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/modifier-groups/%d", m.extras.ID), ts.admin, map[string]any{"options": []map[string]any{
		{"id": m.extras.Options[1].ID, "name": "Crispy bacon", "price_delta_cents": 250}, {"id": m.extras.Options[0].ID, "name": "Extra cheese", "price_delta_cents": 150}}}, &g)
	if len(g.Options) != 2 || g.Options[0].ID != m.extras.Options[1].ID || g.Options[0].Name != "Crispy bacon" || g.Options[1].ID != m.extras.Options[0].ID {
		t.Errorf("PATCH group options = %+v; want bacon then cheese with their ids", g.Options)
	}
	expectEvents(t, ts, "a group patch", seq, wantEvent{"menu:updated", []string{"menu"}, func(t *testing.T, raw json.RawMessage) {
		it := decodeAs[store.Item](t, raw)
		if it.ID != m.steak || it.ModifierGroups[1].Options[0].Name != "Crispy bacon" {
			t.Errorf("menu:updated = %s; want the steak with the crispy bacon", raw)
		}
	}})
	expectFields(t, "an option id of another group", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/modifier-groups/%d", m.extras.ID), ts.admin,
		map[string]any{"options": []map[string]any{{"id": m.milk.Options[0].ID, "name": "Oat"}}}), "options[0].id")
	expectError(t, "PATCH an unknown group", ts.do(t, "PATCH", "/api/menu/modifier-groups/999", ts.admin, map[string]any{"name": "x"}), 404, "not_found")
	expectError(t, "PATCH group id abc", ts.do(t, "PATCH", "/api/menu/modifier-groups/abc", ts.admin, map[string]any{"name": "x"}), 404, "not_found")

	// 86 one option: chef may, waiter may not; the steak is pushed.
	seq = ts.lastSeq(t)
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/modifier-options/%d/availability", m.doneness.Options[0].ID), ts.chef, map[string]bool{"available": false}, &g)
	if g.ID != m.doneness.ID || g.Options[0].Available {
		t.Errorf("86 an option answered %+v; want the doneness group with rare sold out", g)
	}
	expectEvents(t, ts, "86 an option", seq, wantEvent{"menu:updated", []string{"menu"}, func(t *testing.T, raw json.RawMessage) {
		if it := decodeAs[store.Item](t, raw); it.ID != m.steak || it.ModifierGroups[0].Options[0].Available {
			t.Errorf("menu:updated = %s; want the steak with rare sold out", raw)
		}
	}})
	expectError(t, "a waiter 86ing an option", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/modifier-options/%d/availability", m.doneness.Options[0].ID), ts.waiter, map[string]bool{"available": true}), 403, "forbidden")
	expectFields(t, "availability left out", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/modifier-options/%d/availability", m.doneness.Options[0].ID), ts.chef, map[string]any{}), "available")
	expectError(t, "86 an unknown option", ts.do(t, "PATCH", "/api/menu/modifier-options/999/availability", ts.chef, map[string]bool{"available": true}), 404, "not_found")

	// Item groups: unknown ids are refused, an empty list detaches.
	expectFields(t, "an item with an unknown group", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d", m.coffee), ts.admin, map[string]any{"modifier_group_ids": []int64{999}}), "modifier_group_ids")
	var coffee store.Item
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d", m.coffee), ts.admin, map[string]any{"modifier_group_ids": []int64{}}, &coffee)
	if len(coffee.ModifierGroupIDs) != 0 || len(coffee.ModifierGroups) != 0 {
		t.Errorf("detach every group = %+v; want none", coffee)
	}

	// Delete: the steak loses the group and is pushed.
	seq = ts.lastSeq(t)
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/menu/modifier-groups/%d", m.extras.ID), ts.admin, nil, nil)
	expectEvents(t, ts, "deleting a group", seq, wantEvent{"menu:updated", []string{"menu"}, func(t *testing.T, raw json.RawMessage) {
		if it := decodeAs[store.Item](t, raw); it.ID != m.steak || len(it.ModifierGroupIDs) != 1 {
			t.Errorf("menu:updated = %s; want the steak with one group left", raw)
		}
	}})
	expectError(t, "deleting it again", ts.do(t, "DELETE", fmt.Sprintf("/api/menu/modifier-groups/%d", m.extras.ID), ts.admin, nil), 404, "not_found")
}

func TestOrderLinesWithModifiers(t *testing.T) {
	ts := newTestServer(t)
	m := ts.steakMenu(t)
	cust := ts.pair(t, m.table)
	rare, medRare := m.doneness.Options[0].ID, m.doneness.Options[1].ID
	cheese, bacon, noNuts := m.extras.Options[0].ID, m.extras.Options[1].ID, m.extras.Options[2].ID
	line := func(item int64, opts ...int64) map[string]any {
		mods := []map[string]int64{}
		for _, o := range opts {
			mods = append(mods, map[string]int64{"option_id": o})
		}
		return map[string]any{"menu_item_id": item, "quantity": 1, "modifiers": mods}
	}
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", cust, map[string]any{"table_id": m.table, "items": []any{line(m.steak, rare, cheese, noNuts), line(m.coffee)}}, &o)
	want := []store.OrderModifier{{OptionID: rare, Group: "Doneness", Name: "Rare"}, {OptionID: cheese, Group: "Extras", Name: "Extra cheese", PriceDeltaCents: 150},
		{OptionID: noNuts, Group: "Extras", Name: "No nuts", Allergy: true}}
	if len(o.Items) != 2 || o.Items[0].UnitPriceCents != 2750 || o.SubtotalCents != 3000 || fmt.Sprint(o.Items[0].Modifiers) != fmt.Sprint(want) || len(o.Items[1].Modifiers) != 0 {
		t.Errorf("order with modifiers = %+v; want the steak at 2750 with %v", o, want)
	}
	raw := ts.must(t, 200, "GET", fmt.Sprintf("/api/orders/%d", o.ID), ts.waiter, nil, nil).body
	for _, f := range []string{`"modifiers":[{"option_id":`, `"group":"Doneness"`, `"price_delta_cents":150`} {
		if !bytes.Contains(raw, []byte(f)) {
			t.Errorf("GET /api/orders/%d = %s; want %s", o.ID, raw, f)
		}
	}
	// The bill adds it up from the copied prices.
	b := ts.bill(t, m.table, ts.waiter)
	if b.SubtotalCents != 3000 {
		t.Errorf("bill subtotal = %d; want 3000", b.SubtotalCents)
	}

	seq := ts.lastSeq(t)
	for _, tt := range []struct {
		what  string
		lines []any
		field string
	}{
		{"no doneness on the second line", []any{line(m.coffee), line(m.steak)}, "items[1].modifiers"},
		{"two donenesses", []any{line(m.steak, rare, medRare)}, "items[0].modifiers"},
		{"milk on a steak", []any{line(m.steak, rare, m.milk.Options[0].ID)}, "items[0].modifiers"},
		{"three extras of two", []any{line(m.steak, rare, cheese, bacon, noNuts)}, "items[0].modifiers"},
	} {
		expectFields(t, tt.what, ts.do(t, "POST", "/api/orders", cust, map[string]any{"table_id": m.table, "items": tt.lines}), tt.field)
	}
	expectError(t, "an option id as a string", ts.do(t, "POST", "/api/orders", cust, `{"table_id":1,"items":[{"menu_item_id":1,"quantity":1,"modifiers":[{"option_id":"1"}]}]}`), 400, "bad_request")
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/modifier-options/%d/availability", bacon), ts.chef, map[string]bool{"available": false}, nil)
	seq = ts.lastSeq(t)
	e := expectError(t, "a sold-out option", ts.do(t, "POST", "/api/orders", cust, map[string]any{"table_id": m.table, "items": []any{line(m.steak, rare, bacon)}}), 409, "conflict")
	if !strings.Contains(e.Error.Message, "Bacon") {
		t.Errorf("sold-out option message = %q; want it named", e.Error.Message)
	}
	expectNoEvents(t, ts, "refused orders", seq)
	// Left out entirely: the defaults (an older client still orders).
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": m.table, "items": []any{map[string]any{"menu_item_id": m.steak, "quantity": 1}}}, &o)
	if len(o.Items[0].Modifiers) != 1 || o.Items[0].Modifiers[0].Name != "Medium rare" {
		t.Errorf("a line without modifiers = %+v; want the default medium rare", o.Items[0])
	}

	// The daily report counts the options sold.
	var r store.DailyReport
	ts.must(t, 200, "GET", "/api/reports/daily?date="+time.Now().UTC().Format("2006-01-02"), ts.admin, nil, &r)
	counts := map[string]int64{}
	for _, op := range r.ByOption {
		counts[op.Name] = op.Quantity
	}
	if counts["Rare"] != 1 || counts["Extra cheese"] != 1 || counts["Medium rare"] != 1 || counts["No nuts"] != 1 {
		t.Errorf("report by_option = %+v; want rare, cheese, no nuts and medium rare once each", r.ByOption)
	}
}

func TestMenuLanguagesAndHours(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	clk := newClock(time.Date(2026, 12, 7, 10, 0, 0, 0, rome)) // a Monday morning
	ts := newTestServerWith(t, testOptions{now: clk.Now})
	m := ts.steakMenu(t)
	cust := ts.pair(t, m.table)
	ts.must(t, 200, "PATCH", "/api/settings", ts.admin, map[string]any{"languages": []string{"en", "de"}, "timezone": "Europe/Rome"}, nil)

	var v store.MenuView
	ts.must(t, 200, "GET", "/api/menu?lang=de", cust, nil, &v)
	steak := v.Categories[0].Items[0]
	if v.Lang != "de" || steak.Name != "Rindersteak" || steak.Description != "Vom Grill" || steak.ModifierGroups[0].Name != "Garstufe" ||
		steak.ModifierGroups[0].Options[0].Name != "Rare" || steak.ModifierGroups[0].Options[1].Name != "Rosa" || fmt.Sprint(v.Languages) != "[en de]" {
		t.Errorf("GET /api/menu?lang=de = %+v; want German where translated, English elsewhere", steak)
	}
	ts.must(t, 200, "GET", "/api/menu?lang=xx", cust, nil, &v)
	if v.Lang != "en" || v.Categories[0].Items[0].Name != "Steak" {
		t.Errorf("GET /api/menu?lang=xx = lang %s, %s; want the kitchen's language", v.Lang, v.Categories[0].Items[0].Name)
	}
	expectFields(t, "bad hours", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/categories/%d", m.category), ts.admin,
		map[string]any{"hours": []map[string]any{{"days": []int{8}, "from": "18:00", "to": "23:00"}}}), "hours[0].days")
	expectFields(t, "bad translations", ts.do(t, "PATCH", fmt.Sprintf("/api/menu/categories/%d", m.category), ts.admin,
		map[string]any{"translations": map[string]any{"German": map[string]string{"name": "Grill"}}}), "translations")
	var cat store.Category
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/categories/%d", m.category), ts.admin,
		map[string]any{"hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5, 6, 7}, "from": "18:00", "to": "23:00"}}, "translations": map[string]any{"de": map[string]string{"name": "Vom Grill"}}}, &cat)
	if len(cat.Hours) != 1 || cat.Translations["de"].Name != "Vom Grill" {
		t.Errorf("PATCH category = %+v; want its hours and translation", cat)
	}
	ts.must(t, 200, "GET", "/api/menu?lang=de", cust, nil, &v)
	grill := v.Categories[0]
	if grill.Name != "Vom Grill" || grill.OpenNow || grill.NextOpen == nil || grill.NextOpen.From != "18:00" || v.ChangesAt == nil {
		t.Errorf("GET /api/menu at 10:00 = %+v next %+v; want the grill closed until 18:00", grill.Category, grill.NextOpen)
	}
	body := map[string]any{"table_id": m.table, "items": []any{map[string]any{"menu_item_id": m.coffee, "quantity": 1}}}
	e := expectError(t, "a guest ordering from a closed menu", ts.do(t, "POST", "/api/orders", cust, body), 409, "conflict")
	if !strings.Contains(e.Error.Message, "not available at this time") {
		t.Errorf("closed menu message = %q; want not available at this time", e.Error.Message)
	}
	ts.must(t, 201, "POST", "/api/orders", ts.waiter, body, nil)
	clk.Set(time.Date(2026, 12, 7, 18, 30, 0, 0, rome))
	ts.must(t, 201, "POST", "/api/orders", cust, body, nil)
}

func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 3)
	}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestItemImageRoutes(t *testing.T) {
	ts := newTestServer(t)
	_, itemID, _ := ts.seedMenu(t)
	path := fmt.Sprintf("/api/menu/items/%d/image", itemID)
	for _, up := range []struct {
		name, ctype string
		body        []byte
		w, h        int
	}{
		{"JPEG", "image/jpeg", jpegBytes(t, 1300, 650), 1200, 600},
		{"PNG", "image/png", pngBytes(t, 300, 200), 300, 200},
		{"WebP", "image/webp", phototest.WebP(500, 400, color.NRGBA{200, 100, 50, 255}), 500, 400},
	} {
		seq := ts.lastSeq(t)
		r := ts.do(t, "PUT", path, ts.admin, up.body, "Content-Type", up.ctype)
		if r.status != 200 {
			t.Fatalf("PUT %s (%s) = %d %s; want 200", path, up.name, r.status, r.body)
		}
		var it store.Item
		r.decode(t, &it)
		if it.ImageURL == nil || it.ThumbURL == nil || !strings.HasPrefix(*it.ImageURL, "/images/") || *it.ImageURL == *it.ThumbURL {
			t.Fatalf("PUT %s (%s) = %s; want image_url and thumb_url", path, up.name, r.body)
		}
		expectEvents(t, ts, "an upload", seq, wantEvent{"menu:updated", []string{"menu"}, nil})
		img := ts.do(t, "GET", *it.ImageURL, "", nil)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.body))
		if img.status != 200 || err != nil || cfg.Width != up.w || cfg.Height != up.h || img.header.Get("Content-Type") != "image/jpeg" ||
			img.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s (%s) = %d %v %dx%d %v; want a %dx%d JPEG cached for a year", *it.ImageURL, up.name, img.status, err, cfg.Width, cfg.Height, img.header, up.w, up.h)
		}
		thumb := ts.do(t, "GET", *it.ThumbURL, "", nil)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb.body)); err != nil || cfg.Width != cfg.Height || cfg.Width > 400 {
			t.Errorf("GET %s (%s) = %v %dx%d; want a square thumbnail of at most 400 px", *it.ThumbURL, up.name, err, cfg.Width, cfg.Height)
		}
		if r := ts.do(t, "GET", *it.ImageURL, "", nil, "If-None-Match", img.header.Get("ETag")); r.status != http.StatusNotModified {
			t.Errorf("GET %s with its ETag = %d; want 304", *it.ImageURL, r.status)
		}
	}
	var before store.Item
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d", itemID), ts.admin, map[string]any{}, &before)
	seq := ts.lastSeq(t)
	for _, bad := range []struct {
		what, ctype string
		body        []byte
		status      int
		code        string
	}{
		{"text as a JPEG", "image/jpeg", []byte("not a picture"), 422, "validation_failed"},
		{"a cut PNG", "image/png", pngBytes(t, 50, 50)[:60], 422, "validation_failed"},
		{"an empty body", "image/webp", nil, 422, "validation_failed"},
		{"a GIF", "image/gif", []byte("GIF89a"), 415, "unsupported_media_type"},
		{"JSON", "application/json", []byte(`{"url":"x"}`), 415, "unsupported_media_type"},
		{"over 8 MB", "image/jpeg", bytes.Repeat([]byte{0xFF}, 8<<20+1), 413, "too_large"},
	} {
		expectError(t, "PUT "+bad.what, ts.do(t, "PUT", path, ts.admin, bad.body, "Content-Type", bad.ctype), bad.status, bad.code)
	}
	expectError(t, "a waiter uploading", ts.do(t, "PUT", path, ts.waiter, pngBytes(t, 8, 8), "Content-Type", "image/png"), 403, "forbidden")
	expectError(t, "an unknown item", ts.do(t, "PUT", "/api/menu/items/999/image", ts.admin, pngBytes(t, 8, 8), "Content-Type", "image/png"), 404, "not_found")
	expectNoEvents(t, ts, "refused uploads", seq)
	var after store.Item
	ts.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d", itemID), ts.admin, map[string]any{}, &after)
	if *after.ImageURL != *before.ImageURL {
		t.Errorf("a refused upload changed the photo from %s to %s", *before.ImageURL, *after.ImageURL)
	}
	for _, p := range []string{"/images/00.jpg", "/images/" + strings.Repeat("0", 32) + ".jpg", "/images/../rms.db"} {
		if r := ts.do(t, "GET", p, "", nil); r.status != 404 {
			t.Errorf("GET %s = %d; want 404", p, r.status)
		}
	}

	seq = ts.lastSeq(t)
	var it store.Item
	ts.must(t, 200, "DELETE", path, ts.admin, nil, &it)
	if it.ImageURL != nil || it.ThumbURL != nil {
		t.Errorf("DELETE %s = %+v; want no photo", path, it)
	}
	expectEvents(t, ts, "deleting a photo", seq, wantEvent{"menu:updated", []string{"menu"}, nil})
	if r := ts.do(t, "GET", *after.ImageURL, "", nil); r.status != 404 {
		t.Errorf("GET the deleted photo = %d; want 404", r.status)
	}
	expectError(t, "DELETE by a chef", ts.do(t, "DELETE", path, ts.chef, nil), 403, "forbidden")
	expectError(t, "DELETE of an unknown item", ts.do(t, "DELETE", "/api/menu/items/999/image", ts.admin, nil), 404, "not_found")
}

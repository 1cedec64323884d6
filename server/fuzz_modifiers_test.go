package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"rms/store"
)

// FuzzOrderModifiers orders a steak or a coffee with any choices (real
// options of its groups, options of other groups, unknown and repeated
// ids, a sold-out one): the box answers 201 with a line priced from the
// menu plus its choices' deltas and within every group's bounds, 422
// naming the line's modifiers, or 409 naming the sold-out choice; never
// anything else.
func FuzzOrderModifiers(f *testing.F) {
	ts := newTestServer(f)
	m := ts.steakMenu(f)
	// Bacon is sold out.
	ts.must(f, 200, "PATCH", fmt.Sprintf("/api/menu/modifier-options/%d/availability", m.extras.Options[1].ID), ts.chef, map[string]bool{"available": false}, nil)
	var menu store.MenuView
	ts.must(f, 200, "GET", "/api/menu", ts.waiter, nil, &menu)
	items := map[int64]store.Item{}
	var ids []int64
	for _, c := range menu.Categories {
		for _, it := range c.Items {
			items[it.ID] = it
			ids = append(ids, it.ID)
		}
	}
	// Every option id there is, and a few that are not.
	pool := []int64{0, -1, 999}
	for _, g := range []store.ModifierGroup{m.doneness, m.extras, m.milk} {
		for _, o := range g.Options {
			pool = append(pool, o.ID)
		}
	}
	f.Add(uint8(0), uint8(1), []byte{3, 6})
	f.Add(uint8(0), uint8(2), []byte{3, 4, 5, 6})
	f.Add(uint8(0), uint8(1), []byte{})
	f.Add(uint8(1), uint8(3), []byte{8})
	f.Add(uint8(0), uint8(1), []byte{3, 7})
	f.Add(uint8(0), uint8(1), []byte{3, 3})
	f.Add(uint8(1), uint8(0), []byte{1, 2})
	f.Fuzz(func(t *testing.T, which, qty uint8, picks []byte) {
		item := items[ids[int(which)%len(ids)]]
		mods := []map[string]int64{}
		for _, p := range picks {
			mods = append(mods, map[string]int64{"option_id": pool[int(p)%len(pool)]})
		}
		line := map[string]any{"menu_item_id": item.ID, "quantity": int(qty) % 101}
		if len(picks) != 1 || picks[0] != 255 { // 255 alone: leave modifiers out
			line["modifiers"] = mods
		}
		r := ts.do(t, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": m.table, "items": []any{line}})
		switch r.status {
		case 201:
		case 422:
			var e envelope
			json.Unmarshal(r.body, &e)
			if e.Error.Fields["items[0].modifiers"] == "" && e.Error.Fields["items[0].quantity"] == "" {
				t.Fatalf("order of %v = 422 %s; want the line's modifiers or quantity named", line, r.body)
			}
			return
		case 409:
			if !strings.Contains(string(r.body), "Bacon") {
				t.Fatalf("order of %v = 409 %s; want the sold-out bacon named", line, r.body)
			}
			return
		default:
			t.Fatalf("order of %v = %d %s; want 201, 409 or 422", line, r.status, r.body)
		}
		var o store.Order
		if err := json.Unmarshal(r.body, &o); err != nil || len(o.Items) != 1 {
			t.Fatalf("201 body %s: %v", r.body, err)
		}
		got := o.Items[0]
		price, counts := item.PriceCents, map[string]int64{}
		for _, mod := range got.Modifiers {
			var found bool
			for _, g := range item.ModifierGroups {
				for _, op := range g.Options {
					if op.ID == mod.OptionID && g.Name == mod.Group && op.Name == mod.Name && op.PriceDeltaCents == mod.PriceDeltaCents && op.Available {
						found = true
					}
				}
			}
			if !found {
				t.Fatalf("order of %v has choice %+v; want an available option of the item's groups", line, mod)
			}
			price += mod.PriceDeltaCents
			counts[mod.Group]++
		}
		for _, g := range item.ModifierGroups {
			if counts[g.Name] < g.Min || counts[g.Name] > g.Max {
				t.Fatalf("order of %v chose %d of %s; want %d to %d", line, counts[g.Name], g.Name, g.Min, g.Max)
			}
		}
		if got.UnitPriceCents != price || o.SubtotalCents != price*got.Quantity {
			t.Fatalf("order of %v = unit %d subtotal %d; want %d each", line, got.UnitPriceCents, o.SubtotalCents, price)
		}
	})
}

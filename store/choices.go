package store

import (
	"context"
	"fmt"
)

// OrderModifier is a choice as an order line keeps it: copied at order time
// in the kitchen's language, so later menu edits change nothing ordered.
type OrderModifier struct {
	OptionID        int64  `json:"option_id"`
	Group           string `json:"group"`
	Name            string `json:"name"`
	PriceDeltaCents int64  `json:"price_delta_cents"`
	Allergy         bool   `json:"allergy"`
}

// NewModifier is a choice in a requested order line.
type NewModifier struct {
	OptionID int64 `json:"option_id"`
}

// chooseModifiers checks the choices of order line i against the groups of
// its item and returns them as the line keeps them (in the item's group
// order), the sum of their price deltas, and the choices that are sold out.
// A line that leaves modifiers out gets each group's defaults; an empty
// list chooses nothing. It returns a *ValidationError naming
// items[i].modifiers for a choice the item does not offer, a repeated one,
// or a group's min or max broken.
func chooseModifiers(i int, it Item, line NewOrderItem) ([]OrderModifier, int64, []string, error) {
	field := fmt.Sprintf("items[%d].modifiers", i)
	bad := func(format string, args ...any) error {
		return &ValidationError{Fields: map[string]string{field: fmt.Sprintf(format, args...)}}
	}
	chosen := map[int64]bool{}
	if line.Modifiers == nil {
		for _, g := range it.ModifierGroups {
			for _, o := range g.Options {
				if o.Default {
					chosen[o.ID] = true
				}
			}
		}
	} else {
		if len(line.Modifiers) > maxLineChoices {
			return nil, 0, nil, bad("must have at most %d choices", maxLineChoices)
		}
		offered := map[int64]bool{}
		for _, g := range it.ModifierGroups {
			for _, o := range g.Options {
				offered[o.ID] = true
			}
		}
		for _, m := range line.Modifiers {
			if !offered[m.OptionID] {
				return nil, 0, nil, bad("option %d is not a choice of %s", m.OptionID, it.Name)
			}
			if chosen[m.OptionID] {
				return nil, 0, nil, bad("option %d is chosen twice", m.OptionID)
			}
			chosen[m.OptionID] = true
		}
	}
	mods := []OrderModifier{}
	var delta int64
	var soldOut []string
	for _, g := range it.ModifierGroups {
		var n int64
		for _, o := range g.Options {
			if !chosen[o.ID] {
				continue
			}
			n++
			if !o.Available {
				soldOut = append(soldOut, it.Name+": "+o.Name)
			}
			delta += o.PriceDeltaCents
			mods = append(mods, OrderModifier{OptionID: o.ID, Group: g.Name, Name: o.Name, PriceDeltaCents: o.PriceDeltaCents, Allergy: o.Allergy})
		}
		switch {
		case n >= g.Min && n <= g.Max:
		case g.Min == g.Max:
			return nil, 0, nil, bad("%s: pick exactly %d of %s", it.Name, g.Min, g.Name)
		case n < g.Min:
			return nil, 0, nil, bad("%s: pick at least %d of %s", it.Name, g.Min, g.Name)
		default:
			return nil, 0, nil, bad("%s: pick at most %d of %s", it.Name, g.Max, g.Name)
		}
	}
	if it.PriceCents+delta < 0 {
		return nil, 0, nil, bad("%s: the choices bring the price below zero", it.Name)
	}
	return mods, delta, soldOut, nil
}

// saveLineModifiers writes the choices of one order line.
func (t *txn) saveLineModifiers(lineID int64, mods []OrderModifier) error {
	for _, m := range mods {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO order_item_modifiers (order_item_id, option_id, group_name, name, price_delta_cents, allergy)
			VALUES (?, ?, ?, ?, ?, ?)`, lineID, m.OptionID, m.Group, m.Name, m.PriceDeltaCents, boolInt(m.Allergy)); err != nil {
			return err
		}
	}
	return nil
}

// loadModifiers fills the choices of the lines of orders with one query.
func loadModifiers(ctx context.Context, q queryer, orders []Order, orderIDs string) error {
	type pos struct{ o, i int }
	lines := map[int64]pos{}
	for oi := range orders {
		for ii := range orders[oi].Items {
			lines[orders[oi].Items[ii].ID] = pos{oi, ii}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT m.order_item_id, m.option_id, m.group_name, m.name, m.price_delta_cents, m.allergy
		FROM order_item_modifiers m JOIN order_items i ON i.id = m.order_item_id
		WHERE i.order_id IN (SELECT value FROM json_each(?)) ORDER BY m.id`, orderIDs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var line int64
		var m OrderModifier
		if err := rows.Scan(&line, &m.OptionID, &m.Group, &m.Name, &m.PriceDeltaCents, &m.Allergy); err != nil {
			return err
		}
		if p, ok := lines[line]; ok {
			it := &orders[p.o].Items[p.i]
			it.Modifiers = append(it.Modifiers, m)
		}
	}
	return rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ModifierOption is one choice of a modifier group: "medium rare", "extra
// cheese +1.50". Allergy marks a choice the kitchen must not miss ("no
// nuts"): tickets and the kitchen display make it stand out.
type ModifierOption struct {
	ID              int64        `json:"id"`
	Name            string       `json:"name"`
	PriceDeltaCents int64        `json:"price_delta_cents"`
	Available       bool         `json:"available"`
	Default         bool         `json:"default"`
	Allergy         bool         `json:"allergy"`
	Translations    Translations `json:"translations"`
}

// ModifierGroup is a set of options shared by every item that lists it.
// A guest picks between Min and Max of its options; Min 0 makes it
// optional, Min 1 and Max 1 is "pick exactly one".
type ModifierGroup struct {
	ID           int64            `json:"id"`
	Name         string           `json:"name"`
	Min          int64            `json:"min"`
	Max          int64            `json:"max"`
	Options      []ModifierOption `json:"options"`
	Translations Translations     `json:"translations"`
}

// ModifierGroupInput creates (name and options required) or patches (non-nil
// fields) a group. Options are given whole, in order: an option sent with
// its id keeps it, one without is new, one left out is removed.
type ModifierGroupInput struct {
	Name         *string                `json:"name"`
	Min          *int64                 `json:"min"`
	Max          *int64                 `json:"max"`
	Options      *[]ModifierOptionInput `json:"options"`
	Translations *Translations          `json:"translations"`
}

// ModifierOptionInput is one option of a ModifierGroupInput. Available
// left out keeps an existing option's availability (a new one is available).
type ModifierOptionInput struct {
	ID              int64        `json:"id"`
	Name            string       `json:"name"`
	PriceDeltaCents int64        `json:"price_delta_cents"`
	Available       *bool        `json:"available"`
	Default         bool         `json:"default"`
	Allergy         bool         `json:"allergy"`
	Translations    Translations `json:"translations"`
}

// Limits of modifier groups.
const (
	MaxGroupOptions = 50
	MaxItemGroups   = 20
	maxLineChoices  = 100
)

func (c checker) modifierGroup(in ModifierGroupInput, create bool) {
	if in.Name != nil {
		c.text("name", *in.Name, 1, 50, false)
	} else if create {
		c.add("name", "is required")
	}
	if in.Min != nil {
		c.between("min", *in.Min, 0, MaxGroupOptions)
	}
	if in.Max != nil {
		c.between("max", *in.Max, 1, MaxGroupOptions)
	}
	if in.Translations != nil {
		c.translations("translations", *in.Translations, 50)
	}
	if in.Options == nil {
		if create {
			c.add("options", "is required")
		}
		return
	}
	opts := *in.Options
	if len(opts) == 0 || len(opts) > MaxGroupOptions {
		c.add("options", fmt.Sprintf("must have 1 to %d options", MaxGroupOptions))
	}
	names, ids := map[string]bool{}, map[int64]bool{}
	for i, o := range opts {
		f := fmt.Sprintf("options[%d].", i)
		c.text(f+"name", o.Name, 1, 50, false)
		key := strings.ToLower(o.Name)
		if names[key] {
			c.add(f+"name", "is already an option of this group")
		}
		names[key] = true
		c.between(f+"price_delta_cents", o.PriceDeltaCents, -MaxPriceCents, MaxPriceCents)
		c.translations(f+"translations", o.Translations, 50)
		if o.ID < 0 || (o.ID > 0 && ids[o.ID]) {
			c.add(f+"id", "must be an option of this group, once")
		}
		ids[o.ID] = true
	}
}

// groupBounds checks min, max and defaults against the group's options.
// A max above the number of options is allowed (it simply never binds); a
// min above it would make the item impossible to order.
func (c checker) groupBounds(g ModifierGroup) {
	n := int64(len(g.Options))
	if g.Min > g.Max {
		c.add("min", "must not be more than max")
	}
	if g.Min > n {
		c.add("min", fmt.Sprintf("must be at most the number of options (%d)", n))
	}
	var defaults int64
	for _, o := range g.Options {
		if o.Default {
			defaults++
		}
	}
	if defaults > g.Max {
		c.add("options", fmt.Sprintf("may have at most %d defaults (max)", g.Max))
	}
}

// loadGroups returns the groups with ids (every group when ids is nil),
// each with its options in order.
func loadGroups(ctx context.Context, q queryer, ids []int64) (map[int64]*ModifierGroup, error) {
	filter, args := "", []any{}
	if ids != nil {
		b, _ := json.Marshal(ids)
		filter, args = " WHERE id IN (SELECT value FROM json_each(?))", []any{string(b)}
	}
	groups := map[int64]*ModifierGroup{}
	rows, err := q.QueryContext(ctx, "SELECT id, name, min, max, translations FROM modifier_groups"+filter, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		g := &ModifierGroup{Options: []ModifierOption{}}
		var tr string
		if err := rows.Scan(&g.ID, &g.Name, &g.Min, &g.Max, &tr); err != nil {
			return nil, err
		}
		if g.Translations, err = decodeTranslations(tr); err != nil {
			return nil, err
		}
		groups[g.ID] = g
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return groups, nil
	}
	filter = strings.Replace(filter, "WHERE id", "WHERE group_id", 1)
	opts, err := q.QueryContext(ctx, `SELECT group_id, id, name, price_delta_cents, available, is_default, allergy, translations
		FROM modifier_options`+filter+" ORDER BY group_id, position, id", args...)
	if err != nil {
		return nil, err
	}
	defer opts.Close()
	for opts.Next() {
		var gid int64
		var o ModifierOption
		var tr string
		if err := opts.Scan(&gid, &o.ID, &o.Name, &o.PriceDeltaCents, &o.Available, &o.Default, &o.Allergy, &tr); err != nil {
			return nil, err
		}
		if o.Translations, err = decodeTranslations(tr); err != nil {
			return nil, err
		}
		if g := groups[gid]; g != nil {
			g.Options = append(g.Options, o)
		}
	}
	return groups, opts.Err()
}

func getGroup(ctx context.Context, q queryer, id int64) (ModifierGroup, error) {
	gs, err := loadGroups(ctx, q, []int64{id})
	if err != nil {
		return ModifierGroup{}, err
	}
	g, ok := gs[id]
	if !ok {
		return ModifierGroup{}, ErrNotFound
	}
	return *g, nil
}

// copyGroup is g with options of its own, so that localizing one item's
// copy leaves the others alone.
func copyGroup(g *ModifierGroup) ModifierGroup {
	c := *g
	c.Options = append([]ModifierOption{}, g.Options...)
	return c
}

// loadItemGroups fills ModifierGroupIDs and ModifierGroups of items.
func loadItemGroups(ctx context.Context, q queryer, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	index := make(map[int64]int, len(items))
	ids := make([]int64, len(items))
	for i := range items {
		index[items[i].ID] = i
		ids[i] = items[i].ID
		items[i].ModifierGroupIDs = []int64{}
		items[i].ModifierGroups = []ModifierGroup{}
	}
	b, _ := json.Marshal(ids)
	rows, err := q.QueryContext(ctx, `SELECT item_id, group_id FROM item_modifier_groups
		WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position`, string(b))
	if err != nil {
		return err
	}
	defer rows.Close()
	var groupIDs []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var itemID, groupID int64
		if err := rows.Scan(&itemID, &groupID); err != nil {
			return err
		}
		it := &items[index[itemID]]
		it.ModifierGroupIDs = append(it.ModifierGroupIDs, groupID)
		if !seen[groupID] {
			seen[groupID] = true
			groupIDs = append(groupIDs, groupID)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(groupIDs) == 0 {
		return nil
	}
	groups, err := loadGroups(ctx, q, groupIDs)
	if err != nil {
		return err
	}
	for i := range items {
		for _, gid := range items[i].ModifierGroupIDs {
			if g := groups[gid]; g != nil {
				items[i].ModifierGroups = append(items[i].ModifierGroups, copyGroup(g))
			}
		}
	}
	return nil
}

// setItemGroups replaces the groups an item lists, in order. It returns a
// *ValidationError naming modifier_group_ids for an unknown group.
func (t *txn) setItemGroups(itemID int64, ids []int64) error {
	if len(ids) > MaxItemGroups {
		return &ValidationError{Fields: map[string]string{"modifier_group_ids": fmt.Sprintf("must list at most %d groups", MaxItemGroups)}}
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			return &ValidationError{Fields: map[string]string{"modifier_group_ids": fmt.Sprintf("lists group %d twice", id)}}
		}
		seen[id] = true
		var n int
		if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM modifier_groups WHERE id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &ValidationError{Fields: map[string]string{"modifier_group_ids": fmt.Sprintf("no such modifier group %d", id)}}
		}
	}
	if _, err := t.tx.ExecContext(t.ctx, "DELETE FROM item_modifier_groups WHERE item_id = ?", itemID); err != nil {
		return err
	}
	for i, id := range ids {
		if _, err := t.tx.ExecContext(t.ctx, "INSERT INTO item_modifier_groups (item_id, group_id, position) VALUES (?, ?, ?)", itemID, id, i); err != nil {
			return err
		}
	}
	return nil
}

// ModifierGroups returns every modifier group by name, each with its
// options in order.
func (s *Store) ModifierGroups(ctx context.Context) ([]ModifierGroup, error) {
	gs, err := loadGroups(ctx, s.r, nil)
	if err != nil {
		return nil, fmt.Errorf("store: modifier groups: %w", err)
	}
	out := make([]ModifierGroup, 0, len(gs))
	for _, g := range gs {
		out = append(out, *g)
	}
	sortGroups(out)
	return out, nil
}

func sortGroups(gs []ModifierGroup) {
	for i := 1; i < len(gs); i++ {
		for j := i; j > 0 && groupLess(gs[j], gs[j-1]); j-- {
			gs[j], gs[j-1] = gs[j-1], gs[j]
		}
	}
}

func groupLess(a, b ModifierGroup) bool {
	an, bn := strings.ToLower(a.Name), strings.ToLower(b.Name)
	if an != bn {
		return an < bn
	}
	return a.ID < b.ID
}

// CreateModifierGroup adds a group with its options. It returns a
// *ValidationError. Nothing uses a new group, so it emits no event.
func (s *Store) CreateModifierGroup(ctx context.Context, in ModifierGroupInput) (ModifierGroup, error) {
	c := checker{}
	c.modifierGroup(in, true)
	for i, o := range derefOptions(in.Options) {
		if o.ID != 0 {
			c.add(fmt.Sprintf("options[%d].id", i), "must be left out for a new group's options")
		}
	}
	if err := c.err(); err != nil {
		return ModifierGroup{}, fmt.Errorf("store: create modifier group: %w", err)
	}
	g := ModifierGroup{Name: *in.Name, Max: 1, Translations: Translations{}}
	var out ModifierGroup
	err := s.write(ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(ctx, "INSERT INTO modifier_groups (name, min, max, translations) VALUES (?, 0, 1, '{}')", g.Name)
		if err != nil {
			return err
		}
		g.ID, _ = res.LastInsertId()
		out, err = t.saveGroup(g, in)
		return err
	})
	if err != nil {
		return ModifierGroup{}, fmt.Errorf("store: create modifier group: %w", err)
	}
	return out, nil
}

func derefOptions(p *[]ModifierOptionInput) []ModifierOptionInput {
	if p == nil {
		return nil
	}
	return *p
}

// saveGroup applies in to g (as stored), checks the bounds and writes the
// group and its options.
func (t *txn) saveGroup(g ModifierGroup, in ModifierGroupInput) (ModifierGroup, error) {
	ctx := t.ctx
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Min != nil {
		g.Min = *in.Min
	}
	if in.Max != nil {
		g.Max = *in.Max
	}
	if in.Translations != nil {
		g.Translations = *in.Translations
	}
	if in.Options != nil {
		existing := map[int64]ModifierOption{}
		for _, o := range g.Options {
			existing[o.ID] = o
		}
		g.Options = g.Options[:0:0]
		for i, o := range *in.Options {
			opt := ModifierOption{ID: o.ID, Name: o.Name, PriceDeltaCents: o.PriceDeltaCents, Available: true,
				Default: o.Default, Allergy: o.Allergy, Translations: o.Translations}
			if o.ID != 0 {
				old, ok := existing[o.ID]
				if !ok {
					return ModifierGroup{}, &ValidationError{Fields: map[string]string{
						fmt.Sprintf("options[%d].id", i): fmt.Sprintf("option %d is not an option of this group", o.ID)}}
				}
				opt.Available = old.Available
			}
			if o.Available != nil {
				opt.Available = *o.Available
			}
			if opt.Translations == nil {
				opt.Translations = Translations{}
			}
			g.Options = append(g.Options, opt)
		}
	}
	c := checker{}
	c.groupBounds(g)
	if err := c.err(); err != nil {
		return ModifierGroup{}, err
	}
	if _, err := t.tx.ExecContext(ctx, "UPDATE modifier_groups SET name = ?, min = ?, max = ?, translations = ? WHERE id = ?",
		g.Name, g.Min, g.Max, encodeTranslations(g.Translations), g.ID); err != nil {
		return ModifierGroup{}, err
	}
	if in.Options != nil {
		keep := []int64{}
		for _, o := range g.Options {
			if o.ID != 0 {
				keep = append(keep, o.ID)
			}
		}
		b, _ := json.Marshal(keep)
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM modifier_options WHERE group_id = ? AND id NOT IN (SELECT value FROM json_each(?))", g.ID, string(b)); err != nil {
			return ModifierGroup{}, err
		}
		for i := range g.Options {
			o := &g.Options[i]
			tr := encodeTranslations(o.Translations)
			if o.ID == 0 {
				res, err := t.tx.ExecContext(ctx, `INSERT INTO modifier_options (group_id, name, price_delta_cents, available, is_default, allergy, position, translations)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, o.Name, o.PriceDeltaCents, boolInt(o.Available), boolInt(o.Default), boolInt(o.Allergy), i, tr)
				if err != nil {
					return ModifierGroup{}, err
				}
				o.ID, _ = res.LastInsertId()
				continue
			}
			if _, err := t.tx.ExecContext(ctx, `UPDATE modifier_options SET name = ?, price_delta_cents = ?, available = ?, is_default = ?, allergy = ?,
				position = ?, translations = ? WHERE id = ?`, o.Name, o.PriceDeltaCents, boolInt(o.Available), boolInt(o.Default), boolInt(o.Allergy), i, tr, o.ID); err != nil {
				return ModifierGroup{}, err
			}
		}
	}
	out, err := getGroup(ctx, t.tx, g.ID)
	if err != nil {
		return ModifierGroup{}, err
	}
	return out, t.emitItemsOfGroup(g.ID)
}

// emitItemsOfGroup pushes menu:updated for every live item that lists the
// group, so every screen shows its new options.
func (t *txn) emitItemsOfGroup(groupID int64) error {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+itemColumns+` FROM items WHERE deleted_at IS NULL
		AND id IN (SELECT item_id FROM item_modifier_groups WHERE group_id = ?) ORDER BY id`, groupID)
	if err != nil {
		return err
	}
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := loadItemGroups(t.ctx, t.tx, items); err != nil {
		return err
	}
	for _, it := range items {
		if err := t.emit("menu:updated", it, RoomMenu); err != nil {
			return err
		}
	}
	return nil
}

// UpdateModifierGroup patches a group (its options given whole) and emits
// menu:updated for every item that lists it. It returns ErrNotFound or a
// *ValidationError.
func (s *Store) UpdateModifierGroup(ctx context.Context, id int64, in ModifierGroupInput) (ModifierGroup, error) {
	c := checker{}
	c.modifierGroup(in, false)
	if err := c.err(); err != nil {
		return ModifierGroup{}, fmt.Errorf("store: update modifier group: %w", err)
	}
	var out ModifierGroup
	err := s.write(ctx, func(t *txn) error {
		g, err := getGroup(ctx, t.tx, id)
		if err != nil {
			return err
		}
		out, err = t.saveGroup(g, in)
		return err
	})
	if err != nil {
		return ModifierGroup{}, fmt.Errorf("store: update modifier group %d: %w", id, err)
	}
	return out, nil
}

// DeleteModifierGroup removes a group and its options; the items that
// listed it lose it and are pushed as menu:updated (past orders keep their
// copies). It returns ErrNotFound.
func (s *Store) DeleteModifierGroup(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		var items []int64
		rows, err := t.tx.QueryContext(ctx, "SELECT item_id FROM item_modifier_groups WHERE group_id = ?", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var it int64
			if err := rows.Scan(&it); err != nil {
				rows.Close()
				return err
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		res, err := t.tx.ExecContext(ctx, "DELETE FROM modifier_groups WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		for _, itemID := range items {
			it, err := getItem(ctx, t.tx, itemID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := t.emit("menu:updated", it, RoomMenu); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete modifier group %d: %w", id, err)
	}
	return nil
}

// SetModifierOptionAvailable 86es one option (or brings it back) and emits
// menu:updated for every item whose groups offer it. It returns the
// option's group, or ErrNotFound.
func (s *Store) SetModifierOptionAvailable(ctx context.Context, optionID int64, available bool) (ModifierGroup, error) {
	var g ModifierGroup
	err := s.write(ctx, func(t *txn) error {
		var groupID int64
		err := t.tx.QueryRowContext(ctx, "SELECT group_id FROM modifier_options WHERE id = ?", optionID).Scan(&groupID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE modifier_options SET available = ? WHERE id = ?", boolInt(available), optionID); err != nil {
			return err
		}
		if g, err = getGroup(ctx, t.tx, groupID); err != nil {
			return err
		}
		return t.emitItemsOfGroup(groupID)
	})
	if err != nil {
		return ModifierGroup{}, fmt.Errorf("store: modifier option %d availability: %w", optionID, err)
	}
	return g, nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MenuCategory is a category with its items, as GET /api/menu shows it:
// OpenNow says whether guests may order from it right now, NextOpen (when
// closed) when they next may.
type MenuCategory struct {
	Category
	OpenNow  bool      `json:"open_now"`
	NextOpen *NextOpen `json:"next_open"`
	Items    []Item    `json:"items"`
}

// MenuView is the whole menu in one language. Lang is the language it is
// in; ChangesAt, when set, is the next moment a category opens or closes,
// when a client should load it again.
type MenuView struct {
	Lang       string         `json:"lang"`
	Languages  []string       `json:"languages"`
	Categories []MenuCategory `json:"categories"`
	ChangesAt  *time.Time     `json:"changes_at"`
}

// Item is a dish or drink on the menu.
type Item struct {
	ID          int64    `json:"id"`
	CategoryID  int64    `json:"category_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	PriceCents  int64    `json:"price_cents"`
	Available   bool     `json:"available"`
	Allergens   []string `json:"allergens"`
	Station     string   `json:"station"`
	Position    int64    `json:"position"`
	// Course is the default course of the item's lines (1-based; nil: none).
	Course *int64 `json:"course"`

	Translations Translations `json:"translations"`
	// ImageURL and ThumbURL are content-addressed paths under /images/,
	// null for an item without a photo.
	ImageURL         *string         `json:"image_url"`
	ThumbURL         *string         `json:"thumb_url"`
	ModifierGroupIDs []int64         `json:"modifier_group_ids"`
	ModifierGroups   []ModifierGroup `json:"modifier_groups"`
}

// ItemInput creates or patches an item; on create, category_id, name and
// price_cents are required.
type ItemInput struct {
	CategoryID  *int64    `json:"category_id"`
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	PriceCents  *int64    `json:"price_cents"`
	Available   *bool     `json:"available"`
	Allergens   *[]string `json:"allergens"`
	Station     *string   `json:"station"`
	Position    *int64    `json:"position"`
	// Course 0 clears the default course.
	Course *int64 `json:"course"`

	Translations     *Translations `json:"translations"`
	ModifierGroupIDs *[]int64      `json:"modifier_group_ids"`
}

// DefaultStation is the station of an item created without one.
const DefaultStation = "kitchen"

// MaxPriceCents bounds prices: no dish costs a million in any currency's minor unit sense.
const MaxPriceCents = 100_000_000

// deletedItem is the payload of menu:updated for a deleted item.
type deletedItem struct {
	ID      int64 `json:"id"`
	Deleted bool  `json:"deleted"`
}

const itemColumns = "id, category_id, name, description, price_cents, available, allergens, station, position, course, translations, image_hash, thumb_hash"

func scanItem(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var allergens, tr string
	var course sql.NullInt64
	var image, thumb sql.NullString
	if err := row.Scan(&it.ID, &it.CategoryID, &it.Name, &it.Description, &it.PriceCents, &it.Available, &allergens, &it.Station, &it.Position,
		&course, &tr, &image, &thumb); err != nil {
		return Item{}, err
	}
	if course.Valid {
		it.Course = &course.Int64
	}
	var err error
	if it.Translations, err = decodeTranslations(tr); err != nil {
		return Item{}, fmt.Errorf("item %d: %w", it.ID, err)
	}
	it.ImageURL, it.ThumbURL = imageURL(image), imageURL(thumb)
	it.ModifierGroupIDs, it.ModifierGroups = []int64{}, []ModifierGroup{}
	if err := json.Unmarshal([]byte(allergens), &it.Allergens); err != nil {
		return Item{}, fmt.Errorf("allergens of item %d: %w", it.ID, err)
	}
	if it.Allergens == nil {
		it.Allergens = []string{}
	}
	return it, nil
}

// Menu returns every category with its live items, in position order, in
// lang (the kitchen's language, the first of the settings' languages, when
// lang is empty or not one of them), and the newest event seq of the same
// snapshot.
func (s *Store) Menu(ctx context.Context, lang string) (MenuView, int64, error) {
	v := MenuView{Categories: []MenuCategory{}}
	var seq int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if seq, err = lastSeq(ctx, tx); err != nil {
			return err
		}
		st, err := getSettings(ctx, tx)
		if err != nil {
			return err
		}
		v.Languages, v.Lang = st.Languages, st.Languages[0]
		for _, l := range st.Languages {
			if l == lang {
				v.Lang = lang
			}
		}
		now := s.now().In(st.Location())
		rows, err := tx.QueryContext(ctx, "SELECT "+categoryColumns+" FROM categories WHERE deleted_at IS NULL ORDER BY position, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		index := map[int64]int{}
		for rows.Next() {
			cat, err := scanCategory(rows)
			if err != nil {
				return err
			}
			c := MenuCategory{Category: cat, OpenNow: openAt(cat.Hours, now), Items: []Item{}}
			if !c.OpenNow {
				c.NextOpen = nextOpen(cat.Hours, now)
			}
			if at := nextChange(cat.Hours, now); !at.IsZero() && (v.ChangesAt == nil || at.Before(*v.ChangesAt)) {
				utc := at.UTC()
				v.ChangesAt = &utc
			}
			c.Name = c.Translations.name(v.Lang, c.Name)
			index[c.ID] = len(v.Categories)
			v.Categories = append(v.Categories, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+itemColumns+" FROM items WHERE deleted_at IS NULL ORDER BY position, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []Item
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := loadItemGroups(ctx, tx, items); err != nil {
			return err
		}
		for _, it := range items {
			if i, ok := index[it.CategoryID]; ok {
				it.localize(v.Lang)
				v.Categories[i].Items = append(v.Categories[i].Items, it)
			}
		}
		return nil
	})
	if err != nil {
		return MenuView{}, 0, fmt.Errorf("store: menu: %w", err)
	}
	return v, seq, nil
}

// Item returns one live item, or ErrNotFound.
func (s *Store) Item(ctx context.Context, id int64) (Item, error) {
	it, err := getItem(ctx, s.r, id)
	if err != nil {
		return Item{}, fmt.Errorf("store: item %d: %w", id, err)
	}
	return it, nil
}

func getItem(ctx context.Context, q queryer, id int64) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, "SELECT "+itemColumns+" FROM items WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, err
	}
	items := []Item{it}
	if err := loadItemGroups(ctx, q, items); err != nil {
		return Item{}, err
	}
	return items[0], nil
}

func (c checker) item(in ItemInput, create bool) {
	if in.CategoryID == nil && create {
		c.add("category_id", "is required")
	}
	if in.Name != nil {
		c.text("name", *in.Name, 1, 100, false)
	} else if create {
		c.add("name", "is required")
	}
	if in.Description != nil {
		c.text("description", *in.Description, 0, 1000, true)
	}
	if in.PriceCents != nil {
		c.between("price_cents", *in.PriceCents, 0, MaxPriceCents)
	} else if create {
		c.add("price_cents", "is required")
	}
	if in.Allergens != nil {
		if len(*in.Allergens) > 20 {
			c.add("allergens", "must list at most 20 allergens")
		}
		for _, a := range *in.Allergens {
			c.text("allergens", a, 1, 40, false)
		}
	}
	if in.Station != nil {
		c.text("station", *in.Station, 1, 30, false)
		if strings.TrimSpace(*in.Station) != *in.Station {
			c.add("station", "must not start or end with spaces")
		}
	}
	if in.Position != nil {
		c.between("position", *in.Position, -1_000_000, 1_000_000)
	}
	if in.Course != nil {
		c.between("course", *in.Course, 0, MaxCourses)
	}
	if in.Translations != nil {
		c.translations("translations", *in.Translations, 100)
	}
}

func (t *txn) checkCategory(id int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM categories WHERE id = ? AND deleted_at IS NULL", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &ValidationError{Fields: map[string]string{"category_id": "no such category"}}
	}
	return nil
}

func itemNameFree(t *txn, categoryID int64, name string, except int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM items WHERE category_id = ? AND name = ? COLLATE NOCASE AND deleted_at IS NULL AND id != ?",
		categoryID, name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return conflictf("an item named %q is already in this category", name)
	}
	return nil
}

// saveItem writes it (and, when groups is not nil, the groups it lists)
// and emits menu:updated with the item as stored.
func (t *txn) saveItem(it Item, groups *[]int64) (Item, error) {
	allergens, _ := json.Marshal(it.Allergens)
	tr := encodeTranslations(it.Translations)
	if it.ID == 0 {
		res, err := t.tx.ExecContext(t.ctx, `INSERT INTO items (category_id, name, description, price_cents, available, allergens, station, position, course, translations)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.CategoryID, it.Name, it.Description, it.PriceCents, boolInt(it.Available), string(allergens), it.Station, it.Position, it.Course, tr)
		if err != nil {
			return Item{}, err
		}
		it.ID, _ = res.LastInsertId()
	} else if _, err := t.tx.ExecContext(t.ctx, `UPDATE items SET category_id = ?, name = ?, description = ?, price_cents = ?, available = ?,
			allergens = ?, station = ?, position = ?, course = ?, translations = ? WHERE id = ?`, it.CategoryID, it.Name, it.Description, it.PriceCents, boolInt(it.Available),
		string(allergens), it.Station, it.Position, it.Course, tr, it.ID); err != nil {
		return Item{}, err
	}
	if groups != nil {
		if err := t.setItemGroups(it.ID, *groups); err != nil {
			return Item{}, err
		}
	}
	saved, err := getItem(t.ctx, t.tx, it.ID)
	if err != nil {
		return Item{}, err
	}
	return saved, t.emit("menu:updated", saved, RoomMenu)
}

// CreateItem adds an item and emits menu:updated. It returns a
// *ValidationError or an ErrConflict for a duplicate name in the category.
func (s *Store) CreateItem(ctx context.Context, in ItemInput) (Item, error) {
	c := checker{}
	c.item(in, true)
	if err := c.err(); err != nil {
		return Item{}, fmt.Errorf("store: create item: %w", err)
	}
	it := Item{CategoryID: *in.CategoryID, Name: *in.Name, PriceCents: *in.PriceCents, Available: true, Allergens: []string{}, Station: DefaultStation,
		Translations: Translations{}}
	applyItem(&it, in)
	err := s.write(ctx, func(t *txn) error {
		if err := t.checkCategory(it.CategoryID); err != nil {
			return err
		}
		if err := itemNameFree(t, it.CategoryID, it.Name, 0); err != nil {
			return err
		}
		if in.Position == nil {
			if err := t.tx.QueryRowContext(ctx, "SELECT coalesce(max(position), 0) + 1 FROM items WHERE category_id = ?", it.CategoryID).Scan(&it.Position); err != nil {
				return err
			}
		}
		var err error
		if it, err = t.saveItem(it, in.ModifierGroupIDs); err != nil {
			return err
		}
		return t.audit(change{action: "item.create", entity: "item", entityID: it.ID, detail: map[string]any{"name": it.Name, "price_cents": it.PriceCents}})
	})
	if err != nil {
		return Item{}, fmt.Errorf("store: create item: %w", err)
	}
	return it, nil
}

func applyItem(it *Item, in ItemInput) {
	if in.CategoryID != nil {
		it.CategoryID = *in.CategoryID
	}
	if in.Name != nil {
		it.Name = *in.Name
	}
	if in.Description != nil {
		it.Description = *in.Description
	}
	if in.PriceCents != nil {
		it.PriceCents = *in.PriceCents
	}
	if in.Available != nil {
		it.Available = *in.Available
	}
	if in.Allergens != nil {
		it.Allergens = append([]string{}, *in.Allergens...)
	}
	if in.Station != nil {
		it.Station = *in.Station
	}
	if in.Position != nil {
		it.Position = *in.Position
	}
	if in.Course != nil {
		it.Course = nil
		if *in.Course > 0 {
			c := *in.Course
			it.Course = &c
		}
	}
	if in.Translations != nil {
		it.Translations = *in.Translations
	}
}

// UpdateItem patches an item and emits menu:updated. It returns
// ErrNotFound, a *ValidationError or an ErrConflict.
func (s *Store) UpdateItem(ctx context.Context, id int64, in ItemInput) (Item, error) {
	c := checker{}
	c.item(in, false)
	if err := c.err(); err != nil {
		return Item{}, fmt.Errorf("store: update item: %w", err)
	}
	var it Item
	err := s.write(ctx, func(t *txn) error {
		var err error
		if it, err = getItem(ctx, t.tx, id); err != nil {
			return err
		}
		applyItem(&it, in)
		if in.CategoryID != nil {
			if err := t.checkCategory(it.CategoryID); err != nil {
				return err
			}
		}
		if in.Name != nil || in.CategoryID != nil {
			if err := itemNameFree(t, it.CategoryID, it.Name, id); err != nil {
				return err
			}
		}
		if it, err = t.saveItem(it, in.ModifierGroupIDs); err != nil {
			return err
		}
		return t.audit(change{action: "item.update", entity: "item", entityID: id, detail: in})
	})
	if err != nil {
		return Item{}, fmt.Errorf("store: update item %d: %w", id, err)
	}
	return it, nil
}

// SetItemAvailable 86es an item or brings it back, and emits menu:updated.
// It returns ErrNotFound.
func (s *Store) SetItemAvailable(ctx context.Context, id int64, available bool) (Item, error) {
	return s.UpdateItem(ctx, id, ItemInput{Available: &available})
}

// DeleteItem takes an item off the menu (past orders keep their copy) and
// emits menu:updated with {id, deleted: true}. It returns ErrNotFound.
func (s *Store) DeleteItem(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(ctx, "UPDATE items SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", ms(t.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := t.audit(change{action: "item.delete", entity: "item", entityID: id}); err != nil {
			return err
		}
		return t.emit("menu:updated", deletedItem{ID: id, Deleted: true}, RoomMenu)
	})
	if err != nil {
		return fmt.Errorf("store: delete item %d: %w", id, err)
	}
	return nil
}

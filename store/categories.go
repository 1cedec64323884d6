package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Category is a section of the menu.
type Category struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Position     int64        `json:"position"`
	Translations Translations `json:"translations"`
	// Hours are when guests may order from it; empty: always.
	Hours []Hours `json:"hours"`
}

// CategoryInput creates (all fields) or patches (non-nil fields) a category.
type CategoryInput struct {
	Name         *string       `json:"name"`
	Position     *int64        `json:"position"`
	Translations *Translations `json:"translations"`
	Hours        *[]Hours      `json:"hours"`
}

const categoryColumns = "id, name, position, translations, hours"

func scanCategory(row interface{ Scan(...any) error }) (Category, error) {
	var c Category
	var tr, hours string
	if err := row.Scan(&c.ID, &c.Name, &c.Position, &tr, &hours); err != nil {
		return Category{}, err
	}
	var err error
	if c.Translations, err = decodeTranslations(tr); err != nil {
		return Category{}, fmt.Errorf("category %d: %w", c.ID, err)
	}
	if c.Hours, err = decodeHours(hours); err != nil {
		return Category{}, fmt.Errorf("category %d: %w", c.ID, err)
	}
	return c, nil
}

func (c checker) category(in CategoryInput, create bool) {
	if in.Name != nil {
		c.text("name", *in.Name, 1, 50, false)
	} else if create {
		c.add("name", "is required")
	}
	if in.Position != nil {
		c.between("position", *in.Position, -1_000_000, 1_000_000)
	}
	if in.Translations != nil {
		c.translations("translations", *in.Translations, 50)
	}
	if in.Hours != nil {
		c.hours("hours", *in.Hours)
	}
}

func categoryNameFree(t *txn, name string, except int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM categories WHERE name = ? COLLATE NOCASE AND id != ? AND deleted_at IS NULL", name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return conflictf("a category named %q exists", name)
	}
	return nil
}

// CreateCategory adds a category. It returns a *ValidationError or an
// ErrConflict for a duplicate name. Categories emit no event.
func (s *Store) CreateCategory(ctx context.Context, in CategoryInput) (Category, error) {
	c := checker{}
	c.category(in, true)
	if err := c.err(); err != nil {
		return Category{}, fmt.Errorf("store: create category: %w", err)
	}
	cat := Category{Name: *in.Name, Translations: Translations{}, Hours: []Hours{}}
	applyCategory(&cat, in)
	err := s.write(ctx, func(t *txn) error {
		if err := categoryNameFree(t, cat.Name, 0); err != nil {
			return err
		}
		if in.Position != nil {
			cat.Position = *in.Position
		} else if err := t.tx.QueryRowContext(ctx, "SELECT coalesce(max(position), 0) + 1 FROM categories WHERE deleted_at IS NULL").Scan(&cat.Position); err != nil {
			return err
		}
		res, err := t.tx.ExecContext(ctx, "INSERT INTO categories (name, position, translations, hours) VALUES (?, ?, ?, ?)",
			cat.Name, cat.Position, encodeTranslations(cat.Translations), encodeHours(cat.Hours))
		if err != nil {
			return err
		}
		if cat.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return t.audit(change{action: "category.create", entity: "category", entityID: cat.ID, detail: cat})
	})
	if err != nil {
		return Category{}, fmt.Errorf("store: create category: %w", err)
	}
	return cat, nil
}

// UpdateCategory patches a category. It returns ErrNotFound, a
// *ValidationError or an ErrConflict for a duplicate name.
func (s *Store) UpdateCategory(ctx context.Context, id int64, in CategoryInput) (Category, error) {
	c := checker{}
	c.category(in, false)
	if err := c.err(); err != nil {
		return Category{}, fmt.Errorf("store: update category: %w", err)
	}
	var cat Category
	err := s.write(ctx, func(t *txn) error {
		var err error
		cat, err = scanCategory(t.tx.QueryRowContext(ctx, "SELECT "+categoryColumns+" FROM categories WHERE id = ? AND deleted_at IS NULL", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if in.Name != nil {
			if err := categoryNameFree(t, *in.Name, id); err != nil {
				return err
			}
		}
		applyCategory(&cat, in)
		if _, err = t.tx.ExecContext(ctx, "UPDATE categories SET name = ?, position = ?, translations = ?, hours = ? WHERE id = ?",
			cat.Name, cat.Position, encodeTranslations(cat.Translations), encodeHours(cat.Hours), id); err != nil {
			return err
		}
		return t.audit(change{action: "category.update", entity: "category", entityID: id, detail: in})
	})
	if err != nil {
		return Category{}, fmt.Errorf("store: update category %d: %w", id, err)
	}
	return cat, nil
}

func applyCategory(cat *Category, in CategoryInput) {
	if in.Name != nil {
		cat.Name = *in.Name
	}
	if in.Position != nil {
		cat.Position = *in.Position
	}
	if in.Translations != nil {
		cat.Translations = *in.Translations
		if cat.Translations == nil {
			cat.Translations = Translations{}
		}
	}
	if in.Hours != nil {
		cat.Hours = append([]Hours{}, *in.Hours...)
	}
}

// DeleteCategory removes an empty category. It returns ErrNotFound, or an
// ErrConflict while live items are in it.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		var live int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE category_id = ? AND deleted_at IS NULL", id).Scan(&live); err != nil {
			return err
		}
		if live > 0 {
			return conflictf("the category still has %d items; move or delete them first", live)
		}
		// Soft: deleted items of past orders still point at it.
		res, err := t.tx.ExecContext(ctx, "UPDATE categories SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", ms(t.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return t.audit(change{action: "category.delete", entity: "category", entityID: id})
	})
	if err != nil {
		return fmt.Errorf("store: delete category %d: %w", id, err)
	}
	return nil
}

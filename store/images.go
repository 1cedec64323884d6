package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Photo is an item's picture as the box keeps it: a JPEG of at most
// 1200 px and its thumbnail, each with its size.
type Photo struct {
	Full, Thumb    []byte
	FullW, FullH   int
	ThumbW, ThumbH int
}

// imagePrefix is where the server answers image hashes.
const imagePrefix = "/images/"

func imageURL(hash sql.NullString) *string {
	if !hash.Valid {
		return nil
	}
	u := imagePrefix + hash.String + ".jpg"
	return &u
}

// ImageHash is the content address of a stored image's bytes.
func ImageHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// putImage stores data under its hash (once) and returns the hash.
func (t *txn) putImage(data []byte, w, h int) (string, error) {
	hash := ImageHash(data)
	_, err := t.tx.ExecContext(t.ctx, "INSERT OR IGNORE INTO images (hash, data, width, height, created_at) VALUES (?, ?, ?, ?, ?)",
		hash, data, w, h, ms(t.now))
	return hash, err
}

// dropUnusedImages deletes the images no item shows any more.
func (t *txn) dropUnusedImages() error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM images WHERE hash NOT IN
		(SELECT image_hash FROM items WHERE image_hash IS NOT NULL UNION SELECT thumb_hash FROM items WHERE thumb_hash IS NOT NULL)`)
	return err
}

// SetItemImage gives an item its photo (replacing any earlier one) and
// emits menu:updated. It returns ErrNotFound.
func (s *Store) SetItemImage(ctx context.Context, id int64, p Photo) (Item, error) {
	return s.setItemImage(ctx, id, &p)
}

// DeleteItemImage takes an item's photo away and emits menu:updated. It
// returns ErrNotFound for no such item.
func (s *Store) DeleteItemImage(ctx context.Context, id int64) (Item, error) {
	return s.setItemImage(ctx, id, nil)
}

func (s *Store) setItemImage(ctx context.Context, id int64, p *Photo) (Item, error) {
	var it Item
	err := s.write(ctx, func(t *txn) error {
		if _, err := getItem(ctx, t.tx, id); err != nil {
			return err
		}
		var full, thumb sql.NullString
		if p != nil {
			var err error
			if full.String, err = t.putImage(p.Full, p.FullW, p.FullH); err != nil {
				return err
			}
			if thumb.String, err = t.putImage(p.Thumb, p.ThumbW, p.ThumbH); err != nil {
				return err
			}
			full.Valid, thumb.Valid = true, true
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE items SET image_hash = ?, thumb_hash = ? WHERE id = ?", full, thumb, id); err != nil {
			return err
		}
		if err := t.dropUnusedImages(); err != nil {
			return err
		}
		var err error
		if it, err = getItem(ctx, t.tx, id); err != nil {
			return err
		}
		return t.emit("menu:updated", it, RoomMenu)
	})
	if err != nil {
		return Item{}, fmt.Errorf("store: item %d image: %w", id, err)
	}
	return it, nil
}

// Image returns the stored image with hash, or ErrNotFound.
func (s *Store) Image(ctx context.Context, hash string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, "SELECT data FROM images WHERE hash = ?", hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: image %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: image %s: %w", hash, err)
	}
	return data, nil
}

package store

// The read side of orders: scanning rows, loading lines, one order and the
// filtered list with the seq it was read at.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

func orderRooms(o Order) []string {
	return []string{RoomOrders, RoomKDS, TableRoom(o.TableID)}
}

const orderColumns = "o.id, o.table_id, t.name, o.status, o.notes, o.subtotal_cents, o.cancel_reason, o.created_at, o.updated_at, o.status_changed_at, o.paid_at"

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var o Order
	var reason string
	var created, updated, changed int64
	var paid sql.NullInt64
	if err := row.Scan(&o.ID, &o.TableID, &o.TableName, &o.Status, &o.Notes, &o.SubtotalCents, &reason, &created, &updated, &changed, &paid); err != nil {
		return Order{}, err
	}
	if paid.Valid {
		at := fromMS(paid.Int64)
		o.PaidAt = &at
	}
	if o.Status == StatusCancelled {
		o.CancelReason = &reason
	}
	o.CreatedAt, o.UpdatedAt, o.StatusChangedAt = fromMS(created), fromMS(updated), fromMS(changed)
	o.Items = []OrderItem{}
	return o, nil
}

// loadItems fills the lines of orders with one query.
func loadItems(ctx context.Context, q queryer, orders []Order) error {
	if len(orders) == 0 {
		return nil
	}
	index := make(map[int64]int, len(orders))
	ids := make([]string, len(orders))
	for i, o := range orders {
		index[o.ID] = i
		ids[i] = fmt.Sprint(o.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT order_id, id, menu_item_id, name, quantity, unit_price_cents, notes, station, done, `+lineServiceColumns+`
		FROM order_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id`, "["+strings.Join(ids, ",")+"]")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var orderID int64
		var it OrderItem
		var ls lineScan
		if err := rows.Scan(append([]any{&orderID, &it.ID, &it.MenuItemID, &it.Name, &it.Quantity, &it.UnitPriceCents, &it.Notes, &it.Station, &it.Done}, ls.dest()...)...); err != nil {
			return err
		}
		it.lineService = ls.service()
		it.Modifiers = []OrderModifier{}
		i := index[orderID]
		orders[i].Items = append(orders[i].Items, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return loadModifiers(ctx, q, orders, "["+strings.Join(ids, ",")+"]")
}

func getOrder(ctx context.Context, q queryer, id int64) (Order, error) {
	o, err := scanOrder(q.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders o JOIN tables t ON t.id = o.table_id WHERE o.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, ErrNotFound
	}
	if err != nil {
		return Order{}, err
	}
	orders := []Order{o}
	if err := loadItems(ctx, q, orders); err != nil {
		return Order{}, err
	}
	return orders[0], nil
}

// Order returns one order, or ErrNotFound.
func (s *Store) Order(ctx context.Context, id int64) (Order, error) {
	o, err := getOrder(ctx, s.r, id)
	if err != nil {
		return Order{}, fmt.Errorf("store: order %d: %w", id, err)
	}
	return o, nil
}

// Orders lists the orders that match f, oldest first, with the newest
// event seq of the same snapshot. It returns a *ValidationError for an
// unknown status.
func (s *Store) Orders(ctx context.Context, f OrderFilter) ([]Order, int64, error) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		c := checker{}
		for _, st := range f.Statuses {
			c.oneOf("status", st, OrderStatuses...)
		}
		if err := c.err(); err != nil {
			return nil, 0, fmt.Errorf("store: orders: %w", err)
		}
		b, _ := json.Marshal(f.Statuses)
		where = append(where, "o.status IN (SELECT value FROM json_each(?))")
		args = append(args, string(b))
	}
	if f.TableID != 0 {
		where = append(where, "o.table_id = ?")
		args = append(args, f.TableID)
	}
	if f.Active {
		where = append(where, "o.status NOT IN ('paid', 'cancelled')")
	}
	if !f.Since.IsZero() {
		where = append(where, "o.updated_at > ?")
		args = append(args, ms(f.Since))
	}
	if f.BeforeID > 0 {
		where = append(where, "o.id < ?")
		args = append(args, f.BeforeID)
	}
	query := "SELECT " + orderColumns + " FROM orders o JOIN tables t ON t.id = o.table_id"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY o.id"
	if f.Limit > 0 {
		// The newest Limit orders, still returned oldest first.
		query = "SELECT * FROM (" + strings.Replace(query, "ORDER BY o.id", "ORDER BY o.id DESC", 1) + fmt.Sprintf(" LIMIT %d) ORDER BY 1", f.Limit)
	}
	orders := []Order{}
	var seq int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if seq, err = lastSeq(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrder(rows)
			if err != nil {
				return err
			}
			orders = append(orders, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return loadItems(ctx, tx, orders)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: orders: %w", err)
	}
	return orders, seq, nil
}

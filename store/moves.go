package store

import (
	"context"
	"fmt"
)

// openMoney counts a table's unsettled payments and discounts: money that
// belongs to its bill as a whole.
func openMoney(t *txn, tableID int64) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT (SELECT count(*) FROM payments WHERE table_id = ?1 AND settled = 0)
		+ (SELECT count(*) FROM discounts WHERE table_id = ?1 AND settled = 0)`, tableID).Scan(&n)
	return n, err
}

// moveOrders moves orders to table to, with the source bill's payments
// and discounts when withMoney, then announces both tables: to becomes
// occupied, and from, left with nothing open, cleaning. Each order emits
// order:updated to both tables' rooms, so the old table's iPad sees it go.
func (t *txn) moveOrders(orders []Order, from, to Table, withMoney bool) error {
	for i := range orders {
		o := &orders[i]
		o.TableID, o.TableName, o.UpdatedAt = to.ID, to.Name, t.now
		if _, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET table_id = ?, updated_at = ? WHERE id = ?", to.ID, ms(t.now), o.ID); err != nil {
			return err
		}
		if err := t.emit("order:updated", *o, RoomOrders, RoomKDS, TableRoom(to.ID), TableRoom(from.ID)); err != nil {
			return err
		}
	}
	if withMoney {
		for _, q := range []string{"UPDATE payments SET table_id = ? WHERE table_id = ? AND settled = 0",
			"UPDATE discounts SET table_id = ? WHERE table_id = ? AND settled = 0"} {
			if _, err := t.tx.ExecContext(t.ctx, q, to.ID, from.ID); err != nil {
				return err
			}
		}
	}
	left, err := openOrders(t.ctx, t.tx, from.ID)
	if err != nil {
		return err
	}
	for _, side := range []struct {
		tb     Table
		status string
	}{{to, TableOccupied}, {from, TableCleaning}} {
		tb := side.tb
		switch {
		case tb.ID == to.ID && (tb.Status == TableAvailable || tb.Status == TableReserved || tb.Status == TableCleaning),
			tb.ID == from.ID && len(left) == 0 && tb.Status == TableOccupied:
			if err := t.setTableStatus(&tb, side.status); err != nil {
				return err
			}
		default:
			if err := t.emitTable(tb); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveTables loads the two live tables of a move.
func moveTables(t *txn, from, to int64) (Table, Table, error) {
	if from == to {
		return Table{}, Table{}, &ValidationError{Fields: map[string]string{"table_id": "is the table it is at already"}}
	}
	src, err := getTable(t.ctx, t.tx, from)
	if err != nil {
		return Table{}, Table{}, err
	}
	dst, err := getTable(t.ctx, t.tx, to)
	if err != nil {
		return Table{}, Table{}, &ValidationError{Fields: map[string]string{"table_id": "no such table"}}
	}
	return src, dst, nil
}

// MoveOrder moves an open order to another table (order:updated, and
// table:updated for both). A table whose bill is part-paid or discounted
// moves whole, by merging; its last open order takes that money along.
// It returns ErrNotFound, a *ValidationError or an ErrConflict.
func (s *Store) MoveOrder(ctx context.Context, orderID, tableID int64) (Order, error) {
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var err error
		if o, err = getOrder(ctx, t.tx, orderID); err != nil {
			return err
		}
		if o.Status == StatusPaid || o.Status == StatusCancelled {
			return conflictf("a %s order stays where it was", o.Status)
		}
		if o.PaidAt != nil {
			return conflictf("order %d is paid already and stays where it was", o.ID)
		}
		src, dst, err := moveTables(t, o.TableID, tableID)
		if err != nil {
			return err
		}
		open, err := openOrders(ctx, t.tx, src.ID)
		if err != nil {
			return err
		}
		money, err := openMoney(t, src.ID)
		if err != nil {
			return err
		}
		if money > 0 && len(open) > 1 {
			return conflictf("part of %s's bill is paid or discounted; merge the tables instead", src.Name)
		}
		orders := []Order{o}
		if err := t.moveOrders(orders, src, dst, true); err != nil {
			return err
		}
		o = orders[0]
		return t.audit(change{action: "order.move", entity: "order", entityID: o.ID, orderID: o.ID,
			detail: map[string]any{"from_table_id": src.ID, "from_table": src.Name, "to_table_id": dst.ID, "to_table": dst.Name}})
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: move order %d: %w", orderID, err)
	}
	return o, nil
}

// MergeTables moves every open order of table from, with its payments and
// discounts, to table into (order:updated each, table:updated for both),
// and returns the orders moved. It returns ErrNotFound, a
// *ValidationError, or an ErrConflict when from has nothing open.
func (s *Store) MergeTables(ctx context.Context, from, into int64) ([]Order, error) {
	var orders []Order
	err := s.write(ctx, func(t *txn) error {
		src, dst, err := moveTables(t, from, into)
		if err != nil {
			if ve, ok := err.(*ValidationError); ok {
				ve.Fields = map[string]string{"into_table_id": ve.Fields["table_id"]}
			}
			return err
		}
		if orders, err = openOrders(ctx, t.tx, src.ID); err != nil {
			return err
		}
		if len(orders) == 0 {
			return conflictf("%s has no open orders to merge", src.Name)
		}
		if err := t.moveOrders(orders, src, dst, true); err != nil {
			return err
		}
		ids := make([]int64, len(orders))
		for i, o := range orders {
			ids[i] = o.ID
			// One row per order too, so the order's own history shows it.
			if err := t.audit(change{action: "order.move", entity: "order", entityID: o.ID, orderID: o.ID,
				detail: map[string]any{"from_table_id": src.ID, "from_table": src.Name, "to_table_id": dst.ID, "to_table": dst.Name, "merge": true}}); err != nil {
				return err
			}
		}
		return t.audit(change{action: "table.merge", entity: "table", entityID: src.ID,
			detail: map[string]any{"from_table": src.Name, "into_table_id": dst.ID, "into_table": dst.Name, "order_ids": ids}})
	})
	if err != nil {
		return nil, fmt.Errorf("store: merge table %d into %d: %w", from, into, err)
	}
	return orders, nil
}

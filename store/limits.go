package store

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// TableLimits bound what one table's iPad may order, so that one table
// (a broken app, a guest who found the API) cannot fill the kitchen's
// screens, the disk or the memory of the box. They are settings
// (GET/PATCH /api/settings) and apply to orders placed with a customer
// token; staff orders are bound only by the hard limits of an order.
type TableLimits struct {
	MaxLinesPerOrder   int64 `json:"table_max_lines_per_order"`
	MaxNoteChars       int64 `json:"table_max_note_chars"`
	MaxOrdersPerMinute int64 `json:"table_max_orders_per_minute"`
	MaxOpenOrders      int64 `json:"table_max_open_orders"`
}

// TableLimitsPatch changes the limits that are not nil.
type TableLimitsPatch struct {
	MaxLinesPerOrder   *int64 `json:"table_max_lines_per_order"`
	MaxNoteChars       *int64 `json:"table_max_note_chars"`
	MaxOrdersPerMinute *int64 `json:"table_max_orders_per_minute"`
	MaxOpenOrders      *int64 `json:"table_max_open_orders"`
}

// The ranges a limit may be set to: never above an order's hard limits,
// never so low that a table cannot order at all.
var limitRanges = []struct {
	field    string
	min, max int64
	get      func(*TableLimits) *int64
	patch    func(TableLimitsPatch) *int64
}{
	{"table_max_lines_per_order", 1, MaxOrderLines, func(l *TableLimits) *int64 { return &l.MaxLinesPerOrder }, func(p TableLimitsPatch) *int64 { return p.MaxLinesPerOrder }},
	{"table_max_note_chars", 0, maxNotes, func(l *TableLimits) *int64 { return &l.MaxNoteChars }, func(p TableLimitsPatch) *int64 { return p.MaxNoteChars }},
	{"table_max_orders_per_minute", 1, 60, func(l *TableLimits) *int64 { return &l.MaxOrdersPerMinute }, func(p TableLimitsPatch) *int64 { return p.MaxOrdersPerMinute }},
	{"table_max_open_orders", 1, 200, func(l *TableLimits) *int64 { return &l.MaxOpenOrders }, func(p TableLimitsPatch) *int64 { return p.MaxOpenOrders }},
}

func getTableLimits(ctx context.Context, q queryer) (TableLimits, error) {
	var l TableLimits
	err := q.QueryRowContext(ctx, `SELECT max_lines_per_order, max_note_chars, max_orders_per_minute, max_open_orders
		FROM table_limits WHERE id = 1`).Scan(&l.MaxLinesPerOrder, &l.MaxNoteChars, &l.MaxOrdersPerMinute, &l.MaxOpenOrders)
	return l, err
}

// applyTableLimits validates p into c and, when c stays clean, writes the
// changed limits into l and the database.
func (t *txn) applyTableLimits(p TableLimitsPatch, l *TableLimits, c checker) error {
	changed := false
	for _, r := range limitRanges {
		if v := r.patch(p); v != nil {
			c.between(r.field, *v, r.min, r.max)
			*r.get(l) = *v
			changed = true
		}
	}
	if !changed || c.err() != nil {
		return nil
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE table_limits SET max_lines_per_order = ?, max_note_chars = ?,
		max_orders_per_minute = ?, max_open_orders = ? WHERE id = 1`,
		l.MaxLinesPerOrder, l.MaxNoteChars, l.MaxOrdersPerMinute, l.MaxOpenOrders)
	return err
}

// RateLimitError is a request refused because its sender did too much too
// fast; RetryAfter says when it would be taken.
type RateLimitError struct {
	Msg        string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return e.Msg }

// checkTableLimits refuses a table's order that breaks its limits: too
// many lines or too long a note (a *ValidationError), too many open
// orders (an ErrConflict: a waiter must help), or too many orders in the
// last minute (a *RateLimitError).
func (t *txn) checkTableLimits(in NewOrder) error {
	l, err := getTableLimits(t.ctx, t.tx)
	if err != nil {
		return err
	}
	c := checker{}
	if int64(len(in.Items)) > l.MaxLinesPerOrder {
		c.add("items", fmt.Sprintf("must have at most %d lines from a table; ask a waiter for more", l.MaxLinesPerOrder))
	}
	for i, it := range in.Items {
		if int64(utf8.RuneCountInString(it.Notes)) > l.MaxNoteChars {
			c.add(fmt.Sprintf("items[%d].notes", i), fmt.Sprintf("must be at most %d characters", l.MaxNoteChars))
		}
	}
	if int64(utf8.RuneCountInString(in.Notes)) > l.MaxNoteChars {
		c.add("notes", fmt.Sprintf("must be at most %d characters", l.MaxNoteChars))
	}
	if err := c.err(); err != nil {
		return err
	}
	var open int64
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM orders WHERE table_id = ? AND status NOT IN ('paid', 'cancelled')", in.TableID).Scan(&open); err != nil {
		return err
	}
	if open >= l.MaxOpenOrders {
		return conflictf("this table has %d open orders, the most a table may place; a waiter can add more", open)
	}
	// The orders of the last minute, oldest first: when the limit is
	// reached, the oldest one leaving the window lets the next in.
	since := t.now.Add(-time.Minute)
	rows, err := t.tx.QueryContext(t.ctx, "SELECT created_at FROM orders WHERE table_id = ? AND created_at > ? ORDER BY created_at LIMIT ?", in.TableID, ms(since), l.MaxOrdersPerMinute)
	if err != nil {
		return err
	}
	var times []int64
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return err
		}
		times = append(times, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if int64(len(times)) >= l.MaxOrdersPerMinute {
		wait := fromMS(times[0]).Add(time.Minute).Sub(t.now)
		return &RateLimitError{Msg: fmt.Sprintf("a table may send %d orders a minute; try again shortly", l.MaxOrdersPerMinute), RetryAfter: max(wait, time.Second)}
	}
	return nil
}

// checkBillCap refuses an order that would take the table's open bill past
// MaxBillCents.
func (t *txn) checkBillCap(tableID, subtotal int64) error {
	var open int64
	if err := t.tx.QueryRowContext(t.ctx, "SELECT coalesce(sum(subtotal_cents), 0) FROM orders WHERE table_id = ? AND status NOT IN ('paid', 'cancelled')", tableID).Scan(&open); err != nil {
		return err
	}
	if subtotal > MaxBillCents || open > MaxBillCents-subtotal {
		return &ValidationError{Fields: map[string]string{"items": fmt.Sprintf("would take the table's bill past %d; settle the bill first", int64(MaxBillCents))}}
	}
	return nil
}

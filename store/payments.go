package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Payment methods.
const (
	MethodCash  = "cash"
	MethodCard  = "card"
	MethodOther = "other"
)

// Payment is money taken for a table's bill.
type Payment struct {
	ID          int64     `json:"id"`
	TableID     int64     `json:"table_id"`
	OrderIDs    []int64   `json:"order_ids"`
	Method      string    `json:"method"`
	AmountCents int64     `json:"amount_cents"`
	TipCents    int64     `json:"tip_cents"`
	CreatedAt   time.Time `json:"created_at"`
	// LineIDs are the lines a payment by item or seat settled; empty for a
	// payment of an amount.
	LineIDs []int64 `json:"line_ids"`
	// TenderedCents is the cash handed over, when the waiter entered it;
	// ChangeCents what went back (tendered less amount and tip).
	TenderedCents int64 `json:"tendered_cents,omitempty"`
	ChangeCents   int64 `json:"change_cents,omitempty"`
}

// NewPayment is the input of CreatePayment.
type NewPayment struct {
	TableID     int64  `json:"table_id"`
	Method      string `json:"method"`
	AmountCents int64  `json:"amount_cents"`
	TipCents    int64  `json:"tip_cents"`
	// LineIDs (or Seat: every unpaid line of that seat) make it a payment
	// of exactly those lines.
	LineIDs []int64 `json:"line_ids,omitempty"`
	Seat    *int64  `json:"seat,omitempty"`
	// TenderedCents (cash only, optional) is what the guest handed over:
	// at least amount plus tip; the receipt prints the change.
	TenderedCents int64 `json:"tendered_cents"`
}

// Bill is what a table owes for its unpaid, uncancelled orders.
type Bill struct {
	TableID       int64   `json:"table_id"`
	Orders        []Order `json:"orders"`
	SubtotalCents int64   `json:"subtotal_cents"`
	TaxCents      int64   `json:"tax_cents"`
	TotalCents    int64   `json:"total_cents"`
	PaidCents     int64   `json:"paid_cents"`
	DueCents      int64   `json:"due_cents"`
	// DiscountCents is taken off SubtotalCents before tax; TaxCents and
	// TotalCents are of what is left.
	DiscountCents int64        `json:"discount_cents"`
	Discounts     []Discount   `json:"discounts"`
	Corrections   []Correction `json:"corrections"`
	// Seats are the seats with unpaid lines, each with what paying them
	// alone comes to.
	Seats []SeatDue `json:"seats"`
}

// SeatDue is what one seat's unpaid lines come to, tax included.
type SeatDue struct {
	Seat        int64   `json:"seat"`
	LineIDs     []int64 `json:"line_ids"`
	AmountCents int64   `json:"amount_cents"`
}

// MaxBillCents bounds a table's open bill (its subtotal). An order that
// would take the bill past it is refused (422), so the bill's sums, its tax
// and the day's report never leave int64: a wrong number on a bill is worse
// than a refused order, and no real table eats a hundred million.
const MaxBillCents = 10_000_000_000

// Tax splits a subtotal into tax and total under the settings: tax is
// computed once on the whole subtotal and rounded half up. The rate is
// 0 to 10000 basis points; the products are taken in 128 bits when they
// could overflow 64, so any subtotal gives the exact answer.
func Tax(subtotal int64, st Settings) (tax, total int64) {
	rate := st.TaxRateBP
	if st.PricesIncludeTax {
		net := mulDivHalfUp(subtotal, 10000, 10000+rate)
		return subtotal - net, subtotal
	}
	tax = mulDivHalfUp(subtotal, rate, 10000)
	return tax, subtotal + tax
}

// mulDivHalfUp is round(a × b / d) with halves rounded up, for a ≥ 0 and
// b, d > 0 small enough that the result fits.
func mulDivHalfUp(a, b, d int64) int64 {
	if a >= 0 && a < 1<<40 && b <= 1<<20 && d <= 1<<20 {
		return (a*b*2 + d) / (d * 2)
	}
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	n.Mul(n, big.NewInt(2)).Add(n, big.NewInt(d))
	return n.Quo(n, big.NewInt(2*d)).Int64()
}

func bill(ctx context.Context, q queryer, tableID int64) (Bill, error) {
	if _, err := getTable(ctx, q, tableID); err != nil {
		return Bill{}, err
	}
	st, err := getSettings(ctx, q)
	if err != nil {
		return Bill{}, err
	}
	b := Bill{TableID: tableID}
	if b.Orders, err = openOrders(ctx, q, tableID); err != nil {
		return Bill{}, err
	}
	for _, o := range b.Orders {
		b.SubtotalCents += o.SubtotalCents
	}
	if b.Discounts, b.DiscountCents, err = tableDiscounts(ctx, q, tableID, b.SubtotalCents); err != nil {
		return Bill{}, err
	}
	if b.Corrections, err = orderCorrections(ctx, q, b.Orders); err != nil {
		return Bill{}, err
	}
	b.TaxCents, b.TotalCents = Tax(b.SubtotalCents-b.DiscountCents, st)
	if err := q.QueryRowContext(ctx, "SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE table_id = ? AND settled = 0", tableID).Scan(&b.PaidCents); err != nil {
		return Bill{}, err
	}
	b.DueCents = b.TotalCents - b.PaidCents
	b.Seats = seatDues(b, st)
	return b, nil
}

// Bill returns a table's open bill, or ErrNotFound.
func (s *Store) Bill(ctx context.Context, tableID int64) (Bill, error) {
	var b Bill
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = bill(ctx, tx, tableID)
		return err
	})
	if err != nil {
		return Bill{}, fmt.Errorf("store: bill of table %d: %w", tableID, err)
	}
	return b, nil
}

// CreatePayment takes a payment for a table's open bill and emits
// payment:completed; when the due reaches 0 the bill is settled: its orders
// get paid_at (order:updated each), the served ones become paid, the others
// keep their kitchen status until served, and the table becomes cleaning
// (table:updated) once nothing is left to serve. An amount
// of 0 closes a bill that has orders but is due nothing (free items only).
// It returns ErrNotFound, a *ValidationError (bad method, amount above the
// due, 0 while something is due, a tip above the bill's total), or an
// ErrConflict when the table owes nothing or the key was used for another
// payment.
func (s *Store) CreatePayment(ctx context.Context, in NewPayment) (Payment, error) {
	p, _, err := s.CreatePaymentOnce(ctx, in, Idempotency{})
	return p, err
}

// CreatePaymentOnce is CreatePayment with the client's retry key: with a
// non-empty idem key, a repeat returns the first payment and replayed=true
// and takes nothing more; the key used for another payment is an
// ErrConflict.
func (s *Store) CreatePaymentOnce(ctx context.Context, in NewPayment, idem Idempotency) (p Payment, replayed bool, err error) {
	c := checker{}
	if in.TableID <= 0 {
		c.add("table_id", "is required")
	}
	c.oneOf("method", in.Method, MethodCash, MethodCard, MethodOther)
	c.between("amount_cents", in.AmountCents, 0, MaxBillCents*2)
	c.between("tip_cents", in.TipCents, 0, MaxBillCents)
	if in.TenderedCents != 0 {
		switch {
		case in.Method != MethodCash:
			c.add("tendered_cents", "is only for cash")
		case in.TenderedCents < in.AmountCents+in.TipCents:
			c.add("tendered_cents", "must be at least amount_cents plus tip_cents")
		case in.TenderedCents > 3*MaxBillCents:
			c.add("tendered_cents", "is too large")
		}
	}
	c.paymentLines(in)
	c.idempotencyKey(idem)
	if err := c.err(); err != nil {
		return Payment{}, false, fmt.Errorf("store: create payment: %w", err)
	}
	split := in.Seat != nil || len(in.LineIDs) > 0
	reqHash := requestHash(in)
	err = s.write(ctx, func(t *txn) error {
		if replayed, err = t.replay(idem, reqHash, "payment", &p); err != nil || replayed {
			return err
		}
		p = Payment{TableID: in.TableID, Method: in.Method, AmountCents: in.AmountCents, TipCents: in.TipCents, OrderIDs: []int64{}, LineIDs: []int64{},
			TenderedCents: in.TenderedCents}
		p.setChange()
		b, err := bill(ctx, t.tx, in.TableID)
		if errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"table_id": "no such table"}}
		}
		if err != nil {
			return err
		}
		var lines []OrderItem
		if split {
			if lines, err = t.splitAmount(b, in, &p); err != nil {
				return err
			}
			in.AmountCents = p.AmountCents
		}
		// A bill of free items only is closed by a payment of 0; without
		// it those orders could never become paid.
		zeroBill := b.DueCents == 0 && b.PaidCents == 0 && len(b.Orders) > 0
		if b.DueCents <= 0 && !(zeroBill && in.AmountCents == 0) {
			return conflictf("the table owes nothing")
		}
		if in.AmountCents == 0 && !zeroBill && !split {
			return &ValidationError{Fields: map[string]string{"amount_cents": "must be at least 1 while something is due"}}
		}
		if in.AmountCents > b.DueCents {
			return &ValidationError{Fields: map[string]string{"amount_cents": fmt.Sprintf("is more than the %d due", b.DueCents)}}
		}
		// A tip larger than the whole bill is a slip of the finger (15.00
		// typed as 1500.00), not generosity; it would inflate the day's tips.
		if in.TipCents > b.TotalCents {
			return &ValidationError{Fields: map[string]string{"tip_cents": fmt.Sprintf("is more than the bill's total of %d", b.TotalCents)}}
		}
		for _, o := range b.Orders {
			p.OrderIDs = append(p.OrderIDs, o.ID)
		}
		ids, _ := json.Marshal(p.OrderIDs)
		p.CreatedAt = t.now
		res, err := t.tx.ExecContext(ctx, `INSERT INTO payments (table_id, method, amount_cents, tip_cents, tendered_cents, order_ids, line_ids, created_at, taken_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.TableID, p.Method, p.AmountCents, p.TipCents, p.TenderedCents, string(ids), jsonIDs(p.LineIDs), ms(t.now), t.staffID())
		if err != nil {
			return err
		}
		p.ID, _ = res.LastInsertId()
		if split {
			if err := t.payLines(p.ID, lines); err != nil {
				return err
			}
			// The lines' orders show them paid at once.
			for _, o := range b.Orders {
				for _, it := range lines {
					if containsLine(o, it.ID) {
						fresh, err := getOrder(ctx, t.tx, o.ID)
						if err != nil {
							return err
						}
						if err := t.emit("order:updated", fresh, orderRooms(fresh)...); err != nil {
							return err
						}
						break
					}
				}
			}
		}
		// A payment of one order shows in that order's history too.
		var forOrder int64
		if len(p.OrderIDs) == 1 {
			forOrder = p.OrderIDs[0]
		}
		if err := t.audit(change{action: "payment.create", entity: "payment", entityID: p.ID, orderID: forOrder,
			detail: map[string]any{"table_id": p.TableID, "method": p.Method, "amount_cents": p.AmountCents, "tip_cents": p.TipCents, "line_ids": p.LineIDs}}); err != nil {
			return err
		}
		if _, err := t.settle(in.TableID, zeroBill); err != nil {
			return err
		}
		if err := t.emit("payment:completed", p, RoomOrders, RoomTables, TableRoom(p.TableID)); err != nil {
			return err
		}
		return t.remember(idem, reqHash, 201, p)
	})
	if err != nil {
		return Payment{}, false, fmt.Errorf("store: create payment: %w", err)
	}
	return p, replayed, nil
}

// setChange works out the change of a payment whose tender is known.
func (p *Payment) setChange() {
	if p.TenderedCents > 0 {
		p.ChangeCents = p.TenderedCents - p.AmountCents - p.TipCents
	}
}

// settleIfPaid closes a table's bill when what was paid covers it: the
// orders become paid, the open payments settled, the table cleaning with
// no open request. It reports whether it settled.
func (t *txn) settleIfPaid(tableID int64) (bool, error) {
	return t.settle(tableID, false)
}

// settle is settleIfPaid that, with zeroBill, also closes a bill nobody
// paid anything for because it is due nothing.
func (t *txn) settle(tableID int64, zeroBill bool) (bool, error) {
	b, err := bill(t.ctx, t.tx, tableID)
	if err != nil {
		return false, err
	}
	if b.DueCents > 0 || (b.PaidCents == 0 && !zeroBill) {
		return false, nil
	}
	if b.DueCents < 0 {
		// Paid more than the bill now asks (an order cancelled after a
		// part payment): the difference is change due to the guest,
		// recorded as refunds so that the day's takings stay true.
		if err := t.refund(b, -b.DueCents); err != nil {
			return false, err
		}
	}
	// The receipt shows the bill as it was paid, before its orders move on.
	receipt := b
	receipt.Orders = append([]Order(nil), b.Orders...)
	payments, err := openPayments(t.ctx, t.tx, tableID)
	if err != nil {
		return false, err
	}
	// Paying is not cooking: every order of the bill is stamped paid_at,
	// but only a served one becomes paid; the others stay in the kitchen
	// and become paid when they are served (served).
	for i := range b.Orders {
		o := &b.Orders[i]
		at := t.now
		o.PaidAt = &at
		if _, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET paid_at = ? WHERE id = ?", ms(t.now), o.ID); err != nil {
			return false, err
		}
		if o.Status == StatusServed {
			if err := t.setOrderStatus(o, StatusPaid); err != nil {
				return false, err
			}
		} else {
			o.UpdatedAt = t.now
			if _, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET updated_at = ? WHERE id = ?", ms(t.now), o.ID); err != nil {
				return false, err
			}
		}
		if err := t.emit("order:updated", *o, orderRooms(*o)...); err != nil {
			return false, err
		}
	}
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE payments SET settled = 1, settled_at = ? WHERE table_id = ? AND settled = 0", ms(t.now), tableID); err != nil {
		return false, err
	}
	// A discount is settled with what it came to, for the daily report.
	for _, d := range b.Discounts {
		if _, err := t.tx.ExecContext(t.ctx, "UPDATE discounts SET settled = 1, applied_cents = ?, settled_at = ? WHERE id = ?", d.AppliedCents, ms(t.now), d.ID); err != nil {
			return false, err
		}
	}
	tb, err := getTable(t.ctx, t.tx, tableID)
	if err != nil {
		return false, err
	}
	if err := t.queueReceipt(receipt, tb.Name, payments); err != nil {
		return false, err
	}
	done, err := t.nothingToServe(tableID)
	if err != nil {
		return false, err
	}
	if tb.OpenRequest != nil {
		// Announced together with the status change below.
		tb.OpenRequest = nil
		if _, err := t.tx.ExecContext(t.ctx, "UPDATE tables SET open_request = NULL, request_at = NULL WHERE id = ?", tableID); err != nil {
			return false, err
		}
		if tb.Status == TableCleaning || !done {
			return true, t.emitTable(tb)
		}
	}
	if !done {
		// The guests are still waiting for food they paid for.
		return true, nil
	}
	return true, t.setTableStatus(&tb, TableCleaning)
}

// nothingToServe tells whether every order of the table is paid or
// cancelled: only then has a settled table nothing left to bring.
func (t *txn) nothingToServe(tableID int64) (bool, error) {
	var open int
	err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM orders WHERE table_id = ? AND status NOT IN ('paid', 'cancelled')", tableID).Scan(&open)
	return open == 0, err
}

// afterSettledLeft runs when a settled order leaves the kitchen (served,
// so now paid, or cancelled): the table becomes cleaning once nothing is
// left to serve.
func (t *txn) afterSettledLeft(tableID int64) error {
	done, err := t.nothingToServe(tableID)
	if err != nil || !done {
		return err
	}
	tb, err := getTable(t.ctx, t.tx, tableID)
	if err != nil {
		return err
	}
	return t.setTableStatus(&tb, TableCleaning)
}

// refund records amount as change due on a table's open bill: payments
// with a negative amount, each in the method of an open payment, newest
// first (a card is refunded to the card), each announced as
// payment:completed.
func (t *txn) refund(b Bill, amount int64) error {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT method, amount_cents FROM payments WHERE table_id = ? AND settled = 0 AND amount_cents > 0 ORDER BY id DESC", b.TableID)
	if err != nil {
		return err
	}
	type paid struct {
		method string
		amount int64
	}
	var open []paid
	for rows.Next() {
		var p paid
		if err := rows.Scan(&p.method, &p.amount); err != nil {
			rows.Close()
			return err
		}
		open = append(open, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ids := []int64{}
	for _, o := range b.Orders {
		ids = append(ids, o.ID)
	}
	for i := 0; amount > 0; i++ {
		method, part := MethodCash, amount
		if i < len(open) {
			method, part = open[i].method, min(amount, open[i].amount)
		}
		r := Payment{TableID: b.TableID, Method: method, AmountCents: -part, OrderIDs: ids, LineIDs: []int64{}, CreatedAt: t.now}
		res, err := t.tx.ExecContext(t.ctx, `INSERT INTO payments (table_id, method, amount_cents, tip_cents, order_ids, line_ids, created_at, taken_by)
			VALUES (?, ?, ?, 0, ?, ?, ?, ?)`, r.TableID, r.Method, r.AmountCents, jsonIDs(ids), jsonIDs(r.LineIDs), ms(t.now), t.staffID())
		if err != nil {
			return err
		}
		r.ID, _ = res.LastInsertId()
		if err := t.audit(change{action: "payment.refund", entity: "payment", entityID: r.ID,
			detail: map[string]any{"table_id": r.TableID, "method": r.Method, "amount_cents": r.AmountCents}}); err != nil {
			return err
		}
		if err := t.emit("payment:completed", r, RoomOrders, RoomTables, TableRoom(r.TableID)); err != nil {
			return err
		}
		amount -= part
	}
	return nil
}

// Payments lists payments taken in [from, to), oldest first; zero times do
// not bound.
func (s *Store) Payments(ctx context.Context, from, to time.Time) ([]Payment, error) {
	return s.PaymentsPage(ctx, from, to, 0, 0)
}

// PaymentsPage is Payments of one page: with limit > 0 the newest limit
// payments (still oldest first), with beforeID > 0 only those of a smaller
// id.
func (s *Store) PaymentsPage(ctx context.Context, from, to time.Time, limit int, beforeID int64) ([]Payment, error) {
	query := "SELECT id, table_id, method, amount_cents, tip_cents, tendered_cents, order_ids, line_ids, created_at FROM payments WHERE 1 = 1"
	var args []any
	if !from.IsZero() {
		query += " AND created_at >= ?"
		args = append(args, ms(from))
	}
	if !to.IsZero() {
		query += " AND created_at < ?"
		args = append(args, ms(to))
	}
	if beforeID > 0 {
		query += " AND id < ?"
		args = append(args, beforeID)
	}
	query += " ORDER BY id"
	if limit > 0 {
		query = "SELECT * FROM (" + strings.Replace(query, "ORDER BY id", "ORDER BY id DESC", 1) + fmt.Sprintf(" LIMIT %d) ORDER BY id", limit)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: payments: %w", err)
	}
	defer rows.Close()
	payments := []Payment{}
	for rows.Next() {
		var p Payment
		var ids, lineIDs string
		var created int64
		if err := rows.Scan(&p.ID, &p.TableID, &p.Method, &p.AmountCents, &p.TipCents, &p.TenderedCents, &ids, &lineIDs, &created); err != nil {
			return nil, fmt.Errorf("store: payments: %w", err)
		}
		p.setChange()
		if err := json.Unmarshal([]byte(ids), &p.OrderIDs); err != nil {
			return nil, fmt.Errorf("store: payments: order ids of %d: %w", p.ID, err)
		}
		if err := json.Unmarshal([]byte(lineIDs), &p.LineIDs); err != nil {
			return nil, fmt.Errorf("store: payments: line ids of %d: %w", p.ID, err)
		}
		p.CreatedAt = fromMS(created)
		payments = append(payments, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: payments: %w", err)
	}
	return payments, nil
}

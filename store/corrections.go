package store

import (
	"context"
	"fmt"
	"time"
)

// Correction is a void or a comp of an order line, as bills and the daily
// report show it.
type Correction struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"` // "void" or "comp"
	TableID     int64     `json:"table_id"`
	OrderID     int64     `json:"order_id"`
	LineID      int64     `json:"line_id"`
	Name        string    `json:"name"`
	Quantity    int64     `json:"quantity"`
	AmountCents int64     `json:"amount_cents"`
	Reason      string    `json:"reason"`
	UserID      *int64    `json:"user_id"`
	UserName    string    `json:"user_name"`
	CreatedAt   time.Time `json:"created_at"`
}

// Discount is taken off a table's open bill before tax.
type Discount struct {
	ID          int64  `json:"id"`
	TableID     int64  `json:"table_id"`
	PercentBP   *int64 `json:"percent_bp"`
	AmountCents *int64 `json:"amount_cents"`
	// AppliedCents is what the discount takes off the bill as it stands.
	AppliedCents int64     `json:"applied_cents"`
	Reason       string    `json:"reason"`
	UserID       *int64    `json:"user_id"`
	UserName     string    `json:"user_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// NewDiscount is the input of AddDiscount: a percentage (basis points) or
// an amount, and a reason.
type NewDiscount struct {
	PercentBP   *int64 `json:"percent_bp"`
	AmountCents *int64 `json:"amount_cents"`
	Reason      string `json:"reason"`
}

// maxReason bounds the reason of a void, comp or discount.
const maxReason = 200

func (c checker) reason(v string) {
	c.text("reason", v, 1, maxReason, false)
}

// started tells whether the kitchen has begun a line: it is done, or it
// was fired and its order is being prepared (or further on).
func (it OrderItem) started(status string) bool {
	if it.Done {
		return true
	}
	return it.FiredAt != nil && (status == StatusPreparing || status == StatusReady || status == StatusServed)
}

// findLine returns the line of o with id, or ErrNotFound.
func findLine(o *Order, id int64) (*OrderItem, error) {
	for i := range o.Items {
		if o.Items[i].ID == id {
			return &o.Items[i], nil
		}
	}
	return nil, ErrNotFound
}

// correctable checks that a line of o may still be voided or comped.
// correctableLine reads an order in t and finds one of its lines that a
// void or comp may still change.
func correctableLine(ctx context.Context, t *txn, orderID, lineID int64) (Order, *OrderItem, error) {
	o, err := getOrder(ctx, t.tx, orderID)
	if err != nil {
		return Order{}, nil, err
	}
	line, err := findLine(&o, lineID)
	if err != nil {
		return Order{}, nil, err
	}
	return o, line, correctable(o, line)
}

func correctable(o Order, line *OrderItem) error {
	if o.Status == StatusPaid || o.Status == StatusCancelled {
		return conflictf("a %s order cannot be corrected", o.Status)
	}
	if o.PaidAt != nil {
		return conflictf("order %d is paid already and cannot be corrected", o.ID)
	}
	if !line.live() {
		return conflictf("%s was voided already", line.Name)
	}
	if line.Paid {
		return conflictf("%s is paid already", line.Name)
	}
	return nil
}

func (t *txn) recordCorrection(kind string, o Order, line OrderItem, quantity, amount int64, reason string) error {
	a := ActorFrom(t.ctx)
	var uid any
	if a.Kind == ActorUser {
		uid = a.ID
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO corrections (kind, table_id, order_id, line_id, name, quantity, amount_cents, reason, user_id, user_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, kind, o.TableID, o.ID, line.ID, line.Name, quantity, amount, reason, uid, a.Name, ms(t.now))
	return err
}

// recomputeSubtotal sets the order's subtotal from its lines.
func (t *txn) recomputeSubtotal(o *Order) error {
	o.SubtotalCents = 0
	for _, it := range o.Items {
		o.SubtotalCents += it.Quantity * it.UnitPriceCents
	}
	o.UpdatedAt = t.now
	_, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET subtotal_cents = ?, updated_at = ? WHERE id = ?", o.SubtotalCents, ms(t.now), o.ID)
	return err
}

// VoidLine takes quantity (0: all that is left) of a line off its order
// and bill, as role, and emits order:updated; an order with nothing left
// is cancelled (order:cancelled). A waiter may void only what the kitchen
// has not started; after that only an admin. It returns ErrNotFound, a
// *ValidationError, an ErrConflict (closed order, paid or voided line) or
// an ErrForbidden.
func (s *Store) VoidLine(ctx context.Context, orderID, lineID, quantity int64, reason, role string) (Order, error) {
	c := checker{}
	c.reason(reason)
	if quantity != 0 {
		c.between("quantity", quantity, 1, MaxLineQuantity)
	}
	if err := c.err(); err != nil {
		return Order{}, fmt.Errorf("store: void line: %w", err)
	}
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var line *OrderItem
		var err error
		if o, line, err = correctableLine(ctx, t, orderID, lineID); err != nil {
			return err
		}
		if role != RoleAdmin && line.started(o.Status) {
			return &ForbiddenError{Msg: fmt.Sprintf("the kitchen has started %s; only a manager may void it now", line.Name)}
		}
		q := quantity
		if q == 0 {
			q = line.Quantity
		}
		if q > line.Quantity {
			return &ValidationError{Fields: map[string]string{"quantity": fmt.Sprintf("must be at most the %d left on the line", line.Quantity)}}
		}
		amount := q * line.UnitPriceCents
		line.Quantity -= q
		line.VoidedQuantity += q
		if _, err := t.tx.ExecContext(ctx, "UPDATE order_items SET quantity = ?, voided_quantity = ? WHERE id = ?", line.Quantity, line.VoidedQuantity, lineID); err != nil {
			return err
		}
		if err := t.recordCorrection("void", o, *line, q, amount, reason); err != nil {
			return err
		}
		if err := t.queueVoidTicket(o, *line, q); err != nil {
			return err
		}
		if err := t.audit(change{action: "line.void", entity: "line", entityID: lineID, orderID: o.ID, reason: reason,
			detail: map[string]any{"name": line.Name, "quantity": q, "amount_cents": amount}}); err != nil {
			return err
		}
		if err := t.recomputeSubtotal(&o); err != nil {
			return err
		}
		live := false
		for _, it := range o.Items {
			live = live || it.live()
		}
		if !live {
			// Nothing left to cook or pay: the order is cancelled, and a
			// part-paid bill it leaves at zero is settled.
			why := "every line voided: " + reason
			if err := t.setOrderStatus(&o, StatusCancelled); err != nil {
				return err
			}
			o.CancelReason = &why
			if _, err := t.tx.ExecContext(ctx, "UPDATE orders SET cancel_reason = ? WHERE id = ?", why, o.ID); err != nil {
				return err
			}
			if err := t.emit("order:cancelled", o, orderRooms(o)...); err != nil {
				return err
			}
			_, err := t.settleIfPaid(o.TableID)
			return err
		}
		if err := t.settleKitchen(&o); err != nil {
			return err
		}
		return t.emit("order:updated", o, orderRooms(o)...)
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: void line %d of order %d: %w", lineID, orderID, err)
	}
	return o, nil
}

// CompLine keeps a line on the ticket at price 0 and emits order:updated.
// It returns ErrNotFound, a *ValidationError or an ErrConflict (closed
// order, voided, paid or comped line).
func (s *Store) CompLine(ctx context.Context, orderID, lineID int64, reason string) (Order, error) {
	c := checker{}
	c.reason(reason)
	if err := c.err(); err != nil {
		return Order{}, fmt.Errorf("store: comp line: %w", err)
	}
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var line *OrderItem
		var err error
		if o, line, err = correctableLine(ctx, t, orderID, lineID); err != nil {
			return err
		}
		if line.Comped {
			return conflictf("%s is comped already", line.Name)
		}
		amount := line.Quantity * line.UnitPriceCents
		line.UnitPriceCents, line.Comped, line.CompReason = 0, true, &reason
		if _, err := t.tx.ExecContext(ctx, "UPDATE order_items SET unit_price_cents = 0, comp_reason = ? WHERE id = ?", reason, lineID); err != nil {
			return err
		}
		if err := t.recordCorrection("comp", o, *line, line.Quantity, amount, reason); err != nil {
			return err
		}
		if err := t.audit(change{action: "line.comp", entity: "line", entityID: lineID, orderID: o.ID, reason: reason,
			detail: map[string]any{"name": line.Name, "quantity": line.Quantity, "amount_cents": amount}}); err != nil {
			return err
		}
		if err := t.recomputeSubtotal(&o); err != nil {
			return err
		}
		if err := t.emit("order:updated", o, orderRooms(o)...); err != nil {
			return err
		}
		// Comping what was left to pay can leave a part-paid bill at zero.
		_, err = t.settleIfPaid(o.TableID)
		return err
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: comp line %d of order %d: %w", lineID, orderID, err)
	}
	return o, nil
}

// AddDiscount puts a discount on a table's open bill and returns the bill.
// It returns ErrNotFound, a *ValidationError (neither or both of percent
// and amount, no reason) or an ErrConflict when the table has no open bill.
func (s *Store) AddDiscount(ctx context.Context, tableID int64, in NewDiscount) (Bill, error) {
	c := checker{}
	c.reason(in.Reason)
	switch {
	case (in.PercentBP == nil) == (in.AmountCents == nil):
		c.add("percent_bp", "give either percent_bp or amount_cents")
	case in.PercentBP != nil:
		c.between("percent_bp", *in.PercentBP, 1, 10000)
	default:
		c.between("amount_cents", *in.AmountCents, 1, MaxPriceCents)
	}
	if err := c.err(); err != nil {
		return Bill{}, fmt.Errorf("store: add discount: %w", err)
	}
	var b Bill
	err := s.write(ctx, func(t *txn) error {
		var err error
		if b, err = bill(ctx, t.tx, tableID); err != nil {
			return err
		}
		if len(b.Orders) == 0 {
			return conflictf("the table has no open bill to discount")
		}
		a := ActorFrom(ctx)
		var uid any
		if a.Kind == ActorUser {
			uid = a.ID
		}
		res, err := t.tx.ExecContext(ctx, `INSERT INTO discounts (table_id, percent_bp, amount_cents, reason, user_id, user_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tableID, in.PercentBP, in.AmountCents, in.Reason, uid, a.Name, ms(t.now))
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if b, err = bill(ctx, t.tx, tableID); err != nil {
			return err
		}
		var applied int64
		for _, d := range b.Discounts {
			if d.ID == id {
				applied = d.AppliedCents
			}
		}
		if err := t.audit(change{action: "discount.add", entity: "discount", entityID: id, reason: in.Reason,
			detail: map[string]any{"table_id": tableID, "percent_bp": in.PercentBP, "amount_cents": in.AmountCents, "applied_cents": applied}}); err != nil {
			return err
		}
		// A discount can bring a part-paid bill to zero.
		settled, err := t.settleIfPaid(tableID)
		if err != nil || !settled {
			return err
		}
		b, err = bill(ctx, t.tx, tableID)
		return err
	})
	if err != nil {
		return Bill{}, fmt.Errorf("store: add discount to table %d: %w", tableID, err)
	}
	return b, nil
}

// RemoveDiscount takes a discount off a table's open bill and returns the
// bill. It returns ErrNotFound (also for a discount of a settled bill) or
// an ErrConflict when the bill would then owe less than was paid.
func (s *Store) RemoveDiscount(ctx context.Context, tableID, discountID int64) (Bill, error) {
	var b Bill
	err := s.write(ctx, func(t *txn) error {
		var reason string
		if err := t.tx.QueryRowContext(ctx, "SELECT reason FROM discounts WHERE id = ? AND table_id = ? AND settled = 0", discountID, tableID).Scan(&reason); err != nil {
			return ErrNotFound
		}
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM discounts WHERE id = ?", discountID); err != nil {
			return err
		}
		var err error
		if b, err = bill(ctx, t.tx, tableID); err != nil {
			return err
		}
		return t.audit(change{action: "discount.remove", entity: "discount", entityID: discountID, reason: reason,
			detail: map[string]any{"table_id": tableID}})
	})
	if err != nil {
		return Bill{}, fmt.Errorf("store: remove discount %d: %w", discountID, err)
	}
	return b, nil
}

// tableDiscounts lists a table's open discounts, oldest first, with what
// each takes off subtotal (the total never below zero).
func tableDiscounts(ctx context.Context, q queryer, tableID, subtotal int64) ([]Discount, int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, percent_bp, amount_cents, reason, user_id, user_name, created_at
		FROM discounts WHERE table_id = ? AND settled = 0 ORDER BY id`, tableID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Discount{}
	var total int64
	for rows.Next() {
		d := Discount{TableID: tableID}
		var created int64
		if err := rows.Scan(&d.ID, &d.PercentBP, &d.AmountCents, &d.Reason, &d.UserID, &d.UserName, &created); err != nil {
			return nil, 0, err
		}
		d.CreatedAt = fromMS(created)
		if d.PercentBP != nil {
			d.AppliedCents = (subtotal**d.PercentBP*2 + 10000) / 20000
		} else {
			d.AppliedCents = *d.AmountCents
		}
		d.AppliedCents = min(d.AppliedCents, subtotal-total)
		total += d.AppliedCents
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// orderCorrections lists the voids and comps of orders.
func orderCorrections(ctx context.Context, q queryer, orders []Order) ([]Correction, error) {
	out := []Correction{}
	if len(orders) == 0 {
		return out, nil
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, table_id, order_id, line_id, name, quantity, amount_cents, reason, user_id, user_name, created_at
		FROM corrections WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id`, jsonIDs(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Correction
		var created int64
		if err := rows.Scan(&c.ID, &c.Kind, &c.TableID, &c.OrderID, &c.LineID, &c.Name, &c.Quantity, &c.AmountCents, &c.Reason, &c.UserID, &c.UserName, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMS(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func jsonIDs(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Append(b, id)
	}
	return string(append(b, ']'))
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Order statuses, in the order of the state machine.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusPreparing = "preparing"
	StatusReady     = "ready"
	StatusServed    = "served"
	StatusPaid      = "paid"
	StatusCancelled = "cancelled"
)

// OrderStatuses lists every status.
var OrderStatuses = []string{StatusPending, StatusConfirmed, StatusPreparing, StatusReady, StatusServed, StatusPaid, StatusCancelled}

// Order is a table's order with its lines; prices are copied at order time.
type Order struct {
	ID              int64       `json:"id"`
	TableID         int64       `json:"table_id"`
	TableName       string      `json:"table_name"`
	Status          string      `json:"status"`
	Items           []OrderItem `json:"items"`
	Notes           string      `json:"notes"`
	SubtotalCents   int64       `json:"subtotal_cents"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
	StatusChangedAt time.Time   `json:"status_changed_at"`
	CancelReason    *string     `json:"cancel_reason"`
	// PaidAt is when the order's bill was settled (null until then). A
	// settled order keeps its kitchen status until it is served.
	PaidAt *time.Time `json:"paid_at"`
}

// OrderItem is one line of an order.
type OrderItem struct {
	ID             int64  `json:"id"`
	MenuItemID     int64  `json:"menu_item_id"`
	Name           string `json:"name"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	Notes          string `json:"notes"`
	Station        string `json:"station"`
	Done           bool   `json:"done"`
	lineService
	// Modifiers are the line's choices; UnitPriceCents includes their deltas.
	Modifiers []OrderModifier `json:"modifiers"`
}

// NewOrder is the input of CreateOrder.
type NewOrder struct {
	TableID int64          `json:"table_id"`
	Items   []NewOrderItem `json:"items"`
	Notes   string         `json:"notes"`
	// byGuest is set for a table's own order: guests may order only from
	// categories served at this time; staff may enter anything.
	byGuest bool
}

// NewOrderItem is one requested line. Modifiers left out choose each
// group's defaults.
type NewOrderItem struct {
	MenuItemID int64  `json:"menu_item_id"`
	Quantity   int64  `json:"quantity"`
	Notes      string `json:"notes"`
	// Course overrides the item's default course (1-based); Seat is the
	// guest it is for (optional), so the bill can be split by seat.
	Course    *int64        `json:"course,omitempty"`
	Seat      *int64        `json:"seat,omitempty"`
	Modifiers []NewModifier `json:"modifiers"`
}

// Idempotency scopes a client's retry key: the same Scope and Key return
// the first result instead of creating another order.
type Idempotency struct {
	Scope string
	Key   string
}

// OrderFilter selects orders; zero fields do not filter.
type OrderFilter struct {
	Statuses []string
	TableID  int64
	Active   bool
	Since    time.Time
	// Limit keeps the newest Limit orders (still returned oldest first);
	// BeforeID keeps those with a smaller id: the next page back.
	Limit    int
	BeforeID int64
}

// Limits of one order.
const (
	MaxOrderLines     = 100
	MaxLineQuantity   = 99
	maxNotes          = 500
	IdempotencyTTL    = 24 * time.Hour
	maxIdempotencyKey = 200
)

func (c checker) newOrder(in NewOrder) {
	if in.TableID <= 0 {
		c.add("table_id", "is required")
	}
	if len(in.Items) == 0 {
		c.add("items", "must have at least one line")
	}
	if len(in.Items) > MaxOrderLines {
		c.add("items", fmt.Sprintf("must have at most %d lines", MaxOrderLines))
	}
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d].", i)
		if it.MenuItemID <= 0 {
			c.add(f+"menu_item_id", "is required")
		}
		c.between(f+"quantity", it.Quantity, 1, MaxLineQuantity)
		c.text(f+"notes", it.Notes, 0, maxNotes, true)
		if it.Course != nil {
			c.between(f+"course", *it.Course, 1, MaxCourses)
		}
		if it.Seat != nil {
			c.between(f+"seat", *it.Seat, 1, MaxSeat)
		}
	}
	c.text("notes", in.Notes, 0, maxNotes, true)
}

// CreateOrder places an order, copying the current prices, and emits
// order:created (and table:updated when the table becomes occupied).
// role is who places it (RoleCustomer for a table's iPad); the store decides
// the status it starts in (see initialStatus). With a non-empty idem key, a
// repeat returns the first order and replayed=true. A table's order
// (RoleCustomer) must keep within TableLimits. It returns a
// *ValidationError (also for a bill past MaxBillCents), an ErrConflict
// naming an unavailable item, a reused key with another request or a
// table's open orders at their limit, or a *RateLimitError.
func (s *Store) CreateOrder(ctx context.Context, in NewOrder, role string, idem Idempotency) (o Order, replayed bool, err error) {
	c := checker{}
	c.newOrder(in)
	c.idempotencyKey(idem)
	if err := c.err(); err != nil {
		return Order{}, false, fmt.Errorf("store: create order: %w", err)
	}
	in.byGuest = role == RoleCustomer
	reqHash := requestHash(in)
	err = s.write(ctx, func(t *txn) error {
		var err error
		if replayed, err = t.replay(idem, reqHash, "order", &o); err != nil || replayed {
			return err
		}
		if role == RoleCustomer {
			if err := t.checkTableLimits(in); err != nil {
				return err
			}
		}
		initial, err := t.initialStatus(role)
		if err != nil {
			return err
		}
		if o, err = t.createOrder(in, initial); err != nil {
			return err
		}
		if err := t.audit(change{action: "order.create", entity: "order", entityID: o.ID, orderID: o.ID,
			detail: map[string]any{"table_id": o.TableID, "lines": len(o.Items), "subtotal_cents": o.SubtotalCents}}); err != nil {
			return err
		}
		return t.remember(idem, reqHash, 201, o)
	})
	if err != nil {
		return Order{}, false, fmt.Errorf("store: create order: %w", err)
	}
	return o, replayed, nil
}

// initialStatus is the status a new order placed by role starts in. Staff
// enter orders they already took, so those start confirmed; a guest's waits
// for a waiter unless the restaurant confirms automatically. The setting is
// read inside the order's transaction, so a change to it applies to every
// order committed after it and to none before.
func (t *txn) initialStatus(role string) (string, error) {
	if role != RoleCustomer {
		return StatusConfirmed, nil
	}
	st, err := getSettings(t.ctx, t.tx)
	if err != nil {
		return "", err
	}
	if st.AutoConfirmOrders {
		return StatusConfirmed, nil
	}
	return StatusPending, nil
}

func (t *txn) createOrder(in NewOrder, initial string) (Order, error) {
	ctx := t.ctx
	tb, err := getTable(ctx, t.tx, in.TableID)
	if errors.Is(err, ErrNotFound) {
		return Order{}, &ValidationError{Fields: map[string]string{"table_id": "no such table"}}
	}
	if err != nil {
		return Order{}, err
	}
	st, err := getSettings(ctx, t.tx)
	if err != nil {
		return Order{}, err
	}
	o := Order{TableID: tb.ID, TableName: tb.Name, Status: initial, Notes: in.Notes, Items: []OrderItem{},
		CreatedAt: t.now, UpdatedAt: t.now, StatusChangedAt: t.now}
	var unavailable, closed []string
	clock := menuClock{t: t}
	for i, line := range in.Items {
		it, err := getItem(ctx, t.tx, line.MenuItemID)
		if errors.Is(err, ErrNotFound) {
			return Order{}, &ValidationError{Fields: map[string]string{fmt.Sprintf("items[%d].menu_item_id", i): "no such menu item"}}
		}
		if err != nil {
			return Order{}, err
		}
		if !it.Available {
			unavailable = append(unavailable, it.Name)
			continue
		}
		ls, err := t.newLineService(st, it, line, i)
		if err != nil {
			return Order{}, err
		}
		mods, delta, soldOut, err := chooseModifiers(i, it, line)
		if err != nil {
			return Order{}, err
		}
		unavailable = append(unavailable, soldOut...)
		if in.byGuest {
			open, err := clock.open(it.CategoryID)
			if err != nil {
				return Order{}, err
			}
			if !open {
				closed = append(closed, it.Name)
			}
		}
		price := it.PriceCents + delta
		o.Items = append(o.Items, OrderItem{MenuItemID: it.ID, Name: it.Name, Quantity: line.Quantity,
			UnitPriceCents: price, Notes: line.Notes, Station: it.Station, lineService: ls, Modifiers: mods})
		o.SubtotalCents += line.Quantity * price
	}
	if len(unavailable) > 0 {
		return Order{}, conflictf("not available right now: %s", strings.Join(unavailable, ", "))
	}
	if len(closed) > 0 {
		return Order{}, conflictf("not available at this time: %s", strings.Join(closed, ", "))
	}
	if err := t.checkBillCap(o.TableID, o.SubtotalCents); err != nil {
		return Order{}, err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO orders (table_id, status, notes, subtotal_cents, created_at, updated_at, status_changed_at, taken_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.TableID, o.Status, o.Notes, o.SubtotalCents, ms(t.now), ms(t.now), ms(t.now), t.staffID())
	if err != nil {
		return Order{}, err
	}
	o.ID, _ = res.LastInsertId()
	for i := range o.Items {
		it := &o.Items[i]
		res, err := t.tx.ExecContext(ctx, `INSERT INTO order_items (order_id, menu_item_id, name, quantity, unit_price_cents, notes, station, course, seat, fired_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, it.MenuItemID, it.Name, it.Quantity, it.UnitPriceCents, it.Notes, it.Station,
			it.Course, it.Seat, msPtr(it.FiredAt))
		if err != nil {
			return Order{}, err
		}
		it.ID, _ = res.LastInsertId()
		if err := t.saveLineModifiers(it.ID, it.Modifiers); err != nil {
			return Order{}, err
		}
	}
	if err := t.emit("order:created", o, orderRooms(o)...); err != nil {
		return Order{}, err
	}
	if err := t.queueKitchenTickets(o); err != nil {
		return Order{}, err
	}
	if tb.Status == TableAvailable || tb.Status == TableReserved {
		if err := t.setTableStatus(&tb, TableOccupied); err != nil {
			return Order{}, err
		}
	}
	return o, nil
}

func (t *txn) setOrderStatus(o *Order, to string) error {
	o.Status = to
	o.UpdatedAt, o.StatusChangedAt = t.now, t.now
	_, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET status = ?, updated_at = ?, status_changed_at = ? WHERE id = ?", to, ms(t.now), ms(t.now), o.ID)
	return err
}

// SetOrderStatus moves an order along the state machine as role and emits
// order:updated (order:cancelled for a cancel). It returns ErrNotFound, a
// *ValidationError, an ErrConflict for a move the machine does not allow,
// or an ErrForbidden for the role.
func (s *Store) SetOrderStatus(ctx context.Context, id int64, to, role string) (Order, error) {
	if to == StatusCancelled {
		return s.CancelOrder(ctx, id, "", role)
	}
	c := checker{}
	c.oneOf("status", to, OrderStatuses...)
	if err := c.err(); err != nil {
		return Order{}, fmt.Errorf("store: set order status: %w", err)
	}
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var err error
		if o, err = getOrder(ctx, t.tx, id); err != nil {
			return err
		}
		if err := checkTransition(o.Status, to, role); err != nil {
			return err
		}
		if h := o.HeldCourses(); to == StatusReady && len(h) > 0 {
			return conflictf("course %d is still held; fire it first", h[0])
		}
		from := o.Status
		// A recalled ticket (ready -> preparing) keeps its lines crossed
		// off; the cook un-crosses what must be redone.
		if err := t.setOrderStatus(&o, to); err != nil {
			return err
		}
		if err := t.audit(change{action: "order.status", entity: "order", entityID: o.ID, orderID: o.ID,
			detail: map[string]string{"from": from, "to": to}}); err != nil {
			return err
		}
		// A guest's order counts, in the day's report, for the waiter who
		// confirmed it.
		if from == StatusPending && to == StatusConfirmed {
			if _, err := t.tx.ExecContext(ctx, "UPDATE orders SET taken_by = ? WHERE id = ? AND taken_by IS NULL", t.staffID(), o.ID); err != nil {
				return err
			}
		}
		// An order paid for before it was served is paid once served: one
		// order:updated carries the end state.
		settledServed := to == StatusServed && o.PaidAt != nil
		if settledServed {
			if err := t.setOrderStatus(&o, StatusPaid); err != nil {
				return err
			}
		}
		if err := t.emit("order:updated", o, orderRooms(o)...); err != nil {
			return err
		}
		if settledServed {
			return t.afterSettledLeft(o.TableID)
		}
		return t.queueKitchenTickets(o)
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: set order %d status: %w", id, err)
	}
	return o, nil
}

// CancelOrder cancels an order with a reason as role and emits
// order:cancelled. It returns ErrNotFound, a *ValidationError, an
// ErrConflict or an ErrForbidden.
func (s *Store) CancelOrder(ctx context.Context, id int64, reason, role string) (Order, error) {
	c := checker{}
	c.text("reason", reason, 0, maxNotes, true)
	if err := c.err(); err != nil {
		return Order{}, fmt.Errorf("store: cancel order: %w", err)
	}
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var err error
		if o, err = getOrder(ctx, t.tx, id); err != nil {
			return err
		}
		if err := checkTransition(o.Status, StatusCancelled, role); err != nil {
			return err
		}
		if o.PaidAt != nil && role == RoleCustomer {
			return conflictf("order %d is paid already; ask a waiter", o.ID)
		}
		if err := t.setOrderStatus(&o, StatusCancelled); err != nil {
			return err
		}
		o.CancelReason = &reason
		if _, err := t.tx.ExecContext(ctx, "UPDATE orders SET cancel_reason = ? WHERE id = ?", reason, id); err != nil {
			return err
		}
		if err := t.emit("order:cancelled", o, orderRooms(o)...); err != nil {
			return err
		}
		if err := t.audit(change{action: "order.cancel", entity: "order", entityID: o.ID, orderID: o.ID, reason: reason}); err != nil {
			return err
		}
		if err := t.queueCancelTicket(o); err != nil {
			return err
		}
		if o.PaidAt != nil {
			// Money taken for it is the waiter's to give back; the table
			// may now have nothing left to serve.
			return t.afterSettledLeft(o.TableID)
		}
		// A cancel can bring a part-paid bill to zero: settle it then.
		_, err = t.settleIfPaid(o.TableID)
		return err
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: cancel order %d: %w", id, err)
	}
	return o, nil
}

// SetOrderItemDone crosses a line off (or back on) and emits order:updated;
// when the last line of a preparing order is done the order becomes ready.
// It returns ErrNotFound, or an ErrConflict when the order is not in the
// kitchen (confirmed, preparing or ready).
func (s *Store) SetOrderItemDone(ctx context.Context, orderID, itemID int64, done bool) (Order, error) {
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var err error
		if o, err = getOrder(ctx, t.tx, orderID); err != nil {
			return err
		}
		if o.Status != StatusConfirmed && o.Status != StatusPreparing && o.Status != StatusReady {
			return conflictf("a %s order is not in the kitchen", o.Status)
		}
		var line *OrderItem
		for i := range o.Items {
			if o.Items[i].ID == itemID {
				line = &o.Items[i]
			}
		}
		if line == nil {
			return ErrNotFound
		}
		if line.held() {
			return conflictf("%s is held until its course is fired", line.Name)
		}
		line.Done = done
		if _, err := t.tx.ExecContext(ctx, "UPDATE order_items SET done = ? WHERE id = ?", boolInt(done), itemID); err != nil {
			return err
		}
		o.UpdatedAt = t.now
		if _, err := t.tx.ExecContext(ctx, "UPDATE orders SET updated_at = ? WHERE id = ?", ms(t.now), orderID); err != nil {
			return err
		}
		if err := t.settleKitchen(&o); err != nil {
			return err
		}
		action := "line.done"
		if !done {
			action = "line.undone"
		}
		if err := t.audit(change{action: action, entity: "line", entityID: itemID, orderID: o.ID, detail: map[string]any{"name": line.Name}}); err != nil {
			return err
		}
		return t.emit("order:updated", o, orderRooms(o)...)
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: order %d item %d: %w", orderID, itemID, err)
	}
	return o, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// MaxSeat is the highest seat number a line may name.
const MaxSeat = 99

// lineService is what the service flow adds to an order line: its course
// and seat, when it went to the kitchen, what was voided or comped, and
// whether a split payment paid it.
type lineService struct {
	// Course is the 1-based course (nil: none, it went at once).
	Course *int64 `json:"course"`
	// Seat is the guest it is for (nil: shared).
	Seat *int64 `json:"seat"`
	// FiredAt is when the line went to the kitchen; nil while held.
	FiredAt *time.Time `json:"fired_at"`
	// VoidedQuantity is how much was taken off; Quantity is what is left.
	VoidedQuantity int64 `json:"voided_quantity"`
	// Comped lines stay on the ticket at price 0, for CompReason.
	Comped     bool    `json:"comped"`
	CompReason *string `json:"comp_reason"`
	// Paid is true once a payment by item or seat settled the line.
	Paid bool `json:"paid"`
}

const lineServiceColumns = "course, seat, fired_at, voided_quantity, comp_reason, paid_payment_id"

// lineScan receives lineServiceColumns.
type lineScan struct {
	course, seat, fired, paid sql.NullInt64
	voided                    int64
	comp                      sql.NullString
}

func (l *lineScan) dest() []any {
	return []any{&l.course, &l.seat, &l.fired, &l.voided, &l.comp, &l.paid}
}

func (l *lineScan) service() lineService {
	ls := lineService{VoidedQuantity: l.voided, Paid: l.paid.Valid}
	if l.course.Valid {
		ls.Course = &l.course.Int64
	}
	if l.seat.Valid {
		ls.Seat = &l.seat.Int64
	}
	if l.fired.Valid {
		at := fromMS(l.fired.Int64)
		ls.FiredAt = &at
	}
	if l.comp.Valid {
		ls.Comped, ls.CompReason = true, &l.comp.String
	}
	return ls
}

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

// newLineService decides a new line's course (the line's own, else the
// item's default) and whether it goes to the kitchen at once: always with
// fire_courses off; with it on, lines of course 1 or of no course do, later
// courses wait to be fired.
func (t *txn) newLineService(st Settings, it Item, line NewOrderItem, i int) (lineService, error) {
	ls := lineService{Seat: line.Seat}
	course := line.Course
	if course == nil && it.Course != nil {
		c := *it.Course
		course = &c
	}
	if course != nil && *course > int64(len(st.Courses)) {
		if line.Course != nil {
			return lineService{}, &ValidationError{Fields: map[string]string{fmt.Sprintf("items[%d].course", i): fmt.Sprintf("must be between 1 and %d", len(st.Courses))}}
		}
		course = nil // the item's default names a course the settings dropped
	}
	ls.Course = course
	if !st.FireCourses || course == nil || *course <= 1 {
		now := t.now
		ls.FiredAt = &now
	}
	return ls, nil
}

// live tells whether a line is still on the order (not voided entirely).
func (it OrderItem) live() bool { return it.Quantity > 0 }

// held tells whether a live line waits to be fired.
func (it OrderItem) held() bool { return it.live() && it.FiredAt == nil }

// HeldCourses lists the courses of o that still wait to be fired, in order.
func (o Order) HeldCourses() []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, it := range o.Items {
		if it.held() && it.Course != nil && !seen[*it.Course] {
			seen[*it.Course] = true
			out = append(out, *it.Course)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// kitchenDone tells whether every fired live line is done and nothing is
// held: the order's one aggregate may then be ready.
func (o Order) kitchenDone() bool {
	n := 0
	for _, it := range o.Items {
		if !it.live() {
			continue
		}
		n++
		if it.FiredAt == nil || !it.Done {
			return false
		}
	}
	return n > 0
}

// inKitchen tells whether the kitchen may act on an order of this status.
func inKitchen(status string) bool {
	return status == StatusConfirmed || status == StatusPreparing || status == StatusReady
}

// FireCourse sends course n of an order to the kitchen and emits
// order:updated. Held lines of the course are fired; when none is held and
// the course was fired before, it is fired again (a refire: its lines go
// back to the kitchen not done). A ready or served order goes back to
// preparing. It returns ErrNotFound, a *ValidationError for a course the
// order has no live line of, or an ErrConflict for a closed order.
func (s *Store) FireCourse(ctx context.Context, orderID, course int64) (Order, error) {
	var o Order
	err := s.write(ctx, func(t *txn) error {
		var err error
		if o, err = getOrder(ctx, t.tx, orderID); err != nil {
			return err
		}
		refire, err := t.fire(&o, course)
		if err != nil {
			return err
		}
		action := "order.fire"
		if refire {
			action = "order.refire"
		}
		return t.audit(change{action: action, entity: "order", entityID: o.ID, orderID: o.ID, detail: map[string]any{"course": course}})
	})
	if err != nil {
		return Order{}, fmt.Errorf("store: fire course %d of order %d: %w", course, orderID, err)
	}
	return o, nil
}

// fire is FireCourse inside a write; it reports whether it was a refire.
func (t *txn) fire(o *Order, course int64) (refire bool, err error) {
	if o.Status == StatusPaid || o.Status == StatusCancelled {
		return false, conflictf("a %s order cannot be fired", o.Status)
	}
	var held, fired []int
	for i, it := range o.Items {
		if !it.live() || it.Course == nil || *it.Course != course {
			continue
		}
		if it.FiredAt == nil {
			held = append(held, i)
		} else {
			fired = append(fired, i)
		}
	}
	lines := held
	if len(held) == 0 {
		if len(fired) == 0 {
			return false, &ValidationError{Fields: map[string]string{"course": fmt.Sprintf("order %d has nothing in course %d", o.ID, course)}}
		}
		lines, refire = fired, true
	}
	now := t.now
	for _, i := range lines {
		it := &o.Items[i]
		it.FiredAt, it.Done = &now, false
		if _, err := t.tx.ExecContext(t.ctx, "UPDATE order_items SET fired_at = ?, done = 0 WHERE id = ?", ms(now), it.ID); err != nil {
			return false, err
		}
	}
	o.UpdatedAt = now
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE orders SET updated_at = ? WHERE id = ?", ms(now), o.ID); err != nil {
		return false, err
	}
	if o.Status == StatusReady || o.Status == StatusServed {
		if err := t.setOrderStatus(o, StatusPreparing); err != nil {
			return false, err
		}
	}
	if err := t.emit("order:updated", *o, orderRooms(*o)...); err != nil {
		return false, err
	}
	// The kitchen printers get the fired course; a refire prints it again.
	if refire && inKitchen(o.Status) {
		fired := make([]OrderItem, 0, len(lines))
		for _, i := range lines {
			fired = append(fired, o.Items[i])
		}
		_, err := t.queueTicket(*o, fired, TicketReprint, "")
		return true, err
	}
	return refire, t.queueKitchenTickets(*o)
}

// fireNextCourse fires, for a guest who says the table is ready, the lowest
// course still held on any of the table's open orders. It returns the
// course, or an ErrConflict when nothing waits (or courses are not held).
func (t *txn) fireNextCourse(tableID int64) (int64, error) {
	st, err := getSettings(t.ctx, t.tx)
	if err != nil {
		return 0, err
	}
	if !st.FireCourses {
		return 0, conflictf("this restaurant sends every course at once")
	}
	orders, err := openOrders(t.ctx, t.tx, tableID)
	if err != nil {
		return 0, err
	}
	var next int64
	for _, o := range orders {
		if h := o.HeldCourses(); len(h) > 0 && (next == 0 || h[0] < next) {
			next = h[0]
		}
	}
	if next == 0 {
		return 0, conflictf("no course is waiting to be fired")
	}
	for i := range orders {
		o := &orders[i]
		for _, h := range o.HeldCourses() {
			if h != next {
				continue
			}
			if _, err := t.fire(o, next); err != nil {
				return 0, err
			}
			if err := t.audit(change{action: "order.fire", entity: "order", entityID: o.ID, orderID: o.ID,
				detail: map[string]any{"course": next, "by_guest": true}}); err != nil {
				return 0, err
			}
		}
	}
	return next, nil
}

// openOrders returns a table's orders that are neither paid nor cancelled,
// with their lines.
func openOrders(ctx context.Context, q queryer, tableID int64) ([]Order, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+orderColumns+` FROM orders o JOIN tables t ON t.id = o.table_id
		WHERE o.table_id = ? AND o.paid_at IS NULL AND o.status NOT IN ('paid', 'cancelled') ORDER BY o.id`, tableID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	orders := []Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return orders, loadItems(ctx, q, orders)
}

// settleKitchen makes the order's status follow its lines: a preparing
// order whose fired lines are all done, with nothing held, becomes ready.
func (t *txn) settleKitchen(o *Order) error {
	if o.Status == StatusPreparing && o.kitchenDone() {
		return t.setOrderStatus(o, StatusReady)
	}
	return nil
}

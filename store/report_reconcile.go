package store

import (
	"context"
	"database/sql"
	"sort"
	"time"
)

// ReportReconciliation shows that the day's gross sales add up:
//
//	gross_sales = payments + open_bills + discounts + rounding + other_days
//
// GrossSalesCents and PaymentsCents are the report's own figures (orders
// created that day, payments taken that day). OpenBillsCents is what the
// bills opened that day (their first order placed that day) still owe,
// DiscountsCents what discounts took off those bills with the tax they
// took with them, RoundingCents the difference between tax worked out per
// order (as sales are) and once per bill (as guests pay it: 0 when prices
// include tax). OtherDaysCents is 0 unless a bill spans midnight: what
// that day's orders were paid on another day, less what was paid that day
// for another day's orders.
type ReportReconciliation struct {
	GrossSalesCents int64 `json:"gross_sales_cents"`
	PaymentsCents   int64 `json:"payments_cents"`
	OpenBillsCents  int64 `json:"open_bills_cents"`
	DiscountsCents  int64 `json:"discounts_cents"`
	RoundingCents   int64 `json:"rounding_cents"`
	OtherDaysCents  int64 `json:"other_days_cents"`
}

// ReportWaiter is the day's figures of one member of staff: the orders
// they took (entered, or confirmed for a guest) with their sales, and the
// payments and tips they took. A nil UserID gathers what no staff member
// took: guests' orders confirmed automatically, the box's own.
type ReportWaiter struct {
	UserID        *int64 `json:"user_id"`
	UserName      string `json:"user_name"`
	OrdersCount   int64  `json:"orders_count"`
	SalesCents    int64  `json:"sales_cents"`
	PaymentsCount int64  `json:"payments_count"`
	PaymentsCents int64  `json:"payments_cents"`
	TipsCents     int64  `json:"tips_cents"`
}

// billKey names a table's bill: settled at an instant (its orders' paid_at,
// its payments' settled_at), or open (0).
type billKey struct {
	table     int64
	settledAt int64
}

// dayMoney is what one bill had on the report's day: the gross of the
// orders placed and the payments taken that day.
type dayMoney struct {
	gross, paid int64
}

// reconcile fills r's open bills, reconciliation and figures by waiter.
// r's sales and payments are already summed; the identity is checked by
// the tests, not assumed here: each line is computed on its own.
func reconcile(ctx context.Context, tx *sql.Tx, st Settings, from, to time.Time, r *DailyReport) error {
	bills := map[billKey]*dayMoney{}
	at := func(k billKey) *dayMoney {
		if bills[k] == nil {
			bills[k] = &dayMoney{}
		}
		return bills[k]
	}
	waiters := map[int64]*ReportWaiter{}
	waiter := func(id sql.NullInt64) *ReportWaiter {
		key := int64(0)
		if id.Valid {
			key = id.Int64
		}
		if waiters[key] == nil {
			w := &ReportWaiter{}
			if id.Valid {
				w.UserID = &id.Int64
			}
			waiters[key] = w
		}
		return waiters[key]
	}

	rows, err := tx.QueryContext(ctx, `SELECT table_id, coalesce(paid_at, 0), subtotal_cents, taken_by FROM orders
		WHERE created_at >= ? AND created_at < ? AND status != 'cancelled'`, ms(from), ms(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k billKey
		var sub int64
		var by sql.NullInt64
		if err := rows.Scan(&k.table, &k.settledAt, &sub, &by); err != nil {
			return err
		}
		_, gross := Tax(sub, st)
		at(k).gross += gross
		w := waiter(by)
		w.OrdersCount++
		w.SalesCents += gross
	}
	if err := rows.Err(); err != nil {
		return err
	}

	pays, err := tx.QueryContext(ctx, `SELECT table_id, CASE WHEN settled = 1 THEN coalesce(settled_at, created_at) ELSE 0 END,
		amount_cents, tip_cents, taken_by FROM payments WHERE created_at >= ? AND created_at < ?`, ms(from), ms(to))
	if err != nil {
		return err
	}
	defer pays.Close()
	for pays.Next() {
		var k billKey
		var amount, tip int64
		var by sql.NullInt64
		if err := pays.Scan(&k.table, &k.settledAt, &amount, &tip, &by); err != nil {
			return err
		}
		at(k).paid += amount
		w := waiter(by)
		w.PaymentsCount++
		w.PaymentsCents += amount
		w.TipsCents += tip
	}
	if err := pays.Err(); err != nil {
		return err
	}

	rc := ReportReconciliation{GrossSalesCents: r.GrossSalesCents, PaymentsCents: r.PaymentsCents}
	for k, day := range bills {
		b, err := billWhole(ctx, tx, st, k)
		if err != nil {
			return err
		}
		other := day.gross - day.paid
		if b.opened >= ms(from) && b.opened < ms(to) {
			discIncl := b.undiscounted - b.total
			rounding := b.gross - b.undiscounted
			if k.settledAt == 0 {
				r.OpenBillsCount++
				r.OpenBillsCents += b.due
			}
			rc.OpenBillsCents += b.due
			rc.DiscountsCents += discIncl
			rc.RoundingCents += rounding
			other -= b.due + discIncl + rounding
		}
		rc.OtherDaysCents += other
	}
	r.Reconciliation = rc
	return waiterList(ctx, tx, waiters, r)
}

// wholeBill is one bill over its whole life, whatever day its orders and
// payments fall on.
type wholeBill struct {
	opened int64 // when its first order was placed (ms); 0: it has none
	// gross is its orders' sales with tax per order; total what it comes
	// to (for a settled bill: what was paid), undiscounted that total with
	// its discounts (and their tax) put back, due what it still owes (0
	// once settled).
	gross, undiscounted, total, due int64
}

func billWhole(ctx context.Context, tx *sql.Tx, st Settings, k billKey) (wholeBill, error) {
	var b wholeBill
	// The orders of a bill, as bill() finds an open one.
	where := "table_id = ? AND paid_at = ? AND status != 'cancelled'"
	args := []any{k.table, k.settledAt}
	if k.settledAt == 0 {
		where = "table_id = ? AND paid_at IS NULL AND status NOT IN ('paid', 'cancelled')"
		args = args[:1]
	}
	rows, err := tx.QueryContext(ctx, "SELECT created_at, subtotal_cents FROM orders WHERE "+where, args...)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	var sub int64
	for rows.Next() {
		var created, s int64
		if err := rows.Scan(&created, &s); err != nil {
			return b, err
		}
		if b.opened == 0 || created < b.opened {
			b.opened = created
		}
		sub += s
		_, g := Tax(s, st)
		b.gross += g
	}
	if err := rows.Err(); err != nil {
		return b, err
	}
	_, b.undiscounted = Tax(sub, st)
	if k.settledAt == 0 {
		open, err := bill(ctx, tx, k.table)
		if err != nil {
			return b, err
		}
		b.total, b.due = open.TotalCents, open.DueCents
		return b, nil
	}
	// A settled bill came to exactly what was paid for it; its discounts
	// are what they came to when it was settled.
	var disc int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(applied_cents), 0) FROM discounts WHERE table_id = ? AND settled = 1 AND settled_at = ?`,
		k.table, k.settledAt).Scan(&disc); err != nil {
		return b, err
	}
	_, afterDisc := Tax(sub-disc, st)
	var paid int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE table_id = ? AND settled = 1 AND settled_at = ?`,
		k.table, k.settledAt).Scan(&paid); err != nil {
		return b, err
	}
	// The discount's share is worked out with today's tax rate; what was
	// paid is the total, whatever the rate was then.
	b.total = paid
	b.undiscounted = paid + b.undiscounted - afterDisc
	return b, nil
}

// waiterList names the figures by waiter and orders them: most sales
// first, then by name, what no staff member took last.
func waiterList(ctx context.Context, tx *sql.Tx, waiters map[int64]*ReportWaiter, r *DailyReport) error {
	r.ByWaiter = []ReportWaiter{}
	for id, w := range waiters {
		if id != 0 {
			var name string
			err := tx.QueryRowContext(ctx, "SELECT username FROM users WHERE id = ?", id).Scan(&name)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
			w.UserName = name
		}
		r.ByWaiter = append(r.ByWaiter, *w)
	}
	sort.Slice(r.ByWaiter, func(i, j int) bool {
		a, b := r.ByWaiter[i], r.ByWaiter[j]
		if (a.UserID == nil) != (b.UserID == nil) {
			return b.UserID == nil
		}
		if a.SalesCents != b.SalesCents {
			return a.SalesCents > b.SalesCents
		}
		return a.UserName < b.UserName
	})
	return nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DailyReport sums one local day: the orders placed and the payments taken
// between local midnight and the next, in the settings' timezone.
type DailyReport struct {
	Date            string         `json:"date"`
	Timezone        string         `json:"timezone"`
	Currency        string         `json:"currency"`
	From            time.Time      `json:"from"`
	To              time.Time      `json:"to"`
	OrdersCount     int64          `json:"orders_count"`
	CancelledCount  int64          `json:"cancelled_count"`
	GrossSalesCents int64          `json:"gross_sales_cents"`
	TaxCents        int64          `json:"tax_cents"`
	NetSalesCents   int64          `json:"net_sales_cents"`
	PaymentsCents   int64          `json:"payments_cents"`
	TipsCents       int64          `json:"tips_cents"`
	ByItem          []ReportItem   `json:"by_item"`
	ByOption        []ReportOption `json:"by_option"`
	ByMethod        []ReportMethod `json:"by_method"`
	// Corrections are the day's voids, comps and discounts.
	Corrections ReportCorrections `json:"corrections"`
	// OpenBillsCount and OpenBillsCents are the bills opened that day
	// (their first order placed that day) that are not settled yet, and
	// what they still owe.
	OpenBillsCount int64 `json:"open_bills_count"`
	OpenBillsCents int64 `json:"open_bills_cents"`
	// Reconciliation shows how gross sales and payments add up.
	Reconciliation ReportReconciliation `json:"reconciliation"`
	// ByWaiter is the day by member of staff (see ReportWaiter).
	ByWaiter []ReportWaiter `json:"by_waiter"`
}

// ReportCorrections totals the day's voids and comps (by when they were
// made) and discounts (by when their bill was settled, at what they came
// to), by reason and by user.
type ReportCorrections struct {
	VoidsCents     int64              `json:"voids_cents"`
	CompsCents     int64              `json:"comps_cents"`
	DiscountsCents int64              `json:"discounts_cents"`
	ByReason       []ReportCorrection `json:"by_reason"`
	ByUser         []ReportCorrection `json:"by_user"`
}

// ReportCorrection is one group of corrections: kind ("void", "comp" or
// "discount") with a reason, or with a user.
type ReportCorrection struct {
	Kind        string `json:"kind"`
	Reason      string `json:"reason,omitempty"`
	UserID      *int64 `json:"user_id,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	Count       int64  `json:"count"`
	AmountCents int64  `json:"amount_cents"`
}

// correctionsOfDay is the day's corrections as one set of rows.
const correctionsOfDay = `SELECT kind, reason, user_id, user_name, amount_cents FROM corrections WHERE created_at >= ?1 AND created_at < ?2
	UNION ALL SELECT 'discount', reason, user_id, user_name, applied_cents FROM discounts WHERE settled = 1 AND settled_at >= ?1 AND settled_at < ?2`

func reportCorrections(ctx context.Context, tx *sql.Tx, from, to time.Time) (ReportCorrections, error) {
	rc := ReportCorrections{ByReason: []ReportCorrection{}, ByUser: []ReportCorrection{}}
	rows, err := tx.QueryContext(ctx, `SELECT kind, reason, count(*), sum(amount_cents) FROM (`+correctionsOfDay+`)
		GROUP BY kind, reason ORDER BY kind, 4 DESC, reason`, ms(from), ms(to))
	if err != nil {
		return rc, err
	}
	defer rows.Close()
	for rows.Next() {
		var c ReportCorrection
		if err := rows.Scan(&c.Kind, &c.Reason, &c.Count, &c.AmountCents); err != nil {
			return rc, err
		}
		switch c.Kind {
		case "void":
			rc.VoidsCents += c.AmountCents
		case "comp":
			rc.CompsCents += c.AmountCents
		default:
			rc.DiscountsCents += c.AmountCents
		}
		rc.ByReason = append(rc.ByReason, c)
	}
	if err := rows.Err(); err != nil {
		return rc, err
	}
	users, err := tx.QueryContext(ctx, `SELECT kind, user_id, user_name, count(*), sum(amount_cents) FROM (`+correctionsOfDay+`)
		GROUP BY kind, user_id, user_name ORDER BY kind, 5 DESC, user_name`, ms(from), ms(to))
	if err != nil {
		return rc, err
	}
	defer users.Close()
	for users.Next() {
		var c ReportCorrection
		if err := users.Scan(&c.Kind, &c.UserID, &c.UserName, &c.Count, &c.AmountCents); err != nil {
			return rc, err
		}
		rc.ByUser = append(rc.ByUser, c)
	}
	return rc, users.Err()
}

// ReportOption is the day's sales of one modifier option: how many
// portions were ordered with it and what its price deltas added.
type ReportOption struct {
	OptionID   int64  `json:"option_id"`
	Group      string `json:"group"`
	Name       string `json:"name"`
	Quantity   int64  `json:"quantity"`
	SalesCents int64  `json:"sales_cents"`
}

// ReportItem is the day's sales of one menu item.
type ReportItem struct {
	MenuItemID int64  `json:"menu_item_id"`
	Name       string `json:"name"`
	Quantity   int64  `json:"quantity"`
	SalesCents int64  `json:"sales_cents"`
}

// ReportMethod is the day's payments by one method.
type ReportMethod struct {
	Method      string `json:"method"`
	Count       int64  `json:"count"`
	AmountCents int64  `json:"amount_cents"`
	TipCents    int64  `json:"tip_cents"`
}

// DailyReport builds the report of date (YYYY-MM-DD). Sales count every
// order placed that day that was not cancelled, with tax computed per order
// the way a bill does; revenue counts the payments taken that day. It
// returns a *ValidationError for a bad date.
func (s *Store) DailyReport(ctx context.Context, date string) (DailyReport, error) {
	var r DailyReport
	err := s.read(ctx, func(tx *sql.Tx) error {
		st, err := getSettings(ctx, tx)
		if err != nil {
			return err
		}
		loc := st.Location()
		day, err := time.ParseInLocation("2006-01-02", date, loc)
		// The bounds keep From and To inside the years JSON can carry
		// (0 to 9999) in every time zone.
		if err != nil || day.Year() < 1970 || day.Year() > 9000 {
			return &ValidationError{Fields: map[string]string{"date": "must be a date as YYYY-MM-DD between 1970 and 9000"}}
		}
		from, to := day, day.AddDate(0, 0, 1)
		r = DailyReport{Date: date, Timezone: st.Timezone, Currency: st.Currency, From: from.UTC(), To: to.UTC(),
			ByItem: []ReportItem{}, ByOption: []ReportOption{}, ByMethod: []ReportMethod{}}

		rows, err := tx.QueryContext(ctx, `SELECT status, subtotal_cents FROM orders WHERE created_at >= ? AND created_at < ?`, ms(from), ms(to))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var status string
			var subtotal int64
			if err := rows.Scan(&status, &subtotal); err != nil {
				return err
			}
			if status == StatusCancelled {
				r.CancelledCount++
				continue
			}
			r.OrdersCount++
			tax, total := Tax(subtotal, st)
			r.GrossSalesCents += total
			r.TaxCents += tax
		}
		if err := rows.Err(); err != nil {
			return err
		}
		r.NetSalesCents = r.GrossSalesCents - r.TaxCents
		if r.Corrections, err = reportCorrections(ctx, tx, from, to); err != nil {
			return err
		}

		items, err := tx.QueryContext(ctx, `SELECT i.menu_item_id, i.name, sum(i.quantity), sum(i.quantity * i.unit_price_cents)
			FROM order_items i JOIN orders o ON o.id = i.order_id
			WHERE o.created_at >= ? AND o.created_at < ? AND o.status != 'cancelled'
			GROUP BY i.menu_item_id, i.name ORDER BY 4 DESC, 2`, ms(from), ms(to))
		if err != nil {
			return err
		}
		defer items.Close()
		for items.Next() {
			var it ReportItem
			if err := items.Scan(&it.MenuItemID, &it.Name, &it.Quantity, &it.SalesCents); err != nil {
				return err
			}
			r.ByItem = append(r.ByItem, it)
		}
		if err := items.Err(); err != nil {
			return err
		}

		if r.ByOption, err = optionsSold(ctx, tx, from, to); err != nil {
			return err
		}

		methods, err := tx.QueryContext(ctx, `SELECT method, count(*), sum(amount_cents), sum(tip_cents) FROM payments
			WHERE created_at >= ? AND created_at < ? GROUP BY method ORDER BY method`, ms(from), ms(to))
		if err != nil {
			return err
		}
		defer methods.Close()
		for methods.Next() {
			var m ReportMethod
			if err := methods.Scan(&m.Method, &m.Count, &m.AmountCents, &m.TipCents); err != nil {
				return err
			}
			r.PaymentsCents += m.AmountCents
			r.TipsCents += m.TipCents
			r.ByMethod = append(r.ByMethod, m)
		}
		if err := methods.Err(); err != nil {
			return err
		}
		return reconcile(ctx, tx, st, from, to, &r)
	})
	if err != nil {
		return DailyReport{}, fmt.Errorf("store: daily report: %w", err)
	}
	return r, nil
}

// optionsSold counts the modifier options of the lines of the orders placed
// between from and to and not cancelled, by group, most ordered first.
func optionsSold(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]ReportOption, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.option_id, m.group_name, m.name, sum(i.quantity), sum(i.quantity * m.price_delta_cents)
		FROM order_item_modifiers m JOIN order_items i ON i.id = m.order_item_id JOIN orders o ON o.id = i.order_id
		WHERE o.created_at >= ? AND o.created_at < ? AND o.status != 'cancelled'
		GROUP BY m.option_id, m.group_name, m.name ORDER BY 2, 4 DESC, 3`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReportOption{}
	for rows.Next() {
		var o ReportOption
		if err := rows.Scan(&o.OptionID, &o.Group, &o.Name, &o.Quantity, &o.SalesCents); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

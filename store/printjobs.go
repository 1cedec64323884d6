package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Print job kinds and statuses.
const (
	JobKitchen = "kitchen"
	JobBill    = "bill"
	JobReceipt = "receipt"
	JobTest    = "test"

	JobQueued    = "queued"
	JobSending   = "sending"
	JobPrinted   = "printed"
	JobCancelled = "cancelled"
	JobFailed    = "failed"
)

// Kitchen ticket variants.
const (
	TicketNew       = ""          // lines that just went to the kitchen
	TicketReprint   = "reprint"   // asked for again from the staff app or the KDS
	TicketCancelled = "cancelled" // the order was cancelled after its ticket printed
	TicketVoid      = "void"      // some of a line that printed was taken off
)

// PrintJob is one print waiting for, or taken by, its printer.
type PrintJob struct {
	ID        int64      `json:"id"`
	PrinterID int64      `json:"printer_id"`
	Kind      string     `json:"kind"`
	Status    string     `json:"status"`
	OrderID   *int64     `json:"order_id"`
	TableID   *int64     `json:"table_id"`
	Attempts  int64      `json:"attempts"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	PrintedAt *time.Time `json:"printed_at"`
	// Doc is what to print, as it was when the job was queued.
	Doc PrintDoc `json:"-"`
}

// PrintDoc is the snapshot a job prints: everything the print worker needs
// to render it, so a job queued before a restart prints what was true when
// it was queued.
type PrintDoc struct {
	Kind     string    `json:"kind"`
	Settings Settings  `json:"settings"`
	At       time.Time `json:"at"`
	Table    string    `json:"table,omitempty"`
	// Kitchen tickets: the order with only this ticket's lines, their
	// allergens by menu item id, the printer's station ("" for all), and
	// which variant it is (TicketNew, TicketReprint, TicketCancelled).
	Order     *Order             `json:"order,omitempty"`
	Allergens map[int64][]string `json:"allergens,omitempty"`
	Station   string             `json:"station,omitempty"`
	Variant   string             `json:"variant,omitempty"`
	// Bills and receipts: the bill, and the payments taken for it.
	Bill     *Bill     `json:"bill,omitempty"`
	Payments []Payment `json:"payments,omitempty"`
	// Test pages: the printer as it was set up.
	Printer *Printer `json:"printer,omitempty"`
}

// PrintWake is signalled after every commit that queued a print job or
// changed a printer; the print worker waits on it between polls.
func (s *Store) PrintWake() <-chan struct{} { return s.printWake }

const jobColumns = "id, printer_id, kind, status, order_id, table_id, attempts, last_error, created_at, printed_at, doc"

func scanJob(row interface{ Scan(...any) error }) (PrintJob, error) {
	var j PrintJob
	var orderID, tableID, printed sql.NullInt64
	var created int64
	var doc []byte
	if err := row.Scan(&j.ID, &j.PrinterID, &j.Kind, &j.Status, &orderID, &tableID, &j.Attempts, &j.LastError, &created, &printed, &doc); err != nil {
		return PrintJob{}, err
	}
	if orderID.Valid {
		j.OrderID = &orderID.Int64
	}
	if tableID.Valid {
		j.TableID = &tableID.Int64
	}
	if printed.Valid {
		at := fromMS(printed.Int64)
		j.PrintedAt = &at
	}
	j.CreatedAt = fromMS(created)
	if err := json.Unmarshal(doc, &j.Doc); err != nil {
		return PrintJob{}, fmt.Errorf("doc of print job %d: %w", j.ID, err)
	}
	return j, nil
}

// queueJob writes a job for printer p in the transaction and announces the
// printer's longer queue.
func (t *txn) queueJob(p Printer, doc PrintDoc, orderID, tableID int64) (PrintJob, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return PrintJob{}, err
	}
	j := PrintJob{PrinterID: p.ID, Kind: doc.Kind, Status: JobQueued, CreatedAt: t.now, Doc: doc}
	var oid, tid any
	if orderID != 0 {
		j.OrderID, oid = &orderID, orderID
	}
	if tableID != 0 {
		j.TableID, tid = &tableID, tableID
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO print_jobs (printer_id, kind, doc, order_id, table_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, p.ID, doc.Kind, body, oid, tid, ms(t.now))
	if err != nil {
		return PrintJob{}, err
	}
	j.ID, _ = res.LastInsertId()
	t.printWake = true
	return j, t.emitPrinter(p.ID)
}

// kitchenPrinters are the enabled kitchen printers, by id.
func kitchenPrinters(ctx context.Context, q queryer) ([]Printer, error) {
	all, err := listPrinters(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []Printer
	for _, p := range all {
		if p.Enabled && p.Kind == PrinterKitchen {
			out = append(out, p)
		}
	}
	return out, nil
}

// lineAllergens maps the menu items of lines to their allergens.
func lineAllergens(ctx context.Context, q queryer, lines []OrderItem) (map[int64][]string, error) {
	out := map[int64][]string{}
	for _, l := range lines {
		if _, ok := out[l.MenuItemID]; ok {
			continue
		}
		var raw string
		err := q.QueryRowContext(ctx, "SELECT allergens FROM items WHERE id = ?", l.MenuItemID).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var a []string
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			return nil, fmt.Errorf("allergens of item %d: %w", l.MenuItemID, err)
		}
		if len(a) > 0 {
			out[l.MenuItemID] = a
		}
	}
	return out, nil
}

// queueTicket queues, on every enabled kitchen printer whose station is
// that of some of lines (or that prints every station), one ticket of those
// lines. station, when not empty, keeps only that station's lines.
func (t *txn) queueTicket(o Order, lines []OrderItem, variant, station string) ([]PrintJob, error) {
	printers, err := kitchenPrinters(t.ctx, t.tx)
	if err != nil || len(printers) == 0 {
		return nil, err
	}
	st, err := getSettings(t.ctx, t.tx)
	if err != nil {
		return nil, err
	}
	allergens, err := lineAllergens(t.ctx, t.tx, lines)
	if err != nil {
		return nil, err
	}
	var jobs []PrintJob
	for _, p := range printers {
		var sel []OrderItem
		for _, l := range lines {
			if (p.Station == "" || strings.EqualFold(p.Station, l.Station)) && (station == "" || strings.EqualFold(station, l.Station)) {
				sel = append(sel, l)
			}
		}
		if len(sel) == 0 {
			continue
		}
		ticket := o
		ticket.Items = sel
		doc := PrintDoc{Kind: JobKitchen, Settings: st, At: t.now, Table: o.TableName, Order: &ticket,
			Allergens: map[int64][]string{}, Station: p.Station, Variant: variant}
		for _, l := range sel {
			if a, ok := allergens[l.MenuItemID]; ok {
				doc.Allergens[l.MenuItemID] = a
			}
		}
		j, err := t.queueJob(p, doc, o.ID, o.TableID)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// ticketedLines splits an order's line ids into those already on a kitchen
// ticket and those not yet.
func ticketedLines(ctx context.Context, q queryer, orderID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, ticketed_at IS NOT NULL FROM order_items WHERE order_id = ?", orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var done bool
		if err := rows.Scan(&id, &done); err != nil {
			return nil, err
		}
		out[id] = done
	}
	return out, rows.Err()
}

// queueKitchenTickets sends to the kitchen printers the lines of o that are
// in the kitchen and on no ticket yet, and marks them ticketed (with or
// without a printer: a printer added later does not print old orders). It
// is called in every transaction that sends lines to the kitchen.
func (t *txn) queueKitchenTickets(o Order) error {
	switch o.Status {
	case StatusConfirmed, StatusPreparing, StatusReady:
	default:
		return nil
	}
	ticketed, err := ticketedLines(t.ctx, t.tx, o.ID)
	if err != nil {
		return err
	}
	var lines []OrderItem
	for _, l := range o.Items {
		// A held course prints when it is fired; a voided line not at all.
		if !ticketed[l.ID] && !l.held() && l.live() {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	// One statement for the whole order: this runs in every order's commit.
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE order_items SET ticketed_at = ? WHERE id IN (SELECT value FROM json_each(?))",
		ms(t.now), jsonInts(ids)); err != nil {
		return err
	}
	_, err = t.queueTicket(o, lines, TicketNew, "")
	return err
}

// queueCancelTicket tells the kitchen printers that printed o's lines that
// the order is off.
func (t *txn) queueCancelTicket(o Order) error {
	ticketed, err := ticketedLines(t.ctx, t.tx, o.ID)
	if err != nil {
		return err
	}
	var lines []OrderItem
	for _, l := range o.Items {
		if ticketed[l.ID] {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	_, err = t.queueTicket(o, lines, TicketCancelled, "")
	return err
}

// queueVoidTicket tells the kitchen printers that printed a line that
// quantity of it is off.
func (t *txn) queueVoidTicket(o Order, line OrderItem, quantity int64) error {
	ticketed, err := ticketedLines(t.ctx, t.tx, o.ID)
	if err != nil || !ticketed[line.ID] {
		return err
	}
	line.Quantity = quantity
	_, err = t.queueTicket(o, []OrderItem{line}, TicketVoid, "")
	return err
}

// ReprintTickets prints again the kitchen tickets of an order's lines that
// went to the kitchen (and are not voided), on every kitchen printer of
// their station; station, when not empty, reprints only that station's,
// and course, when not 0, only that course's. It returns the jobs,
// ErrNotFound, or an ErrConflict when nothing of the order (or of that
// course) went to the kitchen yet or no enabled kitchen printer takes its
// lines.
func (s *Store) ReprintTickets(ctx context.Context, orderID int64, station string, course int64) ([]PrintJob, error) {
	var jobs []PrintJob
	err := s.write(ctx, func(t *txn) error {
		o, err := getOrder(ctx, t.tx, orderID)
		if err != nil {
			return err
		}
		ticketed, err := ticketedLines(ctx, t.tx, orderID)
		if err != nil {
			return err
		}
		var lines []OrderItem
		for _, l := range o.Items {
			if ticketed[l.ID] && l.live() && (course == 0 || (l.Course != nil && *l.Course == course)) {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			if course != 0 {
				return conflictf("nothing of course %d of order %d went to the kitchen yet", course, orderID)
			}
			return conflictf("nothing of order %d went to the kitchen yet", orderID)
		}
		if jobs, err = t.queueTicket(o, lines, TicketReprint, station); err != nil {
			return err
		}
		if len(jobs) == 0 {
			if station != "" {
				return conflictf("no enabled kitchen printer prints station %q of this order", station)
			}
			return conflictf("no enabled kitchen printer prints this order's stations")
		}
		return t.audit(change{action: "order.reprint", entity: "order", entityID: orderID, orderID: orderID, detail: map[string]string{"station": station}})
	})
	if err != nil {
		return nil, fmt.Errorf("store: reprint order %d: %w", orderID, err)
	}
	return jobs, nil
}

// defaultReceiptPrinter is the enabled receipt printer with the lowest id.
func defaultReceiptPrinter(ctx context.Context, q queryer) (Printer, error) {
	all, err := listPrinters(ctx, q)
	if err != nil {
		return Printer{}, err
	}
	for _, p := range all {
		if p.Enabled && p.Kind == PrinterReceipt {
			return p, nil
		}
	}
	return Printer{}, ErrNotFound
}

// openPayments are the payments taken for a table's open bill.
func openPayments(ctx context.Context, q queryer, tableID int64) ([]Payment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, table_id, method, amount_cents, tip_cents, tendered_cents, order_ids, created_at
		FROM payments WHERE table_id = ? AND settled = 0 ORDER BY id`, tableID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Payment{}
	for rows.Next() {
		var p Payment
		var ids string
		var created int64
		if err := rows.Scan(&p.ID, &p.TableID, &p.Method, &p.AmountCents, &p.TipCents, &p.TenderedCents, &ids, &created); err != nil {
			return nil, err
		}
		p.setChange()
		if err := json.Unmarshal([]byte(ids), &p.OrderIDs); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PrintBill queues a table's open bill on printerID, or on the default
// receipt printer (the enabled receipt printer with the lowest id) when
// printerID is 0. It returns the job, ErrNotFound for the table, a
// *ValidationError for an unknown or disabled printer, or an ErrConflict
// when there is no receipt printer or the table has nothing to bill.
func (s *Store) PrintBill(ctx context.Context, tableID, printerID int64) (PrintJob, error) {
	var j PrintJob
	err := s.write(ctx, func(t *txn) error {
		b, err := bill(ctx, t.tx, tableID)
		if err != nil {
			return err
		}
		var p Printer
		if printerID != 0 {
			p, err = getPrinter(ctx, t.tx, printerID)
			if errors.Is(err, ErrNotFound) {
				return &ValidationError{Fields: map[string]string{"printer_id": "no such printer"}}
			}
			if err != nil {
				return err
			}
			if !p.Enabled {
				return &ValidationError{Fields: map[string]string{"printer_id": "is disabled"}}
			}
		} else if p, err = defaultReceiptPrinter(ctx, t.tx); errors.Is(err, ErrNotFound) {
			return conflictf("there is no enabled receipt printer")
		} else if err != nil {
			return err
		}
		if len(b.Orders) == 0 {
			return conflictf("the table has nothing to bill")
		}
		st, err := getSettings(ctx, t.tx)
		if err != nil {
			return err
		}
		tb, err := getTable(ctx, t.tx, tableID)
		if err != nil {
			return err
		}
		payments, err := openPayments(ctx, t.tx, tableID)
		if err != nil {
			return err
		}
		if j, err = t.queueJob(p, PrintDoc{Kind: JobBill, Settings: st, At: t.now, Table: tb.Name, Bill: &b, Payments: payments}, 0, tableID); err != nil {
			return err
		}
		return t.audit(change{action: "bill.print", entity: "table", entityID: tableID, detail: map[string]any{"printer_id": p.ID}})
	})
	if err != nil {
		return PrintJob{}, fmt.Errorf("store: print bill of table %d: %w", tableID, err)
	}
	return j, nil
}

// queueReceipt queues the receipt of a bill being settled (b as it was
// before, payments those that settle it) on the default receipt printer,
// when the settings ask for receipts and there is one.
func (t *txn) queueReceipt(b Bill, tableName string, payments []Payment) error {
	st, err := getSettings(t.ctx, t.tx)
	if err != nil || !st.PrintReceipts {
		return err
	}
	p, err := defaultReceiptPrinter(t.ctx, t.tx)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = t.queueJob(p, PrintDoc{Kind: JobReceipt, Settings: st, At: t.now, Table: tableName, Bill: &b, Payments: payments}, 0, b.TableID)
	return err
}

// PrintTest queues a test page on a printer. It returns the job,
// ErrNotFound, or an ErrConflict when the printer is disabled.
func (s *Store) PrintTest(ctx context.Context, printerID int64) (PrintJob, error) {
	var j PrintJob
	err := s.write(ctx, func(t *txn) error {
		p, err := getPrinter(ctx, t.tx, printerID)
		if err != nil {
			return err
		}
		if !p.Enabled {
			return conflictf("printer %q is disabled", p.Name)
		}
		st, err := getSettings(ctx, t.tx)
		if err != nil {
			return err
		}
		if j, err = t.queueJob(p, PrintDoc{Kind: JobTest, Settings: st, At: t.now, Printer: &p}, 0, 0); err != nil {
			return err
		}
		return t.audit(change{action: "printer.test", entity: "printer", entityID: p.ID})
	})
	if err != nil {
		return PrintJob{}, fmt.Errorf("store: test page on printer %d: %w", printerID, err)
	}
	return j, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Printer kinds and statuses.
const (
	PrinterKitchen = "kitchen"
	PrinterReceipt = "receipt"

	PrinterOK      = "ok"
	PrinterOffline = "offline"
	PrinterError   = "error"
)

// PrinterWidths are the line widths, in characters of the normal font, of
// the paper rolls thermal printers take: 58 mm (32), 80 mm (42 or 48).
var PrinterWidths = []int64{32, 42, 48}

// Printer is a network (raw TCP) ESC/POS printer. A kitchen printer with
// an empty station prints the tickets of every station.
type Printer struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Address       string `json:"address"`
	Kind          string `json:"kind"`
	Station       string `json:"station"`
	WidthChars    int64  `json:"width_chars"`
	Enabled       bool   `json:"enabled"`
	Status        string `json:"status"`
	StatusMessage string `json:"status_message"`
	// Queued counts the jobs the printer has not taken yet.
	Queued int64 `json:"queued"`
}

// PrinterInput creates (name, address and kind required) or patches a printer.
type PrinterInput struct {
	Name       *string `json:"name"`
	Address    *string `json:"address"`
	Kind       *string `json:"kind"`
	Station    *string `json:"station"`
	WidthChars *int64  `json:"width_chars"`
	Enabled    *bool   `json:"enabled"`
}

// PrinterState is the payload of printer:updated: what the staff app and
// the kitchen display show of a printer. Name, Kind, Station and Enabled
// come along so that a screen can show a printer it has not loaded yet;
// Deleted is set once, when the printer is removed.
type PrinterState struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Station       string `json:"station"`
	Enabled       bool   `json:"enabled"`
	Status        string `json:"status"`
	StatusMessage string `json:"status_message"`
	Queued        int64  `json:"queued"`
	Deleted       bool   `json:"deleted,omitempty"`
}

// State is the part of p that every staff screen may see.
func (p Printer) State() PrinterState {
	return PrinterState{ID: p.ID, Name: p.Name, Kind: p.Kind, Station: p.Station, Enabled: p.Enabled,
		Status: p.Status, StatusMessage: p.StatusMessage, Queued: p.Queued}
}

const printerColumns = `id, name, address, kind, station, width_chars, enabled, status, status_message,
	(SELECT count(*) FROM print_jobs j WHERE j.printer_id = printers.id AND j.status IN ('queued', 'sending'))`

func scanPrinter(row interface{ Scan(...any) error }) (Printer, error) {
	var p Printer
	err := row.Scan(&p.ID, &p.Name, &p.Address, &p.Kind, &p.Station, &p.WidthChars, &p.Enabled, &p.Status, &p.StatusMessage, &p.Queued)
	return p, err
}

func getPrinter(ctx context.Context, q queryer, id int64) (Printer, error) {
	p, err := scanPrinter(q.QueryRowContext(ctx, "SELECT "+printerColumns+" FROM printers WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Printer{}, ErrNotFound
	}
	return p, err
}

func listPrinters(ctx context.Context, q queryer) ([]Printer, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+printerColumns+" FROM printers WHERE deleted_at IS NULL ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	printers := []Printer{}
	for rows.Next() {
		p, err := scanPrinter(rows)
		if err != nil {
			return nil, err
		}
		printers = append(printers, p)
	}
	return printers, rows.Err()
}

// Printers lists the printers by id, with the newest event seq of the same
// snapshot.
func (s *Store) Printers(ctx context.Context) ([]Printer, int64, error) {
	var printers []Printer
	var seq int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if seq, err = lastSeq(ctx, tx); err != nil {
			return err
		}
		printers, err = listPrinters(ctx, tx)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: printers: %w", err)
	}
	return printers, seq, nil
}

// Printer returns one printer, or ErrNotFound.
func (s *Store) Printer(ctx context.Context, id int64) (Printer, error) {
	p, err := getPrinter(ctx, s.r, id)
	if err != nil {
		return Printer{}, fmt.Errorf("store: printer %d: %w", id, err)
	}
	return p, nil
}

// validAddress accepts "host:port" with a port of 1 to 65535: a printer is
// reached over raw TCP, usually on 9100.
func validAddress(v string) string {
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" || strings.ContainsAny(host, " /\\@") {
		return "must be host:port, such as 192.168.1.50:9100"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "must end in a port between 1 and 65535"
	}
	return ""
}

func (c checker) printer(in PrinterInput, create bool) {
	if in.Name != nil {
		c.text("name", *in.Name, 1, 50, false)
	} else if create {
		c.add("name", "is required")
	}
	if in.Address != nil {
		if msg := validAddress(*in.Address); msg != "" {
			c.add("address", msg)
		}
	} else if create {
		c.add("address", "is required")
	}
	if in.Kind != nil {
		c.oneOf("kind", *in.Kind, PrinterKitchen, PrinterReceipt)
	} else if create {
		c.add("kind", "is required")
	}
	if in.Station != nil {
		c.text("station", *in.Station, 0, 30, false)
	}
	if in.WidthChars != nil {
		ok := false
		for _, w := range PrinterWidths {
			ok = ok || *in.WidthChars == w
		}
		if !ok {
			c.add("width_chars", "must be 32, 42 or 48")
		}
	}
}

func printerNameFree(t *txn, name string, except int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM printers WHERE name = ? COLLATE NOCASE AND id != ? AND deleted_at IS NULL",
		name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return conflictf("a printer named %q exists", name)
	}
	return nil
}

// emitPrinter announces a printer's state (its queue counted now) to the
// rooms whose screens show printers.
func (t *txn) emitPrinter(id int64) error {
	p, err := getPrinter(t.ctx, t.tx, id)
	if err != nil {
		return err
	}
	return t.emit("printer:updated", p.State(), RoomOrders, RoomKDS)
}

// CreatePrinter adds a printer (enabled unless said otherwise, 42 characters
// wide by default) and emits printer:updated. Its status is offline until
// the print worker reaches it. A receipt printer has no station. It returns
// a *ValidationError or an ErrConflict for a duplicate name.
func (s *Store) CreatePrinter(ctx context.Context, in PrinterInput) (Printer, error) {
	c := checker{}
	c.printer(in, true)
	if err := c.err(); err != nil {
		return Printer{}, fmt.Errorf("store: create printer: %w", err)
	}
	p := Printer{Name: *in.Name, Address: *in.Address, Kind: *in.Kind, WidthChars: 42, Enabled: true,
		Status: PrinterOffline, StatusMessage: "not reached yet"}
	if in.Station != nil {
		p.Station = strings.TrimSpace(*in.Station)
	}
	if in.WidthChars != nil {
		p.WidthChars = *in.WidthChars
	}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	if p.Kind == PrinterReceipt {
		p.Station = ""
	}
	err := s.write(ctx, func(t *txn) error {
		if err := printerNameFree(t, p.Name, 0); err != nil {
			return err
		}
		res, err := t.tx.ExecContext(ctx, `INSERT INTO printers (name, address, kind, station, width_chars, enabled, status, status_message, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Name, p.Address, p.Kind, p.Station, p.WidthChars, boolInt(p.Enabled),
			p.Status, p.StatusMessage, ms(t.now))
		if err != nil {
			return err
		}
		p.ID, _ = res.LastInsertId()
		t.printWake = true
		if err := t.audit(change{action: "printer.create", entity: "printer", entityID: p.ID, detail: map[string]string{"name": p.Name, "address": p.Address}}); err != nil {
			return err
		}
		return t.emitPrinter(p.ID)
	})
	if err != nil {
		return Printer{}, fmt.Errorf("store: create printer: %w", err)
	}
	return p, nil
}

// UpdatePrinter patches a printer and emits printer:updated. A new address
// or enabling it has the worker try it again at once. It returns
// ErrNotFound, a *ValidationError or an ErrConflict.
func (s *Store) UpdatePrinter(ctx context.Context, id int64, in PrinterInput) (Printer, error) {
	c := checker{}
	c.printer(in, false)
	if err := c.err(); err != nil {
		return Printer{}, fmt.Errorf("store: update printer: %w", err)
	}
	var p Printer
	err := s.write(ctx, func(t *txn) error {
		var err error
		if p, err = getPrinter(ctx, t.tx, id); err != nil {
			return err
		}
		if in.Name != nil {
			if err := printerNameFree(t, *in.Name, id); err != nil {
				return err
			}
			p.Name = *in.Name
		}
		if in.Address != nil && *in.Address != p.Address {
			p.Address = *in.Address
			p.Status, p.StatusMessage = PrinterOffline, "not reached yet"
		}
		if in.Kind != nil {
			p.Kind = *in.Kind
		}
		if in.Station != nil {
			p.Station = strings.TrimSpace(*in.Station)
		}
		if p.Kind == PrinterReceipt {
			p.Station = ""
		}
		if in.WidthChars != nil {
			p.WidthChars = *in.WidthChars
		}
		if in.Enabled != nil {
			p.Enabled = *in.Enabled
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE printers SET name = ?, address = ?, kind = ?, station = ?, width_chars = ?,
			enabled = ?, status = ?, status_message = ? WHERE id = ?`, p.Name, p.Address, p.Kind, p.Station, p.WidthChars,
			boolInt(p.Enabled), p.Status, p.StatusMessage, id); err != nil {
			return err
		}
		t.printWake = true
		if err := t.audit(change{action: "printer.update", entity: "printer", entityID: id, detail: in}); err != nil {
			return err
		}
		return t.emitPrinter(id)
	})
	if err != nil {
		return Printer{}, fmt.Errorf("store: update printer %d: %w", id, err)
	}
	return p, nil
}

// DeletePrinter removes a printer, cancels the jobs it had not taken yet
// and emits printer:updated with deleted set. It returns ErrNotFound.
func (s *Store) DeletePrinter(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		p, err := getPrinter(ctx, t.tx, id)
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE print_jobs SET status = 'cancelled' WHERE printer_id = ? AND status IN ('queued', 'sending')", id); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE printers SET deleted_at = ? WHERE id = ?", ms(t.now), id); err != nil {
			return err
		}
		t.printWake = true
		if err := t.audit(change{action: "printer.delete", entity: "printer", entityID: id, detail: map[string]string{"name": p.Name}}); err != nil {
			return err
		}
		st := p.State()
		st.Queued, st.Deleted = 0, true
		return t.emit("printer:updated", st, RoomOrders, RoomKDS)
	})
	if err != nil {
		return fmt.Errorf("store: delete printer %d: %w", id, err)
	}
	return nil
}

// SetPrinterStatus records what the print worker found and emits
// printer:updated when it changed anything. It returns ErrNotFound for a
// deleted printer and a *ValidationError for an unknown status.
func (s *Store) SetPrinterStatus(ctx context.Context, id int64, status, message string) error {
	c := checker{}
	c.oneOf("status", status, PrinterOK, PrinterOffline, PrinterError)
	if err := c.err(); err != nil {
		return fmt.Errorf("store: printer status: %w", err)
	}
	message = truncate(message, 200)
	err := s.write(ctx, func(t *txn) error {
		p, err := getPrinter(ctx, t.tx, id)
		if err != nil {
			return err
		}
		if p.Status == status && p.StatusMessage == message {
			return nil
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE printers SET status = ?, status_message = ? WHERE id = ?", status, message, id); err != nil {
			return err
		}
		return t.emitPrinter(id)
	})
	if err != nil {
		return fmt.Errorf("store: printer %d status: %w", id, err)
	}
	return nil
}

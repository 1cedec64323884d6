package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Table statuses.
const (
	TableAvailable = "available"
	TableOccupied  = "occupied"
	TableReserved  = "reserved"
	TableCleaning  = "cleaning"
)

// Table is a table of the restaurant.
type Table struct {
	ID              int64        `json:"id"`
	Name            string       `json:"name"`
	Seats           int64        `json:"seats"`
	Section         string       `json:"section"`
	Status          string       `json:"status"`
	StatusChangedAt time.Time    `json:"status_changed_at"`
	OpenRequest     *OpenRequest `json:"open_request"`
}

// OpenRequest is a guest's call for a waiter or for the bill.
type OpenRequest struct {
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// TableInput creates (name and seats required) or patches a table.
type TableInput struct {
	Name    *string `json:"name"`
	Seats   *int64  `json:"seats"`
	Section *string `json:"section"`
}

// Pairing is a one-time code that trades for a table's customer token.
type Pairing struct {
	Code      string    `json:"code"`
	TableID   int64     `json:"table_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PairingTTL is how long a pairing code stays valid.
const PairingTTL = 10 * time.Minute

// PairingGuessBudget is how many wrong codes, tried by anyone anywhere, a
// live code outlives. A wrong guess names no table, so it counts against
// every live code: guessing one of K live codes within the budget succeeds
// with a chance of at most K × 100 in a million, and a code that dies is
// simply issued again by staff.
const PairingGuessBudget = 100

type deletedTable struct {
	ID      int64 `json:"id"`
	Deleted bool  `json:"deleted"`
}

const tableColumns = "id, name, seats, section, status, status_changed_at, open_request, request_at"

func scanTable(row interface{ Scan(...any) error }) (Table, error) {
	var tb Table
	var changed int64
	var kind sql.NullString
	var at sql.NullInt64
	if err := row.Scan(&tb.ID, &tb.Name, &tb.Seats, &tb.Section, &tb.Status, &changed, &kind, &at); err != nil {
		return Table{}, err
	}
	tb.StatusChangedAt = fromMS(changed)
	if kind.Valid {
		tb.OpenRequest = &OpenRequest{Kind: kind.String, CreatedAt: fromMS(at.Int64)}
	}
	return tb, nil
}

func getTable(ctx context.Context, q queryer, id int64) (Table, error) {
	tb, err := scanTable(q.QueryRowContext(ctx, "SELECT "+tableColumns+" FROM tables WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Table{}, ErrNotFound
	}
	return tb, err
}

// Tables lists the live tables by section and name, with the newest event
// seq of the same snapshot.
func (s *Store) Tables(ctx context.Context) ([]Table, int64, error) {
	tables := []Table{}
	var seq int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if seq, err = lastSeq(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+tableColumns+" FROM tables WHERE deleted_at IS NULL ORDER BY section, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			tb, err := scanTable(rows)
			if err != nil {
				return err
			}
			tables = append(tables, tb)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: tables: %w", err)
	}
	return tables, seq, nil
}

// Table returns one live table, or ErrNotFound.
func (s *Store) Table(ctx context.Context, id int64) (Table, error) {
	tb, err := getTable(ctx, s.r, id)
	if err != nil {
		return Table{}, fmt.Errorf("store: table %d: %w", id, err)
	}
	return tb, nil
}

func (c checker) table(in TableInput, create bool) {
	if in.Name != nil {
		c.text("name", *in.Name, 1, 50, false)
	} else if create {
		c.add("name", "is required")
	}
	if in.Seats != nil {
		c.between("seats", *in.Seats, 1, 100)
	} else if create {
		c.add("seats", "is required")
	}
	if in.Section != nil {
		c.text("section", *in.Section, 0, 50, false)
	}
}

func tableNameFree(t *txn, name string, except int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM tables WHERE name = ? COLLATE NOCASE AND id != ? AND deleted_at IS NULL", name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return conflictf("a table named %q exists", name)
	}
	return nil
}

// emitTable announces a table's new state.
func (t *txn) emitTable(tb Table) error {
	return t.emit("table:updated", tb, RoomTables, TableRoom(tb.ID))
}

// CreateTable adds a table and emits table:updated. It returns a
// *ValidationError or an ErrConflict for a duplicate name.
func (s *Store) CreateTable(ctx context.Context, in TableInput) (Table, error) {
	c := checker{}
	c.table(in, true)
	if err := c.err(); err != nil {
		return Table{}, fmt.Errorf("store: create table: %w", err)
	}
	tb := Table{Name: *in.Name, Seats: *in.Seats, Status: TableAvailable}
	if in.Section != nil {
		tb.Section = *in.Section
	}
	err := s.write(ctx, func(t *txn) error {
		if err := tableNameFree(t, tb.Name, 0); err != nil {
			return err
		}
		tb.StatusChangedAt = t.now
		res, err := t.tx.ExecContext(ctx, "INSERT INTO tables (name, seats, section, status, status_changed_at, token_key) VALUES (?, ?, ?, ?, ?, ?)",
			tb.Name, tb.Seats, tb.Section, tb.Status, ms(t.now), newTokenKey())
		if err != nil {
			return err
		}
		tb.ID, _ = res.LastInsertId()
		if err := t.audit(change{action: "table.create", entity: "table", entityID: tb.ID, detail: map[string]any{"name": tb.Name, "seats": tb.Seats}}); err != nil {
			return err
		}
		return t.emitTable(tb)
	})
	if err != nil {
		return Table{}, fmt.Errorf("store: create table: %w", err)
	}
	return tb, nil
}

// UpdateTable patches a table and emits table:updated. It returns
// ErrNotFound, a *ValidationError or an ErrConflict.
func (s *Store) UpdateTable(ctx context.Context, id int64, in TableInput) (Table, error) {
	c := checker{}
	c.table(in, false)
	if err := c.err(); err != nil {
		return Table{}, fmt.Errorf("store: update table: %w", err)
	}
	var tb Table
	err := s.write(ctx, func(t *txn) error {
		var err error
		if tb, err = getTable(ctx, t.tx, id); err != nil {
			return err
		}
		if in.Name != nil {
			if err := tableNameFree(t, *in.Name, id); err != nil {
				return err
			}
			tb.Name = *in.Name
		}
		if in.Seats != nil {
			tb.Seats = *in.Seats
		}
		if in.Section != nil {
			tb.Section = *in.Section
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE tables SET name = ?, seats = ?, section = ? WHERE id = ?", tb.Name, tb.Seats, tb.Section, id); err != nil {
			return err
		}
		if err := t.audit(change{action: "table.update", entity: "table", entityID: id, detail: in}); err != nil {
			return err
		}
		return t.emitTable(tb)
	})
	if err != nil {
		return Table{}, fmt.Errorf("store: update table %d: %w", id, err)
	}
	return tb, nil
}

// DeleteTable removes a table that owes nothing and emits table:updated
// with {id, deleted: true}. It returns ErrNotFound or an ErrConflict while
// the table has unpaid orders.
func (s *Store) DeleteTable(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		if _, err := getTable(ctx, t.tx, id); err != nil {
			return err
		}
		var open int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM orders WHERE table_id = ? AND status NOT IN ('paid', 'cancelled')", id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			// A settled order not yet served still counts: its food is
			// on its way to this table.
			return conflictf("the table has %d orders not yet served and paid", open)
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE tables SET deleted_at = ?, token_version = token_version + 1 WHERE id = ?", ms(t.now), id); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM pairing_codes WHERE table_id = ?", id); err != nil {
			return err
		}
		if err := t.audit(change{action: "table.delete", entity: "table", entityID: id}); err != nil {
			return err
		}
		return t.emit("table:updated", deletedTable{ID: id, Deleted: true}, RoomTables, TableRoom(id))
	})
	if err != nil {
		return fmt.Errorf("store: delete table %d: %w", id, err)
	}
	return nil
}

// setTableStatus changes a table's status inside t and announces it; it
// does nothing when the status is already that.
func (t *txn) setTableStatus(tb *Table, status string) error {
	if tb.Status == status {
		return nil
	}
	tb.Status = status
	tb.StatusChangedAt = t.now
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE tables SET status = ?, status_changed_at = ? WHERE id = ?", status, ms(t.now), tb.ID); err != nil {
		return err
	}
	return t.emitTable(*tb)
}

// SetTableStatus sets a table's status by hand and emits table:updated when
// it changes. It returns ErrNotFound or a *ValidationError.
func (s *Store) SetTableStatus(ctx context.Context, id int64, status string) (Table, error) {
	c := checker{}
	c.oneOf("status", status, TableAvailable, TableOccupied, TableReserved, TableCleaning)
	if err := c.err(); err != nil {
		return Table{}, fmt.Errorf("store: set table status: %w", err)
	}
	var tb Table
	err := s.write(ctx, func(t *txn) error {
		var err error
		if tb, err = getTable(ctx, t.tx, id); err != nil {
			return err
		}
		if err := t.audit(change{action: "table.status", entity: "table", entityID: id, detail: map[string]string{"from": tb.Status, "to": status}}); err != nil {
			return err
		}
		return t.setTableStatus(&tb, status)
	})
	if err != nil {
		return Table{}, fmt.Errorf("store: set table %d status: %w", id, err)
	}
	return tb, nil
}

// Request kinds a table can raise.
const (
	RequestWaiter     = "waiter"
	RequestBill       = "bill"
	RequestNextCourse = "next_course"
)

// SetTableRequest records a guest's call (kind "waiter", "bill" or
// "next_course") and emits table:updated. A newer call replaces an open
// one. "next_course" also fires the lowest course still held on the
// table's open orders (an order:updated each). It returns ErrNotFound, a
// *ValidationError, or an ErrConflict for "next_course" when courses are
// not held or none waits.
func (s *Store) SetTableRequest(ctx context.Context, id int64, kind string) (Table, error) {
	c := checker{}
	c.oneOf("kind", kind, RequestWaiter, RequestBill, RequestNextCourse)
	if err := c.err(); err != nil {
		return Table{}, fmt.Errorf("store: table request: %w", err)
	}
	return s.changeRequest(ctx, id, &kind)
}

// ClearTableRequest clears a table's open request and emits table:updated
// if there was one. It returns ErrNotFound.
func (s *Store) ClearTableRequest(ctx context.Context, id int64) (Table, error) {
	return s.changeRequest(ctx, id, nil)
}

func (s *Store) changeRequest(ctx context.Context, id int64, kind *string) (Table, error) {
	var tb Table
	err := s.write(ctx, func(t *txn) error {
		var err error
		if tb, err = getTable(ctx, t.tx, id); err != nil {
			return err
		}
		if kind == nil {
			if tb.OpenRequest != nil {
				if err := t.audit(change{action: "table.request_clear", entity: "table", entityID: id, detail: map[string]string{"kind": tb.OpenRequest.Kind}}); err != nil {
					return err
				}
			}
			return t.clearRequest(&tb)
		}
		if tb.OpenRequest != nil && tb.OpenRequest.Kind == *kind {
			// The same call again keeps its original time; a second tap
			// on "ready for the next course" must not fire the one after.
			return nil
		}
		detail := map[string]any{"kind": *kind}
		if *kind == RequestNextCourse {
			course, err := t.fireNextCourse(id)
			if err != nil {
				return err
			}
			detail["course"] = course
		}
		if err := t.audit(change{action: "table.request", entity: "table", entityID: id, detail: detail}); err != nil {
			return err
		}
		tb.OpenRequest = &OpenRequest{Kind: *kind, CreatedAt: t.now}
		if _, err := t.tx.ExecContext(ctx, "UPDATE tables SET open_request = ?, request_at = ? WHERE id = ?", *kind, ms(t.now), id); err != nil {
			return err
		}
		return t.emitTable(tb)
	})
	if err != nil {
		return Table{}, fmt.Errorf("store: table %d request: %w", id, err)
	}
	return tb, nil
}

// clearRequest clears an open request without announcing it; callers emit.
func (t *txn) clearRequest(tb *Table) error {
	if tb.OpenRequest == nil {
		return nil
	}
	tb.OpenRequest = nil
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE tables SET open_request = NULL, request_at = NULL WHERE id = ?", tb.ID); err != nil {
		return err
	}
	return t.emitTable(*tb)
}

// CreatePairing issues a one-time 6-digit code for a table, valid for
// PairingTTL. It returns ErrNotFound.
func (s *Store) CreatePairing(ctx context.Context, tableID int64) (Pairing, error) {
	var p Pairing
	err := s.write(ctx, func(t *txn) error {
		if _, err := getTable(ctx, t.tx, tableID); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM pairing_codes WHERE expires_at <= ?", ms(t.now)); err != nil {
			return err
		}
		p = Pairing{TableID: tableID, ExpiresAt: t.now.Add(PairingTTL)}
		if err := t.audit(change{action: "table.pair", entity: "table", entityID: tableID}); err != nil {
			return err
		}
		for {
			n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
			if err != nil {
				return err
			}
			p.Code = fmt.Sprintf("%06d", n.Int64())
			res, err := t.tx.ExecContext(ctx, "INSERT OR IGNORE INTO pairing_codes (code, table_id, expires_at) VALUES (?, ?, ?)",
				p.Code, tableID, ms(p.ExpiresAt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
		}
	})
	if err != nil {
		return Pairing{}, fmt.Errorf("store: create pairing: %w", err)
	}
	return p, nil
}

// TableToken is what a table's customer token must carry to stay valid:
// the version its last pairing gave it and the table's random key.
type TableToken struct {
	Version int64
	Key     string
}

// TradePairing uses up a pairing code and returns the table and its new
// token: every customer token of an older version stops working.
// It returns ErrNotFound for an unknown, used, expired or guessed-at code
// (see PairingGuessBudget).
func (s *Store) TradePairing(ctx context.Context, code string) (tableID int64, tok TableToken, err error) {
	err = s.write(ctx, func(t *txn) error {
		var expires int64
		err := t.tx.QueryRowContext(ctx, "SELECT table_id, expires_at FROM pairing_codes WHERE code = ?", code).Scan(&tableID, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			// Committed, then reported as unknown: the guess costs every
			// live code one of its budget.
			tableID = 0
			if _, err := t.tx.ExecContext(ctx, "UPDATE pairing_codes SET wrong_guesses = wrong_guesses + 1 WHERE expires_at > ?", ms(t.now)); err != nil {
				return err
			}
			_, err = t.tx.ExecContext(ctx, "DELETE FROM pairing_codes WHERE wrong_guesses >= ? OR expires_at <= ?", PairingGuessBudget, ms(t.now))
			return err
		}
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM pairing_codes WHERE code = ?", code); err != nil {
			return err
		}
		if expires <= ms(t.now) {
			return nil // commit the clean-up, then report the code as unknown
		}
		if err := t.tx.QueryRowContext(ctx, "UPDATE tables SET token_version = token_version + 1 WHERE id = ? AND deleted_at IS NULL RETURNING token_version, token_key",
			tableID).Scan(&tok.Version, &tok.Key); err != nil {
			return err
		}
		// Nobody is signed in yet: the new iPad itself is the author.
		t.ctx = WithActor(ctx, Actor{Kind: ActorTable, ID: tableID})
		return t.audit(change{action: "table.paired", entity: "table", entityID: tableID})
	})
	if err == nil && tok.Version == 0 {
		err = ErrNotFound
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return 0, TableToken{}, fmt.Errorf("store: trade pairing: %w", err)
	}
	return tableID, tok, nil
}

// TableToken returns what customer tokens of a table must carry, or
// ErrNotFound for a deleted table.
func (s *Store) TableToken(ctx context.Context, tableID int64) (TableToken, error) {
	var tok TableToken
	err := s.r.QueryRowContext(ctx, "SELECT token_version, token_key FROM tables WHERE id = ? AND deleted_at IS NULL", tableID).Scan(&tok.Version, &tok.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return TableToken{}, fmt.Errorf("store: table %d token: %w", tableID, ErrNotFound)
	}
	if err != nil {
		return TableToken{}, fmt.Errorf("store: table %d token: %w", tableID, err)
	}
	return tok, nil
}

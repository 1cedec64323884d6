package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Actor kinds: who made a change.
const (
	ActorUser   = "user"   // a staff member, by password or by PIN
	ActorTable  = "table"  // a table's iPad
	ActorSystem = "system" // the box itself (the command line, start-up)
)

// AuditRetention is how long the audit log is kept.
const AuditRetention = 400 * 24 * time.Hour

// Actor is who makes a change. It travels in the context of a write (the
// server puts the caller there once, when it checks the token), so that
// every write records it in the same transaction as the change.
type Actor struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type actorKey struct{}

// WithActor returns ctx carrying a as the author of the writes made with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries; without one it is the system.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Kind != "" {
		return a
	}
	return Actor{Kind: ActorSystem, Name: "system"}
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID *int64          `json:"entity_id"`
	OrderID  *int64          `json:"order_id"`
	Reason   string          `json:"reason"`
	Detail   json.RawMessage `json:"detail"`
}

// AuditFilter selects audit rows; zero fields do not filter.
type AuditFilter struct {
	From, To time.Time
	UserID   int64
	OrderID  int64
	BeforeID int64 // only entries older than this one (the next page)
	Limit    int
}

// change describes one audited write.
type change struct {
	action   string // "order.fire", "line.void", ...
	entity   string // "order", "line", "table", ...
	entityID int64  // 0: none
	orderID  int64  // the order it concerns, 0: none
	reason   string
	detail   any // encoded as a JSON object; nil is {}
}

// audit records c as made by the write's actor, inside its transaction: if
// the write rolls back, so does its audit row.
func (t *txn) audit(c change) error {
	a := ActorFrom(t.ctx)
	if a.Kind == ActorTable && a.Name == "" {
		// A table's iPad is named by its table, as people know it.
		var name string
		if err := t.tx.QueryRowContext(t.ctx, "SELECT name FROM tables WHERE id = ?", a.ID).Scan(&name); err == nil {
			a.Name = name
		}
	}
	detail := []byte("{}")
	if c.detail != nil {
		b, err := json.Marshal(c.detail)
		if err != nil {
			return fmt.Errorf("audit %s: %w", c.action, err)
		}
		detail = b
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO audit (at, actor_kind, actor_id, actor_name, action, entity, entity_id, order_id, reason, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ms(t.now), a.Kind, nullID(a.ID), a.Name, c.action, c.entity,
		nullID(c.entityID), nullID(c.orderID), c.reason, string(detail))
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.action, err)
	}
	return nil
}

// staffID is the user who makes the write, or nil when it is not a staff
// member (a table's iPad, the box itself).
func (t *txn) staffID() any {
	if a := ActorFrom(t.ctx); a.Kind == ActorUser && a.ID != 0 {
		return a.ID
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// MaxAuditRows bounds one page of the audit log; DefaultAuditRows is a
// page when the caller names no limit.
const (
	MaxAuditRows     = 5000
	DefaultAuditRows = 1000
)

// Audit lists audit rows that match f, newest first, at most f.Limit (1000
// when 0, never more than MaxAuditRows).
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, ms(f.To))
	}
	if f.UserID != 0 {
		where = append(where, "actor_kind = 'user' AND actor_id = ?")
		args = append(args, f.UserID)
	}
	if f.OrderID != 0 {
		where = append(where, "order_id = ?")
		args = append(args, f.OrderID)
	}
	if f.BeforeID != 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditRows
	}
	limit = min(limit, MaxAuditRows)
	query := "SELECT id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, order_id, reason, detail FROM audit"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		var actorID, entityID, orderID sql.NullInt64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Actor.Kind, &actorID, &e.Actor.Name, &e.Action, &e.Entity, &entityID, &orderID, &e.Reason, &detail); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		e.At = fromMS(at)
		e.Actor.ID = actorID.Int64
		if entityID.Valid {
			e.EntityID = &entityID.Int64
		}
		if orderID.Valid {
			e.OrderID = &orderID.Int64
		}
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return out, nil
}

// PruneAudit deletes audit rows older than before and returns how many.
// Pruning is housekeeping, not a change anyone made: it is not audited.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(ctx, "DELETE FROM audit WHERE at < ?", ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune audit: %w", err)
	}
	return n, nil
}

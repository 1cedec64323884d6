package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event is one row of the outbox: a change the box announced, with the
// rooms it goes to and its payload exactly as it is pushed. Its fields are
// those of hub.Event (without importing it), so committed events reach the
// hub by conversion; keep the two in step.
type Event struct {
	Seq   int64           `json:"seq"`
	Name  string          `json:"event"`
	Rooms []string        `json:"rooms"`
	Data  json.RawMessage `json:"data"`
}

// LogInfo describes the event log: its epoch, the newest seq and the oldest
// seq still kept (LastSeq+1 when the log holds nothing).
type LogInfo struct {
	Epoch     string
	LastSeq   int64
	OldestSeq int64
}

// Room names of the realtime protocol.
const (
	RoomOrders = "orders"
	RoomTables = "tables"
	RoomKDS    = "kds"
	RoomMenu   = "menu"
)

// TableRoom is the room of one table: "table:{id}".
func TableRoom(id int64) string { return "table:" + strconv.FormatInt(id, 10) }

// emit appends an event to the outbox inside the transaction.
func (t *txn) emit(name string, data any, rooms ...string) error {
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	roomsJSON, _ := json.Marshal(rooms)
	res, err := t.tx.ExecContext(t.ctx, "INSERT INTO events (name, rooms, data, created_at) VALUES (?, ?, ?, ?)",
		name, string(roomsJSON), payload, ms(t.now))
	if err != nil {
		return fmt.Errorf("append %s: %w", name, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, room := range rooms {
		if _, err := t.tx.ExecContext(t.ctx, "INSERT INTO event_rooms (room, seq) VALUES (?, ?)", room, seq); err != nil {
			return fmt.Errorf("append %s: %w", name, err)
		}
	}
	t.events = append(t.events, Event{Seq: seq, Name: name, Rooms: rooms, Data: payload})
	return nil
}

// lastSeq is the newest seq ever handed out, even if its row was pruned.
func lastSeq(ctx context.Context, q queryer) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = 'events'").Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, err
}

// EventLog returns the epoch and the range of seqs the log still holds.
func (s *Store) EventLog(ctx context.Context) (LogInfo, error) {
	info := LogInfo{Epoch: s.epoch}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if info.LastSeq, err = lastSeq(ctx, tx); err != nil {
			return err
		}
		var oldest sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT min(seq) FROM events").Scan(&oldest); err != nil {
			return err
		}
		info.OldestSeq = info.LastSeq + 1
		if oldest.Valid {
			info.OldestSeq = oldest.Int64
		}
		return nil
	})
	if err != nil {
		return LogInfo{}, fmt.Errorf("store: event log: %w", err)
	}
	return info, nil
}

// Epoch names this event log; it changes only if the database is replaced
// by one that did not descend from it.
func (s *Store) Epoch() string { return s.epoch }

// LastSeq returns the newest seq ever handed out.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	seq, err := lastSeq(ctx, s.r)
	if err != nil {
		return 0, fmt.Errorf("store: last seq: %w", err)
	}
	return seq, nil
}

// EventsSince returns up to limit events of room with a seq above since, in
// ascending order.
func (s *Store) EventsSince(ctx context.Context, room string, since int64, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.seq, e.name, e.rooms, e.data
		FROM event_rooms r JOIN events e ON e.seq = r.seq
		WHERE r.room = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`, room, since, limit)
	if err != nil {
		return nil, fmt.Errorf("store: events since: %w", err)
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		var e Event
		var rooms string
		if err := rows.Scan(&e.Seq, &e.Name, &rooms, &e.Data); err != nil {
			return nil, fmt.Errorf("store: events since: %w", err)
		}
		if err := json.Unmarshal([]byte(rooms), &e.Rooms); err != nil {
			return nil, fmt.Errorf("store: events since: rooms of %d: %w", e.Seq, err)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events since: %w", err)
	}
	return evs, nil
}

// PruneEvents deletes events older than before, and beyond the newest keep
// events, and returns how many it deleted. Seqs are never reused.
func (s *Store) PruneEvents(ctx context.Context, before time.Time, keep int) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *txn) error {
		last, err := lastSeq(ctx, t.tx)
		if err != nil {
			return err
		}
		res, err := t.tx.ExecContext(ctx, "DELETE FROM events WHERE created_at < ? OR seq <= ?", ms(before), last-int64(keep))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	return n, nil
}

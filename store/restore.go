package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

func newEpoch() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// setEpoch gives the database at path a new event log epoch. A copy of the
// database that is put back in place of the live one holds an event log that
// stops at the copy's seq while screens have seen later numbers: a new epoch
// tells each of them that its numbers mean nothing here (it resyncs) instead
// of resuming with a since that now names other events.
func setEpoch(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", newEpoch()); err != nil {
		return err
	}
	// Fold the WAL back so that the file alone is the whole database.
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// CheckFile runs SQLite's integrity_check on the database file at path,
// read only, and checks it is a database of this box (it has the event
// log's epoch). It returns an error saying what is wrong.
func CheckFile(ctx context.Context, path string) error {
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("store: check %s: the path may not contain ? or #", path)
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("store: check %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("store: check %s: not a readable SQLite database: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("store: check %s: %w", path, err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: check %s: integrity_check failed: %s", path, strings.Join(problems, "; "))
	}
	var epoch string
	if err := db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'epoch'").Scan(&epoch); err != nil {
		return fmt.Errorf("store: check %s: not a database of this box (no event log epoch): %w", path, err)
	}
	return nil
}

// PrepareRestore readies a copy of a backup at path to replace the live
// database: it must pass CheckFile, then it is migrated to this version's
// schema, given a new epoch (every screen resyncs) and made mode 0600,
// with its WAL folded in so the one file is the whole database.
func PrepareRestore(ctx context.Context, path string) error {
	if err := CheckFile(ctx, path); err != nil {
		return err
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		return fmt.Errorf("store: prepare restore: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("store: prepare restore: %w", err)
	}
	if err := setEpoch(ctx, path); err != nil {
		return fmt.Errorf("store: prepare restore: %w", err)
	}
	return makePrivate(path, false)
}

// RecordRestore writes the audit row of a restore made while the box
// serves into the restored database: who (the actor of ctx) put which
// daily snapshot back, and the file the replaced database was kept as.
func (s *Store) RecordRestore(ctx context.Context, snapshot, keptAside string) error {
	return s.write(ctx, func(t *txn) error {
		return t.audit(change{action: "system.restore", entity: "system",
			detail: map[string]string{"snapshot": snapshot, "kept_aside": keptAside}})
	})
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// goSteps are the parts of migrations that SQL alone cannot express, run
// after the migration's SQL in its transaction, with foreign keys off (a
// table that others reference can only be rebuilt so) and a
// foreign_key_check before the commit.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	10: func(ctx context.Context, tx *sql.Tx) error {
		for _, table := range []string{"users", "tables"} {
			if err := rebuildAutoincrement(ctx, tx, table); err != nil {
				return err
			}
		}
		return nil
	},
}

var idPrimaryKey = regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b`)

// rebuildAutoincrement gives table's integer key AUTOINCREMENT, so SQLite
// never hands out the id of a deleted row again. SQLite cannot alter a key,
// so this is its documented twelve-step rebuild: a copy made from the
// table's own CREATE statement (whatever columns it has by now), the rows
// copied, the old table dropped, the copy renamed and the indexes and
// triggers made again. The sequence starts at the highest id in use.
func rebuildAutoincrement(ctx context.Context, tx *sql.Tx, table string) error {
	var ddl string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&ddl); err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	if strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT") {
		return nil
	}
	loc := idPrimaryKey.FindStringIndex(ddl)
	if loc == nil {
		return fmt.Errorf("rebuild %s: no id INTEGER PRIMARY KEY in %q", table, ddl)
	}
	ddl = ddl[:loc[1]] + " AUTOINCREMENT" + ddl[loc[1]:]
	head := regexp.MustCompile(`(?i)^\s*CREATE\s+TABLE\s+"?` + regexp.QuoteMeta(table) + `"?`)
	if !head.MatchString(ddl) {
		return fmt.Errorf("rebuild %s: unexpected statement %q", table, ddl)
	}
	tmp := table + "_rebuild"
	ddl = head.ReplaceAllLiteralString(ddl, "CREATE TABLE "+tmp)

	var extras []string
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", table)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
		extras = append(extras, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	steps := []string{
		ddl,
		"INSERT INTO " + tmp + " SELECT * FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE " + tmp + " RENAME TO " + table,
	}
	steps = append(steps, extras...)
	steps = append(steps,
		"DELETE FROM sqlite_sequence WHERE name = '"+table+"'",
		"INSERT INTO sqlite_sequence (name, seq) SELECT '"+table+"', coalesce(max(id), 0) FROM "+table)
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %s: %w", table, q, err)
		}
	}
	return nil
}

// newTokenKey is the random key of a new user or table; its tokens carry
// it, so they are worthless for any other row, even one with the same id.
func newTokenKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

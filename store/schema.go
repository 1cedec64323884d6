package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// LatestSchema is the highest migration this build carries: the schema a
// database has once this build opened it.
func LatestSchema() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	latest := 0
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, "migrations/"), "%04d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// Schema is the highest migration applied to the open database.
func (s *Store) Schema(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema: %w", err)
	}
	return v, nil
}

// FileSchema is the highest migration applied to the database file at path,
// read without migrating it (0 for a database that never had one), so a
// newer or older build's database can be inspected. The live box may keep
// serving meanwhile. It returns an error when the file is not a database.
func FileSchema(ctx context.Context, path string) (int, error) {
	db, err := openFile(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: schema of %s: %w", path, err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema of %s: %w", path, err)
	}
	return v, nil
}

// openFile opens an existing database file with one connection and a busy
// timeout, leaving its journal mode as it is.
func openFile(path string) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: open: path %q may not contain ? or #", path)
	}
	// mode=rw: never create an empty database where none was.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

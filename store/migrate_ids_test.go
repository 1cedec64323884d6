package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrationAutoincrementKeepsData upgrades a database made by the
// migrations before 0010 (with rows that reference users and tables) and
// checks that users and tables now have AUTOINCREMENT, kept every row and
// column, still enforce foreign keys, and never hand out a deleted id again.
func TestMigrationAutoincrementKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rms.db")
	old, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	old.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`)
	for i, name := range []string{"migrations/0001_init.sql", "migrations/0002_user_token_version.sql"} {
		v := i + 1
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(body))
		exec("INSERT INTO schema_migrations VALUES (?, ?, 0)", v, name)
	}
	exec("INSERT INTO users (id, username, role, password_hash, created_at, token_version) VALUES (1, 'admin', 'admin', 'x', 0, 3), (2, 'ana', 'waiter', 'x', 0, 0), (3, 'gone', 'waiter', 'x', 0, 0)")
	exec("DELETE FROM users WHERE id = 3")
	exec("INSERT INTO tables (id, name, seats, status_changed_at, token_version) VALUES (7, 'T7', 2, 0, 5)")
	exec("INSERT INTO orders (id, table_id, status, subtotal_cents, created_at, updated_at, status_changed_at) VALUES (1, 7, 'pending', 0, 0, 0, 0)")
	exec("INSERT INTO pairing_codes VALUES ('123456', 7, 99999999999999)")
	old.Close()

	s, err := Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatalf("Open(old database) err = %v", err)
	}
	defer s.Close()
	for _, table := range []string{"users", "tables"} {
		var ddl string
		if err := s.r.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = ?", table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ddl, "AUTOINCREMENT") || !strings.Contains(ddl, "token_key") {
			t.Errorf("%s schema = %s; want AUTOINCREMENT and token_key", table, ddl)
		}
	}
	u, err := s.User(ctx, 1)
	if err != nil || u.Username != "admin" || u.TokenVersion != 3 || u.TokenKey != "" {
		t.Errorf("User(1) after migration = %+v, %v; want admin, version 3, empty key (old tokens stay valid)", u, err)
	}
	tok, err := s.TableToken(ctx, 7)
	if err != nil || tok.Version != 5 || tok.Key != "" {
		t.Errorf("TableToken(7) after migration = %+v, %v; want version 5, empty key", tok, err)
	}
	if _, _, err := s.TradePairing(ctx, "123456"); err != nil {
		t.Errorf("TradePairing(code made before the migration) err = %v", err)
	}
	// The unique username survived the rebuild, and foreign keys are on.
	if _, err := s.CreateUser(ctx, NewUser{Username: "ANA", Role: RoleChef, Password: "secret12"}); err == nil {
		t.Errorf("CreateUser(ANA) err = nil; want a conflict with ana")
	}
	if _, err := s.w.ExecContext(ctx, "INSERT INTO orders (table_id, status, subtotal_cents, created_at, updated_at, status_changed_at) VALUES (999, 'pending', 0, 0, 0, 0)"); err == nil {
		t.Errorf("order for a missing table err = nil; want a foreign key error")
	}
	// Ids only rise, even after the newest row is deleted.
	nu, err := s.CreateUser(ctx, NewUser{Username: "new", Role: RoleChef, Password: "secret12"})
	if err != nil {
		t.Fatal(err)
	}
	if nu.TokenKey == "" || nu.ID <= 2 {
		t.Errorf("new user = %+v; want an id above 2 and a key", nu)
	}
	if err := s.DeleteUser(ctx, nu.ID); err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateUser(ctx, NewUser{Username: "again", Role: RoleChef, Password: "secret12"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID <= nu.ID {
		t.Errorf("user created after deleting id %d got id %d; want a new one", nu.ID, again.ID)
	}
	s.Close()
	s2, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen err = %v", err)
	}
	s2.Close()
}

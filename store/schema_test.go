package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestSchemaOfFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "rms.db")
	if _, err := FileSchema(ctx, path); err == nil {
		t.Fatal("FileSchema(missing file) err = nil; want an error, and no empty database made")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("FileSchema(missing file) created %s", path)
	}
	s, err := Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if LatestSchema() < 2 {
		t.Errorf("LatestSchema() = %d; want at least 2 (two migrations have landed)", LatestSchema())
	}
	if got, err := s.Schema(ctx); err != nil || got != LatestSchema() {
		t.Errorf("Schema() = %d, %v; want %d", got, err, LatestSchema())
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "ada", Role: RoleAdmin, Password: "secret-pass"}); err != nil {
		t.Fatal(err)
	}
	// While the box has it open, as during an upgrade.
	if got, err := FileSchema(ctx, path); err != nil || got != LatestSchema() {
		t.Errorf("FileSchema(open database) = %d, %v; want %d", got, err, LatestSchema())
	}
	backup := filepath.Join(dir, "pre-upgrade.db")
	if err := BackupFile(ctx, path, backup); err != nil {
		t.Fatalf("BackupFile() err = %v", err)
	}
	if err := BackupFile(ctx, path, backup); err == nil {
		t.Error("BackupFile() over an existing file err = nil; want an error")
	}
	b, err := Open(ctx, backup, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("users in the backup = %d, %v; want 1", n, err)
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := FileSchema(ctx, empty); err != nil || got != 0 {
		t.Errorf("FileSchema(empty file) = %d, %v; want 0", got, err)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is not a database, not at all, no; it is a text file of some length"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FileSchema(ctx, junk); err == nil {
		t.Error("FileSchema(junk) err = nil; want an error")
	}
}

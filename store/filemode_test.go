//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFilesArePrivate is finding 8 of the attack: the database, its WAL
// and shared-memory files and every backup are mode 0600 whatever the
// folder's mode and the process's umask, also for a database an older
// version left readable.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0) // the worst case: nothing masked
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	check := func(path string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat %s: %v", path, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v; want 0600", filepath.Base(path), fi.Mode().Perm())
		}
	}
	db := filepath.Join(dir, "rms.db")
	s, err := Open(ctx, db, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "admin", Role: RoleAdmin, Password: "admin123"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		check(p)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatalf("Backup() err = %v", err)
	}
	check(backup)
	s.Close()

	// A database an older version wrote 0644 is made private at open.
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		os.Chmod(p, 0o644)
	}
	if s, err = Open(ctx, db, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			check(p)
		}
	}
}

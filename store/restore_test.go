package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupGetsItsOwnEpoch: a backup is a copy whose event log stops at
// its seq, so it carries an epoch of its own, and PrepareRestore gives a
// copy put back a new one again.
func TestBackupGetsItsOwnEpoch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _, _ := openTest(t, Options{})
	backup := filepath.Join(dir, "copy.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(ctx, backup); err != nil {
		t.Fatalf("CheckFile(backup) err = %v", err)
	}
	b, err := Open(ctx, backup, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := b.Epoch()
	b.Close()
	if first == s.Epoch() || first == "" {
		t.Errorf("backup epoch = %q, live %q; want a different one", first, s.Epoch())
	}
	if err := PrepareRestore(ctx, backup); err != nil {
		t.Fatalf("PrepareRestore() err = %v", err)
	}
	if _, err := os.Stat(backup + "-wal"); err == nil {
		t.Errorf("PrepareRestore left a WAL beside the file")
	}
	b, err = Open(ctx, backup, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Epoch() == first || b.Epoch() == s.Epoch() {
		t.Errorf("epoch after PrepareRestore = %q; want new (backup %q, live %q)", b.Epoch(), first, s.Epoch())
	}
}

// TestCheckFileRefuses: a file that is not an intact database of this box
// is refused with a reason.
func TestCheckFileRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := map[string][]byte{
		"text.db":  []byte("not a database at all, just some text that is long enough"),
		"empty.db": nil,
	}
	for name, body := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, body, 0o600)
		if err := CheckFile(ctx, p); err == nil {
			t.Errorf("CheckFile(%s) err = nil; want an error", name)
		}
	}
	if err := CheckFile(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("CheckFile(missing) err = nil; want an error")
	}
	// A real database whose pages were damaged.
	s, _, _ := openTest(t, Options{})
	good := filepath.Join(dir, "good.db")
	if err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	for i := 4096 * 2; i < len(raw) && i < 4096*6; i++ {
		raw[i] ^= 0x5a
	}
	bad := filepath.Join(dir, "bad.db")
	os.WriteFile(bad, raw, 0o600)
	err := CheckFile(ctx, bad)
	if err == nil {
		t.Errorf("CheckFile(damaged) err = nil; want integrity_check to fail")
	} else if !strings.Contains(err.Error(), "store: check") {
		t.Errorf("CheckFile(damaged) err = %v", err)
	}
}

// TestTerminalTokenAfterRestore: a terminal enrolled after a backup is gone
// once the backup is restored; the next terminal gets its id again, and the
// old device's token (same id, same version) must not fit it.
func TestTerminalTokenAfterRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "rms.db")
	s, err := Open(ctx, live, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "before.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	enroll := func(s *Store) Terminal {
		t.Helper()
		e, err := s.CreateTerminal(ctx, "Bar")
		if err != nil {
			t.Fatal(err)
		}
		tm, err := s.EnrollTerminal(ctx, e.Code)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	old := enroll(s)
	s.Close()

	if err := PrepareRestore(ctx, backup); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, backup, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fresh := enroll(r)
	if fresh.ID != old.ID || fresh.TokenVersion != old.TokenVersion {
		t.Fatalf("after the restore the new terminal is %d v%d; the test needs the old one's id and version (%d v%d)",
			fresh.ID, fresh.TokenVersion, old.ID, old.TokenVersion)
	}
	if fresh.TokenKey == "" || fresh.TokenKey == old.TokenKey {
		t.Fatalf("token keys old %q, new %q; want a new non-empty key", old.TokenKey, fresh.TokenKey)
	}
	if err := r.LockTerminal(ctx, old.ID, old.TokenVersion, old.TokenKey); !errors.Is(err, ErrUnknownTerminal) {
		t.Fatalf("the forgotten terminal's token on the new one: err = %v; want ErrUnknownTerminal", err)
	}
	if err := r.LockTerminal(ctx, fresh.ID, fresh.TokenVersion, fresh.TokenKey); err != nil {
		t.Fatalf("the new terminal's own token: err = %v", err)
	}
}

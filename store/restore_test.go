package store

import (
	"context"
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

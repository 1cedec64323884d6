package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by whole days.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) nextDay()       { c.mu.Lock(); c.t = c.t.AddDate(0, 0, 1); c.mu.Unlock() }

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func waitDir(t *testing.T, dir string, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := listDir(t, dir)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backups folder = %q; want %q", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunSnapshots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Left by a crash, and a manual backup that pruning must not touch.
	for _, name := range []string{".rms-2026-11-20.db.tmp", "before-upgrade.db"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clock := &fakeClock{t: time.Date(2026, 11, 26, 23, 30, 0, 0, time.Local)}
	var mu sync.Mutex
	calls := 0
	fail := false
	backup := func(ctx context.Context, path string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			// Like VACUUM INTO failing halfway: a partial file is left.
			_ = os.WriteFile(path, []byte("partial"), 0o600)
			return errors.New("disk full")
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("backup(%s): the file exists; VACUUM INTO would refuse", path)
		}
		return os.WriteFile(path, []byte(clock.now().Format(time.DateOnly)), 0o600)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runSnapshots(ctx, backup, dir, 3, nil, clock.now, 10*time.Millisecond) }()

	waitDir(t, dir, []string{"before-upgrade.db", "rms-2026-11-26.db"})
	time.Sleep(50 * time.Millisecond) // several checks on the same day
	mu.Lock()
	if calls != 1 {
		t.Errorf("backup calls on one day = %d; want 1", calls)
	}
	fail = true
	mu.Unlock()

	clock.nextDay()
	time.Sleep(50 * time.Millisecond)
	if got := listDir(t, dir); !slices.Equal(got, []string{"before-upgrade.db", "rms-2026-11-26.db"}) {
		t.Errorf("after a failed snapshot the folder = %q; want no partial file", got)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	waitDir(t, dir, []string{"before-upgrade.db", "rms-2026-11-26.db", "rms-2026-11-27.db"})

	for _, want := range [][]string{
		{"before-upgrade.db", "rms-2026-11-26.db", "rms-2026-11-27.db", "rms-2026-11-28.db"},
		{"before-upgrade.db", "rms-2026-11-27.db", "rms-2026-11-28.db", "rms-2026-11-29.db"},
		{"before-upgrade.db", "rms-2026-11-28.db", "rms-2026-11-29.db", "rms-2026-11-30.db"},
	} {
		clock.nextDay()
		waitDir(t, dir, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rms-2026-11-30.db"))
	if err != nil || string(b) != "2026-11-30" {
		t.Errorf("snapshot content = %q, %v; want the backup's output", b, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runSnapshots err = %v; want nil", err)
		}
	case <-time.After(time.Second):
		t.Fatal("runSnapshots did not return after cancel")
	}
}

func TestRunSnapshotsOff(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backups")
	called := false
	err := runSnapshots(context.Background(), func(context.Context, string) error { called = true; return nil }, dir, 0, nil, time.Now, time.Hour)
	if err != nil || called {
		t.Errorf("RunSnapshots(keep 0) = %v, backup called %v; want nil, false", err, called)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("RunSnapshots(keep 0) created %s; want nothing", dir)
	}
}

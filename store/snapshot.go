package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// snapshotCheck is how often RunSnapshots looks whether today's snapshot
// exists. Checking hourly instead of sleeping until midnight survives clock
// jumps: a Raspberry Pi has no real-time clock and boots in the past until
// NTP answers.
const snapshotCheck = time.Hour

var snapshotName = regexp.MustCompile(`^rms-\d{4}-\d{2}-\d{2}\.db$`)

// RunSnapshots keeps daily copies of the database in dir (the data folder's
// backups/): it writes dir/rms-YYYY-MM-DD.db (local date) with Backup at
// start when today's is missing and then once a day, and deletes all but the
// newest keep. keep < 1 turns snapshots off. RunSnapshots blocks until ctx
// ends; a failed snapshot is logged and tried again at the next check, never
// returned. It returns an error only when dir cannot be created.
func (s *Store) RunSnapshots(ctx context.Context, dir string, keep int, log *slog.Logger) error {
	return runSnapshots(ctx, s.Backup, dir, keep, log, time.Now, snapshotCheck)
}

// runSnapshots is RunSnapshots with the copy, the clock and the check
// interval given, for tests. backup must write a consistent copy to a path
// that does not exist yet, as Backup does with VACUUM INTO.
func runSnapshots(ctx context.Context, backup func(context.Context, string) error, dir string, keep int, log *slog.Logger, now func() time.Time, every time.Duration) error {
	if keep < 1 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("snapshots: %w", err)
	}
	// A crash mid-snapshot leaves a temporary file behind.
	if tmps, err := filepath.Glob(filepath.Join(dir, ".rms-*.db.tmp")); err == nil {
		for _, p := range tmps {
			_ = os.Remove(p)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if path, made, err := snapshotOnce(ctx, backup, dir, keep, now()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Error("daily snapshot failed; will try again", "path", path, "err", err)
		} else if made {
			log.Info("daily snapshot written", "path", path, "keep", keep)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// snapshotOnce writes today's snapshot unless it exists, then prunes. It
// reports the path and whether it wrote it.
func snapshotOnce(ctx context.Context, backup func(context.Context, string) error, dir string, keep int, now time.Time) (string, bool, error) {
	name := "rms-" + now.Format("2006-01-02") + ".db"
	path := filepath.Join(dir, name)
	made := false
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		// Write beside it and rename: a half-written file never carries
		// the final name, so a restore never picks a torn copy.
		tmp := filepath.Join(dir, "."+name+".tmp")
		_ = os.Remove(tmp)
		if err := backup(ctx, tmp); err != nil {
			_ = os.Remove(tmp)
			return path, false, err
		}
		if err := syncFile(tmp); err != nil {
			_ = os.Remove(tmp)
			return path, false, err
		}
		if err := os.Rename(tmp, path); err != nil {
			_ = os.Remove(tmp)
			return path, false, fmt.Errorf("snapshots: %w", err)
		}
		_ = syncFile(dir)
		made = true
	} else if err != nil {
		return path, false, fmt.Errorf("snapshots: %w", err)
	}
	return path, made, pruneSnapshots(dir, keep)
}

// pruneSnapshots deletes all but the newest keep snapshots; names sort by
// date. Files that are not snapshots are left alone (a manual "rms backup"
// into the same folder survives).
func pruneSnapshots(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("snapshots: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && snapshotName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	var errs []error
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			errs = append(errs, err)
		}
		names = names[1:]
	}
	if len(errs) > 0 {
		return fmt.Errorf("snapshots: prune: %w", errors.Join(errs...))
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("snapshots: %w", err)
	}
	defer f.Close()
	// Some file systems cannot sync a directory; the rename is still done.
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("snapshots: sync %s: %w", path, err)
	}
	return nil
}

// Snapshot is one daily snapshot in the backups folder.
type Snapshot struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
	Size int64     `json:"size_bytes"`
}

// Snapshots lists the daily snapshots in dir, newest first; a missing
// folder has none. At is when the file was written.
func Snapshots(dir string) ([]Snapshot, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	var out []Snapshot
	for _, e := range entries {
		if !e.Type().IsRegular() || !snapshotName.MatchString(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // pruned meanwhile
		}
		out = append(out, Snapshot{Name: e.Name(), At: fi.ModTime().UTC(), Size: fi.Size()})
	}
	// Names carry the date, so they sort as the days do.
	slices.SortFunc(out, func(a, b Snapshot) int { return -strings.Compare(a.Name, b.Name) })
	return out, nil
}

// IsSnapshotName reports whether name is the file name of a daily snapshot
// (and so safe to join to the backups folder).
func IsSnapshotName(name string) bool { return snapshotName.MatchString(name) }

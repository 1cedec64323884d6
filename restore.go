package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"rms/store"
)

// errDataBusy means another rms process serves from the data folder.
var errDataBusy = errors.New("another rms is serving from this data folder")

// lockData takes the data folder's lock file (DATA/rms.lock) so that only
// one process serves from it and a restore never swaps the database under
// a running box. The lock is the kernel's: it goes with the process, even
// a killed one. The returned function releases it.
func lockData(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "rms.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data folder lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errDataBusy
		}
		return nil, fmt.Errorf("data folder lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// restore is `rms restore [--data DIR] FILE`: with the box stopped it
// checks FILE (integrity_check), migrates a copy of it, gives that copy a
// new event log epoch (so every screen resyncs instead of resuming with
// numbers that now name other events), keeps the current database aside
// under a dated name, and installs the copy as DATA/rms.db, mode 0600 and
// owned like the data folder.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("RMS_DATA", defaultDataDir()), "data folder (RMS_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: rms restore [--data DIR] FILE")
	}
	src, dir := fs.Arg(0), *data
	unlock, err := lockData(dir)
	if errors.Is(err, errDataBusy) {
		return fmt.Errorf("%w (%s): stop the box first (systemctl stop rms), then restore", err, dir)
	}
	if err != nil {
		return err
	}
	defer unlock()
	if err := store.CheckFile(ctx, src); err != nil {
		return fmt.Errorf("%s cannot be restored: %w", src, err)
	}

	live := filepath.Join(dir, "rms.db")
	tmp := filepath.Join(dir, ".rms.db.restore")
	removeDB(tmp)
	if err := copyPrivate(src, tmp); err != nil {
		removeDB(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := store.PrepareRestore(ctx, tmp); err != nil {
		removeDB(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := ownLikeFolder(tmp, dir); err != nil {
		removeDB(tmp)
		return fmt.Errorf("restore: %w", err)
	}

	aside := filepath.Join(dir, "rms-before-restore-"+time.Now().UTC().Format("20060102-150405")+".db")
	// The WAL goes with its database: renamed together, the copy put
	// aside is whole and opens as it was.
	moved, err := moveDB(live, aside)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !moved {
		aside = ""
	}
	if err := os.Rename(tmp, live); err != nil {
		return fmt.Errorf("restore: %w (the previous database is %s)", err, aside)
	}
	_ = syncDir(dir)
	fmt.Fprintf(stdout, "restored %s into %s with a new event log epoch (every screen reloads)\n", src, live)
	if aside != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", aside)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret")); err != nil {
		fmt.Fprintln(stdout, "no secret in the data folder: staff sign in again and every iPad is paired again (copy the old box's secret in to keep them)")
	}
	return nil
}

// removeDB removes a database file and its WAL and shared-memory files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

// copyPrivate copies src to a new file dst of mode 0600 and syncs it.
func copyPrivate(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ownLikeFolder gives path the owner and group of the data folder: run as
// root for a box whose service runs as its own user, the restored file
// must be that user's, or the box cannot open it.
func ownLikeFolder(path, dir string) error {
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	dst, ok1 := di.Sys().(*syscall.Stat_t)
	cur, ok2 := fi.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 || (dst.Uid == cur.Uid && dst.Gid == cur.Gid) {
		return nil
	}
	if err := os.Chown(path, int(dst.Uid), int(dst.Gid)); err != nil {
		return fmt.Errorf("giving the database the data folder's owner (run as root, or as that user): %w", err)
	}
	return nil
}

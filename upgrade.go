package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rms/release"
	"rms/server"
	"rms/store"
)

// healthyWithin is how long a new version has to answer /healthz before
// the upgrade rolls back; a version that crashes this many times while
// starting is given up on sooner.
const (
	healthyWithin  = 60 * time.Second
	crashesToGive  = 3
	keepPreUpgrade = 3 // pre-upgrade backups kept in DATA/backups
)

// upgrade installs a signed release: rms upgrade FILE (by the owner), or
// rms upgrade --queued (by rms-upgrade.service, for an upload from the
// staff app). It checks everything before it changes anything, then backs
// up, swaps, restarts and rolls back by itself when the new version is not
// healthy.
func upgrade(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("upgrade", flag.ContinueOnError)
	fset.SetOutput(stderr)
	sigPath := fset.String("sig", "", "the release's minisign signature (default: FILE.minisig)")
	queued := fset.Bool("queued", false, "install the release uploaded in the staff app (run by rms-upgrade.service)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *queued == (fset.NArg() == 1) || fset.NArg() > 1 {
		return errors.New("usage: sudo rms upgrade FILE [--sig FILE.minisig]")
	}
	if err := needRootAndSystemd("upgrade"); err != nil {
		return err
	}
	l := installedLayout()
	if _, err := os.Stat(l.Bin); err != nil {
		return fmt.Errorf("rms is not installed here (%s is missing): run `sudo rms install` first", l.Bin)
	}
	dir := l.upgradeDir()
	if err := ensureDirLike(dir, l.Data); err != nil {
		return fmt.Errorf("upgrade folder: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.New("another upgrade is running; wait for it to finish")
	}

	u := &upgradeRun{l: l, dir: dir, out: stdout, persist: *queued,
		st: release.Status{State: release.StateRunning, From: version, StartedAt: time.Now().UTC(), Steps: []release.Step{}}}
	var binPath, sig string
	if *queued {
		// The request goes first, so the path unit does not start us again.
		b, err := os.ReadFile(filepath.Join(dir, release.QueuedRequest))
		if err != nil {
			return fmt.Errorf("no upload is waiting: %w", err)
		}
		var req release.Request
		_ = json.Unmarshal(b, &req)
		u.st.By = req.By
		// Go on from the steps the box wrote when it took the upload.
		if prev, err := release.ReadStatus(dir); err == nil && prev.State == release.StateQueued {
			u.st.Steps, u.st.StartedAt = prev.Steps, prev.StartedAt
		}
		os.Remove(filepath.Join(dir, release.QueuedRequest))
		binPath, sig = filepath.Join(dir, release.QueuedBinary), filepath.Join(dir, release.QueuedSignature)
		defer os.Remove(binPath)
		defer os.Remove(sig)
	} else {
		binPath, sig = fset.Arg(0), *sigPath
		if sig == "" {
			sig = binPath + ".minisig"
		}
	}
	return u.run(ctx, binPath, sig)
}

// upgradeRun is one upgrade: where the box lives and the steps so far.
type upgradeRun struct {
	l       layout
	dir     string
	out     io.Writer
	st      release.Status
	persist bool // write the steps to the status file the staff app shows
}

// step says what happens, on the terminal (the journal, for the queued
// run) and in the staff app.
func (u *upgradeRun) step(format string, a ...any) {
	s := release.Step{At: time.Now().UTC(), Text: fmt.Sprintf(format, a...)}
	u.st.Steps = append(u.st.Steps, s)
	fmt.Fprintf(u.out, "%s  %s\n", s.At.Local().Format("15:04:05"), s.Text)
	u.save()
}

func (u *upgradeRun) save() {
	if !u.persist {
		return
	}
	if err := release.WriteStatus(u.dir, u.st); err != nil {
		fmt.Fprintf(u.out, "(could not write the status for the staff app: %v)\n", err)
	}
}

// finish records the outcome and returns err (nil when done).
func (u *upgradeRun) finish(state string, err error) error {
	now := time.Now().UTC()
	u.st.State, u.st.FinishedAt = state, &now
	u.save()
	return err
}

func (u *upgradeRun) run(ctx context.Context, binPath, sigPath string) error {
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return u.refuse(fmt.Errorf("reading the release: %w", err))
	}
	sig, err := os.ReadFile(sigPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return u.refuse(fmt.Errorf("reading the signature: %w", err))
	}
	u.step("Checking the release %s (%.1f MB) against this box's release key %s.", filepath.Base(binPath), float64(len(bin))/1e6, orNone(release.KeyID(releaseKey)))
	info, err := release.Verify(releaseKey, bin, sig)
	if err != nil {
		return u.refuse(err)
	}
	u.st.To = info.Version
	u.step("The signature is good: rms %s for %s, database schema %d.", info.Version, info.Target, info.Schema)
	dbSchema, err := store.FileSchema(ctx, u.l.dbPath())
	hasDB := err == nil
	fixOwnership(u.l)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(u.l.dbPath()); statErr == nil {
			return u.refuse(fmt.Errorf("reading the database's schema: %w", err))
		}
	}
	if err := info.Check(release.Self(), dbSchema); err != nil {
		return u.refuse(err)
	}
	if cur, err := os.ReadFile(u.l.Bin); err == nil && bytes.Equal(cur, bin) {
		u.step("rms %s is already installed; nothing to do.", info.Version)
		return u.finish(release.StateDone, nil)
	}
	u.step("It runs on this box (%s) and knows the database (schema %d).", release.Self(), dbSchema)
	// From here on the box changes: the staff app follows every step.
	u.persist = true
	u.save()

	backup := ""
	if hasDB {
		backup, err = u.backup(ctx)
		if err != nil {
			return u.finish(release.StateFailed, fmt.Errorf("backing up the database: %w; nothing was changed", err))
		}
		u.step("Backed up the database to %s.", backup)
	}
	if err := swapBinary(u.l, bin); err != nil {
		return u.finish(release.StateFailed, fmt.Errorf("%w; the installed rms was not changed", err))
	}
	u.step("Installed rms %s as %s; kept %s as %s.", info.Version, u.l.Bin, version, u.l.Bin+".previous")

	url := healthURL(readEnvFile(u.l.EnvFile)["RMS_ADDR"])
	u.step("Restarting rms; waiting up to %v for rms %s to answer.", healthyWithin, info.Version)
	if err := u.restart(ctx, url, info.Version); err == nil {
		u.step("rms %s is up and healthy. Done.", info.Version)
		return u.finish(release.StateDone, nil)
	} else {
		u.step("rms %s is not healthy: %v. Rolling back to %s.", info.Version, err, version)
	}
	return u.rollback(ctx, url, backup, dbSchema)
}

// refuse ends an upgrade that changed nothing.
func (u *upgradeRun) refuse(err error) error {
	u.step("Refused: %v. Nothing was changed.", err)
	return u.finish(release.StateRefused, fmt.Errorf("upgrade refused: %w", err))
}

// restart restarts the service and waits for want to answer healthy.
func (u *upgradeRun) restart(ctx context.Context, url, want string) error {
	restarts := unitRestarts()
	if err := systemctl("reset-failed", "rms.service"); err != nil {
		_ = err // nothing had failed
	}
	if err := systemctl("restart", "--no-block", "rms.service"); err != nil {
		return err
	}
	// NRestarts counts systemd's own restarts and may be reset by ours:
	// crashes are counted from the lowest value seen.
	low := restarts
	_, err := waitHealth(ctx, url, want, healthyWithin, func() error {
		n := unitRestarts()
		low = min(low, n)
		if n-low >= crashesToGive {
			return fmt.Errorf("it stopped %d times while starting", n-low)
		}
		if unitProp("rms.service", "ActiveState") == "failed" {
			return errors.New("systemd gave up starting it")
		}
		return nil
	})
	return err
}

func unitRestarts() int {
	n, _ := strconv.Atoi(unitProp("rms.service", "NRestarts"))
	return n
}

// rollback puts the previous binary back and, when the new version migrated
// the database, the database from the backup; then starts the old version.
func (u *upgradeRun) rollback(ctx context.Context, url, backup string, schemaBefore int) error {
	if err := systemctl("stop", "rms.service"); err != nil {
		u.step("Stopping rms failed: %v.", err)
	}
	if err := restorePrevious(u.l); err != nil {
		u.step("Could not put rms %s back: %v. Restore %s by hand.", version, err, u.l.Bin+".previous")
		return u.finish(release.StateFailed, errors.New("upgrade failed and the rollback failed"))
	}
	u.step("Put rms %s back as %s.", version, u.l.Bin)
	now, err := store.FileSchema(ctx, u.l.dbPath())
	fixOwnership(u.l)
	switch {
	case backup != "" && err == nil && now > schemaBefore:
		if err := restoreDB(u.l, backup); err != nil {
			u.step("Could not restore the database from %s: %v.", backup, err)
			return u.finish(release.StateFailed, errors.New("upgrade failed and the database restore failed"))
		}
		u.step("The new version had changed the database (schema %d to %d): restored it from %s.", schemaBefore, now, backup)
	case err == nil:
		u.step("The new version did not change the database's schema: the database is kept as it is, with every order.")
	}
	u.step("Starting rms %s.", version)
	if err := u.restart(ctx, url, version); err != nil {
		u.step("rms %s does not answer either: %v. See `journalctl -u rms`.", version, err)
		return u.finish(release.StateFailed, errors.New("upgrade failed and the old version does not start"))
	}
	u.step("rms %s serves again. The upgrade was rolled back.", version)
	return u.finish(release.StateRolledBack, errors.New("the new version was not healthy; rolled back to "+version))
}

// backup writes DATA/backups/pre-upgrade-FROM-TIME.db and keeps the last
// few of them (the daily snapshots are kept apart).
func (u *upgradeRun) backup(ctx context.Context) (string, error) {
	dir := filepath.Join(u.l.Data, "backups")
	if err := ensureDirLike(dir, u.l.Data); err != nil {
		return "", err
	}
	name := fmt.Sprintf("pre-upgrade-%s-%s.db", safeName(version), time.Now().UTC().Format("20060102T150405Z"))
	path := filepath.Join(dir, name)
	err := store.BackupFile(ctx, u.l.dbPath(), path)
	fixOwnership(u.l)
	if err != nil {
		os.Remove(path)
		return "", err
	}
	if err := release.ChownLike(path, u.l.Data); err != nil {
		return "", err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "pre-upgrade-*.db"))
	sort.Slice(old, func(i, j int) bool { return modTime(old[i]).Before(modTime(old[j])) })
	for len(old) > keepPreUpgrade {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, nil
}

// restoreDB puts the pre-upgrade backup back as the (stopped) box's
// database. The backup has an event log epoch of its own, so every screen
// resyncs instead of resuming with numbers the new version handed out.
func restoreDB(l layout, backup string) error {
	tmp := filepath.Join(l.Data, ".rms.db.rollback")
	removeDB(tmp)
	if err := copyPrivate(backup, tmp); err != nil {
		removeDB(tmp)
		return err
	}
	if err := ownLikeFolder(tmp, l.Data); err != nil {
		removeDB(tmp)
		return err
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(l.dbPath() + side); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, l.dbPath()); err != nil {
		return err
	}
	return syncDir(l.Data)
}

// ensureDirLike makes dir (0700) owned like ref, so the box can write there.
func ensureDirLike(dir, ref string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return release.ChownLike(dir, ref)
}

func modTime(p string) time.Time {
	fi, err := os.Stat(p)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '_'
		}
		return r
	}, s)
}

func orNone(s string) string {
	if s == "" {
		return "(none: a development build)"
	}
	return s
}

// upgradeOptions lets the staff app show upgrades and, on a box installed
// by `rms install` (run by systemd, with the privileged rms-upgrade.path
// in place), queue an uploaded release.
func upgradeOptions(data string) server.UpgradeOptions {
	_, err := os.Stat(filepath.Join(installedLayout().UnitDir, "rms-upgrade.path"))
	return server.UpgradeOptions{
		Dir:        filepath.Join(data, "upgrade"),
		ReleaseKey: releaseKey,
		Queue:      err == nil && os.Getenv("INVOCATION_ID") != "",
	}
}

package main

// Restoring a daily snapshot while the box serves (POST /api/system/restore,
// from the staff app's settings): the same steps as `rms restore`, with the
// store, the hub and the server restarted inside the running process.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"rms/hub"
	"rms/server"
	"rms/store"
)

// restoreQuiesce bounds the wait for requests in flight before the old
// database is closed; one still running then meets a closed store (an
// error it reports) rather than holding the restore up.
const restoreQuiesce = 10 * time.Second

// closeRestored is the WebSocket close code of a restore: 1012, service
// restart. A screen reconnects, finds the new epoch and resyncs.
const closeRestored = 1012

// frontDoor is the box's HTTP handler: it passes each request to the
// current server and counts those in flight; while a restore swaps the
// database it answers 503 with Retry-After instead.
type frontDoor struct {
	mu       sync.Mutex
	idle     *sync.Cond
	h        http.Handler
	inFlight int
	shut     bool
}

func newFrontDoor(h http.Handler) *frontDoor {
	f := &frontDoor{h: h}
	f.idle = sync.NewCond(&f.mu)
	return f
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.shut {
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"the box is restoring a snapshot; try again in a few seconds"}}` + "\n"))
		return
	}
	h := f.h
	f.inFlight++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.idle.Broadcast()
		f.mu.Unlock()
	}()
	h.ServeHTTP(w, r)
}

// shutDoor turns new requests away with 503.
func (f *frontDoor) shutDoor() {
	f.mu.Lock()
	f.shut = true
	f.mu.Unlock()
}

// open serves new requests with h.
func (f *frontDoor) open(h http.Handler) {
	f.mu.Lock()
	f.h, f.shut = h, false
	f.mu.Unlock()
}

// waitIdle waits until at most n requests are in flight (the restore's own
// is one) or d passes; it reports whether they were.
func (f *frontDoor) waitIdle(n int, d time.Duration) bool {
	t := time.AfterFunc(d, func() {
		f.mu.Lock()
		f.idle.Broadcast()
		f.mu.Unlock()
	})
	defer t.Stop()
	deadline := time.Now().Add(d)
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.inFlight > n {
		if !time.Now().Before(deadline) {
			return false
		}
		f.idle.Wait()
	}
	return true
}

// restoreSnapshot is the box's server.RestoreFunc. It prepares a copy of
// the snapshot while the box serves (checked with integrity_check, migrated,
// a new epoch, mode 0600, the data folder's owner); then it turns requests
// away for a moment, closes every WebSocket (1012), waits for requests in
// flight, stops the background jobs, closes the database, keeps it aside as
// rms-before-restore-DATE.db (its WAL with it), installs the copy, opens it,
// and builds a new hub and server on it. If the restored database does not
// open, the previous one is put back and served again.
func (b *box) restoreSnapshot(reqCtx context.Context, name string) (server.RestoreResult, error) {
	if !store.IsSnapshotName(name) || filepath.Base(name) != name {
		return server.RestoreResult{}, &server.SnapshotDamagedError{Err: errors.New("not a daily snapshot's name")}
	}
	if !b.restoreMu.TryLock() {
		return server.RestoreResult{}, server.ErrRestoreBusy
	}
	defer b.restoreMu.Unlock()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return server.RestoreResult{}, errors.New("restore: the box is shutting down")
	}
	// Once the swap starts it finishes, whatever the asking client does.
	ctx := context.WithoutCancel(reqCtx)
	dir := b.cfg.Data
	src := filepath.Join(dir, "backups", name)
	live := filepath.Join(dir, "rms.db")
	tmp := filepath.Join(dir, ".rms.db.restore")

	removeDB(tmp)
	if err := store.CheckFile(ctx, src); err != nil {
		return server.RestoreResult{}, &server.SnapshotDamagedError{Err: err}
	}
	if err := copyPrivate(src, tmp); err != nil {
		removeDB(tmp)
		return server.RestoreResult{}, fmt.Errorf("restore: %w", err)
	}
	if err := store.PrepareRestore(ctx, tmp); err != nil {
		removeDB(tmp)
		return server.RestoreResult{}, fmt.Errorf("restore: %w", err)
	}
	if err := ownLikeFolder(tmp, dir); err != nil {
		removeDB(tmp)
		return server.RestoreResult{}, fmt.Errorf("restore: %w", err)
	}

	// The swap: nothing reads or writes the database from here on.
	b.front.shutDoor()
	old := b.current()
	old.Hub.Disconnect(func(hub.Peer) bool { return true }, closeRestored, "database restored: resync")
	old.Hub.Close()
	old.Server.StopLongPolls()
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	if err := old.Server.Drain(dctx); err != nil {
		b.log.Warn("restore: websocket sessions still closing", "err", err)
	}
	cancel()
	if !b.front.waitIdle(1, restoreQuiesce) {
		b.log.Warn("restore: requests still in flight; closing the database under them")
	}
	b.endJobs()
	if err := old.Store.Close(); err != nil {
		b.log.Warn("restore: closing the database", "err", err)
	}

	aside := filepath.Join(dir, "rms-before-restore-"+time.Now().UTC().Format("20060102-150405")+".db")
	moved, err := moveDB(live, aside)
	if err == nil {
		err = os.Rename(tmp, live)
	}
	var st *store.Store
	if err == nil {
		_ = syncDir(dir)
		st, err = store.Open(ctx, live, store.Options{BcryptCost: b.cfg.bcryptCost})
	}
	if err == nil {
		err = b.wire(ctx, st)
		if err != nil {
			st.Close()
		}
	}
	if err != nil {
		// Put the previous database back and serve it again.
		b.log.Error("restore failed; serving the previous database again", "snapshot", name, "err", err)
		removeDB(tmp)
		if moved {
			removeDB(live)
			if _, merr := moveDB(aside, live); merr != nil {
				b.log.Error("restore: putting the previous database back", "err", merr)
			}
		}
		b.reopenAfterFailedRestore()
		return server.RestoreResult{}, fmt.Errorf("restore: %w", err)
	}
	b.mu.Lock()
	b.startJobsLocked()
	b.mu.Unlock()
	b.front.open(b.current().Server)

	if err := st.RecordRestore(ctx, name, filepath.Base(aside)); err != nil {
		b.log.Error("restore: audit record", "err", err)
	}
	b.log.Warn("restored a daily snapshot while serving", "snapshot", name, "kept_aside", aside, "epoch", st.Epoch())
	return server.RestoreResult{Snapshot: name, KeptAside: filepath.Base(aside), Epoch: st.Epoch()}, nil
}

// reopenAfterFailedRestore opens the live database again after a restore
// that failed during the swap, so that the box serves as before.
func (b *box) reopenAfterFailedRestore() {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.cfg.Data, "rms.db"), store.Options{BcryptCost: b.cfg.bcryptCost})
	if err == nil {
		if err = b.wire(ctx, st); err != nil {
			st.Close()
		}
	}
	if err != nil {
		// Nothing left to serve with: stop, and let systemd start the box
		// again (its start-up says what is wrong with the data folder).
		b.log.Error("restore: the database does not open; the box stops", "err", err)
		select {
		case b.serveErr <- fmt.Errorf("after a failed restore the database does not open: %w", err):
		default:
		}
		return
	}
	b.mu.Lock()
	b.startJobsLocked()
	b.mu.Unlock()
	b.front.open(b.current().Server)
}

// moveDB renames a database with its WAL and shared-memory files; it
// reports whether the database file itself was there to move.
func moveDB(from, to string) (bool, error) {
	if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(from+suffix, to+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return suffix != "", fmt.Errorf("keeping the database aside: %w", err)
		}
	}
	return true, nil
}

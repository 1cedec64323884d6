package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"rms/store"
)

// RestoreFunc puts the daily snapshot name (a checked file name of the
// backups folder, known to exist) back as the live database while the box
// serves: it checks it, keeps the current database aside, installs the
// snapshot with a new event log epoch and restarts the store, the hub and
// the server on it. Every connected screen is closed and, reconnecting,
// sees the new epoch and resyncs. ctx carries the admin who asked (for the
// audit row, written into the restored database).
type RestoreFunc func(ctx context.Context, name string) (RestoreResult, error)

// RestoreResult is the answer of POST /api/system/restore.
type RestoreResult struct {
	// Snapshot is the file that was restored.
	Snapshot string `json:"snapshot"`
	// KeptAside is the file name, in the data folder, of the database it
	// replaced: everything since the snapshot is still there.
	KeptAside string `json:"kept_aside"`
	// Epoch is the restored event log's new epoch.
	Epoch string `json:"epoch"`
}

// ErrRestoreBusy: a restore is already under way.
var ErrRestoreBusy = errors.New("a restore is already under way")

// SnapshotDamagedError is a snapshot that fails its check (integrity_check,
// or not a database of this box): nothing was changed.
type SnapshotDamagedError struct{ Err error }

func (e *SnapshotDamagedError) Error() string {
	return "the snapshot cannot be restored: " + e.Err.Error()
}
func (e *SnapshotDamagedError) Unwrap() error { return e.Err }

type snapshotList struct {
	Snapshots []store.Snapshot `json:"snapshots"`
}

// handleSnapshots serves GET /api/system/snapshots (admin): the daily
// snapshots, newest first, that settings offers to restore.
func (s *Server) handleSnapshots(c echo.Context) error {
	out := snapshotList{Snapshots: []store.Snapshot{}}
	if s.opts.BackupDir != "" {
		snaps, err := store.Snapshots(s.opts.BackupDir)
		if err != nil {
			return err
		}
		if snaps != nil {
			out.Snapshots = snaps
		}
	}
	return c.JSON(http.StatusOK, out)
}

// handleRestore serves POST /api/system/restore {"name"} (admin). A name
// that is not a daily snapshot's is 422 and one that is not in the folder
// 404, before anything is touched; a snapshot that fails its check is 422
// and the live database stays; a second restore while one runs is 409.
func (s *Server) handleRestore(c echo.Context) error {
	var in struct {
		Name *string `json:"name"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Name == nil || *in.Name == "" {
		return invalid("name", "the name of a daily snapshot is required, as GET /api/system/snapshots lists it")
	}
	name := *in.Name
	// Only a bare snapshot name: no folder, no "..", nothing else of the disk.
	if !store.IsSnapshotName(name) || filepath.Base(name) != name {
		return invalid("name", "must be the name of a daily snapshot, like rms-2026-01-31.db")
	}
	if s.opts.BackupDir == "" {
		return notFound("this box keeps no daily snapshots")
	}
	if fi, err := os.Stat(filepath.Join(s.opts.BackupDir, name)); err != nil || !fi.Mode().IsRegular() {
		return notFound("no daily snapshot " + name + " in the backups folder")
	}
	if s.opts.Restore == nil {
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "this box cannot restore while it serves; stop it and run rms restore"}
	}
	res, err := s.opts.Restore(c.Request().Context(), name)
	var damaged *SnapshotDamagedError
	switch {
	case errors.Is(err, ErrRestoreBusy):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "a restore is already under way; wait for it to finish"}
	case errors.As(err, &damaged):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "some fields are invalid",
			Fields: map[string]string{"name": "this snapshot is damaged and cannot be restored; the live database is unchanged"}}
	case err != nil:
		return err
	}
	s.log.Warn("database restored from a daily snapshot", "snapshot", res.Snapshot, "kept_aside", res.KeptAside, "by", store.ActorFrom(c.Request().Context()).Name)
	return c.JSON(http.StatusOK, res)
}

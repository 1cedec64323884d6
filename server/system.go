package server

import (
	"net/http"
	"path/filepath"

	"github.com/labstack/echo/v4"
	"golang.org/x/sys/unix"

	"rms/store"
)

// diskSpace is the file system that holds the database.
type diskSpace struct {
	Free  uint64 `json:"free_bytes"`
	Total uint64 `json:"total_bytes"`
}

// systemState is what an admin (and, in part, a monitor) needs to know to
// trust the box: room on disk, the newest backup, the database's size.
type systemState struct {
	Disk       *diskSpace      `json:"disk"`
	LastBackup *store.Snapshot `json:"last_backup"`
	// DBSize is -1 when the database file cannot be read.
	DBSize int64 `json:"db_size_bytes"`
}

// systemStatus reads the disk, the backups folder and the database file.
// A part that cannot be read is left nil (or -1) rather than failing the
// whole: a health check must still answer.
func (s *Server) systemStatus() systemState {
	var st systemState
	var fs unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(s.store.Path()), &fs); err == nil {
		bs := uint64(fs.Bsize)
		// Bavail, not Bfree: what the box's (unprivileged) user may still write.
		st.Disk = &diskSpace{Free: fs.Bavail * bs, Total: fs.Blocks * bs}
	} else {
		s.log.Warn("free disk unknown", "err", err)
	}
	if s.opts.BackupDir != "" {
		snaps, err := store.Snapshots(s.opts.BackupDir)
		if err != nil {
			s.log.Warn("backups folder unreadable", "err", err)
		} else if len(snaps) > 0 {
			st.LastBackup = &snaps[0]
		}
	}
	st.DBSize = -1
	if n, err := s.store.Size(); err == nil {
		st.DBSize = n
	}
	return st
}

// handleSystemStatus serves GET /api/system/status (admin): the staff app's
// settings show it.
func (s *Server) handleSystemStatus(c echo.Context) error {
	return c.JSON(http.StatusOK, s.systemStatus())
}

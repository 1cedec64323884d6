package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealth serves GET /healthz: 200 while the database answers, 503
// (with the same body shape) when it does not, so a supervisor or load
// check can tell a live box from a stuck one.
//
// Beyond the contract's fields it tells free disk ("disk_free_bytes", null
// when unknown) and the newest daily snapshot ("last_backup": its time, or
// null when there is none), so a monitor can warn before the disk fills or
// when backups stopped. Neither changes the status: the box still serves.
func (s *Server) handleHealth(c echo.Context) error {
	body := map[string]any{"status": "ok", "version": s.opts.Version, "db": "ok"}
	code := http.StatusOK
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		body["status"], body["db"] = "error", "error"
		code = http.StatusServiceUnavailable
	}
	sys := s.systemStatus()
	body["disk_free_bytes"], body["last_backup"] = nil, nil
	if sys.Disk != nil {
		body["disk_free_bytes"] = sys.Disk.Free
	}
	if sys.LastBackup != nil {
		body["last_backup"] = sys.LastBackup.At
	}
	return c.JSON(code, body)
}

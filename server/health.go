package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealth serves GET /healthz: 200 while the database answers, 503
// (with the same body shape) when it does not, so a supervisor or load
// check can tell a live box from a stuck one.
func (s *Server) handleHealth(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "error", "version": s.opts.Version, "db": "error"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version, "db": "ok"})
}

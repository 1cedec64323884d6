package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleSettingsGet(c echo.Context) error {
	st, err := s.store.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) handleSettingsUpdate(c echo.Context) error {
	var in store.SettingsPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	st, err := s.store.UpdateSettings(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleModifierGroupList(c echo.Context) error {
	gs, err := s.store.ModifierGroups(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, gs)
}

func (s *Server) handleModifierGroupCreate(c echo.Context) error {
	var in store.ModifierGroupInput
	if err := bind(c, &in); err != nil {
		return err
	}
	g, err := s.store.CreateModifierGroup(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (s *Server) handleModifierGroupUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.ModifierGroupInput
	if err := bind(c, &in); err != nil {
		return err
	}
	g, err := s.store.UpdateModifierGroup(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Server) handleModifierGroupDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteModifierGroup(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleModifierOptionAvailability 86es one option and answers with its
// group, so a screen sees the option among its siblings.
func (s *Server) handleModifierOptionAvailability(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in availabilityRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Available == nil {
		return invalid("available", "is required")
	}
	g, err := s.store.SetModifierOptionAvailable(c.Request().Context(), id, *in.Available)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

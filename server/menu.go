package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleMenu(c echo.Context) error {
	lang := c.QueryParam("lang")
	m, seq, err := s.store.Menu(c.Request().Context(), lang)
	if err != nil {
		return err
	}
	setSeq(c, seq)
	return c.JSON(http.StatusOK, m)
}

func (s *Server) handleCategoryCreate(c echo.Context) error {
	var in store.CategoryInput
	if err := bind(c, &in); err != nil {
		return err
	}
	cat, err := s.store.CreateCategory(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cat)
}

func (s *Server) handleCategoryUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.CategoryInput
	if err := bind(c, &in); err != nil {
		return err
	}
	cat, err := s.store.UpdateCategory(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cat)
}

func (s *Server) handleCategoryDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteCategory(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) handleItemCreate(c echo.Context) error {
	var in store.ItemInput
	if err := bind(c, &in); err != nil {
		return err
	}
	it, err := s.store.CreateItem(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, it)
}

func (s *Server) handleItemUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.ItemInput
	if err := bind(c, &in); err != nil {
		return err
	}
	it, err := s.store.UpdateItem(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

type availabilityRequest struct {
	Available *bool `json:"available"`
}

func (s *Server) handleItemAvailability(c echo.Context) error {
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
	it, err := s.store.SetItemAvailable(c.Request().Context(), id, *in.Available)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (s *Server) handleItemDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteItem(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

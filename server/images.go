package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"rms/photo"
	"rms/store"
)

// handleItemImagePut stores the body (a JPEG, PNG or WebP picture) as the
// item's photo, scaled. A body that is not such a picture is 415 (wrong
// Content-Type) or 422 (does not decode), and nothing changes.
func (s *Server) handleItemImagePut(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	known := false
	for _, t := range photo.Types {
		known = known || mt == t
	}
	if !known {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the picture as image/jpeg, image/png or image/webp"}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, photo.MaxBytes+1))
	if err != nil {
		return badRequest("the picture could not be read")
	}
	if len(body) > photo.MaxBytes {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the picture is over 8 MB"}
	}
	ctx := c.Request().Context()
	// Look the item up before the (slow) scaling, so a wrong id is a
	// quick 404.
	if _, err := s.store.Item(ctx, id); err != nil {
		return err
	}
	p, err := photo.Process(body)
	if errors.Is(err, photo.ErrNotImage) {
		return invalid("image", "is not a JPEG, PNG or WebP picture the box can read")
	}
	if err != nil {
		return err
	}
	it, err := s.store.SetItemImage(ctx, id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (s *Server) handleItemImageDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	it, err := s.store.DeleteItemImage(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

var imageName = regexp.MustCompile(`^[0-9a-f]{32}\.jpg$`)

// handleImage serves a stored picture by its content address. Anyone may
// load it (an <img> sends no token; a menu photo is no secret), and since
// the address names the bytes, caches may keep it for a year.
func (s *Server) handleImage(c echo.Context) error {
	name := c.Param("name")
	if !imageName.MatchString(name) {
		return notFound("no such image")
	}
	hash := strings.TrimSuffix(name, ".jpg")
	etag := `"` + hash + `"`
	h := c.Response().Header()
	if c.Request().Header.Get("If-None-Match") == etag {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		return c.NoContent(http.StatusNotModified)
	}
	data, err := s.store.Image(c.Request().Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no such image")
	}
	if err != nil {
		return err
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, "image/jpeg", data)
}

package server

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rms/store"
)

// apiError is an error with its place in the contract's envelope.
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: msg}
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

func forbidden(msg string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: msg}
}

func notFound(msg string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: msg}
}

func invalid(field, msg string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "some fields are invalid",
		Fields: map[string]string{field: msg}}
}

// statusCodes names the statuses the contract does not give a code of its own.
var statusCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_failed",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
}

// toAPIError maps any error to the envelope. The second result is false for
// an error the client did not cause (a 500), which must be logged.
func toAPIError(err error) (*apiError, bool) {
	var ae *apiError
	var ve *store.ValidationError
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	var rle *store.RateLimitError
	switch {
	case errors.As(err, &rle):
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: rle.Msg}, true
	case errors.As(err, &ae):
		return ae, true
	case errors.As(err, &ve):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "some fields are invalid", Fields: ve.Fields}, true
	case errors.Is(err, store.ErrNotFound):
		return notFound("no such resource"), true
	case errors.Is(err, store.ErrConflict):
		var ce *store.ConflictError
		msg := "the change conflicts with the current state"
		if errors.As(err, &ce) {
			msg = ce.Msg
		}
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: msg}, true
	case errors.Is(err, store.ErrForbidden):
		var fe *store.ForbiddenError
		msg := "your role may not do this"
		if errors.As(err, &fe) {
			msg = fe.Msg
		}
		return forbidden(msg), true
	case errors.As(err, &mbe):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the request body is over 1 MiB"}, true
	case errors.As(err, &he):
		code, ok := statusCodes[he.Code]
		if !ok || he.Code >= 500 {
			return nil, false
		}
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok {
			msg = s
		}
		return &apiError{Status: he.Code, Code: code, Message: msg}, true
	}
	return nil, false
}

// handleError is echo's one HTTPErrorHandler: every error leaves in the
// envelope; a 500 is logged once and tells the client nothing internal.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae, ok := toAPIError(err)
	if !ok {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "something went wrong on the box; it has been logged"}
	}
	if ae.Status == http.StatusTooManyRequests {
		var rle *store.RateLimitError
		if errors.As(err, &rle) {
			c.Set("retry_after", strconv.Itoa(int(math.Ceil(rle.RetryAfter.Seconds()))))
		}
		if ra, ok := c.Get("retry_after").(string); ok {
			c.Response().Header().Set("Retry-After", ra)
		}
	}
	body := map[string]*apiError{"error": ae}
	if c.Request().Method == http.MethodHead {
		c.NoContent(ae.Status)
		return
	}
	c.JSON(ae.Status, body)
}

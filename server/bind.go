package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 1 << 20

// bind decodes the JSON body into v strictly: one JSON value, no unknown
// fields (they would silently drop data), at most MaxBodyBytes. Errors are
// 415 for a body that is not declared JSON, 400 with a plain message, or
// 413. Every JSON route reads its body through bind, so the 415 covers
// them all, while a route that takes an image or a file never calls it.
func bind(c echo.Context, v any) error {
	r := c.Request()
	if err := requireJSON(r); err != nil {
		return err
	}
	body := http.MaxBytesReader(c.Response(), r.Body, MaxBodyBytes)
	return decodeJSON(body, v)
}

// requireJSON refuses a body whose Content-Type is not JSON: a form or
// text/plain is what a page of another site can send without asking the
// browser first (no CORS preflight), so a JSON route never takes one.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody) {
		return nil // no body at all: decoding says what is missing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: "the body must be JSON, sent with Content-Type: application/json"}
}

// decodeJSON is bind without the HTTP around it, for the fuzzers.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("a JSON body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the JSON body is cut short")
	case errors.As(err, &syn):
		return badRequest(fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset))
	case errors.As(err, &typ):
		if typ.Field != "" {
			return badRequest(fmt.Sprintf("field %q must be %s", typ.Field, kindName(typ.Type.Kind().String())))
		}
		return badRequest("the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("the body is not valid JSON")
}

func kindName(kind string) string {
	switch kind {
	case "int64", "int", "int32":
		return "an integer"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "of another type"
}

// pathID parses the :name path parameter as a positive integer id; a bad
// id is a 404, since no such resource can exist.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("no such " + strings.TrimSuffix(name, "_id"))
	}
	return id, nil
}

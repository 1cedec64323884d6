package store

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors of the store; callers test them with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist (or was deleted).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change contradicts the current state: an invalid
	// transition, an unavailable item, a duplicate name.
	ErrConflict = errors.New("conflict")
	// ErrForbidden means the role may not make this change.
	ErrForbidden = errors.New("forbidden")
	// ErrBadCredentials means the username or password is wrong, or the
	// user is inactive.
	ErrBadCredentials = errors.New("bad credentials")
)

// ConflictError is an ErrConflict with a message meant for people.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func conflictf(format string, args ...any) error {
	return &ConflictError{Msg: fmt.Sprintf(format, args...)}
}

// ForbiddenError is an ErrForbidden with a message meant for people.
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// ValidationError names each bad field of an input with what is wrong.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// checker collects field errors while an input is validated.
type checker map[string]string

func (c checker) add(field, msg string) {
	if _, ok := c[field]; !ok {
		c[field] = msg
	}
}

func (c checker) err() error {
	if len(c) == 0 {
		return nil
	}
	return &ValidationError{Fields: c}
}

// text checks a free-text field: valid UTF-8, no NUL or other control
// characters (newlines and tabs only where multiline is true), and a length
// in runes between min and max.
func (c checker) text(field, v string, min, max int, multiline bool) {
	if !utf8.ValidString(v) {
		c.add(field, "must be valid UTF-8 text")
		return
	}
	for _, r := range v {
		if r == '\n' || r == '\t' || r == '\r' {
			if !multiline {
				c.add(field, "must be a single line")
				return
			}
			continue
		}
		if unicode.IsControl(r) {
			c.add(field, "must not contain control characters")
			return
		}
	}
	n := utf8.RuneCountInString(v)
	switch {
	case n < min && min == 1:
		c.add(field, "is required")
	case n < min:
		c.add(field, fmt.Sprintf("must be at least %d characters", min))
	case n > max:
		c.add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

func (c checker) between(field string, v, min, max int64) {
	if v < min || v > max {
		c.add(field, fmt.Sprintf("must be between %d and %d", min, max))
	}
}

func (c checker) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(field, "must be one of: "+strings.Join(allowed, ", "))
}

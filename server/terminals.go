package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"rms/hub"
	"rms/store"
)

// Shared terminals: an admin creates one and gets a one-time code; the
// device trades it for a terminal token, which it sends as X-Terminal to
// sign staff in with a PIN and to lock.

// roleTerminal is the role of a terminal token. No route allows it as a
// bearer: it only vouches for the device in X-Terminal.
const roleTerminal = "terminal"

// terminalTokenTTL is how long a terminal stays enrolled without
// enrolling again.
const terminalTokenTTL = 5 * 365 * 24 * time.Hour

type terminalRequest struct {
	Name string `json:"name"`
}

func (s *Server) handleTerminalCreate(c echo.Context) error {
	var in terminalRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	e, err := s.store.CreateTerminal(c.Request().Context(), strings.TrimSpace(in.Name))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, e)
}

func (s *Server) handleTerminalList(c echo.Context) error {
	ts, err := s.store.Terminals(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ts)
}

func (s *Server) handleTerminalGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tm, err := s.store.Terminal(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tm)
}

func (s *Server) handleTerminalDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteTerminal(c.Request().Context(), id); err != nil {
		return err
	}
	s.revokeTerminal(id)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) handleTerminalEnroll(c echo.Context) error {
	var in pairRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	in.Code = strings.TrimSpace(in.Code)
	if !pairCodePattern.MatchString(in.Code) {
		return invalid("code", "must be the 6 digits shown to the manager")
	}
	key := "enroll-ip:" + c.RealIP()
	if wait := s.pairLimit.attempt(keyLimit{key, 10}); wait > 0 {
		return rateLimited(c, wait)
	}
	tm, err := s.store.EnrollTerminal(c.Request().Context(), in.Code)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("this code is unknown, used or expired; ask the manager for a new one")
	}
	s.pairLimit.forgive(key)
	if err != nil {
		return err
	}
	tok, exp, err := s.sign(claims{Role: roleTerminal, Version: tm.TokenVersion, Key: tm.TokenKey,
		RegisteredClaims: jwt.RegisteredClaims{Subject: strconv.FormatInt(tm.ID, 10)}}, terminalTokenTTL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": tok, "expires_at": exp, "terminal": tm})
}

// terminalFromHeader checks the X-Terminal token and returns the
// terminal's id, token version and key; 401 when it is missing or not a
// live terminal's.
func (s *Server) terminalFromHeader(c echo.Context) (int64, int64, string, error) {
	raw := strings.TrimSpace(c.Request().Header.Get("X-Terminal"))
	if raw == "" {
		return 0, 0, "", unauthorized("a PIN works only on an enrolled terminal (X-Terminal is missing)")
	}
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.opts.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	id, perr := strconv.ParseInt(cl.Subject, 10, 64)
	if err != nil || perr != nil || cl.Role != roleTerminal {
		return 0, 0, "", unauthorized("this device is not an enrolled terminal")
	}
	return id, cl.Version, cl.Key, nil
}

type pinRequest struct {
	Pin string `json:"pin"`
}

func (s *Server) handlePinLogin(c echo.Context) error {
	id, version, key, err := s.terminalFromHeader(c)
	if err != nil {
		return err
	}
	var in pinRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Pin == "" {
		return invalid("pin", "is required")
	}
	u, session, err := s.store.SignInWithPIN(c.Request().Context(), id, version, key, in.Pin)
	var locked *store.LockedError
	switch {
	case errors.As(err, &locked):
		return rateLimited(c, locked.Until.Sub(s.now()))
	case errors.Is(err, store.ErrBadCredentials):
		return unauthorized("wrong PIN")
	case errors.Is(err, store.ErrUnknownTerminal):
		return unauthorized("this device is not an enrolled terminal")
	case err != nil:
		return err
	}
	// Whoever was signed in here before is signed out: their sockets close.
	s.revokeTerminal(id)
	tok, exp, err := s.terminalStaffToken(u, id, session)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp, User: &userBrief{ID: u.ID, Username: u.Username, Role: u.Role}})
}

func (s *Server) handleTerminalLock(c echo.Context) error {
	id, version, key, err := s.terminalFromHeader(c)
	if err != nil {
		return err
	}
	err = s.store.LockTerminal(c.Request().Context(), id, version, key)
	if errors.Is(err, store.ErrUnknownTerminal) {
		return unauthorized("this device is not an enrolled terminal")
	}
	if err != nil {
		return err
	}
	s.revokeTerminal(id)
	return c.NoContent(http.StatusNoContent)
}

// revokeTerminal closes the sockets of staff signed in on a terminal: a
// lock or the next sign-in ended their tokens.
func (s *Server) revokeTerminal(id int64) {
	s.hub.Disconnect(func(p hub.Peer) bool { return p.TerminalID == id }, 4403, "terminal locked")
}

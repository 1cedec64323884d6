package server

import (
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleTableList(c echo.Context) error {
	tables, seq, err := s.store.Tables(c.Request().Context())
	if err != nil {
		return err
	}
	setSeq(c, seq)
	return c.JSON(http.StatusOK, tables)
}

func (s *Server) handleTableGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := ownTable(c, id); err != nil {
		return err
	}
	tb, err := s.store.Table(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tb)
}

func (s *Server) handleTableCreate(c echo.Context) error {
	var in store.TableInput
	if err := bind(c, &in); err != nil {
		return err
	}
	tb, err := s.store.CreateTable(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, tb)
}

func (s *Server) handleTableUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.TableInput
	if err := bind(c, &in); err != nil {
		return err
	}
	tb, err := s.store.UpdateTable(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tb)
}

func (s *Server) handleTableDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteTable(c.Request().Context(), id); err != nil {
		return err
	}
	s.revokeTable(id)
	return c.NoContent(http.StatusNoContent)
}

type statusRequest struct {
	Status string `json:"status"`
}

func (s *Server) handleTableStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in statusRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	tb, err := s.store.SetTableStatus(c.Request().Context(), id, in.Status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tb)
}

type requestRequest struct {
	Kind string `json:"kind"`
}

func (s *Server) handleTableRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := ownTable(c, id); err != nil {
		return err
	}
	var in requestRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	tb, err := s.store.SetTableRequest(c.Request().Context(), id, in.Kind)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tb)
}

func (s *Server) handleTableRequestClear(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tb, err := s.store.ClearTableRequest(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tb)
}

type pairResponse struct {
	Code      string `json:"code"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// pairURL is the address the QR code opens: the box as the staff member's
// browser reached it, so it works by name or by IP alike; but a browser on
// the box itself (localhost, 127.0.0.1) gets the box's LAN name, since an
// iPad cannot open a loopback address. Asked over HTTPS, it names the plain
// HTTP port: a guest's iPad has not installed the box's CA.
func (s *Server) pairURL(c echo.Context, code string) string {
	host := c.Request().Host
	if loopbackHost(host) && s.opts.LANHost != nil {
		if lan := s.opts.LANHost(); lan != "" {
			host = lan
		}
	}
	if c.Request().TLS != nil && s.opts.TLS != nil {
		return "http://" + s.plainHost(host) + "/t/?code=" + code
	}
	return c.Scheme() + "://" + host + "/t/?code=" + code
}

// loopbackHost tells whether a Host header names this machine only.
func loopbackHost(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	if strings.EqualFold(name, "localhost") || strings.HasSuffix(strings.ToLower(name), ".localhost") {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) newPairing(c echo.Context) (pairResponse, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return pairResponse{}, err
	}
	p, err := s.store.CreatePairing(c.Request().Context(), id)
	if err != nil {
		return pairResponse{}, err
	}
	return pairResponse{Code: p.Code, URL: s.pairURL(c, p.Code), ExpiresAt: p.ExpiresAt.Format("2006-01-02T15:04:05Z")}, nil
}

func (s *Server) handleTablePair(c echo.Context) error {
	p, err := s.newPairing(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// handleTablePairSVG answers with a new pairing as a QR code; the code and
// its expiry also travel in headers so one call can show both.
func (s *Server) handleTablePairSVG(c echo.Context) error {
	p, err := s.newPairing(c)
	if err != nil {
		return err
	}
	svg, err := qrSVG(p.URL)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Pair-Code", p.Code)
	h.Set("X-Pair-Url", p.URL)
	h.Set("X-Pair-Expires-At", p.ExpiresAt)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

type pairRequest struct {
	Code string `json:"code"`
}

var pairCodePattern = regexp.MustCompile(`^[0-9]{6}$`)

func (s *Server) handlePair(c echo.Context) error {
	var in pairRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	in.Code = strings.TrimSpace(in.Code)
	if !pairCodePattern.MatchString(in.Code) {
		return invalid("code", "must be the 6 digits shown by staff")
	}
	key := "ip:" + c.RealIP()
	if wait := s.pairLimit.attempt(keyLimit{key, 10}); wait > 0 {
		return rateLimited(c, wait)
	}
	tableID, binding, err := s.store.TradePairing(c.Request().Context(), in.Code)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("this code is unknown, used or expired; ask staff for a new one")
	}
	s.pairLimit.forgive(key)
	if err != nil {
		return err
	}
	s.revokeTable(tableID)
	tok, _, err := s.customerToken(tableID, binding)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": tok, "table_id": tableID})
}

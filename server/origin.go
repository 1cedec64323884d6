package server

// The Host and Origin policy of every request: REST, pages, /ws and
// /socket.io/ alike, as one middleware (hostPolicy) that no route can miss.

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/labstack/echo/v4"
)

// hostPolicy refuses, with 403 in the error envelope, every request whose
// Host or Origin requestAllowed refuses. It runs before routing, so routes
// added later (and unknown paths) are covered without a word.
func (s *Server) hostPolicy(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.requestAllowed(c.Request()) {
			return forbidden("origin or host not allowed")
		}
		return next(c)
	}
}

// requestAllowed checks Host and Origin of a request. Host must name the
// box (an IP address, localhost, its mDNS name) or an allowed origin's host,
// which stops DNS rebinding (a page of another site whose name was pointed
// at the box could otherwise try passwords and pairing codes); Origin, when
// present, must be the same host or an allowed origin, so a page elsewhere
// on the LAN cannot make the staff's browser act for it. An allowed origin
// of "*" admits everything.
func (s *Server) requestAllowed(r *http.Request) bool {
	host := r.Host
	allowedHosts := make(map[string]bool)
	allowedOrigins := make(map[string]bool)
	for _, o := range s.opts.AllowedOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if o == "*" {
			return true // the operator opened the box to every origin
		}
		allowedOrigins[strings.ToLower(o)] = true
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			allowedHosts[strings.ToLower(u.Host)] = true
		}
	}
	if !s.hostIsBox(host) && !allowedHosts[strings.ToLower(host)] {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	if allowedOrigins[strings.ToLower(strings.TrimRight(origin, "/"))] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

// hostIsBox reports whether a Host header names this box: an IP address,
// localhost, a single-label or .local name (what a LAN resolves to the box),
// or the machine's own host name. Public DNS names are refused, which is
// what defeats DNS rebinding; --allowed-origins admits others.
func (s *Server) hostIsBox(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" {
		return false
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return true
	}
	if h == "localhost" || !strings.Contains(h, ".") || strings.HasSuffix(h, ".local") {
		return true
	}
	if name, err := os.Hostname(); err == nil && strings.EqualFold(h, name) {
		return true
	}
	return false
}

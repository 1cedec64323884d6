package server

// Origin and Host policy of the WebSocket upgrade.

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// wsRequestAllowed checks Host and Origin of an upgrade. Host must name the
// box (an IP address, localhost, its mDNS name) or an allowed origin's host,
// which stops DNS rebinding; Origin, when present, must be the same host or
// an allowed origin. An allowed origin of "*" admits everything.
func (s *Server) wsRequestAllowed(r *http.Request) bool {
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

package main

// HTTPS on the LAN (--tls, off by default). Plain HTTP stays on --addr for
// the table iPads, which pair over it and keep their token in that origin;
// HTTPS is a second listener (--tls-addr, :8443) over the same handler,
// with a server certificate signed by the box's own CA (package certs),
// kept in DATA/tls.

import (
	"context"
	"crypto/tls"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"rms/certs"
	"rms/server"
)

// tlsRefreshEvery is how often the box re-checks its name, addresses and
// the certificate's expiry (an address from DHCP may change while it runs).
const tlsRefreshEvery = time.Minute

// boxTLS is the HTTPS side of a box.
type boxTLS struct {
	ln    net.Listener
	certs *certs.Manager
	port  int
}

// listenTLS opens the HTTPS listener when cfg.TLS is on; nil otherwise.
func listenTLS(cfg config) (*boxTLS, error) {
	if !cfg.TLS {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.TLSAddr)
	if err != nil {
		return nil, fmt.Errorf("--tls-addr: %w", err)
	}
	return &boxTLS{ln: ln, port: ln.Addr().(*net.TCPAddr).Port}, nil
}

// hostname is the box's mDNS name, "rms" when unset.
func (cfg config) hostname() string {
	if cfg.Hostname == "" {
		return "rms"
	}
	return cfg.Hostname
}

// openCerts loads or makes the CA and the server certificate in DATA/tls
// and describes them for the server.
func (t *boxTLS) openCerts(cfg config, httpPort int, log *slog.Logger) (*server.TLSInfo, error) {
	m, err := certs.Open(certs.Options{Dir: filepath.Join(cfg.Data, "tls"), Name: cfg.Name, Hostname: cfg.hostname(), Logger: log})
	if err != nil {
		return nil, err
	}
	t.certs = m
	return &server.TLSInfo{
		CA: m.CA(), CAPEM: m.CAPEM(), Leaf: m.Leaf,
		HTTPPort: httpPort, HTTPSPort: t.port, Hostname: cfg.hostname(),
		URL: func() string { return t.url(cfg) },
	}, nil
}

// configure makes srv serve TLS with the current certificate, over
// HTTP/1.1 only: WebSockets upgrade over HTTP/1.1, and the apps gain
// nothing from HTTP/2 on a LAN.
func (t *boxTLS) configure(srv *http.Server, log *slog.Logger) {
	srv.TLSConfig = &tls.Config{GetCertificate: t.certs.GetCertificate, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	srv.ErrorLog = stdlog.New(serverErrors{log}, "", 0)
}

// serverErrors logs the HTTP server's own errors at warning level, except
// failed TLS handshakes: every device that has not installed the CA yet
// fails one per attempt, which is expected and would bury the rest.
type serverErrors struct{ log *slog.Logger }

func (w serverErrors) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, msg)
	return len(p), nil
}

// urls are the HTTPS addresses to announce: those the certificate is for.
func (t *boxTLS) urls(cfg config) []string {
	port := strconv.Itoa(t.port)
	var urls []string
	if cfg.MDNS {
		urls = append(urls, "https://"+net.JoinHostPort(cfg.hostname()+".local", port))
	}
	for _, ip := range t.certs.Leaf().IPAddresses {
		if !ip.IsLoopback() {
			urls = append(urls, "https://"+net.JoinHostPort(ip.String(), port))
		}
	}
	return append(urls, "https://localhost:"+port)
}

// url is the staff app over HTTPS as a device on the LAN opens it: the
// mDNS name when the box advertises one, else the first LAN address the
// certificate names (IPv4 first), else localhost.
func (t *boxTLS) url(cfg config) string {
	port := strconv.Itoa(t.port)
	if cfg.MDNS {
		return "https://" + net.JoinHostPort(cfg.hostname()+".local", port) + "/"
	}
	for _, ip := range t.certs.Leaf().IPAddresses {
		if !ip.IsLoopback() {
			return "https://" + net.JoinHostPort(ip.String(), port) + "/"
		}
	}
	return "https://localhost:" + port + "/"
}

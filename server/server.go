// Package server is the HTTP and WebSocket surface of the box: the routes of
// the contract, request decoding and validation, JWT and roles, one error
// handler that maps every error to the contract's envelope, and the embedded
// web apps.
package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"rms/hub"
	"rms/store"
)

// Options configure a Server. Store, Hub, Assets and Secret are required.
type Options struct {
	Store *store.Store
	Hub   *hub.Hub
	// Assets is the web/ folder: staff/, kds/, t/ and lib/ below its root.
	Assets fs.FS
	Logger *slog.Logger
	// Secret signs the JWTs (HS256); at least 32 bytes.
	Secret  []byte
	Version string
	// AllowedOrigins are origins other than the box's own that may call the
	// API from a browser (CORS) and open WebSockets.
	AllowedOrigins []string
	// StaffTokenTTL is how long a staff token lives; 0 means 12 hours.
	StaffTokenTTL time.Duration
	// CustomerTokenTTL is how long a table's token lives; 0 means 365 days.
	CustomerTokenTTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// LANHost names the box as a tablet on the LAN reaches it ("rms.local:8080",
	// or an address it announces), for pairing links asked for over a
	// loopback address that no iPad could open; nil or "" keeps the
	// request's own host.
	LANHost func() string
	// Upgrades let the staff app show and start upgrades.
	Upgrades UpgradeOptions
	// BackupDir is the folder of the daily snapshots (the data folder's
	// backups/); empty: the box keeps none, and reports none.
	BackupDir string
	// Restore puts a daily snapshot back while the box serves (POST
	// /api/system/restore); nil: the route answers 409.
	Restore RestoreFunc
	// MaxPendingSocketsPerAddress and MaxPendingSockets cap the WebSockets
	// that have not authenticated yet, from one client address and in
	// all; 0 means 16 and 256. Past a cap the upgrade is refused with 429.
	MaxPendingSocketsPerAddress int
	MaxPendingSockets           int
	// TLS describes the box's HTTPS listener and CA; nil when --tls is off.
	TLS *TLSInfo
}

// Server serves the box's HTTP API, WebSocket and pages.
type Server struct {
	opts   Options
	store  *store.Store
	hub    *hub.Hub
	log    *slog.Logger
	echo   *echo.Echo
	assets *assets
	now    func() time.Time

	loginLimit *limiter
	pairLimit  *limiter
	pending    *pendingGate

	sio sioSessions

	// sessions counts WebSocket sessions from upgrade to finish (Drain).
	sessions sync.WaitGroup

	metrics *metrics
}

// New builds a Server. The store's committed events reach the hub through
// Relay, which the caller wires once.
// It returns an error when a required option is missing.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Hub == nil || opts.Assets == nil {
		return nil, errors.New("server: Store, Hub and Assets are required")
	}
	if len(opts.Secret) < 32 {
		return nil, errors.New("server: the secret must be at least 32 bytes")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StaffTokenTTL == 0 {
		opts.StaffTokenTTL = 12 * time.Hour
	}
	if opts.CustomerTokenTTL == 0 {
		opts.CustomerTokenTTL = 365 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	a, err := newAssets(opts.Assets)
	if err != nil {
		return nil, fmt.Errorf("server: assets: %w", err)
	}
	s := &Server{
		opts:       opts,
		store:      opts.Store,
		hub:        opts.Hub,
		log:        opts.Logger,
		assets:     a,
		now:        opts.Now,
		loginLimit: newLimiter(5*time.Minute, opts.Now),
		pending:    newPendingGate(opts.MaxPendingSocketsPerAddress, opts.MaxPendingSockets),
		pairLimit:  newLimiter(5*time.Minute, opts.Now),
	}
	s.metrics = s.newMetrics()
	s.echo = s.routes()
	return s, nil
}

// ServeHTTP serves every route of the box.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

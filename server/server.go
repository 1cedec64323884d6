// Package server is the HTTP and WebSocket surface of the box: the routes of
// the contract, request decoding and validation, JWT and roles, one error
// handler that maps every error to the contract's envelope, the embedded
// web apps, and the mDNS advertiser.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
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
	// Upgrades let the staff app show and start upgrades.
	Upgrades UpgradeOptions
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
}

// New builds a Server and connects the store's committed events to the hub.
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
		pairLimit:  newLimiter(5*time.Minute, opts.Now),
	}
	last, err := s.store.LastSeq(context.Background())
	if err != nil {
		return nil, err
	}
	s.hub.Observe(last)
	s.store.OnCommit(s.publish)
	s.echo = s.routes()
	return s, nil
}

// publish hands committed events to the hub. The store calls it after each
// commit under its writer lock, so the hub sees seqs in order.
func (s *Server) publish(evs []store.Event) {
	out := make([]hub.Event, len(evs))
	for i, e := range evs {
		out[i] = hub.Event{Seq: e.Seq, Name: e.Name, Rooms: e.Rooms, Data: e.Data}
	}
	s.hub.Publish(out...)
}

// ServeHTTP serves every route of the box.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"rms/hub"
	"rms/print"
	"rms/server"
	"rms/server/mdns"
	"rms/store"
	"rms/systemd"
)

// shutdownTimeout bounds the HTTP shutdown: requests in flight get this
// long to finish before the box closes anyway.
const shutdownTimeout = 10 * time.Second

// drainTimeout bounds the wait for WebSocket close handshakes; it is above
// the library's own 5 s handshake timeout, and with shutdownTimeout stays
// well inside the unit's TimeoutStopSec (20 s).
const drainTimeout = 7 * time.Second

// box is one rms: the store, the hub and the server over one data folder,
// wired together once, with the listener, the mDNS responder and the
// background jobs (watchdog, daily snapshots, housekeeping, printing). main and every
// end-to-end test build it the same way: openBox, start (or serve), close.
type box struct {
	cfg config
	log *slog.Logger

	Store  *store.Store
	Hub    *hub.Hub
	Server *server.Server
	Port   int
	// TLSPort is the HTTPS port with --tls; 0 without.
	TLSPort int
	secret  []byte
	tls     *boxTLS // nil without --tls
	tlsInfo *server.TLSInfo

	ln     net.Listener
	http   *http.Server
	unlock func() // releases the data folder's lock

	front *frontDoor // the handler: the current server, or 503 during a restore

	// restoreMu is held by a restore from start to end: one at a time,
	// and close waits for it.
	restoreMu sync.Mutex

	mu       sync.Mutex // guards the fields below, and Store, Hub and Server
	started  bool
	closed   bool
	mdns     *mdns.Responder
	stopMDNS context.CancelFunc
	serveErr chan error
	stopJobs context.CancelFunc
	jobs     sync.WaitGroup
}

// openBox listens on cfg.Addr, opens the data folder (database and signing
// secret) and builds the hub and the server, with the store's committed
// events relayed to the hub. Nothing is served until start. It returns an
// error when the address is taken or the data folder cannot be opened.
func openBox(ctx context.Context, cfg config, log *slog.Logger) (*box, error) {
	// Listen first: a port still held by a previous process fails fast,
	// before the database is opened.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	tl, err := listenTLS(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	closeListeners := func() {
		ln.Close()
		if tl != nil {
			tl.ln.Close()
		}
	}
	// One process serves a data folder, and a restore never swaps the
	// database under a running box.
	unlock, err := lockData(cfg.Data)
	if err != nil {
		closeListeners()
		return nil, err
	}
	st, secret, err := openData(ctx, cfg.Data, store.Options{BcryptCost: cfg.bcryptCost})
	if err != nil {
		unlock()
		closeListeners()
		return nil, err
	}
	var tlsInfo *server.TLSInfo
	if tl != nil {
		if tlsInfo, err = tl.openCerts(cfg, ln.Addr().(*net.TCPAddr).Port, log); err != nil {
			st.Close()
			unlock()
			closeListeners()
			return nil, err
		}
	}
	b := &box{
		cfg: cfg, log: log, secret: secret, ln: ln, unlock: unlock,
		Port:     ln.Addr().(*net.TCPAddr).Port,
		tls:      tl,
		tlsInfo:  tlsInfo,
		serveErr: make(chan error, 2), // one per listener
	}
	if err := b.wire(ctx, st); err != nil {
		st.Close()
		unlock()
		closeListeners()
		return nil, err
	}
	b.front = newFrontDoor(b.Server)
	b.http = &http.Server{
		Handler:           b.front,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for requests in flight; held Socket.IO polls are
	// answered at once instead of after up to 25 s.
	b.http.RegisterOnShutdown(func() { b.current().Server.StopLongPolls() })
	if tl != nil {
		b.TLSPort = tl.port
		tl.configure(b.http, log)
	}
	return b, nil
}

// wire builds the hub and the server over st, relays st's committed events
// to the hub, and makes them the box's current ones. openBox calls it once;
// a restore calls it again on the restored database.
func (b *box) wire(ctx context.Context, st *store.Store) error {
	cfg := b.cfg
	h := hub.New(hub.Options{Logger: b.log})
	srv, err := server.New(server.Options{
		Store: st, Hub: h, Assets: webAssets(), Logger: b.log, Secret: b.secret,
		Version: version, AllowedOrigins: cfg.AllowedOrigins,
		Upgrades: upgradeOptions(cfg.Data), BackupDir: filepath.Join(cfg.Data, "backups"),
		LANHost: func() string { return lanHost(cfg, b.ln.Addr()) },
		TLS:     b.tlsInfo,
		Restore: b.restoreSnapshot,
	})
	if err == nil {
		err = server.Relay(ctx, st, h)
	}
	if err != nil {
		h.Close()
		return err
	}
	b.mu.Lock()
	b.Store, b.Hub, b.Server = st, h, srv
	b.mu.Unlock()
	return nil
}

// parts is the store, hub and server the box serves with at one moment.
type parts struct {
	Store  *store.Store
	Hub    *hub.Hub
	Server *server.Server
}

// current returns the parts the box serves with now (a restore replaces them).
func (b *box) current() parts {
	b.mu.Lock()
	defer b.mu.Unlock()
	return parts{b.Store, b.Hub, b.Server}
}

// start serves HTTP, advertises over mDNS when configured, tells systemd
// the box is ready and runs the background jobs; it returns at once. An
// mDNS failure is logged, not returned: the box still answers by address.
func (b *box) start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return
	}
	b.started = true
	go func() { b.serveErr <- b.http.Serve(b.ln) }()
	if b.tls != nil {
		// The same server and handler: one Shutdown closes both.
		go func() { b.serveErr <- b.http.ServeTLS(b.tls.ln, "", "") }()
	}

	if b.cfg.MDNS {
		ctx, cancel := context.WithCancel(context.Background())
		b.stopMDNS = cancel
		adv, err := mdns.Start(ctx, mdns.Options{Instance: b.cfg.Name, Hostname: b.cfg.Hostname, Port: b.Port,
			Interfaces: b.cfg.MDNSInterfaces, Version: version, Logger: b.log})
		if err != nil {
			b.log.Error("mDNS advertising failed; the box still answers by IP address", "err", err)
		}
		b.mdns = adv
	}
	b.announce()
	// systemd (Type=notify): serving now; the watchdog is fed only while
	// the database answers.
	if err := systemd.Notify("READY=1"); err != nil {
		b.log.Warn("systemd notify", "err", err)
	}
	b.startJobsLocked()
}

// startJobsLocked runs the background jobs on the current store: the
// watchdog, the daily snapshots, housekeeping and the print queue. b.mu is
// held.
func (b *box) startJobsLocked() {
	ctx, cancel := context.WithCancel(context.Background())
	b.stopJobs = cancel
	st := b.Store
	if b.tls != nil {
		b.goJob(func() { b.tls.certs.Run(ctx, tlsRefreshEvery) })
	}
	b.goJob(func() { systemd.Watchdog(ctx, st.Ping, b.log) })
	b.goJob(func() {
		if err := st.RunSnapshots(ctx, filepath.Join(b.cfg.Data, "backups"), b.cfg.BackupKeep, b.log); err != nil {
			b.log.Error("daily snapshots are off", "err", err)
		}
	})
	// Hourly housekeeping: the event log keeps its retention, retry keys
	// older than a day and finished print jobs older than 30 days go.
	b.goJob(func() { st.RunHousekeeping(ctx, b.log) })
	// The print queue: each enabled printer's jobs, sent in order.
	b.goJob(func() { print.New(print.Options{Store: st, Logger: b.log}).Run(ctx) })
}

// endJobs stops the background jobs and waits for them.
func (b *box) endJobs() {
	b.mu.Lock()
	stop := b.stopJobs
	b.stopJobs = nil
	b.mu.Unlock()
	if stop != nil {
		stop()
	}
	b.jobs.Wait()
}

func (b *box) goJob(fn func()) {
	b.jobs.Add(1)
	go func() {
		defer b.jobs.Done()
		fn()
	}()
}

// serve starts the box and blocks until ctx ends (nil) or the HTTP server
// fails (its error). It does not close the box.
func (b *box) serve(ctx context.Context) error {
	b.start()
	select {
	case err := <-b.serveErr:
		return err
	case <-ctx.Done():
		return nil
	}
}

// close shuts the box down in order: tell systemd, stop accepting and
// finish requests in flight (HTTP Shutdown), close the hub (every socket
// gets 1001 and will resume against the next process) and wait for the
// sockets' close handshakes, say the mDNS goodbye, stop the background jobs and wait for them, close the store.
// It is safe to call more than once and without start; it returns the
// store's close error.
func (b *box) close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	started := b.started
	b.mu.Unlock()

	if started {
		b.log.Info("shutting down")
		_ = systemd.Notify("STOPPING=1")
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if err := b.http.Shutdown(ctx); err != nil {
			b.log.Warn("http shutdown", "err", err)
		}
		cancel()
	} else {
		b.ln.Close()
		if b.tls != nil {
			b.tls.ln.Close()
		}
	}
	// A restore under way finishes first: then the parts are its own.
	b.restoreMu.Lock()
	defer b.restoreMu.Unlock()
	cur := b.current()
	cur.Hub.Close()
	if started {
		// The hub started every socket's close; the process must not
		// exit before each has written its 1001 and finished the
		// handshake (a socket mid-upgrade is closed by its own handler).
		ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
		if err := cur.Server.Drain(ctx); err != nil {
			b.log.Warn("websocket sessions still closing at exit", "err", err)
		}
		cancel()
	}
	if b.mdns != nil {
		b.mdns.Shutdown()
	}
	if b.stopMDNS != nil {
		b.stopMDNS()
	}
	b.endJobs()
	err := cur.Store.Close()
	b.unlock()
	return err
}

// lanHost is how a tablet on the LAN reaches the box: its mDNS name when it
// advertises one, else its first LAN address; "" when it has neither.
func lanHost(cfg config, addr net.Addr) string {
	port := 0
	if a, ok := addr.(*net.TCPAddr); ok {
		port = a.Port
	}
	if cfg.MDNS {
		return net.JoinHostPort(cfg.Hostname+".local", strconv.Itoa(port))
	}
	if ips, err := mdns.LANAddresses(cfg.MDNSInterfaces); err == nil && len(ips) > 0 {
		return net.JoinHostPort(ips[0].String(), strconv.Itoa(port))
	}
	return ""
}

// announce prints, in plain words, the addresses where people can open the box.
func (b *box) announce() {
	cfg, port := b.cfg, b.Port
	urls := []string{}
	if cfg.MDNS {
		urls = append(urls, fmt.Sprintf("http://%s.local:%d", cfg.Hostname, port))
	}
	if ips, err := mdns.LANAddresses(cfg.MDNSInterfaces); err == nil {
		for _, ip := range ips {
			urls = append(urls, "http://"+net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		}
	}
	urls = append(urls, fmt.Sprintf("http://localhost:%d", port))
	if b.tls != nil {
		urls = append(urls, b.tls.urls(cfg)...)
	}
	b.log.Info("rms is serving; open it at "+strings.Join(urls, " or "), "version", version, "data", cfg.Data)
}

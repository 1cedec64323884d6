// Command rms is the restaurant box: one binary that serves the table app,
// the kitchen display and the staff app from an embedded SQLite database,
// pushes every change live over WebSockets and advertises itself over mDNS.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	_ "time/tzdata" // a Pi's minimal image may lack zoneinfo; the report needs the restaurant's zone

	"rms/photo"
	"rms/release"
	"rms/server"
	"rms/store"
)

// Set at release build time with -ldflags "-X main.version=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rms:", err)
		os.Exit(1)
	}
}

// run dispatches the subcommands; with none it serves.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseServeConfig(args, stderr)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return serve(ctx, cfg, stdout)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return errors.New("usage: rms user add --username U --role R [--password P]")
		}
		return userAdd(ctx, args[1:], stdin, stdout, stderr)
	case "backup":
		return backup(ctx, args, stdout, stderr)
	case "restore":
		return restore(ctx, args, stdout, stderr)
	case "install":
		return install(ctx, args, stdin, stdout, stderr)
	case "uninstall":
		return uninstall(ctx, args, stdout, stderr)
	case "upgrade":
		return upgrade(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "rms %s (commit %s, built %s)\n", version, commit, date)
		fmt.Fprintf(stdout, "%s, database schema %d, release key %s\n", release.Self(), store.LatestSchema(), orNone(release.KeyID(releaseKey)))
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: rms [serve] [flags] | rms install | rms upgrade FILE | rms uninstall [--purge] | rms user add --username U --role R | rms backup FILE | rms restore FILE | rms version")
		return nil
	}
	return fmt.Errorf("unknown command %q (try: serve, install, upgrade, uninstall, user add, backup, restore, version)", cmd)
}

// config is everything serve needs, parsed once from flags and environment.
type config struct {
	Addr           string
	Data           string
	Name           string
	Hostname       string
	MDNS           bool
	MDNSInterfaces []string
	AllowedOrigins []string
	Demo           bool
	LogFormat      string
	BackupKeep     int
	// TLS adds an HTTPS listener on TLSAddr, with the box's own CA (see
	// tls.go); --addr stays plain HTTP.
	TLS     bool
	TLSAddr string

	// bcryptCost is the store's password hashing cost; 0 is its default.
	// Only tests lower it.
	bcryptCost int
}

// env returns the environment variable, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string, def bool) (bool, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

func defaultDataDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		// systemd may pass several, colon-separated; the first is ours.
		return strings.Split(d, ":")[0]
	}
	return "./data"
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseServeConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	mdnsDef, err := envBool("RMS_MDNS", true)
	if err != nil {
		return cfg, err
	}
	demoDef, err := envBool("RMS_DEMO", false)
	if err != nil {
		return cfg, err
	}
	tlsDef, err := envBool("RMS_TLS", false)
	if err != nil {
		return cfg, err
	}
	keepDef, err := strconv.Atoi(env("RMS_BACKUP_KEEP", "7"))
	if err != nil {
		return cfg, fmt.Errorf("RMS_BACKUP_KEEP: want a number")
	}
	var ifaces, origins string
	fs.StringVar(&cfg.Addr, "addr", env("RMS_ADDR", ":8080"), "listen address (RMS_ADDR)")
	fs.StringVar(&cfg.Data, "data", env("RMS_DATA", defaultDataDir()), "data folder: database, secret, backups (RMS_DATA)")
	fs.StringVar(&cfg.Name, "name", env("RMS_NAME", "Restaurant"), "mDNS instance name shown to people (RMS_NAME)")
	fs.StringVar(&cfg.Hostname, "hostname", env("RMS_HOSTNAME", "rms"), "mDNS host name: the box answers as NAME.local (RMS_HOSTNAME)")
	fs.BoolVar(&cfg.MDNS, "mdns", mdnsDef, "advertise over mDNS (RMS_MDNS)")
	fs.StringVar(&ifaces, "mdns-interface", env("RMS_MDNS_INTERFACE", ""), "comma-separated interfaces to advertise on; empty: every LAN interface (RMS_MDNS_INTERFACE)")
	fs.StringVar(&origins, "allowed-origins", env("RMS_ALLOWED_ORIGINS", ""), "comma-separated extra origins allowed for CORS and WebSockets (RMS_ALLOWED_ORIGINS)")
	fs.BoolVar(&cfg.Demo, "demo", demoDef, "on an empty database, seed a demo restaurant and print its logins (RMS_DEMO)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("RMS_LOG_FORMAT", "text"), "log format: text or json (RMS_LOG_FORMAT)")
	fs.IntVar(&cfg.BackupKeep, "backup-keep", keepDef, "daily snapshots kept in DATA/backups; 0 turns them off (RMS_BACKUP_KEEP)")
	fs.BoolVar(&cfg.TLS, "tls", tlsDef, "also serve HTTPS, with the box's own certificate authority (RMS_TLS)")
	fs.StringVar(&cfg.TLSAddr, "tls-addr", env("RMS_TLS_ADDR", ":8443"), "HTTPS listen address with --tls; --addr stays plain HTTP (RMS_TLS_ADDR)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("--log-format: want text or json, not %q", cfg.LogFormat)
	}
	cfg.MDNSInterfaces, cfg.AllowedOrigins = splitList(ifaces), splitList(origins)
	return cfg, nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openData makes the data folder and opens its database and secret.
func openData(ctx context.Context, dir string, opts store.Options) (*store.Store, []byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data folder: %w", err)
	}
	secret, err := loadSecret(filepath.Join(dir, "secret"))
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "rms.db"), opts)
	if err != nil {
		return nil, nil, err
	}
	return st, secret, nil
}

// loadSecret reads the JWT signing secret, creating 32 random bytes with
// mode 0600 on first start.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("secret %s: shorter than 32 bytes", path)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret: %w", err)
	}
	b = make([]byte, 32)
	rand.Read(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	return b, f.Close()
}

// firstStart gives an empty box a way in: the demo, RMS_ADMIN_PASSWORD, or
// one line saying how to create the admin.
func firstStart(ctx context.Context, st *store.Store, demo bool, log *slog.Logger, stdout io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if demo {
		logins, err := st.SeedDemo(ctx)
		if err != nil {
			return err
		}
		if err := photo.SeedDemo(ctx, st); err != nil {
			return err
		}
		if len(logins) > 0 {
			fmt.Fprintln(stdout, "Demo restaurant created. Sign in with:")
			for _, l := range logins {
				fmt.Fprintf(stdout, "  %-7s %-8s password %s\n", l.Role, l.Username, l.Password)
			}
			return nil
		}
	}
	if pw := os.Getenv("RMS_ADMIN_PASSWORD"); pw != "" {
		if _, err := st.CreateUser(ctx, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: pw}); err != nil {
			return fmt.Errorf("RMS_ADMIN_PASSWORD: %w", err)
		}
		log.Info("created the admin user from RMS_ADMIN_PASSWORD", "username", "admin")
		return nil
	}
	log.Warn("no users yet: create the first admin with `rms user add --username admin --role admin` (the password is read from stdin)")
	return nil
}

// serve runs the box until ctx ends (a signal) or it cannot serve, then
// shuts it down in order.
func serve(ctx context.Context, cfg config, stdout io.Writer) error {
	server.TuneGC()
	log := newLogger(cfg.LogFormat, os.Stderr)
	b, err := openBox(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := firstStart(ctx, b.Store, cfg.Demo, log, stdout); err != nil {
		b.close()
		return err
	}
	err = b.serve(ctx)
	if cerr := b.close(); err == nil {
		err = cerr
	}
	return err
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "the new user's name")
	role := fs.String("role", "", "admin, waiter or chef")
	password := fs.String("password", "", "the password; read from stdin (one line) when empty")
	data := fs.String("data", env("RMS_DATA", defaultDataDir()), "data folder (RMS_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password from stdin: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	st, _, err := openData(ctx, *data, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.NewUser{Username: *username, Role: *role, Password: *password})
	if err != nil {
		var ve *store.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%s", strings.TrimPrefix(ve.Error(), "invalid input: "))
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s %q (id %d)\n", u.Role, u.Username, u.ID)
	return nil
}

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("RMS_DATA", defaultDataDir()), "data folder (RMS_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: rms backup [--data DIR] FILE")
	}
	dst := fs.Arg(0)
	if _, err := os.Stat(filepath.Join(*data, "rms.db")); err != nil {
		return fmt.Errorf("no database in %s: %w", *data, err)
	}
	st, err := store.Open(ctx, filepath.Join(*data, "rms.db"), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, dst); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", dst)
	return nil
}

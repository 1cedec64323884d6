package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/term"

	"rms/server/mdns"
	"rms/store"
)

// installWait is how long install waits for the box to answer /healthz.
const installWait = 60 * time.Second

// install makes this machine an rms box: the binary, the units, the
// environment file, the service enabled and running, the first admin, and
// where to open it. Running it again changes only what differs.
func install(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("install", flag.ContinueOnError)
	fset.SetOutput(stderr)
	name := fset.String("name", "", "the restaurant's name people see on the network (RMS_NAME)")
	addr := fset.String("addr", "", "where to listen, e.g. :80 (RMS_ADDR; default :8080)")
	hostname := fset.String("hostname", "", "the box answers as NAME.local (RMS_HOSTNAME; default rms)")
	tlsOn := fset.Bool("tls", false, "also serve HTTPS with the box's own CA (RMS_TLS); --tls=false turns it off again")
	tlsAddr := fset.String("tls-addr", "", "where to serve HTTPS with --tls, e.g. :443 (RMS_TLS_ADDR; default :8443)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: rms install [--name N] [--addr A] [--hostname H] [--tls] [--tls-addr A])", fset.Arg(0))
	}
	settings := map[string]string{"RMS_NAME": *name, "RMS_ADDR": *addr, "RMS_HOSTNAME": *hostname, "RMS_TLS_ADDR": *tlsAddr}
	fset.Visit(func(f *flag.Flag) {
		if f.Name == "tls" { // only when given: an install without it keeps the file's choice
			settings["RMS_TLS"] = strconv.FormatBool(*tlsOn)
		}
	})
	if err := needRootAndSystemd("install"); err != nil {
		return err
	}
	l := installedLayout()
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	changed := false

	// 1. The binary.
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the running binary: %w", err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("reading the running binary: %w", err)
	}
	old, err := os.ReadFile(l.Bin)
	switch {
	case err == nil && bytes.Equal(old, bin):
		say("✓ %s is this rms %s", l.Bin, version)
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if dbs, err := store.FileSchema(ctx, l.dbPath()); err == nil && dbs > store.LatestSchema() {
			return fmt.Errorf("this rms %s knows database schema %d, but the box's database is at schema %d: install a newer release", version, store.LatestSchema(), dbs)
		}
		if err := swapBinary(l, bin); err != nil {
			return err
		}
		changed = true
		say("✓ copied rms %s to %s", version, l.Bin)
	default:
		return err
	}

	// 2. The units, embedded in this binary.
	unitsChanged := false
	for _, u := range unitNames {
		body, err := systemdFiles.ReadFile("systemd/" + u)
		if err != nil {
			return err
		}
		wrote, err := replaceFile(filepath.Join(l.UnitDir, u), body, 0o644)
		if err != nil {
			return fmt.Errorf("writing the unit %s: %w", u, err)
		}
		if wrote {
			unitsChanged = true
			say("✓ wrote %s", filepath.Join(l.UnitDir, u))
		}
	}
	if unitsChanged {
		changed = true
		if err := systemctl("daemon-reload"); err != nil {
			return err
		}
	}

	// 3. The environment file: an existing one is kept, with only the
	// settings given on this command line changed.
	envChanged, err := writeEnvFile(l.EnvFile, settings, say)
	if err != nil {
		return err
	}
	changed = changed || envChanged
	l = installedLayout()
	env := readEnvFile(l.EnvFile)

	// A port below 1024 needs one capability: a drop-in grants it, so the
	// unit itself stays as shipped and a later install does not undo it.
	dropIn := filepath.Join(l.UnitDir, "rms.service.d", lowPortDropIn)
	if body, ok := lowPortUnit(listenAddrs(env)...); ok {
		wrote, err := replaceFile(dropIn, []byte(body), 0o644)
		if err != nil {
			return fmt.Errorf("writing %s: %w", dropIn, err)
		}
		if wrote {
			say("✓ wrote %s (the capability to listen on %s)", dropIn, strings.Join(listenAddrs(env), " and "))
			changed = true
			if err := systemctl("daemon-reload"); err != nil {
				return err
			}
		}
	} else if err := os.Remove(dropIn); err == nil {
		say("✓ removed %s (no port below 1024 any more)", dropIn)
		changed = true
		if err := systemctl("daemon-reload"); err != nil {
			return err
		}
	}

	// 4. Enabled and running.
	if unitProp("rms.service", "UnitFileState") != "enabled" || unitProp("rms-upgrade.path", "UnitFileState") != "enabled" {
		if err := systemctl("enable", "rms.service", "rms-upgrade.path"); err != nil {
			return err
		}
		say("✓ enabled rms at boot")
	}
	if err := systemctl("start", "rms-upgrade.path"); err != nil {
		return err
	}
	switch active := unitProp("rms.service", "ActiveState"); {
	case active == "active" && !changed:
		say("✓ rms is running; nothing changed")
	case active == "active":
		say("… restarting rms to apply the changes")
		if err := systemctl("restart", "rms.service"); err != nil {
			return fmt.Errorf("%w\n(see `journalctl -u rms`)", err)
		}
	default:
		say("… starting rms")
		_ = systemctl("reset-failed", "rms.service")
		if err := systemctl("start", "rms.service"); err != nil {
			return fmt.Errorf("%w\n(see `journalctl -u rms`)", err)
		}
	}
	url := healthURL(env["RMS_ADDR"])
	h, err := waitHealth(ctx, url, "", installWait, nil)
	if err != nil {
		return fmt.Errorf("rms did not answer %s within %v: %w (see `journalctl -u rms`)", url, installWait, err)
	}
	say("✓ rms %s answers at %s", h.Version, url)

	// 5. The first admin.
	if err := firstAdmin(ctx, l, stdin, stdout, say); err != nil {
		return err
	}

	printAddresses(stdout, env)
	return nil
}

// lowPortDropIn is the drop-in install writes for a port below 1024.
const lowPortDropIn = "rms-low-port.conf"

// listenAddrs are the addresses the installed box listens on: RMS_ADDR,
// and RMS_TLS_ADDR (default :8443) when RMS_TLS is on.
func listenAddrs(env map[string]string) []string {
	addrs := []string{env["RMS_ADDR"]}
	if on, _ := envBoolValue(env["RMS_TLS"], false); on {
		a := env["RMS_TLS_ADDR"]
		if a == "" {
			a = ":8443"
		}
		addrs = append(addrs, a)
	}
	return addrs
}

// lowPortUnit is the drop-in that lets rms listen on the first of addrs
// whose port is below 1024, and false when none is. Inside a private user
// namespace a capability does not open a port of the host's network, hence
// PrivateUsers=no.
func lowPortUnit(addrs ...string) (string, bool) {
	addr, low := "", false
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a); err == nil {
			if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 1024 {
				addr, low = a, true
				break
			}
		}
	}
	if !low {
		return "", false
	}
	return "# Written by `rms install` for " + addr + ": a port below 1024 needs this\n" +
		"# one capability. Removed by `rms install` when no port is below 1024.\n" +
		"[Service]\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nPrivateUsers=no\n", true
}

// writeEnvFile creates the environment file from the example, or keeps the
// existing one, setting the non-empty values given. It reports a change.
func writeEnvFile(path string, set map[string]string, say func(string, ...any)) (bool, error) {
	body, err := os.ReadFile(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	if err != nil && !fresh {
		return false, err
	}
	if fresh {
		if body, err = systemdFiles.ReadFile("systemd/rms.env.example"); err != nil {
			return false, err
		}
	}
	next := string(body)
	for _, k := range []string{"RMS_NAME", "RMS_ADDR", "RMS_HOSTNAME", "RMS_TLS", "RMS_TLS_ADDR"} {
		if v := set[k]; v != "" && parseEnv(next)[k] != v {
			next = setEnv(next, k, v)
		}
	}
	if !fresh && next == string(body) {
		say("✓ kept %s", path)
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	if _, err := replaceFile(path, []byte(next), 0o600); err != nil {
		return false, fmt.Errorf("writing %s: %w", path, err)
	}
	if fresh {
		say("✓ wrote %s (the settings; edit it and `systemctl restart rms`)", path)
	} else {
		say("✓ updated %s with the settings given", path)
	}
	return true, nil
}

// firstAdmin creates the admin when the box has no user yet, with a
// password typed at the terminal or, without one, generated and shown once.
func firstAdmin(ctx context.Context, l layout, stdin io.Reader, stdout io.Writer, say func(string, ...any)) error {
	st, err := store.Open(ctx, l.dbPath(), store.Options{})
	if err != nil {
		return err
	}
	defer fixOwnership(l)
	defer st.Close()
	n, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		say("✓ the box has its users (%d); sign in as before", n)
		return nil
	}
	password, typed, err := adminPassword(stdin, stdout)
	if err != nil {
		return err
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: password}); err != nil {
		return fmt.Errorf("creating the admin: %w", err)
	}
	if typed {
		say("✓ created the admin: username admin, with the password you typed")
	} else {
		say("✓ created the admin: username admin, password %s", password)
		say("  (shown only this once: write it down, or change it in the staff app under Users)")
	}
	return nil
}

// adminPassword asks twice at a terminal; without one it generates 12
// characters that are easy to read aloud and type on an iPad.
func adminPassword(stdin io.Reader, stdout io.Writer) (string, bool, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		for range 3 {
			fmt.Fprint(stdout, "Password for the admin (8 characters or more; empty: make one up for me): ")
			a, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stdout)
			if err != nil {
				return "", false, err
			}
			if len(a) == 0 {
				break
			}
			if len(a) < 8 {
				fmt.Fprintln(stdout, "Too short: at least 8 characters.")
				continue
			}
			fmt.Fprint(stdout, "The same again: ")
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stdout)
			if err != nil {
				return "", false, err
			}
			if string(a) == string(b) {
				return string(a), true, nil
			}
			fmt.Fprintln(stdout, "They differ; once more.")
		}
	}
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	for range 12 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", false, err
		}
		b.WriteByte(alphabet[n.Int64()])
	}
	return b.String(), false, nil
}

// printAddresses tells the owner where to open the box, with the staff
// app's address as a QR code drawn in the terminal for a phone's camera.
func printAddresses(w io.Writer, env map[string]string) {
	port := "8080"
	if a := env["RMS_ADDR"]; a != "" {
		if _, p, err := net.SplitHostPort(a); err == nil {
			port = p
		}
	}
	hostname := env["RMS_HOSTNAME"]
	if hostname == "" {
		hostname = "rms"
	}
	suffix := ":" + port
	if port == "80" {
		suffix = ""
	}
	var urls []string
	mdnsOn, _ := envBoolValue(env["RMS_MDNS"], true)
	if mdnsOn {
		urls = append(urls, "http://"+hostname+".local"+suffix+"/")
	}
	if ips, err := mdns.LANAddresses(splitList(env["RMS_MDNS_INTERFACE"])); err == nil {
		for _, ip := range ips {
			if ip.To4() != nil {
				urls = append(urls, "http://"+ip.String()+suffix+"/")
			}
		}
	}
	urls = append(urls, "http://localhost"+suffix+"/")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "rms is installed. Open the staff app at:")
	for _, u := range urls {
		fmt.Fprintln(w, "  "+u)
	}
	fmt.Fprintln(w, "The kitchen display is at /kds on the same address.")
	if on, _ := envBoolValue(env["RMS_TLS"], false); on {
		tlsPort := "8443"
		if _, p, err := net.SplitHostPort(env["RMS_TLS_ADDR"]); err == nil {
			tlsPort = p
		}
		fmt.Fprintf(w, "HTTPS is on too, at https://%s.local:%s/ once a device has installed the box's certificate\n(staff app: Settings → HTTPS; or open /ca.mobileconfig on an iPad).\n", hostname, tlsPort)
	}
	if q, err := qrcode.New(urls[0], qrcode.Medium); err == nil {
		fmt.Fprintln(w, "Scan to open the staff app on a phone or iPad:")
		fmt.Fprint(w, q.ToSmallString(false))
	}
	fmt.Fprintln(w, "Upgrade later with `sudo rms upgrade FILE` or in the staff app under Settings.")
}

func envBoolValue(v string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "1", "t", "true", "yes", "on":
		return true, nil
	case "0", "f", "false", "no", "off":
		return false, nil
	}
	return def, fmt.Errorf("not a boolean: %q", v)
}

// uninstall stops and removes the service, the units and the binary. The
// data folder and the environment file stay unless --purge.
func uninstall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("uninstall", flag.ContinueOnError)
	fset.SetOutput(stderr)
	purge := fset.Bool("purge", false, "also delete the data (database, backups) and the settings")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if err := needRootAndSystemd("uninstall"); err != nil {
		return err
	}
	l := installedLayout()
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	for _, u := range []string{"rms-upgrade.path", "rms-upgrade.service", "rms.service"} {
		if unitProp(u, "LoadState") == "loaded" {
			_ = systemctl("disable", "--now", u)
		}
	}
	say("✓ stopped rms")
	for _, u := range append(unitNames, filepath.Join("rms.service.d", lowPortDropIn)) {
		if err := os.Remove(filepath.Join(l.UnitDir, u)); err == nil {
			say("✓ removed %s", filepath.Join(l.UnitDir, u))
		}
	}
	_ = os.Remove(filepath.Join(l.UnitDir, "rms.service.d")) // only when empty: an owner's own drop-ins stay
	_ = systemctl("daemon-reload")
	_ = systemctl("reset-failed", "rms.service")
	for _, p := range []string{l.Bin, l.Bin + ".previous"} {
		if err := os.Remove(p); err == nil {
			say("✓ removed %s", p)
		}
	}
	if !*purge {
		say("Kept the data in %s and the settings in %s: `rms install` brings the box back as it was; `rms uninstall --purge` deletes them.", l.Data, l.EnvFile)
		return nil
	}
	dirs := []string{filepath.Dir(l.EnvFile), l.Data}
	// With DynamicUser the data folder is a link into /var/lib/private.
	if real, err := filepath.EvalSymlinks(l.Data); err == nil && real != l.Data {
		dirs = append(dirs, real)
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		say("✓ deleted %s", d)
	}
	_ = ctx
	return nil
}

// waitHealth polls url until the box answers ok (and, when want is set,
// with that version) twice in a row, or until timeout. failed, when set,
// is asked between polls and ends the wait early with its error.
func waitHealth(ctx context.Context, url, want string, timeout time.Duration, failed func() error) (health, error) {
	deadline := time.Now().Add(timeout)
	var last error
	oks := 0
	for {
		h, err := getHealth(ctx, url)
		if err == nil && want != "" && h.Version != want {
			err = fmt.Errorf("version %s answers, not %s", h.Version, want)
		}
		if err == nil {
			if oks++; oks == 2 {
				return h, nil
			}
		} else {
			oks, last = 0, err
		}
		if failed != nil {
			if err := failed(); err != nil {
				return h, err
			}
		}
		if time.Now().After(deadline) {
			if last == nil {
				last = errors.New("no answer")
			}
			return h, last
		}
		select {
		case <-ctx.Done():
			return h, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"rms/release"
)

// The units and the example environment file `rms install` writes. They
// are embedded from systemd/, the same files the repository ships and
// TestSystemdUnit checks, so the installed unit never drifts from them.
//
//go:embed systemd/rms.service systemd/rms-upgrade.path systemd/rms-upgrade.service systemd/rms.env.example
var systemdFiles embed.FS

// unitNames are the units `rms install` writes, in the order it enables them.
var unitNames = []string{"rms.service", "rms-upgrade.path", "rms-upgrade.service"}

// Set at release build time with -ldflags "-X main.releaseKey=...": the
// minisign public key (its base64 line) that every upgrade must be signed
// with. Empty in development builds, which then refuse upgrades.
var releaseKey = ""

// layout is where an installed box lives. The paths are fixed because the
// unit files name them; only the data folder follows RMS_DATA.
type layout struct {
	Bin     string // the installed binary; Bin+".previous" is the one before
	UnitDir string
	EnvFile string
	Data    string // the data folder as root sees it
}

// installedLayout is the layout of a box installed by `rms install`, with
// the data folder from the environment file's RMS_DATA when it sets one.
func installedLayout() layout {
	l := layout{Bin: "/usr/local/bin/rms", UnitDir: "/etc/systemd/system", EnvFile: "/etc/rms/rms.env", Data: "/var/lib/rms"}
	if d := readEnvFile(l.EnvFile)["RMS_DATA"]; d != "" {
		l.Data = d
	}
	return l
}

func (l layout) upgradeDir() string { return filepath.Join(l.Data, "upgrade") }
func (l layout) dbPath() string     { return filepath.Join(l.Data, "rms.db") }

// readEnvFile reads KEY=VALUE lines, skipping comments and blank lines and
// unquoting values as systemd does for simple cases. A missing file is empty.
func readEnvFile(path string) map[string]string {
	b, _ := os.ReadFile(path)
	return parseEnv(string(b))
}

// parseEnv parses an environment file's body.
func parseEnv(body string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

// setEnv returns the environment file body with key set to value: the
// commented-out or earlier line of that key is replaced in place, or the
// line is appended. Every other line is kept as it was.
func setEnv(body, key, value string) string {
	if strings.ContainsAny(value, " \t\"'\\#") {
		value = strconv.Quote(value)
	}
	want := key + "=" + value
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	at := -1
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, key+"=") {
			at = i // an active line wins over a commented one
		} else if at < 0 && strings.HasPrefix(strings.TrimLeft(t, "#; "), key+"=") {
			at = i
		}
	}
	if at >= 0 {
		lines[at] = want
	} else {
		lines = append(lines, want)
	}
	return strings.Join(lines, "\n") + "\n"
}

// healthURL is where the installed box answers /healthz, from RMS_ADDR.
func healthURL(addr string) string {
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "", "8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}

// health is the answer of /healthz.
type health struct {
	Status, Version, DB string
}

// getHealth asks the box once.
func getHealth(ctx context.Context, url string) (health, error) {
	var h health
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return h, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return h, err
	}
	if resp.StatusCode != http.StatusOK || h.Status != "ok" {
		return h, fmt.Errorf("healthz answered %d, status %q", resp.StatusCode, h.Status)
	}
	return h, nil
}

// systemctl runs systemctl, returning its output in the error.
func systemctl(args ...string) error {
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// unitProp reads one property of a unit (systemctl show -P).
func unitProp(unit, prop string) string {
	out, _ := exec.Command("systemctl", "show", "-P", prop, unit).Output()
	return strings.TrimSpace(string(out))
}

// needRootAndSystemd refuses to go on without root or a running systemd.
func needRootAndSystemd(cmd string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s needs root: run `sudo rms %s`", cmd, cmd)
	}
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s needs systemd, and this machine does not run it; run `rms serve` by other means", cmd)
	}
	if _, err := exec.LookPath("systemctl"); err != nil {
		return fmt.Errorf("%s needs systemctl: %w", cmd, err)
	}
	return nil
}

// replaceFile writes b to path atomically with mode, unless path already
// holds exactly b. It reports whether it wrote.
func replaceFile(path string, b []byte, mode fs.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		fi, err := os.Stat(path)
		if err == nil && fi.Mode().Perm() == mode {
			return false, nil
		}
		return true, os.Chmod(path, mode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	return true, syncDir(filepath.Dir(path))
}

// swapBinary puts b at l.Bin atomically, keeping what was there as
// l.Bin+".previous" (a hard link: the old file is never absent).
func swapBinary(l layout, b []byte) error {
	if _, err := os.Stat(l.Bin); err == nil {
		prevTmp := l.Bin + ".previous.tmp"
		_ = os.Remove(prevTmp)
		if err := os.Link(l.Bin, prevTmp); err != nil {
			return fmt.Errorf("keeping the previous binary: %w", err)
		}
		if err := os.Rename(prevTmp, l.Bin+".previous"); err != nil {
			return fmt.Errorf("keeping the previous binary: %w", err)
		}
	}
	if _, err := replaceFile(l.Bin, b, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", l.Bin, err)
	}
	return nil
}

// restorePrevious puts l.Bin+".previous" back at l.Bin atomically.
func restorePrevious(l layout) error {
	tmp := l.Bin + ".rollback.tmp"
	_ = os.Remove(tmp)
	if err := os.Link(l.Bin+".previous", tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, l.Bin); err != nil {
		return err
	}
	return syncDir(filepath.Dir(l.Bin))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// fixOwnership hands the database's side files a root process may have
// created (journal, WAL, shared memory) to the data folder's owner, so the
// box, which runs as its own user, can open them again.
func fixOwnership(l layout) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = release.ChownLike(l.dbPath()+suffix, l.Data)
	}
}

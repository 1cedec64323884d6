package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rms/release"
	"rms/release/releasetest"
	"rms/store"
)

// TestReleaseUnderQEMU builds the Raspberry Pi binaries with .ci/release
// and runs them under qemu-user: version stamping, first start with
// RMS_ADMIN_PASSWORD on an empty data folder, /healthz, a login, systemd's
// READY=1, watchdog pings and STOPPING=1, today's snapshot, and a clean
// exit on SIGTERM. Skipped where qemu-user-static is missing
// (.ci/run installs it).
func TestReleaseUnderQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles twice; skipped with -short")
	}
	targets := []struct{ target, file, qemu string }{
		{"linux/arm64", "rms-linux-arm64", "qemu-aarch64-static"},
		{"linux/arm/7", "rms-linux-armv7", "qemu-arm-static"},
	}
	for _, tg := range targets {
		if _, err := exec.LookPath(tg.qemu); err != nil {
			t.Skipf("%s missing (.ci/run installs qemu-user-static)", tg.qemu)
		}
	}
	dist := t.TempDir()
	const version, commit, date = "v9.8.7-test", "abc123def456", "2026-11-26T12:00:00Z"
	// A throwaway signing key: the release signs with it and builds its
	// public key in.
	pub, priv := releasetest.Key(t)
	keyText, err := priv.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "rms.key")
	if err := os.WriteFile(keyFile, keyText, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", ".ci/release")
	cmd.Env = append(os.Environ(), "TARGETS=linux/arm64 linux/arm/7", "DIST="+dist,
		"VERSION="+version, "COMMIT="+commit, "DATE="+date, "SIGNING_KEY="+keyFile)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf(".ci/release: %v\n%s", err, out)
	}
	t.Logf(".ci/release built 2 targets in %v", time.Since(start).Round(time.Second))
	checkSums(t, dist, []string{"rms-linux-arm64", "rms-linux-armv7"})
	if got, _ := os.ReadFile(filepath.Join(dist, "minisign.pub")); release.KeyID(string(got)) != release.KeyID(pub) {
		t.Errorf("dist/minisign.pub = %q; want the signing key's public key %s", got, release.KeyID(pub))
	}

	for _, tg := range targets {
		t.Run(tg.file, func(t *testing.T) {
			bin := filepath.Join(dist, tg.file)
			fi, err := os.Stat(bin)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %.1f MiB", tg.file, float64(fi.Size())/(1<<20))

			out, err := exec.Command(tg.qemu, bin, "version").CombinedOutput()
			want := fmt.Sprintf("rms %s (commit %s, built %s)", version, commit, date)
			if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "release key "+release.KeyID(pub)) {
				t.Errorf("rms version = %q, %v; want %q and release key %s", out, err, want, release.KeyID(pub))
			}
			body, _ := os.ReadFile(bin)
			sig, _ := os.ReadFile(bin + ".minisig")
			info, err := release.Verify(pub, body, sig)
			if err != nil || info.Version != version || info.Target.String() != tg.target || info.Schema != store.LatestSchema() {
				t.Errorf("release.Verify(%s) = %+v, %v; want %s for %s, schema %d", tg.file, info, err, version, tg.target, store.LatestSchema())
			}
			runUnderQEMU(t, tg.qemu, bin, version)
		})
	}
}

func runUnderQEMU(t *testing.T, qemu, bin, version string) {
	port := releasePort(t)
	data := t.TempDir()
	cmd := exec.Command(qemu, bin, "serve", "--data", data, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--mdns=false")
	// Play systemd's part of Type=notify and WatchdogSec=1s.
	sock := filepath.Join(t.TempDir(), "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	states := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := notify.Read(buf)
			if err != nil {
				close(states)
				return
			}
			states <- string(buf[:n])
		}
	}()
	cmd.Env = append(os.Environ(), "RMS_ADMIN_PASSWORD=qemu-admin-pass", "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1000000", "WATCHDOG_PID=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log(sc.Text())
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		_ = cmd.Process.Kill()
	}()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 10 * time.Second}
	var health struct{ Status, Version, DB string }
	deadline := time.Now().Add(90 * time.Second) // emulation is slow
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&health)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("rms exited before serving: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not answer 200 within 90 s (last error %v)", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if health.Status != "ok" || health.DB != "ok" || health.Version != version {
		t.Errorf("GET /healthz = %+v; want status ok, db ok, version %s", health, version)
	}

	resp, err := client.Post(base+"/api/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"qemu-admin-pass"}`))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	var login struct {
		Token string
		User  struct{ Role string }
	}
	err = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || login.Token == "" || login.User.Role != "admin" {
		t.Errorf("login as admin = %d %+v %v; want 200 with a token for an admin", resp.StatusCode, login, err)
	}

	expectState(t, states, "READY=1")
	expectState(t, states, "WATCHDOG=1")
	for wait := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		backups, _ := filepath.Glob(filepath.Join(data, "backups", "rms-*.db"))
		if len(backups) == 1 {
			break
		}
		if time.Now().After(wait) {
			t.Errorf("daily snapshots 20 s after start = %q; want today's", backups)
			break
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("rms after SIGTERM: %v; want a clean exit", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("rms did not exit within 30 s of SIGTERM")
	}
	expectState(t, states, "STOPPING=1")
	if _, err := os.Stat(filepath.Join(data, "rms.db")); err != nil {
		t.Errorf("data folder has no rms.db: %v", err)
	}
}

// expectState waits for one sd_notify state, skipping watchdog pings
// unless that is what it waits for.
func expectState(t *testing.T, states <-chan string, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case s, ok := <-states:
			if !ok {
				t.Fatalf("notify socket closed before %s", want)
			}
			if s == want {
				return
			}
			if s != "WATCHDOG=1" {
				t.Logf("sd_notify: %q", s)
			}
		case <-timeout:
			t.Fatalf("no %s on NOTIFY_SOCKET within 20 s", want)
		}
	}
}

func checkSums(t *testing.T, dist string, files []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			sums[strings.TrimPrefix(f[1], "*")] = f[0]
		}
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if got := sums[name]; got != hex.EncodeToString(h[:]) {
			t.Errorf("SHA256SUMS for %s = %q; want %x", name, got, h)
		}
	}
}

func releasePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestSystemdUnit checks systemd/rms.service with systemd's own tools:
// `systemd-analyze verify` is clean and `systemd-analyze security` rates
// it 2.0 or lower. Skipped where systemd-analyze is missing.
func TestSystemdUnit(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze missing (install the systemd package)")
	}
	unit, err := os.ReadFile("systemd/rms.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "WatchdogSec=30s", "DynamicUser=yes", "StateDirectory=rms",
		"Restart=on-failure", "After=network-online.target", "Wants=network-online.target",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK", "SystemCallFilter=@system-service",
		"CapabilityBoundingSet=\n", "UMask=0077", "ExecStart=/usr/local/bin/rms serve"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("rms.service lacks %q", strings.TrimSpace(want))
		}
	}
	// verify insists that ExecStart's binary exists: point it at one that does.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rms.service")
	body := strings.Replace(string(unit), "ExecStart=/usr/local/bin/rms", "ExecStart="+self, 1)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s\nwant clean", err, out)
	}
	out, err = exec.Command("systemd-analyze", "security", "--offline=yes", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for rms\.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		if strings.Contains(string(out), "offline") {
			t.Skipf("this systemd-analyze cannot rate a unit file offline: %s", out)
		}
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", score)
	if score > 2.0 {
		t.Errorf("exposure level = %.1f; want 2.0 or lower\n%s", score, out)
	}
}

// TestSystemdUnitInContainer boots a real systemd (systemd-nspawn, the
// host's /usr, an otherwise empty root) with systemd/rms.service as the
// unit to start, inside a network namespace joined by a veth pair to a
// client namespace. It proves the hardened unit runs rms as it is:
// Type=notify reaches "Started", DynamicUser with StateDirectory gives it
// /var/lib/rms, mDNS answers through RestrictAddressFamilies and the
// system call filter, the watchdog (shortened by a drop-in) keeps being fed,
// and stop is clean. Skipped without root, systemd-nspawn (package
// systemd-container), dig or a merged /usr.
func TestSystemdUnitInContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a container; skipped with -short")
	}
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("needs dig (dnsutils)")
	}
	unit, err := os.ReadFile("systemd/rms.service")
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "rms")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version=nspawn-test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The unit as shipped, but for the binary's path (the host's /usr is
	// bound read-only) and a 4 s watchdog, so a few seconds prove the pings.
	files := map[string]string{
		"rms.service":   strings.Replace(string(unit), "ExecStart=/usr/local/bin/rms", "ExecStart=/opt/rms", 1),
		"watchdog.conf": "[Service]\nWatchdogSec=4s\n",
		"rms.env":       "RMS_NAME=Trattoria Roma\nRMS_ADMIN_PASSWORD=container-pass\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := bootContainer(t, containerOptions{
		Dirs: []string{"opt", "etc/systemd/system/rms.service.d", "etc/rms"},
		Binds: []string{
			"--bind-ro=" + bin + ":/opt/rms",
			"--bind-ro=" + filepath.Join(dir, "rms.service") + ":/etc/systemd/system/rms.service",
			"--bind-ro=" + filepath.Join(dir, "watchdog.conf") + ":/etc/systemd/system/rms.service.d/watchdog.conf",
			"--bind-ro=" + filepath.Join(dir, "rms.env") + ":/etc/rms/rms.env",
		},
		Args: []string{"systemd.unit=rms.service", "systemd.journald.forward_to_console=1"},
	})
	c.wait("Started rms.service", 90*time.Second)
	c.wait("data=/var/lib/rms", 10*time.Second)

	out, _ := exec.Command("ip", "netns", "exec", c.cli, "dig", "+short", "+notcp", "+tries=2", "+time=2", "-p", "5353", "@10.66.0.1", "rms.local", "A").CombinedOutput()
	if strings.TrimSpace(string(out)) != "10.66.0.1" {
		t.Errorf("rms.local A from the client = %q; want 10.66.0.1", out)
	}
	if h := c.curl("/healthz"); !strings.Contains(h, `"status":"ok"`) {
		t.Errorf("GET /healthz = %q; want ok", h)
	}
	// Three watchdog periods: a box that stopped pinging would be killed.
	time.Sleep(12 * time.Second)
	if log := c.console.String(); strings.Contains(log, "Watchdog timeout") || strings.Contains(log, "rms.service: Failed") {
		t.Fatalf("systemd gave up on rms:\n%s", log)
	}
	if h := c.curl("/healthz"); !strings.Contains(h, `"version":"nspawn-test"`) {
		t.Errorf("GET /healthz after 12 s = %q; want the same rms still serving", h)
	}

	// SIGTERM to nspawn powers the container off, stopping rms first.
	stopAt := time.Now()
	if !c.poweroff(60 * time.Second) {
		t.Error("the container did not power off within 60 s")
	}
	// rms must stop well inside the unit's TimeoutStopSec (20 s): past it
	// systemd kills the process, and sockets lose their 1001.
	took := time.Since(stopAt)
	t.Logf("the container powered off %v after SIGTERM, rms included", took.Round(time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("power-off took %v; want rms stopped well inside TimeoutStopSec (20 s)", took.Round(time.Millisecond))
	}
	if log := c.console.String(); !strings.Contains(log, "rms.service: Deactivated successfully") || !strings.Contains(log, "mdns: goodbye sent") || strings.Contains(log, "rms.service: State 'stop-sigterm' timed out") {
		t.Errorf("no clean stop with the mDNS goodbye:\n%s", log)
	}
}

// consoleLog reads the container's console as written so far.
type consoleLog string

func (c consoleLog) String() string {
	b, _ := os.ReadFile(string(c))
	return string(b)
}

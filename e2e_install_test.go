package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rms/release"
	"rms/release/releasetest"
	"rms/store"
)

// TestInstallUpgradeInContainer is the owner's box end to end, under a real
// systemd (systemd-nspawn, the host's /usr read-only, a writable
// /usr/local, /etc and /var of its own) reached from a client network
// namespace: `rms install` from scratch serves; a second install changes
// nothing; a tampered, an unsigned, another architecture's and a too-old
// release are refused before anything changes; `rms upgrade` to a newer
// signed build serves the new version with every order; a release uploaded
// in the staff app that exits at start is rolled back by itself and the
// previous version serves the same orders; `rms uninstall` keeps the data
// and a new install serves it again. The builds carry a throwaway release
// key. Skipped like TestSystemdUnitInContainer, and without nsenter.
func TestInstallUpgradeInContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a container; skipped with -short")
	}
	c := bootContainer(t, "multi-user.target")

	// The releases, built without -race: the box's own and the stand-ins.
	pub, priv := releasetest.Key(t)
	rel := c.shared
	self, schema := release.Self(), store.LatestSchema()
	build := func(name, version string) []byte {
		t.Helper()
		out := filepath.Join(rel, name)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags",
			"-X main.version="+version+" -X main.releaseKey="+pub, "-o", out, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	put := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(rel, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	read := func(path string) []byte {
		b, _ := os.ReadFile(path)
		return b
	}
	v1 := build("rms-v1", "v1.0.0-test")
	v2 := build("rms-v2", "v2.0.0-test")
	put("rms-v2.minisig", releasetest.Sign(priv, v2, "v2.0.0-test", self, schema))
	tampered := bytes.Clone(v2)
	tampered[len(tampered)/2] ^= 0x20
	put("tampered", tampered)
	put("tampered.minisig", releasetest.Sign(priv, v2, "v2.0.0-test", self, schema))
	put("unsigned", v2)
	put("old-schema", v2)
	put("old-schema.minisig", releasetest.Sign(priv, v2, "v0.9.0-test", self, schema-1))
	arm := read(releasetest.Stub(t, "linux", "arm64"))
	put("arm64", arm)
	put("arm64.minisig", releasetest.Sign(priv, arm, "v2.0.0-test", release.Target{OS: "linux", Arch: "arm64"}, schema))
	broken := read(releasetest.Stub(t, runtime.GOOS, runtime.GOARCH))
	put("broken", broken)
	put("broken.minisig", releasetest.Sign(priv, broken, "v3.0.0-broken", self, schema))

	installed := filepath.Join(c.local, "bin/rms")
	data := filepath.Join(c.root, "var/lib/private/rms")
	version := func() string {
		var h health
		json.Unmarshal([]byte(c.curl("/healthz")), &h)
		return h.Version
	}

	// Install from scratch.
	out, err := c.exec("/opt/rel/rms-v1", "install", "--name", "Trattoria Test", "--hostname", "trattoria")
	if err != nil {
		t.Fatalf("rms install: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`username admin, password (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "http://trattoria.local:8080/") || !strings.Contains(out, "http://10.66.0.1:8080/") || !strings.ContainsAny(out, "█▀▄") {
		t.Fatalf("rms install printed:\n%s\nwant the generated admin password, the addresses and a QR code", out)
	}
	t.Logf("rms install:\n%s", out)
	if v := version(); v != "v1.0.0-test" {
		t.Fatalf("GET /healthz from the client after install: version %q; want v1.0.0-test", v)
	}
	if !bytes.Equal(read(installed), v1) {
		t.Error("/usr/local/bin/rms is not the binary that ran install")
	}
	if env := string(read(filepath.Join(c.root, "etc/rms/rms.env"))); !strings.Contains(env, `RMS_NAME="Trattoria Test"`) || !strings.Contains(env, "RMS_HOSTNAME=trattoria") {
		t.Errorf("rms.env after install:\n%s\nwant the name and hostname given", env)
	}
	unit, _ := systemdFiles.ReadFile("systemd/rms.service")
	if !bytes.Equal(read(filepath.Join(c.root, "etc/systemd/system/rms.service")), unit) {
		t.Error("the installed rms.service differs from systemd/rms.service")
	}

	// Again: nothing changes, nothing restarts.
	invocation := c.prop("InvocationID")
	out, err = c.exec("/opt/rel/rms-v1", "install")
	if err != nil || !strings.Contains(out, "nothing changed") || strings.Contains(out, "password") {
		t.Errorf("second rms install: %v\n%s\nwant nothing changed and no new password", err, out)
	}
	if got := c.prop("InvocationID"); got != invocation {
		t.Errorf("second install restarted rms (invocation %s, was %s)", got, invocation)
	}

	// Orders to keep.
	token := c.login("admin", m[1])
	var cat, item, table struct{ ID int64 }
	c.api(token, "POST", "/api/menu/categories", `{"name":"Mains"}`, &cat)
	c.api(token, "POST", "/api/menu/items", fmt.Sprintf(`{"category_id":%d,"name":"Lasagne","price_cents":1250}`, cat.ID), &item)
	c.api(token, "POST", "/api/tables", `{"name":"T1","seats":4}`, &table)
	for i := range 3 {
		var o struct{ ID int64 }
		c.api(token, "POST", "/api/orders", fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":%d}]}`, table.ID, item.ID, i+1), &o)
	}
	orders := func(token string) []int64 {
		var list []struct{ ID int64 }
		c.api(token, "GET", "/api/orders", "", &list)
		ids := make([]int64, len(list))
		for i, o := range list {
			ids[i] = o.ID
		}
		return ids
	}
	before := orders(token)
	if len(before) != 3 {
		t.Fatalf("orders = %v; want 3", before)
	}

	// Refused before anything changes.
	for _, r := range []struct{ file, want string }{
		{"tampered", "changed or damaged"},
		{"unsigned", "no signature"},
		{"arm64", "linux/arm64"},
		{"old-schema", "schema"},
	} {
		out, err := c.exec("/usr/local/bin/rms", "upgrade", "/opt/rel/"+r.file)
		if err == nil || !strings.Contains(out, "Refused") || !strings.Contains(out, r.want) {
			t.Errorf("rms upgrade %s: %v\n%s\nwant refused (%q)", r.file, err, out, r.want)
		}
	}
	if !bytes.Equal(read(installed), v1) || c.prop("InvocationID") != invocation || version() != "v1.0.0-test" {
		t.Fatal("a refused upgrade changed the installed binary or restarted rms")
	}
	if b, _ := filepath.Glob(filepath.Join(data, "backups", "pre-upgrade-*")); len(b) > 0 {
		t.Errorf("a refused upgrade made backups %v", b)
	}

	// Upgrade to a newer signed build.
	out, err = c.exec("/usr/local/bin/rms", "upgrade", "/opt/rel/rms-v2")
	if err != nil {
		t.Fatalf("rms upgrade rms-v2: %v\n%s", err, out)
	}
	t.Logf("rms upgrade:\n%s", out)
	if v := version(); v != "v2.0.0-test" {
		t.Fatalf("version after upgrade = %q; want v2.0.0-test", v)
	}
	token = c.login("admin", m[1])
	if got := orders(token); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("orders after upgrade = %v; want %v", got, before)
	}
	if !bytes.Equal(read(installed), v2) || !bytes.Equal(read(installed+".previous"), v1) {
		t.Error("after upgrade: want rms-v2 installed and rms-v1 kept as rms.previous")
	}
	if b, _ := filepath.Glob(filepath.Join(data, "backups", "pre-upgrade-v1.0.0-test-*.db")); len(b) != 1 {
		t.Errorf("pre-upgrade backups = %v; want one", b)
	}

	// The staff app's upload: a release that exits at start rolls back.
	var view struct {
		CanUpload bool            `json:"can_upload"`
		Why       string          `json:"why"`
		Last      *release.Status `json:"last"`
	}
	c.api(token, "GET", "/api/system/upgrade", "", &view)
	if !view.CanUpload || view.Last == nil || view.Last.State != release.StateDone {
		t.Fatalf("GET /api/system/upgrade = %+v; want uploads possible and the last upgrade done", view)
	}
	start := time.Now()
	up := c.curl("-X", "POST", "-H", "Authorization: Bearer "+token,
		"-F", "file=@"+filepath.Join(rel, "broken"), "-F", "signature=@"+filepath.Join(rel, "broken.minisig"), "/api/system/upgrade")
	if !strings.Contains(up, `"state":"queued"`) {
		t.Fatalf("upload of the broken release = %s; want it queued", up)
	}
	for {
		var v struct{ Last *release.Status }
		if err := json.Unmarshal([]byte(c.curl("-H", "Authorization: Bearer "+token, "/api/system/upgrade")), &v); err == nil && v.Last != nil && v.Last.Finished() {
			view.Last = v.Last
			break
		}
		if time.Since(start) > 3*time.Minute {
			t.Fatalf("the uploaded upgrade did not finish within 3 minutes:\n%s", c.journal("rms-upgrade"))
		}
		time.Sleep(time.Second)
	}
	var steps []string
	for _, s := range view.Last.Steps {
		steps = append(steps, s.Text)
	}
	t.Logf("upload rolled back in %v:\n%s", time.Since(start).Round(time.Second), strings.Join(steps, "\n"))
	if view.Last.State != release.StateRolledBack || view.Last.To != "v3.0.0-broken" || view.Last.By != "admin" || !strings.Contains(steps[0], "admin uploaded") {
		t.Errorf("last upgrade = %s from %s to %s by %s; want rolled_back to v3.0.0-broken by admin", view.Last.State, view.Last.From, view.Last.To, view.Last.By)
	}
	if v := version(); v != "v2.0.0-test" {
		t.Errorf("version after rollback = %q; want v2.0.0-test", v)
	}
	if got := orders(token); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("orders after rollback = %v; want %v", got, before)
	}
	if !bytes.Equal(read(installed), v2) {
		t.Error("after rollback /usr/local/bin/rms is not rms-v2")
	}

	// Uninstall keeps the data; a new install serves it again.
	out, err = c.exec("/usr/local/bin/rms", "uninstall")
	if err != nil || !strings.Contains(out, "Kept the data") {
		t.Errorf("rms uninstall: %v\n%s", err, out)
	}
	if _, err := os.Stat(installed); err == nil || c.curl("-o", "/dev/null", "-w", "%{http_code}", "/healthz") != "000" {
		t.Error("rms still installed or serving after uninstall")
	}
	if out, err = c.exec("/opt/rel/rms-v2", "install"); err != nil || strings.Contains(out, "password") {
		t.Fatalf("install after uninstall: %v\n%s\nwant the old admin kept", err, out)
	}
	if got := orders(c.login("admin", m[1])); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("orders after uninstall and install = %v; want %v", got, before)
	}
}

// container is a booted systemd in its own network namespace, with a
// client namespace at 10.66.0.2 that reaches it at 10.66.0.1.
type container struct {
	t      *testing.T
	root   string // the container's root, as the host sees it
	shared string // bound read-only at /opt/rel inside
	local  string // bound at /usr/local inside (the host's /usr is read-only)
	cli    string // the client network namespace
	pid    int    // the container's init, as the host sees it
}

// bootContainer boots systemd to unit in a container like the one
// TestSystemdUnitInContainer uses, with nothing installed, and waits until
// it has booted. Cleanup powers it off.
func bootContainer(t *testing.T, unit string) *container {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for systemd-nspawn and network namespaces")
	}
	for _, tool := range []string{"systemd-nspawn", "ip", "curl", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (systemd-container, iproute2, curl, util-linux)", tool)
		}
	}
	if l, err := os.Readlink("/bin"); err != nil || l != "usr/bin" {
		t.Skip("needs a merged /usr (/bin -> usr/bin) to boot the host's /usr")
	}
	dir := t.TempDir()
	c := &container{t: t, root: filepath.Join(dir, "root"), shared: filepath.Join(dir, "rel"), local: filepath.Join(dir, "local")}
	if err := os.MkdirAll(filepath.Join(c.local, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"usr", "etc/systemd/system", "var/lib", "tmp", "root", "proc", "sys", "dev", "run", "opt/rel"} {
		if err := os.MkdirAll(filepath.Join(c.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(c.shared, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		if target, err := os.Readlink("/" + l); err == nil {
			if err := os.Symlink(target, filepath.Join(c.root, l)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range []string{"os-release", "passwd", "group", "nsswitch.conf"} {
		if b, err := os.ReadFile("/etc/" + f); err == nil {
			_ = os.WriteFile(filepath.Join(c.root, "etc", f), b, 0o644)
		}
	}
	_ = os.WriteFile(filepath.Join(c.root, "etc", "machine-id"), nil, 0o444)

	box := fmt.Sprintf("rms%d-ib", os.Getpid())
	c.cli = fmt.Sprintf("rms%d-ic", os.Getpid())
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", box)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", box).Run() })
	ip("netns", "add", c.cli)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", c.cli).Run() })
	ip("-n", box, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1", "netns", c.cli)
	ip("-n", box, "addr", "add", "10.66.0.1/24", "dev", "eth0")
	ip("-n", c.cli, "addr", "add", "10.66.0.2/24", "dev", "eth1")
	ip("-n", box, "link", "set", "eth0", "up")
	ip("-n", c.cli, "link", "set", "eth1", "up")
	ip("-n", box, "link", "set", "lo", "up")

	console, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { console.Close() })
	nspawn := exec.Command("systemd-nspawn", "-D", c.root, "--keep-unit", "--register=no",
		"--network-namespace-path=/run/netns/"+box, "--machine="+box,
		"--bind-ro=/usr", "--bind="+c.local+":/usr/local",
		"--bind-ro="+c.shared+":/opt/rel",
		"-b", "systemd.unit="+unit)
	nspawn.Stdout, nspawn.Stderr = console, console
	if err := nspawn.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = nspawn.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = nspawn.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = nspawn.Process.Kill()
			<-exited
		}
	})
	log := consoleLog(console.Name())
	deadline := time.Now().Add(90 * time.Second)
	for {
		if c.pid == 0 {
			c.pid = initIn("/run/netns/" + box)
		}
		if c.pid != 0 {
			state, _ := c.exec("/usr/bin/systemctl", "is-system-running")
			if s := strings.TrimSpace(state); s == "running" || s == "degraded" {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("the container stopped while booting:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container did not boot within 90 s:\n%s", log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("journal of rms:\n%s", c.journal("rms"))
		}
	})
	return c
}

// initIn finds the init (pid 1 inside) of the container in network
// namespace netns, or 0.
func initIn(netns string) int {
	var want syscall.Stat_t
	if err := syscall.Stat(netns, &want); err != nil {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		var st syscall.Stat_t
		if syscall.Stat(p+"/ns/net", &st) != nil || st.Ino != want.Ino {
			continue
		}
		status, _ := os.ReadFile(p + "/status")
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "NSpid:" && f[len(f)-1] == "1" {
				pid, _ := strconv.Atoi(filepath.Base(p))
				return pid
			}
		}
	}
	return 0
}

// exec runs a command inside the container as root, with its output.
func (c *container) exec(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.pid), "-m", "-u", "-i", "-n", "-p", "--"}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/sbin:/usr/bin", "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// prop is a property of rms.service.
func (c *container) prop(name string) string {
	out, _ := c.exec("/usr/bin/systemctl", "show", "-P", name, "rms.service")
	return strings.TrimSpace(out)
}

func (c *container) journal(unit string) string {
	out, _ := c.exec("/usr/bin/journalctl", "--no-pager", "-n", "80", "-u", unit)
	return out
}

// curl runs curl in the client namespace against the box; the last
// argument is the path.
func (c *container) curl(args ...string) string {
	path := args[len(args)-1]
	args = append([]string{"netns", "exec", c.cli, "curl", "-s", "-m", "20"}, args[:len(args)-1]...)
	out, _ := exec.Command("ip", append(args, "http://10.66.0.1:8080"+path)...).Output()
	return string(out)
}

// api calls the API from the client namespace and decodes a 2xx answer.
func (c *container) api(token, method, path, body string, out any) {
	c.t.Helper()
	args := []string{"-X", method, "-w", "\n%{http_code}"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	raw := c.curl(append(args, path)...)
	i := strings.LastIndexByte(raw, '\n')
	if i < 0 || !strings.HasPrefix(raw[i+1:], "2") {
		c.t.Fatalf("%s %s = %q; want 2xx", method, path, raw)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(raw[:i]), out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw[:i])
		}
	}
}

func (c *container) login(username, password string) string {
	c.t.Helper()
	var l struct{ Token string }
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	c.api("", "POST", "/api/auth/login", string(b), &l)
	return l.Token
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
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
// previous version serves the same orders; a release that migrates the
// database and then fails is rolled back with the database restored from
// its backup; `rms uninstall` keeps the data and a new install serves it
// again; `--addr :80` serves on port 80. The builds carry a throwaway
// release key. Skipped without what bootContainer needs.
func TestInstallUpgradeInContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a container; skipped with -short")
	}
	c := bootContainer(t, containerOptions{Args: []string{"systemd.unit=multi-user.target"}})

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
	// A release whose first new migration applies and whose second fails:
	// it changes the database, then exits at every start.
	migrating := buildMigrating(t, filepath.Join(rel, "migrating"), "-X main.version=v4.0.0-migrating -X main.releaseKey="+pub)
	put("migrating.minisig", releasetest.Sign(priv, migrating, "v4.0.0-migrating", self, 9999))
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

	// A release that migrated the database and then failed: the database
	// comes back from the backup, with every order, and the schema of v2.
	out, err = c.exec("/usr/local/bin/rms", "upgrade", "/opt/rel/migrating")
	t.Logf("rms upgrade migrating:\n%s", out)
	if err == nil || !strings.Contains(out, "restored it from") || !strings.Contains(out, "serves again") {
		t.Errorf("rms upgrade migrating: %v\n%s\nwant the database restored and v2 serving", err, out)
	}
	if v := version(); v != "v2.0.0-test" {
		t.Errorf("version after the migrating rollback = %q; want v2.0.0-test", v)
	}
	var sv struct {
		Schema int `json:"schema_version"`
	}
	c.api(token, "GET", "/api/system/upgrade", "", &sv)
	if sv.Schema != schema {
		t.Errorf("schema after the rollback = %d; want %d (the migration undone)", sv.Schema, schema)
	}
	if got := orders(token); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("orders after the migrating rollback = %v; want %v", got, before)
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

	// Port 80: one option, and the capability comes with a drop-in.
	if out, err = c.exec("/usr/local/bin/rms", "install", "--addr", ":80"); err != nil {
		t.Fatalf("rms install --addr :80: %v\n%s", err, out)
	}
	h80, _ := exec.Command("ip", "netns", "exec", c.cli, "curl", "-s", "-m", "10", "http://10.66.0.1/healthz").Output()
	if !strings.Contains(string(h80), `"version":"v2.0.0-test"`) || !strings.Contains(out, "http://trattoria.local/") {
		t.Errorf("after install --addr :80: GET http://10.66.0.1/healthz = %q, install printed\n%s\nwant rms on port 80", h80, out)
	}
}

// buildMigrating builds rms from a copy of this module with two more
// migrations, 9998 that applies and 9999 that fails, to out (with ldflags),
// and returns the binary.
func buildMigrating(t *testing.T, out, ldflags string) []byte {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == ".git" || p == "dist" || p == "data" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() || p == "rms" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(src, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"9998_upgrade_probe.sql": "CREATE TABLE upgrade_probe (x INTEGER) STRICT;\n",
		"9999_broken.sql":        "THIS IS NOT SQL;\n",
	} {
		if err := os.WriteFile(filepath.Join(src, "store", "migrations", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build (migrating): %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHealthzDatabaseDown: with the database gone the health check says so
// with a 503, in JSON, and the API answers 500 in the envelope without
// telling what broke.
func TestHealthzDatabaseDown(t *testing.T) {
	ts := newTestServer(t)
	ts.store.Close()
	var out map[string]any
	r := ts.do(t, "GET", "/healthz", "", nil)
	if r.status != 503 {
		t.Fatalf("GET /healthz with the database closed status = %d (%s); want 503", r.status, r.body)
	}
	r.decode(t, &out)
	if out["status"] != "error" || out["db"] != "error" || out["version"] != "test" {
		t.Errorf("GET /healthz with the database closed = %v; want status and db error", out)
	}
	e := expectError(t, "GET /api/menu with the database closed", ts.do(t, "GET", "/api/menu", ts.admin, nil), 500, "internal")
	if e.Error.Message == "" || containsAny(e.Error.Message, "sql", "closed", "database") {
		t.Errorf("500 message = %q; want nothing internal", e.Error.Message)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestHealthzDiskAndBackup: /healthz tells free disk and the newest daily
// snapshot, and the admin's system status adds the database size.
func TestHealthzDiskAndBackup(t *testing.T) {
	backups := filepath.Join(t.TempDir(), "backups")
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.BackupDir = backups }})
	var out struct {
		Status     string     `json:"status"`
		DiskFree   *uint64    `json:"disk_free_bytes"`
		LastBackup *time.Time `json:"last_backup"`
	}
	ts.must(t, 200, "GET", "/healthz", "", nil, &out)
	if out.Status != "ok" || out.DiskFree == nil || *out.DiskFree == 0 {
		t.Errorf("GET /healthz = %+v; want ok with the free disk", out)
	}
	if out.LastBackup != nil {
		t.Errorf("GET /healthz last_backup = %v with no backup yet; want null", out.LastBackup)
	}
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"rms-2026-12-04.db", "rms-2026-12-05.db", "manual.db"} {
		if err := ts.store.Backup(t.Context(), filepath.Join(backups, name)); err != nil {
			t.Fatalf("Backup: %v", err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(filepath.Join(backups, "rms-2026-12-04.db"), old, old); err != nil {
		t.Fatal(err)
	}
	ts.must(t, 200, "GET", "/healthz", "", nil, &out)
	if out.LastBackup == nil || time.Since(*out.LastBackup) > time.Minute {
		t.Errorf("GET /healthz last_backup = %v; want the newest snapshot, just written", out.LastBackup)
	}

	var sys struct {
		Disk struct {
			Free  uint64 `json:"free_bytes"`
			Total uint64 `json:"total_bytes"`
		} `json:"disk"`
		LastBackup struct {
			Name string `json:"name"`
			Size int64  `json:"size_bytes"`
		} `json:"last_backup"`
		DBSize int64 `json:"db_size_bytes"`
	}
	ts.must(t, 200, "GET", "/api/system/status", ts.admin, nil, &sys)
	if sys.Disk.Free == 0 || sys.Disk.Total < sys.Disk.Free {
		t.Errorf("system status disk = %+v; want free within total", sys.Disk)
	}
	if sys.LastBackup.Name != "rms-2026-12-05.db" || sys.LastBackup.Size <= 0 {
		t.Errorf("system status last_backup = %+v; want rms-2026-12-05.db", sys.LastBackup)
	}
	fi, err := os.Stat(ts.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if sys.DBSize < fi.Size() {
		t.Errorf("system status db_size_bytes = %d; want at least the file's %d", sys.DBSize, fi.Size())
	}
	expectError(t, "GET /api/system/status as a waiter", ts.do(t, "GET", "/api/system/status", ts.waiter, nil), 403, "forbidden")
}

package server

import (
	"strings"
	"testing"
)

// TestHealthzDatabaseDown: with the database gone the health check says so
// with a 503, in JSON, and the API answers 500 in the envelope without
// telling what broke.
func TestHealthzDatabaseDown(t *testing.T) {
	ts := newTestServer(t)
	ts.store.Close()
	var out map[string]string
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

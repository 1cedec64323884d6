package server

import (
	"net/http"
	"testing"
)

func TestHealthz(t *testing.T) {
	ts := newTestServer(t)
	var out map[string]any
	ts.must(t, http.StatusOK, "GET", "/healthz", "", nil, &out)
	if out["status"] != "ok" || out["db"] != "ok" || out["version"] != "test" {
		t.Errorf("GET /healthz = %v; want status ok, db ok, version test", out)
	}
}

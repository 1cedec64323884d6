package server

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/coder/websocket"
)

// scrapeMetrics fetches /metrics from loopback with no token and parses it
// with Prometheus' own text parser: a malformed exposition fails here.
func scrapeMetrics(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics from loopback = %d; want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics Content-Type = %q; want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue finds the sample of family name whose labels include want.
func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsScrape: after real traffic (orders placed, a WebSocket open,
// a backup on disk) every figure of the contract is there and moved.
func TestMetricsScrape(t *testing.T) {
	backups := filepath.Join(t.TempDir(), "backups")
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.BackupDir = backups }})
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.Backup(t.Context(), filepath.Join(backups, "rms-2026-12-05.db")); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	tableID, itemID, _ := ts.seedMenu(t)
	for range 3 {
		ts.must(t, 201, "POST", "/api/orders", ts.waiter, map[string]any{"table_id": tableID, "items": []map[string]any{{"menu_item_id": itemID, "quantity": 1}}}, nil)
	}
	ts.do(t, "GET", "/api/orders/999999", ts.waiter, nil)
	wc := dialWS(t, &wsBox{testServer: ts}, nil)
	wc.auth(ts.waiter)

	fams := scrapeMetrics(t, ts)
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"rms_http_requests_total", map[string]string{"route": "/api/orders", "method": "POST", "status": "201"}, 3},
		{"rms_http_requests_total", map[string]string{"route": "/api/orders/:id", "method": "GET", "status": "404"}, 1},
		{"rms_http_request_duration_seconds", map[string]string{"route": "/api/orders"}, 3},
		{"rms_connections", map[string]string{"endpoint": "ws"}, 1},
		{"rms_connections", map[string]string{"endpoint": "socketio"}, 0},
		{"rms_events_total", nil, 3},
		{"rms_event_deliveries_total", nil, 0},
		{"rms_slow_client_closes_total", nil, 0},
		{"rms_store_commit_writes", nil, 3},
		{"rms_store_commit_seconds", nil, 3},
		{"rms_db_size_bytes", nil, 4096},
		{"rms_disk_free_bytes", nil, 1},
		{"rms_last_backup_timestamp_seconds", nil, float64(time.Now().Add(-time.Hour).Unix())},
		{"go_goroutines", nil, 1},
	}
	for _, c := range checks {
		v, ok := metricValue(t, fams, c.name, c.labels)
		if !ok {
			t.Errorf("/metrics has no %s%v", c.name, c.labels)
			continue
		}
		if v < c.min {
			t.Errorf("/metrics %s%v = %v; want at least %v", c.name, c.labels, v, c.min)
		}
	}
	if f := fams["rms_http_requests_total"]; f != nil && f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("rms_http_requests_total type = %v; want counter", f.GetType())
	}
	if _, ok := fams["rms_print_jobs"]; !ok {
		// No printer, no job: the family is declared but empty, which
		// the text format leaves out. Queue one to see it.
		var p struct{ ID int64 }
		ts.must(t, 201, "POST", "/api/printers", ts.admin, map[string]any{"name": "Bar", "address": "127.0.0.1:9", "kind": "receipt"}, &p)
		ts.do(t, "POST", fmt.Sprintf("/api/printers/%d/test", p.ID), ts.admin, nil)
		fams = scrapeMetrics(t, ts)
		if v, ok := metricValue(t, fams, "rms_print_jobs", map[string]string{"state": "queued"}); !ok || v < 1 {
			t.Errorf("/metrics rms_print_jobs{state=queued} = %v, %v; want at least 1 after a test print", v, ok)
		}
	}

	wc.c.Close(websocket.StatusNormalClosure, "done")
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := metricValue(t, scrapeMetrics(t, ts), "rms_connections", map[string]string{"endpoint": "ws"})
		if v == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rms_connections{ws} = %v after the socket closed; want 0", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsAccess: from the LAN only an admin token may read /metrics;
// from the box itself anyone may (checked by TestMetricsScrape).
func TestMetricsAccess(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct {
		name, token string
		want        int
	}{{"no token", "", 401}, {"waiter", ts.waiter, 403}, {"chef", ts.chef, 403}, {"admin", ts.admin, 200}} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Host = "127.0.0.1"
		// A documentation address: only the value is read, nothing is sent.
		req.RemoteAddr = "192.0.2.10:40000"
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		rec := httptest.NewRecorder()
		ts.srv.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("GET /metrics from the LAN with %s = %d (%.200s); want %d", c.name, rec.Code, rec.Body, c.want)
		}
		if c.want == 200 && !strings.Contains(rec.Body.String(), "rms_http_requests_total") {
			t.Errorf("GET /metrics as admin lacks rms_http_requests_total")
		}
		if c.want != 200 && strings.Contains(rec.Body.String(), "go_goroutines") {
			t.Errorf("GET /metrics with %s leaked the metrics", c.name)
		}
	}
}

package server

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHostPolicyEveryRoute is finding 5: REST, pages and /socket.io/ did
// not check Host (only /ws did), so a DNS-rebinding page could try
// passwords and pairing codes. Every route the box has (and paths it does
// not have) refuses a public Host name and a foreign Origin with 403 in
// the envelope, before anything else happens.
func TestHostPolicyEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	param := regexp.MustCompile(`:[a-z_]+`)
	paths := map[string]bool{"/api/nothing-here": true, "/socket.io/?EIO=4&transport=polling": true}
	type call struct{ method, path string }
	var calls []call
	for _, r := range ts.srv.echo.Routes() {
		if r.Method == "echo_route_not_found" {
			continue
		}
		p := strings.ReplaceAll(param.ReplaceAllString(r.Path, "1"), "*", "x")
		calls = append(calls, call{r.Method, p})
	}
	for p := range paths {
		calls = append(calls, call{"GET", p}, call{"POST", p})
	}
	bad := []struct {
		name   string
		header []string
	}{
		{"a rebinding page's Host", []string{"Host", "attacker.example.com"}},
		{"a rebinding page's Host and Origin", []string{"Host", "attacker.example.com:8080", "Origin", "http://attacker.example.com:8080"}},
		{"another LAN page's Origin", []string{"Origin", "http://192.168.1.50"}},
		{"an opaque Origin", []string{"Origin", "null"}},
	}
	for _, c := range calls {
		for _, b := range bad {
			r := ts.doHost(t, c.method, c.path, ts.admin, `{"username":"admin","password":"admin123"}`, b.header...)
			if r.status != http.StatusForbidden || r.errorCode() != "forbidden" {
				t.Errorf("%s %s with %s: status %d (%.80s); want 403 forbidden", c.method, c.path, b.name, r.status, r.body)
			}
		}
	}
	// The box's own names and same-origin pages pass.
	for _, h := range [][]string{{"Host", "rms.local:8080"}, {"Host", "192.168.1.20:8080", "Origin", "http://192.168.1.20:8080"}, {"Host", "localhost"}, {"Host", "rms"}} {
		if r := ts.doHost(t, "GET", "/api/auth/me", ts.admin, "", h...); r.status != http.StatusOK {
			t.Errorf("GET /api/auth/me with %v: status %d (%s); want 200", h, r.status, r.body)
		}
	}
}

// TestHostPolicyAllowedOrigins: an origin in --allowed-origins is admitted
// for REST as for /ws, and "*" opens the box.
func TestHostPolicyAllowedOrigins(t *testing.T) {
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.AllowedOrigins = []string{"https://pos.example.com"} }})
	if r := ts.doHost(t, "GET", "/api/auth/me", ts.admin, "", "Origin", "https://pos.example.com"); r.status != http.StatusOK {
		t.Errorf("allowed origin: status %d; want 200", r.status)
	}
	if r := ts.doHost(t, "GET", "/api/auth/me", ts.admin, "", "Host", "pos.example.com"); r.status != http.StatusOK {
		t.Errorf("allowed origin's host: status %d; want 200", r.status)
	}
	if r := ts.doHost(t, "GET", "/api/auth/me", ts.admin, "", "Origin", "https://other.example.com"); r.status != http.StatusForbidden {
		t.Errorf("other origin: status %d; want 403", r.status)
	}
}

// TestJSONRoutesRefuseOtherBodies is finding 5's second half: a JSON route
// refuses a body that is not declared JSON with 415 (a form or text/plain
// is what another site's page can send without a CORS preflight), and
// changes nothing; routes that take images keep taking them.
func TestJSONRoutesRefuseOtherBodies(t *testing.T) {
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	order := `{"table_id":` + strconv.FormatInt(tableID, 10) + `,"items":[{"menu_item_id":` + strconv.FormatInt(itemID, 10) + `,"quantity":1}]}`
	tests := []struct {
		path, token, body, ct string
		want                  int
	}{
		{"/api/auth/login", "", `{"username":"admin","password":"admin123"}`, "text/plain;charset=UTF-8", 415},
		{"/api/auth/login", "", `username=admin&password=admin123`, "application/x-www-form-urlencoded", 415},
		{"/api/auth/login", "", `{"username":"admin","password":"admin123"}`, "", 415},
		{"/api/auth/login", "", `{"username":"admin","password":"admin123"}`, "multipart/form-data; boundary=x", 415},
		{"/api/pair", "", `{"code":"123456"}`, "text/plain", 415},
		{"/api/orders", ts.waiter, order, "text/plain", 415},
		{"/api/auth/login", "", `{"username":"admin","password":"admin123"}`, "application/json; charset=utf-8", 200},
		{"/api/orders", ts.waiter, order, "application/json", 201},
		{"/api/orders", ts.waiter, order, "application/merge-patch+json", 201},
	}
	for _, tt := range tests {
		r := ts.do(t, "POST", tt.path, tt.token, tt.body, "Content-Type", tt.ct)
		if tt.want == 415 {
			expectError(t, "POST "+tt.path+" as "+tt.ct, r, 415, "unsupported_media_type")
		} else if r.status != tt.want {
			t.Errorf("POST %s as %s: status %d (%s); want %d", tt.path, tt.ct, r.status, r.body, tt.want)
		}
	}
	var orders []map[string]any
	ts.must(t, 200, "GET", "/api/orders", ts.admin, nil, &orders)
	if len(orders) != 2 {
		t.Errorf("orders = %d; want 2 (the refused ones made nothing)", len(orders))
	}
	// A route that takes an image is not a JSON route.
	r := ts.do(t, "PUT", "/api/menu/items/"+strconv.FormatInt(itemID, 10)+"/image", ts.admin, pngBytes(t, 8, 8), "Content-Type", "image/png")
	if r.status == http.StatusUnsupportedMediaType || r.status >= 300 {
		t.Errorf("PUT image as image/png: status %d (%s); want it taken", r.status, r.body)
	}
}

// doHost is do with raw header lines, Host among them.
func (ts *testServer) doHost(t *testing.T, method, path, token, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

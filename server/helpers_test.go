package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"rms/hub"
	"rms/store"
)

// testServer is a real box on httptest: a SQLite file in t.TempDir(), a
// hub and the server, with tokens for one user of each staff role.
type testServer struct {
	*httptest.Server
	store  *store.Store
	hub    *hub.Hub
	srv    *Server
	dir    string
	secret []byte

	admin, waiter, chef string // tokens
}

// testAssets stands in for web/ where a test does not look at pages.
var testAssets = fstest.MapFS{
	"staff/index.html": {Data: []byte("<!doctype html><title>staff</title>")},
	"kds/index.html":   {Data: []byte("<!doctype html><title>kds</title>")},
	"t/index.html":     {Data: []byte("<!doctype html><title>table</title>")},
	"lib/api.js":       {Data: []byte("export {}")},
}

type testOptions struct {
	dir    string // reuse a data folder (restart); empty: a new one
	secret []byte // reuse a secret (restart)
	now    func() time.Time
	tweak  func(*Options)
	// tableLimits keeps the default limits of what a table may order;
	// without it they are raised to their maximum, so that tests placing
	// many orders from one iPad test what they are about.
	tableLimits bool
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerWith(t, testOptions{})
}

func newTestServerWith(t testing.TB, o testOptions) *testServer {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.secret == nil {
		o.secret = make([]byte, 32)
		rand.Read(o.secret)
	}
	st, err := store.Open(context.Background(), filepath.Join(o.dir, "rms.db"), store.Options{BcryptCost: 4, Now: o.now})
	if err != nil {
		t.Fatalf("store.Open() err = %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(hub.Options{Logger: log})
	opts := Options{Store: st, Hub: h, Assets: testAssets, Logger: log, Secret: o.secret, Version: "test", Now: o.now}
	if o.tweak != nil {
		o.tweak(&opts)
		if opts.Hub != h {
			h.Close() // the test brought a hub of its own
		}
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	if err := Relay(context.Background(), st, opts.Hub); err != nil {
		t.Fatalf("Relay() err = %v", err)
	}
	ts := &testServer{Server: httptest.NewServer(srv), store: st, hub: opts.Hub, srv: srv, dir: o.dir, secret: o.secret}
	t.Cleanup(ts.close)
	ctx := context.Background()
	if n, _ := st.CountUsers(ctx); n == 0 {
		for _, u := range []store.NewUser{{Username: "admin", Role: "admin", Password: "admin123"},
			{Username: "ana", Role: "waiter", Password: "waiter123"}, {Username: "marco", Role: "chef", Password: "chef123"}} {
			if _, err := st.CreateUser(ctx, u); err != nil {
				t.Fatalf("CreateUser(%s) err = %v", u.Username, err)
			}
		}
	}
	if !o.tableLimits {
		most := func(v int64) *int64 { return &v }
		if _, err := st.UpdateSettings(ctx, store.SettingsPatch{TableLimitsPatch: store.TableLimitsPatch{MaxLinesPerOrder: most(store.MaxOrderLines),
			MaxNoteChars: most(500), MaxOrdersPerMinute: most(60), MaxOpenOrders: most(200)}}); err != nil {
			t.Fatalf("UpdateSettings(table limits) err = %v", err)
		}
	}
	ts.admin = ts.login(t, "admin", "admin123")
	ts.waiter = ts.login(t, "ana", "waiter123")
	ts.chef = ts.login(t, "marco", "chef123")
	return ts
}

func (ts *testServer) close() {
	ts.Server.Close()
	ts.hub.Close()
	ts.store.Close()
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode returns the envelope's error code, or "" if the body is not one.
func (r response) errorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// do sends body (raw if it is a string or []byte, else JSON-encoded) as token.
func (ts *testServer) do(t testing.TB, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s err = %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must is do that fails the test unless the status is want, decoding into out.
func (ts *testServer) must(t testing.TB, want int, method, path, token string, body, out any) response {
	t.Helper()
	r := ts.do(t, method, path, token, body)
	if r.status != want {
		t.Fatalf("%s %s status = %d (%s); want %d", method, path, r.status, r.body, want)
	}
	if out != nil {
		r.decode(t, out)
	}
	return r
}

func (ts *testServer) login(t testing.TB, username, password string) string {
	t.Helper()
	var out struct{ Token string }
	ts.must(t, http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"username": username, "password": password}, &out)
	return out.Token
}

// seedMenu makes a category with two items (one on the bar station) and a
// table, and returns their ids.
func (ts *testServer) seedMenu(t testing.TB) (tableID, itemID, barItemID int64) {
	t.Helper()
	var cat store.Category
	ts.must(t, 201, "POST", "/api/menu/categories", ts.admin, map[string]any{"name": "Mains"}, &cat)
	var it, bar store.Item
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": "Lasagne", "price_cents": 1250, "allergens": []string{"gluten", "milk"}}, &it)
	ts.must(t, 201, "POST", "/api/menu/items", ts.admin, map[string]any{"category_id": cat.ID, "name": "Spritz", "price_cents": 800, "station": "bar"}, &bar)
	var tb store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": "T1", "seats": 4, "section": "Main"}, &tb)
	return tb.ID, it.ID, bar.ID
}

// pair trades a fresh pairing code of table id for its customer token.
func (ts *testServer) pair(t testing.TB, id int64) string {
	t.Helper()
	var p struct{ Code string }
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", id), ts.waiter, nil, &p)
	var out struct{ Token string }
	ts.must(t, 200, "POST", "/api/pair", "", map[string]string{"code": p.Code}, &out)
	return out.Token
}

// events returns the outbox rows after seq, oldest first.
func (ts *testServer) events(t testing.TB, after int64) []store.Event {
	t.Helper()
	var all []store.Event
	for _, room := range []string{"orders", "tables", "kds", "menu"} {
		evs, err := ts.store.EventsSince(context.Background(), room, after, 10000)
		if err != nil {
			t.Fatalf("EventsSince() err = %v", err)
		}
		all = append(all, evs...)
	}
	seen := map[int64]bool{}
	var out []store.Event
	for _, e := range all {
		if !seen[e.Seq] {
			seen[e.Seq] = true
			out = append(out, e)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Seq < out[j-1].Seq; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (ts *testServer) lastSeq(t testing.TB) int64 {
	t.Helper()
	seq, err := ts.store.LastSeq(context.Background())
	if err != nil {
		t.Fatalf("LastSeq() err = %v", err)
	}
	return seq
}

// upgradeStatus sends a WebSocket upgrade of /ws with the given Host and
// Origin (empty: the client's own, or none) and token (may be empty), and
// returns the status the box answered.
func upgradeStatus(t testing.TB, baseURL, host, origin, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", baseURL+"/ws", nil)
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /ws host %q origin %q: %v", host, origin, err)
	}
	res.Body.Close()
	return res.StatusCode
}

package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
)

// newSIOBox is a wsBox whose held Socket.IO polls are answered before the
// test server waits for its requests to end.
func newSIOBox(t *testing.T, hubOpts hub.Options, tweak func(*Options)) *wsBox {
	t.Helper()
	b := newWSBox(t, hubOpts, tweak)
	t.Cleanup(func() { b.srv.StopLongPolls() })
	return b
}

func TestSocketIOPollingSession(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	c := sioDial(t, b.URL, "polling")
	if c.open.PingInterval != 25000 || c.open.PingTimeout != 20000 || c.open.MaxPayload != 65536 ||
		len(c.open.Upgrades) != 1 || c.open.Upgrades[0] != "websocket" || c.sid == "" {
		t.Fatalf("open packet %+v; want sid, upgrades [websocket], pingInterval 25000, pingTimeout 20000, maxPayload 65536", c.open)
	}
	c.run()
	c.connect(b.waiter)

	// An ack for the subscribe, then the bare order as the event's
	// argument: what socket.on('order:created', order => ...) receives.
	c.send(`421["subscribe:orders"]`)
	c.expect(`431[{"ok":true}]`)
	id := b.order(t, b.waiter, 1, "sio")
	name, data := sioEventOf(t, c.expect(`42[`))
	var o struct {
		ID      int64  `json:"id"`
		TableID int64  `json:"table_id"`
		Notes   string `json:"notes"`
	}
	json.Unmarshal(data, &o)
	if name != "order:created" || o.ID != id || o.TableID != 1 || o.Notes != "sio" {
		t.Fatalf("event %s %s; want order:created of order %d", name, data, id)
	}
	// Creating an order occupies its table: table:updated in tables only.
	c.quiet(100 * time.Millisecond)

	// Every Socket.IO client gets menu:updated without subscribing.
	b.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", b.item), b.admin, map[string]bool{"available": false}, nil)
	name, data = sioEventOf(t, c.expect(`42[`))
	if name != "menu:updated" || !strings.Contains(string(data), `"available":false`) {
		t.Fatalf("event %s %s; want menu:updated with available false", name, data)
	}

	// Unsubscribing stops the room's events.
	c.send(`422["unsubscribe:orders"]`)
	c.expect(`432[{"ok":true}]`)
	b.must(t, 200, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", b.item), b.admin, map[string]bool{"available": true}, nil)
	c.expect(`42["menu:updated"`)
	b.order(t, b.waiter, 2, "")
	c.quiet(200 * time.Millisecond)

	// The client closes the session; its sid is gone.
	c.send("1")
	if end := c.waitEnd(); end != "close packet" && end != "status 400" {
		t.Fatalf("after the client's close the poll loop ended with %q", end)
	}
	if status, body := c.get(); status != http.StatusBadRequest || !strings.Contains(body, `"bad_request"`) {
		t.Fatalf("GET of a closed session = %d %s; want 400 bad_request", status, body)
	}
}

func TestSocketIORules(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	table2 := b.pair(t, 2)
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			// Free again, so that an order occupies it (table:updated).
			b.must(t, 200, "PATCH", "/api/tables/2/status", b.admin, map[string]string{"status": "available"}, nil)
			dial := func() *sioRaw {
				c := sioDial(t, b.URL, transport)
				if transport == "polling" {
					c.run()
				}
				return c
			}
			// A bad token is refused with a connect error; a good one
			// may follow on the same session.
			c := dial()
			c.send(`40{"token":"not-a-token"}`)
			refusal := c.expect("44")
			var ce struct {
				Message string
				Data    struct{ Code string }
			}
			if json.Unmarshal([]byte(refusal[2:]), &ce); ce.Message == "" || ce.Data.Code != "unauthorized" {
				t.Fatalf("refusal %q; want 44{message, data:{code:unauthorized}}", refusal)
			}
			c.send(`40`)
			c.expect(`44{"message":"invalid or expired token"`)
			c.send(`40/admin,{"token":"` + table2 + `"}`)
			c.expect(`44/admin,{"message":"Invalid namespace"}`)

			// The customer of table 2: its own table by bare id (number
			// or string), never another's, nor staff rooms.
			c.connect(table2)
			c.send(`421["subscribe:table",2]`)
			c.expect(`431[{"ok":true}]`)
			c.send(`422["subscribe:table","2"]`)
			c.expect(`432[{"ok":true}]`)
			c.send(`423["subscribe:table",3]`)
			c.expect(`433[{"error":{"code":"forbidden"`)
			c.send(`42["subscribe:table",{"table_id":3}]`)
			c.expect(`42["error",{"code":"forbidden"`)
			c.send(`424["subscribe:orders"]`)
			c.expect(`434[{"error":{"code":"forbidden"`)
			c.send(`425["subscribe:table"]`)
			c.expect(`435[{"error":{"code":"validation_failed"`)
			c.send(`426["subscribe:table",-1]`)
			c.expect(`436[{"error":{"code":"validation_failed"`)
			c.send(`427["order:create",{}]`)
			c.expect(`437[{"error":{"code":"unknown_event"`)
			c.send(`42[17]`)
			c.expect(`42["error",{"code":"bad_request"`)
			// Acks to the box are ignored; so are events of the client's own.
			c.send(`431[]`)

			// Orders of table 3 do not reach table 2's iPad; its own do,
			// once although it joined its room twice.
			b.order(t, b.waiter, 3, "")
			id := b.order(t, b.waiter, 2, "")
			name, data := sioEventOf(t, c.expect(`42[`))
			if name != "order:created" || !strings.Contains(string(data), fmt.Sprintf(`"id":%d,`, id)) {
				t.Fatalf("event %s %s; want order:created of order %d", name, data, id)
			}
			c.expect(`42["table:updated"`)
			c.quiet(100 * time.Millisecond)

			// A chef may join the kitchen, not orders.
			k := dial()
			k.connect(b.chef)
			k.send(`421["subscribe:kds"]`)
			k.expect(`431[{"ok":true}]`)
			k.send(`422["subscribe:orders"]`)
			k.expect(`432[{"error":{"code":"forbidden","message":"chef may not join orders"}}]`)
		})
	}
}

func TestSocketIOHTTPErrors(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	c := sioDial(t, b.URL, "polling")
	cases := []struct {
		method, query, origin, host string
		body                        string
		want                        int
		code                        string
	}{
		{"GET", "EIO=3&transport=polling", "", "", "", 400, "bad_request"},
		{"GET", "transport=polling", "", "", "", 400, "bad_request"},
		{"GET", "EIO=4&transport=flashsocket", "", "", "", 400, "bad_request"},
		{"GET", "EIO=4&transport=polling&sid=nope", "", "", "", 400, "bad_request"},
		{"POST", "EIO=4&transport=polling", "", "", "40", 400, "bad_request"},
		{"GET", "EIO=4&transport=polling", "http://evil.example", "", "", 403, "forbidden"},
		{"GET", "EIO=4&transport=polling", "", "rms.example.com", "", 403, "forbidden"},
		{"POST", "EIO=4&transport=polling&sid=" + c.sid, "http://evil.example", "", "40", 403, "forbidden"},
		{"POST", "EIO=4&transport=polling&sid=" + c.sid, "", "", "4" + strings.Repeat("x", 70000), 413, "too_large"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, b.URL+"/socket.io/?"+tc.query, strings.NewReader(tc.body))
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.query, err)
		}
		var body struct{ Error struct{ Code string } }
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != tc.want || body.Error.Code != tc.code {
			t.Errorf("%s ?%.60s (origin %q host %q) = %d %q; want %d %q", tc.method, tc.query, tc.origin, tc.host, res.StatusCode, body.Error.Code, tc.want, tc.code)
		}
	}
	// The box's own origin is welcome, as on /ws.
	req, _ := http.NewRequest("GET", b.URL+"/socket.io/?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", b.URL)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("handshake from the box's own origin = %v %v; want 200", res.StatusCode, err)
	}
	res.Body.Close()
	// The too-large POST ended its session.
	if status, _ := c.get(); status != http.StatusBadRequest {
		t.Errorf("GET after a too-large POST = %d; want 400 (session closed)", status)
	}
}

func TestSocketIOMalformedPackets(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	for _, p := range []string{"", "9", "bAAAA", "45[]", "4x", "42[", `40{"token":`, "44{}"} {
		c := sioDial(t, b.URL, "websocket")
		c.connect(b.admin)
		c.send(p)
		if end := c.waitEnd(); end != "close 1008" {
			t.Errorf("after packet %q the session ended with %q; want close 1008", p, end)
		}
	}
	c := sioDial(t, b.URL, "websocket")
	c.ws.Write(t.Context(), websocket.MessageBinary, []byte{4, 1, 2})
	if end := c.waitEnd(); end != "close 1008" {
		t.Errorf("after a binary message the session ended with %q; want close 1008", end)
	}
}

func TestSocketIOHeartbeat(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	b.srv.sio.pingIntervalT.Store(int64(100 * time.Millisecond))
	b.srv.sio.pingTimeoutT.Store(int64(300 * time.Millisecond))
	c := sioDial(t, b.URL, "polling")
	if c.open.PingInterval != 100 || c.open.PingTimeout != 300 {
		t.Fatalf("open packet %+v; want the shortened ping timings", c.open)
	}
	c.autoPong = false
	c.run()
	// The heartbeat is Engine.IO's: it runs before any Socket.IO connect.
	c.expect("2")
	c.send("3")
	c.expect("2")
	// No pong this time: the box drops the session.
	if end := c.waitEnd(); end != "close packet" && end != "status 400" {
		t.Fatalf("after an unanswered ping the session ended with %q", end)
	}
}

func TestSocketIOConnectTimeout(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	b.srv.sio.connectTimeoutT.Store(int64(100 * time.Millisecond))
	c := sioDial(t, b.URL, "websocket")
	if end := c.waitEnd(); end != "close 4401" {
		t.Fatalf("a session that never connects ended with %q; want close 4401", end)
	}
}

// TestSocketIOUpgrade walks the upgrade as socket.io-client does it: probe
// on the new WebSocket, the waiting GET released with a noop, upgrade, and
// the queued and later events on the WebSocket, in order.
func TestSocketIOUpgrade(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	c := sioDial(t, b.URL, "polling")
	c.post(`40{"token":"`+b.waiter+`"}`, `421["subscribe:kds"]`)
	// The writer may have taken the connect before the ack was queued:
	// one or two polls.
	var got string
	for i := 0; i < 2 && !strings.HasSuffix(got, "431[{\"ok\":true}]\x1e"); i++ {
		status, body := c.get()
		if status != 200 {
			t.Fatalf("poll = %d %q; want 200", status, body)
		}
		got += body + "\x1e"
	}
	if !strings.HasPrefix(got, `40{"sid":`) || !strings.Contains(got, "\x1e431[{\"ok\":true}]") {
		t.Fatalf("polls got %q; want the connect, then the ack", got)
	}
	waiting := make(chan string, 1)
	go func() { _, body := c.get(); waiting <- body }()
	time.Sleep(50 * time.Millisecond) // let the GET wait

	ctx := t.Context()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.url("websocket"), "http"), nil)
	if err != nil {
		t.Fatalf("dial the upgrade: %v", err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte("2probe"))
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "3probe" {
		t.Fatalf("probe answer %q %v; want 3probe", msg, err)
	}
	select {
	case body := <-waiting:
		if body != "6" {
			t.Fatalf("the waiting GET got %q; want the noop 6", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting GET was not released by the probe")
	}
	// An event while paused is held for the WebSocket.
	first := b.order(t, b.waiter, 1, "")
	ws.Write(ctx, websocket.MessageText, []byte("5"))
	second := b.order(t, b.waiter, 1, "")
	for _, id := range []int64{first, second} {
		_, msg, err := ws.Read(ctx)
		if err != nil || !strings.HasPrefix(string(msg), `42["order:created",{"id":`+fmt.Sprint(id)+`,`) {
			t.Fatalf("WebSocket message %q %v; want order:created of %d", msg, err, id)
		}
	}
	if status, _ := c.get(); status != http.StatusBadRequest {
		t.Errorf("a GET after the upgrade = %d; want 400", status)
	}
}

// TestSocketIOSlowPoller: a polling client that stops polling fills its own
// bounded queue and is closed; a client that keeps up gets every event, in
// order, without waiting for it.
func TestSocketIOSlowPoller(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{QueueSize: 8}, nil)
	slow := sioDial(t, b.URL, "polling")
	slow.post(`40{"token":"`+b.admin+`"}`, `42["subscribe:kds"]`)
	fast := sioDial(t, b.URL, "websocket")
	fast.connect(b.admin)
	fast.send(`421["subscribe:kds"]`)
	fast.expect(`431[`)

	// No clock here (the machine is shared): were the fast client held up
	// by the slow one, it would stop at the slow queue's 8 events and
	// expect would fail.
	var ids []int64
	for i := 0; i < 20; i++ {
		ids = append(ids, b.order(t, b.admin, 1, ""))
	}
	for _, id := range ids {
		name, data := sioEventOf(t, fast.expect(`42[`))
		if name != "order:created" || !strings.HasPrefix(string(data), fmt.Sprintf(`{"id":%d,`, id)) {
			t.Fatalf("fast client got %s %.40s; want order:created of %d", name, data, id)
		}
	}
	// The slow one overflowed: its next poll carries what was handed
	// over before the overflow and then the close, or finds it gone.
	for i := 0; i < 3; i++ {
		status, body := slow.get()
		if status == http.StatusBadRequest || strings.HasSuffix(body, "1") {
			return
		}
	}
	t.Fatal("the slow poller was not closed after its queue overflowed")
}

// TestSocketIORevocation: re-pairing a table ends its iPad's Socket.IO
// connection with a disconnect packet (no automatic reconnect with the dead
// token), as /ws closes with 4403. An expired token ends it the same way
// (TestSocketIOTokenExpiry).
func TestSocketIORevocation(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	for _, transport := range []string{"polling", "websocket"} {
		c := sioDial(t, b.URL, transport)
		if transport == "polling" {
			c.run()
		}
		c.connect(b.pair(t, 2))
		b.pair(t, 2)
		c.expect("41")
		if end := c.waitEnd(); end != "close packet" && end != "close 4403" {
			t.Errorf("%s: after a revocation the session ended with %q", transport, end)
		}
	}
}

func TestSocketIOTokenExpiry(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, func(o *Options) { o.StaffTokenTTL = 3 * time.Second })
	c := sioDial(t, b.URL, "websocket")
	c.connect(b.login(t, "ana", "waiter123"))
	c.expect("41")
	if end := c.waitEnd(); end != "close 4401" {
		t.Errorf("after the token expired the session ended with %q; want close 4401", end)
	}
}

// TestSocketIOSameOrderAsWS: one change reaches a /ws client and a
// Socket.IO client alike, in the same order.
func TestSocketIOSameOrderAsWS(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	w := connectWS(t, b, b.waiter, "orders")
	c := sioDial(t, b.URL, "websocket")
	c.connect(b.waiter)
	c.send(`421["subscribe:orders"]`)
	c.expect(`431[`)
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, b.order(t, b.waiter, 1+int64(i%3), ""))
	}
	for _, id := range ids {
		f := w.expect("order:created")
		_, data := sioEventOf(t, c.expect(`42["order:created"`))
		if string(f.Data) != string(data) || !strings.HasPrefix(string(data), fmt.Sprintf(`{"id":%d,`, id)) {
			t.Fatalf("/ws got %.60s, Socket.IO %.60s; want the same order %d", f.Data, data, id)
		}
	}
}

func TestSocketIOShutdown(t *testing.T) {
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	p := sioDial(t, b.URL, "polling")
	p.run()
	p.connect(b.admin)
	w := sioDial(t, b.URL, "websocket")
	w.connect(b.admin)
	// The close packet answers a poll the box holds; between two polls the
	// client's next GET finds the session gone (400). Stop while one is held.
	waitHeldPoll(t, b.srv)
	b.srv.StopLongPolls()
	if end := p.waitEnd(); end != "close packet" {
		t.Errorf("a polling client at shutdown got %q; want the close packet", end)
	}
	b.hub.Close()
	if end := w.waitEnd(); end != "close 1001" {
		t.Errorf("a WebSocket client at shutdown got %q; want close 1001", end)
	}
	if s := sioDialStatus(t, b.URL); s != http.StatusServiceUnavailable {
		t.Errorf("a handshake during shutdown = %d; want 503", s)
	}
}

// waitHeldPoll waits until every polling session has a GET held by the box.
func waitHeldPoll(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		held, polling := 0, 0
		srv.sio.mu.Lock()
		for _, sess := range srv.sio.byID {
			if sess.t.isWebSocket() {
				continue
			}
			polling++
			sess.t.mu.Lock()
			if sess.t.poll != nil {
				held++
			}
			sess.t.mu.Unlock()
		}
		srv.sio.mu.Unlock()
		if polling > 0 && held == polling {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d polling sessions hold a GET after 10 s", held, polling)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sioDialStatus(t *testing.T, base string) int {
	t.Helper()
	res, err := http.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func FuzzSIOPacket(f *testing.F) {
	for _, s := range []string{`0{"token":"x"}`, `2["subscribe:table",3]`, `21["subscribe:kds"]`, `0/admin,{}`, `1/x`, `3`, `2["a",{"table_id":"7"}]`, `51-["x",{"_placeholder":true,"num":0}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseSIOPacket(b)
		if err != nil {
			return
		}
		if p.Data != nil && !json.Valid(p.Data) {
			t.Fatalf("parseSIOPacket(%q) data %q is not JSON", b, p.Data)
		}
		if name, args, err := sioEventArgs(p.Data); err == nil {
			if id, ok := sioTableID(args); ok && id <= 0 {
				t.Fatalf("sioTableID(%q) = %d; want a positive id", args, id)
			}
			_ = name
		}
	})
}

// TestSocketIONodeHeartbeat: the real socket.io-client 4 (the test tool of
// the Node tests at the root) answers the box's pings on both transports
// and stays connected through many ping intervals, shortened here.
func TestSocketIONodeHeartbeat(t *testing.T) {
	dir := filepath.Join("..", "testdata", "socketio")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or socket.io-client is missing; .ci/run installs them")
		}
		t.Skip("node or socket.io-client is missing (npm ci --prefix testdata/socketio)")
	}
	t.Parallel()
	b := newSIOBox(t, hub.Options{}, nil)
	b.srv.sio.pingIntervalT.Store(int64(200 * time.Millisecond))
	b.srv.sio.pingTimeoutT.Store(int64(time.Second))
	script := `
import { io } from 'socket.io-client';
await Promise.all([undefined, ['polling'], ['websocket']].map(async (transports) => {
  const socket = io(process.env.BOX, { auth: { token: process.env.TOKEN }, transports, forceNew: true, reconnection: false });
  let pings = 0, drops = 0;
  socket.io.on('ping', () => pings++);
  socket.on('disconnect', () => drops++);
  await new Promise((resolve, reject) => { socket.on('connect', resolve); socket.on('connect_error', reject); });
  await new Promise((r) => setTimeout(r, 2000));
  console.log(JSON.stringify({ transports: transports ?? 'default', pings, drops, connected: socket.connected, transport: socket.io.engine.transport.name }));
  socket.disconnect();
}));
`
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--input-type=module", "-e", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BOX="+b.URL, "TOKEN="+b.waiter)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("node printed %q; want three lines", out)
	}
	for _, l := range lines {
		var r struct {
			Pings, Drops int
			Connected    bool
		}
		json.Unmarshal([]byte(l), &r)
		// 2 s at one ping per 200 ms: about ten; a loaded machine may
		// deliver fewer, but never none.
		if r.Pings < 3 || r.Drops != 0 || !r.Connected {
			t.Errorf("client %s; want several pings, no drop, still connected", l)
		}
	}
}

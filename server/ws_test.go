package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"rms/hub"
)

// wantEvents returns the seqs after since of every logged event that names
// one of rooms, in order: what a client in those rooms must receive.
func (b *wsBox) wantEvents(t testing.TB, since int64, rooms ...string) []int64 {
	t.Helper()
	seen := map[int64]bool{}
	var seqs []int64
	for _, r := range rooms {
		evs, err := b.store.EventsSince(context.Background(), r, since, 1_000_000)
		if err != nil {
			t.Fatalf("EventsSince(%s) err = %v", r, err)
		}
		for _, e := range evs {
			if !seen[e.Seq] {
				seen[e.Seq] = true
				seqs = append(seqs, e.Seq)
			}
		}
	}
	slices.Sort(seqs)
	return seqs
}

// collect reads frames until n events arrived, then makes sure no more
// come, and returns their seqs.
func (wc *wsClient) collect(n int) []int64 {
	wc.t.Helper()
	var seqs []int64
	for len(seqs) < n {
		f, ok := wc.next(5 * time.Second)
		if !ok {
			wc.t.Fatalf("got %d events %v; want %d (read err %v)", len(seqs), seqs, n, wc.readErr())
		}
		if f.Seq == 0 {
			wc.t.Fatalf("frame %+v; want an event", f)
		}
		seqs = append(seqs, f.Seq)
	}
	wc.quiet(200 * time.Millisecond)
	return seqs
}

func lastSeq(t testing.TB, b *wsBox) int64 {
	t.Helper()
	info, err := b.store.EventLog(context.Background())
	if err != nil {
		t.Fatalf("EventLog() err = %v", err)
	}
	return info.LastSeq
}

func TestWSEventsReachExactlyTheirRooms(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	admin := b.admin
	waiter := b.waiter
	chef := b.chef
	cust1 := b.pair(t, 1)
	cust2 := b.pair(t, 2)
	start := lastSeq(t, b)

	type sub struct {
		name  string
		token string
		rooms []string
	}
	subs := []sub{
		{"waiter orders", waiter, []string{"orders"}},
		{"chef kds", chef, []string{"kds"}},
		{"waiter tables", waiter, []string{"tables"}},
		{"customer menu", cust1, []string{"menu"}},
		{"customer table 1", cust1, []string{"table:1"}},
		{"customer table 2", cust2, []string{"table:2"}},
		{"admin orders+kds+table 1+menu", admin, []string{"orders", "kds", "table:1", "menu"}},
	}
	clients := make([]*wsClient, len(subs))
	for i, s := range subs {
		wc := dialWS(t, b, nil)
		wc.auth(s.token)
		for _, r := range s.rooms {
			if id, ok := strings.CutPrefix(r, "table:"); ok {
				var n int64
				fmt.Sscan(id, &n)
				wc.subscribe("table", map[string]any{"table_id": n})
			} else {
				wc.subscribe(r, nil)
			}
		}
		clients[i] = wc
	}

	b.order(t, waiter, 1, "first")
	b.order(t, cust1, 1, "from the table")
	b.order(t, waiter, 3, "elsewhere")
	b.must(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", b.bar), chef, map[string]bool{"available": false}, nil)
	b.must(t, http.StatusOK, "PATCH", "/api/tables/2/status", waiter, map[string]string{"status": "reserved"}, nil)

	for i, s := range subs {
		want := b.wantEvents(t, start, s.rooms...)
		if len(want) == 0 {
			t.Fatalf("%s: the actions made no event for %v", s.name, s.rooms)
		}
		got := clients[i].collect(len(want))
		if !slices.Equal(got, want) {
			t.Errorf("%s got seqs %v; want %v", s.name, got, want)
		}
	}
}

func TestWSRoomRules(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	admin := b.admin
	tokens := map[string]string{
		"admin":    admin,
		"waiter":   b.login(t, "ana", "waiter123"),
		"chef":     b.login(t, "marco", "chef123"),
		"customer": b.pair(t, 1),
	}
	type tc struct {
		role, event string
		data        map[string]any
		want        string // ack, or the error code
	}
	var cases []tc
	allowed := map[string][]string{
		"admin":    {"orders", "tables", "kds", "menu"},
		"waiter":   {"orders", "tables", "kds", "menu"},
		"chef":     {"kds", "menu"},
		"customer": {"menu"},
	}
	for role := range tokens {
		for _, room := range []string{"orders", "tables", "kds", "menu"} {
			want := "forbidden"
			if slices.Contains(allowed[role], room) {
				want = "ack"
			}
			cases = append(cases, tc{role, "subscribe:" + room, nil, want})
		}
		wantOther := "ack"
		if role == "customer" {
			wantOther = "forbidden"
		}
		cases = append(cases,
			tc{role, "subscribe:table", map[string]any{"table_id": 1}, "ack"},
			tc{role, "subscribe:table", map[string]any{"table_id": 2}, wantOther},
			tc{role, "subscribe:table", nil, "validation_failed"},
			tc{role, "subscribe:bogus", nil, "unknown_event"},
			tc{role, "ping", nil, "unknown_event"},
			tc{role, "", nil, "unknown_event"},
			tc{role, "unsubscribe:menu", nil, "ack"},
			tc{role, "subscribe:menu", map[string]any{"since": "yesterday"}, "bad_request"},
		)
	}
	conns := map[string]*wsClient{}
	for role, tok := range tokens {
		wc := dialWS(t, b, nil)
		ready := wc.auth(tok)
		var d struct {
			Role    string `json:"role"`
			TableID int64  `json:"table_id"`
			Epoch   string `json:"epoch"`
			Seq     *int64 `json:"seq"`
		}
		json.Unmarshal(ready.Data, &d)
		if d.Role != role || d.Epoch == "" || d.Seq == nil || (role == "customer" && d.TableID != 1) {
			t.Errorf("%s ready = %s; want role, epoch, seq (and table_id 1 for the customer)", role, ready.Data)
		}
		conns[role] = wc
	}
	for _, c := range cases {
		wc := conns[c.role]
		id := wc.send(c.event, c.data)
		f := wc.expect(map[bool]string{true: "ack", false: "error"}[c.want == "ack"])
		if f.ID != id {
			t.Errorf("%s %s %v: reply id = %d; want %d", c.role, c.event, c.data, f.ID, id)
		}
		if c.want != "ack" {
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			json.Unmarshal(f.Data, &e)
			if e.Code != c.want || e.Message == "" {
				t.Errorf("%s %s %v: error %s; want code %s with a message", c.role, c.event, c.data, f.Data, c.want)
			}
		}
	}
	// A refused subscription delivers nothing: the customer is only in
	// table:1 and menu, so an order at table 3 must not reach it.
	b.order(t, tokens["waiter"], 3, "not for table 1")
	conns["customer"].quiet(300 * time.Millisecond)
}

func TestWSAuthentication(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	waiter := b.waiter

	t.Run("header", func(t *testing.T) {
		wc := dialWS(t, b, http.Header{"Authorization": {"Bearer " + waiter}})
		wc.expect("ready")
		wc.subscribe("orders", nil)
	})
	t.Run("bad token", func(t *testing.T) {
		wc := dialWS(t, b, nil)
		wc.send("auth", map[string]string{"token": waiter + "x"})
		if code := wc.closeCode(5 * time.Second); code != 4401 {
			t.Errorf("close code = %d; want 4401", code)
		}
	})
	t.Run("bad header token", func(t *testing.T) {
		wc := dialWS(t, b, http.Header{"Authorization": {"Bearer nope"}})
		if code := wc.closeCode(5 * time.Second); code != 4401 {
			t.Errorf("close code = %d; want 4401", code)
		}
	})
	t.Run("subscribe before auth", func(t *testing.T) {
		wc := dialWS(t, b, nil)
		wc.send("subscribe:menu", nil)
		if code := wc.closeCode(5 * time.Second); code != 4401 {
			t.Errorf("close code = %d; want 4401", code)
		}
	})
	t.Run("no auth in time", func(t *testing.T) {
		t.Parallel()
		wc := dialWS(t, b, nil)
		start := time.Now()
		if code := wc.closeCode(8 * time.Second); code != 4401 {
			t.Errorf("close code = %d; want 4401", code)
		}
		if d := time.Since(start); d < 4*time.Second {
			t.Errorf("closed after %v; want about 5s", d)
		}
	})
}

func TestWSOriginAndHost(t *testing.T) {
	b := newWSBox(t, hub.Options{}, func(o *Options) {
		o.AllowedOrigins = []string{"https://pos.example.com"}
	})
	port := b.URL[strings.LastIndex(b.URL, ":")+1:]
	cases := []struct {
		host, origin string
		want         int
	}{
		{"", "", http.StatusSwitchingProtocols},
		{"", b.URL, http.StatusSwitchingProtocols},
		{"rms.local:" + port, "http://rms.local:" + port, http.StatusSwitchingProtocols},
		{"rms.local:" + port, "http://evil.example:" + port, http.StatusForbidden},
		{"", "http://evil.example", http.StatusForbidden},
		{"", "https://pos.example.com", http.StatusSwitchingProtocols},
		// DNS rebinding: a public name pointed at the box.
		{"evil.example:" + port, "http://evil.example:" + port, http.StatusForbidden},
		{"pos.example.com", "https://pos.example.com", http.StatusSwitchingProtocols},
	}
	for _, c := range cases {
		if got := upgradeStatus(t, b.URL, c.host, c.origin, ""); got != c.want {
			t.Errorf("GET /ws host %q origin %q = %d; want %d", c.host, c.origin, got, c.want)
		}
	}

	open := newWSBox(t, hub.Options{}, func(o *Options) { o.AllowedOrigins = []string{"*"} })
	dialWS(t, open, http.Header{"Origin": {"http://evil.example"}}).auth(open.chef)
}

// TestWSSeqOrderUnderConcurrentWriters has many goroutines write through
// the REST API while clients that see every event check that seqs rise by
// exactly one.
func TestWSSeqOrderUnderConcurrentWriters(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	admin := b.admin
	waiter := b.waiter
	chef := b.chef

	const watchers = 4
	clients := make([]*wsClient, watchers)
	start := int64(0)
	for i := range clients {
		wc := dialWS(t, b, nil)
		ready := wc.auth(admin)
		var d struct{ Seq int64 }
		json.Unmarshal(ready.Data, &d)
		start = d.Seq
		// orders, tables and menu together carry every event.
		for _, r := range []string{"orders", "tables", "menu"} {
			wc.subscribe(r, nil)
		}
		clients[i] = wc
	}
	if got := lastSeq(t, b); got != start {
		t.Fatalf("ready seq = %d; want %d", start, got)
	}

	const writers, perWriter = 8, 12
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if w%4 == 3 {
					avail := i%2 == 1
					b.do(t, "PATCH", fmt.Sprintf("/api/menu/items/%d/availability", b.bar), chef, map[string]bool{"available": avail})
					continue
				}
				b.order(t, waiter, int64(1+w%3), fmt.Sprintf("w%d-%d", w, i))
			}
		}()
	}
	wg.Wait()
	end := lastSeq(t, b)
	if end-start < writers*perWriter {
		t.Fatalf("only %d events for %d writes", end-start, writers*perWriter)
	}
	for i, wc := range clients {
		got := wc.collect(int(end - start))
		for j, s := range got {
			if s != start+int64(j)+1 {
				t.Fatalf("client %d: event %d has seq %d; want %d (seqs %v)", i, j, s, start+int64(j)+1, got)
			}
		}
	}
}

// resumeCheck subscribes a fresh connection to kds with since and expects
// exactly the kds events after since, then a live one right after them.
func resumeCheck(t *testing.T, b *wsBox, token string, since int64, waiter string) {
	t.Helper()
	want := b.wantEvents(t, since, "kds")
	wc := dialWS(t, b, nil)
	wc.auth(token)
	wc.subscribe("kds", map[string]any{"since": since})
	got := wc.collect(len(want))
	if !slices.Equal(got, want) {
		t.Fatalf("replayed seqs %v; want %v", got, want)
	}
	before := lastSeq(t, b)
	b.order(t, waiter, 2, "live after resume")
	live := wc.collect(len(b.wantEvents(t, before, "kds")))
	if len(live) == 0 || (len(got) > 0 && live[0] <= got[len(got)-1]) {
		t.Fatalf("live seqs %v after replay %v; want newer ones", live, got)
	}
}

func TestWSResumeAfterDroppedConnection(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	waiter := b.waiter
	chef := b.chef

	wc := connectWS(t, b, chef, "kds")
	b.order(t, waiter, 1, "seen")
	seen := wc.collect(len(b.wantEvents(t, 0, "kds")))
	last := seen[len(seen)-1]
	wc.c.CloseNow()

	for i := 0; i < 5; i++ {
		b.order(t, waiter, 1, fmt.Sprintf("missed %d", i))
	}
	resumeCheck(t, b, chef, last, waiter)
}

func TestWSResumeAcrossRestart(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	waiter := b.waiter
	chef := b.chef

	wc := connectWS(t, b, chef, "kds")
	b.order(t, waiter, 1, "before")
	seen := wc.collect(len(b.wantEvents(t, 0, "kds")))
	last := seen[len(seen)-1]
	for i := 0; i < 3; i++ {
		b.order(t, waiter, 1, fmt.Sprintf("missed %d", i))
	}
	// The kds client stops reading: it misses the three events above.
	epoch := b.store.Epoch()
	b.restart(t)
	if code := wc.closeCode(5 * time.Second); code != 1001 {
		t.Errorf("close code at shutdown = %d; want 1001", code)
	}
	if b.store.Epoch() != epoch {
		t.Fatalf("epoch changed across restart: %q -> %q", epoch, b.store.Epoch())
	}
	b.order(t, waiter, 1, "after restart")
	resumeCheck(t, b, chef, last, waiter)
}

func TestWSResumeFromLogBeyondTheRing(t *testing.T) {
	b := newWSBox(t, hub.Options{RingSize: 4}, nil)
	admin := b.admin
	waiter := b.waiter
	admin2 := b.login(t, "admin", "admin123")
	since := lastSeq(t, b)
	for i := 0; i < 12; i++ {
		b.order(t, waiter, int64(1+i%3), fmt.Sprintf("o%d", i))
	}
	resumeCheck(t, b, admin, since, waiter)

	// A connection already live in orders resumes kds from the log: what
	// it got through orders is not sent again.
	wc := connectWS(t, b, admin2, "orders")
	mark := lastSeq(t, b)
	for i := 0; i < 6; i++ {
		b.order(t, waiter, 1, fmt.Sprintf("p%d", i))
	}
	viaOrders := wc.collect(len(b.wantEvents(t, mark, "orders")))
	wc.subscribe("kds", map[string]any{"since": since})
	replay := b.wantEvents(t, since, "kds")
	var want []int64
	for _, s := range replay {
		if !slices.Contains(viaOrders, s) {
			want = append(want, s)
		}
	}
	got := wc.collect(len(want))
	if !slices.Equal(got, want) {
		t.Errorf("kds replay on a connection in orders = %v; want %v (no repeats of %v)", got, want, viaOrders)
	}
}

func TestWSResync(t *testing.T) {
	b := newWSBox(t, hub.Options{RingSize: 2}, nil)
	admin := b.admin
	waiter := b.waiter
	since := lastSeq(t, b)
	for i := 0; i < 6; i++ {
		b.order(t, waiter, 1, fmt.Sprintf("o%d", i))
	}
	last := lastSeq(t, b)

	expectResync := func(name string, data map[string]any) {
		t.Helper()
		wc := connectWS(t, b, admin)
		wc.subscribe("kds", data)
		f := wc.expect("resync")
		if f.Room != "kds" {
			t.Errorf("%s: resync room = %q; want kds", name, f.Room)
		}
		// After resync the room is live.
		mark := lastSeq(t, b)
		b.order(t, waiter, 1, "after resync "+name)
		got := wc.collect(len(b.wantEvents(t, mark, "kds")))
		if len(got) == 0 || got[0] <= mark {
			t.Errorf("%s: live seqs after resync = %v; want > %d", name, got, mark)
		}
	}
	expectResync("other epoch", map[string]any{"since": last, "epoch": "not-this-one"})
	expectResync("since ahead", map[string]any{"since": last + 1000})

	if _, err := b.store.PruneEvents(context.Background(), time.Now().Add(-time.Hour), 2); err != nil {
		t.Fatalf("PruneEvents() err = %v", err)
	}
	expectResync("pruned", map[string]any{"since": since})

	// The current epoch and a since still covered replay normally.
	wc := connectWS(t, b, admin)
	now := lastSeq(t, b)
	wc.subscribe("kds", map[string]any{"since": now, "epoch": b.store.Epoch()})
	wc.quiet(200 * time.Millisecond)
}

// slowDialer gives the client socket a tiny receive buffer, so that a
// client that stops reading backs up into the server's queue quickly.
func slowDialer() *http.Client {
	d := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		// Before connect, so the window the server sees stays small.
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestWSSlowConsumerClosedAlone(t *testing.T) {
	b := newWSBox(t, hub.Options{QueueSize: 8}, nil)
	waiter := b.waiter
	chef := b.chef

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: slowDialer()})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	slow := &wsClient{t: t, c: c, frames: make(chan wsFrame, 1<<16), done: make(chan struct{}), gate: make(chan struct{})}
	close(slow.gate)
	go slow.pump()
	t.Cleanup(func() { c.CloseNow() })
	slow.auth(chef)
	slow.subscribe("kds", nil)
	slow.pause()

	fast := connectWS(t, b, chef, "kds")
	start := lastSeq(t, b)

	// Big notes make big frames, so the stalled socket fills up.
	lines := make([]map[string]any, 20)
	for i := range lines {
		lines[i] = map[string]any{"menu_item_id": b.item, "quantity": 1, "notes": strings.Repeat("n", 450)}
	}
	deadline := time.Now().Add(20 * time.Second)
	posted := 0
	defer func() { t.Logf("posted %d orders", posted) }()
	for i := 0; time.Now().Before(deadline); i++ {
		posted++
		b.must(t, http.StatusCreated, "POST", "/api/orders", waiter, map[string]any{"table_id": 1 + i%3, "items": lines}, nil)
		if b.hub.Count() == 1 {
			break
		}
	}
	if b.hub.Count() != 1 {
		t.Fatalf("the stalled client was never dropped")
	}
	want := b.wantEvents(t, start, "kds")
	got := fast.collect(len(want))
	if !slices.Equal(got, want) {
		t.Errorf("fast client seqs %v; want %v", got, want)
	}
	slow.resume()
	if code := slow.closeCode(15 * time.Second); code != hub.CodeTooSlow {
		t.Errorf("slow client close code = %d; want %d", code, hub.CodeTooSlow)
	}
}

func tokenExp(t testing.TB, tok string) time.Time {
	t.Helper()
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil || c.ExpiresAt == nil {
		t.Fatalf("parse token: %v", err)
	}
	return c.ExpiresAt.Time
}

func TestWSTokenExpiryAndRefresh(t *testing.T) {
	b := newWSBox(t, hub.Options{}, func(o *Options) { o.StaffTokenTTL = 4 * time.Second })
	tok := b.login(t, "ana", "waiter123")
	exp := tokenExp(t, tok)
	wc := connectWS(t, b, tok, "orders")

	time.Sleep(1500 * time.Millisecond)
	var r struct {
		Token string `json:"token"`
	}
	b.must(t, http.StatusOK, "POST", "/api/auth/refresh", tok, nil, &r)
	newExp := tokenExp(t, r.Token)
	if !newExp.After(exp.Add(500 * time.Millisecond)) {
		t.Fatalf("refreshed token expires %v; want well after %v", newExp, exp)
	}
	wc.auth(r.Token)

	time.Sleep(time.Until(exp.Add(250 * time.Millisecond)))
	id := wc.send("ping", nil)
	if f := wc.expect("error"); f.ID != id {
		t.Fatalf("reply id = %d; want %d", f.ID, id)
	}
	code := wc.closeCode(time.Until(newExp.Add(3 * time.Second)))
	if code != 4401 {
		t.Errorf("close code after expiry = %d; want 4401", code)
	}
	if time.Now().Before(newExp) {
		t.Errorf("closed at %v, before the refreshed expiry %v", time.Now(), newExp)
	}

	// A token of someone else cannot take over a connection.
	other := connectWS(t, b, b.login(t, "ana", "waiter123"), "orders")
	other.send("auth", map[string]string{"token": b.login(t, "marco", "chef123")})
	if code := other.closeCode(5 * time.Second); code != 4401 {
		t.Errorf("close code on auth as someone else = %d; want 4401", code)
	}
}

func TestWSRevocationCloses(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	admin := b.admin
	waiter := b.waiter
	cust := b.pair(t, 1)

	wWaiter := connectWS(t, b, waiter, "orders")
	wCust := connectWS(t, b, cust, "menu")
	wOther := connectWS(t, b, b.pair(t, 2), "menu")
	wAdmin := connectWS(t, b, admin, "orders")

	b.pair(t, 1)
	if code := wCust.closeCode(5 * time.Second); code != 4403 {
		t.Errorf("re-paired table close code = %d; want 4403", code)
	}
	// A revoked token cannot connect again.
	again := dialWS(t, b, nil)
	again.send("auth", map[string]string{"token": cust})
	if code := again.closeCode(5 * time.Second); code != 4401 {
		t.Errorf("old table token close code = %d; want 4401", code)
	}

	var me struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	b.must(t, http.StatusOK, "GET", "/api/auth/me", waiter, nil, &me)
	b.must(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/users/%d", me.User.ID), admin, map[string]bool{"active": false}, nil)
	if code := wWaiter.closeCode(5 * time.Second); code != 4403 {
		t.Errorf("deactivated waiter close code = %d; want 4403", code)
	}
	for name, wc := range map[string]*wsClient{"admin": wAdmin, "table 2": wOther} {
		id := wc.send("ping", nil)
		if f := wc.expect("error"); f.ID != id {
			t.Errorf("%s still connected: reply id %d; want %d", name, f.ID, id)
		}
	}
}

func TestWSBadFramesCloseOnlyThatConnection(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	admin := b.admin
	waiter := b.waiter
	bystander := connectWS(t, b, admin, "kds")

	cases := []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		want int
	}{
		{"binary", websocket.MessageBinary, []byte(`{"event":"subscribe:menu"}`), 1008},
		{"invalid JSON", websocket.MessageText, []byte(`{"event":`), 1008},
		{"not an object", websocket.MessageText, []byte(`[1,2,3]`), 1008},
		{"1 MB", websocket.MessageText, []byte(`{"event":"x","data":"` + strings.Repeat("a", 1<<20) + `"}`), 1009},
	}
	for _, c := range cases {
		wc := connectWS(t, b, admin, "kds")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := wc.c.Write(ctx, c.typ, c.msg)
		cancel()
		if err != nil && c.want != 1009 {
			t.Fatalf("%s: write: %v", c.name, err)
		}
		if code := wc.closeCode(10 * time.Second); code != c.want {
			t.Errorf("%s: close code = %d; want %d", c.name, code, c.want)
		}
	}
	mark := lastSeq(t, b)
	b.order(t, waiter, 1, "still flowing")
	want := b.wantEvents(t, mark, "kds")
	if got := bystander.collect(len(want)); !slices.Equal(got, want) {
		t.Errorf("bystander got %v; want %v", got, want)
	}
}

// TestWSPingDropsSilentPeer uses a client that never answers pings: the
// server pings within 25 s and drops it 10 s later.
func TestWSPingDropsSilentPeer(t *testing.T) {
	t.Parallel()
	b := newWSBox(t, hub.Options{}, nil)
	lc, err := dialLoadClient(strings.TrimPrefix(b.URL, "http://"), b.chef)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer lc.conn.Close()
	start := time.Now()
	lc.conn.SetReadDeadline(start.Add(wsPingInterval + 5*time.Second))
	op, _, err := lc.frame()
	if err != nil || op != 9 {
		t.Fatalf("first frame = opcode %d, %v; want a ping", op, err)
	}
	pinged := time.Since(start)
	if pinged < wsPingInterval-time.Second {
		t.Errorf("pinged after %v; want about %v", pinged, wsPingInterval)
	}
	lc.conn.SetReadDeadline(time.Now().Add(wsPongTimeout + 5*time.Second))
	for {
		op, _, err = lc.frame()
		if err != nil || op == 8 {
			break
		}
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("silent peer still connected %v after the ping", time.Since(start)-pinged)
	}
	if d := time.Since(start) - pinged; d < wsPongTimeout-time.Second {
		t.Errorf("dropped %v after the ping; want about %v", d, wsPongTimeout)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.hub.Count() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := b.hub.Count(); n != 0 {
		t.Errorf("hub still has %d connections", n)
	}
}

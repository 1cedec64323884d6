package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"

	"rms/store"
)

// TestRealtimeResumeAcrossRestart drives the shared browser client
// (/lib/realtime.js) in Chromium against a real box: the box stops and
// starts again on the same data folder, events happen after the restart
// while the page is still cut off, and once it reconnects the page gets
// every missed event exactly once and in order, resuming with `since`
// (from the event log: the new process's memory holds none of them).
func TestRealtimeResumeAcrossRestart(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)

	ctx := newBrowser(t, 800, 600)
	// Any page of the box gives the module its origin; no test page ships.
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	since := kdsInt(t, ctx, `(async () => {
		// A WebSocket that can be held off, like a tablet out of Wi-Fi range.
		const Real = window.WebSocket;
		window.__block = false;
		window.WebSocket = class extends Real {
			constructor(url, protocols) { super(window.__block ? 'ws://127.0.0.1:9/' : url, protocols); }
		};
		const { connect } = await import('/lib/realtime.js');
		const token = `+kdsQuote(chef)+`;
		const res = await fetch('/api/orders?active=true', { headers: { Authorization: 'Bearer ' + token } });
		const since = Number(res.headers.get('X-Seq'));
		window.__got = []; window.__states = []; window.__resyncs = [];
		const rt = connect({ token });
		rt.onState((s) => window.__states.push(s));
		rt.on('*', (data, meta) => {
			if (meta.seq !== undefined) window.__got.push({ event: meta.event, seq: meta.seq, room: meta.room, id: data.id, status: data.status });
		});
		rt.onResync('kds', () => window.__resyncs.push('kds'));
		rt.subscribe('kds', { since });
		window.__rt = rt;
		return since;
	})()`)
	kdsWait(t, ctx, "connected", `window.__rt.state === 'connected'`)

	dish := kdsLine{menu["Risotto ai funghi"], 1, ""}
	a := kdsPlace(t, box, waiter, 1, "", dish)
	kdsWait(t, ctx, "live order:created", fmt.Sprintf(`window.__got.some(e => e.event === 'order:created' && e.id === %d)`, a.ID))

	// The page loses the box, and the box restarts.
	kdsExec(t, ctx, `window.__block = true`)
	box.Stop()
	kdsWait(t, ctx, "reconnecting state", `window.__rt.state === 'reconnecting'`)
	box.start(t)

	// Life goes on while the page is cut off.
	b := kdsPlace(t, box, waiter, 2, "", dish)
	kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", a.ID), map[string]string{"status": "preparing"}, http.StatusOK, nil)
	c := kdsPlace(t, box, waiter, 3, "", dish)
	kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/items/%d", c.ID, c.Items[0].ID), map[string]bool{"done": true}, http.StatusOK, nil)
	time.Sleep(300 * time.Millisecond)
	if n := kdsInt(t, ctx, `window.__got.length`); n != 1 {
		t.Fatalf("events seen while cut off = %d; want still 1", n)
	}

	kdsExec(t, ctx, `window.__block = false; window.dispatchEvent(new Event('online'))`)
	kdsWait(t, ctx, "missed events", `window.__got.length >= 5`)
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now

	got := kdsString(t, ctx, `window.__got.map(e => e.event + ':' + e.id + ':' + e.status).join(' ')`)
	want := strings.Join([]string{
		fmt.Sprintf("order:created:%d:confirmed", a.ID),
		fmt.Sprintf("order:created:%d:confirmed", b.ID),
		fmt.Sprintf("order:updated:%d:preparing", a.ID),
		fmt.Sprintf("order:created:%d:confirmed", c.ID),
		fmt.Sprintf("order:updated:%d:confirmed", c.ID),
	}, " ")
	if got != want {
		t.Errorf("events = %s; want %s", got, want)
	}
	// Seqs are global (table events fall between), so in one room they
	// rise with gaps; a repeat or a step back would be a bug.
	if !kdsBool(t, ctx, `window.__got.every((e, i) => e.room === 'kds' && (i === 0 || e.seq > window.__got[i - 1].seq))`) {
		t.Errorf("seqs = %s; want strictly rising, all in room kds", kdsString(t, ctx, `JSON.stringify(window.__got.map(e => [e.room, e.seq]))`))
	}
	if first := kdsInt(t, ctx, `window.__got[0].seq`); first <= since {
		t.Errorf("first seq %d; want above the X-Seq %d the page subscribed with", first, since)
	}
	if n := kdsInt(t, ctx, `window.__resyncs.length`); n != 0 {
		t.Errorf("resyncs = %d; want none (same event log across the restart)", n)
	}
	if got := kdsString(t, ctx, `window.__states.join(',')`); !strings.HasSuffix(got, "reconnecting,connected") || !strings.Contains(got, "connected,reconnecting") {
		t.Errorf("states = %s; want connected, then reconnecting, then connected again", got)
	}
	if got, want := kdsInt(t, ctx, `window.__rt.seqs.kds`), kdsInt(t, ctx, `window.__got.at(-1).seq`); got != want {
		t.Errorf("resume point = %d; want the last seq seen, %d", got, want)
	}

	// And it is live again.
	d := kdsPlace(t, box, waiter, 4, "", dish)
	kdsWait(t, ctx, "live after resume", fmt.Sprintf(`window.__got.at(-1).event === 'order:created' && window.__got.at(-1).id === %d`, d.ID))
}

// TestRealtimeRefreshBeforeExpiry gives the client a staff token that
// expires in 20 seconds: it must fetch a fresh one before then and re-send
// auth on the open socket, so the server never closes it with 4401 and
// events keep arriving on the same connection.
func TestRealtimeRefreshBeforeExpiry(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	var me struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	kdsDo(t, box, chef, http.MethodGet, "/api/auth/me", nil, http.StatusOK, &me)
	u, err := box.Store.User(context.Background(), me.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	exp := now.Add(20 * time.Second)
	short, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "rms", "sub": fmt.Sprint(me.User.ID), "key": u.TokenKey, "role": "chef",
		"iat": now.Unix(), "exp": exp.Unix(),
	}).SignedString(box.secret)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}

	ctx := newBrowser(t, 800, 600)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `(async () => {
		const { connect } = await import('/lib/realtime.js');
		let token = `+kdsQuote(short)+`;
		window.__refreshes = 0; window.__states = []; window.__got = []; window.__authErrors = [];
		const refresh = async () => {
			const res = await fetch('/api/auth/refresh', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
			if (!res.ok) throw Object.assign(new Error('refresh'), { status: res.status });
			token = (await res.json()).token;
			window.__refreshes++;
			return token;
		};
		const rt = connect({ token: () => token, refresh });
		rt.onState((s) => window.__states.push(s));
		rt.onAuthError((code) => window.__authErrors.push(code));
		rt.on('order:created', (o) => window.__got.push(o.id));
		rt.subscribe('kds');
		window.__rt = rt;
	})()`)
	kdsWait(t, ctx, "connected", `window.__rt.state === 'connected'`)
	kdsWaitWithin(t, ctx, 15*time.Second, "refresh before expiry", `window.__refreshes === 1`)
	if left := time.Until(exp); left <= 0 {
		t.Fatalf("refreshed only after the token expired (%v late)", -left)
	}
	time.Sleep(time.Until(exp) + 3*time.Second)

	o := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Burrata"], 1, ""})
	kdsWait(t, ctx, "event after the first token expired", fmt.Sprintf(`window.__got.includes(%d)`, o.ID))
	if got := kdsString(t, ctx, `window.__states.join(',')`); got != "connecting,connected" {
		t.Errorf("states = %s; want connecting,connected (one connection throughout)", got)
	}
	if got := kdsString(t, ctx, `window.__authErrors.join(',')`); got != "" {
		t.Errorf("auth errors = %s; want none", got)
	}
}

// TestRealtimeEpochChange replaces the box's database while a page is
// connected: the new event log has a new epoch and its seqs start again, so
// the client must not resume from its old numbers (it would miss or drop
// events); it fires resync for its rooms and takes the new log's events.
func TestRealtimeEpochChange(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	dish := kdsLine{menu["Burrata"], 1, ""}
	// A backup from before the three orders: restoring it later gives the
	// same users (their tokens stay valid) under a new event log.
	backupFile := filepath.Join(t.TempDir(), "before.db")
	if out, _, err := runCLI(t, "", "backup", "--data", box.Dir, backupFile); err != nil {
		t.Fatalf("rms backup = %q, %v", out, err)
	}
	for i := 0; i < 3; i++ {
		kdsPlace(t, box, waiter, int64(1+i), "", dish)
	}

	ctx := newBrowser(t, 800, 600)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `(async () => {
		const { connect } = await import('/lib/realtime.js');
		const token = `+kdsQuote(chef)+`;
		const res = await fetch('/api/orders?active=true', { headers: { Authorization: 'Bearer ' + token } });
		window.__got = []; window.__resyncs = []; window.__epochs = [];
		const rt = connect({ token });
		rt.on('ready', (r) => window.__epochs.push(r.epoch));
		rt.on('order:created', (o, meta) => window.__got.push([o.id, meta.seq]));
		rt.onResync('kds', (room) => window.__resyncs.push(room));
		rt.subscribe('kds', { since: Number(res.headers.get('X-Seq')) });
		window.__rt = rt;
	})()`)
	kdsWait(t, ctx, "connected", `window.__rt.state === 'connected'`)
	// A kitchen display shows the old log's three tickets.
	kds := newTab(t, ctx, 1920, 1080)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, kds, `localStorage.setItem('rms.token.kds', `+kdsQuote(chef)+`)`)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, kds, "old tickets", `document.querySelectorAll('#tickets .ticket').length === 3 && document.getElementById('conn').dataset.state === 'connected'`)

	// The box comes back with its backup restored: same secret and users,
	// a new event log whose numbers the screens have seen before.
	box.Stop()
	for _, f := range []string{"rms.db", "rms.db-wal", "rms.db-shm"} {
		if err := os.Remove(filepath.Join(box.Dir, f)); err != nil && !os.IsNotExist(err) {
			t.Fatalf("remove %s: %v", f, err)
		}
	}
	raw, err := os.ReadFile(backupFile)
	if err != nil {
		t.Fatalf("read backup: %v", err)
	}
	dbPath := filepath.Join(box.Dir, "rms.db")
	if err := os.WriteFile(dbPath, raw, 0o600); err != nil {
		t.Fatalf("write database: %v", err)
	}
	if err := store.PrepareRestore(context.Background(), dbPath); err != nil {
		t.Fatalf("PrepareRestore() err = %v", err)
	}
	box.start(t)
	kdsWait(t, ctx, "resync on the new epoch", `window.__epochs.length === 2 && window.__epochs[0] !== window.__epochs[1] && window.__resyncs.join() === 'kds'`)
	if n := kdsInt(t, ctx, `window.__got.length`); n != 0 {
		t.Errorf("events before any new order = %d; want 0", n)
	}

	waiter = box.Login(t, "ana", "waiter123")
	o := kdsPlace(t, box, waiter, 1, "", dish)
	kdsWait(t, ctx, "new log's event", fmt.Sprintf(`window.__got.some(([id]) => id === %d)`, o.ID))
	// The display holds the new log's ticket only, even though its id and
	// seq may equal those of an old one.
	kdsWait(t, kds, "only the new ticket", fmt.Sprintf(`[...document.querySelectorAll('#tickets .ticket')].map(e => e.dataset.id).join() === '%d' && document.querySelector('#tickets .ticket .line .name').textContent === 'Burrata'`, o.ID))
}

// TestRealtimeDeadLinkProbe cuts a live socket silently (nothing arrives,
// nothing leaves, no close: the box lost power, or the Wi-Fi died without
// a word). The client must notice by its own probe, reconnect and go on;
// while the link is healthy the probe must never drop it.
func TestRealtimeDeadLinkProbe(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)

	ctx := newBrowser(t, 800, 600)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `(async () => {
		// deafen() makes every open socket silent both ways, without closing it.
		const Real = window.WebSocket;
		const deaf = new WeakSet();
		window.__sockets = [];
		window.__deafen = () => window.__sockets.forEach((s) => deaf.add(s));
		window.WebSocket = class extends Real {
			constructor(...args) { super(...args); window.__sockets.push(this); }
			set onmessage(fn) { super.onmessage = (ev) => { if (!deaf.has(this)) fn(ev); }; }
			get onmessage() { return super.onmessage; }
			send(data) { if (!deaf.has(this)) super.send(data); }
		};
		const { connect } = await import('/lib/realtime.js');
		window.__states = []; window.__got = [];
		const rt = connect({ token: `+kdsQuote(chef)+`, probe: { idleMs: 500, timeoutMs: 700 } });
		rt.onState((s) => window.__states.push(s));
		rt.on('order:created', (o) => window.__got.push(o.id));
		rt.subscribe('kds');
		window.__rt = rt;
	})()`)
	kdsWait(t, ctx, "connected", `window.__rt.state === 'connected'`)

	// Healthy but idle: the probes are answered, the socket stays.
	time.Sleep(3 * time.Second)
	if got := kdsString(t, ctx, `window.__states.join(',') + ' sockets=' + window.__sockets.length`); got != "connecting,connected sockets=1" {
		t.Fatalf("idle healthy link: %s; want connecting,connected sockets=1", got)
	}

	kdsExec(t, ctx, `window.__deafen()`)
	kdsWaitWithin(t, ctx, 8*time.Second, "a new socket after the silent one", `window.__sockets.length === 2 && window.__rt.state === 'connected' && window.__states.join(',') === 'connecting,connected,reconnecting,connected'`)
	o := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Burrata"], 1, ""})
	kdsWait(t, ctx, "live on the new socket", fmt.Sprintf(`window.__got.includes(%d)`, o.ID))
}

// TestRealtimeResyncThenResume subscribes from a seq the box has pruned:
// the server answers resync and the page reloads. If the connection then
// drops before any event of the room arrived, the client must still resume
// from a known point, so an order placed during the drop is not lost.
func TestRealtimeResyncThenResume(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	dish := kdsLine{menu["Burrata"], 1, ""}
	kdsPlace(t, box, waiter, 1, "", dish)
	kdsPlace(t, box, waiter, 2, "", dish)
	if _, err := box.Store.PruneEvents(context.Background(), time.Now().Add(time.Hour), 0); err != nil {
		t.Fatalf("PruneEvents() err = %v", err)
	}
	box.Restart(t) // the hub's memory of recent events goes too

	ctx := newBrowser(t, 800, 600)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `(async () => {
		const Real = window.WebSocket;
		window.__block = false;
		window.__sockets = [];
		window.WebSocket = class extends Real {
			constructor(url, protocols) { super(window.__block ? 'ws://127.0.0.1:9/' : url, protocols); window.__sockets.push(this); }
		};
		const { connect } = await import('/lib/realtime.js');
		window.__got = []; window.__resyncs = [];
		const rt = connect({ token: `+kdsQuote(chef)+` });
		rt.on('order:created', (o) => window.__got.push(o.id));
		rt.onResync('kds', (room) => window.__resyncs.push(room));
		rt.subscribe('kds', { since: 1 }); // long gone
		window.__rt = rt;
	})()`)
	kdsWait(t, ctx, "resync", `window.__rt.state === 'connected' && window.__resyncs.join() === 'kds'`)
	if got := kdsInt(t, ctx, `window.__got.length`); got != 0 {
		t.Errorf("events replayed from a pruned log = %d; want 0 (resync instead)", got)
	}

	// The link drops before anything new happened in the room.
	kdsExec(t, ctx, `window.__block = true; window.__sockets.forEach((s) => s.close())`)
	kdsWait(t, ctx, "reconnecting", `window.__rt.state === 'reconnecting'`)
	missed := kdsPlace(t, box, waiter, 3, "", dish)
	kdsExec(t, ctx, `window.__block = false; window.dispatchEvent(new Event('online'))`)
	kdsWait(t, ctx, "the order placed during the drop", fmt.Sprintf(`window.__rt.state === 'connected' && window.__got.includes(%d)`, missed.ID))
}

// TestRealtimeLiveJoinThenResume joins a room without since ("live from
// now") and loses the link before the room's first event: the order placed
// during the drop must still arrive after the reconnect.
func TestRealtimeLiveJoinThenResume(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)

	ctx := newBrowser(t, 800, 600)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `(async () => {
		const Real = window.WebSocket;
		window.__block = false;
		window.__sockets = [];
		window.WebSocket = class extends Real {
			constructor(url, protocols) { super(window.__block ? 'ws://127.0.0.1:9/' : url, protocols); window.__sockets.push(this); }
		};
		const { connect } = await import('/lib/realtime.js');
		window.__got = [];
		const rt = connect({ token: `+kdsQuote(chef)+` });
		window.__rt = rt;
		rt.on('order:created', (o) => window.__got.push(o.id));
		await new Promise((ok) => rt.onState((s) => s === 'connected' && ok()));
		await rt.subscribe('kds');
		window.__joined = true;
	})()`)
	kdsWait(t, ctx, "joined live", `window.__joined === true`)
	kdsExec(t, ctx, `window.__block = true; window.__sockets.forEach((s) => s.close())`)
	kdsWait(t, ctx, "reconnecting", `window.__rt.state === 'reconnecting'`)
	missed := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Burrata"], 1, ""})
	kdsExec(t, ctx, `window.__block = false; window.dispatchEvent(new Event('online'))`)
	kdsWait(t, ctx, "the order placed during the drop", fmt.Sprintf(`window.__rt.state === 'connected' && window.__got.join() === '%d'`, missed.ID))
}

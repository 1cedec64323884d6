package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"rms/store"
)

// TestRestoreSnapshotWhileServing is an owner putting yesterday's daily
// snapshot back from the staff app while a kitchen screen is connected:
// bad names change nothing; the restore closes the screen's socket with
// 1012, and the screen, reconnecting, finds a new epoch, is told to resync
// and sees the snapshot's state; a user created after the snapshot is
// gone and so is their token; the replaced database is kept aside whole;
// the box goes on taking orders, live; the audit log says who restored what.
func TestRestoreSnapshotWhileServing(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	item := firstMenuItem(t, box, admin)
	order := func(token string, table int, notes string) int64 {
		t.Helper()
		var o struct {
			ID int64 `json:"id"`
		}
		box.DoJSON(t, "POST", "/api/orders", token, map[string]any{
			"table_id": table, "items": []map[string]any{{"menu_item_id": item, "quantity": 1, "notes": notes}},
		}, http.StatusCreated, &o)
		return o.ID
	}
	kept := order(admin, 1, "before the snapshot")

	// Yesterday's daily snapshot, written the way the box writes them.
	name := "rms-" + time.Now().AddDate(0, 0, -1).Format("2006-01-02") + ".db"
	backups := filepath.Join(box.Dir, "backups")
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := box.Store.Backup(context.Background(), filepath.Join(backups, name)); err != nil {
		t.Fatalf("Backup() err = %v", err)
	}

	// After the snapshot: a new waiter signs in and takes an order.
	var lateUser struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, "POST", "/api/users", admin, map[string]any{"username": "late", "role": "waiter", "password": "late-pass-1"}, http.StatusCreated, &lateUser)
	late := box.Login(t, "late", "late-pass-1")
	lost := order(late, 2, "after the snapshot")

	var list struct {
		Snapshots []store.Snapshot `json:"snapshots"`
	}
	box.DoJSON(t, "GET", "/api/system/snapshots", admin, nil, http.StatusOK, &list)
	if len(list.Snapshots) != 1 || list.Snapshots[0].Name != name || list.Snapshots[0].Size <= 0 {
		t.Fatalf("GET /api/system/snapshots = %+v; want %s with its size", list.Snapshots, name)
	}

	// A kitchen screen that saw everything up to now.
	ready, ws := dialScreen(t, box, admin)
	defer ws.CloseNow()
	sawEpoch, sawSeq := ready.Epoch, ready.Seq
	wsWrite(t, ws, map[string]any{"event": "subscribe:kds", "id": 1})

	// Bad requests change nothing.
	for _, c := range []struct {
		token string
		body  any
		want  int
	}{
		{late, map[string]any{"name": name}, http.StatusForbidden},
		{admin, map[string]any{}, http.StatusUnprocessableEntity},
		{admin, map[string]any{"name": "../rms.db"}, http.StatusUnprocessableEntity},
		{admin, map[string]any{"name": "backups/" + name}, http.StatusUnprocessableEntity},
		{admin, map[string]any{"name": "rms-1999-01-01.db"}, http.StatusNotFound},
		{admin, map[string]any{"name": name, "force": true}, http.StatusBadRequest},
	} {
		if status, raw := box.Do(t, "POST", "/api/system/restore", c.token, c.body); status != c.want || !strings.Contains(string(raw), `"error"`) {
			t.Errorf("POST /api/system/restore %v = %d %s; want %d in the error envelope", c.body, status, raw, c.want)
		}
	}
	// While another restore runs, a second one is refused.
	box.box.restoreMu.Lock()
	status, raw := box.Do(t, "POST", "/api/system/restore", admin, map[string]any{"name": name})
	box.box.restoreMu.Unlock()
	if status != http.StatusConflict {
		t.Errorf("restore while another runs = %d %s; want 409", status, raw)
	}
	box.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", lost), late, nil, http.StatusOK, nil)
	r, c := dialScreen(t, box, admin)
	c.CloseNow()
	if r.Epoch != sawEpoch {
		t.Fatalf("epoch after refused restores = %q; want still %q", r.Epoch, sawEpoch)
	}

	// The screen keeps reading, as a screen does, while the admin restores.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				closed <- err
				return
			}
		}
	}()
	var res struct {
		Snapshot  string `json:"snapshot"`
		KeptAside string `json:"kept_aside"`
		Epoch     string `json:"epoch"`
	}
	began := time.Now()
	box.DoJSON(t, "POST", "/api/system/restore", admin, map[string]any{"name": name}, http.StatusOK, &res)
	t.Logf("restore answered after %v", time.Since(began).Round(time.Millisecond))
	box.Current()
	if res.Snapshot != name || res.Epoch == "" || res.Epoch == sawEpoch || !strings.HasPrefix(res.KeptAside, "rms-before-restore-") {
		t.Fatalf("restore answered %+v; want the snapshot, a new epoch and the file kept aside", res)
	}

	// The screen's socket was closed as a service restart...
	if err := <-closed; websocket.CloseStatus(err) != 1012 {
		t.Fatalf("screen socket after the restore: %v (code %d); want closed with 1012", err, websocket.CloseStatus(err))
	}
	// ...and reconnecting it finds a new epoch and is told to resync
	// before anything else, although the log now stands below its seq.
	ready, ws2 := dialScreen(t, box, admin)
	defer ws2.CloseNow()
	if ready.Epoch != res.Epoch || ready.Seq >= sawSeq {
		t.Fatalf("ready after restore = %+v; want epoch %q and the snapshot's seq, below %d", ready, res.Epoch, sawSeq)
	}
	wsWrite(t, ws2, map[string]any{"event": "subscribe:kds", "id": 1, "data": map[string]any{"since": sawSeq}})
	wsUntil(t, ctx, ws2, "resync of kds", func(f wsFrame) bool {
		if f.Seq != 0 {
			t.Fatalf("screen got event seq %d after the restore; want resync before any event", f.Seq)
		}
		return f.Event == "resync" && f.Room == "kds"
	})

	// The snapshot's state, over REST.
	box.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", kept), admin, nil, http.StatusOK, nil)
	if status, raw := box.Do(t, "GET", fmt.Sprintf("/api/orders/%d", lost), admin, nil); status != http.StatusNotFound {
		t.Errorf("order taken after the snapshot: %d %s; want 404", status, raw)
	}
	// The waiter created after the snapshot does not exist any more: their
	// token is refused, over REST and on a socket.
	if status, raw := box.Do(t, "GET", "/api/auth/me", late, nil); status != http.StatusUnauthorized {
		t.Errorf("GET /api/auth/me with the token of a user absent from the snapshot = %d %s; want 401", status, raw)
	}
	if status, _ := box.Do(t, "GET", "/api/orders?active=true", late, nil); status != http.StatusUnauthorized {
		t.Errorf("GET /api/orders with that token = %d; want 401", status)
	}
	if _, _, err := websocketDialAs(box, late); websocket.CloseStatus(err) != 4401 {
		t.Errorf("socket with that token: %v; want closed 4401", err)
	}
	// Not even once a new user takes the place (and maybe the id) the
	// forgotten one had.
	var again struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, "POST", "/api/users", admin, map[string]any{"username": "late", "role": "admin", "password": "late-pass-2"}, http.StatusCreated, &again)
	t.Logf("the forgotten user was id %d; the new one with that name is id %d", lateUser.ID, again.ID)
	if status, raw := box.Do(t, "GET", "/api/auth/me", late, nil); status != http.StatusUnauthorized {
		t.Errorf("the forgotten user's token after a new user %d took the name: %d %s; want 401", again.ID, status, raw)
	}

	// The database it replaced is kept aside, whole, private.
	aside := filepath.Join(box.Dir, res.KeptAside)
	if fi, err := os.Stat(aside); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept aside %s: %v, %v; want a file of mode 0600", aside, fi, err)
	}
	if fi, err := os.Stat(filepath.Join(box.Dir, "rms.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored rms.db: %v, %v; want mode 0600", fi, err)
	}
	old, err := store.Open(context.Background(), aside, store.Options{})
	if err != nil {
		t.Fatalf("open the database kept aside: %v", err)
	}
	if _, err := old.Order(context.Background(), lost); err != nil {
		t.Errorf("order %d in the database kept aside: %v", lost, err)
	}
	old.Close()

	// Service goes on, live, on the restored database.
	wsWrite(t, ws2, map[string]any{"event": "subscribe:kds", "id": 2})
	next := order(admin, 3, "after the restore")
	wsUntil(t, ctx, ws2, "the new order live", func(f wsFrame) bool {
		var o struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(f.Data, &o)
		return f.Event == "order:created" && o.ID == next
	})

	// The audit log of the restored database says who restored what.
	var audit []struct {
		Actor struct {
			Name string `json:"name"`
		} `json:"actor"`
		Action string         `json:"action"`
		Detail map[string]any `json:"detail"`
	}
	box.DoJSON(t, "GET", "/api/audit?limit=5", admin, nil, http.StatusOK, &audit)
	found := false
	for _, a := range audit {
		found = found || a.Action == "system.restore" && a.Actor.Name == "admin" && a.Detail["snapshot"] == name && a.Detail["kept_aside"] == res.KeptAside
	}
	if !found {
		t.Errorf("audit after the restore = %+v; want a system.restore by admin naming %s and %s", audit, name, res.KeptAside)
	}

	// A damaged snapshot is refused and the live database stays.
	bad := "rms-" + time.Now().AddDate(0, 0, -2).Format("2006-01-02") + ".db"
	if err := os.WriteFile(filepath.Join(backups, bad), []byte(strings.Repeat("not sqlite ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, raw := box.Do(t, "POST", "/api/system/restore", admin, map[string]any{"name": bad}); status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), `"name"`) {
		t.Errorf("restore of a damaged snapshot = %d %s; want 422 at the field name", status, raw)
	}
	box.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", next), admin, nil, http.StatusOK, nil)
}

type wsFrame struct {
	Event string          `json:"event"`
	Room  string          `json:"room"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
}

func wsWrite(t *testing.T, ws *websocket.Conn, msg any) {
	t.Helper()
	raw, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, raw); err != nil {
		t.Fatalf("write %s: %v", raw, err)
	}
}

// wsUntil reads frames until ok holds for one.
func wsUntil(t *testing.T, ctx context.Context, ws *websocket.Conn, what string, ok func(wsFrame) bool) {
	t.Helper()
	for {
		_, raw, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		var f wsFrame
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("frame %s: %v", raw, err)
		}
		if ok(f) {
			return
		}
	}
}

// websocketDialAs opens /ws with token on the upgrade and reads the first
// frame: the error is the close (4401) when the token is refused.
func websocketDialAs(box *testBox, token string) (*websocket.Conn, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(box.API, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		return nil, nil, err
	}
	defer ws.CloseNow()
	_, raw, err := ws.Read(ctx)
	if err == nil {
		return ws, raw, errors.New("the socket answered " + string(raw))
	}
	return ws, raw, err
}

// TestRestoreFromSettings is the same restore done the way an owner does
// it: Settings lists the daily snapshot with its day and size, Restore
// asks for the word RESTORE after saying plainly what is discarded, and
// another screen of the staff app that showed an order taken after the
// snapshot reloads without it.
func TestRestoreFromSettings(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	menu := kdsMenu(t, box, admin)
	kept := kdsPlace(t, box, admin, 1, "before the snapshot", kdsLine{menu["Burrata"], 1, ""})
	name := "rms-" + time.Now().AddDate(0, 0, -1).Format("2006-01-02") + ".db"
	if err := os.MkdirAll(filepath.Join(box.Dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := box.Store.Backup(context.Background(), filepath.Join(box.Dir, "backups", name)); err != nil {
		t.Fatal(err)
	}
	lost := kdsPlace(t, box, admin, 2, "after the snapshot", kdsLine{menu["Tiramisù"], 1, ""})

	ctx := newBrowser(t, 1366, 900)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "signed in", `!document.getElementById('shell').hidden && document.getElementById('conn').dataset.state === 'connected'`)

	// Another screen shows both orders.
	other := newTab(t, ctx, 1366, 768)
	staffRun(t, other, chromedp.Navigate(box.URL+"/#/orders"))
	orderSel := func(id int64) string { return fmt.Sprintf(`document.querySelector('.order[data-order-id="%d"]')`, id) }
	staffWait(t, other, "both orders", `!!`+orderSel(kept.ID)+` && !!`+orderSel(lost.ID)+` && document.getElementById('conn').dataset.state === 'connected'`)

	staffGo(t, ctx, "#/settings")
	row := fmt.Sprintf(`.restore tr[data-snapshot=%q]`, name)
	staffWait(t, ctx, "the snapshot listed with its size", `(() => { const r = document.querySelector('`+row+`'); return !!r && /\d+(\.\d)? (kB|MB)/.test(r.textContent); })()`)
	staffExec(t, ctx, `document.querySelector('.restore').scrollIntoView()`)
	axeCheck(t, ctx, "staff settings restore card")
	shot(t, ctx, "staff-restore-list-1366")

	staffClick(t, ctx, row+` button`)
	staffWait(t, ctx, "confirmation", `!!document.querySelector('dialog[open] .restore-warning') && document.querySelector('dialog[open] .restore-warning').textContent.includes('discarded')`)
	if !staffValue[bool](t, ctx, `document.querySelector('dialog[open] button[type=submit]').disabled`) {
		t.Errorf("the restore button is enabled before the word is typed")
	}
	staffType(t, ctx, `dialog[open] input[name=confirm]`, "restore")
	staffWait(t, ctx, "restore enabled by the word", `!document.querySelector('dialog[open] button[type=submit]').disabled`)
	axeCheck(t, ctx, "staff restore confirmation")
	shot(t, ctx, "staff-restore-confirm-1366")

	staffClick(t, ctx, `dialog[open] button[type=submit]`)
	staffWait(t, ctx, "restored", `!document.querySelector('dialog[open]') && document.querySelector('.restore-done')?.textContent.includes('rms-before-restore-')`)
	box.Current()
	shot(t, ctx, "staff-restore-done-1366")

	// The other screen reloaded: the order taken after the snapshot is gone.
	staffWait(t, other, "the other screen resynced", `!!`+orderSel(kept.ID)+` && !`+orderSel(lost.ID)+` && document.getElementById('conn').dataset.state === 'connected'`)
	if status, _ := box.Do(t, "GET", fmt.Sprintf("/api/orders/%d", lost.ID), admin, nil); status != http.StatusNotFound {
		t.Errorf("order taken after the snapshot: status %d; want 404", status)
	}
}

// TestRestoreUnderLoad restores a snapshot while a waiter keeps sending
// orders and reading the list: every answer is a success or the 503 of
// the moment the database is swapped, never a 500, and the box serves
// the restored database afterwards.
func TestRestoreUnderLoad(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	waiter := box.Login(t, "ana", "waiter123")
	item := firstMenuItem(t, box, admin)
	name := "rms-" + time.Now().AddDate(0, 0, -1).Format("2006-01-02") + ".db"
	if err := os.MkdirAll(filepath.Join(box.Dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := box.Store.Backup(context.Background(), filepath.Join(box.Dir, "backups", name)); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	statuses := make(chan int, 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 20 * time.Second}
		send := func(method, path string, body string) {
			req, _ := http.NewRequest(method, box.API+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+waiter)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				statuses <- -1
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}
		for i := 0; i < 2000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			send("POST", "/api/orders", fmt.Sprintf(`{"table_id": %d, "items": [{"menu_item_id": %d, "quantity": 1}]}`, 1+i%8, item))
			send("GET", "/api/orders?active=true", "")
		}
	}()
	// Let the load run a moment, restore under it, let it run on.
	answered := func(n int) {
		for len(statuses) < n {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	answered(20)
	box.DoJSON(t, "POST", "/api/system/restore", admin, map[string]any{"name": name}, http.StatusOK, nil)
	box.Current()
	answered(len(statuses) + 20)
	close(stop)
	<-done
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	t.Logf("answers during the load: %v", count)
	for s, n := range count {
		if s != http.StatusOK && s != http.StatusCreated && s != http.StatusServiceUnavailable {
			t.Errorf("%d answers %d during a restore; want only 200, 201 and 503", n, s)
		}
	}
	if count[http.StatusCreated] == 0 {
		t.Errorf("no order was taken during the load: %v", count)
	}
	box.DoJSON(t, "GET", "/api/orders?active=true", waiter, nil, http.StatusOK, nil)
}

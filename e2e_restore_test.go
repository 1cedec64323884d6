package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/store"
)

// TestRestoreScenario is the owner restoring a backup: a backup is taken
// with `rms backup` while the box serves, orders go on, a kitchen screen
// sees their events, then the box is stopped and `rms restore` puts the
// backup back. The restored box's log continues from the backup's seq,
// so numbers the screen saw now name other events: the screen, resuming
// with its since and epoch, must be told to resync rather than silently
// miss orders. The database it replaced is kept aside, the new one is
// mode 0600, and a running box is never swapped out from under.
func TestRestoreScenario(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	item := firstMenuItem(t, box, admin)
	order := func(table int, notes string) int64 {
		var o struct {
			ID int64 `json:"id"`
		}
		box.DoJSON(t, "POST", "/api/orders", admin, map[string]any{
			"table_id": table, "items": []map[string]any{{"menu_item_id": item, "quantity": 1, "notes": notes}},
		}, http.StatusCreated, &o)
		return o.ID
	}
	kept := order(1, "before the backup")
	backupFile := filepath.Join(t.TempDir(), "rms-backup.db")
	if out, _, err := runCLI(t, "", "backup", "--data", box.Dir, backupFile); err != nil {
		t.Fatalf("rms backup = %q, %v", out, err)
	}
	lost := []int64{order(2, "after the backup"), order(3, "after the backup")}

	// A kitchen screen that saw everything up to now.
	ready, ws := dialScreen(t, box, admin)
	sawEpoch, sawSeq := ready.Epoch, ready.Seq
	ws.Close(websocket.StatusNormalClosure, "")

	box.Stop()
	// While a box serves from the folder, restore refuses to touch it.
	unlock, err := lockData(box.Dir)
	if err != nil {
		t.Fatalf("lockData() err = %v", err)
	}
	if _, _, err := runCLI(t, "", "restore", "--data", box.Dir, backupFile); err == nil || !strings.Contains(err.Error(), "stop the box") {
		t.Errorf("rms restore while serving err = %v; want it to say stop the box first", err)
	}
	unlock()
	// A damaged file is refused and the live database stays.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not sqlite ", 500)), 0o600)
	if _, _, err := runCLI(t, "", "restore", "--data", box.Dir, junk); err == nil {
		t.Errorf("rms restore of a damaged file err = nil; want refused")
	}

	out, _, err := runCLI(t, "", "restore", "--data", box.Dir, backupFile)
	if err != nil {
		t.Fatalf("rms restore err = %v", err)
	}
	live := filepath.Join(box.Dir, "rms.db")
	if fi, err := os.Stat(live); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored rms.db = %v, %v; want mode 0600", fi.Mode(), err)
	}
	asides, _ := filepath.Glob(filepath.Join(box.Dir, "rms-before-restore-*.db"))
	if len(asides) != 1 || !strings.Contains(out, asides[0]) {
		t.Fatalf("kept aside %v, output %q; want one file, named in the output", asides, out)
	}
	// The database put aside is whole: it still has the orders after the backup.
	old, err := store.Open(context.Background(), asides[0], store.Options{})
	if err != nil {
		t.Fatalf("open the database kept aside: %v", err)
	}
	for _, id := range lost {
		if _, err := old.Order(context.Background(), id); err != nil {
			t.Errorf("order %d in the database kept aside err = %v", id, err)
		}
	}
	old.Close()

	box.start(t)
	box.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", kept), admin, nil, http.StatusOK, nil)
	if status, _ := box.Do(t, "GET", fmt.Sprintf("/api/orders/%d", lost[1]), admin, nil); status != http.StatusNotFound {
		t.Errorf("order taken after the backup: status %d; want 404 (it is not in the backup)", status)
	}
	// Service goes on until the log passes the seq the screen saw: the
	// same numbers now name other events.
	for i := 0; lastSeqOf(t, box, admin) <= sawSeq; i++ {
		order(4+i%4, "after the restore")
	}

	ready, ws = dialScreen(t, box, admin)
	defer ws.CloseNow()
	if ready.Epoch == sawEpoch {
		t.Errorf("epoch after restore = %q; want a new one", ready.Epoch)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, _ := json.Marshal(map[string]any{"event": "subscribe:kds", "id": 1, "data": map[string]any{"since": sawSeq, "epoch": sawEpoch}})
	if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
		t.Fatal(err)
	}
	for {
		_, raw, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for resync: %v", err)
		}
		var f struct {
			Event, Room string
			Seq         int64
		}
		json.Unmarshal(raw, &f)
		if f.Event == "resync" && f.Room == "kds" {
			break
		}
		if f.Seq != 0 {
			t.Fatalf("screen got %s after the restore; want resync before any replayed event", raw)
		}
	}
}

type readyData struct {
	Epoch string `json:"epoch"`
	Seq   int64  `json:"seq"`
}

// dialScreen connects a screen with the token on the upgrade and returns
// its ready.
func dialScreen(t *testing.T, box *testBox, token string) (readyData, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(box.API, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	_, raw, err := ws.Read(ctx)
	var ready struct {
		Event string
		Data  readyData
	}
	if err != nil || json.Unmarshal(raw, &ready) != nil || ready.Event != "ready" {
		t.Fatalf("first frame %s (%v); want ready", raw, err)
	}
	return ready.Data, ws
}

func lastSeqOf(t *testing.T, box *testBox, token string) int64 {
	t.Helper()
	_, _, h := box.DoHeader(t, "GET", "/api/orders?active=true", token, nil, nil)
	n, err := strconv.ParseInt(h.Get("X-Seq"), 10, 64)
	if err != nil {
		t.Fatalf("X-Seq = %q", h.Get("X-Seq"))
	}
	return n
}

func firstMenuItem(t *testing.T, box *testBox, token string) int64 {
	t.Helper()
	var menu struct {
		Categories []struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		} `json:"categories"`
	}
	box.DoJSON(t, "GET", "/api/menu", token, nil, http.StatusOK, &menu)
	if len(menu.Categories) == 0 || len(menu.Categories[0].Items) == 0 {
		t.Fatal("demo menu is empty")
	}
	return menu.Categories[0].Items[0].ID
}

// TestRestoreIntoNewBox: restoring into an empty data folder (a new box)
// needs nothing to put aside.
func TestRestoreIntoNewBox(t *testing.T) {
	src := t.TempDir()
	seed, err := store.Open(context.Background(), filepath.Join(src, "rms.db"), store.Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.CreateUser(context.Background(), store.NewUser{Username: "boss", Role: store.RoleAdmin, Password: "boss-pw"}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	file := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := runCLI(t, "", "backup", "--data", src, file); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "new")
	out, _, err := runCLI(t, "", "restore", "--data", dst, file)
	if err != nil {
		t.Fatalf("rms restore into a new folder err = %v", err)
	}
	if strings.Contains(out, "kept as") || !strings.Contains(out, "no secret") {
		t.Errorf("output %q; want no database kept aside and a word about the missing secret", out)
	}
	st, err := store.Open(context.Background(), filepath.Join(dst, "rms.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Authenticate(context.Background(), "boss", "boss-pw"); err != nil {
		t.Errorf("Authenticate(boss) after restore err = %v", err)
	}
	for _, args := range [][]string{{"restore", "--data", dst}, {"restore", "--data", dst, filepath.Join(dst, "missing.db")}} {
		if _, _, err := runCLI(t, "", args...); err == nil {
			t.Errorf("rms %v err = nil; want an error", args)
		}
	}
}

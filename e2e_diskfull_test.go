package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rms/store"
)

// TestDiskFull runs the real binary on a data folder that fills up (a small
// tmpfs, which needs root; skipped otherwise). While the disk is full,
// writes must fail fast with the error envelope, never hang and never say
// 201 for something that is not kept; once space is back the box takes
// orders again without a restart, and after a SIGKILL and a restart every
// acknowledged order is there with the event log unbroken.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	bin := buildRMS(t)
	port := freeLoopbackPort(t)
	proc, logs := startRMS(t, bin, dir, port)
	api := proc.api
	var admin struct{ Token string }
	crashMustCall(t, "POST", api+"/api/auth/login", "", map[string]string{"username": "admin", "password": crashAdminPassword}, 200, &admin)
	tok := admin.Token
	var cat store.Category
	crashMustCall(t, "POST", api+"/api/menu/categories", tok, map[string]any{"name": "Mains"}, 201, &cat)
	var item store.Item
	crashMustCall(t, "POST", api+"/api/menu/items", tok, map[string]any{"category_id": cat.ID, "name": "Lasagne", "price_cents": 1250}, 201, &item)
	var table store.Table
	crashMustCall(t, "POST", api+"/api/tables", tok, map[string]any{"name": "T1", "seats": 4}, 201, &table)

	acked := map[int64]store.Order{}
	client := &http.Client{Timeout: 15 * time.Second}
	order := func(i int) (int, []byte, error) {
		// Long notes make each order a few pages, so the disk fills soon.
		in := map[string]any{"table_id": table.ID, "notes": fmt.Sprintf("order %d %s", i, strings.Repeat("x", 400)),
			"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 1, "notes": strings.Repeat("y", 400)}}}
		start := time.Now()
		status, raw, _, err := crashCall(client, "POST", api+"/api/orders", tok, in, nil)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("order %d took %v; a full disk must fail fast", i, d)
		}
		if err == nil && status == http.StatusCreated {
			var o store.Order
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("decode %s: %v", raw, err)
			}
			acked[o.ID] = o
		}
		return status, raw, err
	}
	for i := 0; i < 5; i++ {
		if status, raw, err := order(i); err != nil || status != 201 {
			t.Fatalf("order %d before filling the disk = %d %s %v", i, status, raw, err)
		}
	}

	junk := filepath.Join(dir, "junk")
	fill(t, junk)
	failed, okWhileFull := 0, 0
	for i := 5; i < 400 && failed < 20; i++ {
		status, raw, err := order(i)
		switch {
		case err != nil:
			t.Fatalf("order %d on a full disk: %v (the box died or hung)\n%s", i, err, logs.String())
		case status == http.StatusCreated:
			okWhileFull++ // the WAL still had room
		case status == http.StatusInternalServerError || status == http.StatusServiceUnavailable || status == http.StatusInsufficientStorage:
			if failed++; failed == 1 {
				t.Logf("first order refused on the full disk: %d %s", status, raw)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" || strings.Contains(strings.ToLower(e.Error.Message), "sqlite") {
				t.Errorf("order %d on a full disk = %d %s; want the error envelope, nothing internal", i, status, raw)
			}
		default:
			t.Errorf("order %d on a full disk = %d %s; want 201 or a 5xx", i, status, raw)
		}
	}
	if failed == 0 {
		t.Fatalf("%d orders went through on a full disk and none failed: the disk never filled", okWhileFull)
	}
	t.Logf("full disk: %d orders still fitted, then %d failed with a 5xx", okWhileFull, failed)
	if resp, err := client.Get(api + "/healthz"); err != nil {
		t.Errorf("GET /healthz on a full disk: %v", err)
	} else {
		resp.Body.Close()
		t.Logf("GET /healthz on a full disk = %d", resp.StatusCode)
	}

	if err := os.Remove(junk); err != nil {
		t.Fatal(err)
	}
	for i := 1000; i < 1010; i++ {
		if status, raw, err := order(i); err != nil || status != 201 {
			t.Fatalf("order %d after freeing the disk = %d %s %v; want 201 without a restart", i, status, raw, err)
		}
	}
	var orders []store.Order
	h := crashMustCall(t, "GET", api+"/api/orders", tok, nil, 200, &orders)
	byID := map[int64]store.Order{}
	for _, o := range orders {
		byID[o.ID] = o
	}
	for id, want := range acked {
		if err := sameOrder(byID[id], want); err != nil {
			t.Errorf("after the full disk: %v", err)
		}
	}
	t.Logf("X-Seq after recovery: %s; %d orders acknowledged", h.Get("X-Seq"), len(acked))

	proc.kill()
	led := &crashLedger{orders: acked, payments: map[int64]store.Payment{}}
	for id := range acked {
		led.newOrders = append(led.newOrders, id)
	}
	var epoch string
	checkDeadBox(t, dir, led, &epoch, 0)
	if t.Failed() {
		t.Logf("rms logs:\n%s", logs.String())
	}
}

// fill writes path until the file system says it is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 18, 1 << 12, 1} {
		buf := make([]byte, size)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill: %v", err)
				}
				break
			}
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestRestoreSnapshot follows the README's restore steps: a daily snapshot
// written by the running box is copied into a fresh data folder as rms.db,
// the box starts on it, and the orders, the event log's epoch and its seq
// all carry on, so screens that were connected resume instead of starting
// over.
func TestRestoreSnapshot(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")

	var menu struct {
		Categories []struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		} `json:"categories"`
	}
	box.DoJSON(t, "GET", "/api/menu", admin, nil, http.StatusOK, &menu)
	if len(menu.Categories) == 0 || len(menu.Categories[0].Items) == 0 {
		t.Fatal("demo menu is empty")
	}
	item := menu.Categories[0].Items[0].ID
	var order struct {
		ID int64 `json:"id"`
	}
	box.DoJSON(t, "POST", "/api/orders", admin, map[string]any{
		"table_id": 1, "items": []map[string]any{{"menu_item_id": item, "quantity": 2, "notes": "no onions"}},
	}, http.StatusCreated, &order)
	seqBefore := ordersSeq(t, box, admin)
	epoch := box.Store.Epoch()

	// The daily snapshot loop, with the real store, writes today's file.
	backups := filepath.Join(box.Dir, "backups")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- box.Store.RunSnapshots(ctx, backups, 7, nil) }()
	snapshot := filepath.Join(backups, "rms-"+time.Now().Format("2006-01-02")+".db")
	waitFor(t, 10*time.Second, "the daily snapshot", func() bool {
		_, err := os.Stat(snapshot)
		return err == nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunSnapshots err = %v", err)
	}

	// Restore into a new box: copy the snapshot in as rms.db (and the
	// secret, so paired iPads and signed-in staff keep their tokens).
	restored := &testBox{Dir: t.TempDir(), secret: box.secret}
	copyFile(t, snapshot, filepath.Join(restored.Dir, "rms.db"))
	box.Stop()
	restored.start(t)
	t.Cleanup(restored.Stop)

	if got := restored.Store.Epoch(); got != epoch {
		t.Errorf("restored epoch = %q; want %q (kept, so clients resume)", got, epoch)
	}
	var got struct {
		Items []struct {
			Quantity int    `json:"quantity"`
			Notes    string `json:"notes"`
		} `json:"items"`
	}
	restored.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", order.ID), admin, nil, http.StatusOK, &got)
	if len(got.Items) != 1 || got.Items[0].Quantity != 2 || got.Items[0].Notes != "no onions" {
		t.Errorf("restored order items = %+v; want the 2 x item with its note", got.Items)
	}
	if s := ordersSeq(t, restored, admin); s != seqBefore {
		t.Errorf("restored X-Seq = %d; want %d", s, seqBefore)
	}
	restored.DoJSON(t, "POST", "/api/orders", admin, map[string]any{
		"table_id": 2, "items": []map[string]any{{"menu_item_id": item, "quantity": 1}},
	}, http.StatusCreated, nil)
	if s := ordersSeq(t, restored, admin); s <= seqBefore {
		t.Errorf("X-Seq after a new order on the restored box = %d; want more than %d (seq continues)", s, seqBefore)
	}

	// A restore from an unrelated database is not mistaken for the same log.
	other := startBox(t, boxOptions{})
	if other.Store.Epoch() == epoch {
		t.Errorf("a fresh database has the epoch %q of the restored one; want a new epoch", epoch)
	}
}

func ordersSeq(t *testing.T, b *testBox, token string) int64 {
	t.Helper()
	status, body, h := b.DoHeader(t, "GET", "/api/orders", token, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/orders status = %d (%s); want 200", status, body)
	}
	seq, err := strconv.ParseInt(h.Get("X-Seq"), 10, 64)
	if err != nil {
		t.Fatalf("GET /api/orders X-Seq = %q; want a number", h.Get("X-Seq"))
	}
	return seq
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

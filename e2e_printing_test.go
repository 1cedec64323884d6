package main

// The print queue end to end: the real binary, a fake printer on loopback
// that is switched off, and the box SIGKILLed with tickets queued, then
// killed again in the middle of sending one.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rms/print/printertest"
	"rms/store"
)

func TestPrintQueueSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildRMS(t)
	dir := t.TempDir()
	port := freeLoopbackPort(t)
	fp, err := printertest.Start()
	if err != nil {
		t.Fatalf("printertest.Start: %v", err)
	}
	defer fp.Close()
	fp.Off()

	box, logs := startRMS(t, bin, dir, port)
	api := box.api + "/api"
	var login struct{ Token string }
	crashMustCall(t, "POST", api+"/auth/login", "", map[string]string{"username": "admin", "password": crashAdminPassword}, 200, &login)
	tok := login.Token
	var cat store.Category
	crashMustCall(t, "POST", api+"/menu/categories", tok, map[string]any{"name": "Pizza"}, 201, &cat)
	var item store.Item
	crashMustCall(t, "POST", api+"/menu/items", tok, map[string]any{"category_id": cat.ID, "name": "Diavola", "price_cents": 950}, 201, &item)
	var table store.Table
	crashMustCall(t, "POST", api+"/tables", tok, map[string]any{"name": "Window 2", "seats": 2}, 201, &table)
	var printer store.Printer
	crashMustCall(t, "POST", api+"/printers", tok, map[string]any{"name": "Pass", "address": fp.Addr(), "kind": "kitchen"}, 201, &printer)

	// Staff orders go straight to the kitchen: one ticket each, all queued
	// while the printer is off.
	var ids []int64
	for i := range 5 {
		var o store.Order
		crashMustCall(t, "POST", api+"/orders", tok, map[string]any{"table_id": table.ID, "notes": fmt.Sprintf("round %d", i),
			"items": []map[string]any{{"menu_item_id": item.ID, "quantity": i + 1}}}, 201, &o)
		ids = append(ids, o.ID)
	}
	waitFor(t, 20*time.Second, "the printer shown offline with 5 queued", func() bool {
		var ps []store.Printer
		crashMustCall(t, "GET", api+"/printers", tok, nil, 200, &ps)
		return len(ps) == 1 && ps[0].Status == "offline" && ps[0].Queued == 5
	})
	box.kill()
	fp.On()

	box, logs = startRMS(t, bin, dir, port)
	got, err := fp.Wait(5, 30*time.Second)
	if err != nil {
		t.Fatalf("after restart %d prints, %v; want 5\n%s", len(got), err, logs.String())
	}
	// A test page queued now prints after everything queued before it.
	crashMustCall(t, "POST", api+fmt.Sprintf("/printers/%d/test", printer.ID), tok, nil, 202, nil)
	got, err = fp.Wait(6, 30*time.Second)
	if err != nil {
		t.Fatalf("test page: %d prints, %v", len(got), err)
	}
	for i, p := range got[:5] {
		if _, ok := p.Find(fmt.Sprintf("Order %d ", ids[i])); !ok {
			t.Errorf("print %d:\n%s\nwant order %d (in order)", i, p.Text(), ids[i])
		}
		if _, ok := p.Find(fmt.Sprintf("%d x Diavola", i+1)); !ok || p.Cuts != 1 {
			t.Errorf("print %d:\n%s\nwant %d x Diavola and one cut", i, p.Text(), i+1)
		}
		if _, ok := p.Find("REPEAT"); ok {
			t.Errorf("print %d is marked REPEAT; it was never sent before", i)
		}
	}
	if len(got) != 6 || !strings.Contains(got[5].Text(), "TEST PAGE") {
		t.Fatalf("%d prints, last %q; want the 5 tickets once each, then the test page", len(got), got[len(got)-1].Text())
	}

	// Killed while sending: the printer takes the connection and never
	// finishes. The job was marked as being sent, so after the restart it
	// prints again, headed as a possible duplicate, and only once.
	fp.Jam(true)
	var o store.Order
	crashMustCall(t, "POST", api+"/orders", tok, map[string]any{"table_id": table.ID,
		"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 9}}}, 201, &o)
	waitFor(t, 20*time.Second, "the box sending to the jammed printer", func() bool { return fp.Conns() > 0 })
	time.Sleep(500 * time.Millisecond) // the sending mark is one commit after the connect
	box.kill()
	st, err := store.Open(context.Background(), filepath.Join(dir, "rms.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	job, err := st.NextPrintJob(context.Background(), printer.ID)
	st.Close()
	if err != nil || job.Doc.Order == nil || job.Doc.Order.ID != o.ID {
		t.Fatalf("after the kill the queue holds %+v, %v; want order %d's ticket", job, err, o.ID)
	}
	fp.Off()
	fp.Jam(false)
	if err := fp.On(); err != nil {
		t.Fatalf("On: %v", err)
	}
	box, logs = startRMS(t, bin, dir, port)
	crashMustCall(t, "POST", api+fmt.Sprintf("/printers/%d/test", printer.ID), tok, nil, 202, nil)
	got, err = fp.Wait(8, 30*time.Second)
	if err != nil {
		t.Fatalf("after the second restart %d prints, %v\n%s", len(got), err, logs.String())
	}
	last := got[6]
	if _, ok := last.Find(fmt.Sprintf("Order %d ", o.ID)); !ok {
		t.Fatalf("print 7:\n%s\nwant order %d", last.Text(), o.ID)
	}
	_, repeat := last.Find("REPEAT: MAY BE A DUPLICATE")
	if repeat != (job.Attempts > 0) {
		t.Errorf("reprinted ticket REPEAT banner = %v with %d attempts before the kill; want the banner exactly when a send had begun", repeat, job.Attempts)
	}
	if !strings.Contains(got[7].Text(), "TEST PAGE") || len(got) != 8 {
		t.Errorf("%d prints; want the interrupted ticket once, then the test page", len(got))
	}
	var ps []store.Printer
	waitFor(t, 10*time.Second, "the printer ok with nothing queued", func() bool {
		crashMustCall(t, "GET", api+"/printers", tok, nil, 200, &ps)
		return ps[0].Status == "ok" && ps[0].Queued == 0
	})
	t.Logf("interrupted job had %d attempts before the kill; printed as a repeat: %v", job.Attempts, repeat)
}

package main

// The crash test: the real binary, SIGKILLed in the middle of a stream of
// orders and payments, must come back with every write it answered 2xx and
// with its event log continuing where it stopped, under the same epoch.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/store"
)

const crashAdminPassword = "crash-test-admin-pw"

// rmsProc is one run of the real binary.
type rmsProc struct {
	cmd  *exec.Cmd
	api  string
	logs *bytes.Buffer
	done chan struct{}
}

// buildRMS compiles the binary of this module into a temporary folder.
func buildRMS(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rms")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeLoopbackPort returns a loopback port nobody listens on right now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lockedBuffer lets the process write its logs while the test reads them.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRMS runs the binary on dir and port and waits until /healthz says ok.
func startRMS(t *testing.T, bin, dir string, port int) (*rmsProc, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	cmd := exec.Command(bin, "serve", "--mdns=false", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data", dir)
	cmd.Env = append(os.Environ(), "RMS_ADMIN_PASSWORD="+crashAdminPassword, "RMS_DEMO=false")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rms: %v", err)
	}
	p := &rmsProc{cmd: cmd, api: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("rms exited during start:\n%s", logs.String())
		default:
		}
		resp, err := http.Get(p.api + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, logs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rms did not answer /healthz within 30 s:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *rmsProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// crashCall is one HTTP exchange with the running binary; err is a transport
// error (the process died), not an HTTP status.
func crashCall(client *http.Client, method, url, token string, body any, header map[string]string) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, raw, resp.Header, nil
}

// crashMustCall is crashCall that fails the test unless the status is want.
func crashMustCall(t *testing.T, method, url, token string, body any, want int, out any) http.Header {
	t.Helper()
	status, raw, h, err := crashCall(http.DefaultClient, method, url, token, body, nil)
	if err != nil {
		t.Fatalf("%s %s err = %v", method, url, err)
	}
	if status != want {
		t.Fatalf("%s %s status = %d (%s); want %d", method, url, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	return h
}

// sentOrder is an order request, and what the box answered if it did.
type sentOrder struct {
	key   string
	in    store.NewOrder
	order *store.Order // nil: no answer before the crash
}

// crashLedger is everything the box acknowledged (or may have done) so far.
type crashLedger struct {
	mu       sync.Mutex
	orders   map[int64]store.Order   // every order that got a 201
	unknown  []sentOrder             // orders sent without an answer
	payments map[int64]store.Payment // every payment that got a 201
	payTries map[int64]int           // payments sent per table without an answer
	others   []string                // unexpected answers

	// acknowledged since the last look at the dead box's event log
	newOrders, newPayments []int64
}

func sameOrder(got, want store.Order) error {
	if got.ID != want.ID || got.TableID != want.TableID || got.Notes != want.Notes || got.SubtotalCents != want.SubtotalCents || len(got.Items) != len(want.Items) {
		return fmt.Errorf("order %d = table %d notes %q subtotal %d %d lines; want table %d notes %q subtotal %d %d lines",
			got.ID, got.TableID, got.Notes, got.SubtotalCents, len(got.Items), want.TableID, want.Notes, want.SubtotalCents, len(want.Items))
	}
	for i := range want.Items {
		g, w := got.Items[i], want.Items[i]
		if g.ID != w.ID || g.MenuItemID != w.MenuItemID || g.Quantity != w.Quantity || g.UnitPriceCents != w.UnitPriceCents || g.Notes != w.Notes {
			return fmt.Errorf("order %d line %d = %+v; want %+v", want.ID, i, g, w)
		}
	}
	return nil
}

// TestCrashDurability runs the real binary, posts orders and payments from
// several goroutines as fast as it answers, SIGKILLs it mid-stream and
// restarts it, six times. Every order and payment that got a 201 must be
// there with its lines, the event log must hold an event for each, with
// seqs that continue without a gap under the same epoch, and a client that
// retries an unanswered order with its Idempotency-Key must get exactly
// one order.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	bin := buildRMS(t)
	dir, port := t.TempDir(), freeLoopbackPort(t)
	proc, logs := startRMS(t, bin, dir, port)
	api := proc.api

	var admin struct{ Token string }
	crashMustCall(t, "POST", api+"/api/auth/login", "", map[string]string{"username": "admin", "password": crashAdminPassword}, 200, &admin)
	tok := admin.Token
	var cat store.Category
	crashMustCall(t, "POST", api+"/api/menu/categories", tok, map[string]any{"name": "Mains"}, 201, &cat)
	var lasagne, spritz store.Item
	crashMustCall(t, "POST", api+"/api/menu/items", tok, map[string]any{"category_id": cat.ID, "name": "Lasagne", "price_cents": 1250}, 201, &lasagne)
	crashMustCall(t, "POST", api+"/api/menu/items", tok, map[string]any{"category_id": cat.ID, "name": "Spritz", "price_cents": 800, "station": "bar"}, 201, &spritz)
	items := []int64{lasagne.ID, spritz.ID}

	led := &crashLedger{orders: map[int64]store.Order{}, payments: map[int64]store.Payment{}, payTries: map[int64]int{}}
	var epoch string
	var lastSeq int64 // the newest seq checked so far
	const rounds = 6
	for round := 1; round <= rounds; round++ {
		// Fresh tables each round, each with a bill far larger than the
		// payments of one round can settle, so every payment is a 201.
		var tables []int64
		for i := 0; i < 6; i++ {
			var tb store.Table
			crashMustCall(t, "POST", api+"/api/tables", tok, map[string]any{"name": fmt.Sprintf("R%d-%d", round, i), "seats": 4}, 201, &tb)
			tables = append(tables, tb.ID)
			in := store.NewOrder{TableID: tb.ID, Items: []store.NewOrderItem{{MenuItemID: lasagne.ID, Quantity: 99}, {MenuItemID: lasagne.ID, Quantity: 99}}}
			var o store.Order
			crashMustCall(t, "POST", api+"/api/orders", tok, in, 201, &o)
			led.orders[o.ID] = o
			led.newOrders = append(led.newOrders, o.ID)
		}

		stopped := runCrashLoad(t, api, tok, round, tables, items, led)
		time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		proc.kill()
		// A writer may hold a 201 it has not recorded yet: let every writer
		// see its error and stop before the ledger is checked.
		stopped()
		led.mu.Lock()
		t.Logf("round %d: killed mid-stream; %d orders and %d payments acknowledged since the last kill", round, len(led.newOrders), len(led.newPayments))
		led.mu.Unlock()

		lastSeq = checkDeadBox(t, dir, led, &epoch, lastSeq)

		proc, logs = startRMS(t, bin, dir, port)
		checkLiveBox(t, api, tok, led, epoch, lastSeq)
		if t.Failed() {
			t.Logf("rms logs:\n%s", logs.String())
			return
		}
	}
	proc.kill()
	checkDeadBox(t, dir, led, &epoch, lastSeq)
	t.Logf("%d orders and %d payments acknowledged over %d crashes; event log at seq %d, epoch %s",
		len(led.orders), len(led.payments), rounds, lastSeq, epoch)
}

// runCrashLoad starts order and payment writers and returns once at least
// 40 writes were acknowledged, leaving them running for the kill. Each
// writer stops at its first failed request; the returned func waits for
// all of them.
func runCrashLoad(t *testing.T, api, tok string, round int, tables, items []int64, led *crashLedger) (wait func()) {
	t.Helper()
	var writers sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	ack := func() {
		mu.Lock()
		acked++
		mu.Unlock()
	}
	for g := 0; g < 6; g++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 20 * time.Second}
			for i := 0; ; i++ {
				in := store.NewOrder{TableID: tables[rand.IntN(len(tables))], Notes: fmt.Sprintf("r%d g%d n%d", round, g, i)}
				for l := 0; l <= rand.IntN(3); l++ {
					in.Items = append(in.Items, store.NewOrderItem{MenuItemID: items[rand.IntN(len(items))], Quantity: int64(1 + rand.IntN(5)), Notes: strconv.Itoa(l)})
				}
				key := fmt.Sprintf("crash-%d-%d-%d", round, g, i)
				status, raw, _, err := crashCall(client, "POST", api+"/api/orders", tok, in, map[string]string{"Idempotency-Key": key})
				led.mu.Lock()
				switch {
				case err != nil:
					led.unknown = append(led.unknown, sentOrder{key: key, in: in})
				case status == http.StatusCreated:
					var o store.Order
					if jerr := json.Unmarshal(raw, &o); jerr != nil {
						led.others = append(led.others, fmt.Sprintf("order 201 with %s: %v", raw, jerr))
					} else {
						led.orders[o.ID] = o
						led.newOrders = append(led.newOrders, o.ID)
					}
				default:
					led.others = append(led.others, fmt.Sprintf("POST /api/orders = %d %s", status, raw))
				}
				led.mu.Unlock()
				if err != nil || status != http.StatusCreated {
					return
				}
				ack()
			}
		}()
	}
	methods := []string{"cash", "card", "other"}
	for g := 0; g < 3; g++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 20 * time.Second}
			for {
				in := store.NewPayment{TableID: tables[rand.IntN(len(tables))], Method: methods[rand.IntN(3)], AmountCents: int64(1 + rand.IntN(99)), TipCents: int64(rand.IntN(50))}
				status, raw, _, err := crashCall(client, "POST", api+"/api/payments", tok, in, nil)
				led.mu.Lock()
				switch {
				case err != nil:
					led.payTries[in.TableID]++
				case status == http.StatusCreated:
					var p store.Payment
					if jerr := json.Unmarshal(raw, &p); jerr != nil || p.TableID != in.TableID || p.AmountCents != in.AmountCents || p.TipCents != in.TipCents || p.Method != in.Method {
						led.others = append(led.others, fmt.Sprintf("payment 201 %s for %+v (%v)", raw, in, jerr))
					} else {
						led.payments[p.ID] = p
						led.newPayments = append(led.newPayments, p.ID)
					}
				default:
					led.others = append(led.others, fmt.Sprintf("POST /api/payments = %d %s", status, raw))
				}
				led.mu.Unlock()
				if err != nil || status != http.StatusCreated {
					return
				}
				ack()
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := acked
		mu.Unlock()
		if n >= 40 {
			return writers.Wait
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: only %d writes acknowledged in 60 s", round, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkDeadBox opens the data folder of the killed process and checks that
// everything acknowledged is there, that the event log kept its epoch and
// that its seqs since prev run on without a gap, each acknowledged order and
// payment with its event. It returns the log's newest seq.
func checkDeadBox(t *testing.T, dir string, led *crashLedger, epoch *string, prev int64) int64 {
	t.Helper()
	led.mu.Lock()
	defer led.mu.Unlock()
	for _, o := range led.others {
		t.Errorf("unexpected answer before the kill: %s", o)
	}
	led.others = nil
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "rms.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open() after the kill err = %v", err)
	}
	defer st.Close()
	info, err := st.EventLog(ctx)
	if err != nil {
		t.Fatalf("EventLog() err = %v", err)
	}
	if *epoch == "" {
		*epoch = info.Epoch
	} else if info.Epoch != *epoch {
		t.Errorf("epoch after the kill = %q; want %q (the log was replaced)", info.Epoch, *epoch)
	}
	if info.LastSeq < prev {
		t.Fatalf("last seq after the kill = %d; want at least %d", info.LastSeq, prev)
	}

	for id, want := range led.orders {
		got, err := st.Order(ctx, id)
		if err != nil {
			t.Errorf("acknowledged order %d: Order() err = %v", id, err)
			continue
		}
		if err := sameOrder(got, want); err != nil {
			t.Errorf("acknowledged order changed: %v", err)
		}
	}
	all, err := st.Payments(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatalf("Payments() err = %v", err)
	}
	byID := map[int64]store.Payment{}
	for _, p := range all {
		byID[p.ID] = p
	}
	for id, want := range led.payments {
		got, ok := byID[id]
		if !ok {
			t.Errorf("acknowledged payment %d (%+v) is missing", id, want)
		} else if got.TableID != want.TableID || got.AmountCents != want.AmountCents || got.TipCents != want.TipCents || got.Method != want.Method {
			t.Errorf("payment %d = %+v; want %+v", id, got, want)
		}
	}

	// Every event since prev, from every room, must run prev+1..LastSeq.
	seqs := map[int64]store.Event{}
	for _, room := range []string{store.RoomOrders, store.RoomTables, store.RoomKDS, store.RoomMenu} {
		evs, err := st.EventsSince(ctx, room, prev, 1_000_000)
		if err != nil {
			t.Fatalf("EventsSince(%s) err = %v", room, err)
		}
		for _, e := range evs {
			seqs[e.Seq] = e
		}
	}
	if int64(len(seqs)) != info.LastSeq-prev {
		t.Errorf("events after seq %d: %d; want %d (seqs %d..%d without a gap)", prev, len(seqs), info.LastSeq-prev, prev+1, info.LastSeq)
	}
	for seq := prev + 1; seq <= info.LastSeq; seq++ {
		if _, ok := seqs[seq]; !ok {
			t.Errorf("event %d is missing from the log (last %d)", seq, info.LastSeq)
			break
		}
	}
	created, paid := map[int64]bool{}, map[int64]bool{}
	for _, e := range seqs {
		var d struct{ ID int64 }
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Errorf("event %d (%s) data %s: %v", e.Seq, e.Name, e.Data, err)
		}
		switch e.Name {
		case "order:created":
			created[d.ID] = true
		case "payment:completed":
			paid[d.ID] = true
		}
	}
	// Writes acknowledged since the last check have their events after prev.
	for _, id := range led.newOrders {
		if !created[id] {
			t.Errorf("acknowledged order %d has no order:created event after seq %d", id, prev)
		}
	}
	for _, id := range led.newPayments {
		if !paid[id] {
			t.Errorf("acknowledged payment %d has no payment:completed event after seq %d", id, prev)
		}
	}
	led.newOrders, led.newPayments = nil, nil
	return info.LastSeq
}

// checkLiveBox checks the restarted binary: it goes on from the newest seq
// of the log under the same epoch (in X-Seq and in the WebSocket's ready), serves every acknowledged order and payment, and when the
// unanswered orders are sent again with their Idempotency-Key (as the
// table app does) each exists exactly once. Bills must add up to the
// payments the box lists.
func checkLiveBox(t *testing.T, api, tok string, led *crashLedger, epoch string, lastSeq int64) {
	t.Helper()
	led.mu.Lock()
	defer led.mu.Unlock()
	var orders []store.Order
	h := crashMustCall(t, "GET", api+"/api/orders", tok, nil, 200, &orders)
	if got := h.Get("X-Seq"); got != strconv.FormatInt(lastSeq, 10) {
		t.Errorf("X-Seq after the restart = %q; want %d (the seq must continue)", got, lastSeq)
	}
	// What a screen that reconnects is told: the same epoch, and the seq
	// where the log stopped, so it resumes without a gap.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(api, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
	if err != nil {
		t.Fatalf("dial /ws after the restart: %v", err)
	}
	defer ws.CloseNow()
	_, raw, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read ready: %v", err)
	}
	var ready struct {
		Event string
		Data  struct {
			Epoch string
			Seq   int64
		}
	}
	if err := json.Unmarshal(raw, &ready); err != nil || ready.Event != "ready" {
		t.Fatalf("first frame after the restart %s (%v); want ready", raw, err)
	}
	if ready.Data.Epoch != epoch || ready.Data.Seq != lastSeq {
		t.Errorf("ready after the restart: epoch %q seq %d; want epoch %q seq %d", ready.Data.Epoch, ready.Data.Seq, epoch, lastSeq)
	}
	ws.Close(websocket.StatusNormalClosure, "")

	byID := map[int64]store.Order{}
	for _, o := range orders {
		byID[o.ID] = o
	}
	for id, want := range led.orders {
		if err := sameOrder(byID[id], want); err != nil {
			t.Errorf("after the restart: %v", err)
		}
	}

	created, replayed := 0, 0
	for _, u := range led.unknown {
		status, raw, hdr, err := crashCall(http.DefaultClient, "POST", api+"/api/orders", tok, u.in, map[string]string{"Idempotency-Key": u.key})
		if err != nil || status != http.StatusCreated {
			t.Errorf("retry of order %q = %d %s %v; want 201", u.key, status, raw, err)
			continue
		}
		var o store.Order
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		if o.Notes != u.in.Notes {
			t.Errorf("retry of order %q returned order %d with notes %q; want %q", u.key, o.ID, o.Notes, u.in.Notes)
		}
		led.orders[o.ID] = o
		if hdr.Get("Idempotent-Replayed") == "true" {
			replayed++
		} else {
			created++
			led.newOrders = append(led.newOrders, o.ID)
		}
	}
	if len(led.unknown) > 0 {
		t.Logf("%d unanswered orders sent again: %d had been committed before the kill, %d were new", len(led.unknown), replayed, created)
	}
	led.unknown = nil
	orders = nil
	crashMustCall(t, "GET", api+"/api/orders", tok, nil, 200, &orders)
	notes := map[string]int{}
	for _, o := range orders {
		if o.Notes != "" {
			notes[o.Notes]++
		}
	}
	for n, c := range notes {
		if c != 1 {
			t.Errorf("%d orders with notes %q; want 1 (an idempotent retry made a duplicate)", c, n)
		}
	}
	if len(orders) != len(led.orders) {
		t.Errorf("GET /api/orders = %d orders; want %d (acknowledged, retried)", len(orders), len(led.orders))
	}

	var payments []store.Payment
	crashMustCall(t, "GET", api+"/api/payments", tok, nil, 200, &payments)
	listed := map[int64]store.Payment{}
	perTable := map[int64]int64{}
	ackedPerTable, listedPerTable := map[int64]int{}, map[int64]int{}
	for _, p := range payments {
		listed[p.ID] = p
		perTable[p.TableID] += p.AmountCents
		listedPerTable[p.TableID]++
	}
	for id, want := range led.payments {
		ackedPerTable[want.TableID]++
		if got, ok := listed[id]; !ok || got.AmountCents != want.AmountCents || got.TableID != want.TableID {
			t.Errorf("after the restart payment %d = %+v (listed %v); want %+v", id, got, ok, want)
		}
	}
	for table, n := range listedPerTable {
		if extra := n - ackedPerTable[table]; extra < 0 || extra > led.payTries[table] {
			t.Errorf("table %d: %d payments listed, %d acknowledged, %d unanswered", table, n, ackedPerTable[table], led.payTries[table])
		}
		var bill store.Bill
		crashMustCall(t, "GET", fmt.Sprintf("%s/api/tables/%d/bill", api, table), tok, nil, 200, &bill)
		if bill.PaidCents != perTable[table] {
			t.Errorf("table %d bill paid_cents = %d; want %d, the sum of its payments", table, bill.PaidCents, perTable[table])
		}
	}
	// What was unanswered is now settled: the payments listed are the truth.
	for id, p := range listed {
		if _, ok := led.payments[id]; !ok {
			led.payments[id] = p
		}
	}
	led.payTries = map[int64]int{}
}

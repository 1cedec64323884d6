package server

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/store"
)

var (
	soakFor     = flag.Duration("soak", 0, "run TestSoak for this long (e.g. 10m); 0 skips it")
	soakClients = flag.Int("soak.clients", 1000, "WebSocket clients held by TestSoak")
	soakRate    = flag.Int("soak.rate", 10, "writes per second during TestSoak (orders and status changes)")
	soakDrop    = flag.Duration("soak.drop", 60*time.Second, "mean time between a client's connection drops")
)

// soakTally is what one client saw of its room, kept in O(1) memory: the
// count, sum and a hash-sum of the seqs, compared at the end with the
// event log's, plus every seq that did not rise (a duplicate or a reorder).
type soakTally struct {
	count, sum, hash uint64
	last             int64
	notRising        int
}

func (t *soakTally) add(seq int64) {
	if seq <= t.last {
		t.notRising++
		return
	}
	t.last = seq
	t.count++
	t.sum += uint64(seq)
	t.hash += soakMix(uint64(seq))
}

// soakMix is splitmix64's finaliser: a hash-sum that tells apart two sets of
// seqs with the same count and sum.
func soakMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// soakClient is one screen: it holds a socket to one room, drops it now
// and then like a tablet on bad Wi-Fi, and resumes with since.
type soakClient struct {
	url, token string
	event      string         // subscribe:...
	data       map[string]any // its data, without since
	room       string

	mu        sync.Mutex
	tally     soakTally
	resyncs   int
	drops     int // by the client
	closed    map[int]int
	reconnect int
}

func (c *soakClient) last() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tally.last
}

// session dials, subscribes with since and reads until the socket ends or
// dropAt passes; it returns the close code (0 when the client dropped it).
func (c *soakClient) session(ctx context.Context, dropAt time.Time) (int, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, c.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + c.token}}})
	if err != nil {
		return -1, err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	data := map[string]any{"since": c.last()}
	for k, v := range c.data {
		data[k] = v
	}
	msg, _ := json.Marshal(map[string]any{"event": c.event, "id": 1, "data": data})
	if err := ws.Write(dctx, websocket.MessageText, msg); err != nil {
		return -1, err
	}
	rctx, rcancel := context.WithDeadline(ctx, dropAt)
	defer rcancel()
	for {
		_, raw, err := ws.Read(rctx)
		if err != nil {
			if rctx.Err() != nil {
				return 0, nil // our drop: the socket vanishes without a close frame
			}
			return int(websocket.CloseStatus(err)), nil
		}
		var f struct {
			Event string `json:"event"`
			Room  string `json:"room"`
			Seq   int64  `json:"seq"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return -1, fmt.Errorf("frame %q: %w", raw, err)
		}
		c.mu.Lock()
		switch {
		case f.Event == "resync":
			c.resyncs++
		case f.Seq > 0:
			if f.Room != c.room {
				c.tally.notRising++ // counted as wrong: a frame of a room it is not in
			} else {
				c.tally.add(f.Seq)
			}
		}
		c.mu.Unlock()
	}
}

// run keeps the client connected until ctx ends, dropping its socket at
// random (exponential, mean soakDrop) unless steady is set.
func (c *soakClient) run(ctx context.Context, steady *atomic.Bool, errs chan<- error) {
	for ctx.Err() == nil {
		dropAt := time.Now().Add(24 * time.Hour)
		if !steady.Load() {
			dropAt = time.Now().Add(time.Duration(rand.ExpFloat64() * float64(*soakDrop)))
		}
		code, err := c.session(ctx, dropAt)
		if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		c.reconnect++
		if err != nil {
			if c.closed == nil {
				c.closed = map[int]int{}
			}
			c.closed[-1]++
		} else if code == 0 {
			c.drops++
		} else {
			if c.closed == nil {
				c.closed = map[int]int{}
			}
			c.closed[code]++
		}
		c.mu.Unlock()
		if err != nil && !strings.Contains(err.Error(), "connection reset") {
			select {
			case errs <- err:
			default:
			}
		}
		// Back on the network after up to 3 s, like a tablet.
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(rand.IntN(3000)) * time.Millisecond):
		}
	}
}

type soakMem struct {
	heap, sys uint64
	rss       int64
	gor       int
}

func soakMeasure() soakMem {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := soakMem{heap: ms.HeapAlloc, sys: ms.Sys, gor: runtime.NumGoroutine(), rss: -1}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.rss = kb << 10
			}
		}
	}
	return m
}

func (m soakMem) String() string {
	return fmt.Sprintf("heap %.1f MiB, Go sys %.1f MiB, RSS %.1f MiB, %d goroutines",
		float64(m.heap)/(1<<20), float64(m.sys)/(1<<20), float64(m.rss)/(1<<20), m.gor)
}

// TestSoak holds -soak.clients WebSocket connections for -soak with orders
// flowing, every client dropping its socket at random and resuming with
// since, and checks that no client missed or saw twice a single event of
// its room, that memory does not grow, and that goroutines return to their
// baseline. Run it with
//
//	go test -run '^TestSoak$' -soak 10m -timeout 30m -v ./server
//
// Client and server share this process, so memory and goroutines are for
// both sides.
func TestSoak(t *testing.T) {
	if *soakFor == 0 {
		t.Skip("the soak test runs with -soak DURATION")
	}
	ts := newTestServer(t)
	_, item, bar := ts.seedMenu(t)
	items := []int64{item, bar}
	var tables []int64
	customers := map[int64]string{}
	for i := 0; i < 25; i++ {
		var tb store.Table
		ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": fmt.Sprintf("S%d", i), "seats": 4}, &tb)
		tables = append(tables, tb.ID)
		customers[tb.ID] = ts.pair(t, tb.ID)
	}
	startSeq := ts.lastSeq(t)
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"

	// Settle, then the baseline: a serving box with no clients and no
	// idle keep-alive connections (each holds three goroutines).
	ts.Client().CloseIdleConnections()
	time.Sleep(time.Second)
	base := soakMeasure()

	n := *soakClients
	clients := make([]*soakClient, n)
	for i := range clients {
		c := &soakClient{url: wsURL, tally: soakTally{last: startSeq}}
		switch i % 5 {
		case 0, 1: // floor staff on the orders room
			c.token, c.event, c.room = ts.waiter, "subscribe:orders", "orders"
		case 2, 3: // kitchen screens
			c.token, c.event, c.room = ts.chef, "subscribe:kds", "kds"
		default: // a table's iPad
			tb := tables[i%len(tables)]
			c.token, c.event, c.room = customers[tb], "subscribe:table", store.TableRoom(tb)
			c.data = map[string]any{"table_id": tb}
		}
		clients[i] = c
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var steady atomic.Bool
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(ctx, &steady, errs) }()
		if i%50 == 49 {
			time.Sleep(20 * time.Millisecond) // do not SYN-flood our own listener
		}
	}

	// Writers: new orders and kitchen progress at -soak.rate per second.
	var writes, writeErrs atomic.Int64
	wctx, stopWriters := context.WithCancel(ctx)
	var ww sync.WaitGroup
	ww.Add(1)
	go func() {
		defer ww.Done()
		tick := time.NewTicker(time.Second / time.Duration(*soakRate))
		defer tick.Stop()
		type open struct {
			id     int64
			status string
		}
		var active []open
		next := map[string]struct{ to, token string }{
			"confirmed": {"preparing", ts.chef}, "preparing": {"ready", ts.chef}, "ready": {"served", ts.waiter},
		}
		for {
			select {
			case <-wctx.Done():
				return
			case <-tick.C:
			}
			var status int
			if len(active) == 0 || rand.IntN(10) < 4 {
				body := map[string]any{"table_id": tables[rand.IntN(len(tables))], "items": []map[string]any{{"menu_item_id": items[rand.IntN(2)], "quantity": 1 + rand.IntN(3)}}}
				var o store.Order
				status = soakPost(ts, "POST", "/api/orders", ts.waiter, body, &o)
				if status == 201 {
					active = append(active, open{o.ID, o.Status})
				}
			} else {
				i := rand.IntN(len(active))
				step := next[active[i].status]
				status = soakPost(ts, "PATCH", fmt.Sprintf("/api/orders/%d/status", active[i].id), step.token, map[string]any{"status": step.to}, nil)
				if active[i].status = step.to; step.to == "served" {
					active = append(active[:i], active[i+1:]...)
				}
			}
			writes.Add(1)
			if status >= 300 {
				writeErrs.Add(1)
			}
		}
	}()

	// Let every client connect, then measure the start.
	time.Sleep(min(30*time.Second, *soakFor/4))
	start := soakMeasure()
	t.Logf("baseline (no clients): %v", base)
	t.Logf("start (%d clients): %v", n, start)
	began := time.Now()
	report := time.NewTicker(time.Minute)
	defer report.Stop()
	deadline := time.After(*soakFor)
loop:
	for {
		select {
		case <-deadline:
			break loop
		case err := <-errs:
			t.Logf("client error: %v", err)
		case <-report.C:
			m := soakMeasure()
			t.Logf("after %v: %d writes; %v", time.Since(began).Round(time.Second), writes.Load(), m)
		}
	}
	stopWriters()
	ww.Wait()
	steady.Store(true)

	// Every client must now catch up with its room's log exactly.
	endSeq := ts.lastSeq(t)
	want := map[string]soakTally{}
	for _, c := range clients {
		if _, ok := want[c.room]; ok {
			continue
		}
		evs, err := ts.store.EventsSince(context.Background(), c.room, startSeq, 10_000_000)
		if err != nil {
			t.Fatalf("EventsSince(%s) err = %v", c.room, err)
		}
		w := soakTally{last: startSeq}
		for _, e := range evs {
			w.add(e.Seq)
		}
		want[c.room] = w
	}
	caughtUp := func() int {
		behind := 0
		for _, c := range clients {
			if c.last() != want[c.room].last {
				behind++
			}
		}
		return behind
	}
	waitUntil := time.Now().Add(60 * time.Second)
	for caughtUp() > 0 && time.Now().Before(waitUntil) {
		time.Sleep(500 * time.Millisecond)
	}
	end := soakMeasure()

	var missed, dups, wrongSet, resyncs, drops, reconnects int
	closes := map[int]int{}
	for _, c := range clients {
		c.mu.Lock()
		w := want[c.room]
		if c.tally.count < w.count {
			missed += int(w.count - c.tally.count)
		}
		dups += c.tally.notRising
		if c.tally.count == w.count && (c.tally.sum != w.sum || c.tally.hash != w.hash) {
			wrongSet++
		}
		resyncs += c.resyncs
		drops += c.drops
		reconnects += c.reconnect
		for code, k := range c.closed {
			closes[code] += k
		}
		c.mu.Unlock()
	}
	stop()
	wg.Wait()
	ts.Client().CloseIdleConnections()

	// Goroutines of the closed connections must all end.
	var after soakMem
	for i := 0; i < 60; i++ {
		time.Sleep(500 * time.Millisecond)
		if after = soakMeasure(); after.gor <= base.gor+2 {
			break
		}
	}
	var delivered uint64
	for _, c := range clients {
		delivered += c.tally.count
	}
	t.Logf("%v with %d clients: %d writes (%d failed), events %d..%d, %d deliveries (%.0f/s), %d client drops, %d reconnects, server closes %v",
		*soakFor, n, writes.Load(), writeErrs.Load(), startSeq+1, endSeq, delivered, float64(delivered)/time.Since(began).Seconds(), drops, reconnects, closes)
	t.Logf("missed %d, duplicated or reordered %d, wrong sets %d, resyncs %d", missed, dups, wrongSet, resyncs)
	t.Logf("memory: baseline %v", base)
	t.Logf("memory: start    %v", start)
	t.Logf("memory: end      %v", end)
	t.Logf("memory: closed   %v", after)
	if missed != 0 || dups != 0 || wrongSet != 0 {
		t.Errorf("missed %d, duplicated or reordered %d, wrong sets %d; want 0 each", missed, dups, wrongSet)
	}
	if resyncs != 0 {
		t.Errorf("%d resyncs; want 0 (every drop was short enough to resume)", resyncs)
	}
	if writeErrs.Load() != 0 {
		t.Errorf("%d writes failed", writeErrs.Load())
	}
	// Growth beyond noise: more than a quarter of the start plus 16 MiB.
	if end.heap > start.heap+start.heap/4+16<<20 {
		t.Errorf("heap grew from %.1f MiB to %.1f MiB over the soak", float64(start.heap)/(1<<20), float64(end.heap)/(1<<20))
	}
	if after.gor > base.gor+2 {
		t.Errorf("%d goroutines after every client left; baseline %d", after.gor, base.gor)
	}
}

// soakPost sends one write and decodes a 2xx answer into out.
func soakPost(ts *testServer, method, path, token string, body, out any) int {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().Do(req)
	if err != nil {
		return 599
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

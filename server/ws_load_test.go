package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rms/hub"
	"rms/store"
)

// The realtime load test. It is off by default (it wants the machine to
// itself); the README's Performance section has the command and figures:
//
//	go test ./server -run '^TestWSLoad$' -ws.load -v
//	go test ./server -run '^TestWSLoad$' -ws.load -ws.proto socketio -v
var (
	wsLoad         = flag.Bool("ws.load", false, "run TestWSLoad, the realtime load test")
	wsLoadClients  = flag.Int("ws.clients", 1000, "WebSocket clients subscribed to kds")
	wsLoadRate     = flag.Int("ws.rate", 20, "orders per second in the latency phase")
	wsLoadDuration = flag.Duration("ws.duration", 15*time.Second, "length of the latency phase")
	wsLoadBurst    = flag.Duration("ws.burst", 5*time.Second, "length of the throughput phase (0 skips it)")
	wsLoadPosters  = flag.Int("ws.posters", 16, "concurrent REST writers in the throughput phase")
	wsLoadProto    = flag.String("ws.proto", "ws", "what the clients speak: ws (GET /ws) or socketio (/socket.io/ over WebSocket)")
	wsLoadAuthMsg  = flag.Bool("ws.authmsg", false, "clients sign in with an auth message (as browsers do), not a header on the upgrade")
	wsLoadProfile  = flag.String("ws.profile", "", "folder for the server's CPU profile (cpu.out) and execution trace (trace.out)")
)

// TestWSLoadServer is the box TestWSLoad measures, run as a separate
// process (this test binary again) so that its memory is its own.
func TestWSLoadServer(t *testing.T) {
	dir := os.Getenv("RMS_WS_LOAD_SERVER")
	if dir == "" {
		t.Skip("the server process of TestWSLoad")
	}
	TuneGC() // as the box does
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "rms.db"), store.Options{BcryptCost: 4})
	if err != nil {
		t.Fatalf("store.Open() err = %v", err)
	}
	if _, err := st.SeedDemo(ctx); err != nil {
		t.Fatalf("SeedDemo() err = %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(hub.Options{Logger: log})
	secret := make([]byte, 32)
	rand.Read(secret)
	srv, err := New(Options{Store: st, Hub: h, Assets: testAssets, Logger: log, Secret: secret})
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	if err := Relay(ctx, st, h); err != nil {
		t.Fatalf("Relay() err = %v", err)
	}
	// The same hand-over as Relay's, plus when each order's event reached
	// the hub, so that the parent can tell the push apart from the REST
	// call and the commit.
	var pubMu sync.Mutex
	published := map[int64]int64{} // order number -> unix nanos
	st.OnCommit(func(evs []store.Event) {
		now := time.Now().UnixNano()
		h.Publish(hubEvents(evs)...)
		pubMu.Lock()
		for _, e := range evs {
			if k := orderNumber(e.Data); k > 0 && e.Name == "order:created" {
				published[k] = now
			}
		}
		pubMu.Unlock()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	fmt.Printf("LISTEN %s\n", ln.Addr())
	// Commands from the parent, one a line, until it closes stdin.
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "PUBTIMES" {
			pubMu.Lock()
			for k, at := range published {
				fmt.Printf("PUBTIME %d %d\n", k, at)
			}
			pubMu.Unlock()
			fmt.Println("PUBTIMES END")
			continue
		}
		var rate, ms int
		if _, err := fmt.Sscanf(sc.Text(), "PUBLISH %d %d", &rate, &ms); err == nil {
			n := publishSynthetic(t, st, h, rate, time.Duration(ms)*time.Millisecond)
			fmt.Printf("PUBLISHED %d\n", n)
		}
	}
	hs.Close()
	h.Close()
	st.Close()
}

// publishSynthetic publishes copies of the newest kds event straight to the
// hub at rate events per second for d, bypassing SQLite: it measures the
// fan-out alone. The seqs continue the log's, so nothing may be written
// through the store afterwards.
func publishSynthetic(t *testing.T, st *store.Store, h *hub.Hub, rate int, d time.Duration) int {
	ctx := context.Background()
	last, err := st.LastSeq(ctx)
	if err != nil {
		t.Fatalf("LastSeq() err = %v", err)
	}
	evs, err := st.EventsSince(ctx, store.RoomKDS, max(last-50, 0), 100)
	if hl, ok := h.LastSeq(); ok && hl > last {
		last = hl // an earlier synthetic run went past the log
	}
	if err != nil || len(evs) == 0 {
		t.Fatalf("EventsSince() = %d events, %v", len(evs), err)
	}
	e := evs[len(evs)-1]
	data := bytes.Replace(e.Data, []byte(`"notes":"L`), []byte(`"notes":"S`), 1)
	const tick = 5 * time.Millisecond
	per := float64(rate) * tick.Seconds()
	start := time.Now()
	seq, sent := last, 0
	for time.Since(start) < d {
		due := int(per * float64(time.Since(start)/tick+1))
		var batch []hub.Event
		for ; sent < due; sent++ {
			seq++
			batch = append(batch, hub.Event{Seq: seq, Name: "order:updated", Rooms: e.Rooms, Data: data})
		}
		h.Publish(batch...)
		time.Sleep(tick)
	}
	return sent
}

// arrival is when order number k reached a client.
type arrival struct{ k, at int64 }

// orderNumber returns the number an order event of the load test carries
// in its notes ("L<k>"), or 0.
func orderNumber(data []byte) int64 {
	i := bytes.Index(data, notesMark)
	if i < 0 {
		return 0
	}
	rest := data[i+len(notesMark):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0
	}
	k, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return 0
	}
	return k
}

// loadClient is one kds screen of the load test.
type loadClient struct {
	conn      net.Conn
	r         *bufio.Reader
	buf       []byte
	received  atomic.Int64
	latencies []time.Duration // written by its reader only
	arrivals  []arrival       // likewise
	code      atomic.Int64    // close code once it ended, 0 while open
	closedAt  atomic.Int64    // unix nanos
	lastAt    atomic.Int64    // unix nanos of the last frame
	sio       bool            // speaks Socket.IO: answers Engine.IO pings
}

func TestWSLoad(t *testing.T) {
	if !*wsLoad {
		t.Skip("load test; run with -ws.load (see README, Performance)")
	}
	n := *wsLoadClients

	// The box, in its own process.
	args := []string{"-test.run=^TestWSLoadServer$"}
	if *wsLoadProfile != "" {
		args = append(args, "-test.cpuprofile="+filepath.Join(*wsLoadProfile, "cpu.out"),
			"-test.trace="+filepath.Join(*wsLoadProfile, "trace.out"))
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "RMS_WS_LOAD_SERVER="+t.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	pid := cmd.Process.Pid

	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call := func(method, path, token string, body any) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := httpc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		return res.StatusCode, out, err
	}
	login := func(u, p string) string {
		status, body, err := call("POST", "/api/auth/login", "", map[string]string{"username": u, "password": p})
		if err != nil || status != 200 {
			t.Fatalf("login %s = %d %s %v", u, status, body, err)
		}
		var out struct{ Token string }
		json.Unmarshal(body, &out)
		return out.Token
	}
	chef, waiter := login("marco", "chef123"), login("ana", "waiter123")
	item, tables := loadMenuAndTables(t, call, waiter)

	// Orders carry their number in notes; t0 holds when each was posted.
	const maxOrders = 1 << 20
	t0 := make([]atomic.Int64, maxOrders)
	var next atomic.Int64
	var rtMu sync.Mutex
	var roundTrips []time.Duration // of POST /api/orders in the latency phase
	var timing atomic.Bool
	post := func() error {
		i := next.Add(1)
		if i >= maxOrders {
			return fmt.Errorf("too many orders")
		}
		start := time.Now()
		t0[i].Store(start.UnixNano())
		status, body, err := call("POST", "/api/orders", waiter, map[string]any{
			"table_id": tables[int(i)%len(tables)], "notes": "L" + strconv.FormatInt(i, 10),
			"items": []map[string]any{{"menu_item_id": item, "quantity": 1}},
		})
		if timing.Load() {
			rtMu.Lock()
			roundTrips = append(roundTrips, time.Since(start))
			rtMu.Unlock()
		}
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("POST /api/orders = %d %s", status, body)
		}
		return err
	}
	for i := 0; i < 20; i++ { // warm up the server's pools and caches
		if err := post(); err != nil {
			t.Fatal(err)
		}
	}
	// Concurrent reads open the store's pool of readers, as the clients'
	// sign-ins would: its memory is the box's, not the connections'.
	var warm sync.WaitGroup
	for i := 0; i < 32; i++ {
		warm.Go(func() { call("GET", "/api/tables", waiter, nil) })
	}
	warm.Wait()
	time.Sleep(time.Second)
	rssBefore := processRSS(t, pid)

	// Connect n clients, 50 at a time.
	clients := make([]*loadClient, n)
	var counting atomic.Bool
	connectStart := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	var dialErrs atomic.Int64
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dial := dialLoadClient
			if *wsLoadProto == "socketio" {
				dial = dialSocketIOLoadClient
			}
			lc, err := dial(addr, chef)
			if err != nil {
				if dialErrs.Add(1) == 1 {
					t.Errorf("client %d: %v", i, err)
				}
				return
			}
			clients[i] = lc
		}()
	}
	wg.Wait()
	if dialErrs.Load() > 0 {
		t.Fatalf("%d of %d clients failed to connect", dialErrs.Load(), n)
	}
	connectTime := time.Since(connectStart)
	for _, lc := range clients {
		go lc.read(t0, &counting)
	}
	time.Sleep(2 * time.Second)
	rssAfter := processRSS(t, pid)
	t.Logf("clients speak %s", *wsLoadProto)
	t.Logf("connected %d clients in %v; server RSS %.1f MiB -> %.1f MiB: %.1f KiB per connection",
		n, connectTime.Round(time.Millisecond), mib(rssBefore), mib(rssAfter), float64(rssAfter-rssBefore)/1024/float64(n))

	// Latency phase: a steady rate of orders.
	counting.Store(true)
	timing.Store(true)
	startSeq := next.Load()
	cpu0 := processCPU(t, pid)
	phaseStart := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(*wsLoadRate))
	var posts sync.WaitGroup
	var postErrs atomic.Int64
	for time.Since(phaseStart) < *wsLoadDuration {
		<-tick.C
		posts.Add(1)
		go func() {
			defer posts.Done()
			if err := post(); err != nil && postErrs.Add(1) == 1 {
				t.Errorf("post: %v", err)
			}
		}()
	}
	tick.Stop()
	posts.Wait()
	timing.Store(false)
	orders := next.Load() - startSeq
	expected := orders * int64(n)
	got := waitDeliveries(clients, expected, 10*time.Second)
	cpu := processCPU(t, pid) - cpu0
	elapsed := time.Since(phaseStart)
	var lats []time.Duration
	for _, lc := range clients {
		lats = append(lats, lc.latencies...)
	}
	slices.Sort(lats)
	slices.Sort(roundTrips)
	counting.Store(false)
	// Publish-to-arrival: the hub and the sockets alone.
	fmt.Fprintln(stdin, "PUBTIMES")
	pubAt := map[int64]int64{}
	for sc.Scan() {
		var k, at int64
		if sc.Text() == "PUBTIMES END" {
			break
		}
		if _, err := fmt.Sscanf(sc.Text(), "PUBTIME %d %d", &k, &at); err == nil {
			pubAt[k] = at
		}
	}
	var push []time.Duration
	for _, lc := range clients {
		for _, a := range lc.arrivals {
			if p, ok := pubAt[a.k]; ok {
				push = append(push, time.Duration(a.at-p))
			}
		}
	}
	slices.Sort(push)
	t.Logf("latency phase: %d orders at %d/s to %d clients: deliveries expected %d, received %d; push latency POST->arrival p50 %v p99 %v max %v (POST round trip alone p50 %v p99 %v); hub publish->arrival p50 %v p99 %v max %v; server CPU %.0f%% of one core",
		orders, *wsLoadRate, n, expected, got, pct(lats, 50), pct(lats, 99), pct(lats, 100), pct(roundTrips, 50), pct(roundTrips, 99),
		pct(push, 50), pct(push, 99), pct(push, 100), 100*cpu.Seconds()/elapsed.Seconds())
	if got != expected {
		t.Errorf("received %d deliveries; want %d", got, expected)
	}
	if c := closedCount(clients); c > 0 {
		t.Errorf("%d clients were closed during the latency phase", c)
	}

	if *wsLoadBurst <= 0 {
		return
	}
	// Throughput phase: as fast as the REST API takes orders.
	for _, lc := range clients {
		lc.received.Store(0)
	}
	burstStart := time.Now()
	startSeq = next.Load()
	var stop atomic.Bool
	for p := 0; p < *wsLoadPosters; p++ {
		posts.Add(1)
		go func() {
			defer posts.Done()
			for !stop.Load() {
				if err := post(); err != nil {
					if postErrs.Add(1) == 1 {
						t.Errorf("post: %v", err)
					}
					return
				}
			}
		}()
	}
	time.Sleep(*wsLoadBurst)
	stop.Store(true)
	posts.Wait()
	postEnd := time.Now()
	orders = next.Load() - startSeq
	expected = orders * int64(n)
	got = waitDeliveries(clients, expected, 20*time.Second)
	end := time.Now()
	first408 := int64(0)
	slow := 0
	for _, lc := range clients {
		if lc.code.Load() == hub.CodeTooSlow {
			slow++
			if at := lc.closedAt.Load(); first408 == 0 || at < first408 {
				first408 = at
			}
		}
	}
	span := end.Sub(burstStart)
	if first408 != 0 {
		span = time.Unix(0, first408).Sub(burstStart)
	}
	t.Logf("throughput phase: %d orders in %v (%.0f/s) to %d clients: deliveries expected %d, received %d in %v: %.0f deliveries/s; clients closed with 4408: %d",
		orders, postEnd.Sub(burstStart).Round(time.Millisecond), float64(orders)/postEnd.Sub(burstStart).Seconds(), n, expected, got,
		end.Sub(burstStart).Round(time.Millisecond), float64(got)/end.Sub(burstStart).Seconds(), slow)
	if first408 != 0 {
		t.Logf("first 4408 after %v", span.Round(time.Millisecond))
	}

	// Fan-out ceiling: events published straight to the hub at rising
	// rates, until a client falls behind (4408) or the rates run out.
	lines := sc
	for _, rate := range wsLoadFanoutRates {
		if closedCount(clients) > 0 {
			break
		}
		for _, lc := range clients {
			lc.received.Store(0)
		}
		start := time.Now()
		cpu0 := processCPU(t, pid)
		fmt.Fprintf(stdin, "PUBLISH %d %d\n", rate, wsLoadBurst.Milliseconds())
		var sent int64
		for lines.Scan() {
			if _, err := fmt.Sscanf(lines.Text(), "PUBLISHED %d", &sent); err == nil {
				break
			}
		}
		if sent == 0 {
			t.Fatalf("the server published nothing (%v)", lines.Err())
		}
		want := sent * int64(n)
		got := waitDeliveries(clients, want, 20*time.Second)
		took := time.Since(start)
		var lastArrival int64
		for _, lc := range clients {
			lastArrival = max(lastArrival, lc.lastAt.Load())
		}
		if lastArrival > 0 {
			took = time.Unix(0, lastArrival).Sub(start)
		}
		cpu := processCPU(t, pid) - cpu0
		t.Logf("fan-out at %d events/s for %v: deliveries expected %d, received %d in %v: %.0f deliveries/s; server CPU %.2f µs per delivery; clients closed: %d",
			rate, *wsLoadBurst, want, got, took.Round(time.Millisecond), float64(got)/took.Seconds(), float64(cpu.Microseconds())/float64(max(got, 1)), closedCount(clients))
		if got < want {
			break // the clients (in this process) are the limit now
		}
	}
}

// wsLoadFanoutRates are the event rates of the fan-out ceiling phase.
var wsLoadFanoutRates = []int{100, 200, 300, 400, 600, 800}

func loadMenuAndTables(t *testing.T, call func(string, string, string, any) (int, []byte, error), token string) (int64, []int64) {
	t.Helper()
	_, body, err := call("GET", "/api/menu", token, nil)
	if err != nil {
		t.Fatalf("GET /api/menu: %v", err)
	}
	var m struct {
		Categories []struct {
			Items []struct {
				ID        int64
				Available bool
				Station   string
			}
		}
	}
	json.Unmarshal(body, &m)
	var item int64
	for _, c := range m.Categories {
		for _, it := range c.Items {
			if item == 0 && it.Available && it.Station == "kitchen" {
				item = it.ID
			}
		}
	}
	_, body, err = call("GET", "/api/tables", token, nil)
	if err != nil {
		t.Fatalf("GET /api/tables: %v", err)
	}
	var tabs []struct{ ID int64 }
	json.Unmarshal(body, &tabs)
	var ids []int64
	for _, tb := range tabs {
		ids = append(ids, tb.ID)
	}
	if item == 0 || len(ids) == 0 {
		t.Fatalf("no kitchen item or no table in the demo")
	}
	return item, ids
}

// dialLoadClient connects with the token on the upgrade (or, with
// -ws.authmsg, in an auth message as browsers do) and joins kds. It speaks
// RFC 6455 by hand: a lean client (one buffered reader, no locks) leaves
// more of the shared CPU to the server being measured.
func dialLoadClient(addr, token string) (*loadClient, error) {
	return dialWSLoadClient(addr, token, *wsLoadAuthMsg)
}

func dialWSLoadClient(addr, token string, authMsg bool) (*loadClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	header := "Authorization: Bearer " + token + "\r\n"
	if authMsg {
		header = ""
	}
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n", addr, header)
	lc := &loadClient{conn: conn, r: bufio.NewReaderSize(conn, 16<<10)}
	res, err := http.ReadResponse(lc.r, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("upgrade: %v %v", res, err)
	}
	if authMsg {
		if err := lc.send(1, []byte(`{"event":"auth","data":{"token":"`+token+`"}}`)); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if op, data, err := lc.frame(); err != nil || op != 1 || !bytes.Contains(data, []byte(`"ready"`)) {
		conn.Close()
		return nil, fmt.Errorf("ready: %s %v", data, err)
	}
	if err := lc.send(1, []byte(`{"event":"subscribe:kds","id":1}`)); err != nil {
		conn.Close()
		return nil, err
	}
	if op, data, err := lc.frame(); err != nil || op != 1 || !bytes.Contains(data, []byte(`"ack"`)) {
		conn.Close()
		return nil, fmt.Errorf("ack: %s %v", data, err)
	}
	conn.SetDeadline(time.Time{})
	return lc, nil
}

// dialSocketIOLoadClient is dialLoadClient for the Socket.IO endpoint, as
// socket.io-client with transports: ['websocket'] speaks it: the open
// packet, the connect with auth {token}, subscribe:kds with an ack.
func dialSocketIOLoadClient(addr, token string) (*loadClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	lc := &loadClient{conn: conn, r: bufio.NewReaderSize(conn, 16<<10), sio: true}
	res, err := http.ReadResponse(lc.r, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("upgrade: %v %v", res, err)
	}
	steps := []struct{ send, want string }{
		{"", `0{"sid":`},
		{`40{"token":"` + token + `"}`, `40{"sid":`},
		{`421["subscribe:kds"]`, `431[{"ok":true}]`},
	}
	for _, st := range steps {
		if st.send != "" {
			if err := lc.send(1, []byte(st.send)); err != nil {
				conn.Close()
				return nil, err
			}
		}
		if op, data, err := lc.frame(); err != nil || op != 1 || !bytes.HasPrefix(data, []byte(st.want)) {
			conn.Close()
			return nil, fmt.Errorf("want %s: %s %v", st.want, data, err)
		}
	}
	conn.SetDeadline(time.Time{})
	return lc, nil
}

// frame reads one unfragmented frame (the server sends no others) into the
// client's buffer and returns its opcode and payload.
func (lc *loadClient) frame() (byte, []byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(lc.r, h[:2]); err != nil {
		return 0, nil, err
	}
	op := h[0] & 0x0f
	n := int64(h[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(lc.r, h[:2]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint16(h[:2]))
	case 127:
		if _, err := io.ReadFull(lc.r, h[:8]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint64(h[:8]))
	}
	if int64(cap(lc.buf)) < n {
		lc.buf = make([]byte, n)
	}
	lc.buf = lc.buf[:n]
	_, err := io.ReadFull(lc.r, lc.buf)
	return op, lc.buf, err
}

// send writes one masked frame (clients must mask; a zero key is valid).
func (lc *loadClient) send(op byte, p []byte) error {
	f := []byte{0x80 | op}
	switch {
	case len(p) < 126:
		f = append(f, 0x80|byte(len(p)))
	default:
		f = append(f, 0x80|126, byte(len(p)>>8), byte(len(p)))
	}
	f = append(f, 0, 0, 0, 0)
	_, err := lc.conn.Write(append(f, p...))
	return err
}

var notesMark = []byte(`"notes":"L`)

// read counts kds events and, while counting is on, the latency of each
// from its POST; it answers pings and records the close code.
func (lc *loadClient) read(t0 []atomic.Int64, counting *atomic.Bool) {
	defer lc.conn.Close()
	for {
		op, data, err := lc.frame()
		if err != nil {
			lc.closedAt.Store(time.Now().UnixNano())
			lc.code.Store(1006)
			return
		}
		switch op {
		case 8: // close
			code := int64(1005)
			if len(data) >= 2 {
				code = int64(binary.BigEndian.Uint16(data[:2]))
			}
			lc.closedAt.Store(time.Now().UnixNano())
			lc.code.Store(code)
			return
		case 9: // ping
			lc.send(10, bytes.Clone(data))
			continue
		case 1:
		default:
			continue
		}
		if lc.sio && len(data) == 1 && data[0] == '2' {
			lc.send(1, []byte{'3'}) // Engine.IO's heartbeat
			continue
		}
		now := time.Now().UnixNano()
		lc.received.Add(1)
		lc.lastAt.Store(now)
		if !counting.Load() {
			continue
		}
		k := orderNumber(data)
		if k <= 0 || k >= int64(len(t0)) {
			continue
		}
		if start := t0[k].Load(); start != 0 {
			lc.latencies = append(lc.latencies, time.Duration(now-start))
			lc.arrivals = append(lc.arrivals, arrival{k, now})
		}
	}
}

// waitDeliveries waits until the clients received want events in total
// (or timeout) and returns how many they did.
func waitDeliveries(clients []*loadClient, want int64, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	for {
		var got int64
		open := 0
		for _, lc := range clients {
			got += lc.received.Load()
			if lc.code.Load() == 0 {
				open++
			}
		}
		if got >= want || time.Now().After(deadline) || open == 0 {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func closedCount(clients []*loadClient) int {
	n := 0
	for _, lc := range clients {
		if lc.code.Load() != 0 {
			n++
		}
	}
	return n
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[min(i, len(sorted)-1)].Round(10 * time.Microsecond)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// processRSS reads a process's resident set size from /proc.
func processRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read RSS: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// processCPU reads a process's user+system CPU time from /proc.
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read CPU: %v", err)
	}
	// Fields after the command name, which ends with ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// Clock ticks are 100 per second on Linux.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

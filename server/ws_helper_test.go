package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
)

// wsBox is a testServer for the realtime tests, with hub options of its
// own and three tables and a menu item to order.
type wsBox struct {
	*testServer
	hubOpts hub.Options
	tweak   func(*Options)
	item    int64 // on the kitchen station
	bar     int64 // on the bar station
}

// newWSBox starts a testServer whose hub is built with hubOpts.
func newWSBox(t *testing.T, hubOpts hub.Options, tweak func(*Options)) *wsBox {
	t.Helper()
	b := &wsBox{hubOpts: hubOpts, tweak: tweak}
	b.testServer = b.boot(t, testOptions{})
	_, b.item, b.bar = b.seedMenu(t)
	for _, name := range []string{"T2", "T3"} {
		b.must(t, http.StatusCreated, "POST", "/api/tables", b.admin, map[string]any{"name": name, "seats": 2}, nil)
	}
	return b
}

func (b *wsBox) boot(t *testing.T, o testOptions) *testServer {
	t.Helper()
	o.tweak = func(opts *Options) {
		ho := b.hubOpts
		ho.Logger = opts.Logger
		opts.Hub = hub.New(ho)
		if b.tweak != nil {
			b.tweak(opts)
		}
	}
	return newTestServerWith(t, o)
}

// restart shuts the box down like main does (HTTP, then the hub with 1001,
// then the store) and starts it again on the same data.
func (b *wsBox) restart(t *testing.T) {
	t.Helper()
	b.close()
	admin, waiter, chef := b.admin, b.waiter, b.chef
	b.testServer = b.boot(t, testOptions{dir: b.dir, secret: b.secret})
	b.admin, b.waiter, b.chef = admin, waiter, chef
}

// order places an order of one line and returns its id; safe to call from
// several goroutines.
func (b *wsBox) order(t *testing.T, token string, table int64, notes string) int64 {
	t.Helper()
	r := b.do(t, "POST", "/api/orders", token, map[string]any{
		"table_id": table, "notes": notes,
		"items": []map[string]any{{"menu_item_id": b.item, "quantity": 1}},
	})
	if r.status != http.StatusCreated {
		t.Errorf("POST /api/orders = %d %s; want 201", r.status, r.body)
		return 0
	}
	var o struct{ ID int64 }
	json.Unmarshal(r.body, &o)
	return o.ID
}

// wsFrame is one server frame as a client sees it.
type wsFrame struct {
	Event string          `json:"event"`
	ID    int64           `json:"id"`
	Room  string          `json:"room"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
}

// wsClient is a real WebSocket client whose frames are read by a goroutine
// into a channel; pause stops that reading, like a stalled device.
type wsClient struct {
	t      testing.TB
	c      *websocket.Conn
	frames chan wsFrame
	done   chan struct{}
	err    error
	gate   chan struct{}
	mu     sync.Mutex
	paused bool
	nextID int64
}

// dialWS opens /ws on the box with optional headers; it fails the test
// unless the upgrade succeeds.
func dialWS(t testing.TB, b *wsBox, hdr http.Header) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.URL, "http")+"/ws", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial /ws = %v (status %d)", err, status)
	}
	c.SetReadLimit(4 << 20)
	wc := &wsClient{t: t, c: c, frames: make(chan wsFrame, 1<<16), done: make(chan struct{}), gate: make(chan struct{})}
	close(wc.gate)
	go wc.pump()
	t.Cleanup(func() { c.CloseNow() })
	return wc
}

func (wc *wsClient) pump() {
	defer close(wc.done)
	for {
		wc.mu.Lock()
		gate := wc.gate
		wc.mu.Unlock()
		<-gate
		_, data, err := wc.c.Read(context.Background())
		if err != nil {
			wc.err = err
			return
		}
		var f wsFrame
		if err := json.Unmarshal(data, &f); err != nil {
			wc.err = fmt.Errorf("frame %q: %w", data, err)
			return
		}
		wc.frames <- f
	}
}

// pause stops reading from the socket until resume.
func (wc *wsClient) pause() {
	wc.mu.Lock()
	wc.gate = make(chan struct{})
	wc.mu.Unlock()
}

func (wc *wsClient) resume() {
	wc.mu.Lock()
	close(wc.gate)
	wc.mu.Unlock()
}

func (wc *wsClient) send(event string, data any) int64 {
	wc.t.Helper()
	wc.nextID++
	msg := map[string]any{"event": event, "id": wc.nextID}
	if data != nil {
		msg["data"] = data
	}
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wc.c.Write(ctx, websocket.MessageText, b); err != nil {
		wc.t.Fatalf("write %s: %v", event, err)
	}
	return wc.nextID
}

// next returns the next frame, or false after timeout or when the socket
// ended.
func (wc *wsClient) next(timeout time.Duration) (wsFrame, bool) {
	select {
	case f := <-wc.frames:
		return f, true
	case <-time.After(timeout):
		return wsFrame{}, false
	case <-wc.done:
		select {
		case f := <-wc.frames:
			return f, true
		default:
			return wsFrame{}, false
		}
	}
}

// expect returns the next frame and fails unless it is event.
func (wc *wsClient) expect(event string) wsFrame {
	wc.t.Helper()
	f, ok := wc.next(5 * time.Second)
	if !ok {
		wc.t.Fatalf("waiting for %s: none (read err %v)", event, wc.readErr())
	}
	if f.Event != event {
		wc.t.Fatalf("frame = %+v (data %s); want %s", f, f.Data, event)
	}
	return f
}

// quiet fails if a frame arrives within d.
func (wc *wsClient) quiet(d time.Duration) {
	wc.t.Helper()
	if f, ok := wc.next(d); ok {
		wc.t.Fatalf("unexpected frame %+v (data %s)", f, f.Data)
	}
}

func (wc *wsClient) readErr() error {
	select {
	case <-wc.done:
		return wc.err
	default:
		return nil
	}
}

// closeCode waits for the socket to end and returns the close code the
// server sent (-1 when there was none).
func (wc *wsClient) closeCode(timeout time.Duration) int {
	wc.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case <-wc.done:
			return int(websocket.CloseStatus(wc.err))
		case <-wc.frames:
			// Frames queued before the close are not the point here.
		case <-deadline:
			wc.t.Fatalf("connection still open after %v", timeout)
			return 0
		}
	}
}

// auth sends the token and waits for ready.
func (wc *wsClient) auth(token string) wsFrame {
	wc.t.Helper()
	b, _ := json.Marshal(map[string]any{"event": "auth", "data": map[string]string{"token": token}})
	if err := wc.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		wc.t.Fatalf("write auth: %v", err)
	}
	return wc.expect("ready")
}

// subscribe sends subscribe:room with data and waits for its ack.
func (wc *wsClient) subscribe(room string, data map[string]any) {
	wc.t.Helper()
	id := wc.send("subscribe:"+room, data)
	f := wc.expect("ack")
	if f.ID != id {
		wc.t.Fatalf("ack id = %d; want %d", f.ID, id)
	}
}

// connectWS dials, authenticates and subscribes to rooms.
func connectWS(t testing.TB, b *wsBox, token string, rooms ...string) *wsClient {
	t.Helper()
	wc := dialWS(t, b, nil)
	wc.auth(token)
	for _, r := range rooms {
		wc.subscribe(r, nil)
	}
	return wc
}

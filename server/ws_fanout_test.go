package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"rms/hub"
)

// A client that stops reading until its socket is full, then reads on,
// gets every event whole and in order: the fan-out's write that did not
// fit leaves its rest to the connection's own goroutine, which writes it
// before anything else.
func TestWSStalledClientCatchesUp(t *testing.T) {
	b := newWSBox(t, hub.Options{}, nil)
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(b.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: slowDialer()})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(4 << 20)
	slow := &wsClient{t: t, c: c, frames: make(chan wsFrame, 1<<16), done: make(chan struct{}), gate: make(chan struct{})}
	close(slow.gate)
	go slow.pump()
	t.Cleanup(func() { c.CloseNow() })
	slow.auth(b.chef)
	slow.subscribe("kds", nil)
	fast := connectWS(t, b, b.chef, "kds")
	start := lastSeq(t, b)
	slow.pause()

	// Big notes make frames of about 10 KB: 40 orders are several times
	// what the stalled socket's buffers hold.
	lines := make([]map[string]any, 20)
	for i := range lines {
		lines[i] = map[string]any{"menu_item_id": b.item, "quantity": 1, "notes": strings.Repeat("n", 450)}
	}
	for i := range 40 {
		b.must(t, http.StatusCreated, "POST", "/api/orders", b.waiter, map[string]any{"table_id": 1 + i%3, "items": lines}, nil)
	}
	want := b.wantEvents(t, start, "kds")
	if got := fast.collect(len(want)); !slices.Equal(got, want) {
		t.Fatalf("the reading client got %v; want %v", got, want)
	}
	slow.resume()
	if got := slow.collect(len(want)); !slices.Equal(got, want) {
		t.Fatalf("the stalled client got %v after it read on; want %v", got, want)
	}
	if b.hub.Count() != 2 {
		t.Errorf("hub holds %d connections; want 2 (nobody closed)", b.hub.Count())
	}
}

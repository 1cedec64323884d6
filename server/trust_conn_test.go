package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialFrom opens /ws from the loopback address ip; it returns the socket,
// or nil and the HTTP status when the upgrade is refused.
func (ts *testServer) dialFrom(t *testing.T, ip string, hdr http.Header) (*websocket.Conn, int) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: client, HTTPHeader: hdr})
	if err != nil {
		if res == nil {
			t.Fatalf("dial /ws from %s: %v", ip, err)
		}
		return nil, res.StatusCode
	}
	t.Cleanup(func() { c.CloseNow() })
	return c, http.StatusSwitchingProtocols
}

// TestPendingSocketCaps is finding 7: sockets that have not signed in are
// capped per client address and in all (429 before the upgrade, with
// Retry-After); signing in or leaving frees the place, and signed-in
// screens are never counted.
func TestPendingSocketCaps(t *testing.T) {
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.MaxPendingSocketsPerAddress, o.MaxPendingSockets = 3, 5 }})
	var mine []*websocket.Conn
	for i := 0; i < 3; i++ {
		c, status := ts.dialFrom(t, "127.0.0.10", nil)
		if c == nil {
			t.Fatalf("pending socket %d from one address: status %d; want the upgrade", i+1, status)
		}
		mine = append(mine, c)
	}
	if c, status := ts.dialFrom(t, "127.0.0.10", nil); c != nil || status != http.StatusTooManyRequests {
		t.Fatalf("4th pending socket from one address: status %d; want 429", status)
	}
	for i := 0; i < 2; i++ {
		c, status := ts.dialFrom(t, "127.0.0.11", nil)
		if c == nil {
			t.Fatalf("pending socket from another address: status %d; want the upgrade", status)
		}
		mine = append(mine, c)
	}
	if c, status := ts.dialFrom(t, "127.0.0.12", nil); c != nil || status != http.StatusTooManyRequests {
		t.Fatalf("6th pending socket in all: status %d; want 429", status)
	}

	// One signs in: its place is free for the next.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	auth, _ := json.Marshal(map[string]any{"event": "auth", "data": map[string]string{"token": ts.waiter}})
	if err := mine[0].Write(ctx, websocket.MessageText, auth); err != nil {
		t.Fatal(err)
	}
	if _, raw, err := mine[0].Read(ctx); err != nil || !strings.Contains(string(raw), `"ready"`) {
		t.Fatalf("auth answer %s, %v; want ready", raw, err)
	}
	var opened []*websocket.Conn
	if c, status := ts.dialFrom(t, "127.0.0.10", nil); c == nil {
		t.Errorf("pending socket after one signed in: status %d; want the upgrade", status)
	} else {
		opened = append(opened, c)
	}
	// One leaves: its place is free too (once the box has seen it go).
	mine[1].Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, status := ts.dialFrom(t, "127.0.0.10", nil)
		if c != nil {
			opened = append(opened, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending socket after one left: status %d; want the upgrade", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Screens that have signed in are not counted: with the strangers
	// gone, more screens than the caps connect from one address.
	for _, c := range append(mine, opened...) {
		c.CloseNow()
	}
	time.Sleep(200 * time.Millisecond) // the box sees them go
	for i := 0; i < 8; i++ {
		c, status := ts.dialFrom(t, "127.0.0.10", http.Header{"Authorization": {"Bearer " + ts.chef}})
		if c == nil {
			t.Fatalf("signed-in screen %d: status %d; want the upgrade", i+1, status)
		}
		if _, raw, err := c.Read(ctx); err != nil || !strings.Contains(string(raw), `"ready"`) {
			t.Fatalf("screen %d first frame %s, %v; want ready", i+1, raw, err)
		}
	}
}

// TestPendingGate pins the gate's counting.
func TestPendingGate(t *testing.T) {
	g := newPendingGate(2, 3)
	a1, ok1 := g.enter("10.0.0.1:1000")
	_, ok2 := g.enter("10.0.0.1:1001")
	_, ok3 := g.enter("10.0.0.1:1002")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("three from one address = %v %v %v; want two", ok1, ok2, ok3)
	}
	_, ok4 := g.enter("[::1]:1000")
	_, ok5 := g.enter("10.0.0.2:1000")
	if !ok4 || ok5 {
		t.Fatalf("in all = %v %v; want the third in, the fourth out", ok4, ok5)
	}
	a1()
	a1() // twice is once
	if _, ok := g.enter("10.0.0.2:1000"); !ok {
		t.Errorf("after a release: refused; want a place")
	}
	if _, ok := g.enter("10.0.0.3:1000"); ok {
		t.Errorf("full again: admitted; want refused (a double release must not free two)")
	}
}

// TestPendingSocketIOCap: Socket.IO sessions that have not connected
// (signed in) count against the same caps as /ws sockets.
func TestPendingSocketIOCap(t *testing.T) {
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.MaxPendingSocketsPerAddress, o.MaxPendingSockets = 2, 5 }})
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.20")}, Timeout: 5 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
	handshake := func() int {
		res, err := client.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 2; i++ {
		if got := handshake(); got != http.StatusOK {
			t.Fatalf("handshake %d: status %d; want 200", i+1, got)
		}
	}
	if got := handshake(); got != http.StatusTooManyRequests {
		t.Errorf("3rd handshake from one address before any connect: status %d; want 429", got)
	}
	if c, status := ts.dialFrom(t, "127.0.0.20", nil); c != nil || status != http.StatusTooManyRequests {
		t.Errorf("a /ws socket from the same address: status %d; want 429 (one count for both)", status)
	}
}

// TestPendingGateBoxLoopback: 127.0.0.1 and ::1 (a proxy on the box) pass
// the per-address cap but not the cap in all; the rest of 127/8 does not.
func TestPendingGateBoxLoopback(t *testing.T) {
	g := newPendingGate(2, 5)
	for i, remote := range []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "[::1]:4"} {
		if _, ok := g.enter(remote); !ok {
			t.Fatalf("socket %d from %s refused; want in (counts only in all)", i+1, remote)
		}
	}
	if _, ok := g.enter("127.0.0.20:1"); !ok {
		t.Fatalf("127.0.0.20, first: refused; want the fifth place")
	}
	if _, ok := g.enter("127.0.0.1:5"); ok {
		t.Fatalf("sixth socket in all: admitted; want refused by the cap in all")
	}
	g2 := newPendingGate(2, 5)
	g2.enter("127.0.0.20:1")
	g2.enter("127.0.0.20:2")
	if _, ok := g2.enter("127.0.0.20:3"); ok {
		t.Fatalf("third from 127.0.0.20: admitted; want the per-address cap")
	}
}

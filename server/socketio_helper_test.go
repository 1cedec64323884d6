package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// sioRaw is a Socket.IO client that speaks the wire format itself
// (Engine.IO 4 over long-polling or WebSocket), so a test sees every
// packet. The real socket.io-client runs in the Node tests at the root.
type sioRaw struct {
	t    testing.TB
	base string
	sid  string
	open struct {
		Sid          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		PingTimeout  int      `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	ws       *websocket.Conn
	in       chan string
	done     chan struct{}
	autoPong bool

	mu  sync.Mutex
	end string // why the loop ended: "close packet", "status 400", a close code
}

// sioDial opens a session over transport ("polling" or "websocket"); a
// polling client polls only after run.
func sioDial(t testing.TB, base, transport string) *sioRaw {
	t.Helper()
	c := &sioRaw{t: t, base: base, in: make(chan string, 4096), done: make(chan struct{}), autoPong: true}
	var first string
	if transport == "websocket" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatalf("dial socket.io websocket: %v", err)
		}
		ws.SetReadLimit(4 << 20)
		t.Cleanup(func() { ws.CloseNow() })
		c.ws = ws
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read open packet: %v", err)
		}
		first = string(msg)
	} else {
		status, body := c.get()
		if status != http.StatusOK {
			t.Fatalf("polling handshake = %d %s; want 200", status, body)
		}
		first = body
	}
	if !strings.HasPrefix(first, "0{") || json.Unmarshal([]byte(first[1:]), &c.open) != nil {
		t.Fatalf("first packet %q; want the open packet", first)
	}
	c.sid = c.open.Sid
	if c.ws != nil {
		go c.readWS()
	}
	return c
}

func (c *sioRaw) url(transport string) string {
	u := c.base + "/socket.io/?EIO=4&transport=" + transport
	if c.sid != "" {
		u += "&sid=" + c.sid
	}
	return u
}

// get sends one polling GET and returns its status and body.
func (c *sioRaw) get() (int, string) {
	req, _ := http.NewRequest("GET", c.url("polling"), nil)
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post sends packets in one polling POST and returns the status.
func (c *sioRaw) post(packets ...string) int {
	res, err := http.Post(c.url("polling"), "text/plain;charset=UTF-8", strings.NewReader(strings.Join(packets, "\x1e")))
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// run starts the polling loop: every packet but pings goes to c.in.
func (c *sioRaw) run() {
	go func() {
		defer close(c.done)
		for {
			status, body := c.get()
			if status != http.StatusOK {
				c.finish(fmt.Sprintf("status %d", status))
				return
			}
			for _, p := range strings.Split(body, "\x1e") {
				if c.deliver(p) {
					return
				}
			}
		}
	}()
}

// deliver hands one packet on; it returns true when the session ended.
func (c *sioRaw) deliver(p string) bool {
	switch {
	case p == "2" && c.autoPong:
		c.send("3")
	case p == "1":
		c.finish("close packet")
		return true
	case p == "6":
	default:
		c.in <- p
	}
	return false
}

func (c *sioRaw) readWS() {
	defer close(c.done)
	for {
		_, msg, err := c.ws.Read(context.Background())
		if err != nil {
			c.finish(fmt.Sprintf("close %d", websocket.CloseStatus(err)))
			return
		}
		c.deliver(string(msg))
	}
}

func (c *sioRaw) finish(why string) {
	c.mu.Lock()
	c.end = why
	c.mu.Unlock()
}

// send sends one packet on the session's transport.
func (c *sioRaw) send(p string) {
	if c.ws != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.ws.Write(ctx, websocket.MessageText, []byte(p))
		return
	}
	if status := c.post(p); status != http.StatusOK {
		c.t.Logf("POST %q = %d", p, status)
	}
}

// expect returns the next packet, which must start with prefix.
func (c *sioRaw) expect(prefix string) string {
	c.t.Helper()
	select {
	case p := <-c.in:
		if !strings.HasPrefix(p, prefix) {
			c.t.Fatalf("packet %q; want one starting with %q", p, prefix)
		}
		return p
	case <-time.After(10 * time.Second):
		c.t.Fatalf("no packet starting with %q within 10 s (session end: %q)", prefix, c.ended())
	}
	return ""
}

// quiet checks that no packet comes within d.
func (c *sioRaw) quiet(d time.Duration) {
	c.t.Helper()
	select {
	case p := <-c.in:
		c.t.Fatalf("unexpected packet %q", p)
	case <-time.After(d):
	}
}

// waitEnd waits for the session to end and returns why.
func (c *sioRaw) waitEnd() string {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("the session did not end within 10 s")
	}
	return c.ended()
}

func (c *sioRaw) ended() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// connect sends the Socket.IO connect with token and expects it accepted.
func (c *sioRaw) connect(token string) {
	c.t.Helper()
	c.send(`40{"token":"` + token + `"}`)
	c.expect(`40{"sid":`)
}

// sioEvent decodes 42["name",arg] into its name and argument.
func sioEventOf(t testing.TB, p string) (string, json.RawMessage) {
	t.Helper()
	var arr []json.RawMessage
	if !strings.HasPrefix(p, "42[") || json.Unmarshal([]byte(p[2:]), &arr) != nil || len(arr) != 2 {
		t.Fatalf("packet %q; want 42[name, payload]", p)
	}
	var name string
	json.Unmarshal(arr[0], &name)
	return name, arr[1]
}

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowClients opens 300 connections to the real binary that send half
// a request and then nothing (slowloris), and one that sends a body far
// over the limit: the box keeps answering everyone else at once, refuses
// the body with 413, and hangs up on the idle halves after its header
// timeout instead of holding them forever.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	bin := buildRMS(t)
	dir, port := t.TempDir(), freeLoopbackPort(t)
	proc, _ := startRMS(t, bin, dir, port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		fmt.Fprintf(c, "POST /api/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", addr)
		conns = append(conns, c)
	}
	opened := time.Now()

	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 20; i++ {
		start := time.Now()
		resp, err := client.Get(proc.api + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz beside 300 stalled connections: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /healthz = %d; want 200", resp.StatusCode)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("GET /healthz took %v beside stalled connections", d)
		}
	}

	// No body is a 400; a body over the 1 MiB limit is refused with 413.
	big := `{"username":"admin","password":"` + strings.Repeat("a", 4<<20) + `"}`
	status, _, _, err := crashCall(client, "POST", proc.api+"/api/auth/login", "", nil, nil)
	if err != nil || status != http.StatusBadRequest {
		t.Errorf("POST /api/auth/login without a body = %d %v; want 400", status, err)
	}
	req, _ := http.NewRequest("POST", proc.api+"/api/auth/login", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST of 4 MiB: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"too_large"`) {
		t.Errorf("POST of 4 MiB = %d %.200s; want 413 too_large", resp.StatusCode, body)
	}

	// The stalled halves are closed by the server's header timeout.
	deadline := opened.Add(30 * time.Second)
	closed := 0
	for _, c := range conns {
		c.SetReadDeadline(deadline)
		buf := make([]byte, 512)
		for {
			_, err := c.Read(buf)
			if err == nil {
				continue // a 408 or 400 answer before the close is fine
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("a half-sent request was still open %v after it stalled; want it closed by the header timeout", time.Since(opened).Round(time.Second))
			}
			closed++
			break
		}
	}
	t.Logf("all %d stalled connections closed by the box after %v", closed, time.Since(opened).Round(100*time.Millisecond))
}

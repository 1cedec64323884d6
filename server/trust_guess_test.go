package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// fromAddress sends a JSON POST to the test server from the loopback
// address ip (127.0.0.0/8 is all local on Linux), as another device would.
func (ts *testServer) fromAddress(t *testing.T, ip, path string, body any) response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}, Timeout: 30 * time.Second}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", ts.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s from %s: %v", path, ip, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// TestLoginLockIsPerAddress is finding 3: ten wrong passwords from one
// address lock that address out of that account only; the right password
// from another address still signs in. Guessing one username from many
// addresses is slowed down, not locked.
func TestLoginLockIsPerAddress(t *testing.T) {
	ts := newTestServer(t)
	login := func(ip, user, pw string) response {
		return ts.fromAddress(t, ip, "/api/auth/login", map[string]string{"username": user, "password": pw})
	}
	for i := 0; i < 10; i++ {
		expectError(t, "wrong password from the attacker", login("127.0.0.66", "admin", fmt.Sprintf("guess-%d", i)), 401, "unauthorized")
	}
	expectRateLimited(t, "the attacker's 11th try", login("127.0.0.66", "admin", "admin123"), 5*time.Minute)
	if r := login("127.0.0.1", "admin", "admin123"); r.status != http.StatusOK {
		t.Fatalf("the real admin from another address: status = %d (%s); want 200", r.status, r.body)
	}
	// The attacker's address may still sign in as someone else (its own
	// failures, 10, are below the address's 20).
	if r := login("127.0.0.66", "ana", "waiter123"); r.status != http.StatusOK {
		t.Errorf("another user from the attacker's address: status = %d; want 200", r.status)
	}
	// A second address guessing: its failures are answered slowly, since
	// admin has failed 10 times already; the right password is not.
	start := time.Now()
	expectError(t, "a slowed wrong password", login("127.0.0.67", "admin", "nope-nope"), 401, "unauthorized")
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("11th failure of admin answered in %v; want slowed down (about 500 ms)", d)
	}
	start = time.Now()
	if r := login("127.0.0.68", "admin", "admin123"); r.status != http.StatusOK {
		t.Errorf("the real admin while slowed: status = %d; want 200", r.status)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Logf("right password while slowed took %v (bcrypt and the machine's load)", d)
	}
}

// TestLoginSlowdown pins the curve of the username-wide slowdown.
func TestLoginSlowdown(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 0, 10: 0, 11: 500 * time.Millisecond, 12: time.Second, 13: 2 * time.Second, 14: 4 * time.Second, 15: 5 * time.Second, 1000: 5 * time.Second} {
		if got := loginSlowdown(n); got != want {
			t.Errorf("loginSlowdown(%d) = %v; want %v", n, got, want)
		}
	}
}

// TestPairingGuessBudget is finding 4: wrong codes from many addresses,
// each under its own limit, together use up a live code's budget, and the
// code dies before it can be found; a new code works.
func TestPairingGuessBudget(t *testing.T) {
	ts := newTestServer(t)
	table := ts.newTable(t, "T9")
	var p struct{ Code string }
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", table), ts.waiter, nil, &p)
	guesses := 0
	for a := 0; guesses < 100; a++ {
		ip := fmt.Sprintf("127.0.1.%d", a+1)
		for i := 0; i < 10 && guesses < 100; i++ {
			code := fmt.Sprintf("%06d", 100000+guesses)
			if code == p.Code {
				code = "999999"
			}
			if r := ts.fromAddress(t, ip, "/api/pair", map[string]string{"code": code}); r.status != http.StatusNotFound {
				t.Fatalf("wrong code %d from %s: status = %d (%s); want 404", guesses, ip, r.status, r.body)
			}
			guesses++
		}
	}
	expectError(t, "the right code after 100 wrong ones elsewhere", ts.do(t, "POST", "/api/pair", "", map[string]string{"code": p.Code}), 404, "not_found")
	ts.pair(t, table) // a code issued now works
}

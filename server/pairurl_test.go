package server

import (
	"fmt"
	"testing"
)

// TestPairURLOnLoopback: a pairing asked for from the box's own browser
// (127.0.0.1) links to the box's LAN name, which an iPad can open; any
// other host the staff member used is kept.
func TestPairURLOnLoopback(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.LANHost = func() string { return "rms.local:8080" } }})
	tableID, _, _ := ts.seedMenu(t)
	var p pairResponse
	ts.must(t, 200, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), ts.waiter, nil, &p)
	if want := "http://rms.local:8080/t/?code=" + p.Code; p.URL != want {
		t.Errorf("pair URL asked over 127.0.0.1 = %q; want %q", p.URL, want)
	}
	for host, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "LOCALHOST": true, "box.localhost:80": true,
		"rms.local:8080": false, "192.168.1.20:8080": false, "[fe80::1]:8080": false, "10.0.0.2": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v; want %v", host, got, want)
		}
	}
}

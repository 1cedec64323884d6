package server

import (
	"net"
	"sync"
)

// Caps on sockets that have not authenticated yet. A socket that signs in
// leaves the count at once, so the caps bound only what a stranger can hold
// open for free (a socket waits up to 5 s for its auth), never how many
// screens the restaurant has.
const (
	defaultPendingPerAddress = 16
	defaultPendingTotal      = 256
)

// pendingGate counts unauthenticated sockets per client address and in
// all, and refuses a new one past either cap. The box's own loopback
// addresses (127.0.0.1, ::1) count only in all: a reverse proxy on the box
// (TLS in front of rms) makes every screen arrive from there, and a whole
// floor reconnecting after a Wi-Fi drop must not be refused as one stranger.
type pendingGate struct {
	perAddress, total int

	mu     sync.Mutex
	byAddr map[string]int
	all    int
}

func newPendingGate(perAddress, total int) *pendingGate {
	if perAddress <= 0 {
		perAddress = defaultPendingPerAddress
	}
	if total <= 0 {
		total = defaultPendingTotal
	}
	return &pendingGate{perAddress: perAddress, total: total, byAddr: map[string]int{}}
}

// enter counts a new socket from remote (host:port) and returns the
// function that uncounts it (safe to call more than once), or ok=false when
// a cap is reached.
func (g *pendingGate) enter(remote string) (release func(), ok bool) {
	addr := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		addr = h
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.all >= g.total || (g.byAddr[addr] >= g.perAddress && !boxLoopback(addr)) {
		return nil, false
	}
	g.all++
	g.byAddr[addr]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.all--
			if g.byAddr[addr]--; g.byAddr[addr] <= 0 {
				delete(g.byAddr, addr)
			}
		})
	}, true
}

// boxLoopback reports whether addr is the loopback address a local proxy
// connects from. Other 127/8 addresses are not exempt.
func boxLoopback(addr string) bool {
	return addr == "127.0.0.1" || addr == "::1"
}

package server

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"rms/hub"
)

// TestWSIdleMemory opens idle authenticated /ws connections, each in the
// kds room, and measures what they hold in the server: the live heap and
// the goroutine stacks after a collection, per connection. The clients
// are raw sockets in this process, so their own few hundred bytes count
// too.
func TestWSIdleMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of sockets")
	}
	t.Run("auth-header", func(t *testing.T) { wsIdleMemory(t, false) })
	t.Run("auth-message", func(t *testing.T) { wsIdleMemory(t, true) })
}

func wsIdleMemory(t *testing.T, authMsg bool) {
	const n = 300
	b := newWSBox(t, hub.Options{}, nil)
	addr := strings.TrimPrefix(b.URL, "http://")
	before := liveMemory()
	conns := make([]*loadClient, 0, n)
	defer func() {
		for _, lc := range conns {
			lc.conn.Close()
		}
	}()
	for range n {
		lc, err := dialWSLoadClient(addr, b.chef, authMsg)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		// Only the socket stays: the handshake's buffer is the client's.
		lc.r, lc.buf = nil, nil
		conns = append(conns, lc)
	}
	if got := b.hub.Count(); got != n {
		t.Fatalf("hub holds %d connections; want %d", got, n)
	}
	// Goroutines of earlier tests may still be winding down and
	// allocating: the smallest of a few measurements is the connections'.
	var heap, stack float64
	var after memFigures
	for i := range 3 {
		m := liveMemory()
		h := float64(int64(m.heap)-int64(before.heap)) / n
		s := float64(int64(m.stack)-int64(before.stack)) / n
		if i == 0 || h+s < heap+stack {
			heap, stack, after = h, s, m
		}
		if heap+stack <= wsIdleBudget {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("per idle authenticated connection: %.0f B heap + %.0f B stack = %.1f KiB (%d goroutines for %d connections)",
		heap, stack, (heap+stack)/1024, after.goroutines-before.goroutines, n)
	if per := heap + stack; per > wsIdleBudget {
		t.Errorf("an idle connection holds %.0f B; want at most %d", per, wsIdleBudget)
	}
}

// wsIdleBudget is what one idle authenticated connection may hold in live
// heap and stack (the goal for its share of the process's RSS is 15 KB).
const wsIdleBudget = 15 << 10

type memFigures struct {
	heap, stack uint64
	goroutines  int
}

func liveMemory() memFigures {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memFigures{heap: ms.HeapAlloc, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

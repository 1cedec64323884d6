package hub

import (
	"runtime"
	"sync"
)

// fanChunk is how many connections a fan-out writer takes at a time, so
// that the writers share a large fan-out.
const fanChunk = 32

// fanout is the hub's few writers (one per CPU but one, so that requests
// and commits keep a CPU while a large fan-out runs; at least one): they
// take the connections that have something to write and write to each
// while its socket has room. A goroutine per connection would cost a start, a stack and a
// wake-up per delivery; these run on long-lived stacks, one event to a
// thousand sockets being a thousand system calls in a row.
type fanout struct {
	mu      sync.Mutex
	wake    sync.Cond
	ready   []*Conn
	head    int // ready[head:] are waiting
	workers int
	closed  bool
}

func (f *fanout) init() { f.wake.L = &f.mu }

// add queues connections for the writers, starting them the first time.
// After close, each connection gets a goroutine of its own.
func (f *fanout) add(cs []*Conn) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		for _, c := range cs {
			go c.writeNow()
		}
		return
	}
	f.ready = append(f.ready, cs...)
	for f.workers < max(1, runtime.GOMAXPROCS(0)-1) {
		f.workers++
		go f.work()
	}
	f.mu.Unlock()
	if len(cs) > fanChunk {
		f.wake.Broadcast()
	} else {
		f.wake.Signal()
	}
}

// close lets the writers exit once nothing waits.
func (f *fanout) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wake.Broadcast()
}

func (f *fanout) work() {
	var batch []*Conn
	for {
		f.mu.Lock()
		for f.head == len(f.ready) {
			if f.closed {
				f.workers--
				f.mu.Unlock()
				return
			}
			f.wake.Wait()
		}
		n := min(len(f.ready)-f.head, fanChunk)
		batch = append(batch[:0], f.ready[f.head:f.head+n]...)
		f.head += n
		if f.head == len(f.ready) {
			clear(f.ready)
			f.ready, f.head = f.ready[:0], 0
		}
		f.mu.Unlock()
		for _, c := range batch {
			c.writeNow()
		}
		clear(batch)
	}
}

package hub

import (
	"sync"
	"testing"
	"time"
)

// tryTransport is a fakeTransport that the fan-out writers may write to
// without waiting. Its calls cycle through what a socket can do: refuse the
// frames (the library holds the lock), take them all, take them and keep a
// part for the next WriteFrames (a short write), or, when full is set,
// always refuse (a client that stopped reading).
type tryTransport struct {
	*fakeTransport
	mu    sync.Mutex
	calls int
	kept  [][]byte // taken but not yet written
	full  bool
	tries int // calls of TryWriteFrames, for the test to see the fast path ran
}

func (t *tryTransport) TryWriteFrames(frames [][]byte) (took, done bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tries++
	if len(t.kept) > 0 {
		panic("TryWriteFrames while bytes are kept: the hub must call WriteFrames")
	}
	if t.full {
		return false, false, nil
	}
	t.calls++
	switch t.calls % 3 {
	case 0:
		return false, false, nil
	case 1:
		return true, true, t.fakeTransport.WriteFrames(frames)
	}
	n := len(frames) / 2
	if err := t.fakeTransport.WriteFrames(frames[:n]); err != nil {
		return true, false, err
	}
	t.kept = append(t.kept, frames[n:]...)
	return true, false, nil
}

func (t *tryTransport) WriteFrames(frames [][]byte) error {
	t.mu.Lock()
	kept := t.kept
	t.kept = nil
	t.mu.Unlock()
	if err := t.fakeTransport.WriteFrames(kept); err != nil {
		return err
	}
	return t.fakeTransport.WriteFrames(frames)
}

func registerTry(t *testing.T, h *Hub) (*Conn, *tryTransport) {
	t.Helper()
	tt := &tryTransport{fakeTransport: newFake()}
	c, err := h.Register(tt, Peer{Role: "chef"})
	if err != nil {
		t.Fatalf("Register() err = %v; want nil", err)
	}
	if c.tw == nil {
		t.Fatal("a TryWriter transport did not get the fast path")
	}
	return c, tt
}

// Whatever the socket does (refuse, take, write part), every connection
// gets every event once and in order.
func TestFanOutKeepsOrderThroughHandovers(t *testing.T) {
	h := New(Options{LastSeq: 0, QueueSize: 4096})
	h.Observe(0)
	const conns, events = 20, 300
	var ts []*tryTransport
	var first *Conn
	for i := range conns {
		c, tt := registerTry(t, h)
		c.Join("kds")
		ts = append(ts, tt)
		if i == 0 {
			first = c
		}
	}
	for s := int64(1); s <= events; s++ {
		h.Publish(ev(s, "kds"))
		if s%50 == 0 {
			// A reply goes through the same queue, between events.
			first.Send([]byte(`{"event":"ack","room":"","seq":0}`))
		}
	}
	for i, tt := range ts {
		want := events
		if i == 0 {
			want += events / 50
		}
		got := tt.waitFrames(t, want)
		var s int64
		for _, fr := range got {
			if fr.Event == "ack" {
				continue
			}
			s++
			if fr.Seq != s {
				t.Fatalf("connection %d: seqs %v; want 1..%d in order, once each", i, seqs(got), events)
			}
		}
		if len(got) != want {
			t.Fatalf("connection %d got %d frames; want %d", i, len(got), want)
		}
		tt.mu.Lock()
		tries := tt.tries
		tt.mu.Unlock()
		if tries == 0 {
			t.Errorf("connection %d: the fan-out writers never wrote to it", i)
		}
	}
}

// A client whose socket stays full is handed to its own goroutine, closed
// with 4408 when its queue overflows, and holds up nobody.
func TestFanOutSlowClientClosedAlone(t *testing.T) {
	h := New(Options{LastSeq: 0, QueueSize: 8})
	h.Observe(0)
	slow, st := registerTry(t, h)
	st.full = true
	st.block = make(chan struct{})
	slow.Join("kds")
	fast, ft := registerTry(t, h)
	fast.Join("kds")
	for s := int64(1); s <= 100; s++ {
		h.Publish(ev(s, "kds"))
		if s%4 == 0 {
			ft.waitFrames(t, int(s))
		}
	}
	close(st.block)
	select {
	case <-st.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("slow connection not closed")
	}
	if st.code != CodeTooSlow {
		t.Errorf("slow close code = %d; want %d", st.code, CodeTooSlow)
	}
	if got := ft.waitFrames(t, 100); len(got) != 100 {
		t.Errorf("fast connection got %d frames; want 100", len(got))
	}
}

// Close reaches connections the fan-out writers hold, and OnDone runs once
// each is done.
func TestFanOutCloseGoingAway(t *testing.T) {
	h := New(Options{LastSeq: 0})
	h.Observe(0)
	var ts []*tryTransport
	var done sync.WaitGroup
	for range 10 {
		c, tt := registerTry(t, h)
		c.Join("kds")
		done.Add(1)
		c.OnDone(done.Done)
		ts = append(ts, tt)
	}
	for s := int64(1); s <= 20; s++ {
		h.Publish(ev(s, "kds"))
	}
	h.Close()
	done.Wait()
	for i, tt := range ts {
		<-tt.closed
		if tt.code != CodeGoingAway {
			t.Errorf("connection %d closed with %d; want %d", i, tt.code, CodeGoingAway)
		}
	}
	c, _ := registerTry(t, New(Options{}))
	c.Close(CodeGoingAway, "bye")
	<-c.Done()
	ran := make(chan struct{})
	c.OnDone(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(time.Second):
		t.Error("OnDone after the end did not run at once")
	}
}

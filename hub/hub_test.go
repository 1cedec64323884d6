package hub

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeTransport records frames; block, when set, makes writes wait until it
// is closed (a consumer that stopped reading).
type fakeTransport struct {
	mu     sync.Mutex
	frames []frame
	closed chan struct{}
	code   int
	block  chan struct{}
}

type frame struct {
	Event string          `json:"event"`
	Room  string          `json:"room"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
}

func newFake() *fakeTransport { return &fakeTransport{closed: make(chan struct{})} }

func (f *fakeTransport) WriteFrames(frames [][]byte) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range frames {
		var fr frame
		if err := json.Unmarshal(b, &fr); err != nil {
			return fmt.Errorf("frame %q: %w", b, err)
		}
		f.frames = append(f.frames, fr)
	}
	return nil
}

func (f *fakeTransport) Close(code int, reason string) {
	f.mu.Lock()
	f.code = code
	f.mu.Unlock()
	close(f.closed)
}

func (f *fakeTransport) got() []frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]frame(nil), f.frames...)
}

// waitFrames waits until n frames arrived and returns them.
func (f *fakeTransport) waitFrames(t *testing.T, n int) []frame {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := f.got()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d frames %+v; want %d", len(got), got, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func ev(seq int64, rooms ...string) Event {
	return Event{Seq: seq, Name: "order:updated", Rooms: rooms, Data: []byte(fmt.Sprintf(`{"id":%d}`, seq))}
}

func register(t *testing.T, h *Hub, p Peer) (*Conn, *fakeTransport) {
	t.Helper()
	f := newFake()
	c, err := h.Register(f, p)
	if err != nil {
		t.Fatalf("Register() err = %v; want nil", err)
	}
	return c, f
}

func seqs(frames []frame) []int64 {
	var s []int64
	for _, f := range frames {
		s = append(s, f.Seq)
	}
	return s
}

func TestPublishReachesExactlyItsRoomsOnce(t *testing.T) {
	h := New(Options{LastSeq: 10})
	kds, fk := register(t, h, Peer{Role: "chef"})
	kds.Join("kds")
	both, fb := register(t, h, Peer{Role: "waiter"})
	both.Join("orders")
	both.Join("kds")
	menu, fm := register(t, h, Peer{Role: "customer", TableID: 3})
	menu.Join("menu")

	h.Publish(ev(11, "orders", "kds", "table:3"), ev(12, "menu"), ev(13, "tables", "table:3"))
	h.Publish(ev(14, "kds"))

	gotK := fk.waitFrames(t, 2)
	if s := seqs(gotK); fmt.Sprint(s) != "[11 14]" {
		t.Errorf("kds seqs = %v; want [11 14]", s)
	}
	gotB := fb.waitFrames(t, 2)
	if s := seqs(gotB); fmt.Sprint(s) != "[11 14]" {
		t.Errorf("orders+kds seqs = %v; want [11 14] (each once)", s)
	}
	if gotB[0].Room != "orders" || gotB[1].Room != "kds" {
		t.Errorf("rooms = %q, %q; want orders, kds", gotB[0].Room, gotB[1].Room)
	}
	gotM := fm.waitFrames(t, 1)
	if s := seqs(gotM); fmt.Sprint(s) != "[12]" || gotM[0].Event != "order:updated" || string(gotM[0].Data) != `{"id":12}` {
		t.Errorf("menu frames = %+v; want seq 12 with its data", gotM)
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(fk.got()) + len(fb.got()) + len(fm.got()); n != 5 {
		t.Errorf("total frames = %d; want 5", n)
	}
}

func TestJoinSince(t *testing.T) {
	h := New(Options{LastSeq: 100, RingSize: 4})
	c, f := register(t, h, Peer{Role: "chef"})
	if r := c.JoinSince("kds", 100); r != Joined {
		t.Fatalf("JoinSince(100) before any publish = %v; want joined", r)
	}
	c.Leave("kds")
	if r := c.JoinSince("kds", 99); r != NeedOlder {
		t.Fatalf("JoinSince(50) = %v; want need_older", r)
	}
	if r := c.JoinSince("kds", 101); r != Ahead {
		t.Fatalf("JoinSince(101) = %v; want ahead", r)
	}
	for s := int64(101); s <= 106; s++ {
		h.Publish(ev(s, "kds"))
	}
	// The ring holds 103..106 now.
	if r := c.JoinSince("kds", 101); r != NeedOlder {
		t.Fatalf("JoinSince(101) after eviction = %v; want need_older", r)
	}
	if r := c.JoinSince("kds", 104); r != Joined {
		t.Fatalf("JoinSince(104) = %v; want joined", r)
	}
	h.Publish(ev(107, "kds"))
	if s := seqs(f.waitFrames(t, 3)); fmt.Sprint(s) != "[105 106 107]" {
		t.Errorf("seqs = %v; want [105 106 107]", s)
	}
}

func TestReplaySkipsWhatAnotherRoomDelivered(t *testing.T) {
	h := New(Options{LastSeq: 5})
	c, f := register(t, h, Peer{Role: "waiter"})
	c.Join("orders") // live from 5
	h.Publish(ev(6, "orders", "kds"), ev(7, "kds"))
	// kds resumes from 4: 5 came from the log, 6 went out through orders.
	c.Replay("kds", []Event{ev(5, "kds")})
	if r := c.JoinSince("kds", 5); r != Joined {
		t.Fatalf("JoinSince = %v; want joined", r)
	}
	got := f.waitFrames(t, 3)
	if s := seqs(got); fmt.Sprint(s) != "[6 5 7]" {
		t.Errorf("seqs = %v; want [6 5 7] (6 once, through orders)", s)
	}
}

func TestSlowConnectionClosedAlone(t *testing.T) {
	h := New(Options{LastSeq: 0, QueueSize: 8})
	h.Observe(0)
	slow, fs := register(t, h, Peer{Role: "chef"})
	fs.block = make(chan struct{})
	slow.Join("kds")
	fast, ff := register(t, h, Peer{Role: "chef"})
	fast.Join("kds")

	// Paced so that the fast one keeps up: only the slow one overflows.
	for s := int64(1); s <= 100; s++ {
		start := time.Now()
		h.Publish(ev(s, "kds"))
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Publish took %v with a stalled connection", d)
		}
		if s%4 == 0 {
			ff.waitFrames(t, int(s))
		}
	}
	close(fs.block)
	select {
	case <-fs.closed:
	case <-time.After(2 * time.Second):
		t.Fatal("slow connection not closed")
	}
	if fs.code != CodeTooSlow {
		t.Errorf("slow close code = %d; want %d", fs.code, CodeTooSlow)
	}
	got := ff.waitFrames(t, 100)
	for i, fr := range got {
		if fr.Seq != int64(i+1) {
			t.Fatalf("fast frame %d seq = %d; want %d", i, fr.Seq, i+1)
		}
	}
	if h.Count() != 1 {
		t.Errorf("Count() = %d; want 1", h.Count())
	}
}

func TestDisconnectAndClose(t *testing.T) {
	h := New(Options{LastSeq: 1})
	_, f1 := register(t, h, Peer{Role: "customer", TableID: 3})
	_, f2 := register(t, h, Peer{Role: "customer", TableID: 4})
	_, f3 := register(t, h, Peer{Role: "waiter", UserID: 2})
	before := h.Disconnects()
	n := h.Disconnect(func(p Peer) bool { return p.Role == "customer" && p.TableID == 3 }, 4403, "table paired again")
	if n != 1 {
		t.Errorf("Disconnect() = %d; want 1", n)
	}
	if got := h.Disconnects(); got != before+1 {
		t.Errorf("Disconnects() = %d; want %d", got, before+1)
	}
	<-f1.closed
	if f1.code != 4403 {
		t.Errorf("code = %d; want 4403", f1.code)
	}
	h.Close()
	for _, f := range []*fakeTransport{f2, f3} {
		select {
		case <-f.closed:
			if f.code != CodeGoingAway {
				t.Errorf("code = %d; want %d", f.code, CodeGoingAway)
			}
		default:
			t.Error("Close() returned before the connection was closed")
		}
	}
	if _, err := h.Register(newFake(), Peer{}); err != ErrClosed {
		t.Errorf("Register after Close err = %v; want ErrClosed", err)
	}
}

func TestEncodeEvent(t *testing.T) {
	b := EncodeEvent(Event{Seq: 7, Name: `we"ird`, Data: []byte(`{"a":1}`)}, "table:3")
	var fr frame
	if err := json.Unmarshal(b, &fr); err != nil {
		t.Fatalf("EncodeEvent = %s: %v", b, err)
	}
	if fr.Event != `we"ird` || fr.Room != "table:3" || fr.Seq != 7 || string(fr.Data) != `{"a":1}` {
		t.Errorf("decoded %+v; want event we\"ird room table:3 seq 7", fr)
	}
}

func TestPublishGapAndDuplicate(t *testing.T) {
	h := New(Options{LastSeq: 10})
	c, f := register(t, h, Peer{Role: "chef"})
	c.Join("kds")
	h.Publish(ev(11, "kds"), ev(11, "kds"), ev(9, "kds"))
	// 12..14 never reach the hub: the ring cannot vouch for them.
	h.Publish(ev(15, "kds"))
	if s := seqs(f.waitFrames(t, 2)); fmt.Sprint(s) != "[11 15]" {
		t.Errorf("seqs = %v; want [11 15] (duplicates and older dropped)", s)
	}
	other, _ := register(t, h, Peer{Role: "chef"})
	if r := other.JoinSince("kds", 11); r != NeedOlder {
		t.Errorf("JoinSince(11) across the gap = %v; want need_older", r)
	}
	if r := other.JoinSince("kds", 14); r != Joined {
		t.Errorf("JoinSince(14) = %v; want joined", r)
	}
	if last, ok := h.LastSeq(); !ok || last != 15 {
		t.Errorf("LastSeq() = %d, %v; want 15, true", last, ok)
	}
}

func TestResyncComesBeforeLiveEvents(t *testing.T) {
	h := New(Options{LastSeq: 3})
	c, f := register(t, h, Peer{Role: "waiter"})
	c.Resync("orders", []byte(`{"event":"resync","room":"orders"}`))
	h.Publish(ev(4, "orders"))
	got := f.waitFrames(t, 2)
	if got[0].Event != "resync" || got[1].Seq != 4 {
		t.Errorf("frames = %+v; want resync then seq 4", got)
	}
}

// TestFormat: a connection registered with its own format gets that
// encoding, made once per event and shared by every such connection; the
// /ws frames of the same event are unchanged, and a replay uses the format
// too.
func TestFormat(t *testing.T) {
	h := New(Options{LastSeq: 0})
	var encodes int
	var mu sync.Mutex
	f := &Format{Encode: func(e Event, room string) []byte {
		mu.Lock()
		encodes++
		mu.Unlock()
		return []byte(fmt.Sprintf(`{"event":%q,"room":"-","seq":%d,"data":%s}`, e.Name, e.Seq, e.Data))
	}}
	var fakes []*fakeTransport
	for i := 0; i < 3; i++ {
		ft := newFake()
		c, err := h.RegisterFormat(ft, Peer{}, f)
		if err != nil {
			t.Fatal(err)
		}
		c.Join("orders")
		c.Join("kds")
		fakes = append(fakes, ft)
	}
	ws, wsFake := register(t, h, Peer{})
	ws.Join("kds")
	h.Publish(ev(1, "orders", "kds"), ev(2, "kds"))
	for _, ft := range fakes {
		got := ft.waitFrames(t, 2)
		if got[0].Room != "-" || got[0].Seq != 1 || got[1].Seq != 2 {
			t.Fatalf("formatted frames %+v; want seqs 1, 2 in the format (room -)", got)
		}
	}
	if got := wsFake.waitFrames(t, 2); got[0].Room != "kds" || got[1].Room != "kds" {
		t.Fatalf("/ws frames %+v; want room kds", got)
	}
	mu.Lock()
	n := encodes
	mu.Unlock()
	if n != 2 {
		t.Errorf("the format encoded %d times for 2 events to 3 connections; want 2", n)
	}
	// Replay from the event log goes through the format as well.
	ft := newFake()
	c, _ := h.RegisterFormat(ft, Peer{}, f)
	c.Replay("orders", []Event{ev(1, "orders")})
	if got := ft.waitFrames(t, 1); got[0].Room != "-" {
		t.Errorf("replayed frame %+v; want the format's", got[0])
	}
}

// TestReached: a seq the hub has published (or was told by Observe) is
// reached at once; a later one only when Publish gets there.
func TestReached(t *testing.T) {
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	h := New(Options{})
	early := h.Reached(3)
	h.Observe(4)
	if !closed(early) {
		t.Errorf("Reached(3) after Observe(4) still open; want closed")
	}
	if !closed(h.Reached(4)) {
		t.Errorf("Reached(4) with last 4 open; want closed at once")
	}
	six, seven := h.Reached(6), h.Reached(7)
	h.Publish(Event{Seq: 5, Name: "x", Data: []byte("{}")})
	if closed(six) || closed(seven) {
		t.Errorf("Reached(6), Reached(7) closed at seq 5; want open")
	}
	h.Publish(Event{Seq: 6, Name: "x", Data: []byte("{}")})
	if !closed(six) || closed(seven) {
		t.Errorf("at seq 6: Reached(6) closed %v, Reached(7) closed %v; want true, false", closed(six), closed(seven))
	}
	h.Publish(Event{Seq: 7, Name: "x", Data: []byte("{}")})
	if !closed(seven) {
		t.Errorf("Reached(7) at seq 7 still open; want closed")
	}
}

// Package hub fans committed events out to WebSocket connections.
//
// Events arrive already encoded, in seq order, from the store's writer (one
// publisher at a time). The hub keeps the room memberships, a ring of recent
// events for resume, and one bounded queue per connection. Publishing never
// blocks and never does I/O: it appends to queues under a lock. A few
// fan-out writers then write each queue to its Transport as far as the
// socket takes it without waiting (TryWriter), and a connection gets a
// writer goroutine of its own only while it would wait (or for a Transport
// that cannot try). A connection whose queue is full is closed with 4408
// so that it cannot slow anyone else; it resumes with since.
package hub

import (
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Close codes the hub itself uses.
const (
	// CodeGoingAway is sent to every connection when the hub closes.
	CodeGoingAway = 1001
	// CodeTooSlow is sent to a connection whose queue overflowed.
	CodeTooSlow = 4408
	// CodeAbnormal is recorded (never sent) when the transport failed.
	CodeAbnormal = 1006
)

// Defaults for zero Options fields.
const (
	DefaultRingSize  = 4096
	DefaultQueueSize = 1024
	// closeWait bounds how long Close waits for close frames to go out.
	closeWait = 3 * time.Second
)

// ErrClosed is returned by Register once the hub is closed.
var ErrClosed = errors.New("hub: closed")

// Event is one committed event; Data is its JSON payload, already encoded.
// Its fields are those of the store's event, so the box hands committed
// events over with a plain conversion.
type Event struct {
	Seq   int64
	Name  string
	Rooms []string
	Data  json.RawMessage
}

// Peer identifies who holds a connection, for revocation.
type Peer struct {
	Role    string
	UserID  int64
	TableID int64
	// TerminalID is the shared terminal a staff member signed in on with
	// a PIN (0: none), so that a lock there can close their sockets.
	TerminalID int64
}

// Options configure a Hub. Zero values mean sane defaults.
type Options struct {
	Logger *slog.Logger
	// RingSize is how many recent events are kept in memory for resume.
	RingSize int
	// QueueSize is how many frames may wait for one connection before it
	// is closed with 4408.
	QueueSize int
	// LastSeq is the newest seq already in the event log when the hub
	// starts. When it is zero the hub learns it from the first Publish or
	// Observe; until then JoinSince always asks for the event log.
	LastSeq int64
}

// Transport is the connection a Conn writes to (the server's WebSocket).
// Its methods are called from one goroutine at a time.
type Transport interface {
	// WriteFrames writes each frame as one text message, in order, and
	// returns an error if the connection is broken or a write deadline
	// passed.
	WriteFrames(frames [][]byte) error
	// Close sends a close frame with code and reason (if it can within a
	// short time) and releases the connection.
	Close(code int, reason string)
}

// TryWriter is a Transport that can also write without waiting. The hub's
// few fan-out writers use it to write straight to every connection whose
// socket has room, and hand a connection to a goroutine of its own (which
// calls WriteFrames) only when it would wait.
type TryWriter interface {
	Transport
	// TryWriteFrames writes frames as WriteFrames does, but only as far
	// as it can without waiting. took reports whether it took the frames:
	// if not, nothing was written and the hub passes them to the next
	// WriteFrames. done reports whether every byte was written; if not,
	// the transport keeps the rest and writes it first on the next
	// WriteFrames, which the hub calls at once.
	TryWriteFrames(frames [][]byte) (took, done bool, err error)
}

// Hub is the set of live connections and their rooms. It is safe for
// concurrent use.
type Hub struct {
	log       *slog.Logger
	queueSize int

	mu    sync.Mutex
	rooms map[string]map[*Conn]struct{}
	conns map[*Conn]struct{}
	ring  ring
	// known says whether last is trustworthy (from Options.LastSeq, a
	// Publish or Observe); floor is such that every event with a larger
	// seq is in the ring.
	known  bool
	last   int64
	floor  int64
	closed bool
	// disconnects counts Disconnect calls, so that a connection being
	// authenticated can tell whether a revocation ran meanwhile.
	disconnects uint64
	// waiters are the channels Reached handed out, closed once last
	// reaches their seq.
	waiters []waiter
	// stats are the running totals that Stats reports (for /metrics).
	stats Stats
	// idle lists the connections that got something to write while
	// holding the lock, for dispatchLocked to hand to the fan-out.
	idle []*Conn
	fan  fanout
}

// Stats are running totals since the hub started.
type Stats struct {
	// Events is how many events were published.
	Events uint64
	// Deliveries is how many frames were queued to connections.
	Deliveries uint64
	// SlowCloses is how many connections were closed with 4408 because
	// their queue was full.
	SlowCloses uint64
}

// Stats returns the running totals.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

type waiter struct {
	seq int64
	ch  chan struct{}
}

// New returns a hub ready for Register and Publish.
func New(opts Options) *Hub {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RingSize <= 0 {
		opts.RingSize = DefaultRingSize
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	h := &Hub{
		log:       opts.Logger,
		queueSize: opts.QueueSize,
		rooms:     make(map[string]map[*Conn]struct{}),
		conns:     make(map[*Conn]struct{}),
		ring:      ring{buf: make([]*entry, opts.RingSize)},
	}
	h.fan.init()
	if opts.LastSeq > 0 {
		h.known, h.last, h.floor = true, opts.LastSeq, opts.LastSeq
	}
	return h
}

// Publish hands committed events to every connection in their rooms. It
// never blocks on a connection: a connection whose queue is full is closed
// with 4408. The caller publishes in seq order, one goroutine at a time
// (the store does it after commit under its writer lock), so every room
// sees seqs in order without gaps.
func (h *Hub) Publish(evs ...Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range evs {
		if h.known && ev.Seq <= h.last {
			// A replayed or duplicate publish would break "never twice".
			h.log.Warn("hub: dropped out-of-order event", "seq", ev.Seq, "last", h.last, "event", ev.Name)
			continue
		}
		if !h.known {
			h.known, h.floor = true, ev.Seq-1
		} else if ev.Seq != h.last+1 {
			h.log.Warn("hub: seq gap in published events", "seq", ev.Seq, "last", h.last)
			// The ring cannot prove it covers the gap.
			h.floor = ev.Seq - 1
			h.ring.clear()
		}
		h.last = ev.Seq
		h.stats.Events++
		e := &entry{ev: ev}
		if old := h.ring.push(e); old != nil {
			h.floor = old.ev.Seq
		}
		for _, room := range ev.Rooms {
			for c := range h.rooms[room] {
				if c.lastLive == ev.Seq {
					continue // already sent through another of its rooms
				}
				c.lastLive = ev.Seq
				if c.enqueueLocked(e.frame(room, c.format)) {
					h.stats.Deliveries++
				}
			}
		}
	}
	h.dispatchLocked()
	h.wakeLocked()
}

// dispatchLocked hands the connections that have something to write to the
// fan-out writers. Every method that queues frames calls it before it lets
// go of the lock.
func (h *Hub) dispatchLocked() {
	if len(h.idle) == 0 {
		return
	}
	h.fan.add(h.idle)
	clear(h.idle)
	h.idle = h.idle[:0]
}

// Reached returns a channel that is closed once the hub has published seq,
// or was told by Observe that the log reached it; at once if it has. A
// reader that learned a seq from the event log (committed, but maybe not
// handed to the hub yet) waits on it instead of polling.
func (h *Hub) Reached(seq int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan struct{})
	if h.known && h.last >= seq {
		close(ch)
		return ch
	}
	h.waiters = append(h.waiters, waiter{seq: seq, ch: ch})
	return ch
}

// wakeLocked closes the channels of the waiters whose seq was reached.
func (h *Hub) wakeLocked() {
	if len(h.waiters) == 0 {
		return
	}
	kept := h.waiters[:0]
	for _, w := range h.waiters {
		if h.known && h.last >= w.seq {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(h.waiters[len(kept):])
	h.waiters = kept
}

// Observe tells the hub the newest seq of the event log, read by the caller
// from the store. It matters only before the first Publish when
// Options.LastSeq was not given; later calls are ignored.
func (h *Hub) Observe(lastSeq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.known {
		h.known, h.last, h.floor = true, lastSeq, lastSeq
		h.wakeLocked()
	}
}

// LastSeq returns the newest published seq (or the one given to New or
// Observe), and false if the hub does not know it yet.
func (h *Hub) LastSeq() (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last, h.known
}

// Register adds a connection that writes to t, held by p, and receives
// events as /ws frames. It returns ErrClosed after Close.
func (h *Hub) Register(t Transport, p Peer) (*Conn, error) {
	return h.RegisterFormat(t, p, nil)
}

// RegisterFormat is Register for a connection that receives events in
// format f (nil means the /ws frame). It returns ErrClosed after Close.
func (h *Hub) RegisterFormat(t Transport, p Peer, f *Format) (*Conn, error) {
	if f == nil {
		f = wsFormat
	}
	c := &Conn{hub: h, t: t, peer: p, format: f, subs: make(map[string]int64, 4), done: make(chan struct{})}
	c.tw, _ = t.(TryWriter)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	h.conns[c] = struct{}{}
	return c, nil
}

// Disconnect closes every connection whose peer matches, with code and
// reason (4403 on revocation), and returns how many it closed.
func (h *Hub) Disconnect(match func(Peer) bool, code int, reason string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.disconnects++
	n := 0
	for c := range h.conns {
		if match(c.peer) {
			c.closeLocked(code, reason)
			n++
		}
	}
	return n
}

// Disconnects returns how many times Disconnect was called. A caller that
// checks a token and then sets its Peer compares it before and after: if
// it changed, a revocation may have missed the connection.
func (h *Hub) Disconnects() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.disconnects
}

// Count returns how many connections are registered.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Close sends 1001 going away to every connection, refuses new ones, and
// waits a short while for the close frames to go out.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	dones := make([]chan struct{}, 0, len(h.conns))
	for c := range h.conns {
		c.closeLocked(CodeGoingAway, "server shutting down")
		dones = append(dones, c.done)
	}
	h.mu.Unlock()
	h.fan.close()
	deadline := time.NewTimer(closeWait)
	defer deadline.Stop()
	for _, d := range dones {
		select {
		case <-d:
		case <-deadline.C:
			h.log.Warn("hub: gave up waiting for connections to close")
			return
		}
	}
}

// JoinResult says what JoinSince did.
type JoinResult int

// The outcomes of JoinSince.
const (
	// Joined: the missed events of the room were queued and the
	// connection is live in it.
	Joined JoinResult = iota
	// NeedOlder: the ring no longer reaches back to since; nothing was
	// done. Read the events after since from the event log, Replay them,
	// and call JoinSince again with the newest seq covered.
	NeedOlder
	// Ahead: since is newer than anything published, so the client's
	// numbers come from elsewhere; nothing was done (send resync).
	Ahead
)

func (r JoinResult) String() string {
	switch r {
	case Joined:
		return "joined"
	case NeedOlder:
		return "need_older"
	case Ahead:
		return "ahead"
	}
	return "unknown"
}

type entry struct {
	ev Event
	// frames caches the encoded frame per format and room label; an
	// event names at most a few rooms, so a slice beats a map.
	frames []roomFrame
}

type roomFrame struct {
	format *Format
	room   string
	frame  []byte
}

// frame returns the event encoded in format f for room; called under the
// hub lock.
func (e *entry) frame(room string, f *Format) []byte {
	if !f.ByRoom {
		room = ""
	}
	for _, rf := range e.frames {
		if rf.format == f && rf.room == room {
			return rf.frame
		}
	}
	b := f.Encode(e.ev, room)
	e.frames = append(e.frames, roomFrame{f, room, b})
	return b
}

// ring is a fixed-size circular buffer of the newest events.
type ring struct {
	buf   []*entry
	start int
	n     int
}

// push appends e and returns the entry it evicted, if any.
func (r *ring) push(e *entry) *entry {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = e
		r.n++
		return nil
	}
	old := r.buf[r.start]
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
	return old
}

func (r *ring) clear() {
	clear(r.buf)
	r.start, r.n = 0, 0
}

// after calls fn for every entry with a seq above since, oldest first.
func (r *ring) after(since int64, fn func(*entry)) {
	// Seqs in the ring are consecutive, so the first wanted index is
	// computed rather than searched.
	if r.n == 0 {
		return
	}
	first := r.buf[r.start].ev.Seq
	skip := 0
	if since >= first {
		skip = int(since - first + 1)
	}
	for i := skip; i < r.n; i++ {
		fn(r.buf[(r.start+i)%len(r.buf)])
	}
}

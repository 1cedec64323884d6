package hub

import "sync"

// Conn is one registered connection: its rooms, its bounded send queue and
// the writer that drains the queue into its Transport. Its methods are safe
// for concurrent use.
type Conn struct {
	hub    *Hub
	t      Transport
	tw     TryWriter // t, when it can write without waiting; else nil
	format *Format

	// Guarded by hub.mu.
	peer Peer
	// subs maps each joined room to the seq after which this connection
	// receives the room's events (by replay up to the join, then live).
	subs map[string]int64
	// lastLive is the seq of the last published event queued here, so an
	// event in several of the connection's rooms is queued once.
	lastLive int64

	mu      sync.Mutex // guards the fields below; never held during I/O
	queue   [][]byte
	spare   [][]byte
	writing bool
	closing bool
	code    int
	reason  string
	done    chan struct{}
	ended   bool   // done is closed
	onDone  func() // called once done is closed
}

// Peer returns who holds the connection.
func (c *Conn) Peer() Peer {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	return c.peer
}

// SetPeer replaces who holds the connection (after a re-auth).
func (c *Conn) SetPeer(p Peer) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	c.peer = p
}

// Send queues one frame (a reply such as ack or error). It returns false
// if the connection is closing.
func (c *Conn) Send(frame []byte) bool {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	defer c.hub.dispatchLocked()
	return c.enqueueLocked(frame)
}

// Rooms returns the rooms the connection is in.
func (c *Conn) Rooms() []string {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	rooms := make([]string, 0, len(c.subs))
	for r := range c.subs {
		rooms = append(rooms, r)
	}
	return rooms
}

// In reports whether the connection is in room.
func (c *Conn) In(room string) bool {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	_, ok := c.subs[room]
	return ok
}

// Join puts the connection in room, live from now on. Joining a room it is
// already in changes nothing.
func (c *Conn) Join(room string) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	if _, ok := c.subs[room]; ok {
		return
	}
	c.joinLocked(room, c.hub.last)
}

// Resync queues frame (the resync notice) and joins room live from now, in
// one step so that no event of the room slips in before the notice.
func (c *Conn) Resync(room string, frame []byte) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	defer c.hub.dispatchLocked()
	if c.enqueueLocked(frame) {
		c.joinLocked(room, c.hub.last)
	}
}

// JoinSince joins room and first queues every event of the room with a seq
// above since, if the ring still holds them all. Events that already went
// to this connection through another of its rooms are skipped. See
// JoinResult for what the caller does otherwise.
func (c *Conn) JoinSince(room string, since int64) JoinResult {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.dispatchLocked()
	if !h.known || since < h.floor {
		return NeedOlder
	}
	if since > h.last {
		return Ahead
	}
	if _, ok := c.subs[room]; ok {
		// Already live in the room: everything after since either went
		// out already or is queued.
		return Joined
	}
	h.ring.after(since, func(e *entry) {
		if !hasRoom(e.ev.Rooms, room) || c.deliveredLocked(e.ev, room) {
			return
		}
		c.enqueueLocked(e.frame(room, c.format))
	})
	c.joinLocked(room, since)
	return Joined
}

// Replay queues events read from the event log for room, oldest first,
// skipping those that reached this connection through another room. It
// returns false if the connection is closing (or its queue overflowed).
func (c *Conn) Replay(room string, evs []Event) bool {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	defer c.hub.dispatchLocked()
	for _, ev := range evs {
		if c.deliveredLocked(ev, room) {
			continue
		}
		if !c.enqueueLocked(c.format.Encode(ev, room)) {
			return false
		}
	}
	return true
}

// Leave takes the connection out of room.
func (c *Conn) Leave(room string) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	c.leaveLocked(room)
}

// Close closes the connection with code and reason: it leaves every room at
// once and its writer sends the close frame. Later calls do nothing.
func (c *Conn) Close(code int, reason string) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	c.closeLocked(code, reason)
}

// Done is closed once the connection is closed and its Transport released.
func (c *Conn) Done() <-chan struct{} { return c.done }

// OnDone calls f once the connection is done (at once if it is): a
// goroutine waiting on Done would cost an idle connection a stack.
func (c *Conn) OnDone(f func()) {
	c.mu.Lock()
	if !c.ended {
		c.onDone = f
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	f()
}

// CloseCode returns the code the connection was closed with by this side
// (0 while open or when only the peer closed it).
func (c *Conn) CloseCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// deliveredLocked reports whether ev went (or will go) to this connection
// through a room other than room.
func (c *Conn) deliveredLocked(ev Event, room string) bool {
	for _, r := range ev.Rooms {
		if r == room {
			continue
		}
		if from, ok := c.subs[r]; ok && ev.Seq > from {
			return true
		}
	}
	return false
}

func (c *Conn) joinLocked(room string, from int64) {
	if c.isClosing() {
		return
	}
	c.subs[room] = from
	m := c.hub.rooms[room]
	if m == nil {
		m = make(map[*Conn]struct{})
		c.hub.rooms[room] = m
	}
	m[c] = struct{}{}
}

func (c *Conn) leaveLocked(room string) {
	delete(c.subs, room)
	if m := c.hub.rooms[room]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(c.hub.rooms, room)
		}
	}
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// enqueueLocked appends frame to the queue and makes sure a writer will
// run: a connection that was idle is started at once, or, when its
// transport can write without waiting, put on the hub's list for the
// fan-out writers (the caller hands that list over with dispatchLocked
// before it lets go of hub.mu). Called under hub.mu; takes c.mu briefly. A
// full queue closes the connection with 4408 instead of waiting.
func (c *Conn) enqueueLocked(frame []byte) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.hub.queueSize {
		c.mu.Unlock()
		c.hub.stats.SlowCloses++
		c.closeLocked(CodeTooSlow, "too slow: send queue full")
		return false
	}
	c.queue = append(c.queue, frame)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		if c.tw != nil {
			c.hub.idle = append(c.hub.idle, c)
		} else {
			go c.writeLoop(false, nil)
		}
	}
	return true
}

// closeLocked is Close under hub.mu.
func (c *Conn) closeLocked(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	c.queue = nil
	start := !c.writing
	c.writing = true
	c.mu.Unlock()

	for room := range c.subs {
		c.leaveLocked(room)
	}
	delete(c.hub.conns, c)
	if start {
		go c.writeLoop(false, nil)
	}
}

// writeNow is a fan-out writer's turn at the connection: it writes what is
// queued as long as the socket takes it without waiting, and hands the
// connection over to a goroutine of its own when it would wait (a slow
// client), when it closes, or when a write failed. It never blocks, so one
// slow client cannot hold up the others.
func (c *Conn) writeNow() {
	for {
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			go c.writeLoop(false, nil)
			return
		}
		if len(c.queue) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()

		took, done, err := c.tw.TryWriteFrames(batch)
		if err != nil {
			c.writeFailed()
			go c.writeLoop(false, nil)
			return
		}
		if !took {
			// The goroutine owns batch now, and writes it first.
			go c.writeLoop(true, batch)
			return
		}
		clear(batch)
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()
		if !done {
			go c.writeLoop(true, nil)
			return
		}
	}
}

// writeFailed closes the connection after its transport failed.
func (c *Conn) writeFailed() {
	c.hub.mu.Lock()
	c.closeLocked(CodeAbnormal, "write failed")
	c.hub.mu.Unlock()
}

// writeLoop is the connection's writer when it has to wait: it runs while
// there is something to write and exits when the queue is empty, so an
// idle connection costs no goroutine. Each pass takes the whole queue, so
// frames that piled up during a write go out together. handover says it
// takes over from writeNow: first is written (with what the transport kept)
// before anything else.
func (c *Conn) writeLoop(handover bool, first [][]byte) {
	for {
		c.mu.Lock()
		if c.closing {
			code, reason := c.code, c.reason
			c.mu.Unlock()
			c.t.Close(code, reason)
			c.mu.Lock()
			c.ended = true
			f := c.onDone
			c.onDone = nil
			c.mu.Unlock()
			close(c.done)
			if f != nil {
				f()
			}
			return
		}
		var batch [][]byte
		switch {
		case handover:
			batch, handover = first, false
		case len(c.queue) == 0:
			c.writing = false
			// Idle connections should not pin a large backing array.
			if cap(c.spare) > 64 {
				c.spare = nil
			}
			c.mu.Unlock()
			return
		default:
			batch = c.queue
			c.queue, c.spare = c.spare[:0], nil
		}
		c.mu.Unlock()

		err := c.t.WriteFrames(batch)
		clear(batch)

		c.mu.Lock()
		if cap(batch) > 0 {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
		if err != nil {
			c.writeFailed()
		}
	}
}

func hasRoom(rooms []string, room string) bool {
	for _, r := range rooms {
		if r == room {
			return true
		}
	}
	return false
}

package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
)

// errSIOGone fails a write to a Socket.IO client that stopped polling or
// whose session ended.
var errSIOGone = errors.New("socket.io client gone")

// sioTransport is the hub.Transport of one Engine.IO session. Frames go to
// the long-poll GET the client keeps waiting until the client upgrades, and
// as WebSocket text messages after that. The hub's writer is its only
// caller of WriteFrames and Close, so while a polling client is between
// two GETs the writer waits here and the hub's bounded queue collects what
// comes meanwhile: a slow poller fills its own queue and is closed with
// 4408, and nobody else waits.
type sioTransport struct {
	sess *sioSession

	mu        sync.Mutex
	ws        *wsTransport // set once the session speaks WebSocket
	poll      *sioPoll     // the GET waiting for frames
	upgrading bool         // a probe was answered: GETs return at once
	dead      bool         // the client is gone or the session ended
	// wake tells a waiting writer that poll, ws or dead changed.
	wake chan struct{}
}

// sioPoll is one waiting long-poll GET; out receives its payload once.
type sioPoll struct {
	out chan []byte
}

func newSIOTransport(sess *sioSession) *sioTransport {
	return &sioTransport{sess: sess, wake: make(chan struct{}, 1)}
}

// signalLocked wakes a waiting writer; called with t.mu held.
func (t *sioTransport) signalLocked() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// TryWriteFrames implements hub.TryWriter: on WebSocket the frames go
// straight to the socket when it has room; a polling session waits for
// its next GET, so they are left to WriteFrames.
func (t *sioTransport) TryWriteFrames(frames [][]byte) (took, done bool, err error) {
	t.mu.Lock()
	ws, dead := t.ws, t.dead
	t.mu.Unlock()
	if dead || ws == nil {
		return false, false, nil
	}
	return ws.TryWriteFrames(frames)
}

// WriteFrames implements hub.Transport: the frames go out as one polling
// payload or as WebSocket messages. Waiting for the next GET is bounded by
// the heartbeat: a client that sends none for a ping interval and timeout
// is gone.
func (t *sioTransport) WriteFrames(frames [][]byte) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		t.mu.Lock()
		switch {
		case t.dead:
			t.mu.Unlock()
			return errSIOGone
		case t.ws != nil:
			ws := t.ws
			t.mu.Unlock()
			return ws.WriteFrames(frames)
		case t.poll != nil:
			p := t.poll
			t.poll = nil
			t.mu.Unlock()
			p.out <- eioPayload(frames)
			return nil
		}
		t.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(t.sess.s.sio.pingInterval() + t.sess.s.sio.pingTimeout())
		}
		select {
		case <-t.wake:
		case <-timer.C:
			return errSIOGone
		}
	}
}

// Close implements hub.Transport. A revoked or expired token (4403, 4401)
// first gets Socket.IO's disconnect packet, so the client does not
// reconnect with it by itself; every close then ends the Engine.IO session
// (a WebSocket close frame, or the close packet on the next poll), after
// which socket.io-client reconnects unless it was told it was disconnected.
// A session in the middle of its upgrade says goodbye on the WebSocket
// once the client has switched.
func (t *sioTransport) Close(code int, reason string) {
	defer t.sess.finish(code)
	var last [][]byte
	if (code == wsCodeAuth || code == wsCodeForbidden) && t.sess.isConnected() {
		last = append(last, sioNspFrame(sioDisconnect, "/", nil))
	}
	// Nobody listens for a goodbye from a link that broke or a client
	// that left.
	quiet := code == hub.CodeAbnormal || code < 1000 || code == sioCodeClientClosed
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		t.mu.Lock()
		ws, dead := t.ws, t.dead
		if ws != nil || dead || quiet {
			t.killLocked()
			t.mu.Unlock()
			switch {
			case ws == nil:
			case dead || quiet:
				ws.ws.CloseNow()
			default:
				if len(last) > 0 {
					ws.WriteFrames(last)
				}
				ws.Close(code, reason)
			}
			return
		}
		if p := t.poll; p != nil {
			t.poll = nil
			t.killLocked()
			t.mu.Unlock()
			p.out <- eioPayload(append(last, []byte{eioClose}))
			return
		}
		t.mu.Unlock()
		// A polling client normally has a GET waiting, or is about to
		// switch to its WebSocket; give it a moment.
		if timer == nil {
			timer = time.NewTimer(sioCloseWait)
		}
		select {
		case <-t.wake:
		case <-timer.C:
			t.kill()
			return
		}
	}
}

// kill marks the client gone: a waiting writer returns, a waiting GET gets
// a close packet, later GETs are refused.
func (t *sioTransport) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.killLocked()
}

func (t *sioTransport) killLocked() {
	t.dead = true
	if p := t.poll; p != nil {
		t.poll = nil
		p.out <- []byte{eioClose}
	}
	t.signalLocked()
}

// errSIOPollRefused and errSIOPollOverlap answer a GET that may not wait.
var (
	errSIOPollRefused = errors.New("the session does not poll")
	errSIOPollOverlap = errors.New("a poll is already waiting")
)

// awaitPoll holds a long-poll GET until the writer has frames for it, the
// session ends, or ctx ends (the client went away). It returns the
// payload to answer with.
func (t *sioTransport) awaitPoll(ctx context.Context) ([]byte, error) {
	p := &sioPoll{out: make(chan []byte, 1)}
	t.mu.Lock()
	switch {
	case t.dead || t.ws != nil:
		t.mu.Unlock()
		return nil, errSIOPollRefused
	case t.poll != nil:
		t.mu.Unlock()
		return nil, errSIOPollOverlap
	case t.upgrading:
		// The client is pausing polling to switch to its WebSocket:
		// what is queued goes there after the switch.
		t.mu.Unlock()
		return []byte{eioNoop}, nil
	}
	t.poll = p
	t.signalLocked()
	t.mu.Unlock()
	select {
	case b := <-p.out:
		return b, nil
	case <-ctx.Done():
		t.mu.Lock()
		if t.poll == p {
			t.poll = nil
			t.mu.Unlock()
			return nil, ctx.Err()
		}
		t.mu.Unlock()
		// Handed frames at the same moment: answer with them anyway.
		return <-p.out, nil
	}
}

// beginUpgrade answers the probe of a WebSocket upgrade: a waiting GET
// returns at once with a noop, so the client can pause polling and switch.
// It returns false if the session cannot upgrade (already upgrading, or
// gone).
func (t *sioTransport) beginUpgrade() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dead || t.ws != nil || t.upgrading {
		return false
	}
	t.upgrading = true
	if p := t.poll; p != nil {
		t.poll = nil
		p.out <- []byte{eioNoop}
	}
	return true
}

// abortUpgrade returns to polling after a failed probe.
func (t *sioTransport) abortUpgrade() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.upgrading = false
}

// useWebSocket switches the session to ws: from now on every frame, those
// already queued included, goes there.
func (t *sioTransport) useWebSocket(ws *websocket.Conn, fc *frameConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dead {
		return false
	}
	t.ws, t.upgrading = &wsTransport{ws: ws, fc: fc}, false
	if p := t.poll; p != nil {
		t.poll = nil
		p.out <- []byte{eioNoop}
	}
	t.signalLocked()
	return true
}

// isWebSocket reports whether the session speaks WebSocket.
func (t *sioTransport) isWebSocket() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ws != nil
}
